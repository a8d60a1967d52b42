"""Find raw program output in the built book's HTML and pasted output in its prose sources.

A page of the book shows journal-style numbers and tables, never what a program
printed for its developer. :func:`scan_html` reads the *output* of each built page
(the notebooks' output areas, the values glued into the prose, and every table)
and lists what looks like raw output: reprs (``np.float64(``, ``<... object at
0x``, ``dtype:``), tracebacks, standard-error blocks, warnings, pandas dumps
(``0.000000``, floats with six or more decimals in a table cell, an index column,
``nan`` cells), p-values printed as ``0.0000``, snake_case column headers and
IPython's ``ERROR!``. Code that a reader sees as *input* (code cells, command
lines, file names in the prose) is not scanned.

:func:`scan_prose` checks the prose sources (``book/*.md`` and the markdown cells
of ``book/*.ipynb``) for program output pasted into a code block: a block that is
not a command a reader types, but looks like what a program printed (a CSV or
aligned table of numbers, progress lines, ``key: value`` reports).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Hit", "scan_html", "scan_page", "scan_prose", "scan_prose_text"]


@dataclass(frozen=True)
class Hit:
    """One finding: the page, the rule it breaks, and the offending text (shortened)."""

    page: str
    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.page}: {self.rule}: {self.text}"


# Rules on the text of output areas and glued values.
_TEXT_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("numpy repr", re.compile(r"\bnp\.(?:float|int|uint|bool|str)\w*\(")),
    ("object repr", re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")),
    ("figure repr", re.compile(r"<(?:Figure|Axes)\b[^>]*>")),
    ("pandas dtype line", re.compile(r"\bdtype: \w+")),
    ("traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("warning line", re.compile(r"\b[A-Z]\w*Warning: |\bWARNING\b|^\s*Warning: ", re.M)),
    ("unformatted float (6 or more decimals)", re.compile(r"(?<![\d.])-?\d+\.\d{6,}")),
    (
        "p-value printed as zero (0.000…)",
        re.compile(r"\bp(?:-value)?\s*[=:<]?\s*0\.0{3,}(?![\d]*[1-9])"),
    ),
    ("IPython ERROR!", re.compile(r"ERROR!")),
)
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_RAW_CELL = re.compile(r"^(?:nan|NaN|None|<NA>|NaT|inf|-inf)$")


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _output_elements(soup) -> Iterator:
    """The parts of a page that show program output: output areas and glued values."""
    yield from soup.select("div.cell_output")
    yield from soup.select(".pasted-text, .pasted-inline")


def scan_page(html: str, page: str = "page") -> list[Hit]:
    """Every raw-output finding on one built page.

    Examples
    --------
    >>> page = ('<div class="cell_output"><pre>np.float64(0.5)</pre></div>'
    ...         '<p>prose with np.float64( in words is not scanned</p>'
    ...         '<table><tr><th>logrank_p</th></tr><tr><td>0.0123456</td></tr></table>')
    >>> [hit.rule for hit in scan_page(page)]
    ['numpy repr', 'snake_case header', 'unformatted float in a table cell']
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup.select("style, script, .cell_input"):
        hidden.decompose()
    hits: list[Hit] = []
    for element in _output_elements(soup):
        text = "\n".join(s for s in element.find_all(string=True) if not s.find_parent("table"))
        for rule, pattern in _TEXT_RULES:
            for match in pattern.finditer(text):
                line = text[text.rfind("\n", 0, match.start()) + 1 : text.find("\n", match.end())]
                hits.append(Hit(page, rule, _short(line or match.group())))
        for block in element.select(".stderr, .output.traceback, .output.error"):
            hits.append(Hit(page, "standard error or error output", _short(block.get_text())))
    hits.extend(_table_hits(soup, page))
    return list(dict.fromkeys(hits))


def _table_hits(soup, page: str) -> Iterator[Hit]:
    for table in soup.select("table"):
        caption = table.find("caption")
        where = _short(caption.get_text(), 50) if caption else "a table"
        for th in table.select("th"):
            text = th.get_text(" ", strip=True)
            if _SNAKE.match(text):
                yield Hit(page, "snake_case header", f"{text!r} in {where}")
        if table.select("th.row_heading, th.blank, th.index_name"):
            yield Hit(page, "index column", where)
        p_columns = _p_columns(table)
        for row in table.select("tr"):
            for column, td in enumerate(row.find_all(["td", "th"])):
                if td.name != "td":
                    continue
                text = td.get_text(" ", strip=True)
                if re.fullmatch(r"-?\d+\.\d{6,}", text):
                    yield Hit(page, "unformatted float in a table cell", f"{text} in {where}")
                elif _RAW_CELL.match(text):
                    yield Hit(page, "raw missing value in a table cell", f"{text!r} in {where}")
                elif column in p_columns and re.fullmatch(r"0\.0{3,}", text):
                    yield Hit(page, "p-value printed as zero (0.000…)", f"{text} in {where}")


def _p_columns(table) -> set[int]:
    """Positions of the columns whose header names a p-value."""
    head = table.select("thead tr") or table.select("tr")[:1]
    if not head:
        return set()
    names = [cell.get_text(" ", strip=True) for cell in head[-1].find_all(["th", "td"])]
    return {i for i, name in enumerate(names) if _P_HEADER.search(name)}


_P_HEADER = re.compile(r"(?:^|[\s_(-])p(?:$|[\s_)-])|p[_ -]?value", re.I)


def scan_html(
    html_dir: str | Path, pages: Iterable[str] = ("book/**/*.html", "*.html")
) -> list[Hit]:
    """:func:`scan_page` over the book's pages in ``html_dir`` (the search page and
    Sphinx's generated index pages excluded)."""
    html_dir = Path(html_dir)
    hits: list[Hit] = []
    seen = set()
    for pattern in pages:
        for path in sorted(html_dir.glob(pattern)):
            if path in seen or path.name in ("search.html", "genindex.html"):
                continue
            seen.add(path)
            name = path.relative_to(html_dir).as_posix()
            hits.extend(scan_page(path.read_text(encoding="utf-8"), name))
    return hits


# What a reader types: a shell prompt, or a command of the project or a tool.
_COMMAND = re.compile(
    r"^\s*(?:\$ |>>> |\.?\.?/?\.venv/bin/|python\b|make\b|pip\b|git\b|jupyter\b|conda\b|cd\b|"
    r"export\b|#)"
)
# What a program prints: progress and report lines, CSV rows, aligned number columns.
_OUTPUT_LINE = (
    re.compile(r"^\s*\[\d+/\d+\]"),  # progress counters
    re.compile(r"\bdone in \d+(?:\.\d+)? ?s\b"),
    re.compile(r"^[^,\n]+(?:,[^,\n]*){2,}$"),  # a CSV row
    re.compile(r"(?:-?\d+(?:\.\d+)?\s{2,}){2,}-?\d+(?:\.\d+)?"),  # aligned numbers
    re.compile(r"\d\.\d{5,}"),  # long decimals
    re.compile(r"^(?:Table|Figure|Wrote|Written|Saved|Executed|Sweeping)\b.*:"),
)
_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([^\n`]*)$")
_COMMAND_LANGUAGES = {"bash", "sh", "shell", "console", "python", "yaml", "toml"}


def _code_blocks(text: str) -> Iterator[tuple[int, str, list[str]]]:
    """(first line number, info string, lines) of each fenced block of a MyST text."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i].strip())
        if not match:
            i += 1
            continue
        fence, info = match.group(1), match.group(2).strip()
        start, body = i + 1, []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1
        yield start, info, body


def scan_prose_text(text: str, page: str = "page") -> list[Hit]:
    """Pasted program output in one MyST text's fenced blocks.

    A ``{directive}`` block (admonitions, figures, glue) is prose and not checked. In
    a command block (``bash``, ``python``...) a line that is not a command nor a
    continuation of one is output; in any other block (``text``, none) a line that
    looks printed by a program (a CSV row, a progress line, aligned numbers, long
    decimals) is.

    Examples
    --------
    >>> scan_prose_text("```bash\\npython -m nettx_utils run\\n```")
    []
    >>> [h.rule for h in scan_prose_text("```text\\n12,0.05,0.3008620401180355\\n```")]
    ['pasted program output']
    """
    hits = []
    for start, info, body in _code_blocks(text):
        language = info.split()[0].lower() if info else ""
        if language.startswith("{"):
            continue
        continuation = False
        for offset, line in enumerate(body):
            if not line.strip():
                continuation = False
                continue
            if language in _COMMAND_LANGUAGES:
                printed = not (continuation or _COMMAND.match(line) or line.startswith((" ", "\t")))
                if language in ("python", "yaml", "toml"):
                    printed = any(p.search(line) for p in _OUTPUT_LINE[:2])
            else:
                printed = any(p.search(line) for p in _OUTPUT_LINE)
            continuation = line.rstrip().endswith("\\")
            if printed:
                hits.append(
                    Hit(page, "pasted program output", f"line {start + offset + 1}: {_short(line)}")
                )
    return hits


def scan_prose(book_dir: str | Path) -> list[Hit]:
    """:func:`scan_prose_text` over ``book_dir``'s ``*.md`` pages and the markdown cells
    of its ``*.ipynb`` pages."""
    book_dir = Path(book_dir)
    hits = []
    for path in sorted(book_dir.glob("*.md")):
        hits.extend(scan_prose_text(path.read_text(encoding="utf-8"), path.name))
    for path in sorted(book_dir.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for number, cell in enumerate(notebook["cells"]):
            if cell["cell_type"] == "markdown":
                source = "".join(cell["source"])
                hits.extend(scan_prose_text(source, f"{path.name} cell {number}"))
    return hits

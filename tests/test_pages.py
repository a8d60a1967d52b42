"""No raw program output on any page: in the prose sources, and in the built book.

The prose checks (:func:`nettx_utils.pages.pagecheck.scan_prose`) read ``book/``; the scan of
the built HTML (:func:`nettx_utils.pages.pagecheck.scan_html`) uses the session's default
book (``default_book`` in ``conftest.py``) and the book built with other cut-offs.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from nettx_utils.build import pipeline, sweep_preview
from nettx_utils.pages import pagecheck

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def test_no_prose_page_holds_pasted_program_output():
    hits = pagecheck.scan_prose(BOOK)
    assert not hits, "pasted program output in a prose page:\n" + "\n".join(map(str, hits))


@pytest.mark.parametrize(
    "block",
    [
        "```text\nearly_recurrence_months,timing_p\n12,0.3008620401180355\n```",
        "```\n[1/3] early_recurrence_months=12: done in 30.3 s\n```",
        "```text\n   n   p\n  12   0.05   0.3\n```",
        "```bash\npython -m nettx_utils validate my.csv\nerror: my.csv: column 'MRN' looks like\n```",
    ],
)
def test_the_prose_scan_finds_pasted_output(block):
    assert pagecheck.scan_prose_text(f"Some prose.\n\n{block}\n") != []


@pytest.mark.parametrize(
    "block",
    [
        "```bash\npython -m nettx_utils sweep 05 -p early_recurrence_months 12 24 36\n```",
        "```bash\n.venv/bin/python -m nettx_utils run \\\n    --data my.csv\n```",
        "```text\nresults/sweeps/05-x/   (the default --out)\n    sweep.csv    one row per value\n```",
        "```{important}\nThe values 1,2,3 and 0.123456 are prose here.\n```",
    ],
)
def test_the_prose_scan_leaves_commands_and_directives_alone(block):
    assert pagecheck.scan_prose_text(f"Some prose.\n\n{block}\n") == []


def test_page_notebooks_are_committed_without_outputs():
    pages = pipeline.page_notebooks()
    assert pages, "the page on parameters is a notebook executed by the pipeline"
    for path in pages:
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name


def test_the_html_scan_reads_outputs_and_tables_not_prose_or_code():
    page = """
    <div class="cell_input"><pre>x = np.float64(1.0)  # code a reader sees</pre></div>
    <p>Prose may name np.float64( or a file results_table.csv.</p>
    <div class="cell_output"><div class="output stderr"><pre>oops</pre></div>
      <pre>RuntimeWarning: divide by zero\nERROR! Session/line number was not unique</pre>
      <pre>0    1.5\nName: x, dtype: float64</pre>
      <pre>Traceback (most recent call last):</pre>
      <pre>&lt;lifelines.KaplanMeierFitter object at 0x7f00&gt;</pre></div>
    <span class="pasted-text">p = 0.0000</span>
    <table><thead><tr><th class="blank"></th><th>Log-rank p</th><th>mean</th></tr></thead>
      <tbody><tr><th class="row_heading">0</th><td>0.0000</td><td>nan</td></tr></tbody></table>
    """
    rules = {hit.rule for hit in pagecheck.scan_page(page)}
    assert rules == {
        "standard error or error output",
        "warning line",
        "IPython ERROR!",
        "pandas dtype line",
        "traceback",
        "object repr",
        "p-value printed as zero (0.000…)",
        "index column",
        "raw missing value in a table cell",
    }
    clean = (
        '<div class="cell_output"><table><thead><tr><th>Log-rank p</th><th>Deaths</th></tr>'
        "</thead><tbody><tr><td>&lt; 0.001</td><td>0.0000</td></tr></tbody></table></div>"
    )
    assert pagecheck.scan_page(clean) == []  # 0.0000 outside a p column is a number


@pytest.mark.slow
@pytest.mark.parametrize("book", ["default_book", "changed_book"])
def test_no_built_page_shows_raw_program_output(book, request):
    built = request.getfixturevalue(book)
    hits = pagecheck.scan_html(built.html_dir)
    assert not hits, f"{len(hits)} raw output(s) on the pages:\n" + "\n".join(map(str, hits))


@pytest.mark.slow
def test_the_parameters_page_shows_what_the_build_computed(default_book):
    from bs4 import BeautifulSoup

    from nettx_utils.formatting import format_p

    html = (default_book.html_dir / "book" / "new_parameters.html").read_text(encoding="utf-8")
    table = BeautifulSoup(html, "html.parser").select_one("div.cell_output table")
    rows = [[td.get_text(strip=True) for td in tr.select("td")] for tr in table.select("tbody tr")]
    expected = sweep_preview.timing_preview([12, 24, 36])
    assert [row[0] for row in rows] == ["12", "24", "36"]
    for row, value in zip(rows, expected.itertuples(), strict=True):
        assert row[1] == str(value.n_early)
        assert row[2] == (format_p(value.timing_p) if value.n_early else "–")
    assert "Synthetic data" in table.caption.get_text()
    executed = json.loads(
        (default_book.html_dir.parent / "source" / "book" / "new_parameters.ipynb").read_text()
    )
    assert any(cell.get("outputs") for cell in executed["cells"])


def _extension():
    import importlib.util

    spec = importlib.util.spec_from_file_location("nettx_html", BOOK / "_ext" / "nettx_html.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_launch_url_of_an_executed_chapter_names_its_source_notebook():
    extension = _extension()
    url = "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/./book/computed/05_x.ipynb"
    assert extension.source_notebook_path(url).endswith("urlpath=lab/tree/./notebooks/05_x.ipynb")
    page = "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/book/new_parameters.ipynb"
    assert extension.source_notebook_path(page) == page


def test_buttons_need_a_repository_url():
    from types import SimpleNamespace

    extension = _extension()
    options = {"repository_url": "", "launch_buttons": {"binderhub_url": "https://mybinder.org"}}
    extension.buttons_from_repository_url(None, SimpleNamespace(html_theme_options=options))
    assert "launch_buttons" not in options and options["use_repository_button"] is False
    options = {"repository_url": "https://example.org/r", "launch_buttons": {"binderhub_url": "b"}}
    extension.buttons_from_repository_url(None, SimpleNamespace(html_theme_options=options))
    assert options["use_repository_button"] and options["launch_buttons"]


@pytest.mark.slow
def test_the_default_book_links_no_repository_and_launches_no_build_product(default_book):
    for path in default_book.html_dir.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "github.com/nettx/nettx" not in html, path.name
        assert "mybinder" not in html, path.name
        assert "urlpath=lab/tree" not in html, path.name


@pytest.mark.slow
def test_every_local_link_of_the_default_book_resolves(default_book):
    """Each relative href and src of every page (download buttons of the .ipynb and .md
    sources, figures, files for manuscripts, other pages) names a file of the book."""
    import re
    from urllib.parse import unquote, urlsplit

    dead = []
    for page in default_book.html_dir.rglob("*.html"):
        if "_static" in page.parts:  # the theme's templates, not pages
            continue
        for link in re.findall(r'(?:href|src)="([^"#?]+)', page.read_text(encoding="utf-8")):
            if urlsplit(link).scheme or link.startswith(("//", "mailto:", "data:")):
                continue
            if not (page.parent / unquote(link)).exists():
                dead.append(f"{page.relative_to(default_book.html_dir)}: {link}")
    assert not dead, "\n".join(dead[:20])


@pytest.mark.slow
def test_with_a_repository_url_the_launch_button_opens_the_source_notebook(tmp_path):
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from nettx_utils.build import htmlbuild

    book = tmp_path / "book"
    (book / "book" / "computed").mkdir(parents=True)
    (book / "_config.yml").write_text(
        'title: "Tiny"\nonly_build_toc_files: true\nexecute:\n  execute_notebooks: "off"\n'
        "repository:\n  url: https://github.com/someone/nettx\n  path_to_book: .\n"
        "  branch: main\nlaunch_buttons:\n  notebook_interface: jupyterlab\n"
        "  binderhub_url: https://mybinder.org\n"
        f"sphinx:\n  local_extensions:\n    nettx_html: {BOOK / '_ext'}\n"
    )
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n- file: book/computed/05_x\n"
    )
    (book / "intro.md").write_text("# Intro\n\nThe first page.\n")
    notebook = new_notebook(cells=[new_markdown_cell("# Five"), new_code_cell("1 + 1")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    nbformat.write(notebook, book / "book" / "computed" / "05_x.ipynb")
    html = (htmlbuild.build_html(book) / "book" / "computed" / "05_x.html").read_text()
    assert "urlpath=lab/tree/./notebooks/05_x.ipynb" in html
    assert "book/computed/05_x.ipynb" not in html.split("urlpath=")[1].split('"')[0]
    assert "https://github.com/someone/nettx" in html  # the repository button


def test_the_parameters_page_reads_the_minimum_among_its_own_cut_offs_only():
    """The worked example's sentence speaks of the table's cut-offs, not of every cut-off:
    chapter 11's full sweep can put the smallest p-value elsewhere."""

    preview = sweep_preview.preview([12, 24, 36])
    reading = preview.texts["reading"]
    splitting = int((preview.table["n_early"] > 0).sum())
    assert splitting == 2  # at 12 months nobody recurred early
    assert f"Of the {splitting} cut-offs in the table that split the cohort in two" in reading
    assert "chapter 11 sweeps many more cut-offs" in reading
    assert "Of the cut-offs that split" not in reading

"""Tables as files: CSV and Excel, holding the table as the page shows it.

:func:`save_table` writes ``tables/NAME.csv`` and ``tables/NAME.xlsx``;
:func:`shown_table` reads a Styler's displayed strings and types them (numbers at
the digits shown, percentages as numbers of percent, Yes/No); every row ends with
the table's caption (:data:`CAPTION_COLUMN`) and its provenance
(:data:`SOURCE_COLUMN`, :func:`nettx_utils.pages.provenance.data_label`). See
:mod:`nettx_utils.pages.export` for the rules every export follows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from pandas.io.formats.style import Styler

from nettx_utils.errors import NettxError
from nettx_utils.pages.export import check_name
from nettx_utils.pages.provenance import about_lines, data_label

#: Column that ends every row of an exported table, saying where its numbers come from.
SOURCE_COLUMN = "Data source"


#: Column, just before :data:`SOURCE_COLUMN`, that holds the caption the page prints.
CAPTION_COLUMN = "Caption"


#: The marks of the comparison with the paper; a table holding one gets their legend.
MARKS = ("✓", "✗", "⚑")


#: Second sheet of an exported Excel file: where the numbers come from.
ABOUT_SHEET = "About"


_MISSING = "–"  # what tables.styled prints for a missing value (na_rep)


_SEPARATOR = "\x1f"  # ASCII unit separator: splits Styler.to_string's cells


_NUMBER = re.compile(
    r"^(?P<sign>[+\-\u2212]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?"
    r"(?P<exp>[eE][+\-]?\d+)?(?P<pct>%?)$"
)


@dataclass(frozen=True)
class Cell:
    """One exported cell: what the CSV writes, what the Excel cell holds, and its number
    format (``None`` for text or an empty cell)."""

    csv: str
    value: Any
    number_format: str | None = None


@dataclass(frozen=True)
class ShownTable:
    """A table as a page shows it: headers and rows of :class:`Cell`.

    ``headers`` are the page's; ``csv_headers`` are those of both exported files:
    the same, except that a column the page prints as percentages (``57.2%``),
    which the files hold as numbers of percent (``57.2``), says `` (%)`` in its
    header.
    """

    headers: list[str]
    rows: list[list[Cell]]
    csv_headers: list[str]


def _excel_format(sign: str, decimals: str | None, exponent: str | None, grouped: bool) -> str:
    body = ("#,##0" if grouped else "0") + (f".{'0' * len(decimals)}" if decimals else "")
    if exponent:
        body += "E+00"
    return f"+{body};-{body};{body}" if sign == "+" else body


def _cell(text: str, *, percent_column: bool, missing_is_empty: bool) -> Cell:
    """The cell for one displayed string (see :func:`shown_table` for the rules)."""
    if text == _MISSING and missing_is_empty:
        return Cell("", None)
    match = _NUMBER.match(text)
    if match is None or (match["pct"] and not percent_column):
        return Cell(text, text)
    sign = "-" if match["sign"] in "-\u2212" and match["sign"] else match["sign"]
    digits = match["int"].replace(",", "")
    number_text = f"{sign}{digits}" + (f".{match['dec']}" if match["dec"] else "")
    number_text += match["exp"] or ""
    number = float(number_text)
    if not match["dec"] and not match["exp"]:
        number = int(number)
    number_format = _excel_format(match["sign"], match["dec"], match["exp"], "," in match["int"])
    # a percentage stays the number of percent shown (57.2), as a "(%)" column holds it
    return Cell(number_text, number, number_format)


_P_BOUND = re.compile(r"^[<>] \d+(\.\d+)?$")
"""A bounded p-value as the page prints it (``< 0.001``, ``> 0.999``)."""


def _column_cells(texts: Sequence[str], header: str) -> tuple[str, list[Cell]]:
    """One displayed column as cells, and its CSV header (a percentage column's says %)."""
    present = [t for t in texts if t != _MISSING]
    if present and all(t in ("True", "False") for t in present):
        words = {"True": "Yes", "False": "No"}
        return header, [Cell(words[t], words[t]) if t in words else Cell("", None) for t in texts]
    matches = [_NUMBER.match(t) for t in present]
    numeric = bool(present) and all(m is not None for m in matches)
    percent = numeric and all(m["pct"] for m in matches)
    # a p column ("0.012", "< 0.001") leaves a missing value empty, as a numeric one does
    numeric_like = bool(present) and all(
        m is not None or _P_BOUND.match(t) for t, m in zip(present, matches, strict=True)
    )
    cells = [_cell(t, percent_column=percent, missing_is_empty=numeric_like) for t in texts]
    if percent and not (header.endswith("(%)") or header == "%"):
        header = f"{header} (%)"
    return header, cells


def _render(styler: Styler) -> list[list[str]]:
    """Every displayed string of ``styler`` (header lines first), by its public
    :meth:`~pandas.io.formats.style.Styler.to_string`."""
    size = max(1, styler.data.size * 4)
    with pd.option_context(
        "styler.render.max_elements", size,
        "styler.render.max_rows", None,
        "styler.render.max_columns", None,
    ):  # fmt: skip
        text = styler.to_string(delimiter=_SEPARATOR, sparse_index=False, sparse_columns=False)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    grid = [line.split(_SEPARATOR) for line in lines]
    if len({len(fields) for fields in grid}) > 1:
        raise NettxError(
            "save_table: a cell or header of this table holds a line break, so it cannot be "
            "exported as shown; replace the line break with a space."
        )
    return grid


def shown_table(styler: Styler) -> ShownTable:
    """The table as the page shows ``styler``: displayed headers, rounded numbers, Yes/No.

    The displayed strings are those pandas renders (:meth:`Styler.to_string`, which applies
    the Styler's formats and ``hide`` calls); each is then typed:

    * a number (``0.123``, ``-4``, ``+0.774``, ``1.2e-05``, ``1,234``) stays a number, at
      the digits shown: the CSV writes the digits the page prints, the Excel cell holds
      the number under a format with as many decimals (``0.000``);
    * in a column whose every shown value is a percentage (``81.3%``), both files hold
      the number of percent (``81.3``, in Excel under the format ``0.0``) under the
      header with `` (%)`` added: the same convention as a column whose header the
      page already ends with ``(%)``;
    * in a column of numbers, a missing value (``–``) is an empty cell;
    * in a column of True/False, the cells read Yes/No;
    * anything else (``< 0.0001``, ``12 (37.5)``, ``–`` among text) stays text.

    Column labels of several levels are joined with `` / ``. The index is kept, as
    leading columns, only where the page shows it and it is labelled (it has a name,
    or labels other than the default 0, 1, 2...).

    Examples
    --------
    >>> frame = pd.DataFrame({"rho": [0.12345], "p_value": ["< 0.0001"], "ok": [True]})
    >>> shown = shown_table(frame.style.format({"rho": "{:.3f}"}).hide(axis="index"))
    >>> shown.headers, [(c.csv, c.value, c.number_format) for c in shown.rows[0]]
    (['rho', 'p_value', 'ok'], [('0.123', 0.123, '0.000'), ('< 0.0001', '< 0.0001', None), ('Yes', 'Yes', None)])
    """
    info = styler.export()  # public: whether the index and the header are hidden
    data = styler.data
    # export() says whether the index and the header are hidden (all levels or not)
    n_index = 0 if info["hide_index"] else data.index.nlevels
    n_header = 0 if info["hide_columns"] else data.columns.nlevels
    names_row = (
        n_index > 0
        and any(name is not None for name in data.index.names)
        and not info["hide_index_names"]
    )
    grid = _render(styler)
    head, body = grid[: n_header + names_row], grid[n_header + names_row :]
    # Styler.to_string pads a row with empty fields for hidden columns: keep the shown ones
    shown_columns = data.shape[1] - len(set(styler.hidden_columns))
    width = n_index + shown_columns
    default_index = (
        data.index.nlevels == 1
        and data.index.name is None
        and (data.index.equals(pd.RangeIndex(len(data))))
    )
    keep_index = n_index > 0 and (names_row or not default_index)
    headers, csv_headers, columns = [], [], []
    for j in range(width):
        if j < n_index:
            if not keep_index:
                continue
            label = head[n_header][j] if names_row else ""
        else:
            label = " / ".join(line[j] for line in head[:n_header] if line[j] != "")
        texts = [row[j] for row in body]
        headers.append(label)
        if j < n_index:
            csv_headers.append(label)
            columns.append([Cell(t, t) for t in texts])
        else:
            csv_label, cells = _column_cells(texts, label)
            csv_headers.append(csv_label)
            columns.append(cells)
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else []
    return ShownTable(headers, rows, csv_headers)


def _raw_table(frame: pd.DataFrame) -> ShownTable:
    """A DataFrame's cells at full precision (True/False as Yes/No); its index as the first
    columns unless it is the default 0, 1, 2..."""
    default_index = (
        frame.index.nlevels == 1
        and frame.index.name is None
        and (frame.index.equals(pd.RangeIndex(len(frame))))
    )
    data = frame if default_index else frame.reset_index()
    headers = [
        " / ".join(str(level) for level in col if str(level) != "")
        if isinstance(col, tuple)
        else str(col)
        for col in data.columns
    ]

    def cell(value: Any) -> Cell:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return Cell("", None)
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            word = "Yes" if value else "No"
            return Cell(word, word)
        if hasattr(value, "item"):
            value = value.item()
        return Cell(str(value), value)

    rows = [[cell(value) for value in row] for row in data.itertuples(index=False, name=None)]
    return ShownTable(headers, rows, headers)


def table_caption(styler: Styler) -> str | None:
    """The caption a Styler prints above the table (``set_caption``), or ``None``.

    Read from the Styler's public HTML (:meth:`~pandas.io.formats.style.Styler.to_html`),
    the page's own rendering, as one line of text.

    Examples
    --------
    >>> table_caption(pd.DataFrame({"a": [1]}).style.set_caption("Survival, 95% CI"))
    'Survival, 95% CI'
    >>> table_caption(pd.DataFrame({"a": [1]}).style) is None
    True
    """
    found = re.search(r"<caption>(.*?)</caption>", styler.to_html(), flags=re.DOTALL)
    if found is None:
        return None
    text = " ".join(found[1].split())
    return text or None


def _caption_text(caption: str | None, shown: ShownTable, marks_legend: str | None) -> str:
    """The caption, followed by the legend of the marks where a cell holds one."""
    parts = [caption.strip()] if caption and caption.strip() else []
    cells = (cell.csv for row in shown.rows for cell in row)
    if marks_legend and any(mark in text for text in cells for mark in MARKS):
        parts.append(" ".join(marks_legend.split()))
    return " ".join(part if part.endswith((".", "?", "!")) else f"{part}." for part in parts)


def save_table(
    table: pd.DataFrame | Styler,
    name: str,
    directory: Path,
    *,
    synthetic: bool,
    cohort_file: str | Path | None = None,
    caption: str | None = None,
    marks_legend: str | None = None,
    simulation_seed: int | None = None,
) -> list[Path]:
    """Write ``table`` as ``directory/tables/NAME.csv`` and ``NAME.xlsx``.

    A Styler is written as the page shows it (:func:`shown_table`): displayed headers,
    numbers rounded as printed (numbers in the CSV, numbers under a matching number
    format in Excel), text kept as text, Yes/No for True/False, hidden rows and columns
    left out. A DataFrame is written at full precision. When the table has a caption
    (the Styler's, :func:`table_caption`, or ``caption``), both files carry it as the
    column :data:`CAPTION_COLUMN` on every row. Both files end every row with the
    column :data:`SOURCE_COLUMN` (:func:`data_label`), and the Excel file has a second
    sheet, :data:`ABOUT_SHEET` (:func:`about_lines`), which repeats the caption. The
    Excel header row is bold; a Styler's CSS (colours, alignment) is not carried.

    Parameters
    ----------
    table : DataFrame or Styler
    name : str
        File name without suffix (letters, digits, ``_``, ``-``, ``.``).
    directory : Path
        The ``results`` folder; files go to its ``tables`` subfolder.
    synthetic : bool
        True when the numbers come from the synthetic cohort. Required, so that no
        caller exports without deciding.
    cohort_file : str or Path, optional
        The cohort's file on another cohort; only its name is written.
    caption : str, optional
        The table's caption; by default the Styler's (a DataFrame has none).
    marks_legend : str, optional
        What the marks of the comparison with the paper (:data:`MARKS`) mean; added
        after the caption only if a cell of the table holds a mark.
    simulation_seed : int, optional
        Given when the table holds simulated studies only (:func:`simulation_label`).

    Returns
    -------
    list[Path]
        The two files, CSV first.
    """
    check_name(name)
    if isinstance(table, Styler):
        shown = shown_table(table)
    elif isinstance(table, pd.DataFrame):
        shown = _raw_table(table)
    else:
        raise NettxError(
            f"save_table takes a pandas DataFrame or Styler, not {type(table).__name__}."
        )
    for column in (SOURCE_COLUMN, CAPTION_COLUMN):
        if column in shown.headers or column in shown.csv_headers:
            raise NettxError(f"save_table: the table already has a column {column!r}.")
    if caption is None and isinstance(table, Styler):
        caption = table_caption(table)
    caption = _caption_text(caption, shown, marks_legend) or None
    label = data_label(synthetic, cohort_file, simulation_seed=simulation_seed)
    ending = ([CAPTION_COLUMN] if caption else []) + [SOURCE_COLUMN]
    ending_cells = [Cell(text, text) for text in ([caption] if caption else []) + [label]]
    folder = Path(directory) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    csv, xlsx = folder / f"{name}.csv", folder / f"{name}.xlsx"
    frame = pd.DataFrame(
        [[cell.csv for cell in [*row, *ending_cells]] for row in shown.rows],
        columns=[*shown.csv_headers, *ending],
        dtype=object,
    )
    frame.to_csv(csv, index=False)
    about = about_lines(synthetic, cohort_file, caption=caption, simulation_seed=simulation_seed)
    _write_xlsx(shown, xlsx, name[:31], (ending, ending_cells), about)
    return [csv, xlsx]


def _write_xlsx(
    shown: ShownTable,
    path: Path,
    sheet_name: str,
    ending: tuple[list[str], list[Cell]],
    about: list[str],
):
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name  # Excel's limit of 31 characters is the caller's
    headers = [*shown.csv_headers, *ending[0]]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(h) for h in headers]
    for r, row in enumerate(shown.rows, start=2):
        for c, item in enumerate([*row, *ending[1]], start=1):
            target = sheet.cell(row=r, column=c, value=item.value)
            if item.number_format:
                target.number_format = item.number_format
            widths[c - 1] = max(widths[c - 1], len(item.csv))
    for c, width in enumerate(widths, start=1):
        letter = sheet.cell(row=1, column=c).column_letter
        sheet.column_dimensions[letter].width = min(60, width + 2)
    about_sheet = book.create_sheet(ABOUT_SHEET)
    about_sheet.append(["About this file"])
    about_sheet["A1"].font = Font(bold=True)
    for line in about:
        about_sheet.append([line])
    about_sheet.column_dimensions["A"].width = 100
    for row in about_sheet.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    book.save(path)

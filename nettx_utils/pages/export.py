"""Tables and figures as files for a manuscript, and the book's links to them.

A chapter shows a table or a figure on its page and also saves it as files an
author can paste into a manuscript or a journal's submission system:

* :func:`save_table` writes ``tables/NAME.csv`` and ``tables/NAME.xlsx`` (the
  table's sheet and an "About" sheet). Given a :class:`~pandas.io.formats.style.Styler` (what
  :func:`nettx_utils.formatting.styled` returns and a chapter displays), both files
  hold the table **as the page shows it** (:func:`shown_table`): the displayed
  column headers, numbers at the precision the page prints them, Yes/No for
  True/False, and no index column unless the page shows a labelled index; a
  percentage is held as the number of percent the page prints (57.2, never the
  fraction 0.572), in both files alike, in a column whose header says % (a
  column the page prints as ``57.2%`` gets `` (%)`` added to its header).
  Given a plain DataFrame, they hold its values at full precision;
* :func:`save_figure` writes ``figures/NAME.png`` (300 dpi, the usual journal
  minimum for line art with shading) and ``figures/NAME.svg`` (vector, its text
  kept as text so that it can be edited);
* :func:`links_markdown` turns the saved paths into a MyST snippet of
  ``{download}`` links for the page.

Every exported file says inside itself where its numbers come from
(:func:`data_label`), so that a copy that leaves the book carries its
provenance: on the synthetic cohort the sentence is
:data:`nettx_utils.pages.chapter.SYNTHETIC_CAPTION`; on any other cohort it names the
cohort's file (its name only, never the folder, which can hold a person's name)
and the version of nettx that computed the numbers; for a pure simulation (no
patient data at all, e.g. chapter 13's power figure) it says so and names the
seed (:func:`simulation_label`):

* a figure carries the sentence as a footer line drawn into the PNG and the SVG
  (and as the files' "Description" metadata);
* a CSV carries it as a last column, ``Data source``, on every row. A comment
  line above the header would break the defaults of ``read.csv``, ``pandas.read_csv``
  and spreadsheet imports, and a sidecar file is lost as soon as the CSV is copied
  alone; an extra column is read by every tool, survives copying a subset of rows,
  and is dropped by name (``subset(x, select = -`Data source`)``);
* an Excel file carries the same column, and a second sheet, "About", that says
  where the numbers come from.

A table also carries the caption the page prints above it (what a confidence
limit's level and type are, which numbers the paper published, what ``*`` or
``n.e.`` mean), for the same reason and in the same way: as a column,
``Caption``, just before ``Data source`` in the CSV and in Excel, and as a line
of the "About" sheet. Where a table shows the marks of the comparison with the
paper (✓, ✗, ⚑), the legend of the marks follows the caption.

The links must point at files inside the book being built (Sphinx copies each
into ``_downloads/``), so a notebook saves under its own working directory,
which the pipeline sets to the executed notebook's folder::

    paths = save_table(view, "table1_characteristics", Path("results"), synthetic=True)
    display(Markdown(links_markdown(paths, base=Path.cwd())))

The book renders Markdown outputs as MyST (``nb_render_markdown_format: myst``
in ``_config.yml``), which is what makes the ``{download}`` role work there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from pandas.io.formats.style import Styler

from nettx_utils.errors import NettxError

__all__ = [
    "ABOUT_SHEET",
    "CAPTION_COLUMN",
    "FIGURE_DPI",
    "SOURCE_COLUMN",
    "Cell",
    "ShownTable",
    "about_lines",
    "data_label",
    "links_markdown",
    "save_figure",
    "save_table",
    "shown_table",
    "simulation_label",
    "table_caption",
]

#: Column that ends every row of an exported table, saying where its numbers come from.
SOURCE_COLUMN = "Data source"
#: Column, just before :data:`SOURCE_COLUMN`, that holds the caption the page prints.
CAPTION_COLUMN = "Caption"
#: The marks of the comparison with the paper; a table holding one gets their legend.
MARKS = ("✓", "✗", "⚑")
#: Second sheet of an exported Excel file: where the numbers come from.
ABOUT_SHEET = "About"
_FOOTER_GAP = 0.06  # inches between the figure's content and the footer line
_FOOTER_SIZE = 7.5  # points

#: Resolution of the PNG copy of every figure (dots per inch).
FIGURE_DPI = 300

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KINDS = {
    ".csv": "CSV",
    ".xlsx": "Excel",
    ".png": f"PNG, {FIGURE_DPI} dpi",
    ".svg": "SVG, vector",
}
_SVG_RC = {
    "svg.fonttype": "none",  # text stays <text>, editable in a vector editor
    "svg.hashsalt": "nettx",  # the same figure gives the same file
}
_MISSING = "–"  # what tables.styled prints for a missing value (na_rep)
_SEPARATOR = "\x1f"  # ASCII unit separator: splits Styler.to_string's cells
_NUMBER = re.compile(
    r"^(?P<sign>[+\-\u2212]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?"
    r"(?P<exp>[eE][+\-]?\d+)?(?P<pct>%?)$"
)


def _version() -> str:
    from nettx_utils import __version__

    return __version__


def simulation_label(seed: int) -> str:
    """The sentence that marks a file computed from simulated studies only.

    Such a file (chapter 13's power figure) holds no patient's data, synthetic or
    real, so it is the same on every cohort; the seed makes it reproducible.

    Examples
    --------
    >>> simulation_label(2021).startswith("Simulated studies (seed 2021) by nettx ")
    True
    >>> simulation_label(2021).endswith("no patient data, synthetic or real, enter it.")
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise NettxError(f"simulation_seed must be a whole number, not {seed!r}.")
    return f"Simulated studies (seed {seed}) by nettx {_version()}; no patient data, synthetic or real, enter it."


def data_label(
    synthetic: bool,
    cohort_file: str | Path | None = None,
    *,
    simulation_seed: int | None = None,
) -> str:
    """The sentence that says, inside an exported file, where its numbers come from.

    On the synthetic cohort it is :data:`~nettx_utils.pages.chapter.SYNTHETIC_CAPTION`. On
    another cohort it names the cohort's file by its name only (a full path can hold
    a person's name) and the nettx version that computed the numbers. With
    ``simulation_seed`` the file holds simulated studies only, whatever the cohort:
    :func:`simulation_label`.

    Examples
    --------
    >>> data_label(True) == SYNTHETIC_CAPTION
    True
    >>> label = data_label(False, "/home/dr_rossi/centre.csv")
    >>> label.startswith("Computed from your cohort (centre.csv) by nettx "), "rossi" in label
    (True, False)
    >>> data_label(True, simulation_seed=7).startswith("Simulated studies (seed 7)")
    True
    """
    if simulation_seed is not None:
        return simulation_label(simulation_seed)
    if synthetic:
        return SYNTHETIC_CAPTION
    name = Path(str(cohort_file)).name if cohort_file else ""
    name = "".join(char for char in name if char.isprintable())
    where = f" ({name})" if name else ""
    return f"Computed from your cohort{where} by nettx {_version()}, not from the paper's patients."


def about_lines(
    synthetic: bool,
    cohort_file: str | Path | None = None,
    *,
    caption: str | None = None,
    simulation_seed: int | None = None,
) -> list[str]:
    """The lines of an exported Excel file's :data:`ABOUT_SHEET`: the table's caption
    (with the marks' legend, see :func:`save_table`) when it has one, then where the
    numbers come from and how they are rounded.

    Examples
    --------
    >>> about_lines(True)[0] == SYNTHETIC_CAPTION, "Sposito" in about_lines(True)[1]
    (True, True)
    >>> "not the paper's patients" in about_lines(False, "c.csv")[1]
    True
    >>> about_lines(True, caption="Survival, 95% CI (log-log)")[0]
    'Table: Survival, 95% CI (log-log)'
    """
    label = data_label(synthetic, cohort_file, simulation_seed=simulation_seed)
    table = [f"Table: {caption}"] if caption else []
    if simulation_seed is not None:
        detail = (
            "The numbers in this file come from studies simulated by the nettx book (a "
            "reproduction of Sposito et al., Transplantation 2021) with the seed named "
            "above; they are the same on every cohort and describe no patient."
        )
    elif synthetic:
        detail = (
            "The numbers in this file were computed from a synthetic cohort generated so "
            "that the analyses of the nettx book give back the numbers published by "
            "Sposito et al., Transplantation 2021. No row describes a real person; a number "
            "the paper does not print is a property of this one generated cohort, not a "
            "finding."
        )
    else:
        detail = (
            "The numbers in this file were computed by the analyses of the nettx book "
            "(a reproduction of Sposito et al., Transplantation 2021) from the cohort file "
            "named above. They describe that cohort, not the paper's patients."
        )
    rounding = (
        "Numbers are rounded as the book's page prints them; a cell the page shows as "
        "text (for example '< 0.0001' or '12 (37.5)') is text here."
    )
    return [*table, label, detail, rounding]


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


def check_name(name: str) -> str:
    if not _NAME.match(name) or name.endswith((".", "-")) or len(name) > 100:
        raise NettxError(
            f"{name!r} cannot name a results file: use letters, digits, '_', '-' and '.', "
            "start with a letter or digit, no folder and no suffix (e.g. 'table1_characteristics')."
        )
    return name


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


def save_figure(
    fig: Any,
    name: str,
    directory: Path,
    *,
    synthetic: bool,
    cohort_file: str | Path | None = None,
    simulation_seed: int | None = None,
) -> list[Path]:
    """Write ``fig`` as ``directory/figures/NAME.png`` (300 dpi) and ``NAME.svg``.

    ``fig`` is a matplotlib :class:`~matplotlib.figure.Figure`, or anything that
    holds one as ``.figure`` (an Axes, a seaborn grid). The bounding box is
    tight, so the at-risk tables drawn under the axes are kept. The SVG keeps its
    text as text and carries no date, so the same figure gives the same file.

    Both files carry :func:`data_label` as a footer line drawn under the figure's
    content (gid ``export-data-label``) and as their "Description" metadata. The
    figure itself is left as it was (the line is removed after saving).

    Parameters
    ----------
    fig : Figure or an object with ``.figure``
    name : str
        File name without suffix.
    directory : Path
        The ``results`` folder; files go to its ``figures`` subfolder.
    synthetic : bool
        True when the figure shows the synthetic cohort. Required.
    cohort_file : str or Path, optional
        The cohort's file on another cohort; only its name is written.
    simulation_seed : int, optional
        Given when the figure shows simulated studies only, no patient's data (chapter
        13's power figure): the footer then says so and names the seed
        (:func:`simulation_label`), on every cohort.

    Returns
    -------
    list[Path]
        The two files, PNG first.
    """
    check_name(name)
    figure = fig if isinstance(fig, mpl.figure.Figure) else getattr(fig, "figure", None)
    if not isinstance(figure, mpl.figure.Figure):
        raise NettxError(f"save_figure takes a matplotlib Figure, not {type(fig).__name__}.")
    folder = Path(directory) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    label = data_label(synthetic, cohort_file, simulation_seed=simulation_seed)
    footer = add_footer(figure, label)
    try:
        figure.savefig(
            png,
            dpi=FIGURE_DPI,
            bbox_inches="tight",
            metadata={"Software": None, "Description": label},
        )
        with mpl.rc_context(_SVG_RC):
            figure.savefig(
                svg,
                bbox_inches="tight",
                metadata={"Date": None, "Creator": None, "Description": label},
            )
    finally:
        footer.remove()
    return [png, svg]


def add_footer(figure: mpl.figure.Figure, text: str) -> mpl.text.Text:
    """Draw ``text`` as one small line under everything the figure shows, left-aligned
    with its content; ``bbox_inches="tight"`` then keeps it in the saved file."""
    figure.draw_without_rendering()  # run the layout, so the extent is the saved one
    box = figure.get_tightbbox()  # inches
    width, height = figure.get_size_inches()
    return figure.text(
        box.x0 / width,
        (box.y0 - _FOOTER_GAP) / height,
        text,
        ha="left",
        va="top",
        fontsize=_FOOTER_SIZE,
        fontstyle="italic",
        color="#333333",
        gid="export-data-label",
    )


def links_markdown(paths: Iterable[Path], base: Path) -> str:
    """A MyST list of ``{download}`` links to ``paths``, relative to the page's folder ``base``.

    Examples
    --------
    >>> print(links_markdown([Path("/b/results/tables/t1.csv")], base=Path("/b")))
    - {download}`t1.csv <results/tables/t1.csv>` (CSV)
    """
    base = Path(base).resolve()
    lines = []
    for path in paths:
        path = Path(path)
        target = Path(os.path.relpath(path.resolve(), base)).as_posix()
        if any(char in target for char in "`<>\n"):
            raise NettxError(f"{path}: a download link cannot contain `, < or >.")
        kind = _KINDS.get(path.suffix.lower())
        suffix = f" ({kind})" if kind else ""
        lines.append(f"- {{download}}`{path.name} <{target}>`{suffix}")
    return "\n".join(lines)


SYNTHETIC_CAPTION = "Synthetic data: a generated cohort, not the study's patients."
"""The label that ends every figure caption (and marks every export) on the synthetic cohort."""

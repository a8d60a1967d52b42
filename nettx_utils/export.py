"""Tables and figures as files for a manuscript, and the book's links to them.

A chapter shows a table or a figure on its page and also saves it as files an
author can paste into a manuscript or a journal's submission system:

* :func:`save_table` writes ``tables/NAME.csv`` (every digit, no formatting) and
  ``tables/NAME.xlsx`` (one sheet; a :class:`~pandas.io.formats.style.Styler`
  keeps its colours and bold);
* :func:`save_figure` writes ``figures/NAME.png`` (300 dpi, the usual journal
  minimum for line art with shading) and ``figures/NAME.svg`` (vector, its text
  kept as text so that it can be edited);
* :func:`links_markdown` turns the saved paths into a MyST snippet of
  ``{download}`` links for the page.

Files exported from the synthetic cohort say so inside themselves, so that a
copy that leaves the book cannot pass for the study's patients (``synthetic=True``,
which :meth:`nettx_utils.chapter.Chapter.export` passes on the synthetic cohort;
the wording is :data:`nettx_utils.chapter.SYNTHETIC_CAPTION`):

* a figure carries the sentence as a footer line drawn into the PNG and the SVG
  (and as the files' "Description" metadata);
* a CSV carries it as a last column, ``Data source``, on every row. A comment
  line above the header would break the defaults of ``read.csv``, ``pandas.read_csv``
  and spreadsheet imports, and a sidecar file is lost as soon as the CSV is copied
  alone; an extra column is read by every tool, survives copying a subset of rows,
  and is dropped by name (``subset(x, select = -`Data source`)``);
* an Excel file carries the same column, and a second sheet, "About", that says
  where the numbers come from.

On any other cohort (a user's own data) nothing is added.

The links must point at files inside the book being built (Sphinx copies each
into ``_downloads/``), so a notebook saves under its own working directory,
which the pipeline sets to the executed notebook's folder::

    paths = save_table(table, "table1_characteristics", Path("results"))
    display(Markdown(links_markdown(paths, base=Path.cwd())))

The book renders Markdown outputs as MyST (``nb_render_markdown_format: myst``
in ``_config.yml``), which is what makes the ``{download}`` role work there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from copy import copy
from pathlib import Path
from typing import Any

import matplotlib as mpl
import pandas as pd
from pandas.io.formats.style import Styler

from nettx_utils.chapter import SYNTHETIC_CAPTION
from nettx_utils.errors import NettxError

__all__ = [
    "ABOUT_SHEET",
    "FIGURE_DPI",
    "SOURCE_COLUMN",
    "links_markdown",
    "save_figure",
    "save_table",
]

#: Column that marks every row of a table exported from the synthetic cohort.
SOURCE_COLUMN = "Data source"
#: Second sheet of an Excel file exported from the synthetic cohort.
ABOUT_SHEET = "About"
_ABOUT = (
    SYNTHETIC_CAPTION,
    "The numbers in this file were computed from a synthetic cohort generated so that "
    "the analyses of the nettx book give back the numbers published by Sposito et al., "
    "Transplantation 2021. No row describes a real person; a number the paper does not "
    "print is a property of this one generated cohort, not a finding.",
)
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


def _check_name(name: str) -> str:
    if not _NAME.match(name) or name.endswith((".", "-")) or len(name) > 100:
        raise NettxError(
            f"{name!r} cannot name a results file: use letters, digits, '_', '-' and '.', "
            "start with a letter or digit, no folder and no suffix (e.g. 'table1_characteristics')."
        )
    return name


def _visible_data(table: pd.DataFrame | Styler) -> tuple[pd.DataFrame, bool]:
    """The table's data (a Styler's hidden rows and columns left out) and whether to write the index."""
    whole = table.data if isinstance(table, Styler) else table
    default_index = isinstance(whole, pd.DataFrame) and (
        whole.index.nlevels == 1
        and whole.index.name is None
        and whole.index.equals(pd.RangeIndex(len(whole)))
    )
    if isinstance(table, Styler):
        data = table.data
        rows = [i for i in range(len(data)) if i not in set(table.hidden_rows)]
        cols = [j for j in range(data.shape[1]) if j not in set(table.hidden_columns)]
        data = data.iloc[rows, cols]
        show_index = not all(table.hide_index_)
    elif isinstance(table, pd.DataFrame):
        data = table
        show_index = True
    else:
        raise NettxError(
            f"save_table takes a pandas DataFrame or Styler, not {type(table).__name__}."
        )
    if default_index:
        show_index = False
    if isinstance(data.columns, pd.MultiIndex):
        data = data.copy()
        data.columns = [
            " / ".join(str(level) for level in col if str(level) != "") for col in data.columns
        ]
    return data, show_index


def save_table(
    table: pd.DataFrame | Styler, name: str, directory: Path, *, synthetic: bool
) -> list[Path]:
    """Write ``table`` as ``directory/tables/NAME.csv`` and ``NAME.xlsx``.

    The CSV holds the values at full precision, whatever the Styler's display
    format (a journal's table editor rounds them); the index is written as the
    first column unless it is the default 0, 1, 2... or the Styler hides it, and
    multi-level column labels are joined with `` / ``. The Excel copy holds the
    same cells; a Styler's CSS (bold, colours) is carried into it when the Styler
    hides no row or column.

    Parameters
    ----------
    table : DataFrame or Styler
    name : str
        File name without suffix (letters, digits, ``_``, ``-``, ``.``).
    directory : Path
        The ``results`` folder; files go to its ``tables`` subfolder.
    synthetic : bool
        True when the numbers come from the synthetic cohort: both files then
        end every row with the column :data:`SOURCE_COLUMN` holding
        :data:`~nettx_utils.chapter.SYNTHETIC_CAPTION`, and the Excel file has
        a second sheet, :data:`ABOUT_SHEET`, saying what the cohort is. False
        (a user's cohort) adds nothing. Required, so that no caller exports
        without deciding.

    Returns
    -------
    list[Path]
        The two files, CSV first.
    """
    _check_name(name)
    data, show_index = _visible_data(table)
    if synthetic and SOURCE_COLUMN in data.columns:
        raise NettxError(f"save_table: the table already has a column {SOURCE_COLUMN!r}.")
    folder = Path(directory) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    csv, xlsx = folder / f"{name}.csv", folder / f"{name}.xlsx"
    labelled = data.assign(**{SOURCE_COLUMN: SYNTHETIC_CAPTION}) if synthetic else data
    labelled.to_csv(csv, index=show_index)
    sheet = name[:31]  # Excel's limit
    hides_nothing = isinstance(table, Styler) and data.shape == table.data.shape
    with pd.ExcelWriter(xlsx, engine="openpyxl") as writer:
        if hides_nothing and not isinstance(table.data.columns, pd.MultiIndex):
            # Styler.to_excel writes every cell (it ignores hide()), hence only when none is hidden.
            table.to_excel(writer, sheet_name=sheet, index=show_index)
        else:
            data.to_excel(writer, sheet_name=sheet, index=show_index)
        if synthetic:
            _label_sheet(writer.sheets[sheet])
            about = pd.DataFrame({"About this file": list(_ABOUT)})
            about.to_excel(writer, sheet_name=ABOUT_SHEET, index=False)
    return [csv, xlsx]


def _label_sheet(sheet: Any) -> None:
    """Add the column :data:`SOURCE_COLUMN` after the last one of a one-header-row sheet."""
    column = sheet.max_column + 1
    header = sheet.cell(row=1, column=column, value=SOURCE_COLUMN)
    header.font = copy(sheet.cell(row=1, column=1).font)
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=column, value=SYNTHETIC_CAPTION)


def save_figure(fig: Any, name: str, directory: Path, *, synthetic: bool) -> list[Path]:
    """Write ``fig`` as ``directory/figures/NAME.png`` (300 dpi) and ``NAME.svg``.

    ``fig`` is a matplotlib :class:`~matplotlib.figure.Figure`, or anything that
    holds one as ``.figure`` (an Axes, a seaborn grid). The bounding box is
    tight, so the at-risk tables drawn under the axes are kept. The SVG keeps its
    text as text and carries no date, so the same figure gives the same file.

    Parameters
    ----------
    fig : Figure or an object with ``.figure``
    name : str
        File name without suffix.
    directory : Path
        The ``results`` folder; files go to its ``figures`` subfolder.
    synthetic : bool
        True when the figure shows the synthetic cohort: both files then carry
        :data:`~nettx_utils.chapter.SYNTHETIC_CAPTION` as a footer line drawn
        under the figure's content (gid ``export-data-label``) and as their
        "Description" metadata. The figure itself is left as it was (the line
        is removed after saving). False adds nothing. Required.

    Returns
    -------
    list[Path]
        The two files, PNG first.
    """
    _check_name(name)
    figure = fig if isinstance(fig, mpl.figure.Figure) else getattr(fig, "figure", None)
    if not isinstance(figure, mpl.figure.Figure):
        raise NettxError(f"save_figure takes a matplotlib Figure, not {type(fig).__name__}.")
    folder = Path(directory) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    describe = {"Description": SYNTHETIC_CAPTION} if synthetic else {}
    footer = _add_footer(figure, SYNTHETIC_CAPTION) if synthetic else None
    try:
        figure.savefig(
            png, dpi=FIGURE_DPI, bbox_inches="tight", metadata={"Software": None, **describe}
        )
        with mpl.rc_context(_SVG_RC):
            figure.savefig(
                svg, bbox_inches="tight", metadata={"Date": None, "Creator": None, **describe}
            )
    finally:
        if footer is not None:
            footer.remove()
    return [png, svg]


def _add_footer(figure: mpl.figure.Figure, text: str) -> mpl.text.Text:
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

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
from pathlib import Path
from typing import Any

import matplotlib as mpl
import pandas as pd
from pandas.io.formats.style import Styler

from nettx_utils.errors import NettxError

__all__ = ["FIGURE_DPI", "links_markdown", "save_figure", "save_table"]

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


def save_table(table: pd.DataFrame | Styler, name: str, directory: Path) -> list[Path]:
    """Write ``table`` as ``directory/tables/NAME.csv`` and ``NAME.xlsx``.

    The CSV holds the values at full precision, whatever the Styler's display
    format (a journal's table editor rounds them); the index is written as the
    first column unless it is the default 0, 1, 2... or the Styler hides it, and
    multi-level column labels are joined with `` / ``. The Excel copy holds the
    same cells; a Styler's CSS (bold, colours) is carried into it when the Styler
    hides no row or column.

    Returns
    -------
    list[Path]
        The two files, CSV first.
    """
    _check_name(name)
    data, show_index = _visible_data(table)
    folder = Path(directory) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    csv, xlsx = folder / f"{name}.csv", folder / f"{name}.xlsx"
    data.to_csv(csv, index=show_index)
    sheet = name[:31]  # Excel's limit
    hides_nothing = isinstance(table, Styler) and data.shape == table.data.shape
    if hides_nothing and not isinstance(table.data.columns, pd.MultiIndex):
        # Styler.to_excel writes every cell (it ignores hide()), hence only when none is hidden.
        table.to_excel(xlsx, sheet_name=sheet, index=show_index, engine="openpyxl")
    else:
        data.to_excel(xlsx, sheet_name=sheet, index=show_index, engine="openpyxl")
    return [csv, xlsx]


def save_figure(fig: Any, name: str, directory: Path) -> list[Path]:
    """Write ``fig`` as ``directory/figures/NAME.png`` (300 dpi) and ``NAME.svg``.

    ``fig`` is a matplotlib :class:`~matplotlib.figure.Figure`, or anything that
    holds one as ``.figure`` (an Axes, a seaborn grid). The bounding box is
    tight, so the at-risk tables drawn under the axes are kept. The SVG keeps its
    text as text and carries no date, so the same figure gives the same file.

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
    figure.savefig(png, dpi=FIGURE_DPI, bbox_inches="tight", metadata={"Software": None})
    with mpl.rc_context(_SVG_RC):
        figure.savefig(svg, bbox_inches="tight", metadata={"Date": None, "Creator": None})
    return [png, svg]


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

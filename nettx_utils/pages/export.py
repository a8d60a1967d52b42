"""Tables and figures as files for a manuscript, and the book's links to them.

A chapter shows a table or a figure on its page and also saves it as files an
author can paste into a manuscript or a journal's submission system:

* :func:`~nettx_utils.pages.table_export.save_table` writes ``tables/NAME.csv`` and ``tables/NAME.xlsx`` (the
  table's sheet and an "About" sheet). Given a :class:`~pandas.io.formats.style.Styler` (what
  :func:`nettx_utils.formatting.styled` returns and a chapter displays), both files
  hold the table **as the page shows it** (:func:`~nettx_utils.pages.table_export.shown_table`): the displayed
  column headers, numbers at the precision the page prints them, Yes/No for
  True/False, and no index column unless the page shows a labelled index; a
  percentage is held as the number of percent the page prints (57.2, never the
  fraction 0.572), in both files alike, in a column whose header says % (a
  column the page prints as ``57.2%`` gets `` (%)`` added to its header).
  Given a plain DataFrame, they hold its values at full precision;
* :func:`~nettx_utils.pages.figure_export.save_figure` writes ``figures/NAME.png`` (300 dpi, the usual journal
  minimum for line art with shading) and ``figures/NAME.svg`` (vector, its text
  kept as text so that it can be edited);
* :func:`links_markdown` turns the saved paths into a MyST snippet of
  ``{download}`` links for the page.

Every exported file says inside itself where its numbers come from
(:func:`~nettx_utils.pages.provenance.data_label`), so that a copy that leaves the book carries its
provenance: on the synthetic cohort the sentence is
:data:`nettx_utils.pages.provenance.SYNTHETIC_CAPTION`; on any other cohort it names the
cohort's file (its name only, never the folder, which can hold a person's name)
and the version of nettx that computed the numbers; for a pure simulation (no
patient data at all, e.g. chapter 13's power figure) it says so and names the
seed (:func:`~nettx_utils.pages.provenance.simulation_label`):

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
from collections.abc import Iterable
from pathlib import Path

from nettx_utils.errors import NettxError

__all__ = ["FIGURE_DPI", "check_name", "links_markdown"]

#: Resolution of the PNG copy of every figure (dots per inch).
FIGURE_DPI = 300

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KINDS = {
    ".csv": "CSV",
    ".xlsx": "Excel",
    ".png": f"PNG, {FIGURE_DPI} dpi",
    ".svg": "SVG, vector",
}


def check_name(name: str) -> str:
    """Return ``name`` if it can name an exported file (no folder, no suffix), else raise."""
    if not _NAME.match(name) or name.endswith((".", "-")) or len(name) > 100:
        raise NettxError(
            f"{name!r} cannot name a results file: use letters, digits, '_', '-' and '.', "
            "start with a letter or digit, no folder and no suffix (e.g. 'table1_characteristics')."
        )
    return name


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

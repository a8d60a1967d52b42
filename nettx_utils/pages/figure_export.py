"""Figures as files: a 300 dpi PNG and an SVG whose text stays text, each with its provenance.

:func:`save_figure` writes ``figures/NAME.png`` and ``figures/NAME.svg``, with
:func:`nettx_utils.pages.provenance.data_label` drawn as a footer line
(:func:`add_footer`) and kept as the files' "Description". See
:mod:`nettx_utils.pages.export` for the rules every export follows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl

from nettx_utils.errors import NettxError
from nettx_utils.pages.export import FIGURE_DPI, check_name
from nettx_utils.pages.provenance import data_label

_FOOTER_GAP = 0.06  # inches between the figure's content and the footer line


_FOOTER_SIZE = 7.5  # points


_SVG_RC = {
    "svg.fonttype": "none",  # text stays <text>, editable in a vector editor
    "svg.hashsalt": "nettx",  # the same figure gives the same file
}


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

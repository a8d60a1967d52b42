"""The book's house style: palette, matplotlib settings, time ticks and legend placement.

Every figure in the book is drawn with :data:`PALETTE` and :data:`BOOK_RC`
(installed globally by :func:`use_book_style`); every time axis in months follows
:func:`book_ticks` (a tick every :data:`BOOK_TIME_STEP` months), and a figure's
legend stands above its axes (:func:`outside_legend`), covering no curve.
:data:`PER_PATIENT_LIMIT` is the largest cohort a figure draws patient by patient.
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure

from nettx_utils.errors import NettxError

#: Okabe-Ito colour-blind-safe palette, strongest colours first (group 1, 2, 3, ...).
PALETTE: list[str] = [
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (weak on white: last)
]


#: rcParams of the book style (see :func:`use_book_style`).
BOOK_RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"],
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9.5,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "lines.linewidth": 1.6,
    "figure.dpi": 110,
    "figure.facecolor": "white",
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}


_NICE_STEPS = (1, 2, 3, 5, 6, 10, 12, 24, 36, 48, 60, 120, 240, 360, 600, 1200)


BOOK_TIME_STEP = 24.0
"""The book's one tick spacing for time axes in months (every two years): every
Kaplan-Meier figure and its table of numbers at risk use it (see :func:`book_ticks`)."""


_MAX_INTERVALS = 15  # more columns than this no longer fit a 6.4-inch table


def use_book_style() -> None:
    """Install the book's matplotlib style (:data:`BOOK_RC`) globally.

    Sans-serif 9-10 pt text, no top/right spines, a faint horizontal grid,
    the Okabe-Ito colour cycle, 110 dpi on screen, 300 dpi when saved and
    editable text in SVG. Calling it again changes nothing.

    Examples
    --------
    >>> from nettx_utils.figures.style import use_book_style
    >>> use_book_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["savefig.dpi"]
    300.0
    """
    mpl.rcParams.update(BOOK_RC)


def round_ticks(tmax: float) -> np.ndarray:
    """Ticks 0, step, 2*step, ... covering [0, tmax] with at most 8 intervals."""
    tmax = max(float(tmax), 1.0)
    step = next((s for s in _NICE_STEPS if math.ceil(tmax / s) <= 8), None)
    if step is None:  # beyond the table: a power of ten
        step = 10 ** math.ceil(math.log10(tmax / 8))
    return np.arange(math.ceil(tmax / step) + 1, dtype=float) * step


def book_ticks(end: float, step: float = BOOK_TIME_STEP, start: float = 0.0) -> np.ndarray:
    """The book's x ticks for a time axis from ``start`` to ``end``: every ``step``.

    The rule is one spacing for the whole book (:data:`BOOK_TIME_STEP`, 24 months),
    so that figures can be compared by eye. Ticks stop at the last multiple of
    ``step`` not beyond ``end`` (the last time with a patient at risk), so the
    table under a Kaplan-Meier curve never has a column after follow-up ended.
    Two exceptions keep the table readable: follow-up shorter than two steps
    uses the finest round step giving at most 8 intervals, and more than 15
    intervals (30 years at 24 months) double the step until they fit.

    Examples
    --------
    >>> book_ticks(197.9).tolist()[-3:]
    [144.0, 168.0, 192.0]
    >>> float(book_ticks(366.1)[1]), float(book_ticks(500.0)[1]), book_ticks(30.0).tolist()
    (24.0, 48.0, [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0])
    """
    start, end, step = float(start), float(end), float(step)
    if not (math.isfinite(end) and math.isfinite(start) and step > 0):
        raise NettxError(f"book_ticks: need a finite range and a positive step, got {start}-{end}")
    span = end - start
    if span < 2 * step:
        fine = round_ticks(span)
        inside = fine[fine <= span + 1e-9]
        return start + (inside if inside.size >= 2 else fine[:2])
    while math.floor(span / step + 1e-9) > _MAX_INTERVALS:
        step *= 2
    return start + step * np.arange(math.floor(span / step + 1e-9) + 1, dtype=float)


def outside_legend(fig: Figure, handles: list, names: list[str]) -> Any:
    """A figure legend above the axes, outside the plotting area, so that it covers
    no curve: one row when it fits the figure's width, else one entry a line."""
    options = {
        "loc": "outside upper left",
        "handlelength": 1.6,
        "columnspacing": 1.4,
        "borderaxespad": 0.2,
        "frameon": False,
    }
    legend = fig.legend(handles, names, ncols=len(names), **options)
    fig.draw_without_rendering()
    if legend.get_window_extent().width > 0.98 * fig.bbox.width:
        legend.remove()
        legend = fig.legend(handles, names, ncols=1, **options)
    return legend


PER_PATIENT_LIMIT = 200
"""Largest cohort drawn patient by patient (Figure 1's lines, the follow-up swimmer plot);
above it those figures show distributions instead."""

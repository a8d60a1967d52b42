"""Cumulative incidence of one cause under competing events, drawn two ways.

:func:`cumulative_incidence_figure` sets one minus Kaplan-Meier (competing events
censored) beside the Aalen-Johansen estimate (competing events counted as such),
both from :mod:`nettx_utils.stats.survival`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, PercentFormatter

from nettx_utils.errors import NettxError
from nettx_utils.figures.style import BOOK_RC, PALETTE, book_ticks, outside_legend
from nettx_utils.stats.survival import cumulative_incidence, fit_kaplan_meier


def cumulative_incidence_figure(
    durations: Sequence[float] | np.ndarray | pd.Series,
    event_codes: Sequence[int] | np.ndarray | pd.Series,
    *,
    cause: int = 1,
    landmarks: Sequence[float] = (),
    xlabel: str = "Months since recurrence",
    ylabel: str = "Cumulative incidence",
    competing: str = "competing events",
) -> Figure:
    """Cumulative incidence of one cause two ways: one minus Kaplan-Meier, which censors
    the competing events, and Aalen-Johansen, which counts them as competing.

    ``event_codes`` holds 0 for censored, ``cause`` for the event of interest and any
    other positive code for a competing event (as for
    :func:`nettx_utils.stats.survival.cumulative_incidence`, whose estimator, lifelines'
    ``AalenJohansenFitter`` with a fixed seed, draws the second curve). The curves are
    evaluated at every observed time and drawn as steps up to the last time with a
    patient at risk; the x axis follows the book's tick rule (:func:`book_ticks`),
    landmarks are dotted lines, named in the legend ("Landmark (60 months)"), and the
    legend stands above the axes, covering no curve.
    ``competing`` names the competing events in the legend. ``fig.incidence_curves``
    holds the drawn values (columns ``time``,
    ``one_minus_km``, ``aalen_johansen``).

    Examples
    --------
    >>> fig = cumulative_incidence_figure([2, 3, 5, 8], [1, 2, 1, 0])
    >>> fig.incidence_curves[["one_minus_km", "aalen_johansen"]].iloc[-1].round(3).tolist()
    [0.625, 0.5]
    >>> fig = cumulative_incidence_figure([2, 3, 5, 8], [1, 2, 1, 0], landmarks=[4])
    >>> [t.get_text() for t in fig.legends[0].get_texts()][-1]
    'Landmark (4 months)'
    """

    t = np.asarray(durations, dtype=float)
    codes = np.asarray(event_codes, dtype=float).astype(int)
    keep = ~np.isnan(t)
    t, codes = t[keep], codes[keep]
    if not t.size:
        raise NettxError("cumulative_incidence_figure: no patient with a time")
    last = float(t.max())
    grid = np.r_[0.0, np.unique(t)]
    km = fit_kaplan_meier(t, (codes == cause).astype(int))
    one_minus_km = 1 - km.survival_at(grid)["survival"].to_numpy(float)
    aalen_johansen = cumulative_incidence(t, codes, grid, cause=cause)["incidence"].to_numpy(float)
    curves = pd.DataFrame(
        {"time": grid, "one_minus_km": one_minus_km, "aalen_johansen": aalen_johansen}
    )
    ticks = book_ticks(last)
    t1 = max(last, float(ticks[-1]))
    with mpl.rc_context(BOOK_RC):
        fig = Figure(figsize=(6.4, 3.4), layout="constrained")
        ax = fig.subplots()
        drawn = (
            ("one_minus_km", PALETTE[0], "--", f"1 − Kaplan-Meier ({competing} censored)"),
            ("aalen_johansen", PALETTE[1], "-", f"Aalen-Johansen ({competing} competing)"),
        )
        for column, colour, style, label in drawn:
            ax.step(
                grid, curves[column], where="post", color=colour, ls=style, label=label, zorder=3
            )
        marks = ", ".join(f"{float(at):g}" for at in landmarks)
        for k, at in enumerate(landmarks):
            # one legend entry names every dotted line
            name = f"Landmark{'s' if len(landmarks) > 1 else ''} ({marks} months)"
            ax.axvline(
                at, color="#666666", lw=0.9, ls=(0, (1, 2)), zorder=1, label=None if k else name
            )
        ax.set_xlim(-0.02 * t1, 1.02 * t1)
        ax.set_ylim(-0.02, 1.03)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_major_locator(FixedLocator([0, 0.25, 0.5, 0.75, 1.0]))
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        ax.spines["left"].set_bounds(0, 1)
        ax.spines["bottom"].set_bounds(0, t1)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        handles, names = ax.get_legend_handles_labels()
        outside_legend(fig, handles, names)
    fig.incidence_curves = curves
    return fig

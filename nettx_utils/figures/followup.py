"""How long patients were followed: the swimmer plot and the reverse Kaplan-Meier figure.

:func:`follow_up_figure` shows one horizontal line per patient (swimmer plot):
readable, and a per-patient figure, for a few dozen patients; unreadable (and a
figure of 100 000 lines, 16 000 inches tall) for a registry. Above
:data:`~nettx_utils.figures.style.PER_PATIENT_LIMIT` patients, or when per-patient
figures are switched off (a cohort of real patients), the same information is
shown aggregated: the number of patients by length of follow-up, deaths and
censored patients stacked. :func:`reverse_km_figure` sets overall survival beside
the share of patients still under follow-up (chapter 8).
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

from nettx_utils.errors import NettxError
from nettx_utils.figures.style import (
    BOOK_RC,
    PALETTE,
    PER_PATIENT_LIMIT,
    book_ticks,
    outside_legend,
)
from nettx_utils.stats.arrays import as_float_array

_LABELS = ("Died", "Censored (alive at last contact)")


def follow_up_figure(
    months: Any,
    died: Any,
    *,
    marker: float | None = None,
    max_lines: int = PER_PATIENT_LIMIT,
    width: float = 6.4,
) -> Figure:
    """Follow-up of each patient, shortest at the bottom, or a histogram above ``max_lines``.

    Parameters
    ----------
    months
        Time from the origin (recurrence) to death or last contact.
    died
        1 for a death, 0 for a patient alive at last contact (censored).
    marker
        A time drawn as a dotted vertical line (the chapter's example time point).
    max_lines
        Largest number of patients drawn one line each; 0 never draws them.

    Returns
    -------
    matplotlib.figure.Figure
        Outside pyplot; x ticks follow the book's rule (:func:`nettx_utils.figures.style.book_ticks`,
        every 24 months). ``fig.per_patient`` says which form was drawn; the
        aggregated form carries a note naming the number of patients and why.

    Raises
    ------
    NettxError
        For no patients, lengths that differ, a negative or missing time, or
        ``died`` not 0/1.

    Examples
    --------
    >>> follow_up_figure([3, 10, 7], [1, 0, 0]).per_patient
    True
    >>> follow_up_figure([3, 10, 7], [1, 0, 0], max_lines=2).per_patient
    False
    """
    t = as_float_array(months, "months")
    d = as_float_array(died, "died")
    if t.size == 0 or t.size != d.size:
        raise NettxError(f"follow_up_figure: {t.size} times and {d.size} statuses")
    if not np.isfinite(t).all() or (t < 0).any():
        raise NettxError("follow_up_figure: times must be numbers >= 0, none missing")
    if not np.isin(d, (0.0, 1.0)).all():
        raise NettxError("follow_up_figure: died must be 0 or 1, none missing")
    if max_lines < 0:
        raise NettxError(f"follow_up_figure: max_lines must be >= 0, got {max_lines}")
    per_patient = t.size <= max_lines
    dead = d == 1
    with mpl.rc_context(BOOK_RC):
        height = max(2.4, 0.16 * t.size + 1.0) if per_patient else 3.0
        figure = Figure(figsize=(width, height), layout="constrained")
        ax = figure.subplots()
        if per_patient:
            _lines(ax, t, dead)
            ax.set_ylabel("Patients, shortest follow-up at the bottom")
        else:
            _histogram(ax, t, dead, max_lines)
        if marker is not None:
            ax.axvline(marker, color="#888888", linestyle=":", linewidth=1)
        ax.xaxis.set_major_locator(FixedLocator(book_ticks(float(t.max()))))  # the book's rule
        ax.set_xlabel("Months since recurrence")
    figure.per_patient = per_patient
    return figure


def _lines(ax: Any, t: np.ndarray, dead: np.ndarray) -> None:
    order = np.argsort(t, kind="stable")
    for row, i in enumerate(order):
        colour = PALETTE[1] if dead[i] else PALETTE[0]
        ax.hlines(row, 0, t[i], color=colour, linewidth=1.6)
        ax.plot(t[i], row, "o", color=colour, markerfacecolor=colour if dead[i] else "white")
    ax.set_yticks([])
    ax.grid(False)
    ax.legend(
        handles=[
            ax.plot([], [], "o", color=PALETTE[1])[0],
            ax.plot([], [], "o", color=PALETTE[0], markerfacecolor="white")[0],
        ],
        labels=list(_LABELS),
        loc="lower right",
    )


def _histogram(ax: Any, t: np.ndarray, dead: np.ndarray, max_lines: int) -> None:
    edges = np.histogram_bin_edges(t, bins=min(40, max(5, int(np.sqrt(t.size)))))
    ax.hist(
        [t[dead], t[~dead]],
        bins=edges,
        stacked=True,
        color=[PALETTE[1], PALETTE[0]],
        label=list(_LABELS),
    )
    ax.set_ylabel("Patients")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    why = f"above {max_lines} patients" if max_lines > 0 else "for this cohort"
    note = ax.set_title(
        f"N = {t.size}: per-patient lines are not drawn {why};\n"
        "bars count the patients by length of follow-up",
        loc="left",
        fontsize=8,
        fontweight="normal",
        color="#444444",
    )
    note.set_gid("follow-up-note")


def reverse_km_figure(
    survival: pd.DataFrame, follow_up: pd.DataFrame, follow_up_median: float
) -> Figure:
    """Overall survival beside the reverse Kaplan-Meier curve (the share still under
    follow-up), with the reverse curve's median dashed: chapter 8's figure.

    ``survival`` and ``follow_up`` are life tables with columns ``time`` and ``survival``
    (:func:`nettx_utils.teaching.by_hand.life_table`; the second with the event indicator
    flipped). The x axis follows the book's tick rule (:func:`book_ticks`) and the
    legend stands above the axes, so it covers no curve.

    Examples
    --------
    >>> table = pd.DataFrame({"time": [2.0, 5.0], "survival": [0.5, 0.0]})
    >>> reverse_km_figure(table, table, 3.0).axes[0].get_xlabel()
    'Months since recurrence'
    """
    figure = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = figure.subplots()
    start = pd.DataFrame({"time": [0.0], "survival": [1.0]})
    curves = [
        (survival, PALETTE[1], "Overall survival (Kaplan-Meier)"),
        (follow_up, PALETTE[0], "Still under follow-up (reverse Kaplan-Meier)"),
    ]
    for curve, colour, label in curves:
        steps = pd.concat([start, curve[["time", "survival"]]], ignore_index=True)
        ax.step(steps["time"], 100 * steps["survival"], where="post", color=colour, label=label)
    ax.axhline(50, color="#888888", linestyle=":", linewidth=1)
    if math.isfinite(follow_up_median):
        ax.axvline(follow_up_median, color=PALETTE[0], linestyle="--", linewidth=1)
    end = float(max(survival["time"].max(), follow_up["time"].max()))
    ticks = book_ticks(end)
    ax.set_xticks(ticks)
    ax.set_xlim(0, max(end, float(ticks[-1])) * 1.02)
    ax.set_xlabel("Months since recurrence")
    # both curves are Kaplan-Meier estimates in percent of the patients: alive, or still
    # followed; the caption says which curve is which, and what the dotted 50% line is
    ax.set_ylabel("Kaplan-Meier estimate (%)")
    ax.set_ylim(0, 102)
    handles, names = ax.get_legend_handles_labels()
    outside_legend(figure, handles, names)
    return figure

"""The KMunicate-style Kaplan-Meier figure and its caption.

:func:`km_figure` draws Kaplan-Meier curves the way Morris et al. (*BMJ Open*
2019;9:e030215, "KMunicate") recommend: a step curve per group with a shaded
confidence band and censor ticks, and under the axes a table giving, for each
group, the number **at risk**, **censored** and with an **event** at every x
tick (the last two cumulative, so the three rows add up to the group's N).
:func:`km_caption` writes the caption sentences that say how it was drawn.

All numbers come from :mod:`nettx_utils.stats.survival`; this module only draws.

What :func:`km_figure` returns: a figure outside pyplot's registry, so a notebook
shows it only where it displays or glues it, and it is freed with its last
reference; ``fig.axes[0]`` holds the curves and ``fig.axes[1]`` the table; the
legend (two or more groups) is a figure legend above the curves, outside the
plotting area, ``fig.km_legend`` (None without one). Attached for tests and
notebooks: ``fig.km_counts`` (DataFrame ``group, time, at_risk, censored,
events``: the table as drawn), ``fig.km_fits`` (display label -> fitted
``KaplanMeier``), ``fig.km_group_keys`` (display label -> group key),
``fig.km_logrank`` (``LogRankResult`` or None) and ``fig.km_empty`` (display label
-> key of each group left out for having no patient). Artists carry gids:
``km-curve``, ``km-ci``, ``km-censor``, ``km-landmark``, ``km-landmark-label``,
``km-logrank``, ``km-table-group`` (a group's name over its rows of the table).

It raises :class:`~nettx_utils.errors.NettxError` for no patients, mismatched
lengths, a group without patients, data groups missing from ``group_order``, or
non-increasing ``times``. With the book's tick rule (the default ``tick_step``)
``times`` is ignored, so that every figure of the book has the same ticks, and the
x axis ends at the last time with a patient at risk. A chapter passes
``drop_empty_groups`` to draw on a cohort where a split leaves one side empty (the
log-rank test needs two non-empty groups). The figure is drawn in
:data:`~nettx_utils.figures.style.BOOK_RC` whether or not
:func:`~nettx_utils.figures.style.use_book_style` was called, but save settings
(300 dpi, editable SVG text) are read when saving, so call it once per notebook.
Without ``groups`` the single group's key is ``"All patients"`` (rename it with
``group_labels={"All patients": ...}``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, PercentFormatter

from nettx_utils.errors import NettxError
from nettx_utils.figures.style import (
    BOOK_RC,
    BOOK_TIME_STEP,
    PALETTE,
    book_ticks,
    outside_legend,
    round_ticks,
)
from nettx_utils.formatting import format_p
from nettx_utils.stats.survival import fit_kaplan_meier, logrank_test

_ROWS = (("at_risk", "At risk"), ("censored", "Censored"), ("events", "Events"))


def _groups(
    groups: Any,
    n: int,
    group_order: Sequence | None,
    group_labels: Mapping | None,
    drop_empty: bool = False,
) -> tuple[np.ndarray, list[Any], list[str], list[str]]:
    """Return (keep mask, group keys in plotting order, their display labels, and the
    groups without patients as display label -> key)."""
    if groups is None:
        keys: list[Any] = ["All patients"]
        series = pd.Series(["All patients"] * n)
    else:
        series = pd.Series(groups).reset_index(drop=True)
        if len(series) != n:
            raise NettxError(f"km_figure: {len(series)} group labels for {n} patients")
    keep = series.notna().to_numpy()
    present = list(pd.unique(series[keep]))
    if group_order is not None:
        keys = list(group_order)
        extra = [g for g in present if g not in keys]
        if extra:
            raise NettxError(f"km_figure: groups {extra} are in the data but not in group_order")
    elif groups is not None:
        if isinstance(series.dtype, pd.CategoricalDtype):
            keys = list(series.cat.categories)
        else:
            try:
                keys = sorted(present)
            except TypeError:
                keys = present
    if not keys:
        raise NettxError("km_figure: every group label is missing (NaN); nothing to plot")
    empty = [g for g in keys if not (series[keep] == g).any()]
    if empty and not (drop_empty and len(empty) < len(keys)):
        raise NettxError(f"km_figure: group(s) {empty} have no patients")
    label_of = {g: str((group_labels or {}).get(g, g)) for g in keys}
    labels = [label_of[g] for g in keys]
    if len(set(labels)) != len(labels):
        raise NettxError(f"km_figure: group labels are not unique: {labels}")
    kept = [g for g in keys if g not in empty]
    return keep, kept, [label_of[g] for g in kept], {label_of[g]: g for g in empty}


CI_SCALES: dict[str, str] = {
    "log-log": "computed on the log-log scale",
    "log": "computed on the log scale",
    "plain": "computed on the plain (linear) scale",
}
"""How :func:`km_caption` names each ``ci_type`` of :func:`nettx_utils.stats.survival.fit_kaplan_meier`."""


def landmark_sentence(landmarks: Sequence[float], unit: str = "months") -> str:
    """The caption sentence for the dotted landmark lines of a figure (with a leading
    space), or an empty string when none is drawn.

    Examples
    --------
    >>> landmark_sentence([60])
    ' The dotted line marks 60 months, the landmark quoted in the text.'
    >>> landmark_sentence([60, 120.0]), landmark_sentence([])
    (' The dotted lines mark the landmarks quoted in the text (60, 120 months).', '')
    """
    marks = [f"{float(t):g}" for t in landmarks]
    if len(marks) == 1:
        return f" The dotted line marks {marks[0]} {unit}, the landmark quoted in the text."
    if marks:
        return (
            f" The dotted lines mark the landmarks quoted in the text ({', '.join(marks)} {unit})."
        )
    return ""


def km_caption(
    ci_type: str,
    alpha: float,
    *,
    groups: bool = False,
    landmarks: Sequence[float] = (),
    unit: str = "months",
    event: str = "dead",
) -> str:
    """The standard caption sentences of a :func:`km_figure`, from the settings it was drawn with.

    One text for every Kaplan-Meier figure of the book: the confidence level
    (``1 - alpha``) and scale (``ci_type``) of the pointwise bands, the censoring ticks,
    the log-rank p in the legend (with ``groups``), what the dotted lines mark, and what
    the table under the axis counts (at risk at each tick; censored and ``event`` up to
    that tick, cumulative).

    Examples
    --------
    >>> km_caption("log-log", 0.05)[:91]
    'Kaplan-Meier estimate with its pointwise 95% confidence band (computed on the log-log scale'
    >>> "log-rank p" in km_caption("log", 0.1, groups=True, landmarks=[60])
    True
    >>> "dotted line marks 60 months" in km_caption("log", 0.1, groups=True, landmarks=[60])
    True
    """
    if ci_type not in CI_SCALES:
        raise NettxError(f"km_caption: ci_type must be one of {sorted(CI_SCALES)}, got {ci_type!r}")
    level = f"{100 * (1 - float(alpha)):g}%"
    scale = CI_SCALES[ci_type]
    if groups:
        text = (
            f"Kaplan-Meier estimates with their pointwise {level} confidence bands ({scale}); "
            "ticks on the curves mark censored patients, and the legend gives the log-rank p."
        )
    else:
        text = (
            f"Kaplan-Meier estimate with its pointwise {level} confidence band ({scale}); "
            "ticks on the curve mark censored patients."
        )
    text += landmark_sentence(landmarks, unit)
    whose = " of each group" if groups else ""
    text += (
        f" Under the axis, at each tick{whose}: the patients still at risk, and the "
        f'cumulative numbers censored and {event} (the row "Events") up to that tick.'
    )
    return text


def km_figure(
    durations: Sequence[float] | np.ndarray | pd.Series,
    events: Sequence[int] | np.ndarray | pd.Series,
    groups: Sequence | np.ndarray | pd.Series | None = None,
    *,
    times: Sequence[float] | None = None,
    group_order: Sequence | None = None,
    group_labels: Mapping | None = None,
    xlabel: str = "Months",
    ylabel: str = "Overall survival",
    title: str | None = None,
    ci: bool = True,
    ci_type: str = "log-log",
    alpha: float = 0.05,
    show_logrank: bool = True,
    landmarks: Sequence[float] = (),
    width: float = 6.4,
    axes_height: float = 3.0,
    drop_empty_groups: bool = False,
    tick_step: float | None = BOOK_TIME_STEP,
) -> Figure:
    """Draw a KMunicate-style Kaplan-Meier figure with its at-risk table.

    What the figure holds (axes, legend, attributes, gids), what raises and how the
    style applies: see the module's docstring.

    Parameters
    ----------
    durations, events : array-like
        Follow-up time and event indicator (1 = event, 0 = censored) per patient.
    groups : array-like, optional
        Group of each patient (NaN/None dropped); without it, one group "All patients".
    times : sequence of float, optional
        Only with ``tick_step=None``: increasing x ticks, also the table's columns.
    group_order : sequence, optional
        Groups to draw, in order (colours follow :data:`PALETTE`). Default:
        categories of a categorical ``groups``, else the sorted labels.
    group_labels : mapping, optional
        Display name per group key (legend and table); default ``str(key)``.
    xlabel, ylabel, title : str
        Axis labels and an optional (left-aligned) title.
    ci : bool, default True
        Shade the pointwise confidence band of each curve.
    ci_type, alpha : str, float
        Passed to :func:`nettx_utils.stats.survival.fit_kaplan_meier`.
    show_logrank : bool, default True
        With two or more groups, add "Log-rank p = ..." (:func:`format_p`) to the legend.
    landmarks : sequence of float
        Times marked by dotted lines labelled with their time; not ticks or columns.
    width, axes_height : float
        Figure width and height of the curve panel, in inches (the table adds 0.16 in a row).
    tick_step : float or None, default :data:`BOOK_TIME_STEP` (24)
        The book's rule (:func:`book_ticks`, ``times`` ignored). ``None``: ``times`` if
        given, else 0 to the longest follow-up in a round step, at most 8 intervals.
    drop_empty_groups : bool, default False
        Leave out groups without patients (named in the legend as "no patient", listed
        in ``fig.km_empty``) instead of refusing them.

    Examples
    --------
    >>> fig = km_figure([9, 13, 18, 23, 5, 8, 12], [1, 0, 1, 1, 1, 1, 0],
    ...                 ["A", "A", "A", "A", "B", "B", "B"], tick_step=6)
    >>> fig.km_counts.groupby("group").size().to_dict()  # ticks 0, 6, 12, 18
    {'A': 4, 'B': 4}
    """
    d, e, gvals, keys, labels, empty = _km_data(
        durations, events, groups, group_order, group_labels, drop_empty_groups
    )
    fits = {
        lab: fit_kaplan_meier(
            d[gvals == key], e[gvals == key], ci_type=ci_type, alpha=alpha, label=lab
        )
        for key, lab in zip(keys, labels, strict=True)
    }
    ticks, t0, t1 = _km_ticks(d, times, tick_step)
    table_height = 0.16 * (4 * len(keys)) + 0.1  # per group: a name row and three counts
    with mpl.rc_context(BOOK_RC):
        fig = Figure(figsize=(width, axes_height + table_height), layout="constrained")
        grid = fig.add_gridspec(2, 1, height_ratios=[axes_height, table_height])
        ax = fig.add_subplot(grid[0])
        tab = fig.add_subplot(grid[1], sharex=ax)
        counts = [
            _draw_curve(ax, PALETTE[i % len(PALETTE)], lab, fit, ticks, (t0, t1), ci)
            for i, (lab, fit) in enumerate(fits.items())
        ]
        _draw_landmarks(ax, landmarks, t0, t1)
        _format_km_axes(ax, ticks, t0, t1, (xlabel, ylabel, title))
        logrank, legend = _km_legend(fig, ax, (d, e, gvals), len(keys), show_logrank, empty)
        table = pd.concat(counts, ignore_index=True)[
            ["group", "time", "at_risk", "censored", "events"]
        ]
        _draw_table(tab, table, labels)
    fig.km_counts, fig.km_fits, fig.km_logrank = table, fits, logrank
    fig.km_group_keys = dict(zip(labels, keys, strict=True))
    fig.km_empty, fig.km_legend = empty, legend
    return fig


def _km_data(durations, events, groups, group_order, group_labels, drop_empty) -> tuple:
    """Checked arrays of the patients drawn: (durations, events, group of each, group
    keys in order, their labels, the empty groups as label -> key)."""
    try:
        d = np.asarray(durations, dtype=float)
        e = np.asarray(events, dtype=float)
    except (TypeError, ValueError) as exc:
        raise NettxError(f"km_figure: durations and events must be numeric: {exc}") from None
    if d.ndim != 1 or e.shape != d.shape:
        raise NettxError(f"km_figure: durations {d.shape} and events {e.shape} do not match")
    if d.size == 0:
        raise NettxError("km_figure: no patients to plot (durations is empty)")
    keep, keys, labels, empty = _groups(groups, d.size, group_order, group_labels, drop_empty)
    gvals = (
        np.full(d.size, "All patients", dtype=object)
        if groups is None
        else pd.Series(groups).to_numpy(dtype=object)
    )
    return d[keep], e[keep], gvals[keep], keys, labels, empty


def _km_ticks(d: np.ndarray, times: Sequence[float] | None, tick_step: float | None) -> tuple:
    """The x ticks (also the table's columns) and the span of the axis, ``(ticks, t0, t1)``.

    The book keeps one tick grid: a landmark is a dotted line labelled with its time,
    not an extra tick (60 between 48 and 72 would crowd the axis and the table).
    """
    if times is not None:
        asked = np.asarray(times, dtype=float)
        if asked.ndim != 1 or asked.size < 2 or np.any(np.diff(asked) <= 0):
            raise NettxError(f"km_figure: times must be >= 2 increasing values, got {times!r}")
    last = float(np.nanmax(d))  # the last time with a patient at risk
    if tick_step is not None:
        ticks = book_ticks(last, tick_step)
        return ticks, float(ticks[0]), max(last, float(ticks[-1]))
    ticks = round_ticks(last) if times is None else asked
    return ticks, float(ticks[0]), float(ticks[-1])


def _draw_curve(ax: Axes, colour: str, lab: str, fit, ticks, span: tuple, ci: bool):
    """One group's step curve, band and censor ticks; returns its counts at the ticks."""
    t0, t1 = span
    steps = fit.table_.sort_values("time")
    x = np.r_[min(0.0, t0), steps["time"].to_numpy(float)]
    y = np.r_[1.0, steps["survival"].to_numpy(float)]
    ax.step(x, y, where="post", color=colour, label=lab, gid="km-curve", zorder=3)
    if ci:
        lo, hi = _band_limits(y, steps["lower"], steps["upper"])
        ax.fill_between(
            x, lo, hi, step="post", color=colour, alpha=0.15, lw=0, gid="km-ci", zorder=2
        )
    cens = np.unique(fit.durations_[fit.events_ == 0])
    cens = cens[(cens >= t0) & (cens <= t1)]
    if cens.size:
        at = fit.survival_at(cens)["survival"].to_numpy(float)
        ax.plot(
            cens, at, ls="none", marker="|", ms=6, mew=1.1, color=colour, gid="km-censor", zorder=4
        )
    c = fit.counts_at(ticks)[["time", "at_risk", "censored", "events"]]
    return c.assign(group=lab)


def _draw_landmarks(ax: Axes, landmarks: Sequence[float], t0: float, t1: float) -> None:
    """A dotted vertical line at each landmark, labelled with its time at its foot."""
    for t in landmarks:
        ax.axvline(t, color="#666666", lw=0.9, ls=(0, (1, 2)), gid="km-landmark", zorder=1)
        if t0 <= float(t) <= t1:
            ax.text(
                float(t),
                0.01,
                f" {float(t):g}",
                transform=ax.get_xaxis_transform(),
                ha="left",
                va="bottom",
                fontsize=8,
                color="#555555",
                gid="km-landmark-label",
            )


def _format_km_axes(ax: Axes, ticks, t0: float, t1: float, texts: tuple) -> None:
    """Limits, ticks, percent y axis, trimmed spines, and the labels ``(x, y, title)``."""
    xlabel, ylabel, title = texts
    pad = 0.02 * (t1 - t0)
    ax.set_xlim(t0 - pad, t1 + pad)
    ax.set_ylim(-0.02, 1.03)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_locator(FixedLocator([0, 0.25, 0.5, 0.75, 1.0]))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.spines["left"].set_bounds(0, 1)
    ax.spines["bottom"].set_bounds(t0, t1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)


def _km_legend(fig: Figure, ax: Axes, data: tuple, n_groups: int, show_logrank: bool, empty):
    """The legend above the curves (two or more groups, or an empty one), with the log-rank
    p of ``data = (durations, events, groups)``; returns ``(logrank or None, legend or None)``."""
    logrank = None
    handles, names = ax.get_legend_handles_labels()
    if n_groups >= 2 and show_logrank:
        logrank = logrank_test(*data)
        p = format_p(logrank.p_value)
        handles.append(Line2D([], [], ls="none"))
        names.append(f"Log-rank p {p}" if p[0] in "<>" else f"Log-rank p = {p}")
    for lab in empty:
        handles.append(Line2D([], [], ls="none"))
        names.append(f"{lab}: no patient")
    legend = None
    if n_groups >= 2 or empty:
        legend = outside_legend(fig, handles, names)
        if logrank is not None:
            legend.get_texts()[-1 - len(empty)].set_gid("km-logrank")
    return logrank, legend


def _band_limits(survival: np.ndarray, lower: pd.Series, upper: pd.Series) -> tuple:
    """The confidence band's limits at each step of a curve that starts at 1.

    Where the estimate is 0 (the last patient at risk died) or 1, the interval is
    undefined (NaN) on the log-log scale; a NaN at the curve's last time made
    ``fill_between`` drop the whole step before it, so the band vanished where the
    curve still stood above 0. The limits there are the estimate itself.

    Examples
    --------
    >>> lo, hi = _band_limits(np.array([1.0, 0.5, 0.0]), pd.Series([0.1, np.nan]),
    ...                       pd.Series([0.9, np.nan]))
    >>> lo.tolist(), hi.tolist()
    ([1.0, 0.1, 0.0], [1.0, 0.9, 0.0])
    """
    lo = np.r_[1.0, np.asarray(lower, float)]
    hi = np.r_[1.0, np.asarray(upper, float)]
    degenerate = (survival == 0.0) | (survival == 1.0)
    lo = np.where(np.isnan(lo) & degenerate, survival, lo)
    hi = np.where(np.isnan(hi) & degenerate, survival, hi)
    return lo, hi


def _draw_table(tab: Axes, table: pd.DataFrame, labels: list[str]) -> None:
    """Write the at-risk / censored / events numbers under the curve axes."""
    yticks, ylabels = [], []
    row = 0
    for i, lab in enumerate(labels):
        yticks.append(row)
        ylabels.append("")
        tab.text(  # the name over its rows, from the left edge of the axes: no wide margin
            0,
            row,
            lab,
            transform=tab.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize=9,
            fontweight="bold",
            color=PALETTE[i % len(PALETTE)],
            gid="km-table-group",
        )
        sub = table[table["group"] == lab]
        for column, name in _ROWS:
            row += 1
            yticks.append(row)
            ylabels.append(name)
            for t, v in zip(sub["time"], sub[column], strict=True):
                tab.text(
                    t, row, f"{int(v)}", ha="center", va="center", fontsize=8.5, color="#222222"
                )
        row += 1
    tab.set_ylim(row - 0.5, -0.5)
    tab.yaxis.set_major_locator(FixedLocator(yticks))
    tab.set_yticklabels(ylabels)
    for text in tab.get_yticklabels():
        text.set_fontsize(8.5)
    tab.tick_params(axis="both", length=0, labelbottom=False, pad=10)
    tab.grid(False)
    for spine in tab.spines.values():
        spine.set_visible(False)
    tab.patch.set_visible(False)

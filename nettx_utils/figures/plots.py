"""KMunicate-style Kaplan-Meier figures and the book's single plotting style.

Every figure in the book is drawn with :data:`PALETTE` and :data:`BOOK_RC`
(installed globally by :func:`use_book_style`). :func:`km_figure` draws
Kaplan-Meier curves the way Morris et al. (*BMJ Open* 2019;9:e030215,
"KMunicate") recommend: a step curve per group with a shaded confidence band
and censor ticks, and under the axes a table giving, for each group, the
number **at risk**, **censored** and with an **event** at every x tick (the
last two cumulative, so the three rows add up to the group's N).

:func:`trajectories_figure` draws Figure 1 of the paper: one value per
patient at successive time points (Mib-1 at primary resection, at LT and at
recurrence), a thin line per patient and the median and IQR at each point.

All numbers come from :mod:`nettx_utils.stats.survival` and
:func:`nettx_utils.stats.quartiles.quartiles`; this module only draws. Figure 2 (the
flow diagram) is in :mod:`nettx_utils.figures.flow`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, PercentFormatter
from scipy.stats import gaussian_kde

from nettx_utils.errors import NettxError
from nettx_utils.formatting import format_p
from nettx_utils.stats.quartiles import quartiles
from nettx_utils.stats.survival import fit_kaplan_meier, logrank_test

__all__ = [
    "BOOK_RC",
    "BOOK_TIME_STEP",
    "CI_SCALES",
    "MIB1_TIME_POINTS",
    "PALETTE",
    "PER_PATIENT_LIMIT",
    "book_ticks",
    "format_p",
    "km_caption",
    "km_figure",
    "reverse_km_figure",
    "trajectories_figure",
    "use_book_style",
]

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
_ROWS = (("at_risk", "At risk"), ("censored", "Censored"), ("events", "Events"))


def use_book_style() -> None:
    """Install the book's matplotlib style (:data:`BOOK_RC`) globally.

    Sans-serif 9-10 pt text, no top/right spines, a faint horizontal grid,
    the Okabe-Ito colour cycle, 110 dpi on screen, 300 dpi when saved and
    editable text in SVG. Calling it again changes nothing.

    Examples
    --------
    >>> from nettx_utils.figures.plots import use_book_style
    >>> use_book_style()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["savefig.dpi"]
    300.0
    """
    mpl.rcParams.update(BOOK_RC)


def _default_times(tmax: float) -> np.ndarray:
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
        fine = _default_times(span)
        inside = fine[fine <= span + 1e-9]
        return start + (inside if inside.size >= 2 else fine[:2])
    while math.floor(span / step + 1e-9) > _MAX_INTERVALS:
        step *= 2
    return start + step * np.arange(math.floor(span / step + 1e-9) + 1, dtype=float)


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

    Parameters
    ----------
    durations, events : array-like
        Follow-up time and event indicator (1 = event, 0 = censored) per patient.
    groups : array-like, optional
        Group of each patient; patients whose group is NaN/None are dropped.
        Without ``groups`` all patients form one group, "All patients".
    times : sequence of float, optional
        Only with ``tick_step=None``: increasing x ticks, which are also the
        columns of the table; the x axis spans ``times[0]`` to ``times[-1]``.
        With the book's rule (the default ``tick_step``) ``times`` is ignored,
        so that every figure of the book has the same ticks.
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
        With two or more groups, add "Log-rank p = ..." (see :func:`format_p`)
        to the legend.
    landmarks : sequence of float
        Times marked by vertical dotted lines, each labelled with its time at the foot
        of the line; they are not ticks or table columns (the book keeps one tick grid,
        and gives the estimates at a landmark in the chapters' landmark tables).
    width, axes_height : float
        Figure width and height of the curve panel, in inches; the table
        below adds 0.16 in per row.
    tick_step : float or None, default :data:`BOOK_TIME_STEP` (24)
        The book's rule (:func:`book_ticks`): ticks and table columns every
        ``tick_step`` from 0, and an x axis that ends at the last time with a
        patient at risk. ``None``: ``times`` if given, else 0 to the longest
        follow-up in a round step (1, 2, 3, 5, 6, 12, 24, 36, ...), at most 8
        intervals (for data in other units, as in the tests).
    drop_empty_groups : bool, default False
        Leave out groups without patients (named in the legend as "no patient",
        listed in ``fig.km_empty``) instead of refusing them, so a chapter still
        draws on a cohort where a split leaves one side empty. The log-rank test
        needs two non-empty groups.

    Returns
    -------
    matplotlib.figure.Figure
        A figure outside pyplot's registry, so a notebook shows it only where
        it displays or glues it, and it is freed with its last reference;
        ``fig.axes[0]`` holds the curves and
        ``fig.axes[1]`` the table; the legend (two or more groups) is a figure
        legend above the curves, outside the plotting area, ``fig.km_legend``
        (None without one). Attached for tests and notebooks:
        ``fig.km_counts`` (DataFrame ``group, time, at_risk, censored,
        events``: the table as drawn), ``fig.km_fits`` (display label ->
        fitted ``KaplanMeier``), ``fig.km_group_keys`` (display label -> group
        key), ``fig.km_logrank`` (``LogRankResult`` or None) and ``fig.km_empty``
        (display label -> key of each group left out for having no patient). Artists carry gids: ``km-curve``, ``km-ci``, ``km-censor``,
        ``km-landmark``, ``km-landmark-label``, ``km-logrank``, ``km-table-group`` (a group's name over its rows
        of the table).

    Raises
    ------
    NettxError
        No patients, mismatched lengths, a group without patients, data
        groups missing from ``group_order``, or non-increasing ``times``.

    Notes
    -----
    The figure is drawn in :data:`BOOK_RC` whether or not :func:`use_book_style`
    was called, but save settings (300 dpi, editable SVG text) are read when
    saving, so call :func:`use_book_style` once per notebook. Without ``groups``
    the single group's key is ``"All patients"`` (rename it with
    ``group_labels={"All patients": ...}``).

    Examples
    --------
    >>> fig = km_figure([9, 13, 18, 23, 5, 8, 12], [1, 0, 1, 1, 1, 1, 0],
    ...                 ["A", "A", "A", "A", "B", "B", "B"], tick_step=6)
    >>> fig.km_counts.groupby("group").size().to_dict()  # ticks 0, 6, 12, 18
    {'A': 4, 'B': 4}
    """
    try:
        d = np.asarray(durations, dtype=float)
        e = np.asarray(events, dtype=float)
    except (TypeError, ValueError) as exc:
        raise NettxError(f"km_figure: durations and events must be numeric: {exc}") from None
    if d.ndim != 1 or e.shape != d.shape:
        raise NettxError(f"km_figure: durations {d.shape} and events {e.shape} do not match")
    if d.size == 0:
        raise NettxError("km_figure: no patients to plot (durations is empty)")
    keep, keys, labels, empty = _groups(
        groups, d.size, group_order, group_labels, drop_empty_groups
    )
    gvals = (
        np.full(d.size, "All patients", dtype=object)
        if groups is None
        else pd.Series(groups).to_numpy(dtype=object)
    )
    d, e, gvals = d[keep], e[keep], gvals[keep]

    fits = {
        lab: fit_kaplan_meier(
            d[gvals == key], e[gvals == key], ci_type=ci_type, alpha=alpha, label=lab
        )
        for key, lab in zip(keys, labels, strict=True)
    }
    if times is not None:
        asked = np.asarray(times, dtype=float)
        if asked.ndim != 1 or asked.size < 2 or np.any(np.diff(asked) <= 0):
            raise NettxError(f"km_figure: times must be >= 2 increasing values, got {times!r}")
    last = float(np.nanmax(d))  # the last time with a patient at risk
    if tick_step is not None:
        ticks = book_ticks(last, tick_step)
        t0, t1 = float(ticks[0]), max(last, float(ticks[-1]))
    elif times is None:
        ticks = _default_times(last)
        t0, t1 = float(ticks[0]), float(ticks[-1])
    else:
        ticks = asked
        t0, t1 = float(ticks[0]), float(ticks[-1])
    # The book keeps one tick grid: a landmark is a dotted line labelled with its time,
    # not an extra tick (60 between 48 and 72 would crowd the axis and the table).
    pad = 0.02 * (t1 - t0)

    n_rows = 4 * len(keys)  # per group: a name row, then At risk / Censored / Events
    table_height = 0.16 * n_rows + 0.1
    with mpl.rc_context(BOOK_RC):
        fig = Figure(figsize=(width, axes_height + table_height), layout="constrained")
        grid = fig.add_gridspec(2, 1, height_ratios=[axes_height, table_height])
        ax = fig.add_subplot(grid[0])
        tab = fig.add_subplot(grid[1], sharex=ax)
        counts = []
        for i, (lab, fit) in enumerate(fits.items()):
            colour = PALETTE[i % len(PALETTE)]
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
                    cens,
                    at,
                    ls="none",
                    marker="|",
                    ms=6,
                    mew=1.1,
                    color=colour,
                    gid="km-censor",
                    zorder=4,
                )
            c = fit.counts_at(ticks)[["time", "at_risk", "censored", "events"]]
            counts.append(c.assign(group=lab))
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

        logrank = None
        handles, names = ax.get_legend_handles_labels()
        if len(keys) >= 2 and show_logrank:
            logrank = logrank_test(d, e, gvals)
            p = format_p(logrank.p_value)
            handles.append(Line2D([], [], ls="none"))
            names.append(f"Log-rank p {p}" if p[0] in "<>" else f"Log-rank p = {p}")
        for lab in empty:
            handles.append(Line2D([], [], ls="none"))
            names.append(f"{lab}: no patient")
        legend = None
        if len(keys) >= 2 or empty:
            legend = _outside_legend(fig, handles, names)
            if logrank is not None:
                legend.get_texts()[-1 - len(empty)].set_gid("km-logrank")

        table = pd.concat(counts, ignore_index=True)[
            ["group", "time", "at_risk", "censored", "events"]
        ]
        _draw_table(tab, table, labels)
    fig.km_counts = table
    fig.km_fits = fits
    fig.km_logrank = logrank
    fig.km_group_keys = dict(zip(labels, keys, strict=True))
    fig.km_empty = empty
    fig.km_legend = legend
    return fig


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


def _outside_legend(fig: Figure, handles: list, names: list[str]) -> Any:
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


# --------------------------------------------------------------------------- Figure 1

#: Mib-1 columns of the cohort in time order, with the x labels of Figure 1.
MIB1_TIME_POINTS: dict[str, str] = {
    "mib1_primary_pct": "Primary tumor",
    "mib1_lt_pct": "Liver metastases\nat LT",
    "mib1_recurrence_pct": "Recurrence",
}

PER_PATIENT_LIMIT = 200
"""Largest cohort drawn patient by patient (Figure 1's lines, the follow-up swimmer plot);
above it those figures show distributions instead."""
_LOG_TICKS = (0, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
_SUMMARY_SHIFT = 0.14  # x offset of the median/IQR bar from the patients' points


def _scale_label(ylabel: str, log_scale: bool, positive: bool) -> str:
    """The y label with the scale said in words (a logarithmic axis must not pass for linear).

    Examples
    --------
    >>> _scale_label("Mib-1 (%)", True, True)
    'Mib-1 (%), logarithmic scale'
    >>> _scale_label("Mib-1 (%)", True, False)
    'Mib-1 (%), linear scale to 1, logarithmic above'
    >>> _scale_label("Mib-1 (%)", False, True)
    'Mib-1 (%)'
    """
    if not log_scale:
        return ylabel
    return (
        f"{ylabel}, logarithmic scale"
        if positive
        else f"{ylabel}, linear scale to 1, logarithmic above"
    )


def _numeric_frame(values: pd.DataFrame, who: str) -> pd.DataFrame:
    """``values`` as float columns; a NettxError names any non-numeric column."""
    if not isinstance(values, pd.DataFrame):
        raise NettxError(f"{who}: values must be a DataFrame, got {type(values).__name__}")
    if values.shape[1] == 0 or values.shape[0] == 0:
        raise NettxError(
            f"{who}: values is empty ({values.shape[0]} rows, {values.shape[1]} columns)"
        )
    out = {}
    for column in values.columns:
        try:
            out[column] = pd.to_numeric(values[column], errors="raise").astype("float64")
        except (TypeError, ValueError) as exc:
            raise NettxError(f"{who}: column {column!r} is not numeric: {exc}") from None
    frame = pd.DataFrame(out, index=values.index)
    if frame.notna().sum().sum() == 0:
        raise NettxError(f"{who}: every value is missing in columns {list(values.columns)}")
    return frame


def _violin(ax: Axes, x: float, values: np.ndarray, width: float, colour: str) -> None:
    """A violin at ``x``, estimated on the y axis' own scale (linear or symlog)."""
    forward = ax.yaxis.get_transform()
    t = forward.transform(values.reshape(-1, 1)).ravel()
    if t.size < 2 or np.ptp(t) == 0:
        return
    grid = np.linspace(t.min(), t.max(), 200)
    density = gaussian_kde(t)(grid)
    half = 0.5 * width * density / density.max()
    y = forward.inverted().transform(grid.reshape(-1, 1)).ravel()
    ax.fill_betweenx(
        y, x - half, x + half, color=colour, alpha=0.25, lw=0, gid="trajectory-violin", zorder=1
    )


def trajectories_figure(
    values: pd.DataFrame,
    *,
    labels: Sequence[str] | None = None,
    ylabel: str = "Mib-1 (%)",
    quantile_method: str = "weibull",
    max_lines: int = PER_PATIENT_LIMIT,
    log_scale: bool = True,
    width: float = 4.6,
    height: float = 3.6,
) -> Figure:
    """Per-patient values at successive time points, with median and IQR (Figure 1).

    Each patient measured at two or more time points is a thin line joining
    the points measured (a missing middle point is bridged); a patient
    measured once is a single dot. At each time point a bold marker gives the
    median and a bar the interquartile range, both computed by
    :func:`nettx_utils.stats.quartiles.quartiles`; the x tick labels give n measured.
    With more than ``max_lines`` patients the lines are replaced by a violin
    per time point and a note says so.

    Parameters
    ----------
    values : DataFrame
        One row per patient, one numeric column per time point, in time order;
        missing values allowed. For the book:
        ``cohort[list(MIB1_TIME_POINTS)]``.
    labels : sequence of str, optional
        x label per column; default the column names.
    ylabel : str, default "Mib-1 (%)"
    quantile_method : str, default "weibull"
        Quantile convention for the median and IQR (SPSS's by default).
    max_lines : int, default 200
        Largest number of patients drawn as individual lines.
    log_scale : bool, default True
        A logarithmic y axis, which separates values of 1-3% and still shows
        40%; the y label says so ("..., logarithmic scale"). With a value of 0
        or below (not drawable on a log axis) the axis is symmetric-log, linear
        up to 1 and logarithmic above, and the label says that. False gives a
        linear axis from 0.
    width, height : float
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Outside pyplot's registry (display or glue it to show it).
        ``fig.trajectory_summary`` is a DataFrame ``time_point, label, n, q1,
        median, q3`` (one row per column of ``values``); the key (one patient,
        median and IQR) is a figure legend above the axes. Artists carry gids:
        ``trajectory-line`` (one per patient with >= 2 values),
        ``trajectory-point`` (patients with one value), ``trajectory-median``,
        ``trajectory-iqr``, ``trajectory-violin`` and ``trajectory-note``.

    Raises
    ------
    NettxError
        ``values`` empty or all missing, a non-numeric column, ``labels`` of
        the wrong length, or a negative ``max_lines``.

    Examples
    --------
    >>> values = pd.DataFrame({"primary": [1.0, 2.0, 3.0], "lt": [2.0, None, 8.0]})
    >>> fig = trajectories_figure(values, labels=["Primary", "LT"])
    >>> fig.trajectory_summary[["time_point", "n", "median"]].to_dict("list")
    {'time_point': ['primary', 'lt'], 'n': [3, 2], 'median': [2.0, 5.0]}
    """
    who = "trajectories_figure"
    frame = _numeric_frame(values, who)
    names = [str(c) for c in frame.columns] if labels is None else [str(x) for x in labels]
    if len(names) != frame.shape[1]:
        raise NettxError(f"{who}: {len(names)} labels for {frame.shape[1]} columns")
    if max_lines < 0:
        raise NettxError(f"{who}: max_lines must be >= 0, got {max_lines}")

    x = np.arange(frame.shape[1], dtype=float)
    rows = []
    for column, label in zip(frame.columns, names, strict=True):
        q = quartiles(frame[column], method=quantile_method)
        rows.append(
            {
                "time_point": column,
                "label": label,
                "n": q.n,
                "q1": q.q1,
                "median": q.median,
                "q3": q.q3,
            }
        )
    summary = pd.DataFrame(rows)
    n_patients = int(frame.notna().any(axis=1).sum())
    show_lines = n_patients <= max_lines

    with mpl.rc_context(BOOK_RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.add_subplot()
        data = frame.to_numpy()
        positive = bool(np.nanmin(data) > 0)
        if log_scale and positive:
            ax.set_yscale("log")
        elif log_scale:
            ax.set_yscale("symlog", linthresh=1.0, linscale=0.5)
        if show_lines:
            for row in data:
                seen = ~np.isnan(row)
                if seen.sum() >= 2:
                    ax.plot(
                        x[seen],
                        row[seen],
                        color=PALETTE[0],
                        lw=0.8,
                        alpha=0.35,
                        marker="o",
                        ms=2.5,
                        gid="trajectory-line",
                        zorder=2,
                    )
                elif seen.sum() == 1:
                    ax.plot(
                        x[seen],
                        row[seen],
                        ls="none",
                        color=PALETTE[0],
                        alpha=0.5,
                        marker="o",
                        ms=2.5,
                        gid="trajectory-point",
                        zorder=2,
                    )
        else:
            for xi, column in zip(x, frame.columns, strict=True):
                _violin(ax, xi, frame[column].dropna().to_numpy(), 0.55, PALETTE[0])
            note = ax.set_title(
                (
                    f"N = {n_patients}: per-patient lines are not drawn above {max_lines} "
                    "patients;\nshaded violins show the distribution at each time point"
                    if max_lines > 0
                    else f"N = {n_patients}: per-patient lines are not drawn for this cohort;"
                    "\nshaded violins show the distribution at each time point"
                ),
                loc="left",
                fontsize=8,
                fontweight="normal",
                color="#444444",
            )
            note.set_gid("trajectory-note")
        shift = _SUMMARY_SHIFT if show_lines else 0.0
        for xi, r in zip(x, summary.itertuples(), strict=True):
            if r.n == 0:
                continue
            ax.plot(
                [xi + shift] * 2,
                [r.q1, r.q3],
                color="#111111",
                lw=2.2,
                solid_capstyle="butt",
                gid="trajectory-iqr",
                zorder=4,
            )
            for y in (r.q1, r.q3):
                ax.plot(
                    [xi + shift - 0.05, xi + shift + 0.05],
                    [y, y],
                    color="#111111",
                    lw=1.4,
                    gid="trajectory-iqr",
                    zorder=4,
                )
            ax.plot(
                xi + shift,
                r.median,
                marker="o",
                ms=7,
                mfc="white",
                mec="#111111",
                mew=2.0,
                ls="none",
                gid="trajectory-median",
                zorder=5,
            )

        key = [Line2D([], [], color="#111111", lw=2.2, marker="o", ms=6, mfc="white", mew=1.8)]
        names_key = ["Median (IQR)"]
        if show_lines:
            key.insert(0, Line2D([], [], color=PALETTE[0], lw=0.8, alpha=0.6, marker="o", ms=2.5))
            names_key.insert(0, "One patient")
        fig.legend(  # outside the plotting area: it can cover no patient's line
            key,
            names_key,
            loc="outside upper left",
            ncols=len(key),
            handlelength=1.8,
            frameon=False,
        )
        ax.set_xlim(-0.35, x[-1] + 0.45)
        ax.xaxis.set_major_locator(FixedLocator(x))
        ax.set_xticklabels([f"{lab}\nn = {n}" for lab, n in zip(names, summary["n"], strict=True)])
        ax.tick_params(axis="x", length=0)
        top = float(np.nanmax(data))
        if log_scale:
            ceiling = next((t for t in _LOG_TICKS if t >= top), top * 1.1)
            if positive:
                low = float(np.nanmin(data))
                floor = max((t for t in _LOG_TICKS if 0 < t <= low), default=low / 1.1)
                ticks = [t for t in _LOG_TICKS if floor <= t <= ceiling]
                ax.set_ylim(floor / 1.15, ceiling * 1.05)
            else:
                ticks = [t for t in _LOG_TICKS if t <= ceiling]
                ax.set_ylim(min(0.0, float(np.nanmin(data))), max(ceiling, 1.0))
            ax.yaxis.set_major_locator(FixedLocator(ticks))
            ax.yaxis.set_minor_locator(FixedLocator([]))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        else:
            ax.set_ylim(min(0.0, float(np.nanmin(data))), top * 1.08 if top > 0 else 1.0)
        ax.set_ylabel(_scale_label(ylabel, log_scale, positive))
    fig.trajectory_summary = summary
    return fig


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
    _outside_legend(figure, handles, names)
    return figure


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
    from nettx_utils.stats.survival import cumulative_incidence

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
        _outside_legend(fig, handles, names)
    fig.incidence_curves = curves
    return fig

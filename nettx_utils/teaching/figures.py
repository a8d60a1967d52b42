"""Figures of the teaching chapters 11 to 13 (cut-offs, multivariable models, pairing).

Each builder returns a matplotlib :class:`~matplotlib.figure.Figure` (not pyplot,
so nothing leaks between figures) for the chapter to glue, and draws a short
note instead of failing when a cohort leaves nothing to draw. The book's style
(:func:`nettx_utils.figures.style.use_book_style`) and palette apply.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from nettx_utils.figures.style import BOOK_TIME_STEP, PALETTE
from nettx_utils.pages.prose import p_significant
from nettx_utils.stats.cutoffs import MaxSelectedResult
from nettx_utils.teaching.cutoff_search import SearchCorrection

__all__ = [
    "bootstrap_figure",
    "message_figure",
    "month_ticks",
    "null_max_caption",
    "null_max_figure",
    "observed_on_scale",
    "p_axis_ticks",
    "pairing_figure",
    "power_figure",
    "sweep_figure",
    "sweep_scale_note",
]

_GREY = "#666666"
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_LEGEND = {"fontsize": 8, "frameon": False}


def _legend_outside(figure: Figure, ax, ncols: int) -> None:
    """The axes' legend above the plotting area (constrained layout makes room), so it
    never covers a curve, a line or a point whatever the data."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="outside upper center", ncols=ncols, **_LEGEND)


def message_figure(text: str) -> Figure:
    """An empty panel that says why there is no figure (e.g. a marker measured in nobody)."""
    figure = Figure(figsize=(6.4, 3.2), layout="constrained")
    figure.subplots().text(0.5, 0.5, text, ha="center")
    return figure


def month_ticks(low: float, high: float, step: float = BOOK_TIME_STEP) -> np.ndarray:
    """Ticks of a months axis from ``low`` to ``high`` on the book's rule: the multiples
    of ``step`` (24 months, :data:`nettx_utils.figures.style.BOOK_TIME_STEP`, as the Kaplan-Meier
    figures, :func:`nettx_utils.figures.style.book_ticks`) inside the range. A range holding fewer
    than three of them ticks every half step (12 months, the paper's other spacing); one
    holding more than 15 doubles the step until it fits.

    Examples
    --------
    >>> month_ticks(12, 60).tolist(), month_ticks(0, 120).tolist()
    ([12.0, 24.0, 36.0, 48.0, 60.0], [0.0, 24.0, 48.0, 72.0, 96.0, 120.0])
    >>> month_ticks(6, 30).tolist(), len(month_ticks(0, 1200))
    ([12.0, 24.0], 13)
    """

    def inside(width: float) -> np.ndarray:
        first, last = math.ceil(low / width - 1e-9), math.floor(high / width + 1e-9)
        return width * np.arange(first, last + 1, dtype=float)

    ticks = inside(step)
    if len(ticks) < 3:
        return inside(step / 2)
    while len(ticks) > 15:
        step *= 2
        ticks = inside(step)
    return ticks


def sweep_figure(
    scan: pd.DataFrame,
    cut: float,
    marker: Sequence[float] | np.ndarray,
    *,
    xlabel: str,
    what: str,
    name: str,
    alpha: float,
    show_marker: bool = True,
    months_axis: bool = False,
    every_value: bool = False,
) -> Figure:
    """The unadjusted log-rank p against the cut-off (log scale), ``cut`` marked.

    ``scan`` is :func:`nettx_utils.stats.cutoffs.scan_cutoffs` output; the observed
    marker values are ticked along the bottom, since the p-value only changes
    where a patient moves from one group to the other. ``show_marker=False`` leaves
    the ticks out (on a real cohort they would show each patient's value).
    ``months_axis=True`` ticks the cut-off axis on the book's months rule
    (:func:`month_ticks`). ``every_value=True`` ticks every observed value, the x axis
    widened to hold them (else only those within the scanned cut-offs). The p axis ticks whole powers of ten at a stride that keeps
    at most seven labels however far down the p-values go (:func:`p_axis_ticks`); every
    p is drawn where it is, and :func:`sweep_scale_note` says in the caption how far
    down they reach when that is beyond what the chi-square approximation can vouch for.
    """
    figure = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = figure.subplots()
    ok = scan[scan["admissible"] & scan["p_value"].notna()]
    if len(ok):
        # every p drawn where it is, however small: a floor would flatten the best
        # split into its neighbours (5.5e-5 and 6.8e-5 on one line at "< 0.0001")
        shown = ok["p_value"]
        ax.step(ok["cutoff"], shown, where="post", color=PALETTE[0], lw=1.4)
        ax.plot(ok["cutoff"], shown, "o", color=PALETTE[0], ms=2.5)
        ax.set_yscale("log")
        bottom = min(shown.min(), alpha) / 2
        ax.set_ylim(bottom, 1.05)
        ax.yaxis.set_major_locator(FixedLocator(p_axis_ticks(bottom)))
        if p_axis_ticks(bottom).size > 1 and p_axis_ticks(bottom)[1] < 0.05:  # stride > 1
            ax.yaxis.set_minor_locator(NullLocator())
    else:
        ax.text(0.5, 0.5, "no admissible cut-off on this cohort", transform=ax.transAxes,
                ha="center")  # fmt: skip
    ax.axhline(alpha, color=_GREY, lw=0.9, ls="--", label=f"p = {alpha:g}")
    ax.axvline(cut, color=PALETTE[1], lw=1.2, label=f"{name} ({cut:g})")
    seen = pd.Series(marker).dropna()
    if not every_value:
        seen = seen[(seen >= scan["cutoff"].min()) & (seen <= scan["cutoff"].max())]
    if show_marker:
        # inside the axes, just above the bottom line: below it they would print over
        # the tick labels
        ax.plot(seen, np.full(len(seen), 0.025), "|", color="#444444", ms=8,
                transform=ax.get_xaxis_transform(), label=f"observed {what}")  # fmt: skip
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _p_tick(v)))
    if months_axis:
        ax.set_xticks(month_ticks(float(scan["cutoff"].min()), float(scan["cutoff"].max())))
    if show_marker and every_value and len(seen):
        low, high = ax.get_xlim()
        span = max(float(seen.max()), high) - min(float(seen.min()), low)
        ax.set_xlim(min(float(seen.min()), low), max(float(seen.max()) + 0.02 * span, high))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Log-rank p (unadjusted)" + (", log scale" if len(ok) else ""))
    _legend_outside(figure, ax, ncols=3)
    return figure


#: The smallest p-value a p axis writes as a decimal; below it ticks read as powers of 10.
P_DECIMAL = 1e-4

#: Below this p, the caption says that the chi-square approximation cannot vouch for the
#: digits (:func:`sweep_scale_note`).
TAIL_P = 1e-6


def p_axis_ticks(bottom: float, most: int = 7) -> np.ndarray:
    """Ticks of a logarithmic p axis from 1 down to ``bottom``: whole powers of ten at the
    smallest stride of 1, 2, 5, 10, 20, 50, ... decades that gives at most ``most`` ticks.

    Examples
    --------
    >>> p_axis_ticks(0.01).tolist(), p_axis_ticks(1.3e-5).tolist()[-1]
    ([1.0, 0.1, 0.01], 0.0001)
    >>> [f"{t:.0e}" for t in p_axis_ticks(2e-49)]
    ['1e+00', '1e-10', '1e-20', '1e-30', '1e-40']
    """
    decades = max(1, math.floor(-math.log10(bottom) + 1e-9)) if bottom < 1 else 1
    stride, factors = 1, (1, 2, 5)
    power = 0
    while decades // stride + 1 > most:
        power += 1
        stride = factors[power % 3] * 10 ** (power // 3)
    return 10.0 ** -(stride * np.arange(decades // stride + 1, dtype=float))


def sweep_scale_note(scan: pd.DataFrame) -> str:
    """The sentence of a sweep figure's caption on how far down its p-values go.

    When the smallest admissible p lies below :data:`TAIL_P`, the caption says so and
    what such a p means: so far in the tail the chi-square approximation of the log-rank
    test is not accurate to any digit one would print, so the p says only that it lies
    far below any significance level. Otherwise it says that every p is drawn at its
    value.

    Examples
    --------
    >>> tiny = pd.DataFrame({"cutoff": [1.0, 2.0], "p_value": [4.47e-49, 0.2],
    ...                      "admissible": [True, True]})
    >>> sweep_scale_note(tiny)[:60]
    'On this cohort the p-values reach 4.5 × 10⁻⁴⁹, at the bottom'
    >>> sweep_scale_note(tiny.assign(p_value=[0.003, 0.2]))
    'Every p-value is drawn at its value.'
    """
    ok = scan[scan["admissible"] & scan["p_value"].notna()]["p_value"]
    if not len(ok) or float(ok.min()) >= TAIL_P:
        return "Every p-value is drawn at its value."
    return (
        f"On this cohort the p-values reach {p_significant(float(ok.min()))}, at the bottom "
        "of the axis; every p is drawn at its value, "
        f"but below 10{str(round(math.log10(TAIL_P))).translate(_SUPERSCRIPT)} the "
        "chi-square approximation of the log-rank "
        "test is not accurate to any printed digit, so such a p says only that it lies far "
        "below any significance level, not how far."
    )


def _p_tick(value: float) -> str:
    r"""A tick of a p-value axis: ``0.05``, ``0.001``, ``0.0001``; smaller ones as
    powers of ten (``10⁻⁴⁰``), never as a floor.

    Examples
    --------
    >>> _p_tick(0.05), _p_tick(0.001), _p_tick(1e-4), _p_tick(1e-40), _p_tick(3e-7)
    ('0.05', '0.001', '0.0001', '$10^{-40}$', '$3\\times10^{-7}$')
    """
    if value >= P_DECIMAL * 0.9999:
        return f"{value:.6f}".rstrip("0").rstrip(".")
    mantissa, exponent = f"{value:.0e}".split("e")
    power = f"10^{{{int(exponent)}}}"
    return f"${power}$" if mantissa == "1" else f"${mantissa}\\times{power}$"


def observed_on_scale(result: MaxSelectedResult | None, correction: SearchCorrection) -> bool:
    """Whether :func:`null_max_figure` draws the observed maximum as a line (True) or,
    far beyond every permutation maximum, as an arrow at the right edge (False)."""
    if result is None or not correction.computable:
        return False
    top = max(float(np.max(result.null_max)), correction.critical) * 1.15
    return bool(result.statistic <= top)


def null_max_caption(result: MaxSelectedResult | None, correction: SearchCorrection) -> str:
    """The part of :func:`null_max_figure`'s caption that names what it draws: the
    observed maximum is a solid line only when it is on the scale.

    Examples
    --------
    >>> null_max_caption(None, SearchCorrection(3.84, *[float("nan")] * 4))
    'No permutation maxima can be computed on this cohort.'
    """
    if result is None or not correction.computable:
        return "No permutation maxima can be computed on this cohort."
    lines = (
        "Dashed: the threshold of a single test; dotted: the threshold the whole search must pass; "
    )
    if observed_on_scale(result, correction):
        return lines + "solid: the observed maximum."
    return lines + (
        "the observed maximum lies far beyond every permutation maximum, off the scale: "
        "an arrow at the right edge gives its value."
    )


def null_max_figure(
    result: MaxSelectedResult | None, correction: SearchCorrection, *, alpha: float
) -> Figure:
    """Histogram of the largest chi-square of each permutation, with the single-test
    threshold, the search's critical value and the observed maximum."""
    figure = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = figure.subplots()
    if result is not None and correction.computable:
        ax.hist(result.null_max, bins=60, color=PALETTE[0], alpha=0.55,
                label="maximum over the sweep, permuted data")  # fmt: skip
        ax.set_yscale("log")  # the tail beyond the critical value stays visible
        ax.axvline(correction.threshold, color=_GREY, ls="--", lw=1,
                   label=f"one test at p = {alpha:g}")  # fmt: skip
        ax.axvline(correction.critical, color=PALETTE[2], ls=":", lw=1.6,
                   label=f"the search at p = {alpha:g}")  # fmt: skip
        top = max(float(np.max(result.null_max)), correction.critical) * 1.15
        if observed_on_scale(result, correction):
            ax.axvline(result.statistic, color=PALETTE[1], lw=1.6,
                       label="maximum over the sweep, observed")  # fmt: skip
        else:  # far off the scale: an arrow at the edge, with its value
            ax.set_xlim(0, top)
            ax.annotate(f"observed maximum {result.statistic:.1f} \u2192", xy=(1, 0.9),
                        xycoords="axes fraction", ha="right", color=PALETTE[1])  # fmt: skip
        _legend_outside(figure, ax, ncols=2)
    ax.set_xlabel("Largest log-rank chi-square over the cut-offs")
    log = result is not None and correction.computable
    ax.set_ylabel("Permutations" + (" (log scale)" if log else ""))
    return figure


def bootstrap_figure(
    boot: pd.DataFrame, full_coef: np.ndarray | None, labels: Mapping[str, str]
) -> Figure:
    """Each predictor's penalised log hazard ratio over the bootstrap resamples.

    ``boot`` is :func:`nettx_utils.teaching.multivariable.bootstrap_coefficients` output, one
    row per resample and predictor; ``labels`` names the predictors drawn, in order.
    Points are the resamples (jittered), the bar their quartiles with the median as
    a ring, the diamond the full-data estimate (``full_coef``, None if no fit).
    """
    figure = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = figure.subplots()
    jitter = np.random.default_rng(1).uniform(-0.18, 0.18, len(boot))
    keys = ["One resample", "Median and interquartile range", "Estimate on all patients"]
    for i, name in enumerate(labels):
        values = boot.loc[boot["predictor"] == name, "penalised_coef"].to_numpy(float)
        values = values[np.isfinite(values)]
        y = np.full(values.size, float(i)) + jitter[: values.size]
        key = {"label": keys[0]} if i == 0 else {}
        ax.plot(values, y, "o", ms=2.5, alpha=0.35, color=PALETTE[0], **key)
        if values.size:
            q1, med, q3 = np.quantile(values, [0.25, 0.5, 0.75])
            ax.plot([q1, q3], [i, i], color="#111111", lw=2.4, solid_capstyle="butt")
            key = {"label": keys[1]} if i == 0 else {}
            ax.plot(med, i, "o", ms=6, mfc="white", mec="#111111", mew=1.8, **key)
        if full_coef is not None:
            key = {"label": keys[2]} if i == 0 else {}
            ax.plot(full_coef[i], i, "D", ms=7, mfc="none", mec=PALETTE[1], mew=1.6, **key)
    ax.axvline(0, color=_GREY, lw=0.9, ls="--")
    ax.set_yticks(range(len(labels)), list(labels.values()))
    ax.invert_yaxis()
    ax.set_xlabel("log hazard ratio, penalised Cox model")
    ax.grid(axis="x", color="#E5E5E5")
    _legend_outside(figure, ax, ncols=3)
    return figure


def _box_stats(log2_values: pd.Series, method: str) -> dict:
    """One box of :func:`pairing_figure` on the log2 axis: the median and quartiles of the
    values in % by the book's rule (``method``, :func:`nettx_utils.stats.quartiles.quartiles`),
    then in log2 (the same points as on the % scale), whiskers to the most extreme value
    within 1.5 box lengths of the box, and the values beyond them as points.

    Examples
    --------
    >>> box = _box_stats(pd.Series(np.log2([1.0, 2.0, 3.0, 4.0, 40.0])), "weibull")
    >>> [float(round(2 ** box[k], 2)) for k in ("q1", "med", "q3", "whislo", "whishi")]
    [1.5, 3.0, 22.0, 1.0, 40.0]
    >>> _box_stats(pd.Series(np.log2([1.0] * 6 + [2.0, 64.0])), "weibull")["fliers"]
    [6.0]
    """
    from nettx_utils.stats.quartiles import quartiles

    q = quartiles(2.0**log2_values, method=method)
    q1, median, q3 = (math.log2(value) for value in (q.q1, q.median, q.q3))
    reach = 1.5 * (q3 - q1)
    inside = log2_values[(log2_values >= q1 - reach) & (log2_values <= q3 + reach)]
    outside = log2_values[(log2_values < q1 - reach) | (log2_values > q3 + reach)]
    return {
        "med": median, "q1": q1, "q3": q3,
        "whislo": float(min(inside.min(), q1)), "whishi": float(max(inside.max(), q3)),
        "fliers": [float(v) for v in outside],
    }  # fmt: skip


def pairing_figure(
    log2_values: pd.DataFrame,
    log2_change: pd.Series,
    labels: Sequence[str],
    method: str = "weibull",
) -> Figure:
    """Two views of the same measurements: as two samples (boxes of the two columns of
    ``log2_values``, quartiles by ``method`` as in the book's tables: :func:`_box_stats`)
    and as within-patient changes (histogram of ``log2_change``, second column over first)."""
    figure = Figure(figsize=(6.4, 3.0), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=[1.1, 1])
    values = [log2_values[column].dropna() for column in log2_values.columns]
    if all(len(v) for v in values):
        stats = [_box_stats(v, method) for v in values]
        left.bxp(stats, widths=0.5, medianprops={"color": PALETTE[1], "lw": 2})
    left.set_xticks([1, 2], list(labels))
    left.set_ylabel("log2 Mib-1 (%)")
    left.set_title("Two samples", loc="left")
    if len(log2_change):
        # the zero changes get a bar of their own: the signed-rank test drops them, and in
        # a bin starting at 0 they would be counted as rises
        zero = log2_change == 0
        bins = np.arange(math.floor(log2_change.min()), math.ceil(log2_change.max()) + 0.5, 0.5)
        right.hist(log2_change[~zero], bins=bins, color=PALETTE[0], alpha=0.7, label="changes")
        right.bar(0, int(zero.sum()), width=0.12, color=PALETTE[1], label="no change")
        right.legend(loc="upper right", frameon=False, fontsize="small")
    right.axvline(0, color=_GREY, ls="--", lw=0.9)
    right.set_xlabel(f"log2({labels[1]} / {labels[0]}) within patient")
    right.set_ylabel("Patients")
    right.set_title("Within-patient changes", loc="left")
    return figure


def power_figure(simulation: pd.DataFrame, *, alpha: float) -> Figure:
    """Power (true change) and size (no change) of both tests against the correlation.

    ``simulation`` is :func:`nettx_utils.teaching.pairing_simulation.simulate_paired_studies` output.
    """
    power = simulation[simulation["true change"] > 0].set_index("rho")
    size = simulation[simulation["true change"] == 0].set_index("rho")
    figure = Figure(figsize=(6.4, 3.5), layout="constrained")
    ax = figure.subplots()
    for test, colour in (("signed-rank", PALETTE[0]), ("Mann-Whitney", PALETTE[1])):
        ax.plot(power.index, power[test], "o-", color=colour, label=f"{test}: power")
        ax.plot(size.index, size[test], "s--", color=colour, ms=4, lw=1, label=f"{test}: size")
    # a wide pale band behind the curves: a size line on the level stays visible on it
    ax.axhline(
        alpha, color="#d0d0d0", lw=6, ls="-", zorder=0, label=f"significance level ({alpha:g})"
    )
    ax.set_ylim(0, 1.04)  # a margin so that a point at 100% is not cut in half
    ax.set_xlabel("Correlation of the two measurements (rho)")
    ax.set_ylabel(f"Share of studies with p < {alpha:g}")
    _legend_outside(figure, ax, ncols=3)
    return figure

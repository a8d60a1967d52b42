"""Figures of the teaching chapters 11 to 13 (cut-offs, multivariable models, pairing).

Each builder returns a matplotlib :class:`~matplotlib.figure.Figure` (not pyplot,
so nothing leaks between figures) for the chapter to glue, and draws a short
note instead of failing when a cohort leaves nothing to draw. The book's style
(:func:`nettx_utils.figures.plots.use_book_style`) and palette apply.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from nettx_utils.figures.plots import PALETTE
from nettx_utils.stats.cutoffs import MaxSelectedResult
from nettx_utils.teaching.cutoff_problem import SearchCorrection

__all__ = [
    "bootstrap_figure",
    "message_figure",
    "null_max_caption",
    "null_max_figure",
    "observed_on_scale",
    "pairing_figure",
    "power_figure",
    "sweep_figure",
]

_GREY = "#666666"
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
) -> Figure:
    """The unadjusted log-rank p against the cut-off (log scale), ``cut`` marked.

    ``scan`` is :func:`nettx_utils.stats.cutoffs.scan_cutoffs` output; the observed
    marker values are ticked along the bottom, since the p-value only changes
    where a patient moves from one group to the other. ``show_marker=False`` leaves
    the ticks out (on a real cohort they would show each patient's value).
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
        ax.set_ylim(min(shown.min(), alpha) / 2, 1.05)
    else:
        ax.text(0.5, 0.5, "no admissible cut-off on this cohort", transform=ax.transAxes,
                ha="center")  # fmt: skip
    ax.axhline(alpha, color=_GREY, lw=0.9, ls="--", label=f"p = {alpha:g}")
    ax.axvline(cut, color=PALETTE[1], lw=1.2, label=f"{name} ({cut:g})")
    seen = pd.Series(marker).dropna()
    seen = seen[(seen >= scan["cutoff"].min()) & (seen <= scan["cutoff"].max())]
    if show_marker:
        # inside the axes, just above the bottom line: below it they would print over
        # the tick labels
        ax.plot(seen, np.full(len(seen), 0.025), "|", color="#444444", ms=8,
                transform=ax.get_xaxis_transform(), label=f"observed {what}")  # fmt: skip
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _p_tick(v)))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Log-rank p (unadjusted)" + (", log scale" if len(ok) else ""))
    _legend_outside(figure, ax, ncols=3)
    return figure


#: The smallest p-value a p axis writes as a decimal; below it ticks read as powers of 10.
P_DECIMAL = 1e-4


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


def pairing_figure(
    log2_values: pd.DataFrame, log2_change: pd.Series, labels: Sequence[str]
) -> Figure:
    """Two views of the same measurements: as two samples (boxes of the two columns of
    ``log2_values``) and as within-patient changes (histogram of ``log2_change``)."""
    figure = Figure(figsize=(6.4, 3.0), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=[1.1, 1])
    values = [log2_values[column].dropna() for column in log2_values.columns]
    if all(len(v) for v in values):
        left.boxplot(values, widths=0.5, medianprops={"color": PALETTE[1], "lw": 2})
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
    right.set_xlabel("log2 change within patient")
    right.set_ylabel("Patients")
    right.set_title("Within-patient changes", loc="left")
    return figure


def power_figure(simulation: pd.DataFrame, *, alpha: float) -> Figure:
    """Power (true change) and size (no change) of both tests against the correlation.

    ``simulation`` is :func:`nettx_utils.teaching.pairing.simulate_paired_studies` output.
    """
    power = simulation[simulation["true change"] > 0].set_index("rho")
    size = simulation[simulation["true change"] == 0].set_index("rho")
    figure = Figure(figsize=(6.4, 3.5), layout="constrained")
    ax = figure.subplots()
    for test, colour in (("signed-rank", PALETTE[0]), ("Mann-Whitney", PALETTE[1])):
        ax.plot(power.index, power[test], "o-", color=colour, label=f"{test}: power")
        ax.plot(size.index, size[test], "s--", color=colour, ms=4, lw=1, label=f"{test}: size")
    ax.axhline(alpha, color=_GREY, lw=0.8, ls=":", label=f"significance level ({alpha:g})")
    ax.set_ylim(0, 1.04)  # a margin so that a point at 100% is not cut in half
    ax.set_xlabel("Correlation of the two measurements (rho)")
    ax.set_ylabel(f"Share of studies with p < {alpha:g}")
    _legend_outside(figure, ax, ncols=3)
    return figure

"""Figures of the survival chapters 7 to 10 (interval scales, log-rank weights, the
binomial comparison). Each builder returns a matplotlib Figure for the chapter to glue.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = [
    "ci_scales_figure",
    "weights_figure",
]


def _time_axis(ax: Any, end: float, label: str) -> None:
    """The book's x axis for months (:func:`nettx_utils.figures.style.book_ticks`, every 24)."""
    from nettx_utils.figures.style import book_ticks

    end = end if math.isfinite(end) and end > 0 else 1.0
    ticks = book_ticks(end)
    ax.set_xticks(ticks)
    ax.set_xlim(0, max(end, float(ticks[-1])) * 1.02)
    ax.set_xlabel(label)


def ci_scales_figure(table: pd.DataFrame, month: float) -> Any:
    """Chapter 7's figure: a :func:`life_table`'s curve with its pointwise band on the
    plain, log and log-log scales, one panel each, a dotted line at ``month``; the x
    axis follows the book's tick rule.

    Examples
    --------
    >>> from nettx_utils.teaching.by_hand import life_table
    >>> figure = ci_scales_figure(life_table([5, 8, 8, 30, 60], [1, 1, 0, 1, 0]), 24)
    >>> [ax.get_title(loc="left") or ax.get_title() for ax in figure.axes]  # book style: left
    ['Plain', "Log (R's default)", "Log-log (lifelines' default)"]
    >>> figure.axes[0].get_xticks().tolist()
    [0.0, 24.0, 48.0]
    """
    from matplotlib.figure import Figure

    from nettx_utils.figures.style import PALETTE

    figure = Figure(figsize=(8.4, 3.0), layout="constrained")
    axes = figure.subplots(1, 3, sharey=True)
    limits = [c for c in table.columns if c.endswith(("_lower", "_upper"))]
    start = pd.DataFrame({"time": [0.0], "survival": [1.0]} | {c: [1.0] for c in limits})
    steps = pd.concat([start, table], ignore_index=True)  # the curve starts at S(0) = 1
    names = {"plain": "Plain", "log": "Log (R's default)", "loglog": "Log-log (lifelines' default)"}
    for ax, (prefix, name), colour in zip(axes, names.items(), PALETTE, strict=False):
        lower, upper = steps[f"{prefix}_lower"], steps[f"{prefix}_upper"]
        ax.fill_between(  # in percent, as every survival axis of the book
            steps["time"],
            100 * lower,
            100 * upper,
            step="post",
            color=colour,
            alpha=0.25,
            linewidth=0,
        )
        ax.step(steps["time"], 100 * steps["survival"], where="post", color="#222222")
        ax.axvline(month, color="#888888", linestyle=":", linewidth=1)
        ax.set_title(name)
        _time_axis(ax, float(table["time"].max()), "Months since recurrence")
    axes[0].set_ylabel("Overall survival (%)")
    axes[0].set_ylim(0, 102)
    return figure


def weights_figure(weighted: dict[str, pd.DataFrame]) -> Any:
    """Chapter 9's figure: each weighting's weight at each death time, relative to the
    first death (``weighted`` maps a test's name to a :func:`logrank_by_hand` table);
    the x axis follows the book's tick rule. Without any table it says so.

    Examples
    --------
    >>> from nettx_utils.teaching.by_hand import logrank_by_hand
    >>> table, _ = logrank_by_hand([1, 30, 50, 4, 5, 60], [1, 1, 1, 1, 0, 1], list("aaabbb"))
    >>> ax = weights_figure({"Log-rank": table}).axes[0]
    >>> ax.get_xticks().tolist(), [t.get_text() for t in ax.get_legend().get_texts()]
    ([0.0, 24.0, 48.0], ['Log-rank'])
    >>> [t.get_text() for t in weights_figure({}).axes[0].texts]
    ['Not computable on these data']
    """
    from matplotlib.figure import Figure

    from nettx_utils.figures.style import PALETTE

    figure = Figure(figsize=(6.4, 2.8), layout="constrained")
    ax = figure.subplots()
    for (name, table), colour in zip(weighted.items(), PALETTE, strict=False):
        w = table["weight"] / table["weight"].iloc[0]
        ax.step(table["time"], w, where="post", color=colour, label=name, marker="o", markersize=3)
    end = max((float(t["time"].max()) for t in weighted.values()), default=math.nan)
    _time_axis(ax, end, "Months since recurrence (death times)")
    ax.set_ylabel("Weight (first death = 1)")
    ax.set_ylim(0, 1.05)
    if weighted:
        ax.legend(loc="lower left")
    else:
        ax.text(0.5, 0.5, "Not computable on these data", ha="center", transform=ax.transAxes)
    return figure

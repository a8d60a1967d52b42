"""Chapter 11: the correction for searching over the cut-offs.

The maximally selected log-rank test (:mod:`nettx_utils.stats.cutoffs`) condensed
into what the chapter records: the permutation p of the search, its false-positive
rate and critical value (:class:`SearchCorrection`), the corrected p of the chapter's
own cut-off, and the test's summary table. A marker measured in nobody, or a sweep
without an admissible cut-off, gives "not computable" instead of an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from nettx_utils.pages.prose import (
    NOT_COMPUTABLE,
    Items,
    number_text,
    p_significant,
    p_text,
    share_text,
)
from nettx_utils.stats import cutoffs
from nettx_utils.stats.cutoffs import MaxSelectedResult
from nettx_utils.teaching.cutoff_fixed import interval_text

__all__ = [
    "SearchCorrection",
    "chosen_cut_items",
    "correction_items",
    "max_selected",
    "quantile_range",
    "result_summary",
    "search_correction",
    "search_p_at",
]


def max_selected(
    months: Any,
    died: Any,
    marker: Any,
    grid: Any,
    *,
    min_fraction: float,
    n_permutations: int,
    seed: int | None,
) -> MaxSelectedResult | None:
    """The maximally selected log-rank test, or None when fewer than 2 patients have the marker."""
    if pd.Series(marker).notna().sum() < 2:
        return None
    return cutoffs.maximally_selected_logrank(
        months, died, marker, grid,
        min_fraction=min_fraction, n_permutations=n_permutations, seed=seed,
    )  # fmt: skip


@dataclass(frozen=True)
class SearchCorrection:
    """What searching over the cut-offs costs, from the permutation maxima.

    ``threshold`` is the chi-square one pre-set test must pass at ``alpha``;
    ``critical`` the one the best of the search must pass (the 1 - alpha
    quantile of the permutation maxima); ``fwer`` the share of permutations in
    which some cut-off passes ``threshold``; ``approx`` Lausen and Schumacher's
    approximate p over the quantile range ``lower`` to ``upper`` of the marker that the
    admissible cut-offs span (:func:`quantile_range`). NaN where the search has no
    defined statistic.
    """

    threshold: float
    critical: float
    fwer: float
    approx: float
    perm_p: float
    lower: float = math.nan
    upper: float = math.nan

    @property
    def computable(self) -> bool:
        """Whether the permutation maxima exist (something to draw)."""
        return math.isfinite(self.fwer)


def search_correction(
    result: MaxSelectedResult | None, *, alpha: float, min_fraction: float
) -> SearchCorrection:
    """The corrected view of the best cut-off (see :class:`SearchCorrection`)."""
    threshold = float(chi2.isf(alpha, 1))
    perm_p = result.p_value if result is not None else math.nan
    if result is None or not np.isfinite(result.statistic):
        return SearchCorrection(threshold, math.nan, math.nan, math.nan, perm_p)
    # (the quantile range stays NaN then)
    fwer = float((result.null_max >= threshold).mean())
    critical = float(np.quantile(result.null_max, 1 - alpha))
    lower, upper = quantile_range(result)
    approx = (
        cutoffs.lausen_schumacher_p(result.statistic, lower=lower, upper=upper)
        if 0 < lower < upper < 1
        else math.nan
    )
    return SearchCorrection(threshold, critical, fwer, approx, perm_p, lower, upper)


def quantile_range(result: MaxSelectedResult) -> tuple[float, float]:
    """The shares of patients at or below the lowest and the highest admissible cut-off
    of a search: the quantile range of the marker that the search actually spans, which
    is what Lausen and Schumacher's approximation needs (not the admissibility bound).

    Examples
    --------
    >>> res = cutoffs.maximally_selected_logrank(
    ...     [1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 0, 1, 1, 0, 1], [1, 2, 3, 4, 5, 6, 7, 8],
    ...     [2, 3, 4], min_group=2, n_permutations=9, seed=1)
    >>> quantile_range(res)
    (0.25, 0.5)
    """
    table = result.table
    usable = table[table["admissible"] & table["chi2"].notna()]
    if not len(usable):
        return math.nan, math.nan
    share = usable["n_low"] / (usable["n_low"] + usable["n_high"])
    return float(share.min()), float(share.max())


def search_p_at(result: MaxSelectedResult | None, statistic: float) -> float:
    """The search's permutation p for a split whose chi-square is ``statistic``: the
    chance that the largest chi-square of the sweep reaches it when the marker is
    shuffled, ``(1 + #{b : M_b >= statistic}) / (1 + B)`` from the same null maxima as
    the search's own p (which is this at the best split's M). NaN when either is
    undefined. A split with a smaller chi-square than M never gets a smaller p.

    Examples
    --------
    >>> res = cutoffs.maximally_selected_logrank(
    ...     [1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 0, 1, 1, 0, 1], [1, 2, 3, 4, 5, 6, 7, 8],
    ...     [2, 3, 4, 5, 6], min_group=2, n_permutations=199, seed=1)
    >>> search_p_at(res, res.statistic) == res.p_value, search_p_at(res, 0.0)
    (True, 1.0)
    """
    if result is None or not (np.isfinite(result.statistic) and np.isfinite(statistic)):
        return math.nan
    hits = cutoffs.count_reaching(result.null_max, statistic)
    return (1 + hits) / (1 + len(result.null_max))


def chosen_cut_items(result: MaxSelectedResult | None, at_cut: pd.Series, *, cut: float) -> Items:
    """The corrected p-value of the chapter's cut-off had it been found by the search:
    :func:`search_p_at` at the chi-square of that cut-off's split (``at_cut``, its scan
    row), and one sentence that also names the best split's corrected p.

    Examples
    --------
    >>> res = cutoffs.maximally_selected_logrank(
    ...     [1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 0, 1, 1, 0, 1], [1, 2, 3, 4, 5, 6, 7, 8],
    ...     [2, 3, 4, 5, 6], min_group=2, n_permutations=199, seed=1)
    >>> row = res.table.iloc[0]
    >>> items = chosen_cut_items(res, row, cut=2)
    >>> items["cut_search_p"][0] >= res.p_value
    True
    """
    statistic = float(at_cut["chi2"]) if pd.notna(at_cut["chi2"]) else math.nan
    p = search_p_at(result, statistic)
    if not math.isfinite(p):
        sentence = (
            f"on this cohort it cannot be computed at {cut:g} months (the cut-off is not "
            "admissible, or the search has no statistic)."
        )
    else:
        assert result is not None
        sentence = (
            f"the chance that the largest chi-square of a sweep over shuffled data reaches "
            f"the one at {cut:g} months ({number_text(statistic)}), "
            f"{p_significant(p)} here. The best split of the sweep, at {result.cutoff:g} "
            f"months, has the larger chi-square {number_text(result.statistic)} and the "
            f"corrected p-value {p_significant(result.p_value)}."
        )
    return {"cut_search_p": (p, p_significant(p)), "chosen_reading": (p, sentence)}


def correction_items(
    result: MaxSelectedResult | None, correction: SearchCorrection, n_permutations: int
) -> Items:
    """The corrected p-values, the false-positive rate of the search and its critical value."""
    statistic = result.statistic if result else math.nan
    critical = correction.critical
    critical_p = chi2.sf(critical, 1) if np.isfinite(critical) else math.nan
    return {
        "n_permutations": (n_permutations, f"{n_permutations:,}"),
        "max_chi2": (statistic, number_text(statistic)),
        "perm_p": (correction.perm_p, p_significant(correction.perm_p)),
        "perm_ci": (
            list(result.monte_carlo_interval()) if result else [math.nan] * 2,
            interval_text(result),
        ),
        "approx_p": (correction.approx, p_significant(correction.approx)),
        "approx_range": (
            [correction.lower, correction.upper],
            f"{share_text(correction.lower)} to {share_text(correction.upper)}"
            if math.isfinite(correction.lower)
            else NOT_COMPUTABLE,
        ),
        "fwer": (correction.fwer, share_text(correction.fwer)),
        "chi2_threshold": (correction.threshold, f"{correction.threshold:.2f}"),
        "critical": (critical, number_text(critical)),
        "critical_p": (critical_p, p_text(critical_p)),
    }


def result_summary(result: MaxSelectedResult | None, unit: str) -> pd.DataFrame:
    """A maximally selected test as the chapter shows it: one row per quantity, as text
    (``unit`` follows the cut-off: "months", "%")."""
    if result is None or not math.isfinite(result.statistic):
        why = result.note if result is not None else "too few patients with the marker"
        return pd.DataFrame({"": ["maximally selected test"], "value": [f"not computable: {why}"]})
    rows = [
        ("largest log-rank chi-square of the sweep (M)", number_text(result.statistic)),
        ("at the cut-off", f"{result.cutoff:g} {unit}".replace(" %", "%")),
        ("its unadjusted p", p_text(result.smallest_raw_p)),
        ("admissible cut-offs / different splits", f"{result.n_cutoffs} / {result.n_groupings}"),
        ("smallest admissible group", f"{result.min_group} patients"),
        ("permutations (seed)", f"{result.n_permutations:,} ({result.seed})"),
        ("permutations whose maximum reached M", f"{result.n_reaching:,}"),
        ("permutation p, corrected for the search", p_significant(result.p_value)),
        ("Monte Carlo 95% interval (Clopper-Pearson)", interval_text(result)),
    ]
    return pd.DataFrame(rows, columns=["", "value"])

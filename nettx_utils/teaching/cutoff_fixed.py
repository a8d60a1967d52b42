"""Chapter 11: the log-rank test at one cut-off fixed in advance, by permutation.

:func:`fixed_cut_test` gives the permutation p at a single cut-off; this module also
writes a Monte Carlo interval of a permutation p (:func:`bound_text`,
:func:`interval_text`), gives the median follow-up on each side of a cut-off
(:func:`followup_by_side`) and the sentences that set the permutation p beside the
asymptotic one (:func:`fixed_cut_items`), as :data:`nettx_utils.pages.prose.Items`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from nettx_utils.formatting import decimal_value
from nettx_utils.pages.prose import (
    NOT_COMPUTABLE,
    Items,
    p_significant,
    p_significant_phrase,
)
from nettx_utils.stats import cutoffs
from nettx_utils.stats.cutoffs import MaxSelectedResult

__all__ = [
    "BOUND_DIGITS",
    "Followup",
    "bound_text",
    "fixed_cut_items",
    "fixed_cut_test",
    "followup_by_side",
    "interval_relation",
    "interval_text",
]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


#: Significant figures of a Monte Carlo interval's bounds (:func:`bound_text`). Not the
#: 3 decimals of the book's p-values: 28 hits in 100,000 shuffles give the interval
#: 0.00019 to 0.00040, which 3 decimals would print "0.000 to 0.000", a false upper bound.
BOUND_DIGITS = 2


def fixed_cut_test(
    months: Any, died: Any, marker: Any, cut: float, *, n_permutations: int, seed: int | None
) -> MaxSelectedResult | None:
    """The log-rank test at one cut-off fixed in advance, with a permutation p-value.

    The maximally selected test of :func:`nettx_utils.stats.cutoffs.maximally_selected_logrank`
    over the single cut-off ``cut`` (any split with a patient on each side): the
    "maximum" is then the chi-square of that split, and its permutation p the chance,
    when the marker is shuffled, that the split's chi-square reaches the observed one
    (two-sided; no chi-square approximation). With the same ``seed`` the permutations
    are those of the search, so the two p-values can be compared draw by draw. None when
    fewer than 2 patients have the marker.

    Examples
    --------
    >>> res = fixed_cut_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [1, 2, 3, 4, 5, 6], 3,
    ...                      n_permutations=999, seed=1)
    >>> res.n_cutoffs, round(res.smallest_raw_p, 4), res.p_value > res.smallest_raw_p
    (1, 0.0246, True)
    """
    if pd.Series(marker).notna().sum() < 2:
        return None
    return cutoffs.maximally_selected_logrank(
        months, died, marker, [cut], min_group=1, n_permutations=n_permutations, seed=seed
    )


def bound_text(value: float) -> str:
    """One bound of a confidence interval for a probability, at :data:`BOUND_DIGITS`
    significant figures, as a number, not as a p-value: a bound of exactly 0 (no shuffle
    reached the observed statistic) reads "0", never "< 0.001", and a bound above 0 never
    reads 0, however small. Down to 0.0001 it is written out in full; below, as a power
    of ten (``3.7 × 10⁻⁵``, as :func:`nettx_utils.pages.prose.p_significant` writes such a p),
    so that no bound needs six or more decimals, whatever the number of permutations.
    Halves round up as the tables round them (:func:`nettx_utils.formatting.decimal_value`).

    Examples
    --------
    >>> bound_text(0.0), bound_text(0.000193), bound_text(0.0003995), bound_text(0.0125)
    ('0', '0.00019', '0.00040', '0.013')
    >>> bound_text(3.69e-5), bound_text(0.119), bound_text(1.0), bound_text(float("nan"))
    ('3.7 × 10⁻⁵', '0.12', '1.0', 'not computable')
    >>> bound_text(9.96e-5), bound_text(1.04e-7)
    ('0.00010', '1.0 × 10⁻⁷')
    """
    if not math.isfinite(value):
        return NOT_COMPUTABLE
    if value == 0:
        return "0"
    exact = decimal_value(value)
    quantum = Decimal(1).scaleb(exact.adjusted() - BOUND_DIGITS + 1)
    rounded = exact.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded.adjusted() > exact.adjusted():  # 0.000995 -> 0.0010: keep 2 figures
        rounded = rounded.quantize(quantum.scaleb(1), rounding=ROUND_HALF_UP)
    if rounded.adjusted() < -4:  # below 0.0001: a power of ten, never six decimals
        exponent = rounded.adjusted()
        mantissa = rounded.scaleb(-exponent)
        return f"{mantissa:f} × 10{str(exponent).translate(_SUPERSCRIPT)}"
    return f"{rounded:f}"


def interval_text(result: MaxSelectedResult | None) -> str:
    """The Monte Carlo 95% interval of a permutation p as text ("0.0019 to 0.0052"), its
    bounds written by :func:`bound_text` (a CI bound is not a p-value).

    >>> r = fixed_cut_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [1, 2, 3, 4, 5, 6], 3,
    ...                    n_permutations=999, seed=1)
    >>> interval_text(r), interval_text(None)
    ('0.081 to 0.12', 'not computable')
    """
    low, high = result.monte_carlo_interval() if result is not None else (math.nan, math.nan)
    if not (math.isfinite(low) and math.isfinite(high)):
        return NOT_COMPUTABLE
    return f"{bound_text(low)} to {bound_text(high)}"


@dataclass(frozen=True)
class Followup:
    """Reverse Kaplan-Meier median follow-up (:func:`nettx_utils.stats.survival.median_followup`)
    on each side of a cut-off, in months: ``low`` (marker at or below it) and ``high``;
    inf when a side's reverse curve never drops to 0.5, NaN when a side is empty."""

    low: float
    high: float

    @property
    def differ(self) -> bool:
        """Whether the two medians differ at the whole months the prose prints."""
        return _months_text(self.low) != _months_text(self.high)

    def text(self, low_name: str = "early", high_name: str = "late") -> str:
        """ "47 months in the early group and 75 in the late one"."""
        return (
            f"{_months_text(self.low)} months in the {low_name} group and "
            f"{_months_text(self.high)} in the {high_name} one"
        ).replace("not reached months", "not reached")


def _months_text(value: float) -> str:
    if math.isnan(value):
        return NOT_COMPUTABLE
    return "not reached" if math.isinf(value) else f"{value:.0f}"


def followup_by_side(months: Any, died: Any, marker: Any, cut: float) -> Followup:
    """The median follow-up, by the reverse Kaplan-Meier method, of the patients whose
    ``marker`` is at or below ``cut`` and of those above it (patients without the marker
    left out). A permutation test of the split assumes that, with no effect, the
    censoring pattern does not differ between the two sides; this shows whether it does.

    Examples
    --------
    >>> f = followup_by_side([2, 4, 5, 7, 9, 12], [1, 0, 1, 0, 0, 1], [1, 1, 1, 5, 5, 5], 3)
    >>> f.low, f.high, f.differ, f.text()
    (4.0, 9.0, True, '4 months in the early group and 9 in the late one')
    >>> followup_by_side([2, 4], [0, 0], [1, 1], 3).high
    nan
    """
    from nettx_utils.stats.survival import median_followup

    t = np.asarray(months, dtype=float)
    e = np.asarray(died, dtype=float)
    x = np.asarray(marker, dtype=float)
    known = np.isfinite(x) & np.isfinite(t)
    medians = []
    for side in (known & (x <= cut), known & (x > cut)):
        medians.append(median_followup(t[side], e[side]).estimate if side.any() else math.nan)
    return Followup(*medians)


def _approximation_reason(small: int, followup: Followup | None) -> str:
    """Why a permutation p can exceed the asymptotic one: the small group, and, when the
    groups' follow-up differs, the unequal censoring the permutation test assumes away."""
    reason = (
        f"with only {small} patients in the smaller group, this is consistent with the "
        "chi-square approximation making the evidence look stronger than it is"
    )
    if followup is None or not followup.differ:
        return reason + "."
    return reason + (
        "; it can also reflect unequal follow-up, which the permutation test assumes away "
        f"(median follow-up by reverse Kaplan-Meier: {followup.text()})."
    )


def interval_relation(asymptotic: float, result: MaxSelectedResult) -> str:
    """Where an asymptotic p lies against a permutation p's Monte Carlo interval."""
    low, high = result.monte_carlo_interval()
    if asymptotic < low:
        return "below"
    return "above" if asymptotic > high else "within"


def _asymptotic_text(p: float) -> str:
    """An asymptotic p beside a permutation p and its Monte Carlo interval: at 2 significant
    figures as they are ("p = 0.0021"), so the reader can see where it lies."""
    return p_significant_phrase(p)


def fixed_cut_items(
    fixed: MaxSelectedResult | None,
    row: pd.Series,
    *,
    what: str,
    followup: Followup | None = None,
    mark: str = "",
) -> Items:
    """The permutation p at the chapter's fixed cut-off beside its asymptotic p (``row``,
    the cut-off's scan row), with its Monte Carlo error and one sentence on how the two
    compare; ``what`` names the shuffled marker ("recurrence times"); ``followup``
    (:func:`followup_by_side`), when given, the groups' median follow-up, named when
    they differ as a second reason for a permutation p above the asymptotic one.
    ``paper_perm_summary`` ends the summary's sentence "a permutation test ... checks it"
    with the two p-values, labelled with ``mark`` (:func:`nettx_utils.pages.prose.cohort_mark`).

    When no shuffle reached the observed chi-square, the sentence says so: the
    permutation p then sits at its floor 1 / (B + 1), and the shuffles are too few to
    check the chi-square approximation.

    Examples
    --------
    >>> never = MaxSelectedResult(50.0, 24.0, 1 / 101, 1e-12, 1, 1, 1, 100, 1,
    ...                           pd.DataFrame(), np.zeros(100))  # no shuffle reached 50
    >>> row = pd.Series({"p_value": 1e-12, "n_low": 10, "n_high": 22})
    >>> items = fixed_cut_items(never, row, what="marker values")
    >>> items["paper_perm_sentence"][0], items["paper_perm_ci"][1]
    ('none', '0 to 0.036')
    >>> "1/101" in items["paper_perm_sentence"][1], "too few to check" in items[
    ...     "paper_perm_sentence"][1]
    (True, True)
    """
    ok = fixed is not None and math.isfinite(fixed.p_value)
    perm = fixed.p_value if ok else math.nan
    items: Items = {
        "paper_perm_p": (perm, p_significant(perm)),
        "paper_perm_ci": (
            list(fixed.monte_carlo_interval()) if ok else [math.nan] * 2,
            interval_text(fixed if ok else None),
        ),
        "paper_perm_hits": (fixed.n_reaching if ok else 0, None),
    }
    label = f"; {mark}" if mark else ""
    if not ok:
        items["paper_perm_sentence"] = (
            None,
            "On this cohort the permutation p-value at this cut-off cannot be computed "
            "(a group without patients, or no deaths).",
        )
        items["paper_perm_summary"] = (None, "checks it (not computable on this cohort)")
        return items
    assert fixed is not None
    asymptotic = float(row["p_value"])
    opening = (
        f"A permutation test does without this approximation (it assumes instead that, "
        f"under the null hypothesis, the {what} are exchangeable between patients, which "
        "includes a censoring pattern that does not differ between the groups): shuffling "
        f"the {what} {fixed.n_permutations:,} times with the cut-off fixed, "
    )
    if fixed.n_reaching == 0:
        items.update(_no_shuffle_reached_items(fixed, asymptotic, opening, label))
        return items
    small = min(int(row["n_low"]), int(row["n_high"]))
    items.update(_compared_items(fixed, asymptotic, small, opening, label, followup))
    return items


def _no_shuffle_reached_items(
    fixed: MaxSelectedResult, asymptotic: float, opening: str, label: str
) -> Items:
    """:func:`fixed_cut_items`' sentences when no shuffle reached the observed chi-square:
    the permutation p sits at its floor and cannot check the approximation."""
    return {
        "paper_perm_sentence": (
            "none",
            opening + "no shuffle reached the observed chi-square. The permutation p is "
            f"then at its floor, 1/{fixed.n_permutations + 1:,} (one over the number of "
            "shuffles plus one), and only says that the exact permutation p is very small "
            f"(Monte Carlo 95% interval {interval_text(fixed)}, Clopper-Pearson). The "
            f"asymptotic p ({p_significant_phrase(asymptotic)}) is smaller than anything this many "
            "shuffles can resolve: they are too few to check the chi-square approximation "
            "here.",
        ),
        "paper_perm_summary": (
            "none",
            f"checks it only when some shuffles reach the observed chi-square (here none of "
            f"the {fixed.n_permutations:,} did: too few to check it{label})",
        ),
    }


def _compared_items(
    fixed: MaxSelectedResult,
    asymptotic: float,
    small: int,
    opening: str,
    label: str,
    followup: Followup | None,
) -> Items:
    """:func:`fixed_cut_items`' sentences when shuffles reached the observed chi-square:
    where the asymptotic p lies against the permutation p's Monte Carlo interval, and why
    (``small``: the smaller group's size)."""
    perm = fixed.p_value
    relation = interval_relation(asymptotic, fixed)
    sentence = opening + (
        f"the chi-square reached the observed one in {fixed.n_reaching:,} shuffles, so "
        f"{p_significant_phrase(perm)} (Monte Carlo 95% interval {interval_text(fixed)}, "
        "Clopper-Pearson). "
    )
    sentence += {
        "below": (
            f"The asymptotic p ({_asymptotic_text(asymptotic)}) lies below that interval: "
            + _approximation_reason(small, followup)
        ),
        "above": (
            f"The asymptotic p ({_asymptotic_text(asymptotic)}) lies above that interval: "
            "here the chi-square approximation errs on the cautious side."
        ),
        "within": (
            f"The asymptotic p ({_asymptotic_text(asymptotic)}) lies within that interval: "
            "the permutations find no fault with the chi-square approximation here."
        ),
    }[relation]
    return {
        "paper_perm_sentence": (relation, sentence),
        "paper_perm_summary": (
            relation,
            f"checks it (here {p_significant(perm)} by permutation against {p_significant(asymptotic)}{label})",
        ),
    }

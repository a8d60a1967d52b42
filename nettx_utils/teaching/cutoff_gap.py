"""Chapter 11: from the naive p at the best cut-off to the corrected one.

Bonferroni's bound on a chi-square and on a permutation basis (:func:`bonferroni`),
and the decomposition of the gap between the naive p and the search's permutation p
into the chi-square approximation and the search itself, as a table
(:func:`gap_table`) and as sentences (:func:`gap_items`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from nettx_utils.pages.prose import (
    NOT_COMPUTABLE,
    Items,
    p_significant,
)
from nettx_utils.stats import cutoffs
from nettx_utils.stats.cutoffs import MaxSelectedResult
from nettx_utils.teaching.cutoff_fixed import (
    Followup,
    fixed_cut_test,
    interval_relation,
    interval_text,
)

__all__ = [
    "GAP_FORMATS",
    "Bonferroni",
    "bonferroni",
    "gap_items",
    "gap_table",
]


@dataclass(frozen=True)
class Bonferroni:
    """Bonferroni's bound on the chance that one of ``n_splits`` splits reaches the
    observed maximum chi-square M, with each split's chance from the chi-square
    distribution (``asymptotic``: ``n_splits`` times the smallest p) or from the
    permutations (``permutation``: the sum over the splits of ``(1 + hits) / (1 + B)``),
    both at most 1."""

    n_splits: int
    asymptotic: float
    permutation: float


def bonferroni(
    months: Any,
    died: Any,
    marker: Any,
    result: MaxSelectedResult | None,
    *,
    n_permutations: int,
    seed: int | None,
) -> Bonferroni:
    """Bonferroni on a chi-square and on a permutation basis (see :class:`Bonferroni`).

    Each distinct admissible split of ``result`` is tested on its own with
    :func:`nettx_utils.teaching.cutoff_fixed.fixed_cut_test` and the same ``seed``, hence the same permutations as the
    search: a permutation whose maximum reaches M has at least one split that reaches
    M, so the permutation bound is never below the search's permutation p.
    """
    if result is None or not math.isfinite(result.statistic):
        return Bonferroni(0, math.nan, math.nan)
    table = result.table
    usable = table[table["admissible"] & table["chi2"].notna()]
    splits = usable.groupby("n_low", sort=True)["cutoff"].first()
    total = 0.0
    for cut in splits:
        single = fixed_cut_test(months, died, marker, cut, n_permutations=n_permutations, seed=seed)
        assert single is not None
        hits = cutoffs.count_reaching(single.null_max, result.statistic)
        total += (1 + hits) / (1 + n_permutations)
    k = len(splits)
    return Bonferroni(k, min(1.0, k * result.smallest_raw_p), min(1.0, total))


def _factor_text(ratio: float) -> str:
    """A ratio of p-values: one decimal below 10, whole numbers up to 10,000, then
    "> 10,000" (a tiny asymptotic p makes astronomically large, meaningless factors)."""
    if not math.isfinite(ratio):
        return NOT_COMPUTABLE
    if ratio >= 10_000:
        return "> 10,000"
    return f"{ratio:.1f}" if ratio < 10 else f"{ratio:,.0f}"


#: How the chapter prints :func:`gap_table`.
GAP_FORMATS = {"× the asymptotic p": _factor_text}


def gap_table(
    result: MaxSelectedResult | None,
    fixed_best: MaxSelectedResult | None,
    bonf: Bonferroni,
) -> pd.DataFrame:
    """The p-values of the best cut-off, from naive to corrected, as a teaching table:
    asymptotic (the cut-off taken as fixed), permutation (taken as fixed), permutation
    over the search, and Bonferroni on both bases; each with its Monte Carlo interval
    where it has one, and as a multiple of the asymptotic p."""
    columns = ["p-value", "Monte Carlo 95% interval", "× the asymptotic p"]
    if result is None or not math.isfinite(result.statistic) or fixed_best is None:
        return pd.DataFrame(columns=["", *columns])
    naive = result.smallest_raw_p
    rows = [
        ("Best cut-off as if fixed: chi-square (asymptotic)", naive, "–"),
        ("Best cut-off as if fixed: permutation", fixed_best.p_value, interval_text(fixed_best)),
        ("The whole search: permutation (maximally selected)", result.p_value,
         interval_text(result)),
        (f"Bonferroni, chi-square terms ({bonf.n_splits} × the asymptotic p)",
         bonf.asymptotic, "–"),
        (f"Bonferroni, permutation terms (sum over the {bonf.n_splits} splits)",
         bonf.permutation, "–"),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["", "p", columns[1]])
    frame.insert(1, columns[0], [p_significant(p) for p in frame["p"]])
    frame[columns[2]] = frame["p"] / naive if naive > 0 else math.nan
    # a permutation p resting on no shuffle is a floor, not an estimate: no factor
    floors = [False, fixed_best.n_reaching == 0, result.n_reaching == 0, False]
    floors.append(result.n_reaching == 0)  # then the permutation Bonferroni sums floors
    frame.loc[floors, columns[2]] = math.nan
    return frame.drop(columns="p")


def gap_items(
    result: MaxSelectedResult | None,
    fixed_best: MaxSelectedResult | None,
    bonf: Bonferroni,
    followup: Followup | None = None,
) -> Items:
    """How much of the gap between the naive p at the best cut-off and the search's
    permutation p is the fixed-cut-off permutation test (permutation vs asymptotic p at
    the best cut-off taken as fixed: the chi-square approximation, or unequal follow-up
    that the permutation test assumes away, named when ``followup``, the groups' median
    follow-up at the best cut-off from
    :func:`nettx_utils.teaching.cutoff_fixed.followup_by_side`, differs) and how much the
    search (search vs fixed permutation p), and what Bonferroni says on each basis:
    values and two sentences."""
    if (
        result is None
        or fixed_best is None
        or not math.isfinite(result.statistic)
        or not result.smallest_raw_p > 0
    ):
        missing = (math.nan, NOT_COMPUTABLE)
        return {
            "best_fixed_p": missing,
            "factor_approx": missing,
            "factor_search": missing,
            "bonf_asym": missing,
            "bonf_perm": missing,
            "gap_sentence": (None, "On this cohort there is no best cut-off to decompose."),
            "bonferroni_sentence": (None, ""),
        }
    naive, fixed, perm = result.smallest_raw_p, fixed_best.p_value, result.p_value
    approx, search = fixed / naive, perm / fixed
    floor = min(fixed_best.n_reaching, result.n_reaching) == 0
    where = interval_relation(naive, fixed_best)
    gap = _gap_sentence(result, fixed_best, where, floor, followup)
    bonf_text = _bonferroni_sentence(result, bonf, where, floor)
    return {
        "best_fixed_p": (fixed, p_significant(fixed)),
        "factor_approx": (approx, NOT_COMPUTABLE if floor else _factor_text(approx)),
        "factor_search": (search, NOT_COMPUTABLE if floor else _factor_text(search)),
        "bonf_asym": (bonf.asymptotic, p_significant(bonf.asymptotic)),
        "bonf_perm": (bonf.permutation, p_significant(bonf.permutation)),
        "gap_sentence": (where, gap),
        "bonferroni_sentence": (bonf.permutation >= perm, bonf_text),
    }


def _fixed_clause(fixed: float, approx: float, where: str, followup: Followup | None) -> str:
    """What the permutation test at the best cut-off taken as fixed says of the chi-square
    approximation (``where`` the naive p lies against its interval, ``approx`` the ratio
    of the two p-values)."""
    if where == "below":
        first = (
            f"Testing the best cut-off as if it had been fixed in advance, but with a permutation "
            f"test instead of the chi-square approximation, already gives "
            f"{p_significant(fixed)}, {_factor_text(approx)} times the naive p. That part of "
            "the gap is not the search: it is consistent with the chi-square approximation "
            "being poor for small groups"
            + (
                "; it can also reflect the groups' unequal follow-up, which the "
                "permutation test assumes away (median follow-up by reverse Kaplan-Meier: "
                f"{followup.text()})."
                if followup is not None and followup.differ
                else "."
            )
        )
    else:
        first = (
            f"Testing the best cut-off as if it had been fixed in advance with a permutation "
            f"test gives {p_significant(fixed)}, "
            + (
                "above the naive p: the chi-square approximation errs on the cautious side "
                "here, and the whole gap is the search."
                if where == "above"
                else "and the naive p lies within its Monte Carlo interval: the permutations "
                "cannot tell whether the chi-square approximation contributes to the gap."
            )
        )
    return first


def _gap_sentence(
    result: MaxSelectedResult,
    fixed_best: MaxSelectedResult,
    where: str,
    floor: bool,
    followup: Followup | None,
) -> str:
    """:func:`gap_items`' ``gap_sentence``: the naive p, the corrected one and the two
    factors between them, or, when a permutation p rests on no shuffle (``floor``), why
    the gap cannot be split."""
    naive, fixed, perm = result.smallest_raw_p, fixed_best.p_value, result.p_value
    first = _fixed_clause(fixed, fixed / naive, where, followup)
    search = perm / fixed
    gap = (
        f"The naive p at the best cut-off is {p_significant(naive)}; corrected for the "
        f"search it is {p_significant(perm)}, {_factor_text(perm / naive)} times "
        f"larger. {first} The search itself multiplies the fixed-cut-off permutation p "
        f"by {_factor_text(search)}."
    )
    if floor:
        gap = (
            f"The naive p at the best cut-off is {p_significant(naive)}. With the "
            f"cut-off fixed, {fixed_best.n_reaching:,} of {fixed_best.n_permutations:,} "
            f"shuffles reached the observed chi-square; over the search, "
            f"{result.n_reaching:,} of {result.n_permutations:,}. A permutation p resting on "
            "no shuffle at all only bounds the true p from above, by the upper end of its "
            "Monte Carlo interval (see the table), so with this many shuffles the gap "
            "cannot be split between the approximation and the search."
        )
    elif min(fixed_best.n_reaching, result.n_reaching) < 10:
        gap += (
            f" These factors are rough: only {fixed_best.n_reaching} and "
            f"{result.n_reaching} of the {result.n_permutations:,} shuffles reached the "
            "observed maximum (see the Monte Carlo intervals)."
        )
    return gap


def _bonferroni_sentence(
    result: MaxSelectedResult, bonf: Bonferroni, where: str, floor: bool
) -> str:
    """:func:`gap_items`' ``bonferroni_sentence``: Bonferroni's bound on a chi-square and on
    a permutation basis beside the search's permutation p."""
    perm = result.p_value
    if bonf.asymptotic < perm and where == "below" and not floor:
        asym_clause = (
            f"is {p_significant(bonf.asymptotic)}, below the permutation p of the "
            "search. That is not Bonferroni being too lenient: each of its terms is a "
            "chi-square tail, thinner here than the permutation tail (see above for why)."
        )
    elif bonf.asymptotic < perm and floor:
        asym_clause = (
            f"is {p_significant(bonf.asymptotic)}, below the permutation p of the "
            "search, which with this many shuffles cannot go below about one over their "
            "number."
        )
    elif bonf.asymptotic < perm:
        asym_clause = f"is {p_significant(bonf.asymptotic)}, below the permutation p of the search."
    else:
        asym_clause = (
            f"is {p_significant(bonf.asymptotic)}, not below the permutation p of the search."
        )
    bonf_text = (
        f"Bonferroni bounds the chance that one of the {bonf.n_splits} different splits "
        f"reaches the observed maximum by the sum of their single chances. Taking each "
        f"chance from the chi-square distribution ({bonf.n_splits} × the naive p), the bound "
        f"{asym_clause} Taking each from the same shuffles, it is "
        f"{p_significant(bonf.permutation)}"
    )
    if result.n_reaching == 0:
        bonf_text += (
            f", here only the sum of {bonf.n_splits} floors of one over the number of "
            "shuffles, since no shuffle reached the maximum."
        )
    elif bonf.n_splits > 1:
        bonf_text += (
            f", {_factor_text(bonf.permutation / perm)} times the search's permutation p: "
            "the splits share most patients, so their chances overlap and the sum counts "
            "the overlap again. On a common basis Bonferroni overcorrects."
        )
    else:
        bonf_text += ": with a single split there is nothing to correct."
    return bonf_text

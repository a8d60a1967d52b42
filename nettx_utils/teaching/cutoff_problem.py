"""Chapter 11's numbers and sentences: what a sweep of cut-offs and its correction say.

The statistics are :mod:`nettx_utils.stats.cutoffs` (the log-rank scan and the
maximally selected log-rank test); this module condenses them into the values
chapter 11 records and the sentences it glues, so that the chapter reads the
same on any cohort: a marker measured in nobody, or a sweep without an
admissible cut-off, gives "none" / "not computable" instead of an error.
Each function returns :data:`nettx_utils.pages.prose.Items` (key -> value, text) for
:func:`nettx_utils.pages.prose.record_all`.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from nettx_utils.formatting import decimal_value
from nettx_utils.pages.prose import (
    NOT_COMPUTABLE,
    Items,
    counted,
    number_text,
    p_phrase,
    p_significant,
    p_text,
    share_text,
    value_text,
)
from nettx_utils.stats import cutoffs
from nettx_utils.stats.cutoffs import MaxSelectedResult


def _sig(p: float) -> str:
    """A p compared with a permutation p, at 2 significant figures as chapter 9 prints
    them (:func:`nettx_utils.pages.prose.p_significant`): "0.0036", not "0.004"."""
    return p_significant(p)


def _sig_phrase(p: float) -> str:
    """:func:`_sig` as a sentence needs it ("p = 0.0036", "p > 0.99", "p not computable").

    Examples
    --------
    >>> _sig_phrase(0.0036219), _sig_phrase(0.9996), _sig_phrase(float("nan"))
    ('p = 0.0036', 'p > 0.99', 'p not computable')
    """
    text = _sig(p)
    return f"p {text}" if text[0] in "<>" or text == NOT_COMPUTABLE else f"p = {text}"


__all__ = [
    "BOUND_DIGITS",
    "GAP_FORMATS",
    "SCAN_COUNT_COLUMNS",
    "SCAN_FORMATS",
    "SCAN_HEADERS",
    "Bonferroni",
    "Followup",
    "SearchCorrection",
    "best_split",
    "bonferroni",
    "bound_text",
    "boundary_note",
    "chosen_cut_items",
    "correction_items",
    "cut_test_items",
    "fixed_cut_items",
    "fixed_cut_test",
    "followup_by_side",
    "gap_items",
    "gap_table",
    "interval_text",
    "max_selected",
    "mib1_items",
    "mib1_summary",
    "parameter_items",
    "real_data_note",
    "result_summary",
    "scan_view",
    "search_correction",
    "search_p_at",
    "sweep_counts_note",
    "sweep_grid",
    "sweep_items",
    "verdict_items",
]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

#: Significant figures of a Monte Carlo interval's bounds (:func:`bound_text`). Not the
#: 3 decimals of the book's p-values: 28 hits in 100,000 shuffles give the interval
#: 0.00019 to 0.00040, which 3 decimals would print "0.000 to 0.000", a false upper bound.
BOUND_DIGITS = 2


#: How the chapter prints a scan of :func:`nettx_utils.stats.cutoffs.scan_cutoffs`: z and χ²
#: at the 2 decimals of the prose (:func:`nettx_utils.pages.prose.number_text`), p-values by
#: the book's p formatter.
SCAN_FORMATS = {
    "cut-off": "{:g}",
    "z": "{:.2f}",
    "χ²": "{:.2f}",
    "p (asymptotic)": p_text,
}

#: Readable headers of a scan's columns (:func:`scan_view`).
SCAN_HEADERS = {
    "cutoff": "cut-off",
    "n_low": "patients ≤ cut-off",
    "n_high": "patients > cut-off",
    "deaths_low": "deaths ≤ cut-off",
    "deaths_high": "deaths > cut-off",
    "chi2": "χ²",
    "p_value": "p (asymptotic)",
    "admissible": "admissible",
}

#: A scan's group sizes and deaths at each cut-off. On a real cohort they are left out
#: of what a sweep shows (:func:`scan_view` with ``counts=False``): from two neighbouring
#: cut-offs, their differences give how many patients recurred, and how many of them
#: died, in each step of the sweep, i.e. each patient's recurrence month and outcome.
SCAN_COUNT_COLUMNS = ("n_low", "n_high", "deaths_low", "deaths_high")


def scan_view(scan: pd.DataFrame, *, admissible: bool = True, counts: bool = True) -> pd.DataFrame:
    """A scan of :func:`nettx_utils.stats.cutoffs.scan_cutoffs` with readable headers, for
    :func:`nettx_utils.formatting.styled` with :data:`SCAN_FORMATS`; ``admissible`` "Yes"/"No"
    (dropped with ``admissible=False``), the group sizes and deaths
    (:data:`SCAN_COUNT_COLUMNS`) dropped with ``counts=False``.

    Examples
    --------
    >>> scan = cutoffs.scan_cutoffs([1, 2, 3, 4], [1, 0, 1, 1], [1, 2, 3, 4], [2])
    >>> list(scan_view(scan).columns)[:3], scan_view(scan)["admissible"].tolist()
    (['cut-off', 'patients ≤ cut-off', 'patients > cut-off'], ['Yes'])
    >>> list(scan_view(scan, counts=False, admissible=False).columns)
    ['cut-off', 'z', 'χ²', 'p (asymptotic)']
    """
    view = scan.drop(columns=[] if counts else list(SCAN_COUNT_COLUMNS))
    view = view.rename(columns=SCAN_HEADERS)
    if not admissible:
        return view.drop(columns="admissible")
    return view.assign(admissible=np.where(view["admissible"], "Yes", "No"))


def sweep_counts_note(synthetic: bool) -> str:
    """What the chapter's sweep table and its download leave out on a real cohort, and
    why; empty on the synthetic cohort, whose sweep shows every column.

    Examples
    --------
    >>> sweep_counts_note(True)
    ''
    >>> "left out" in sweep_counts_note(False)
    True
    """
    if synthetic:
        return ""
    return (
        "On your cohort the number of patients and of deaths on each side of every "
        "cut-off are left out of the sweep's table and of its download: from two "
        "neighbouring cut-offs their differences would tell how many patients recurred, "
        "and died, in each step of the sweep."
    )


def parameter_items(
    differs: Collection[str],
    *,
    alpha: float,
    early_recurrence_months: float,
    mib1_threshold_pct: float,
    published_cut: float,
) -> Items:
    """The run's parameters as the prose names them; "the paper's cut-off" only when it is."""
    changed = "early_recurrence_months" in differs
    mib1_changed = "mib1_threshold_pct" in differs
    return {
        "alpha_text": (alpha, f"{alpha:g}"),
        "paper_cut": (early_recurrence_months, f"{early_recurrence_months:g}"),
        "paper_mib1": (mib1_threshold_pct, f"{mib1_threshold_pct:g}"),
        "alpha_pct": (alpha, f"{100 * alpha:g}%"),
        "published_cut": (published_cut, f"{published_cut:g}"),
        "cut_name": (
            changed,
            "the cut-off set in this run's parameters" if changed else "the paper's cut-off",
        ),
        "mib1_name": (
            mib1_changed,
            "the threshold set in this run's parameters"
            if mib1_changed
            else "the paper's threshold",
        ),
    }


def boundary_note(marker: Any, cut: float, published_cut: float, *, mark: str = "") -> str:
    """Which side of the cut-off a value exactly at it falls on, in the book's code and in
    the paper's labels.

    The book's split is ``marker <= cut`` against ``marker > cut``
    (:func:`nettx_utils.stats.cutoffs.scan_cutoffs`): a recurrence exactly at the cut-off is
    early. At the paper's cut-off the paper is not consistent: its Table 2 labels the
    groups "<24 mo" and "≥24 mo" (a recurrence at exactly 24 months late), its Abstract
    and Results "≤24" and ">24" (early, as the book), its Discussion "<24" and ">24"
    (neither). The readings differ only for a value
    exactly at the cut-off, so the note counts those on the cohort (``mark`` labels the
    count). At another cut-off only the book's side is stated.

    Examples
    --------
    >>> boundary_note([10.0, 24.0, 30.0], 24, 24, mark="m")[-75:]
    '1 patient recurs at exactly 24 months (m), so the two readings differ here.'
    >>> boundary_note([10.0, 30.0], 24, 24).endswith("give the same groups.")
    True
    >>> boundary_note([10.0, 30.0], 36, 24)[-45:]
    'in the early group (at or below the cut-off).'
    """
    values = pd.Series(marker, dtype=float).dropna()
    if float(cut) != float(published_cut):
        return (
            f"The book's code puts a recurrence exactly {cut:g} months after the transplant in "
            "the early group (at or below the cut-off)."
        )
    at_cut = int((values == float(cut)).sum())
    label = f" ({mark})" if mark else ""
    head = (
        f"The book's code puts a recurrence exactly {cut:g} months after the transplant in the "
        f"early group (at or below the cut-off). The paper is ambiguous on that side: its "
        f'Table 2 labels the groups "<{cut:g} mo" and "≥{cut:g} mo", which would make it '
        f'late, its Abstract and Results write "≤{cut:g}" and ">{cut:g}", as the book does, '
        f'and its Discussion "<{cut:g}" and ">{cut:g}", which names neither side. '
    )
    if at_cut:
        verb = "recurs" if at_cut == 1 else "recur"
        return head + (
            f"{counted(at_cut, 'patient')} {verb} at exactly {cut:g} months{label}, so the two "
            "readings differ here."
        )
    return head + (
        f"No patient recurs at exactly {cut:g} months{label}, so both readings give the "
        "same groups."
    )


def cut_test_items(row: pd.Series) -> Items:
    """The log-rank test at one cut-off (a row of :func:`cutoffs.scan_cutoffs`): groups, z, p."""
    return {
        "paper_n_low": (int(row["n_low"]), None),
        "paper_n_high": (int(row["n_high"]), None),
        "paper_deaths_low": (int(row["deaths_low"]), None),
        "paper_deaths_high": (int(row["deaths_high"]), None),
        "paper_z": (row["z"], number_text(row["z"])),
        "paper_p": (row["p_value"], p_text(row["p_value"])),
        "paper_p_eq": (row["p_value"], p_phrase(row["p_value"])),
    }


def sweep_grid(start: float, stop: float, step: float) -> np.ndarray:
    """The cut-offs ``start, start + step, ...`` up to and including ``stop``."""
    return np.arange(start, stop + step / 2, step)


def _usable(scan: pd.DataFrame) -> pd.DataFrame:
    return scan[scan["admissible"] & scan["p_value"].notna()]


def best_split(scan: pd.DataFrame) -> pd.Series | None:
    """The admissible row of a scan with the smallest p-value (the first if tied), or None."""
    usable = _usable(scan)
    return usable.loc[usable["p_value"].idxmin()] if len(usable) else None


def sweep_items(
    scan: pd.DataFrame, *, alpha: float, min_fraction: float, sweep_from: float, sweep_to: float
) -> Items:
    """What the sweep shows: how many cut-offs and distinct splits, how many reach ``alpha``,
    the smallest p and the range of cut-offs that give the same split."""
    usable = _usable(scan)
    best = best_split(scan)
    items: Items = {
        "sweep_from": (sweep_from, f"{sweep_from:g}"),
        "sweep_to": (sweep_to, f"{sweep_to:g}"),
        "min_group": (scan.attrs["min_group"], None),
        "min_fraction_text": (min_fraction, f"{100 * min_fraction:g}%"),
        "n_grid": (len(scan), None),
        "n_admissible": (len(usable), None),
        "n_splits": (int(usable["n_low"].nunique()), None),
        "n_below_alpha": (int((usable["p_value"] < alpha).sum()), None),
    }
    if best is None:
        items["min_p"] = (math.nan, p_text(math.nan))
        items["min_p_cut"] = (math.nan, "none")
        items["best_range"] = ([], "none")
        return items
    same = usable[usable["n_low"] == best["n_low"]]["cutoff"]
    items["min_p"] = (best["p_value"], p_text(best["p_value"]))
    items["min_p_cut"] = (best["cutoff"], f"{best['cutoff']:g}")
    items["best_range"] = ([same.min(), same.max()], f"{same.min():g} to {same.max():g}")
    return items


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
            f"{_sig(p)} here. The best split of the sweep, at {result.cutoff:g} "
            f"months, has the larger chi-square {number_text(result.statistic)} and the "
            f"corrected p-value {_sig(result.p_value)}."
        )
    return {"cut_search_p": (p, _sig(p)), "chosen_reading": (p, sentence)}


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
        "perm_p": (correction.perm_p, _sig(correction.perm_p)),
        "perm_ci": (
            list(result.monte_carlo_interval()) if result else [math.nan] * 2,
            interval_text(result),
        ),
        "approx_p": (correction.approx, _sig(correction.approx)),
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


def mib1_summary(
    months: Any,
    died: Any,
    mib1: Any,
    *,
    min_fraction: float,
    n_permutations: int,
    seed: int | None,
) -> tuple[MaxSelectedResult | None, pd.DataFrame, str]:
    """The maximally selected test over every observed Mib-1 threshold.

    Returns ``(result, scan, summary)``: the test (None when Mib-1 is measured in
    fewer than 2 patients), its scan (empty then) and one sentence for the chapter.
    """
    mib1 = np.asarray(mib1, dtype=float)
    n_mib1 = int(np.isfinite(mib1).sum())
    grid = cutoffs.default_cutoffs(mib1) if n_mib1 else np.array([])
    result = None
    if grid.size:
        result = max_selected(
            months, died, mib1, grid,
            min_fraction=min_fraction, n_permutations=n_permutations, seed=seed,
        )  # fmt: skip
    if result is None:
        scan = pd.DataFrame(columns=["cutoff", "n_low", "n_high", "p_value", "admissible"])
        return (
            result,
            scan,
            "Mib-1 at recurrence is not measured in enough patients of this cohort.",
        )
    summary = (
        f"{n_mib1} patients measured, {result.n_cutoffs} admissible thresholds; "
        f"smallest unadjusted p {p_text(result.smallest_raw_p)} at "
        f"{result.cutoff:g}%, permutation p {_sig(result.p_value)}"
    )
    return result, result.table, summary


def mib1_items(
    months: Any,
    died: Any,
    mib1: Any,
    result: MaxSelectedResult | None,
    scan: pd.DataFrame,
    threshold: float,
    published: float | None = None,
) -> Items:
    """Mib-1's p at the chapter's threshold (from the scan, or a single test if the scan
    left it out), its smallest p and where, and the corrected p; ``mib1_use``, one
    sentence on what the paper did with its threshold ``published`` (default: the
    chapter's) and, when the run's threshold differs, whether it splits the measured
    patients as the published one does.

    Examples
    --------
    >>> empty = pd.DataFrame(columns=["cutoff", "p_value"])
    >>> items = mib1_items([1, 2, 3], [1, 0, 1], [1.0, 9.0, 4.0], None, empty, 5, 2)
    >>> items["mib1_same_split"][0]
    False
    >>> mib1_items([1, 2], [1, 0], [1.0, 9.0], None, empty, 5, 2)["mib1_same_split"][0]
    True
    """
    published = threshold if published is None else published
    mib1 = np.asarray(mib1, dtype=float)
    n_mib1 = int(np.isfinite(mib1).sum())
    at = scan[np.isclose(scan["cutoff"].astype(float), threshold)]
    paper_p = float(at["p_value"].iloc[0]) if len(at) else math.nan
    if not np.isfinite(paper_p) and n_mib1 > 1:
        paper_p = float(cutoffs.scan_cutoffs(months, died, mib1, [threshold])["p_value"].iloc[0])

    def get(name: str) -> float:
        return getattr(result, name) if result is not None else math.nan

    measured = mib1[np.isfinite(mib1)]
    same = bool(np.array_equal(measured <= threshold, measured <= published))
    use = (
        "The paper's Table 2 lists Mib-1 at recurrence in three categories (the lowest at "
        f"most {published:g}%); the paper says that the characteristics of its Tables 1 "
        "and 2 were tested at univariable analysis, but not how Mib-1 was coded for that. "
        f"It used the {published:g}% boundary to divide the comparison of surgery with "
        "locoregional or systemic treatment into two strata, and reports no two-group "
        "split of Mib-1 at that boundary, which the sweep below tries at every threshold."
    )
    if not math.isclose(threshold, published):
        use += f" This run's threshold is {threshold:g}%" + (
            f", which divides the measured patients exactly as {published:g}% does: no "
            f"measured value lies above {min(threshold, published):g}% and at or below "
            f"{max(threshold, published):g}%."
            if same
            else f", which divides the measured patients differently from {published:g}%."
        )
    return {
        "mib1_use": (same, use),
        "mib1_same_split": (same, None),
        "n_mib1": (n_mib1, None),
        "mib1_paper_p": (paper_p, p_text(paper_p)),
        "mib1_min_p": (get("smallest_raw_p"), p_text(get("smallest_raw_p"))),
        "mib1_min_cut": (get("cutoff"), value_text(get("cutoff"))),
        "mib1_perm_p": (get("p_value"), _sig(get("p_value"))),
        "mib1_n_thresholds": (result.n_cutoffs if result is not None else 0, None),
    }


def verdict_items(
    perm_p: float,
    best: pd.Series | None,
    at_cut: pd.Series,
    *,
    alpha: float,
    sweep_from: float,
    sweep_to: float,
    cut: float,
    fixed_perm_p: float = math.nan,
    name: str = "The paper's cut-off",
    changed: bool = False,
) -> Items:
    """Two sentences: does the best split survive the correction, and is the chapter's
    cut-off (``at_cut``, its scan row; ``name`` in the prose) the best split of the sweep.
    ``fixed_perm_p`` is the permutation p at that cut-off taken as fixed
    (:func:`fixed_cut_test`), quoted beside its asymptotic p when known. A third
    sentence, ``fixed_reading``, ends "if the paper's cut-off was fixed in advance";
    when the run ``changed`` the cut-off it says that its p-values are this run's."""
    at_best = f" (at {best['cutoff']:g} months)" if best is not None else ""
    span = (
        f"over {sweep_from:g} to {sweep_to:g} months, the best split's{at_best} corrected "
        "p-value is"
    )
    if not np.isfinite(perm_p):
        verdict = (
            "On this cohort the corrected p-value cannot be computed (too few patients, "
            "deaths or admissible cut-offs)."
        )
    elif perm_p < alpha:
        verdict = (
            f"On this cohort the split survives the correction: even allowing for a search "
            f"{span} {_sig(perm_p)}, below {alpha:g}."
        )
    else:
        verdict = (
            f"On this cohort the split does not survive the correction: allowing for a search "
            f"{span} {_sig(perm_p)}, not below {alpha:g}. The unadjusted "
            f"{p_phrase(at_cut['p_value'])} at {cut:g} months"
            + (
                f" (by permutation, with the cut-off fixed: {_sig(fixed_perm_p)})"
                if math.isfinite(fixed_perm_p)
                else ""
            )
            + " is evidence only if that cut-off was fixed in advance."
        )
    same_split = best is not None and int(best["n_low"]) == int(at_cut["n_low"])
    where = (
        f"{name} falls on the best split of the sweep, which is what one would "
        "see if the cut-off had been chosen by looking, but also what a true effect near that "
        "time would produce."
        if same_split
        else f"{name} is not the best split of the sweep on this cohort."
    )
    both = (
        f"{_sig_phrase(at_cut['p_value'])} by the chi-square approximation, "
        f"{_sig(fixed_perm_p)} by permutation, which does without the "
        "large-sample approximation but assumes exchangeable patients under the null hypothesis"
    )
    reading = (
        f"the test at that one cut-off is the right one. This run uses {cut:g} months "
        f"instead, where the test gives {both}; rerun with the paper's cut-off for its values."
        if changed
        else f"the test at that one cut-off is the right one: {both}."
    )
    return {
        "verdict": (bool(np.isfinite(perm_p) and perm_p < alpha), verdict),
        "same_split": (bool(same_split), where),
        "fixed_reading": (changed, reading),
    }


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


def _relation(asymptotic: float, result: MaxSelectedResult) -> str:
    """Where an asymptotic p lies against a permutation p's Monte Carlo interval."""
    low, high = result.monte_carlo_interval()
    if asymptotic < low:
        return "below"
    return "above" if asymptotic > high else "within"


def _asymptotic_text(p: float) -> str:
    """An asymptotic p beside a permutation p and its Monte Carlo interval: at 2 significant
    figures as they are ("p = 0.0021"), so the reader can see where it lies."""
    return _sig_phrase(p)


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
        "paper_perm_p": (perm, _sig(perm)),
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
    small = min(int(row["n_low"]), int(row["n_high"]))
    sentence = (
        f"A permutation test does without this approximation (it assumes instead that, "
        f"under the null hypothesis, the {what} are exchangeable between patients, which "
        "includes a censoring pattern that does not differ between the groups): shuffling "
        f"the {what} {fixed.n_permutations:,} times with the cut-off fixed, "
    )
    if fixed.n_reaching == 0:
        items["paper_perm_sentence"] = (
            "none",
            sentence + "no shuffle reached the observed chi-square. The permutation p is "
            f"then at its floor, 1/{fixed.n_permutations + 1:,} (one over the number of "
            "shuffles plus one), and only says that the exact permutation p is very small "
            f"(Monte Carlo 95% interval {interval_text(fixed)}, Clopper-Pearson). The "
            f"asymptotic p ({_sig_phrase(asymptotic)}) is smaller than anything this many "
            "shuffles can resolve: they are too few to check the chi-square approximation "
            "here.",
        )
        items["paper_perm_summary"] = (
            "none",
            f"checks it only when some shuffles reach the observed chi-square (here none of "
            f"the {fixed.n_permutations:,} did: too few to check it{label})",
        )
        return items
    relation = _relation(asymptotic, fixed)
    sentence += (
        f"the chi-square reached the observed one in {fixed.n_reaching:,} shuffles, so "
        f"{_sig_phrase(perm)} (Monte Carlo 95% interval {interval_text(fixed)}, "
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
    items["paper_perm_sentence"] = (relation, sentence)
    items["paper_perm_summary"] = (
        relation,
        f"checks it (here {_sig(perm)} by permutation against {_sig(asymptotic)}{label})",
    )
    return items


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
    :func:`fixed_cut_test` and the same ``seed``, hence the same permutations as the
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
    frame.insert(1, columns[0], [_sig(p) for p in frame["p"]])
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
    follow-up at the best cut-off from :func:`followup_by_side`, differs) and how much the
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
    where = _relation(naive, fixed_best)
    if where == "below":
        first = (
            f"Testing the best cut-off as if it had been fixed in advance, but with a permutation "
            f"test instead of the chi-square approximation, already gives "
            f"{_sig(fixed)}, {_factor_text(approx)} times the naive p. That part of "
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
            f"test gives {_sig(fixed)}, "
            + (
                "above the naive p: the chi-square approximation errs on the cautious side "
                "here, and the whole gap is the search."
                if where == "above"
                else "and the naive p lies within its Monte Carlo interval: the permutations "
                "cannot tell whether the chi-square approximation contributes to the gap."
            )
        )
    gap = (
        f"The naive p at the best cut-off is {_sig(naive)}; corrected for the "
        f"search it is {_sig(perm)}, {_factor_text(perm / naive)} times "
        f"larger. {first} The search itself multiplies the fixed-cut-off permutation p "
        f"by {_factor_text(search)}."
    )
    if floor:
        gap = (
            f"The naive p at the best cut-off is {_sig(naive)}. With the "
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
    if bonf.asymptotic < perm and where == "below" and not floor:
        asym_clause = (
            f"is {_sig(bonf.asymptotic)}, below the permutation p of the "
            "search. That is not Bonferroni being too lenient: each of its terms is a "
            "chi-square tail, thinner here than the permutation tail (see above for why)."
        )
    elif bonf.asymptotic < perm and floor:
        asym_clause = (
            f"is {_sig(bonf.asymptotic)}, below the permutation p of the "
            "search, which with this many shuffles cannot go below about one over their "
            "number."
        )
    elif bonf.asymptotic < perm:
        asym_clause = f"is {_sig(bonf.asymptotic)}, below the permutation p of the search."
    else:
        asym_clause = f"is {_sig(bonf.asymptotic)}, not below the permutation p of the search."
    bonf_text = (
        f"Bonferroni bounds the chance that one of the {bonf.n_splits} different splits "
        f"reaches the observed maximum by the sum of their single chances. Taking each "
        f"chance from the chi-square distribution ({bonf.n_splits} × the naive p), the bound "
        f"{asym_clause} Taking each from the same shuffles, it is "
        f"{_sig(bonf.permutation)}"
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
    return {
        "best_fixed_p": (fixed, _sig(fixed)),
        "factor_approx": (approx, NOT_COMPUTABLE if floor else _factor_text(approx)),
        "factor_search": (search, NOT_COMPUTABLE if floor else _factor_text(search)),
        "bonf_asym": (bonf.asymptotic, _sig(bonf.asymptotic)),
        "bonf_perm": (bonf.permutation, _sig(bonf.permutation)),
        "gap_sentence": (where, gap),
        "bonferroni_sentence": (bonf.permutation >= perm, bonf_text),
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
        ("permutation p, corrected for the search", _sig(result.p_value)),
        ("Monte Carlo 95% interval (Clopper-Pearson)", interval_text(result)),
    ]
    return pd.DataFrame(rows, columns=["", "value"])


def real_data_note(synthetic: bool) -> str:
    """What the chapter's sweep says about the paper's patients, on the synthetic cohort
    (nothing beyond the published p) or on the reader's own cohort."""
    if synthetic:
        return (
            "The synthetic cohort was generated so that the book's analyses give back the "
            "paper's published numbers, among them the p-value at its cut-off. Nothing "
            "published constrains the other cut-offs, nor the permutation p-values: the shape "
            "of the sweep and every corrected p-value of this chapter are properties of the "
            "synthetic cohort, not findings about the paper's patients. On the real patients "
            "one would run exactly this chapter on their file (the parameter data_path)."
        )
    return (
        "These numbers come from your cohort; they say nothing about the paper's patients, "
        "whose sweep only their own file can show."
    )

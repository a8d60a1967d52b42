"""Chapter 11's numbers and sentences: what a sweep of cut-offs and its correction say.

The statistics are :mod:`nettx_utils.cutoffs` (the log-rank scan and the
maximally selected log-rank test); this module condenses them into the values
chapter 11 records and the sentences it glues, so that the chapter reads the
same on any cohort: a marker measured in nobody, or a sweep without an
admissible cut-off, gives "none" / "not computable" instead of an error.
Each function returns :data:`nettx_utils.prose.Items` (key -> value, text) for
:func:`nettx_utils.prose.record_all`.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from nettx_utils import cutoffs
from nettx_utils.cutoffs import MaxSelectedResult
from nettx_utils.prose import Items, number_text, p_text, share_text, value_text

__all__ = [
    "SCAN_FORMATS",
    "SearchCorrection",
    "best_split",
    "correction_items",
    "cut_test_items",
    "max_selected",
    "mib1_items",
    "mib1_summary",
    "parameter_items",
    "search_correction",
    "sweep_grid",
    "sweep_items",
    "verdict_items",
]

#: How the chapter prints a scan of :func:`nettx_utils.cutoffs.scan_cutoffs`.
SCAN_FORMATS = {"cutoff": "{:g}", "z": "{:.3f}", "chi2": "{:.3f}", "p_value": "{:.4f}"}


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


def cut_test_items(row: pd.Series) -> Items:
    """The log-rank test at one cut-off (a row of :func:`cutoffs.scan_cutoffs`): groups, z, p."""
    return {
        "paper_n_low": (int(row["n_low"]), None),
        "paper_n_high": (int(row["n_high"]), None),
        "paper_deaths_low": (int(row["deaths_low"]), None),
        "paper_deaths_high": (int(row["deaths_high"]), None),
        "paper_z": (row["z"], number_text(row["z"])),
        "paper_p": (row["p_value"], p_text(row["p_value"])),
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
    approximate p. NaN where the search has no defined statistic.
    """

    threshold: float
    critical: float
    fwer: float
    approx: float
    perm_p: float

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
    fwer = float((result.null_max >= threshold).mean())
    critical = float(np.quantile(result.null_max, 1 - alpha))
    approx = (
        cutoffs.lausen_schumacher_p(result.statistic, lower=min_fraction, upper=1 - min_fraction)
        if min_fraction > 0
        else math.nan
    )
    return SearchCorrection(threshold, critical, fwer, approx, perm_p)


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
        "perm_p": (correction.perm_p, p_text(correction.perm_p)),
        "approx_p": (correction.approx, p_text(correction.approx)),
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
        f"smallest unadjusted p {result.smallest_raw_p:.4f} at {result.cutoff:g}%, "
        f"permutation p {result.p_value:.4f}"
    )
    return result, result.table, summary


def mib1_items(
    months: Any,
    died: Any,
    mib1: Any,
    result: MaxSelectedResult | None,
    scan: pd.DataFrame,
    threshold: float,
) -> Items:
    """Mib-1's p at the chapter's threshold (from the scan, or a single test if the scan
    left it out), its smallest p and where, and the corrected p."""
    mib1 = np.asarray(mib1, dtype=float)
    n_mib1 = int(np.isfinite(mib1).sum())
    at = scan[np.isclose(scan["cutoff"].astype(float), threshold)]
    paper_p = float(at["p_value"].iloc[0]) if len(at) else math.nan
    if not np.isfinite(paper_p) and n_mib1 > 1:
        paper_p = float(cutoffs.scan_cutoffs(months, died, mib1, [threshold])["p_value"].iloc[0])

    def get(name: str) -> float:
        return getattr(result, name) if result is not None else math.nan

    return {
        "n_mib1": (n_mib1, None),
        "mib1_paper_p": (paper_p, p_text(paper_p)),
        "mib1_min_p": (get("smallest_raw_p"), p_text(get("smallest_raw_p"))),
        "mib1_min_cut": (get("cutoff"), value_text(get("cutoff"))),
        "mib1_perm_p": (get("p_value"), p_text(get("p_value"))),
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
) -> Items:
    """Two sentences: does the best split survive the correction, and is the chapter's
    cut-off (``at_cut``, its scan row) the best split of the sweep."""
    span = f"over {sweep_from:g} to {sweep_to:g} months, the best split's corrected p-value is"
    if not np.isfinite(perm_p):
        verdict = (
            "On this cohort the corrected p-value cannot be computed (too few patients, "
            "deaths or admissible cut-offs)."
        )
    elif perm_p < alpha:
        verdict = (
            f"On this cohort the split survives the correction: even allowing for a search "
            f"{span} {p_text(perm_p)}, below {alpha:g}."
        )
    else:
        verdict = (
            f"On this cohort the split does not survive the correction: allowing for a search "
            f"{span} {p_text(perm_p)}, not below {alpha:g}. The unadjusted "
            f"p = {p_text(at_cut['p_value'])} at {cut:g} months is evidence "
            "only if that cut-off was fixed in advance."
        )
    same_split = best is not None and int(best["n_low"]) == int(at_cut["n_low"])
    where = (
        "The paper's cut-off falls on the best split of the sweep, which is what one would "
        "see if the cut-off had been chosen by looking, but also what a true effect near that "
        "time would produce."
        if same_split
        else "The paper's cut-off is not the best split of the sweep on this cohort."
    )
    return {
        "verdict": (bool(np.isfinite(perm_p) and perm_p < alpha), verdict),
        "same_split": (bool(same_split), where),
    }

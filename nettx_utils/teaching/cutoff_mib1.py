"""Chapter 11: the maximally selected test over Mib-1 thresholds.

The sweep of every observed Mib-1 threshold and its one-sentence summary
(:func:`mib1_summary`), and what the chapter records about Mib-1 at its threshold
(:func:`mib1_items`). A cohort where Mib-1 is measured in fewer than 2 patients
gives "not computable" instead of an error.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from nettx_utils.pages.prose import (
    Items,
    p_significant,
    p_text,
    value_text,
)
from nettx_utils.stats import cutoffs
from nettx_utils.stats.cutoffs import MaxSelectedResult
from nettx_utils.teaching.cutoff_search import max_selected

__all__ = [
    "mib1_items",
    "mib1_summary",
]


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
        f"{result.cutoff:g}%, permutation p {p_significant(result.p_value)}"
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
        "mib1_perm_p": (get("p_value"), p_significant(get("p_value"))),
        "mib1_n_thresholds": (result.n_cutoffs if result is not None else 0, None),
    }

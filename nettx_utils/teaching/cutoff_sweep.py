"""Chapter 11: the sweep of cut-offs and what it says.

The log-rank scan of :func:`nettx_utils.stats.cutoffs.scan_cutoffs` as the chapter shows it
(:func:`scan_view`), the run's parameters as the prose names them, the test at the
chapter's cut-off, the sweep's smallest p and best split, and the verdict sentences:
does the best split survive the correction, and is the chapter's cut-off that split.
Each ``*_items`` function returns :data:`nettx_utils.pages.prose.Items` (key -> value,
text) for :func:`nettx_utils.pages.prose.record_all`; a cohort without an admissible
cut-off gives "none" instead of an error.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from nettx_utils.pages.prose import (
    Items,
    counted,
    number_text,
    p_phrase,
    p_significant,
    p_significant_phrase,
    p_text,
)

__all__ = [
    "SCAN_COUNT_COLUMNS",
    "SCAN_FORMATS",
    "SCAN_HEADERS",
    "best_split",
    "boundary_note",
    "cut_test_items",
    "parameter_items",
    "real_data_note",
    "scan_view",
    "sweep_counts_note",
    "sweep_grid",
    "sweep_items",
    "verdict_items",
]

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
    >>> from nettx_utils.stats import cutoffs
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
    (:func:`nettx_utils.teaching.cutoff_fixed.fixed_cut_test`), quoted beside its asymptotic p when known. A third
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
            f"{span} {p_significant(perm_p)}, below {alpha:g}."
        )
    else:
        verdict = (
            f"On this cohort the split does not survive the correction: allowing for a search "
            f"{span} {p_significant(perm_p)}, not below {alpha:g}. The unadjusted "
            f"{p_phrase(at_cut['p_value'])} at {cut:g} months"
            + (
                f" (by permutation, with the cut-off fixed: {p_significant(fixed_perm_p)})"
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
        f"{p_significant_phrase(at_cut['p_value'])} by the chi-square approximation, "
        f"{p_significant(fixed_perm_p)} by permutation, which does without the "
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

"""Variables derived from the cohort's columns, defined once for every notebook.

The paper groups patients in ways that are not columns of the data: early vs
late recurrence, Mib-1 categories, single vs multiple recurrence sites, the
presentation groups of its surgery-by-site statement. Each grouping is a
function here, so a notebook, a table and the score all use the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

RECURRENCE_SITES: dict[str, str] = {
    "abdominal_ln": "Abdominal lymph nodes",
    "thoracic_ln": "Thoracic lymph nodes",
    "peritoneum": "Peritoneum",
    "liver": "Liver",
    "lung": "Lung",
    "bone": "Bone",
    "other": "Other (brain, breast)",
}

PRESENTATIONS: dict[str, str] = {
    "locoregional_ln": "Locoregional lymph nodes",
    "distant_ln": "Distant lymph nodes",
    "lung_or_peritoneum": "Lung or peritoneum",
    "other_or_multiple": "Other or multiple sites",
}


def event_flags(flags: pd.Series) -> pd.Series:
    """A boolean column as 0/1 integers (missing counts as 0), for survival functions."""
    return flags.fillna(False).astype(int)


def os_from_lt_months(cohort: pd.DataFrame) -> pd.Series:
    """Overall survival time from LT: time to recurrence plus time from recurrence to last contact."""
    return cohort["months_lt_to_recurrence"] + cohort["months_recurrence_to_last_followup"]


def split_at(values: pd.Series, cutoff: float, labels: tuple[str, str]) -> pd.Series:
    """Two groups: ``values <= cutoff`` gets ``labels[0]``, ``> cutoff`` gets ``labels[1]``.

    Missing values stay missing. The paper's splits ("≤24 mo", "Mib-1 ≤2%") put
    the cut-off itself in the lower group.
    """
    out = pd.Series(pd.NA, index=values.index, dtype="object")
    out[values <= cutoff] = labels[0]
    out[values > cutoff] = labels[1]
    return pd.Categorical(out, categories=list(labels))


def recurrence_timing(cohort: pd.DataFrame, early_recurrence_months: float = 24) -> pd.Series:
    """``early`` when recurrence came at most ``early_recurrence_months`` after LT, else ``late``."""
    return split_at(cohort["months_lt_to_recurrence"], early_recurrence_months, ("early", "late"))


def timing_labels(early_recurrence_months: float = 24) -> dict[str, str]:
    """Printed labels of the early/late groups for a cut-off, e.g. ``≤24 mo`` and ``>24 mo``."""
    cut = f"{early_recurrence_months:g}"
    return {"early": f"≤{cut} mo", "late": f">{cut} mo"}


def mib1_group(values: pd.Series, cuts: Sequence[float] = (2, 20)) -> pd.Series:
    """Mib-1 categories ``≤a``, ``a–b``, ``>b`` (codes ``le2``, ``2to20``, ``gt20`` for the default)."""
    low, high = cuts
    codes = mib1_group_codes(cuts)
    out = pd.Series(pd.NA, index=values.index, dtype="object")
    out[values <= low] = codes[0]
    out[(values > low) & (values <= high)] = codes[1]
    out[values > high] = codes[2]
    return pd.Categorical(out, categories=codes)


def mib1_group_codes(cuts: Sequence[float] = (2, 20)) -> list[str]:
    low, high = cuts
    return [f"le{low:g}", f"{low:g}to{high:g}", f"gt{high:g}"]


def mib1_group_labels(cuts: Sequence[float] = (2, 20)) -> dict[str, str]:
    low, high = cuts
    codes = mib1_group_codes(cuts)
    return dict(
        zip(
            codes,
            [f"Mib-1 ≤{low:g}%", f"Mib-1 {low:g}%–{high:g}%", f"Mib-1 >{high:g}%"],
            strict=True,
        )
    )


def site_flags(cohort: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per recurrence site (missing read as absent)."""
    return pd.DataFrame(
        {
            site: cohort[f"recurrence_site_{site}"].fillna(False).astype(bool)
            for site in RECURRENCE_SITES
        },
        index=cohort.index,
    )


def recurrence_extent(cohort: pd.DataFrame) -> pd.Series:
    """``single`` when exactly one site is involved, ``multiple`` when more (missing when none)."""
    count = site_flags(cohort).sum(axis=1)
    out = pd.Series(pd.NA, index=cohort.index, dtype="object")
    out[count == 1] = "single"
    out[count > 1] = "multiple"
    return pd.Categorical(out, categories=["single", "multiple"])


def single_site(cohort: pd.DataFrame) -> pd.Series:
    """The one site of a single-site recurrence (missing for multiple-site recurrences)."""
    flags = site_flags(cohort)
    site = flags.idxmax(axis=1).where(flags.sum(axis=1) == 1)
    return pd.Categorical(site, categories=list(RECURRENCE_SITES))


def complete_removal(cohort: pd.DataFrame) -> pd.DataFrame:
    """Operations at recurrence that removed every site, as recorded and as the paper
    defines a complete removal (every site removed *and* a complete response on imaging
    3 months later; Sposito et al. 2021, Results).

    Returns a frame of boolean columns ``operated``, ``recorded`` (the surgeon marked
    every site removed) and ``complete`` (recorded and the response was CR).

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "surgery_at_recurrence": pd.array([True, True, True, False], dtype="boolean"),
    ...     "surgery_complete_removal": pd.array([True, True, False, None], dtype="boolean"),
    ...     "predominant_treatment_response": ["CR", "SD", "PD", "PR"],
    ... })
    >>> complete_removal(frame).sum().to_dict()
    {'operated': 3, 'recorded': 2, 'complete': 1}
    """
    operated = cohort["surgery_at_recurrence"].fillna(False).astype(bool)
    recorded = cohort["surgery_complete_removal"].fillna(False).astype(bool) & operated
    complete = recorded & (cohort["predominant_treatment_response"] == "CR")
    return pd.DataFrame({"operated": operated, "recorded": recorded, "complete": complete})


def pre_lt_lrt_count(cohort: pd.DataFrame) -> pd.Series:
    """Number of pre-LT locoregional treatments, 0 for a patient who had none.

    The data dictionary counts ``n_pre_lt_lrt`` only for patients with
    ``pre_lt_locoregional``; a blank there means no treatment, i.e. a count of 0.
    A blank count of a treated patient, or an unknown ``pre_lt_locoregional``, stays missing.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "pre_lt_locoregional": pd.array([True, False, True, None], dtype="boolean"),
    ...     "n_pre_lt_lrt": [3.0, None, None, None],
    ... })
    >>> pre_lt_lrt_count(frame).tolist()
    [3.0, 0.0, nan, nan]
    """
    treated = cohort["pre_lt_locoregional"].astype("boolean")
    counts = pd.to_numeric(cohort["n_pre_lt_lrt"], errors="coerce").astype("float64")
    untreated = (treated == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712
    return counts.mask(untreated & counts.isna().to_numpy(), 0.0)


def presentation(cohort: pd.DataFrame) -> pd.Series:
    """The four presentation groups of the paper's surgery-by-site statement.

    Single-site abdominal lymph nodes are locoregional or distant by
    ``recurrence_abdominal_ln_type``; single-site thoracic lymph nodes count as
    distant lymph nodes; single-site lung or peritoneum form one group; every
    other single site and every multiple-site recurrence form the last group.
    """
    site = pd.Series(single_site(cohort), index=cohort.index).astype("object")
    ln_type = cohort["recurrence_abdominal_ln_type"].astype("object")
    groups = np.select(
        [
            (site == "abdominal_ln") & (ln_type == "locoregional"),
            ((site == "abdominal_ln") & (ln_type == "distant")) | (site == "thoracic_ln"),
            site.isin(["lung", "peritoneum"]),
        ],
        ["locoregional_ln", "distant_ln", "lung_or_peritoneum"],
        default="other_or_multiple",
    )
    return pd.Categorical(groups, categories=list(PRESENTATIONS))


def percent_change(before: pd.Series, after: pd.Series) -> pd.Series:
    """Per-patient change from ``before`` to ``after`` in percent of ``before`` (missing if either is)."""
    return 100 * (after - before) / before.where(before != 0)


def mib1_changes(cohort: pd.DataFrame) -> dict[str, pd.Series]:
    """Per-patient % change of Mib-1: ``primary_lt`` (primary to LT), ``lt_recurrence``."""
    return {
        "primary_lt": percent_change(cohort["mib1_primary_pct"], cohort["mib1_lt_pct"]),
        "lt_recurrence": percent_change(cohort["mib1_lt_pct"], cohort["mib1_recurrence_pct"]),
    }


def up_competing_codes(cohort: pd.DataFrame) -> pd.Series:
    """Event codes for time to untreatable progression (UP) with death as a competing risk.

    1 = UP; 2 = died without UP (the UP time then ends at death); 0 = alive without
    UP at last contact (censored).
    """
    up = event_flags(cohort["untreatable_progression"])
    died = event_flags(cohort["died"])
    return pd.Series(np.where(up == 1, 1, np.where(died == 1, 2, 0)), index=cohort.index)


def events_between(times: pd.Series, events: pd.Series, start: float, stop: float) -> int:
    """How many events fall at a time in ``[start, stop)``.

    Used to describe where the steps of a Kaplan-Meier curve cluster (e.g. the
    untreatable progressions just before the 5-year landmark).

    Examples
    --------
    >>> events_between(pd.Series([10.0, 50.0, 55.0, 60.0]), pd.Series([1, 1, 0, 1]), 48, 60)
    1
    """
    times = pd.to_numeric(pd.Series(times), errors="coerce").to_numpy()
    flags = pd.Series(events).fillna(0).astype(bool).to_numpy()
    return int((flags & (times >= start) & (times < stop)).sum())

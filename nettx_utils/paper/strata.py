"""Surgery against other treatment within the Mib-1 strata at recurrence, and its prose.

The paper found surgery at recurrence associated with longer survival only among patients
with a low Mib-1. :func:`surgery_within_mib1_strata` repeats the comparison within each
stratum (the screen's log-rank test, :func:`nettx_utils.paper.univariable.univariable_screen`);
:func:`strata_table` shows it, and the text helpers say how many patients and deaths each
stratum holds, how often Mib-1 is missing by treatment, and how far the strata can support
a contrast. The formal test of a difference between strata is
:mod:`nettx_utils.paper.effect_modification`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nettx_utils.data import derived
from nettx_utils.paper.prognostic import DURATION, EVENT, default_screen
from nettx_utils.paper.univariable import screen_table, univariable_screen

__all__ = [
    "mib1_missing_by_treatment_text",
    "strata_contrast_text",
    "strata_sizes_text",
    "strata_support_text",
    "strata_table",
    "surgery_within_mib1_strata",
]


def strata_sizes_text(
    stratified: pd.DataFrame, count_label: str = "", death_label: str = ""
) -> str:
    """Patients and deaths of each stratum of :func:`surgery_within_mib1_strata`, in words.

    ``count_label`` follows the numbers of patients, ``death_label`` the numbers of deaths,
    so that a label sits next to the numbers it describes (the paper's Table 2 prints
    the patients in each Mib-1 stratum, not their deaths).

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> strata_sizes_text(surgery_within_mib1_strata(load_cohort(), 2), "", " [x]")
    'Mib-1 ≤2%: 7 patients; Mib-1 >2%: 14 patients; deaths in them: 3 and 5 [x]'
    """
    sums = stratified.groupby("stratum", sort=False)[["n", "deaths"]].sum()
    counts = "; ".join(
        f"{stratum}: {int(row.n)} patient{'s' * (row.n != 1)}" for stratum, row in sums.iterrows()
    )
    deaths = " and ".join(str(int(d)) for d in sums["deaths"])
    return f"{counts}{count_label}; deaths in them: {deaths}{death_label}"


def mib1_missing_by_treatment_text(cohort: pd.DataFrame, label: str = "") -> str:
    """How often Mib-1 at recurrence is missing among operated and other patients, in words.

    The strata of :func:`surgery_within_mib1_strata` hold only patients with a Mib-1 at
    recurrence; when it is missing more often in one treatment group, the stratified
    comparison keeps a different share of each group than the whole-cohort comparison.
    ``label`` follows the counts. Patients with no recorded treatment are left out.

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> mib1_missing_by_treatment_text(load_cohort())[:73]
    'Mib-1 at recurrence is missing for 3 of the 14 operated patients and 8 of'
    """
    operated = cohort["surgery_at_recurrence"].astype("boolean")
    missing = pd.to_numeric(cohort["mib1_recurrence_pct"], errors="coerce").isna()
    counts = {}
    for name, flag in (("operated", True), ("other", False)):
        members = (operated == flag).fillna(False).to_numpy(dtype=bool)
        counts[name] = (int(missing[members].sum()), int(members.sum()))
    (m1, n1), (m0, n0) = counts["operated"], counts["other"]
    numbers = (
        f"Mib-1 at recurrence is missing for {m1} of the {n1} operated patients and "
        f"{m0} of the {n0} others{label}"
    )
    if not n1 or not n0:
        return f"{numbers}; with one treatment group empty there is nothing to compare"
    if not m1 and not m0:
        return f"Mib-1 at recurrence is known for every patient with a recorded treatment{label}"
    if m1 * n0 == m0 * n1:
        return f"{numbers}: equally often in both groups, so the strata keep the same share of each"
    more = "operated patients" if m1 * n0 > m0 * n1 else "other patients"
    return (
        f"{numbers}: it is missing more often among the {more}, so the strata keep a "
        "different share of each treatment group than the whole-cohort comparison does, "
        "and if Mib-1 was measured more often in patients with a certain course (for "
        "example in resected specimens), the patients within each stratum are not a "
        "random part of their treatment group"
    )


def strata_support_text(
    cohort: pd.DataFrame, mib1_threshold_pct: float, landmark_months: float
) -> str:
    """What each Kaplan-Meier estimate of :func:`surgery_within_mib1_strata` at the landmark
    rests on (:func:`nettx_utils.stats.landmark.support_text`), stratum by stratum.

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> "carries the 0%" in strata_support_text(load_cohort(), 2, 60)
    True
    """
    from nettx_utils.stats.landmark import curve_support, support_text

    mib1 = pd.to_numeric(cohort["mib1_recurrence_pct"], errors="coerce")
    operated = cohort["surgery_at_recurrence"].astype("boolean")
    months = cohort[DURATION].astype(float).to_numpy()
    died = derived.event_flags(cohort[EVENT]).to_numpy(dtype=int)
    parts = []
    for stratum, members in (
        (f"Mib-1 ≤{mib1_threshold_pct:g}%", mib1 <= mib1_threshold_pct),
        (f"Mib-1 >{mib1_threshold_pct:g}%", mib1 > mib1_threshold_pct),
    ):
        for name, flag in (("surgery", True), ("no-surgery", False)):
            mask = (members & (operated == flag)).fillna(False).to_numpy(dtype=bool)
            if mask.any():
                support = curve_support(months[mask], died[mask], landmark_months)
                parts.append(support_text(support, landmark_months, f"{stratum} {name}"))
    return "; ".join(parts) if parts else "no stratum has patients"


def strata_contrast_text(stratified: pd.DataFrame, alpha: float = 0.05) -> str:
    """Why two per-stratum p-values do not answer the interaction question, in words that
    match the p-values of :func:`surgery_within_mib1_strata`.

    Examples
    --------
    >>> frame = pd.DataFrame({"stratum": ["a", "a", "b", "b"], "logrank_p": [0.2, 0.2, 0.01, 0.01]})
    >>> strata_contrast_text(frame)[:60]
    'a p-value below the threshold in one stratum but not in the '
    >>> strata_contrast_text(frame.assign(logrank_p=0.0001))[:45]
    'p-values below the threshold in both strata d'
    """
    p = stratified.groupby("stratum", sort=False)["logrank_p"].first().to_numpy(dtype=float)
    if len(p) != 2 or np.isnan(p).any():
        return (
            "separate p-values in each stratum (not computable in every stratum here) "
            "cannot show whether surgery works differently in the two"
        )
    below = int((p < alpha).sum())
    if below == 1:
        return (
            "a p-value below the threshold in one stratum but not in the other does not "
            "show that surgery works differently in the two"
        )
    where = "below" if below == 2 else "above"
    return (
        f"p-values {where} the threshold in both strata do not show that surgery works "
        "alike in the two"
    )


def strata_table(stratified: pd.DataFrame) -> pd.DataFrame:
    """:func:`surgery_within_mib1_strata` as a clinical table: a ``Stratum`` column, then
    :func:`screen_table`'s columns, surgery groups named "Surgery" and "No surgery".

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> table = strata_table(surgery_within_mib1_strata(load_cohort(), 2))
    >>> table[["Stratum", "Group", "Log-rank p"]].values.tolist()[:2]
    [['Mib-1 ≤2%', 'No surgery', '0.225'], ['', 'Surgery', '']]
    """
    parts = []
    for stratum, block in stratified.groupby("stratum", sort=False):
        table = screen_table(block.drop(columns="stratum").reset_index(drop=True))
        table = table.drop(columns=["Characteristic", "Split"])
        names = {"No": "No surgery", "Yes": "Surgery"}
        table["Group"] = table["Group"].map(names)
        for old, new in names.items():  # the screen's notes name the groups too
            table["Note"] = table["Note"].str.replace(rf"\bin {old}\b", f"in {new}", regex=True)
        table.insert(0, "Stratum", [stratum] + [""] * (len(table) - 1))
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


def surgery_within_mib1_strata(
    cohort: pd.DataFrame,
    mib1_threshold_pct: float = 2,
    *,
    landmark_years: float = 5,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Surgery at recurrence vs not, tested separately at low and at high Mib-1.

    The paper's stratified comparison: patients with Mib-1 at recurrence at most
    ``mib1_threshold_pct``, then above it (patients with no Mib-1 at recurrence are
    in neither stratum). Each stratum is the screen's surgery row
    (:func:`univariable_screen`) with a ``stratum`` column naming it, so an empty
    group or a stratum with no deaths gets the screen's note instead of an error.
    """
    mib1 = cohort["mib1_recurrence_pct"]
    strata = {
        f"Mib-1 ≤{mib1_threshold_pct:g}%": mib1 <= mib1_threshold_pct,
        f"Mib-1 >{mib1_threshold_pct:g}%": mib1 > mib1_threshold_pct,
    }
    surgery = [s for s in default_screen(cohort) if s.key == "surgery_at_recurrence"]
    parts = [
        univariable_screen(
            cohort[members], surgery, landmark_years=landmark_years, alpha=alpha
        ).assign(stratum=stratum)
        for stratum, members in strata.items()
    ]
    return pd.concat(parts, ignore_index=True)

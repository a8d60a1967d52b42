"""Targets of the synthetic cohort: its columns and the published numbers it reproduces.

Each target is (printed value, decimals); :func:`matches` says whether a computed
value prints as the paper's. Used by the searches, the seeded walk and the checks.
"""

from __future__ import annotations

import math

from nettx_utils.data.dictionary import load_dictionary

DEFAULT_SEED = 20210101
N = 32

_DICTIONARY = load_dictionary()
COLUMNS: tuple[str, ...] = tuple(_DICTIONARY.names)
"""The cohort's columns, in the data dictionary's order (the file's column order)."""

BOOLEAN_COLUMNS = frozenset(c.name for c in _DICTIONARY.columns if c.type == "boolean")
"""Columns written as 0/1."""


TARGETS: dict[str, tuple[float, int]] = {
    # Table 1 medians and IQRs (Mib-1 at LT also at the text's 3.25 (2-8), see below)
    "age_at_lt.q": (49.5, 1),
    "age_at_lt.q1": (40.0, 1),
    "age_at_lt.q3": (57.0, 1),
    "mib1_primary.q": (2, 0),
    "mib1_primary.q1": (1.0, 1),
    "mib1_primary.q3": (2.8, 1),
    "cga_lt.q": (222.5, 1),
    "cga_lt.q1": (60.0, 1),
    "cga_lt.q3": (320.8, 1),
    "n_pre_lt_lrt.q": (2, 0),
    "n_pre_lt_lrt.q1": (1, 0),
    "n_pre_lt_lrt.q3": (3, 0),
    "diagnosis_to_lt.q": (22.6, 1),
    "diagnosis_to_lt.q1": (14.1, 1),
    "diagnosis_to_lt.q3": (72.4, 1),
    "mib1_lt.q": (3.25, 2),
    "mib1_lt.q1": (2.0, 1),
    "mib1_lt.q3": (8.0, 1),
    # Table 2
    "age_at_recurrence.q": (55.0, 1),
    "age_at_recurrence.q1": (48.5, 1),
    "age_at_recurrence.q3": (60.3, 1),
    "lt_to_recurrence.q": (82.9, 1),
    "lt_to_recurrence.q1": (32.5, 1),
    "lt_to_recurrence.q3": (118.8, 1),
    "cga_recurrence.q": (111.9, 1),
    "cga_recurrence.q1": (56.0, 1),
    "cga_recurrence.q3": (145.4, 1),
    # Results text: Mib-1
    "mib1_recurrence.q": (9, 0),
    "mib1_recurrence.q1": (2, 0),
    "mib1_recurrence.q3": (18, 0),
    "mib1_change_primary_lt.q": (87.5, 1),
    "mib1_change_primary_lt.q1": (30, 0),
    "mib1_change_primary_lt.q3": (237.5, 1),
    "mib1_change_lt_recurrence.q": (108.3, 1),
    "mib1_change_lt_recurrence.q1": (0, 0),
    "mib1_change_lt_recurrence.q3": (350, 0),
    "mw.mib1_lt_vs_recurrence.p": (0.016, 3),
    "mw.mib1_changes.p": (0.701, 3),
    "spearman.diagnosis_to_lt_vs_change_primary_lt.rho": (-0.354, 3),
    "spearman.diagnosis_to_lt_vs_change_primary_lt.p": (0.047, 3),
    "spearman.lt_to_recurrence_vs_change_lt_recurrence.rho": (-0.155, 3),
    "spearman.lt_to_recurrence_vs_change_lt_recurrence.p": (0.502, 3),
    "spearman.diagnosis_to_lt_vs_lt_to_recurrence.rho": (-0.114, 3),
    "spearman.diagnosis_to_lt_vs_lt_to_recurrence.p": (0.536, 3),
    # Survival
    "os_lt.60": (90.6, 1),
    "os_lt.120": (79.6, 1),
    "os.60": (76.3, 1),
    "os.120": (45.5, 1),
    "os.median": (81, 0),
    "followup.median": (73.7, 1),
    "up.rate60": (57.2, 1),
    "os.early.60": (0.0, 1),
    "os.late.60": (89.5, 1),
    "logrank.timing.p": (0.001, 3),
    "os.surgery.60": (90.9, 1),
    "os.no_surgery.60": (64.5, 1),
    "logrank.surgery.p": (0.062, 3),
    "os.mib_gt2.surgery.60": (87.5, 1),
    "os.mib_gt2.no_surgery.60": (0.0, 1),
    "logrank.mib_gt2.p": (0.011, 3),
    "os.mib_le2.surgery.60": (100.0, 1),
    "os.mib_le2.no_surgery.60": (75.0, 1),
    "logrank.mib_le2.p": (0.225, 3),
    "cga_recurrence.surgery.q": (85.1, 1),
    "cga_recurrence.no_surgery.q": (132.5, 1),
    "mw.cga_recurrence_surgery.p": (0.038, 3),
}

#: Exact values the construction also holds (text and table printed differently).
EXACT_TARGETS: dict[str, float] = {
    "mib1_primary.q": 1.75,  # Table 1 prints 2, the Results text 1.75: 1.75 prints as both
    "mib1_lt.q1": 2.0,  # Table 1 2.0-8.0 and the text's 2-8
    "mib1_lt.q3": 8.0,
}


def matches(value: float, printed: float, decimals: int) -> bool:
    """Whether ``value`` prints as ``printed`` at ``decimals`` (a half matches either side)."""
    if value is None or not math.isfinite(value):
        return False
    return abs(value - printed) <= 0.5 * 10.0**-decimals + 1e-9


COUNT_TARGETS: dict[str, int] = {
    "sex=female": 15,
    "primary_site=ileum_cecum": 20,
    "primary_site=pancreas": 11,
    "primary_site=unknown": 1,
    "primary_functioning": 17,
    "carcinoid_syndrome": 11,
    "primary_t_stage=T1_T2": 8,
    "primary_t_stage=T3": 21,
    "primary_t_stage=T4": 3,
    "primary_who_grade=G1": 25,
    "primary_who_grade=G2": 7,
    "primary_n_stage=N0": 5,
    "primary_n_stage=N1": 27,
    "primary_n_site=locoregional": 14,
    "primary_n_site=mesenteric_artery": 15,
    "primary_n_site=splenic_celiac": 1,
    "primary_n_site=portal_vein": 2,
    "synchronous_liver_metastases": 28,
    "pre_lt_ssa": 30,
    "pre_lt_liver_resection": 8,
    "pre_lt_locoregional": 18,
    "pre_lt_chemotherapy": 6,
    "pre_lt_prrt": 1,
    "pre_lt_response=SD": 24,
    "pre_lt_response=PR": 6,
    "pre_lt_response=PD": 2,
    "milan_criteria": 25,
    "lymph_nodes_at_lt": 21,
    "acute_rejection": 4,
    "immunosuppression=tacrolimus": 26,
    "immunosuppression=cyclosporine": 6,
    "treatment_ssa": 20,
    "treatment_chemotherapy": 4,
    "treatment_prrt": 2,
    "surgery_at_recurrence": 14,
    "treatment_radiotherapy": 1,
    "treatment_none": 3,
    "predominant_treatment=ssa": 11,
    "predominant_treatment=chemotherapy": 3,
    "predominant_treatment=prrt": 2,
    "predominant_treatment=surgery": 14,
    "predominant_treatment=follow_up": 2,
    "predominant_treatment_response=CR": 12,
    "predominant_treatment_response=PR": 4,
    "predominant_treatment_response=SD": 13,
    "predominant_treatment_response=PD": 3,
    "cga_recurrence_elevated": 12,
    "died": 11,
    "death_cause=net_progression": 7,
    "death_cause=other": 4,
    "disease_free_at_last_followup": 4,
    "untreatable_progression": 11,
}


_NUMERIC_STATE = (
    "age_at_lt_years",
    "mib1_primary_pct",
    "cga_lt_ng_ml",
    "n_pre_lt_lrt",
    "months_diagnosis_to_lt",
    "mib1_lt_pct",
    "age_at_recurrence_years",
    "months_lt_to_recurrence",
    "cga_recurrence_ng_ml",
    "mib1_recurrence_pct",
    "surgery_at_recurrence",
    "months_recurrence_to_last_followup",
    "died",
    "disease_free_at_last_followup",
    "untreatable_progression",
    "months_recurrence_to_untreatable_progression",
)

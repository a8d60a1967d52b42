"""The synthetic cohort: 32 invented patients on which the book reproduces the paper.

The patient-level data of Sposito et al. (Transplantation 2021) are not public.
This module builds a SYNTHETIC cohort of 32 rows, in the columns of
``data/dictionary.yml``, on which the book's own analyses give back the numbers
the paper prints (Tables 1 and 2, the Results text, the survival figures) at
their printed precision. It describes no real patient.

How it is built (see ``book/synthetic_cohort.md`` for the long version):

1. **Exact by construction.** Every count of the tables is a fixed composition
   of the 32 rows. Every median and IQR is obtained by fixing the order
   statistics that SPSS's quartile rule (numpy ``method="weibull"``) reads.
2. **Searched once.** The parts that no simple construction gives (the order
   of deaths, censorings and untreatable progressions behind the Kaplan-Meier
   figures and log-rank tests, and the Mib-1 triples behind the percentage
   variations and the rank tests) were found by seeded simulated annealing
   (:func:`search_survival`, :func:`search_mib1`) and are stored in this
   module as the *base solution*.
3. **Seeded walk.** :func:`generate_cohort` starts from the base solution and
   takes a seeded random walk of small moves (jitter a time, a free value, swap
   two equivalent patients), accepting a move only if every target still holds.
   Non-numeric attributes are then attached by seeded draws under plausibility
   rules, and the rows are shuffled. Every seed therefore gives a different
   cohort that reproduces every target; the same seed gives the same cohort.
4. **Verified.** :func:`check_cohort` recomputes every target with lifelines,
   scipy and numpy under the book's conventions; ``generate_cohort`` refuses to
   return a cohort with an unmet target.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special

__all__ = [
    "COLUMNS",
    "DEFAULT_SEED",
    "TARGETS",
    "check_cohort",
    "generate_cohort",
    "write_cohort",
]

DEFAULT_SEED = 20210101
N = 32

COLUMNS: tuple[str, ...] = (
    "patient_id",
    "sex",
    "age_at_lt_years",
    "primary_site",
    "primary_functioning",
    "carcinoid_syndrome",
    "primary_t_stage",
    "mib1_primary_pct",
    "primary_who_grade",
    "primary_n_stage",
    "primary_n_site",
    "synchronous_liver_metastases",
    "cga_lt_ng_ml",
    "pre_lt_ssa",
    "pre_lt_liver_resection",
    "pre_lt_locoregional",
    "pre_lt_chemotherapy",
    "pre_lt_prrt",
    "n_pre_lt_lrt",
    "pre_lt_response",
    "milan_criteria",
    "months_diagnosis_to_lt",
    "lymph_nodes_at_lt",
    "mib1_lt_pct",
    "acute_rejection",
    "immunosuppression",
    "age_at_recurrence_years",
    "months_lt_to_recurrence",
    "cga_recurrence_ng_ml",
    "cga_recurrence_elevated",
    "mib1_recurrence_pct",
    "recurrence_site_abdominal_ln",
    "recurrence_abdominal_ln_type",
    "recurrence_site_thoracic_ln",
    "recurrence_site_peritoneum",
    "recurrence_site_liver",
    "recurrence_site_lung",
    "recurrence_site_bone",
    "recurrence_site_other",
    "treatment_ssa",
    "treatment_chemotherapy",
    "treatment_prrt",
    "surgery_at_recurrence",
    "treatment_radiotherapy",
    "treatment_none",
    "predominant_treatment",
    "predominant_treatment_response",
    "surgery_complete_removal",
    "months_recurrence_to_last_followup",
    "died",
    "death_cause",
    "disease_free_at_last_followup",
    "untreatable_progression",
    "months_recurrence_to_untreatable_progression",
)

BOOLEAN_COLUMNS = frozenset(
    {
        "primary_functioning",
        "carcinoid_syndrome",
        "synchronous_liver_metastases",
        "pre_lt_ssa",
        "pre_lt_liver_resection",
        "pre_lt_locoregional",
        "pre_lt_chemotherapy",
        "pre_lt_prrt",
        "milan_criteria",
        "lymph_nodes_at_lt",
        "acute_rejection",
        "cga_recurrence_elevated",
        "recurrence_site_abdominal_ln",
        "recurrence_site_thoracic_ln",
        "recurrence_site_peritoneum",
        "recurrence_site_liver",
        "recurrence_site_lung",
        "recurrence_site_bone",
        "recurrence_site_other",
        "treatment_ssa",
        "treatment_chemotherapy",
        "treatment_prrt",
        "surgery_at_recurrence",
        "treatment_radiotherapy",
        "treatment_none",
        "surgery_complete_removal",
        "died",
        "disease_free_at_last_followup",
        "untreatable_progression",
    }
)

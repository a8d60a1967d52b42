"""The stored base solution of the synthetic cohort, and how it is rebuilt.

:func:`build_base` chains the searches; its result (after the hand steps described in
book/synthetic_cohort.md) is the literal :data:`_BASE`, 16 numeric columns over 32
slots (slots 0-13 were operated on at recurrence). The ages are exactly
``search_ages(tr, T, died, seed=0)`` on the stored times, as ``build_base`` calls it.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from nettx_utils.synth_mib1 import search_mib1, search_mib1_ties
from nettx_utils.synth_search import (
    fit_untreatable_progression,
    search_ages,
    search_cga_lt,
    search_cga_recurrence,
    search_diagnosis_to_lt,
)
from nettx_utils.synth_targets import _NUMERIC_STATE, N


def _base_state() -> dict:
    return {k: np.array(v, dtype=float) for k, v in _BASE.items()}


def build_base(survival: dict, seed: int = 0) -> tuple[dict, dict[str, float]]:
    """All searches after the survival one: the numeric state of the base solution.

    ``survival`` is the result of :func:`search_survival` (lists ``T``, ``died``,
    ``up``, ``df``, ``mib``, ``tr`` over the 32 slots, slots 0-13 operated on).
    Returns the state and the final energy of each search (all 0 when solved).
    """
    energies: dict[str, float] = {}
    T = [float(x) for x in survival["T"]]
    tr = [float(x) for x in survival["tr"]]
    u, energies["untreatable_progression"] = fit_untreatable_progression(
        T, survival["died"], survival["up"], seed
    )
    mib, energies["mib1"] = search_mib1(list(survival["mib"]), tr, seed)
    p, lt = mib["mib1_primary_pct"], mib["mib1_lt_pct"]
    dx, energies["diagnosis_to_lt"] = search_diagnosis_to_lt(100 * (lt - p) / p, tr, seed)
    surgery = [k < 14 for k in range(N)]
    cga, energies["cga_recurrence"] = search_cga_recurrence(surgery, seed)
    cga_lt, energies["cga_lt"] = search_cga_lt(seed)
    ages, energies["ages"] = search_ages(tr, T, survival["died"], seed)
    n_lrt = [1.0] * 5 + [2.0] * 5 + [3.0] * 5 + [4.0, 5.0, 6.0] + [math.nan] * 14
    state = {
        "age_at_lt_years": ages["age_at_lt_years"],
        "mib1_primary_pct": p,
        "cga_lt_ng_ml": cga_lt,
        "n_pre_lt_lrt": np.array(n_lrt),
        "months_diagnosis_to_lt": dx,
        "mib1_lt_pct": lt,
        "age_at_recurrence_years": ages["age_at_recurrence_years"],
        "months_lt_to_recurrence": np.array(tr),
        "cga_recurrence_ng_ml": cga,
        "mib1_recurrence_pct": mib["mib1_recurrence_pct"],
        "surgery_at_recurrence": np.array(surgery, float),
        "months_recurrence_to_last_followup": np.array(T),
        "died": np.array(survival["died"], float),
        "disease_free_at_last_followup": np.array(survival["df"], float),
        "untreatable_progression": np.array(survival["up"], float),
        "months_recurrence_to_untreatable_progression": u,
    }
    state, repair = search_mib1_ties(state, seed)
    energies.update(repair)
    return state, energies


def _base_literal(state: dict) -> str:
    """Python source of a state, for pasting into _BASE (16 wrapped lists of 32 values)."""
    lines = ["# fmt: off", "_BASE: dict[str, list[float]] = {"]
    for k in _NUMERIC_STATE:
        vals = ", ".join("math.nan" if np.isnan(x) else repr(round(float(x), 2)) for x in state[k])
        lines.append(f'    "{k}": [')
        lines += textwrap.wrap(vals, 92, initial_indent=" " * 8, subsequent_indent=" " * 8)
        lines.append("    ],")
    lines += ["}", "# fmt: on"]
    return "\n".join(lines)


# fmt: off
_BASE: dict[str, list[float]] = {
    "age_at_lt_years": [
        21.0, 49.9, 26.1, 57.1, 50.8, 62.8, 40.7, 62.9, 47.3, 63.0, 23.5, 49.2, 37.7, 46.6,
        57.8, 47.2, 45.5, 63.0, 56.8, 30.0, 55.3, 56.6, 40.2, 52.4, 20.0, 44.9, 58.3, 39.9,
        23.1, 49.7, 57.4, 55.3
    ],
    "mib1_primary_pct": [
        2.0, 3.0, 6.1, 2.0, 5.6, 0.6, 1.4, 5.1, 0.6, 1.5, 2.0, 1.3, 1.1, 1.5, 0.9, 2.0, 1.5,
        2.2, 3.0, 0.3, 1.5, 0.9, 2.0, 1.0, 0.9, 1.4, 5.6, 2.0, 2.0, 5.6, 1.0, 3.0
    ],
    "cga_lt_ng_ml": [
        246.2, 1741.3, 4245.4, 1188.9, 119.0, 10.0, 225.3, 315.5, 269.9, 92.4, 497.2,
        1438.1, 1290.4, 35.3, 322.5, 25.0, 254.6, 89.9, 70.6, 42.1, 14.5, 244.8, 54.6,
        248.0, 106.2, 56.5, 213.6, 51.1, 104.1, 3580.6, 219.9, 225.1
    ],
    "n_pre_lt_lrt": [
        1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0, 3.0, 4.0, 5.0,
        6.0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan,
        math.nan, math.nan, math.nan, math.nan, math.nan, math.nan
    ],
    "months_diagnosis_to_lt": [
        73.8, 137.0, 21.9, 8.9, 147.6, 18.1, 73.5, 16.7, 9.7, 133.5, 68.9, 12.4, 40.8, 29.9,
        21.4, 22.1, 12.4, 152.7, 66.3, 13.3, 177.5, 6.5, 110.5, 20.9, 23.2, 14.0, 51.3,
        44.7, 17.0, 7.3, 14.4, 64.8
    ],
    "mib1_lt_pct": [
        4.0, 3.0, 8.0, 3.5, 11.2, 8.0, 1.8, 28.0, 2.1, 9.0, 6.0, 2.0, 1.7, 1.8, 6.7, 4.0,
        1.7, 2.2, 3.0, 2.0, 2.3, 8.5, 3.0, 1.3, 1.8, 8.5, 9.5, 6.0, 4.0, 8.0, 2.0, 3.0
    ],
    "age_at_recurrence_years": [
        22.0, 50.9, 42.1, 71.9, 58.8, 74.6, 49.7, 69.1, 53.8, 74.5, 33.0, 58.2, 48.3, 51.8,
        70.1, 48.9, 56.1, 71.9, 58.6, 35.0, 61.6, 60.2, 48.2, 59.5, 21.8, 50.7, 59.6, 49.6,
        33.2, 52.3, 60.3, 56.6
    ],
    "months_lt_to_recurrence": [
        13.0, 13.0, 190.4, 179.6, 95.4, 141.5, 109.6, 73.0, 80.3, 136.3, 115.7, 109.4,
        128.1, 60.5, 150.0, 20.4, 126.6, 106.7, 20.6, 61.7, 77.9, 44.4, 95.4, 85.5, 20.5,
        71.5, 14.7, 116.4, 119.6, 31.0, 37.0, 14.7
    ],
    "cga_recurrence_ng_ml": [
        128.6, 55.5, 28.3, 44.0, 111.6, 49.8, 139.3, 100.1, 715.9, 70.2, 12.0, 123.7, 15.3,
        107.4, 835.6, 12.0, 175.3, 73.8, 133.3, 57.4, 619.7, 589.8, 112.1, 144.4, 50.7,
        119.7, 468.3, 63.6, 356.7, 131.8, 145.7, 92.6
    ],
    "mib1_recurrence_pct": [
        15.0, 25.0, math.nan, 14.0, 60.0, 17.5, 19.0, 56.0, 2.0, 9.0, math.nan, 2.0,
        math.nan, 1.8, math.nan, 15.0, 1.7, math.nan, math.nan, 2.0, math.nan, 8.5,
        math.nan, math.nan, 9.0, math.nan, math.nan, 12.5, 9.0, 2.0, 2.0, 24.0
    ],
    "surgery_at_recurrence": [
        1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    ],
    "months_recurrence_to_last_followup": [
        35.6, 48.3, 14.5, 186.5, 56.7, 170.5, 177.6, 123.5, 79.4, 55.2, 78.8, 18.7, 10.6,
        51.9, 81.4, 34.4, 75.2, 199.0, 43.8, 47.5, 26.6, 8.4, 73.7, 78.1, 9.0, 79.7, 7.2,
        39.2, 6.0, 78.1, 32.4, 53.6
    ],
    "died": [
        1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0
    ],
    "disease_free_at_last_followup": [
        0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    ],
    "untreatable_progression": [
        0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0,
        1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0
    ],
    "months_recurrence_to_untreatable_progression": [
        35.6, 48.3, 14.5, 186.5, 56.7, 55.8, 177.6, 123.5, 50.2, 55.2, 78.8, 18.7, 10.6,
        51.9, 47.5, 34.4, 75.2, 51.9, 43.8, 47.5, 26.6, 8.4, 56.9, 58.7, 9.0, 79.7, 2.3,
        10.1, 6.0, 56.3, 21.7, 35.1
    ],
}
# fmt: on

"""The stored base solution of the synthetic cohort, and how it is rebuilt.

:data:`_BASE` holds 16 numeric columns over 32 slots (slots 0-13 were operated on at
recurrence). :func:`build_base` is the whole chain of searches after the survival one,
with the stored seeds (:data:`BASE_SEEDS`) and the three finishing steps that were
first made by hand (:func:`tie_recurrence_times`, :func:`tie_mib1_rises`,
:func:`lower_g1_primaries`). From the stored survival solution
(``survival_of(_base_state())``), :func:`build_outcome_columns` gives back 12 of the 16
columns value for value (tests/test_synth.py). The three Mib-1 columns (primary, LT,
recurrence) and the times from diagnosis to LT are the recorded result of continued
runs of :func:`search_mib1` and :func:`search_mib1_ties` whose starting points were not
kept: a run from scratch finds other values (book/synthetic_cohort.md).
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from nettx_utils.synth.fast_stats import _fast_problems
from nettx_utils.synth.mib1 import search_mib1, search_mib1_ties
from nettx_utils.synth.search import (
    fit_untreatable_progression,
    search_ages,
    search_cga_lt,
    search_cga_recurrence,
    search_diagnosis_to_lt,
)
from nettx_utils.synth.targets import _NUMERIC_STATE, N

#: Seeds that built the stored base: 2 for the first build; the ages were searched again
#: with seed 0 when they had to balance the univariable screen. The Mib-1 searches were
#: continued from earlier runs, so their seeds here do not give the stored values.
BASE_SEEDS = {
    "untreatable_progression": 2,
    "cga_recurrence": 2,
    "cga_lt": 2,
    "ages": 0,
    "mib1": 2,
    "diagnosis_to_lt": 2,
    "mib1_ties": 2,
}
#: The columns that depend on the Mib-1 searches; :func:`build_outcome_columns` gives
#: the others.
MIB1_COLUMNS = (
    "mib1_primary_pct",
    "mib1_lt_pct",
    "mib1_recurrence_pct",
    "months_diagnosis_to_lt",
)


def _base_state() -> dict:
    return {k: np.array(v, dtype=float) for k, v in _BASE.items()}


def survival_of(state: dict) -> dict:
    """The survival columns of a numeric state, in the form :func:`search_survival` returns.

    ``mib`` is the recurrence Mib-1 category: 2 above 2%, 1 up to 2%, 0 not measured.
    """
    r = np.asarray(state["mib1_recurrence_pct"], float)
    return {
        "T": [float(x) for x in state["months_recurrence_to_last_followup"]],
        "died": [int(x) for x in state["died"]],
        "up": [int(x) for x in state["untreatable_progression"]],
        "df": [int(x) for x in state["disease_free_at_last_followup"]],
        "mib": [0 if math.isnan(x) else 2 if x > 2 else 1 for x in r],
        "tr": [float(x) for x in state["months_lt_to_recurrence"]],
    }


def tie_recurrence_times(survival: dict) -> dict:
    """Finishing step 1: slot 1's time from LT to recurrence becomes slot 0's (13.0 months).

    The survival search gave slot 1 9.9 months. With two equal times the Spearman
    correlation of the LT-to-recurrence Mib-1 variation with the time to recurrence
    reaches the printed rho -0.155, p 0.502 (with 9.9: -0.159, p 0.492). Both stay early
    recurrences, so no survival target moves. Applied first, since the ages' search
    reads the times.
    """
    tr = [float(x) for x in survival["tr"]]
    tr[1] = tr[0]
    return {**survival, "tr": tr}


def tie_mib1_rises(state: dict) -> dict:
    """Finishing step 2: slot 15's Mib-1 at LT and at recurrence become slot 0's (4 and 15%).

    Both slots rise by exactly 275% from LT to recurrence. The tie structure left by
    :func:`search_mib1_ties` fixes a lattice of attainable Spearman rho values that
    jumps over the narrow window printing as -0.155 with p 0.502; this pair of equal
    variations (and :func:`tie_recurrence_times`) puts the correlation inside it.
    """
    s = {k: np.array(v, float) for k, v in state.items()}
    for name in ("mib1_lt_pct", "mib1_recurrence_pct"):
        s[name][15] = s[name][0]
    return s


def lower_g1_primaries(state: dict) -> dict:
    """Finishing step 3: primary Mib-1 values of 2.1% become 2.0%.

    The seven highest primaries are the G2 ones (Table 1); Table 1's third quartile
    of 2.8 needs an eighth primary above 2%, so a G1 primary must exceed the WHO 2010
    G1 limit. The ties search left two more at 2.1%; at 2.0% only two remain (2.2% and
    3.0%), and every target still holds.
    """
    s = {k: np.array(v, float) for k, v in state.items()}
    p = s["mib1_primary_pct"]
    p[np.isclose(p, 2.1)] = 2.0
    return s


def build_outcome_columns(
    survival: dict, seeds: dict[str, int] = BASE_SEEDS
) -> tuple[dict, dict[str, float]]:
    """Every column of the base that does not depend on the Mib-1 searches.

    The survival solution (after :func:`tie_recurrence_times`), the times to
    untreatable progression, both CgA series, the ages, surgery and the numbers of
    pre-LT locoregional treatments; with :data:`BASE_SEEDS` these are the stored values.
    Returns the columns and the final energy of each search (all 0 when solved).
    """
    survival = tie_recurrence_times(survival)
    T, tr, died = survival["T"], survival["tr"], survival["died"]
    e: dict[str, float] = {}
    u, e["untreatable_progression"] = fit_untreatable_progression(
        T, died, survival["up"], seeds["untreatable_progression"]
    )
    surgery = [k < 14 for k in range(N)]
    cga, e["cga_recurrence"] = search_cga_recurrence(surgery, seeds["cga_recurrence"])
    cga_lt, e["cga_lt"] = search_cga_lt(seeds["cga_lt"])
    ages, e["ages"] = search_ages(tr, T, died, seeds["ages"])
    n_lrt = [1.0] * 5 + [2.0] * 5 + [3.0] * 5 + [4.0, 5.0, 6.0] + [math.nan] * 14
    columns = {
        "age_at_lt_years": ages["age_at_lt_years"],
        "cga_lt_ng_ml": cga_lt,
        "n_pre_lt_lrt": np.array(n_lrt),
        "age_at_recurrence_years": ages["age_at_recurrence_years"],
        "months_lt_to_recurrence": np.array(tr, float),
        "cga_recurrence_ng_ml": cga,
        "surgery_at_recurrence": np.array(surgery, float),
        "months_recurrence_to_last_followup": np.array(T, float),
        "died": np.array(died, float),
        "disease_free_at_last_followup": np.array(survival["df"], float),
        "untreatable_progression": np.array(survival["up"], float),
        "months_recurrence_to_untreatable_progression": u,
    }
    return columns, e


def build_base(survival: dict, seeds: dict[str, int] = BASE_SEEDS) -> tuple[dict, dict[str, float]]:
    """All searches after the survival one, and the finishing steps: a numeric base state.

    ``survival`` is the result of :func:`search_survival` (lists ``T``, ``died``,
    ``up``, ``df``, ``mib``, ``tr`` over the 32 slots, slots 0-13 operated on).
    :func:`build_outcome_columns`, then :func:`search_mib1`,
    :func:`search_diagnosis_to_lt` and :func:`search_mib1_ties`, then
    :func:`finish_mib1`. Returns the state and the final energy of each search (all 0
    when solved). Takes about 90 s; its Mib-1 columns are not the stored ones (module
    docstring).
    """
    state, energies = build_outcome_columns(survival, seeds)
    survival = tie_recurrence_times(survival)
    tr = survival["tr"]
    mib, energies["mib1"] = search_mib1(list(survival["mib"]), tr, seeds["mib1"])
    p, lt = mib["mib1_primary_pct"], mib["mib1_lt_pct"]
    dx, energies["diagnosis_to_lt"] = search_diagnosis_to_lt(
        100 * (lt - p) / p, tr, seeds["diagnosis_to_lt"]
    )
    state = {**state, **mib, "months_diagnosis_to_lt": dx}
    state = {k: state[k] for k in _NUMERIC_STATE}
    state, repair = search_mib1_ties(state, seeds["mib1_ties"])
    energies.update(repair)
    return finish_mib1(state), energies


def finish_mib1(state: dict) -> dict:
    """:func:`tie_mib1_rises`, then :func:`lower_g1_primaries`, each kept if it breaks no target.

    Both steps name the stored solution's slots and values; on another Mib-1 solution
    (a run from scratch) they can break targets instead, and are then left out.
    """
    for step in (tie_mib1_rises, lower_g1_primaries):
        done = step(state)
        if set(_fast_problems(done)) <= set(_fast_problems(state)):
            state = done
    return state


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

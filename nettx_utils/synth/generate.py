"""The synthetic cohort: 32 invented patients on which the book reproduces the paper.

The patient-level data of Sposito et al. (Transplantation 2021) are not public.
This module builds a SYNTHETIC cohort of 32 rows, in the columns of
``data/dictionary.yml``, on which the book's own analyses give back the numbers
the paper prints (Tables 1 and 2, the Results text, the survival figures) at
their printed precision. It describes no real patient.

How it is built (see ``book/synthetic_cohort.md`` for the long version):

1. **Exact by construction.** Every count of the tables is a fixed composition
   of the 32 rows (the numbers of pre-LT locoregional treatments are a fixed list).
   Only some medians and IQRs are built by fixing the order statistics that SPSS's
   quartile rule (numpy ``method="weibull"``) reads: the times from LT to
   recurrence (the starting values of the survival search, which only permutes
   them) and the Mib-1 values at the three moments (the specification from which
   :func:`search_mib1` starts). The other medians and IQRs are not constructed:
   the searches of point 2 reach them with a penalty for every quartile away from
   the printed value (``_quartile_miss`` in :mod:`~nettx_utils.synth.search`).
2. **Searched once.** The parts that no simple construction gives were found by
   seeded simulated annealing: the order of deaths, censorings and untreatable
   progressions behind the Kaplan-Meier figures and log-rank tests
   (:func:`search_survival`, :func:`fit_untreatable_progression`); the Mib-1
   triples behind the percentage variations and the rank tests
   (:func:`search_mib1`, and :func:`search_mib1_ties` for the exact ties that the
   Mann-Whitney p of the two variations needs); the pairings of CgA at recurrence
   with surgery, of the times from diagnosis to LT with the Mib-1 variation and of
   the ages with the times to recurrence and the survival times
   (:func:`search_cga_recurrence`,
   :func:`search_diagnosis_to_lt`, :func:`search_ages`); and the values of CgA
   before LT, which only their printed quartiles constrain (:func:`search_cga_lt`).
   Three small coded steps finish them, and the result is stored as the *base
   solution* in :mod:`~nettx_utils.synth.base`, whose ``build_base`` is the whole
   chain (it gives back the stored values except the Mib-1 triples and the times
   from diagnosis to LT, see that module).
3. **Seeded walk.** :func:`generate_cohort` starts from the base solution and
   takes a seeded random walk of small moves (jitter a time, a free value, swap
   two equivalent patients), accepting a move only if every target still holds.
   Non-numeric attributes are then attached by seeded draws under plausibility
   rules, drawn again until the univariable screen finds no characteristic but
   the time from LT to recurrence significant (as the paper), and the rows are
   shuffled. Every seed therefore gives a different cohort that reproduces every
   target; the same seed gives the same cohort.
4. **Verified.** :func:`check_cohort` recomputes every target with lifelines,
   scipy, numpy and the book's univariable screen under the book's conventions;
   ``generate_cohort`` refuses to return a cohort with any unmet target.

This module generates and writes the cohort; the parts live in
:mod:`~nettx_utils.synth.targets` (columns and targets),
:mod:`~nettx_utils.synth.fast_stats` (fast statistics for the searches and the walk),
:mod:`~nettx_utils.synth.search` and :mod:`~nettx_utils.synth.mib1` (the searches),
:mod:`~nettx_utils.synth.base` (the stored base solution),
:mod:`~nettx_utils.synth.attributes` (non-numeric columns) and
:mod:`~nettx_utils.synth.verify` (the checks).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from nettx_utils.data import datapackage
from nettx_utils.data.datapackage import file_sha256
from nettx_utils.errors import NettxError
from nettx_utils.synth.attributes import _attach
from nettx_utils.synth.base import _base_state
from nettx_utils.synth.fast_stats import _fast_problems
from nettx_utils.synth.targets import BOOLEAN_COLUMNS, COLUMNS, DEFAULT_SEED, TARGETS, N
from nettx_utils.synth.verify import check_cohort, screen_balanced, screen_specs

__all__ = [
    "COLUMNS",
    "DEFAULT_SEED",
    "TARGETS",
    "check_cohort",
    "generate_cohort",
    "is_synthetic_file",
    "write_cohort",
]
# values that the walk may jitter (one decimal), with their hard limits
_JITTER = {
    "months_recurrence_to_last_followup": (6.0, 200.0, 2.0),
    "months_recurrence_to_untreatable_progression": (0.5, 200.0, 2.0),
    "months_lt_to_recurrence": (3.0, 240.0, 2.0),
    "months_diagnosis_to_lt": (6.5, 200.0, 2.0),
    "cga_recurrence_ng_ml": (12.0, 950.0, 5.0),
    "cga_lt_ng_ml": (10.0, 5000.0, 10.0),
    "age_at_lt_years": (20.0, 63.0, 0.5),
    "mib1_primary_pct": (0.3, 20.0, 0.3),
    "mib1_lt_pct": (0.5, 40.0, 0.5),
    "mib1_recurrence_pct": (0.5, 80.0, 0.5),
}


def _walk(state: dict, rng: np.random.Generator, steps: int) -> dict:
    """Seeded random walk inside the set of cohorts that meet every target.

    Each step proposes one small change (jitter a value, or swap a value
    between two patients); it is kept only if every target and rule still
    holds, so the walk never leaves the feasible set.
    """
    s = {k: v.copy() for k, v in state.items()}

    def still_ok(state: dict) -> bool:
        return not _fast_problems(state)

    names = list(_JITTER)
    for _ in range(steps):
        name = names[int(rng.integers(len(names)))]
        lo, hi, scale = _JITTER[name]
        x = s[name]
        i = int(rng.integers(N))
        if np.isnan(x[i]):
            continue
        old_x = x.copy()
        old_age = s["age_at_recurrence_years"].copy()
        if rng.random() < 0.75:
            x[i] = round(float(np.clip(x[i] + rng.normal(0, scale), lo, hi)), 1)
        else:
            j = int(rng.integers(N))
            if np.isnan(x[j]):
                continue
            x[i], x[j] = x[j], x[i]
        if name == "months_recurrence_to_last_followup":
            # keep UP times of patients without UP equal to their follow-up
            u = s["months_recurrence_to_untreatable_progression"]
            no_up = s["untreatable_progression"] == 0
            u[no_up] = x[no_up]
        if name == "age_at_lt_years":
            s["age_at_recurrence_years"] = np.round(
                x
                + s["months_lt_to_recurrence"] / 12
                + (old_age - old_x - s["months_lt_to_recurrence"] / 12),
                1,
            )
        if (
            name == "months_recurrence_to_untreatable_progression"
            and not s["untreatable_progression"][i]
        ):
            x[:] = old_x
            continue
        if not still_ok(s):
            x[:] = old_x
            s["age_at_recurrence_years"] = old_age
            if name == "months_recurrence_to_last_followup":
                u = s["months_recurrence_to_untreatable_progression"]
                no_up = s["untreatable_progression"] == 0
                u[no_up] = x[no_up]
    return s


def generate_cohort(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The synthetic cohort for ``seed``: 32 rows in dictionary column order.

    Deterministic for a seed; every seed meets every target of :func:`check_cohort`
    (a seed that cannot raises :class:`~nettx_utils.errors.NettxError` naming it).
    """
    rng = np.random.default_rng(seed)
    state = _walk(_base_state(), rng, steps=_WALK_STEPS)
    slots, _ = draw_attributes(state, rng, seed)
    order = rng.permutation(N)
    cohort = slots.iloc[order].reset_index(drop=True)
    cohort.insert(0, "patient_id", [f"SYN-{k + 1:02d}" for k in range(N)])
    cohort = cohort[list(COLUMNS)]
    problems = check_cohort(cohort)
    if problems:
        raise NettxError(
            f"seed {seed}: the synthetic cohort misses targets ({'; '.join(problems)}); "
            "try another --seed"
        )
    return cohort


_WALK_STEPS = 300
#: Draws of the attributes before a seed is given up. Measured over the seeds 0-30:
#: 2 to 139 draws (median 29), 20-50 ms each, so a refused seed costs at most ~20 s
#: (book/synthetic_cohort.md).
ATTRIBUTE_DRAWS = 400


def draw_attributes(
    state: dict, rng: np.random.Generator, seed: int, limit: int = ATTRIBUTE_DRAWS
) -> tuple[pd.DataFrame, int]:
    """Non-numeric attributes for a numeric state, drawn until the screen is balanced.

    Draws :func:`~nettx_utils.synth.attributes._attach` from ``rng`` until no
    characteristic but the time from LT to recurrence has log-rank p < 0.05 (the
    paper's univariable result). Returns the slots and the number of draws; after
    ``limit`` draws raises :class:`~nettx_utils.errors.NettxError` naming ``seed``.
    """
    specs = None
    for draw in range(1, limit + 1):
        slots = _attach(state, rng)
        if specs is None:
            specs = screen_specs(slots)
        if screen_balanced(slots, specs):
            return slots, draw
    raise NettxError(
        f"seed {seed}: no draw of the non-numeric attributes in {limit} leaves the time "
        "from LT to recurrence the only significant characteristic; try another --seed"
    )


def _cell(value: object, name: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if name in BOOLEAN_COLUMNS or name == "n_pre_lt_lrt":
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.2f}".rstrip("0").rstrip(".")
    return str(value)


def write_cohort(cohort: pd.DataFrame, path: Path, *, seed: int) -> None:
    """Write the cohort as a plain CSV and its Data Package descriptor beside it.

    The CSV starts with its header row (no comment lines), so every tool reads
    it with its defaults; ``datapackage.json`` in the same folder says that the
    data are synthetic, names the generator, the seed and the licence, records the
    file's SHA-256 and carries the Table Schema generated from the data dictionary
    (:mod:`nettx_utils.data.datapackage`).

    Raises
    ------
    NettxError
        Before writing anything, when the folder holds a ``datapackage.json``
        that the generator did not write.
    """
    path = Path(path)
    datapackage.check_writable(datapackage.descriptor_path(path))
    lines = [",".join(COLUMNS)]
    for _, row in cohort[list(COLUMNS)].iterrows():
        lines.append(",".join(_cell(row[c], c) for c in COLUMNS))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    datapackage.write_descriptor(path, seed=seed, rows=len(cohort))


def is_synthetic_file(path: Path) -> bool:
    """Whether ``path`` is a cohort file that :func:`write_cohort` wrote, unchanged since.

    True when the ``datapackage.json`` beside it was written by the generator,
    describes a resource of that file name, and records the file's SHA-256
    (:func:`~nettx_utils.data.datapackage.file_sha256`: CRLF read as LF). A generated file
    edited by hand, or any other file, is not.
    """
    path = Path(path)
    descriptor = datapackage.read_descriptor(datapackage.descriptor_path(path))
    entry = datapackage.resource(descriptor) if descriptor else None
    recorded = datapackage.recorded_sha256(descriptor)
    if entry is None or entry.get("path") != path.name or recorded is None:
        return False
    try:
        return path.is_file() and file_sha256(path) == recorded
    except OSError:
        return False


if __name__ == "__main__":  # pragma: no cover - convenience entry point
    import argparse

    parser = argparse.ArgumentParser(description="Write the synthetic nettx cohort.")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path("data/cohort.csv"))
    args = parser.parse_args()
    write_cohort(generate_cohort(args.seed), args.out, seed=args.seed)
    print(f"wrote {args.out} (seed {args.seed}): synthetic, every target met")

"""Shared fixtures: small valid cohorts built from the data dictionary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nettx_utils.data.dictionary import load_dictionary

ROOT = Path(__file__).resolve().parents[1]


def random_cohort(n: int = 12, seed: int = 0) -> pd.DataFrame:
    """A cohort of ``n`` random patients that obeys every dictionary rule (as text cells)."""
    rng = np.random.default_rng(seed)
    dictionary = load_dictionary()
    data: dict[str, object] = {}
    for column in dictionary.columns:
        if column.type == "id":
            data[column.name] = [f"T-{i:03d}" for i in range(n)]
        elif column.type == "boolean":
            data[column.name] = rng.integers(0, 2, n)
        elif column.type == "category":
            data[column.name] = rng.choice(list(column.levels), n)
        elif column.type == "integer":
            data[column.name] = rng.integers(0, 5, n)
        else:
            data[column.name] = np.round(rng.uniform(1, 90, n), 1)
    cohort = pd.DataFrame(data)
    cohort["mib1_primary_pct"] = np.round(rng.uniform(0.5, 10, n), 1)
    cohort["months_recurrence_to_untreatable_progression"] = np.round(
        cohort["months_recurrence_to_last_followup"] * rng.uniform(0.2, 1, n), 1
    )
    cohort.loc[cohort["died"] == 0, "death_cause"] = ""
    cohort.loc[cohort["died"] == 1, "disease_free_at_last_followup"] = 0
    cohort.loc[cohort["died"] == 1, "death_cause"] = "net_progression"
    cohort["recurrence_site_abdominal_ln"] = 1
    return cohort


@pytest.fixture(scope="session")
def default_book(tmp_path_factory):
    """The whole book built once with the default parameters (slow: about a minute)."""
    from nettx_utils.build import pipeline

    build_dir = tmp_path_factory.mktemp("default_book")
    return pipeline.run(build_dir=build_dir, report=lambda line: None)


@pytest.fixture(scope="session")
def changed_book(tmp_path_factory):
    """The whole book built with other cut-offs than the paper's."""
    from nettx_utils.build import pipeline

    build_dir = tmp_path_factory.mktemp("changed_book")
    parameters = {"early_recurrence_months": 36, "mib1_threshold_pct": 5}
    return pipeline.run(build_dir=build_dir, parameters=parameters, report=lambda line: None)


@pytest.fixture
def cohort_file(tmp_path: Path) -> Path:
    """A valid random cohort written as CSV."""
    path = tmp_path / "cohort.csv"
    random_cohort().to_csv(path, index=False)
    return path

"""The execution cache and parallel execution of the pipeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nettx_utils import pipeline
from nettx_utils.cohort import DEFAULT_COHORT
from nettx_utils.record import read_record


@pytest.fixture
def notebook(tmp_path) -> Path:
    path = tmp_path / "01_cohort.ipynb"
    shutil.copy2(pipeline.NOTEBOOK_DIR / "01_cohort.ipynb", path)
    return path


@pytest.fixture
def cohort(tmp_path) -> Path:
    path = tmp_path / "cohort.csv"
    shutil.copy2(DEFAULT_COHORT, path)
    return path


def test_key_is_stable_when_nothing_changes(notebook, cohort):
    assert pipeline.notebook_key(notebook, {"a": 1}, cohort) == pipeline.notebook_key(
        notebook, {"a": 1}, cohort
    )


def test_key_changes_with_source_parameters_cohort_and_package(notebook, cohort, monkeypatch):
    base = pipeline.notebook_key(notebook, {"a": 1}, cohort)
    assert pipeline.notebook_key(notebook, {"a": 2}, cohort) != base

    with cohort.open("a") as handle:
        handle.write("\n")
    changed_cohort = pipeline.notebook_key(notebook, {"a": 1}, cohort)
    assert changed_cohort != base

    original = notebook.read_text()
    notebook.write_text(original.replace("1. The cohort", "1. The cohort!"))
    assert pipeline.notebook_key(notebook, {"a": 1}, cohort) != changed_cohort
    notebook.write_text(original)
    assert pipeline.notebook_key(notebook, {"a": 1}, cohort) == changed_cohort

    import nettx_utils

    monkeypatch.setattr(nettx_utils, "__version__", "99.0.0")
    assert pipeline.notebook_key(notebook, {"a": 1}, cohort) != changed_cohort


def test_parameter_order_does_not_matter(notebook, cohort):
    assert pipeline.notebook_key(notebook, {"a": 1, "b": 2}, cohort) == pipeline.notebook_key(
        notebook, {"b": 2, "a": 1}, cohort
    )


@pytest.mark.slow
def test_rebuild_executes_only_what_changed(default_book):
    build_dir = default_book.html_dir.parent
    keys = json.loads((build_dir / "source" / pipeline.COMPUTED / "run.json").read_text())["keys"]
    assert set(keys) == {nb.stem for nb in pipeline.source_notebooks()}
    result = pipeline.run(
        build_dir=build_dir, parameters={"landmark_years": [5, 10]}, report=lambda line: None
    )
    # landmark_years equals its default in every notebook that declares it, but is now
    # injected: those notebooks' parameters changed, and only those execute again.
    declared = {
        nb.stem
        for nb in pipeline.source_notebooks()
        if "landmark_years" in pipeline.declared_parameters(nb)
    }
    assert set(result.executed) == declared
    assert set(result.reused) == {nb.stem for nb in pipeline.source_notebooks()} - declared


@pytest.mark.slow
def test_serial_and_parallel_runs_record_identical_numbers(default_book, tmp_path):
    computed = default_book.html_dir.parent / "source" / pipeline.COMPUTED
    notebooks = [
        pipeline.NOTEBOOK_DIR / "01_cohort.ipynb",
        pipeline.NOTEBOOK_DIR / "04_outcomes.ipynb",
    ]
    plan = {nb.stem: {} for nb in notebooks}
    pipeline._execute_all(
        notebooks, tmp_path, plan, kernel=pipeline.kernel_name(), jobs=1, report=lambda line: None
    )
    for nb in notebooks:
        assert read_record(tmp_path, nb.stem) == read_record(computed, nb.stem)

"""Parameter values are checked against one declaration before any notebook starts.

The command line runs in this process (:func:`nettx_utils.build.cli.main`) with everything
that would execute a notebook or build the book replaced by a function that fails
the test: a refused value must stop the run before any of it.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from nettx_utils import project
from nettx_utils.build import cli, execution, htmlbuild, pipeline
from nettx_utils.errors import NettxError
from nettx_utils.pages import parameters
from nettx_utils.pages.parameters import (
    PARAMETERS,
    QUANTILE_METHODS,
    ParameterError,
    check_namespace,
    check_parameter,
    check_parameters,
)
from nettx_utils.stats import cutoffs
from nettx_utils.stats.survival import CI_TYPES, KaplanMeier

NOTEBOOKS = project.source_notebooks()

BAD = {
    "alpha": ("7", "a number greater than 0 and less than 1"),
    "ci_type": ("loglog", 'one of "log-log", "log", "plain"'),
    "quantile_method": ("spss", '"weibull"'),
    "landmark_years": ("[]", "a list of one or more numbers, each greater than 0"),
    "early_recurrence_months": ("-1", "a number of at least 0"),
    "mib1_threshold_pct": ("101", "a number of at least 0 and at most 100"),
    "per_patient_figures": ("3", "True, False or None"),
    "surgery_landmarks_months": ("[3, 0]", "each greater than 0"),
    "ci_month": ("0", "a number greater than 0"),
    "landmark_month": ("-5", "a number greater than 0"),
    "n_simulations": ("0", "a whole number of at least 1"),
    "n_resamples": ("1", "a whole number of at least 2"),
    "sweep_from_months": ("-1", "a number of at least 0"),
    "sweep_to_months": ("0", "a number greater than 0"),
    "sweep_step_months": ("0", "a number greater than 0"),
    "min_group_fraction": ("0.5", "a number of at least 0 and less than 0.5"),
    "n_permutations": ("2.5", "a whole number of at least 1"),
    "n_permutations_fixed": ("abc", "a whole number of at least 1"),
    "seed": ("-1", "a whole number of at least 0"),
    "penalizer": ("-0.1", "a number of at least 0"),
    "n_bootstrap": ("1", "a whole number of at least 2"),
    "epv_rule": ("0", "a number greater than 0"),
    "n_pairs": ("1", "a whole number of at least 2"),
    "shift_log2": ("nan", "a number (finite)"),
    "correlations": ("[0, 1]", "each greater than -1 and less than 1"),
    "data_path": ("other.csv", "--data FILE"),
}
"""One value each parameter refuses, and words its message must hold."""


def _declared_names() -> set[str]:
    return {name for nb in NOTEBOOKS for name in parameters.parameter_defaults(nb)}


def test_the_declarations_cover_exactly_the_notebooks_parameters():
    assert set(PARAMETERS) == _declared_names()
    assert set(BAD) == set(PARAMETERS)  # a new parameter needs a refused value here


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda nb: nb.stem)
def test_every_notebooks_defaults_are_allowed(notebook):
    defaults = parameters.parameter_defaults(notebook)
    assert check_parameters(defaults) == defaults


@pytest.fixture
def nothing_may_run(monkeypatch):
    """Fail the test if anything past the parameter check starts."""

    def forbidden(*args, **kwargs):
        raise AssertionError("started although a parameter was refused")

    monkeypatch.setattr(execution, "execute_notebook", forbidden)
    monkeypatch.setattr(execution, "execute_all", forbidden)
    monkeypatch.setattr(execution, "kernel_name", forbidden)
    monkeypatch.setattr(pipeline, "_checked_cohort", forbidden)
    monkeypatch.setattr(htmlbuild, "build_html", forbidden)


@pytest.fixture
def previous_book(tmp_path):
    """A build folder holding a previous book."""
    html = tmp_path / "build" / "html"
    html.mkdir(parents=True)
    (html / "index.html").write_text("the previous book")
    return tmp_path / "build"


def _files(folder):
    return sorted((p.relative_to(folder), p.read_bytes()) for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_refused_value_stops_run_with_one_message_before_anything_runs(
    name, nothing_may_run, previous_book, capsys
):
    value, allowed = BAD[name]
    before = _files(previous_book)
    status = cli.main(["run", "--build-dir", str(previous_book), "-p", name, value])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith(f"error: -p {name}")
    assert value.strip('"') in err and allowed in err
    assert "Traceback" not in err
    assert _files(previous_book) == before  # no staging folder, no lock, the book unchanged


@pytest.mark.parametrize("name", sorted(set(BAD) - {"data_path"}))
def test_a_refused_value_stops_sweep_before_anything_runs(name, nothing_may_run, tmp_path, capsys):
    value, allowed = BAD[name]
    notebook = next(nb for nb in NOTEBOOKS if name in parameters.parameter_defaults(nb))
    out = tmp_path / "sweep"
    status = cli.main(["sweep", notebook.stem, "-p", name, value, "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and f"-p {name}" in err and allowed in err
    assert not out.exists()


def test_the_sweeps_first_cut_off_must_not_pass_its_last(nothing_may_run, previous_book, capsys):
    assert (
        cli.main(["run", "--build-dir", str(previous_book), "-p", "sweep_from_months", "61"]) == 2
    )
    assert "sweep_from_months 61 is after sweep_to_months 60 (its default)" in (
        capsys.readouterr().err
    )
    check_parameters({"sweep_from_months": 60})  # equal is one cut-off: allowed


def test_an_unknown_name_lists_the_declared_ones(nothing_may_run, previous_book, capsys):
    assert cli.main(["run", "--build-dir", str(previous_book), "-p", "alhpa", "0.1"]) == 2
    err = capsys.readouterr().err
    assert "no notebook declares parameter(s) alhpa" in err and "alpha, ci_month" in err


def test_the_command_line_prints_one_line_and_exits_2():
    completed = subprocess.run(
        [sys.executable, "-m", "nettx_utils", "run", "-p", "alpha", "7"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr == (
        "error: -p alpha 7: alpha must be a number greater than 0 and less than 1.\n"
    )
    assert completed.stdout == ""


def test_values_are_normalised_as_the_notebooks_receive_them():
    assert check_parameter("n_permutations", 1e4) == 10000
    assert isinstance(check_parameter("n_permutations", 1e4), int)
    assert check_parameter("alpha", 0.5) == 0.5
    assert check_parameter("per_patient_figures", None) is None
    assert check_parameter("landmark_years", [1, 2.5]) == [1, 2.5]
    parsed = pipeline.parse_parameters([("n_bootstrap", "1e3"), ("ci_type", "log")])
    assert check_parameters(parsed) == {"n_bootstrap": 1000, "ci_type": "log"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("alpha", 0),
        ("alpha", 1),
        ("alpha", True),  # a flag is not a number
        ("alpha", math.inf),
        ("min_group_fraction", 0.5),
        ("n_permutations", 0),
        ("n_permutations", 10.5),
        ("seed", -1),
        ("landmark_years", 5),  # one number, not a list
        ("landmark_years", [5, "ten"]),
        ("correlations", [-1.0]),
        ("early_recurrence_months", "24"),
    ],
)
def test_the_bounds_and_types_are_refused(name, value):
    with pytest.raises(ParameterError, match=f"^-p {name} "):
        check_parameter(name, value)


def test_the_declared_ranges_are_what_the_package_accepts():
    """The declarations agree with the checks of the functions the chapters call."""
    for alpha in (1e-9, 0.05, 0.999):
        check_parameter("alpha", alpha)
        KaplanMeier(alpha=alpha)
    for alpha in (0, 1):
        with pytest.raises(ParameterError):
            check_parameter("alpha", alpha)
        with pytest.raises(NettxError):
            KaplanMeier(alpha=alpha)
    assert PARAMETERS["ci_type"].choices == CI_TYPES
    for ci_type in PARAMETERS["ci_type"].choices:
        KaplanMeier(ci_type=ci_type)
    for fraction in (0, 0.49):
        check_parameter("min_group_fraction", fraction)
        assert cutoffs._min_group(32, None, fraction) >= 1
    with pytest.raises(NettxError):
        cutoffs._min_group(32, None, 0.5)
    for method in QUANTILE_METHODS:  # every declared method is numpy's
        assert np.isfinite(np.quantile([1.0, 2.0, 3.0, 4.0], 0.5, method=method))
    with pytest.raises(ValueError):
        np.quantile([1.0, 2.0], 0.5, method="spss")


def test_a_notebook_checks_its_own_values_with_the_same_declarations():
    namespace = {"alpha": 7, "chapter": object(), "months": [1, 2]}  # other names are ignored
    with pytest.raises(ParameterError, match=r"^alpha = 7: alpha must be a number greater than 0"):
        check_namespace(namespace)
    for notebook in NOTEBOOKS:
        defaults = parameters.parameter_defaults(notebook)
        assert check_namespace({**defaults, "cohort": None}) == defaults
    with pytest.raises(ParameterError, match="sweep_from_months 61 is after sweep_to_months 60:"):
        check_namespace({"sweep_from_months": 61, "sweep_to_months": 60})


def test_open_chapter_refuses_a_value_out_of_range_before_reading_the_cohort(monkeypatch):
    from nettx_utils.pages import chapter

    def fail(*args, **kwargs):
        raise AssertionError("the cohort was read before the parameters were checked")

    monkeypatch.setattr(chapter, "load_cohort", fail)
    with pytest.raises(ParameterError, match=r"^alpha = 7: alpha must be"):
        chapter.open_chapter("07_kaplan_meier_by_hand", glue=False, alpha=7)

"""The sweep command: one notebook, one run per value, a table of what each run recorded."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test as lifelines_logrank

from nettx_utils import project
from nettx_utils.build import cli, pipeline, sweep, sweep_preview
from nettx_utils.data.cohort import load_cohort
from nettx_utils.errors import NettxError
from nettx_utils.pages import parameters
from nettx_utils.pages.provenance import SYNTHETIC_CAPTION
from nettx_utils.pages.table_export import SOURCE_COLUMN
from nettx_utils.project import DATA_DIR


def test_notebook_names_resolve_like_the_run_command():
    assert sweep.resolve_notebook("05").name == "05_prognostic_factors.ipynb"
    assert sweep.resolve_notebook("05_prognostic_factors").name == "05_prognostic_factors.ipynb"
    with pytest.raises(NettxError, match="no such notebook"):
        sweep.resolve_notebook("99")


def test_unknown_parameter_gives_the_pipelines_error_before_anything_runs(tmp_path):
    notebook = sweep.resolve_notebook("05")
    with pytest.raises(NettxError) as expected:
        pipeline.plan_parameters([notebook], {"no_such_parameter": 1})
    with pytest.raises(NettxError) as raised:
        sweep.run_sweep("05", "no_such_parameter", [1, 2], out=tmp_path / "s")
    assert str(raised.value) == str(expected.value)
    assert not (tmp_path / "s").exists()


def test_outputs_are_refused_inside_data(tmp_path):
    with pytest.raises(NettxError, match="data/"):
        sweep.run_sweep("05", "early_recurrence_months", [12], out=DATA_DIR / "sweep")
    assert not (DATA_DIR / "sweep").exists()


def test_default_out_is_under_results_sweeps():
    out = sweep.default_out(sweep.resolve_notebook("05"), "early_recurrence_months")
    assert out.parts[-3:] == ("results", "sweeps", "05_prognostic_factors-early_recurrence_months")


def test_cli_errors_are_one_line_without_traceback(capsys):
    assert cli.main(["sweep", "05", "-p", "no_such_parameter", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "error: 05_prognostic_factors declares no parameter no_such_parameter; its parameters "
        "are: alpha, ci_type, data_path, early_recurrence_months,"
    )
    assert "Traceback" not in err
    assert cli.main(["sweep", "05", "-p", "early_recurrence_months"]) == 2
    assert "give one or more values" in capsys.readouterr().err


def test_table_keeps_scalars_and_lists_what_it_left_out():
    records = [{"a_p": 0.5, "n": 3, "list": [1]}, {"a_p": "inf", "n": 4, "list": [2]}]
    table = sweep.sweep_table("cut", [1, 2], records)
    assert table.columns.tolist() == ["cut", "a_p", "n"]
    assert table["a_p"].tolist() == [0.5, float("inf")]
    assert table.attrs["skipped"] == ["list"]


@pytest.mark.slow
def test_sweep_of_chapter_5_equals_direct_recomputation(tmp_path):
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "nettx_utils", "sweep", "05_prognostic_factors", "-p",
               "early_recurrence_months", "12", "24", "36", "--out", str(out), "--jobs", "2"]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.count("done in") == 3  # one progress line per run
    assert "without encryption" not in completed.stderr  # kernels over IPC print no TCP warning
    assert str(out / "sweep.csv") in completed.stdout

    executed = sorted(out.glob("*/05_prognostic_factors.ipynb"))
    assert len(executed) == 3
    for path in executed:
        notebook = nbformat.read(path, as_version=4)
        assert all("ename" not in o for c in notebook.cells for o in c.get("outputs", []))
    assert (out / "sweep.png").stat().st_size > 0

    table = pd.read_csv(out / "sweep.csv")
    assert table["early_recurrence_months"].tolist() == [12, 24, 36]
    assert set(table[SOURCE_COLUMN]) == {SYNTHETIC_CAPTION}  # the synthetic cohort: labelled so
    assert {"timing_p", "os_early_landmark", "os_late_landmark"} <= set(table.columns)

    # the page on parameters shows sweep_preview.timing_preview: the same numbers, computed in-process
    preview = sweep_preview.timing_preview([12, 24, 36])
    for column in ("timing_p", "os_early_landmark", "os_late_landmark", "surgery_p"):
        assert preview[column].tolist() == pytest.approx(table[column].tolist(), nan_ok=True)

    cohort = load_cohort()
    months = cohort["months_recurrence_to_last_followup"].to_numpy(float)
    died = cohort["died"].astype(int).to_numpy()
    for row in table.itertuples():
        early = (cohort["months_lt_to_recurrence"] <= row.early_recurrence_months).to_numpy()
        if not early.any() or early.all():  # a cut-off beyond every patient: one group empty
            assert math.isnan(row.timing_p)
            empty = "early" if not early.any() else "late"
            assert math.isnan(getattr(row, f"os_{empty}_landmark"))
            continue
        test = lifelines_logrank(months[early], months[~early], died[early], died[~early])
        assert row.timing_p == pytest.approx(test.p_value, rel=1e-9)
        for group, mask in (("early", early), ("late", ~early)):
            km = KaplanMeierFitter().fit(months[mask], died[mask])
            expected = 100 * km.survival_function_at_times(60).iloc[0]
            reached_zero = km.survival_function_.iloc[-1, 0] == 0
            if months[mask].max() < 60 and not reached_zero:
                expected = np.nan  # the book does not carry a curve past follow-up, unless at 0
            assert getattr(row, f"os_{group}_landmark") == pytest.approx(expected, nan_ok=True)


def test_timing_preview_equals_lifelines():
    preview = sweep_preview.timing_preview([24, 36])
    cohort = load_cohort()
    months = cohort["months_recurrence_to_last_followup"].to_numpy(float)
    died = cohort["died"].astype(int).to_numpy()
    for row in preview.itertuples():
        early = (cohort["months_lt_to_recurrence"] <= row.early_recurrence_months).to_numpy()
        assert row.n_early == early.sum()
        test = lifelines_logrank(months[early], months[~early], died[early], died[~early])
        assert row.timing_p == pytest.approx(test.p_value, rel=1e-9)
        late = KaplanMeierFitter().fit(months[~early], died[~early])
        assert row.os_late_landmark == pytest.approx(100 * late.predict(60))


def test_preview_says_where_a_group_is_empty_and_where_p_is_smallest():
    shown = sweep_preview.preview([12, 24, 36])
    table = shown.table
    assert table.loc[0, "n_early"] == 0 and math.isnan(table.loc[0, "timing_p"])
    assert shown.texts["reading"].startswith("At 12 months no patient had an early recurrence")
    best = table.loc[table["timing_p"].idxmin(), "early_recurrence_months"]
    assert f"smallest at {best:g} months" in shown.texts["reading"]


@pytest.mark.parametrize("notebook", project.source_notebooks(), ids=lambda p: p.stem)
def test_parameter_defaults_read_what_papermill_reads(notebook):
    import ast

    declared = pipeline.declared_parameters(notebook)
    assert parameters.parameter_defaults(notebook) == {
        name: ast.literal_eval(text) for name, text in declared.items()
    }


def test_the_counts_that_vary_with_the_parameter_are_the_disclosive_columns():
    table = pd.DataFrame(
        {
            "cut": [12, 24, 36],
            "early_n": [3, 7, 9],  # patients per group: by differencing, 4 recur in (12, 24]
            "deaths_high": [1.0, 3.0, 3.0],
            "expected_1": [0.4, 1.1, 2.9],  # named like a count, not whole
            "os_early_pct": [50.0, 71.4, 77.8],
            "timing_p": [0.3, 0.01, 0.02],
            "n_patients": [40, 40, 40],  # the same in every run: one book shows it
            "early_cutoff": [12.0, 24.0, 36.0],  # repeats the parameter
            "agree": [True, False, True],
        }
    )
    assert sweep.disclosive_columns(table, "cut") == ["early_n", "deaths_high", "expected_1"]


@pytest.fixture
def user_cohort(tmp_path):
    """The 40 random patients of /work/random40.csv, in a folder that names its owner."""
    folder = tmp_path / "dr_rossi_private"
    folder.mkdir()
    path = folder / "centre40.csv"
    shutil.copy(RANDOM40, path)
    return path


RANDOM40 = Path("/work/random40.csv")
needs_random40 = pytest.mark.skipif(not RANDOM40.is_file(), reason="no /work/random40.csv")


@needs_random40
def test_sweep_data_is_validated_with_runs_messages(user_cohort, tmp_path, capsys):
    broken = pd.read_csv(user_cohort).drop(columns=["died"])
    bad = user_cohort.with_name("broken.csv")
    broken.to_csv(bad, index=False)
    assert cli.main(["run", "--build-dir", str(tmp_path / "b"), "--data", str(bad)]) == 2
    from_run = capsys.readouterr().err
    out = tmp_path / "s"
    assert cli.main(["sweep", "02", "-p", "early_recurrence_months", "12", "--data", str(bad),
                     "--out", str(out)]) == 2  # fmt: skip
    assert capsys.readouterr().err == from_run and "died" in from_run
    assert not out.exists() and not (tmp_path / "b" / "html").exists()
    inside = out / "cohort.csv"
    inside.parent.mkdir()
    shutil.copy(user_cohort, inside)
    assert cli.main(["sweep", "02", "-p", "early_recurrence_months", "12", "--data",
                     str(inside), "--out", str(out)]) == 2  # fmt: skip
    assert "inside the sweep's folder" in capsys.readouterr().err


@pytest.mark.slow
@needs_random40
def test_sweep_of_a_users_cohort_leaves_out_the_counts_and_the_runs(user_cohort, tmp_path):
    data_before = sorted((p.name, p.stat().st_mtime_ns) for p in DATA_DIR.rglob("*"))
    cohort_bytes = user_cohort.read_bytes()
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "nettx_utils", "sweep", "02", "-p",
               "early_recurrence_months", "12", "24", "--data", str(user_cohort),
               "--out", str(out), "--jobs", "2", "--plot", "p_change_signed_rank"]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert str(user_cohort) not in completed.stdout + completed.stderr
    assert "early_n" in completed.stdout  # says which columns it left out
    table = pd.read_csv(out / "sweep.csv")
    assert str(user_cohort.parent) not in (out / "sweep.csv").read_text()
    assert table["early_recurrence_months"].tolist() == [12, 24]
    assert "early_n" not in table.columns  # the record's patients with an early recurrence
    assert table["n_patients"].tolist() == [40, 40]
    (label,) = set(table[SOURCE_COLUMN])
    assert label.startswith("Computed from your cohort (") and str(tmp_path) not in label
    cohort = load_cohort(user_cohort)
    early_at_24 = int((cohort["months_lt_to_recurrence"] <= 24).sum())
    early_at_12 = int((cohort["months_lt_to_recurrence"] <= 12).sum())
    assert early_at_24 != early_at_12  # so early_n varied: the rule had something to remove
    assert sorted(p.name for p in out.iterdir()) == ["sweep.csv", "sweep.png"]  # no run folder
    assert user_cohort.read_bytes() == cohort_bytes
    assert sorted((p.name, p.stat().st_mtime_ns) for p in DATA_DIR.rglob("*")) == data_before


def test_an_empty_early_group_is_said_to_be_an_empty_cell_in_the_csv(tmp_path):
    """The sweep's CSV writes a missing p-value as an empty cell (pandas' default), and the
    sentence about a cut-off with no early recurrence says so, not "NaN"."""
    table = pd.DataFrame(
        {"early_recurrence_months": [6.0, 24.0], "n_early": [0, 8], "timing_p": [np.nan, 0.01]}
    )
    text = sweep_preview._reading(table)
    assert "empty cells in the CSV" in text and "NaN" not in text
    table.to_csv(tmp_path / "sweep.csv", index=False)
    assert (tmp_path / "sweep.csv").read_text().splitlines()[1] == "6.0,0,"

"""The sweep command: one notebook, one run per value, a table of what each run recorded."""

from __future__ import annotations

import math
import subprocess
import sys

import nbformat
import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test as lifelines_logrank

from nettx_utils import cli, pipeline, sweep
from nettx_utils.cohort import DATA_DIR, load_cohort
from nettx_utils.errors import NettxError


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
    assert err.startswith("error: no notebook declares parameter(s) no_such_parameter")
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
    assert {"timing_p", "os_early_landmark", "os_late_landmark"} <= set(table.columns)

    # the page on parameters shows sweep.timing_preview: the same numbers, computed in-process
    preview = sweep.timing_preview([12, 24, 36])
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
    preview = sweep.timing_preview([24, 36])
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
    shown = sweep.preview([12, 24, 36])
    table = shown.table
    assert table.loc[0, "n_early"] == 0 and math.isnan(table.loc[0, "timing_p"])
    assert shown.texts["reading"].startswith("At 12 months no patient had an early recurrence")
    best = table.loc[table["timing_p"].idxmin(), "early_recurrence_months"]
    assert f"smallest at {best:g} months" in shown.texts["reading"]


@pytest.mark.parametrize("notebook", pipeline.source_notebooks(), ids=lambda p: p.stem)
def test_parameter_defaults_read_what_papermill_reads(notebook):
    import ast

    declared = pipeline.declared_parameters(notebook)
    assert sweep.parameter_defaults(notebook) == {
        name: ast.literal_eval(text) for name, text in declared.items()
    }

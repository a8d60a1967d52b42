"""Tests for Figure 1 (plots.trajectories_figure) and Figure 2 (flow.flow_counts / flow_figure)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from nettx_utils import derived
from nettx_utils.cohort import load_cohort
from nettx_utils.errors import NettxError
from nettx_utils.flow import STATUSES, flow_counts, flow_figure
from nettx_utils.plots import MIB1_TIME_POINTS, trajectories_figure
from nettx_utils.tables import quartiles


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return load_cohort()


def _gid(fig: Figure, gid: str) -> list:
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


def _texts(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


# --------------------------------------------------------------------------- Figure 1


def test_trajectory_lines_one_per_patient_with_two_values(cohort):
    values = cohort[list(MIB1_TIME_POINTS)]
    fig = trajectories_figure(values, labels=list(MIB1_TIME_POINTS.values()))
    measured = values.notna().sum(axis=1)
    assert len(_gid(fig, "trajectory-line")) == int((measured >= 2).sum())
    assert len(_gid(fig, "trajectory-point")) == int((measured == 1).sum())
    assert not _gid(fig, "trajectory-note")
    assert len(_gid(fig, "trajectory-median")) == 3


def test_trajectory_single_values_are_points_and_gaps_are_bridged():
    values = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": [np.nan, 3.0, np.nan, 5.0]})
    values["c"] = [2.0, np.nan, 7.0, 6.0]
    fig = trajectories_figure(values)
    lines = _gid(fig, "trajectory-line")
    assert len(lines) == 3  # rows 0 (a-c, bridging b), 1 and 3
    assert list(lines[0].get_xdata()) == [0.0, 2.0]
    assert len(_gid(fig, "trajectory-point")) == 1  # row 2


def test_trajectory_summary_uses_tables_quartiles(cohort):
    values = cohort[list(MIB1_TIME_POINTS)]
    for method in ("weibull", "linear"):
        summary = trajectories_figure(values, quantile_method=method).trajectory_summary
        assert list(summary.columns) == ["time_point", "label", "n", "q1", "median", "q3"]
        for row in summary.itertuples():
            q = quartiles(values[row.time_point], method=method)
            assert (row.n, row.q1, row.median, row.q3) == (q.n, q.q1, q.median, q.q3)
    assert summary["n"].tolist() == values.notna().sum().tolist()


def test_trajectory_n_in_tick_labels(cohort):
    values = cohort[list(MIB1_TIME_POINTS)]
    fig = trajectories_figure(values, labels=["P", "LT", "R"])
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    counts = values.notna().sum()
    assert ticks == [f"{lab}\nn = {n}" for lab, n in zip(["P", "LT", "R"], counts, strict=True)]


def test_trajectory_aggregated_above_max_lines(cohort):
    values = cohort[list(MIB1_TIME_POINTS)]
    fig = trajectories_figure(values, max_lines=len(values) - 1)
    assert not _gid(fig, "trajectory-line")
    assert not _gid(fig, "trajectory-point")
    assert len(_gid(fig, "trajectory-violin")) == 3
    assert len(_gid(fig, "trajectory-median")) == 3
    note = _gid(fig, "trajectory-note")
    assert len(note) == 1
    assert "not drawn above" in note[0].get_text()
    # exactly max_lines patients still get lines
    fig = trajectories_figure(values, max_lines=len(values))
    assert len(_gid(fig, "trajectory-line")) == len(values)


@pytest.mark.parametrize("log_scale", [True, False])
def test_trajectory_scales_and_saving(cohort, tmp_path: Path, log_scale: bool):
    fig = trajectories_figure(cohort[list(MIB1_TIME_POINTS)], log_scale=log_scale)
    assert fig.axes[0].get_yscale() == ("symlog" if log_scale else "linear")
    low, high = fig.axes[0].get_ylim()
    assert low <= 0 and high >= cohort[list(MIB1_TIME_POINTS)].max().max()
    for ext in ("png", "svg"):
        fig.savefig(tmp_path / f"fig1.{ext}")
        assert (tmp_path / f"fig1.{ext}").stat().st_size > 1000


def test_trajectory_bad_input():
    with pytest.raises(NettxError, match="empty"):
        trajectories_figure(pd.DataFrame())
    with pytest.raises(NettxError, match="'b' is not numeric"):
        trajectories_figure(pd.DataFrame({"a": [1.0], "b": ["high"]}))
    with pytest.raises(NettxError, match="2 labels for 1 columns"):
        trajectories_figure(pd.DataFrame({"a": [1.0]}), labels=["x", "y"])
    with pytest.raises(NettxError, match="every value is missing"):
        trajectories_figure(pd.DataFrame({"a": [np.nan]}))
    with pytest.raises(NettxError, match="max_lines"):
        trajectories_figure(pd.DataFrame({"a": [1.0]}), max_lines=-1)


# --------------------------------------------------------------------------- Figure 2


def _expected_status(cohort: pd.DataFrame) -> pd.Series:
    died = cohort["died"].astype(bool)
    free = cohort["disease_free_at_last_followup"].fillna(False).astype(bool)
    cause = cohort["death_cause"].astype("object")
    return pd.Series(
        np.select(
            [died & (cause == "net_progression"), died & (cause == "other"), died, free],
            ["Dead of NET", "Dead, other cause", "Dead, cause unknown", "Alive, free of disease"],
            default="Alive with disease",
        ),
        index=cohort.index,
    )


def _check_stage_counts(counts: pd.DataFrame, cohort: pd.DataFrame) -> None:
    n = len(cohort)
    expected = {
        "presentation": pd.Series(derived.presentation(cohort)).value_counts(),
        "predominant_treatment": cohort["predominant_treatment"].value_counts(),
        "status": _expected_status(cohort).value_counts(),
    }
    for stage, want in expected.items():
        got = counts.groupby(stage, observed=True)["n"].sum()
        assert got.sum() == n, stage
        want = want[want > 0]
        assert {str(k): int(v) for k, v in got.items()} == {
            str(k): int(v) for k, v in want.items()
        }, stage


def test_flow_counts_match_columns(cohort):
    counts = flow_counts(cohort)
    _check_stage_counts(counts, cohort)
    assert (counts["n"] > 0).all()
    assert not counts.duplicated(["presentation", "predominant_treatment", "status"]).any()
    assert set(counts["status"]) <= set(STATUSES)
    # the paper's outcome: 11 dead (7 of NET), 4 alive free of disease, 17 alive with disease
    by_status = counts.groupby("status", observed=True)["n"].sum().to_dict()
    assert by_status == {
        "Alive, free of disease": 4,
        "Alive with disease": 17,
        "Dead of NET": 7,
        "Dead, other cause": 4,
    }


def test_flow_counts_without_death_split(cohort):
    counts = flow_counts(cohort, split_death=False)
    assert counts.groupby("status", observed=True)["n"].sum()["Dead"] == int(cohort["died"].sum())
    assert int(counts["n"].sum()) == len(cohort)


def test_flow_counts_labels(cohort):
    counts = flow_counts(cohort)
    assert set(counts["presentation_label"]) <= set(derived.PRESENTATIONS.values())
    row = counts[counts["predominant_treatment"] == "ssa"].iloc[0]
    assert row["treatment_label"] == "Somatostatin analogs"


def test_flow_with_absent_categories(cohort, tmp_path: Path):
    groups = pd.Series(derived.presentation(cohort), index=cohort.index)
    sub = cohort[(groups != "lung_or_peritoneum") & (cohort["predominant_treatment"] != "prrt")]
    sub = sub[~sub["disease_free_at_last_followup"].astype(bool)]
    counts = flow_counts(sub)
    _check_stage_counts(counts, sub)
    assert "lung_or_peritoneum" not in set(counts["presentation"])
    assert "Alive, free of disease" not in set(counts["status"])
    fig = flow_figure(sub)
    fig.savefig(tmp_path / "sub.png")
    labels = _texts(fig)
    assert "PRRT" not in labels and "Lung or peritoneum" not in labels
    assert f"N = {len(sub)} patients" in labels


def test_flow_figure_draws_counts_and_saves(cohort, tmp_path: Path):
    fig = flow_figure(cohort, title="Figure 2")
    counts = fig.flow_counts
    pd.testing.assert_frame_equal(counts, flow_counts(cohort))
    nodes = _gid(fig, "flow-node")
    n_nodes = sum(counts[s].nunique() for s in ("presentation", "predominant_treatment", "status"))
    assert len(nodes) == n_nodes
    # each column's boxes add up to N (heights are in patients)
    for x in (0, 1, 2):
        heights = [b.get_height() for b in nodes if abs(b.get_x() + b.get_width() / 2 - x) < 0.1]
        assert sum(heights) == pytest.approx(len(cohort))
    pair = counts.groupby(["presentation", "predominant_treatment"], observed=True).size()
    assert len(_gid(fig, "flow-band")) == len(pair) + len(counts)
    texts = _texts(fig)
    assert f"N = {len(cohort)} patients" in texts
    assert "Surgery (n = 14)" in texts
    for ext in ("png", "svg"):
        path = tmp_path / f"fig2.{ext}"
        fig.savefig(path, dpi=300)
        assert path.stat().st_size > 1000
    assert "Surgery (n = 14)" in (tmp_path / "fig2.svg").read_text(encoding="utf-8")


def test_flow_bad_input(cohort):
    with pytest.raises(NettxError, match="'died'"):
        flow_counts(cohort.drop(columns="died"))
    with pytest.raises(NettxError, match="'predominant_treatment'"):
        flow_figure(cohort.drop(columns="predominant_treatment"))
    with pytest.raises(NettxError, match="empty"):
        flow_counts(cohort.iloc[0:0])
    broken = cohort.copy()
    broken["predominant_treatment"] = broken["predominant_treatment"].astype("object")
    broken.loc[broken.index[0], "predominant_treatment"] = None
    with pytest.raises(NettxError, match="'predominant_treatment' is missing"):
        flow_counts(broken)
    broken = cohort.copy()
    alive = broken.index[~broken["died"].astype(bool)][0]
    broken.loc[alive, "disease_free_at_last_followup"] = pd.NA
    with pytest.raises(NettxError, match="'disease_free_at_last_followup'"):
        flow_counts(broken)

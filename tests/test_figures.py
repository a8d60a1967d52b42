"""Tests for Figure 1 (trajectories.trajectories_figure) and Figure 2 (flow.flow_counts / flow_figure)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from nettx_utils.data import derived
from nettx_utils.data.cohort import load_cohort
from nettx_utils.errors import NettxError
from nettx_utils.figures.flow import NOT_ASSESSED, STATUSES, flow_counts, flow_figure
from nettx_utils.figures.trajectories import MIB1_TIME_POINTS, trajectories_figure
from nettx_utils.stats.quartiles import quartiles


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
    assert fig.axes[0].get_yscale() == ("log" if log_scale else "linear")
    want = "Mib-1 (%), logarithmic scale" if log_scale else "Mib-1 (%)"
    assert fig.axes[0].get_ylabel() == want  # a log axis says so in words
    low, high = fig.axes[0].get_ylim()
    values = cohort[list(MIB1_TIME_POINTS)]
    assert low <= values.min().min() and high >= values.max().max()
    for ext in ("png", "svg"):
        fig.savefig(tmp_path / f"fig1.{ext}")
        assert (tmp_path / f"fig1.{ext}").stat().st_size > 1000


def test_trajectory_zero_values_use_a_symlog_axis_and_say_so():
    values = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [3.0, 40.0, 0.5]})
    ax = trajectories_figure(values).axes[0]
    assert ax.get_yscale() == "symlog"
    assert ax.get_ylabel() == "Mib-1 (%), linear scale to 1, logarithmic above"
    assert ax.get_ylim()[0] <= 0


def test_trajectory_key_is_outside_the_plotting_area(cohort):
    fig = trajectories_figure(cohort[list(MIB1_TIME_POINTS)])
    fig.draw_without_rendering()
    ax = fig.axes[0]
    assert ax.get_legend() is None and len(fig.legends) == 1
    key, plot = fig.legends[0].get_window_extent(), ax.get_window_extent()
    assert key.y0 >= plot.y1 - 1  # above the axes: it covers no line
    assert fig.bbox.x0 <= key.x0 and key.x1 <= fig.bbox.x1 + 1


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
    stages = ["presentation", "predominant_treatment", "response", "status"]
    assert not counts.duplicated(stages).any()
    # the paper's Table 2, outcome of predominant treatment: 12 CR, 4 PR, 13 SD, 3 PD
    by_response = counts.groupby("response", observed=True)["n"].sum().to_dict()
    assert by_response == {"CR": 12, "PR": 4, "SD": 13, "PD": 3}
    direct = cohort.groupby(
        ["predominant_treatment", "predominant_treatment_response"], observed=True
    ).size()
    drawn = counts.groupby(["predominant_treatment", "response"], observed=True)["n"].sum()
    assert drawn.to_dict() == direct[direct > 0].to_dict()
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
    row = counts[counts["response"] == "CR"].iloc[0]
    assert row["response_label"] == "Complete response"


def test_flow_missing_response_is_not_assessed(cohort):
    broken = cohort.copy()
    broken["predominant_treatment_response"] = broken["predominant_treatment_response"].astype(
        "object"
    )
    broken.loc[broken.index[:3], "predominant_treatment_response"] = None
    counts = flow_counts(broken)
    assert counts.groupby("response_label", observed=True)["n"].sum()[NOT_ASSESSED] == 3
    assert list(counts["response"].cat.categories)[-1] == NOT_ASSESSED
    assert "response" not in flow_counts(cohort, response=False)
    assert len(flow_figure(cohort, response=False).flow_stages) == 3


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
    assert "PRRT" not in labels and "Lung or\nperitoneum" not in labels and "Lung" not in labels
    assert f"N = {len(sub)} patients" in labels


def test_flow_figure_draws_counts_and_saves(cohort, tmp_path: Path):
    fig = flow_figure(cohort, title="Figure 2")
    counts = fig.flow_counts
    pd.testing.assert_frame_equal(counts, flow_counts(cohort))
    nodes = _gid(fig, "flow-node")
    stages = ["presentation", "predominant_treatment", "response", "status"]
    assert fig.flow_stages == stages
    assert len(nodes) == sum(counts[s].nunique() for s in stages)
    # each column's boxes add up to N (heights are in patients)
    for x in range(4):
        heights = [b.get_height() for b in nodes if abs(b.get_x() + b.get_width() / 2 - x) < 0.1]
        assert sum(heights) == pytest.approx(len(cohort))
    pairs = [
        counts.groupby(["presentation", stages[1]], observed=True).size(),
        counts.groupby(["presentation", stages[1], stages[2]], observed=True).size(),
        counts.groupby(["presentation", stages[2], stages[3]], observed=True).size(),
    ]
    assert len(_gid(fig, "flow-band")) == sum(len(p) for p in pairs)
    texts = _texts(fig)
    assert f"N = {len(cohort)} patients" in texts
    labels = [t.get_text().replace("\n", " ") for t in _gid(fig, "flow-label")]
    assert "Surgery n = 14" in labels or "Surgery, n = 14" in labels
    assert any(lab.startswith("Complete response") and "n = 12" in lab for lab in labels)
    for ext in ("png", "svg"):
        path = tmp_path / f"fig2.{ext}"
        fig.savefig(path, dpi=300)
        assert path.stat().st_size > 1000
    assert "n = 14" in (tmp_path / "fig2.svg").read_text(encoding="utf-8")


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("source", ["synthetic", "centre300", "subset"])
def test_flow_labels_sit_in_their_boxes_off_the_bands(cohort, source):
    """Every box label lies within its box's width, touches no band and no other label;
    the column headers do not overlap."""
    if source == "centre300":
        path = Path("/work/centre300.csv")
        if not path.exists():
            pytest.skip("no 300-patient cohort on this machine")
        data = load_cohort(path)
    elif source == "subset":
        data = cohort.iloc[::3]  # small counts: boxes of one or two patients
    else:
        data = cohort
    fig = flow_figure(data)
    fig.draw_without_rendering()
    renderer = fig._get_renderer()
    ax = fig.axes[0]
    labels = [t.get_window_extent(renderer) for t in _gid(fig, "flow-label")]
    nodes = [b.get_window_extent(renderer) for b in _gid(fig, "flow-node")]
    assert len(labels) == len(nodes)
    bands = [b.get_path().transformed(b.get_transform()) for b in _gid(fig, "flow-band")]
    for label, node in zip(labels, nodes, strict=True):
        assert node.x0 <= label.x0 and label.x1 <= node.x1  # inside the box's width
        assert not any(band.intersects_bbox(label, filled=True) for band in bands)
    for i, a in enumerate(labels):
        assert not any(_overlaps(a, b) for b in labels[i + 1 :])
    headers = [t.get_window_extent(renderer) for t in _gid(fig, "flow-header")]
    assert len(headers) == 4
    for i, a in enumerate(headers):
        assert not any(_overlaps(a, b) for b in headers[i + 1 :])
    assert all(ax.bbox.x0 - 1 <= h.x0 and h.x1 <= ax.bbox.x1 + 1 for h in headers)


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


def test_flow_says_how_bands_are_coloured_and_which_responses_it_shows(cohort):
    """The figure's key names the colour rule; the caption's response list is computed,
    so "not assessed" appears only where a response is missing."""
    from nettx_utils.figures.flow import response_text

    fig = flow_figure(cohort)
    note = " ".join(t.get_text() for t in _gid(fig, "flow-note")).replace("\n", " ")
    assert "bands coloured by the presentation they start from" in note
    assert "not assessed" not in response_text(fig.flow_counts)
    assert response_text(fig.flow_counts).count("(") == 4
    missing = cohort.copy()
    missing["predominant_treatment_response"] = missing["predominant_treatment_response"].astype(
        "object"
    )
    missing.loc[missing.index[0], "predominant_treatment_response"] = None
    assert response_text(flow_counts(missing)).endswith("or not assessed")

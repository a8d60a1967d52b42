"""Tests for nettx_utils.figures.km and nettx_utils.figures.style: KMunicate figures and the book style."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from nettx_utils.errors import NettxError
from nettx_utils.figures.km import km_figure
from nettx_utils.figures.style import BOOK_RC, PALETTE, book_ticks, use_book_style
from nettx_utils.formatting import format_p
from nettx_utils.stats.survival import fit_kaplan_meier, logrank_test

# AML data (Miller 1981): maintained vs non-maintained chemotherapy; 0 = censored.
# "13+" etc. are censored (event 0).
MAINTAINED = ([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
NONMAINTAINED = ([5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45], [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def aml() -> pd.DataFrame:
    rows = [(t, e, "Maintained") for t, e in zip(*MAINTAINED, strict=True)]
    rows += [(t, e, "Nonmaintained") for t, e in zip(*NONMAINTAINED, strict=True)]
    return pd.DataFrame(rows, columns=["time", "event", "group"])


@pytest.fixture
def three_groups(aml: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    extra = pd.DataFrame({"time": rng.integers(2, 60, 10), "event": [1, 0] * 5, "group": "Third"})
    return pd.concat([aml, extra], ignore_index=True)


def _by_gid(ax, gid: str) -> list:
    return [a for a in ax.get_children() if a.get_gid() == gid]


def _drawn_table(fig) -> dict[tuple[str, str], list[int]]:
    """Read the numbers back from the table axes: (group, row name) -> values."""
    tab = fig.axes[1]
    ylabels = {
        round(y): t.get_text() for y, t in zip(tab.get_yticks(), tab.get_yticklabels(), strict=True)
    }
    names = {round(t.get_position()[1]): t.get_text() for t in _by_gid(tab, "km-table-group")}
    out: dict[tuple[str, str], list[tuple[float, int]]] = {}
    group = None
    for y in sorted(ylabels):
        if ylabels[y] not in ("At risk", "Censored", "Events"):
            group = names[y]
            continue
        cells = [
            (t.get_position()[0], int(t.get_text()))
            for t in tab.texts
            if round(t.get_position()[1]) == y and t.get_gid() != "km-table-group"
        ]
        out[(group, ylabels[y])] = [v for _, v in sorted(cells)]
    return out


# ---------------------------------------------------------------- the table


def test_counts_table_sums_to_n_and_matches_survival(aml):
    times = [0, 12, 24, 36, 48, 60]
    fig = km_figure(aml.time, aml.event, aml.group, times=times, tick_step=None)
    counts = fig.km_counts
    assert list(counts.columns) == ["group", "time", "at_risk", "censored", "events"]
    assert counts.group.unique().tolist() == ["Maintained", "Nonmaintained"]
    drawn = _drawn_table(fig)
    for name, sub in aml.groupby("group"):
        shown = counts[counts.group == name].reset_index(drop=True)
        # Every tick: at risk + censored + events == the group's N.
        totals = shown.at_risk + shown.censored + shown.events
        assert (totals == len(sub)).all(), totals.tolist()
        assert shown.time.tolist() == times
        # Same numbers as survival.counts_at on an independent fit.
        expected = fit_kaplan_meier(sub.time, sub.event).counts_at(times)
        for col in ("at_risk", "censored", "events"):
            assert shown[col].tolist() == expected[col].astype(int).tolist()
        # And the text drawn under the axes is that table.
        assert drawn[(name, "At risk")] == shown.at_risk.tolist()
        assert drawn[(name, "Censored")] == shown.censored.tolist()
        assert drawn[(name, "Events")] == shown.events.tolist()
    # Hand-checked values for the maintained arm at 24 months.
    m24 = counts[(counts.group == "Maintained") & (counts.time == 24)].iloc[0]
    assert (m24.at_risk, m24.censored, m24.events) == (6, 1, 4)


def test_table_columns_align_with_x_ticks(aml):
    fig = km_figure(aml.time, aml.event, aml.group, times=[0, 20, 40, 60], tick_step=None)
    ax, tab = fig.axes
    assert list(ax.get_xticks()) == [0, 20, 40, 60]
    xs = sorted({t.get_position()[0] for t in tab.texts})
    assert xs == [0, 20, 40, 60]
    assert tab.get_xlim() == ax.get_xlim()


def test_default_times_cover_follow_up(aml):
    fig = km_figure(aml.time, aml.event, aml.group, tick_step=None)
    ticks = fig.axes[0].get_xticks()
    steps = np.diff(ticks)
    assert ticks[0] == 0 and ticks[-1] >= aml.time.max()
    assert np.all(steps == steps[0]) and len(ticks) <= 9
    assert fig.km_counts.time.unique().tolist() == list(ticks)


def test_book_rule_ticks_every_24_months_whatever_times_are_passed():
    """One spacing across the book; the axis ends at the last time with a patient at risk."""
    rng = np.random.default_rng(3)
    months = np.round(rng.uniform(1, 197.9, 40), 1)
    months[0] = 197.9
    events = rng.integers(0, 2, 40)
    for times in (None, range(0, 301, 60), range(0, 241, 24)):
        fig = km_figure(months, events, times=times)
        ax, tab = fig.axes
        ticks = list(ax.get_xticks())
        assert ticks == [24.0 * k for k in range(9)]  # 0 ... 192: none after follow-up ends
        assert fig.km_counts["time"].tolist() == ticks  # the table uses the same ticks
        assert sorted({t.get_position()[0] for t in tab.texts if t.get_gid() is None}) == ticks
        _low, high = ax.get_xlim()
        assert 197.9 < high <= 197.9 + 0.03 * 197.9  # ends just after the last time at risk
        assert fig.km_counts["at_risk"].iloc[-1] >= 1


def test_book_ticks_rule():
    assert book_ticks(366.1).tolist() == [24.0 * k for k in range(16)]  # 15 intervals fit
    assert np.diff(book_ticks(400.0)).tolist() == [48.0] * 8  # 16 would not: 48 months
    assert book_ticks(48.0).tolist() == [0.0, 24.0, 48.0]
    assert book_ticks(30.0).tolist() == [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]  # short
    assert book_ticks(0.0).size >= 2
    with pytest.raises(NettxError, match="finite"):
        book_ticks(float("nan"))


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("n_groups", [2, 3])
def test_legend_is_outside_the_plotting_area(aml, three_groups, n_groups):
    """The legend never covers a curve, a band or a censor mark: it lies outside the axes."""
    df = aml if n_groups == 2 else three_groups
    labels = {g: f"A rather long group name for arm {g}" for g in df.group.unique()}
    fig = km_figure(df.time, df.event, df.group, group_labels=labels)
    fig.draw_without_rendering()
    legend = fig.km_legend.get_window_extent()
    ax = fig.axes[0]
    assert not _overlaps(legend, ax.get_window_extent())
    for artist in _by_gid(ax, "km-curve") + _by_gid(ax, "km-ci") + _by_gid(ax, "km-censor"):
        assert not _overlaps(legend, artist.get_window_extent())
    assert not _overlaps(legend, fig.axes[1].get_window_extent())
    fig_box = fig.bbox
    assert fig_box.x0 <= legend.x0 and legend.x1 <= fig_box.x1 + 1  # not clipped
    assert legend.y1 <= fig_box.y1 + 1


def test_table_group_names_do_not_widen_the_left_margin(aml):
    """Long group names stand over their rows, not as y labels that push the axes right."""
    short = km_figure(aml.time, aml.event, aml.group)
    long = km_figure(
        aml.time,
        aml.event,
        aml.group,
        group_labels={g: f"Recurrence within a long period ({g})" for g in aml.group.unique()},
    )
    for fig in (short, long):
        fig.draw_without_rendering()
    assert long.axes[0].get_position().x0 == pytest.approx(short.axes[0].get_position().x0)


# ---------------------------------------------------------------- log-rank


def test_logrank_text_matches_logrank_test(aml):
    fig = km_figure(aml.time, aml.event, aml.group)
    (text,) = [t for t in fig.km_legend.get_texts() if t.get_gid() == "km-logrank"]
    p = logrank_test(aml.time, aml.event, aml.group).p_value
    assert text.get_text() == f"Log-rank p = {format_p(p)}"
    assert text.get_text() == "Log-rank p = 0.065"  # published value for the AML data
    assert fig.km_logrank.p_value == pytest.approx(p)


def test_logrank_text_below_floor():
    times = np.r_[np.arange(1, 31), np.arange(100, 130)]
    events = np.ones(60, dtype=int)
    groups = ["early"] * 30 + ["late"] * 30
    fig = km_figure(times, events, groups)
    texts = [t.get_text() for t in fig.km_legend.get_texts()]
    assert texts[-1] == "Log-rank p < 0.001"
    assert format_p(logrank_test(times, events, groups).p_value) == "< 0.001"


def test_no_logrank_when_disabled_or_single_group(aml):
    fig = km_figure(aml.time, aml.event, aml.group, show_logrank=False)
    texts = [t.get_text() for t in fig.km_legend.get_texts()]
    assert texts == ["Maintained", "Nonmaintained"]
    assert fig.km_logrank is None
    fig1 = km_figure(aml.time, aml.event)
    assert fig1.axes[0].get_legend() is None and fig1.km_logrank is None


# ---------------------------------------------------------------- artists


def test_one_ci_band_per_group_and_censor_marks(aml):
    fig = km_figure(aml.time, aml.event, aml.group)
    ax = fig.axes[0]
    bands = _by_gid(ax, "km-ci")
    assert len(bands) == 2 and all(isinstance(b, PolyCollection) for b in bands)
    curves = _by_gid(ax, "km-curve")
    assert [c.get_label() for c in curves] == ["Maintained", "Nonmaintained"]
    marks = _by_gid(ax, "km-censor")
    assert len(marks) == 2
    for mark, curve, band, (_, sub) in zip(marks, curves, bands, aml.groupby("group"), strict=True):
        assert mark.get_marker() == "|" and mark.get_linestyle() == "None"
        assert mark.get_color() == curve.get_color()
        assert matplotlib.colors.same_color(band.get_facecolor()[0][:3], curve.get_color())
        censored = np.unique(sub.time[sub.event == 0])
        np.testing.assert_array_equal(mark.get_xdata(), censored)
        fit = fit_kaplan_meier(sub.time, sub.event)
        np.testing.assert_allclose(mark.get_ydata(), fit.survival_at(censored)["survival"])
    # Curve steps are the KM estimates from survival.py.
    fit_m = fit_kaplan_meier(*MAINTAINED)
    np.testing.assert_allclose(curves[0].get_ydata()[1:], fit_m.table_.survival.to_numpy())


def test_ci_off_and_landmarks(aml):
    fig = km_figure(aml.time, aml.event, aml.group, ci=False, landmarks=[24, 60])
    ax = fig.axes[0]
    assert _by_gid(ax, "km-ci") == []
    assert sorted(line.get_xdata()[0] for line in _by_gid(ax, "km-landmark")) == [24, 60]


def test_percent_axis_and_labels(aml):
    fig = km_figure(aml.time, aml.event, aml.group, title="AML", xlabel="Weeks")
    ax = fig.axes[0]
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0%", "25%", "50%", "75%", "100%"]
    assert ax.get_xlabel() == "Weeks" and ax.get_ylabel() == "Overall survival"
    assert ax.get_title(loc="left") == "AML"


# ---------------------------------------------------------------- groups


def test_single_group(aml):
    fig = km_figure(aml.time, aml.event)
    assert len(_by_gid(fig.axes[0], "km-curve")) == 1
    assert len(_by_gid(fig.axes[0], "km-ci")) == 1
    assert fig.km_counts.group.unique().tolist() == ["All patients"]
    c = fig.km_counts
    assert ((c.at_risk + c.censored + c.events) == len(aml)).all()
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == [
        "",
        "At risk",
        "Censored",
        "Events",
    ]
    assert [t.get_text() for t in _by_gid(fig.axes[1], "km-table-group")] == ["All patients"]


def test_three_groups_order_labels_and_colours(three_groups):
    df = three_groups
    order = ["Third", "Nonmaintained", "Maintained"]
    labels = {"Third": "Arm C", "Nonmaintained": "Arm B", "Maintained": "Arm A"}
    fig = km_figure(df.time, df.event, df.group, group_order=order, group_labels=labels)
    curves = _by_gid(fig.axes[0], "km-curve")
    assert [c.get_label() for c in curves] == ["Arm C", "Arm B", "Arm A"]
    assert [c.get_color() for c in curves] == PALETTE[:3]
    assert len(_by_gid(fig.axes[0], "km-ci")) == 3
    for key, label in labels.items():
        shown = fig.km_counts[fig.km_counts.group == label]
        assert ((shown.at_risk + shown.censored + shown.events) == (df.group == key).sum()).all()
    p = logrank_test(df.time, df.event, df.group).p_value
    assert fig.km_legend.get_texts()[-1].get_text().endswith(format_p(p))


def test_categorical_groups_follow_category_order(aml):
    cat = pd.Categorical(aml.group, categories=["Nonmaintained", "Maintained"])
    fig = km_figure(aml.time, aml.event, cat)
    assert fig.km_counts.group.unique().tolist() == ["Nonmaintained", "Maintained"]


def test_nan_group_labels_dropped(aml):
    df = aml.copy()
    df["group"] = df.group.astype(object)
    df.loc[[0, 1, 15], "group"] = np.nan
    df.loc[2, "group"] = None
    fig = km_figure(df.time, df.event, df.group)
    kept = df.dropna(subset=["group"])
    for name, sub in kept.groupby("group"):
        shown = fig.km_counts[fig.km_counts.group == name]
        assert ((shown.at_risk + shown.censored + shown.events) == len(sub)).all()
        assert fig.km_fits[name].n_ == len(sub)
    p = logrank_test(kept.time, kept.event, kept.group).p_value
    assert fig.km_logrank.p_value == pytest.approx(p)
    assert fig.km_counts.group.unique().tolist() == ["Maintained", "Nonmaintained"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group_order": ["Maintained", "Nonmaintained", "Other"]}, "no patients"),
        ({"group_order": ["Maintained"]}, "not in group_order"),
        ({"times": [0, 24, 12]}, "increasing"),
        ({"group_labels": {"Maintained": "X", "Nonmaintained": "X"}}, "not unique"),
    ],
)
def test_bad_group_options_raise(aml, kwargs, message):
    with pytest.raises(NettxError, match=message):
        km_figure(aml.time, aml.event, aml.group, **kwargs)


def test_empty_inputs_raise(aml):
    with pytest.raises(NettxError, match="no patients"):
        km_figure([], [])
    with pytest.raises(NettxError, match="missing"):
        km_figure(aml.time, aml.event, [np.nan] * len(aml))
    with pytest.raises(NettxError, match="do not match"):
        km_figure(aml.time, aml.event[:-1])
    with pytest.raises(NettxError, match="group labels for"):
        km_figure(aml.time, aml.event, aml.group[:-1])
    unused = pd.Categorical(aml.group, categories=["Maintained", "Nonmaintained", "Empty"])
    with pytest.raises(NettxError, match=r"\['Empty'\] have no patients"):
        km_figure(aml.time, aml.event, unused)


def test_empty_groups_dropped_on_request_and_named_in_the_legend(aml):
    """drop_empty_groups: the empty group is left out and named, the others drawn as usual."""
    order = ["Maintained", "Empty", "Nonmaintained"]
    fig = km_figure(aml.time, aml.event, aml.group, group_order=order, drop_empty_groups=True)
    assert list(fig.km_fits) == ["Maintained", "Nonmaintained"]
    assert fig.km_empty == {"Empty": "Empty"}
    legend = [t.get_text() for t in fig.km_legend.get_texts()]
    assert legend[-1] == "Empty: no patient"
    assert fig.km_logrank.p_value == pytest.approx(
        logrank_test(aml.time, aml.event, aml.group).p_value
    )
    assert [t for t in fig.km_legend.get_texts() if t.get_gid() == "km-logrank"]
    one = km_figure(aml.time, aml.event, ["Maintained"] * len(aml),
                    group_order=order[:2], drop_empty_groups=True)  # fmt: skip
    assert one.km_logrank is None and list(one.km_empty) == ["Empty"]


def test_record_of_a_comparison_with_an_empty_group(aml):
    """NotebookRecord.km_comparison: the drawn groups' S(t) by lifelines, NaN and a note else."""
    from lifelines import KaplanMeierFitter

    from nettx_utils.pages.record import NotebookRecord

    fig = km_figure(aml.time, aml.event, aml.group.map({"Maintained": "m", "Nonmaintained": "n"}),
                    group_order=["m", "n", "x"], drop_empty_groups=True)  # fmt: skip
    record = NotebookRecord("test", glue=False)
    record.km_comparison("p", "s_{group}", fig, 24)
    for key, name in (("m", "Maintained"), ("n", "Nonmaintained")):
        sub = aml[aml.group == name]
        s24 = KaplanMeierFitter().fit(sub.time, sub.event).survival_function_at_times(24).iloc[0]
        assert record.values[f"s_{key}"] == pytest.approx(100 * s24)
    assert record.values["s_x"] is None  # NaN, saved as null
    assert record.values["p"] == pytest.approx(fig.km_logrank.p_value)
    single = km_figure(aml.time, aml.event, ["m"] * len(aml), group_order=["m", "x"],
                       drop_empty_groups=True)  # fmt: skip
    record.km_comparison("p1", "t_{group}", single, 24)
    assert record.values["p1"] is None


# ---------------------------------------------------------------- output


def test_saves_png_and_svg(aml, tmp_path):
    png, svg = tmp_path / "km.png", tmp_path / "km.svg"
    with matplotlib.rc_context():
        use_book_style()
        fig = km_figure(aml.time, aml.event, aml.group, title="AML")
        fig.savefig(png)
        fig.savefig(svg)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width_px = int.from_bytes(png.read_bytes()[16:20], "big")
    assert width_px > 1500  # saved at 300 dpi (6.4 in wide before bbox="tight")
    text = svg.read_text()
    # svg.fonttype "none": real, editable <text> elements rather than glyph paths.
    assert "<text" in text and ">At risk</text>" in text
    assert "Log-rank p = 0.065" in text


def test_does_not_show(aml, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("km_figure must not call plt.show()")

    monkeypatch.setattr(plt, "show", fail)
    assert isinstance(km_figure(aml.time, aml.event, aml.group), matplotlib.figure.Figure)


def test_use_book_style_idempotent():
    with matplotlib.rc_context():
        use_book_style()
        first = dict(matplotlib.rcParams)
        use_book_style()
        assert dict(matplotlib.rcParams) == first
        assert matplotlib.rcParams["savefig.dpi"] == 300
        assert matplotlib.rcParams["figure.dpi"] == 110
        assert matplotlib.rcParams["svg.fonttype"] == "none"
    assert BOOK_RC["axes.prop_cycle"].by_key()["color"] == PALETTE
    assert len(set(PALETTE)) == len(PALETTE) == 8


# ---------------------------------------------------------------- format_p


@pytest.mark.parametrize(
    ("p", "digits", "expected"),
    [
        (0.0653, 3, "0.065"),
        (0.0004, 3, "< 0.001"),
        (0.001, 3, "0.001"),
        (0.00099, 3, "< 0.001"),
        (0.05, 3, "0.050"),
        (0.0501, 3, "0.050"),
        (0.0499, 3, "0.0499"),  # never rounded up across 0.05
        (0.04996, 3, "0.04996"),
        (0.049, 3, "0.049"),
        (0.062, 3, "0.062"),
        (0.5, 3, "0.500"),
        (0.9996, 3, "> 0.999"),
        (1.0, 3, "1.000"),
        (0.0, 3, "< 0.001"),
        (0.00004, 4, "< 0.0001"),
        (0.0653, 2, "0.07"),
        (0.046, 2, "0.046"),
        (float("nan"), 3, "NA"),
    ],
)
def test_format_p(p, digits, expected):
    assert format_p(p, digits) == expected


@pytest.mark.parametrize(("p", "digits"), [(-0.1, 3), (1.5, 3), (0.5, 0)])
def test_format_p_rejects_bad_input(p, digits):
    with pytest.raises(NettxError):
        format_p(p, digits)


def test_band_covers_the_last_step_of_a_curve_that_falls_to_zero():
    """A group whose longest time is a death ends at S = 0, where the log-log interval is
    undefined; the band must still cover the step before it (it vanished from the
    previous death time on, under a curve that stood above 0)."""
    durations = [5.0, 8.0, 12.0, 20.0, 30.0]
    events = [1, 0, 1, 0, 1]  # the last time is a death
    fig = km_figure(durations, events)
    (band,) = _by_gid(fig.axes[0], "km-ci")
    vertices = np.vstack([path.vertices for path in band.get_paths()])
    # the band reaches the last death time, and spans the step between 12 and 30 months
    assert vertices[:, 0].max() >= 30.0
    on_last_step = vertices[(vertices[:, 0] > 12.0) & (vertices[:, 0] < 30.0)]
    assert on_last_step.size and np.ptp(on_last_step[:, 1]) > 0.1


def test_a_landmark_is_a_labelled_line_not_a_tick(aml):
    """The book keeps one tick grid: a landmark between two ticks adds no tick and no
    column of the at-risk table (60 between 48 and 72 made labels collide); it is a dotted
    line labelled with its time. A landmark after the last follow-up gets no label."""
    fig = km_figure(aml.time, aml.event, aml.group, tick_step=24, landmarks=[12, 500])
    times = sorted(set(fig.km_counts["time"]))
    assert times == [24.0 * k for k in range(len(times))]
    assert list(fig.axes[0].get_xticks()) == times
    labels = [t.get_text().strip() for t in _by_gid(fig.axes[0], "km-landmark-label")]
    assert labels == ["12"]


def test_km_caption_states_level_scale_and_what_the_table_counts():
    """The caption's level and scale come from alpha and ci_type; the table is cumulative."""
    from nettx_utils.figures.km import km_caption

    one = km_caption("log-log", 0.05, landmarks=[12, 60])
    assert "95% confidence band (computed on the log-log scale)" in one
    assert "(12, 60 months)" in one and "cumulative numbers censored and dead" in one
    groups = km_caption("plain", 0.1, groups=True, landmarks=[60], event="with progression")
    assert "90% confidence bands (computed on the plain (linear) scale)" in groups
    assert "log-rank p" in groups and "dotted line marks 60 months" in groups
    assert (
        "at each tick of each group" in groups
        and 'with progression (the row "Events") up to' in groups
    )
    with pytest.raises(NettxError):
        km_caption("logit", 0.05)

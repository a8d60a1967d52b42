"""The figures of chapters 11-13: what each draws, read back from the matplotlib artists."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from nettx_utils.stats.cutoffs import MaxSelectedResult
from nettx_utils.teaching import figures as teaching_figures
from nettx_utils.teaching.cutoff_search import SearchCorrection


def texts(figure) -> str:
    return "\n".join(t.get_text() for t in figure.findobj(Text))


def scan(admissible=True):
    return pd.DataFrame(
        {
            "cutoff": [12.0, 13.0, 14.0, 15.0],
            "p_value": [0.5, 0.02, 0.04, np.nan],
            "admissible": [admissible] * 4,
        }
    )


def test_sweep_figure_draws_the_admissible_p_values_and_marks():
    marker = [5.0, 12.5, 13.0, 14.0, 30.0, np.nan]
    figure = teaching_figures.sweep_figure(
        scan(), 13, marker, xlabel="x", what="times", name="the cut", alpha=0.05
    )
    ax = figure.axes[0]
    assert ax.get_yscale() == "log"
    step = ax.lines[0]
    assert step.get_xdata().tolist() == [12.0, 13.0, 14.0]  # the NaN p is left out
    assert ax.get_ylim()[0] == 0.01  # half the smallest of the p-values and alpha
    ticks = ax.lines[-1]
    assert sorted(ticks.get_xdata().tolist()) == [12.5, 13.0, 14.0]  # inside the sweep only
    assert "the cut (13)" in texts(figure) and "p = 0.05" in texts(figure)
    empty = teaching_figures.sweep_figure(
        scan(False), 13, marker, xlabel="x", what="times", name="the cut", alpha=0.05
    )
    assert "no admissible cut-off" in texts(empty)


def test_sweep_figure_can_tick_every_observed_value():
    """Fig. 18 ticks every measured Mib-1 value, the largest (no threshold there) included,
    and the x axis is widened to hold it."""
    marker = [5.0, 12.5, 13.0, 14.0, 30.0, np.nan]
    kwargs = {"xlabel": "x", "what": "values", "name": "the cut", "alpha": 0.05}
    figure = teaching_figures.sweep_figure(scan(), 13, marker, every_value=True, **kwargs)
    ax = figure.axes[0]
    assert sorted(ax.lines[-1].get_xdata().tolist()) == [5.0, 12.5, 13.0, 14.0, 30.0]
    low, high = ax.get_xlim()
    assert low <= 5.0 and high > 30.0


def test_sweep_figure_without_marker_draws_no_patient_values():
    """On a real cohort the ticks of each patient's marker value are left out."""
    marker = [5.0, 12.5, 13.0, 14.0, 30.0, np.nan]
    kwargs = {"xlabel": "x", "what": "times", "name": "the cut", "alpha": 0.05}
    shown = teaching_figures.sweep_figure(scan(), 13, marker, **kwargs)
    hidden = teaching_figures.sweep_figure(scan(), 13, marker, show_marker=False, **kwargs)
    assert len(hidden.axes[0].lines) == len(shown.axes[0].lines) - 1
    assert "observed times" in texts(shown) and "observed times" not in texts(hidden)
    for line in hidden.axes[0].lines:
        assert not {12.5}.intersection(np.atleast_1d(line.get_xdata()).tolist())


def test_null_max_figure_lines_at_the_thresholds():
    null_max = np.arange(1.0, 101.0)
    result = MaxSelectedResult(
        statistic=42.0, cutoff=1.0, p_value=0.59, smallest_raw_p=1e-10, n_cutoffs=3,
        n_groupings=3, min_group=1, n_permutations=100, seed=1, table=scan(), null_max=null_max,
    )  # fmt: skip
    correction = SearchCorrection(3.84, 95.05, 0.97, 0.1, 0.59)
    figure = teaching_figures.null_max_figure(result, correction, alpha=0.05)
    ax = figure.axes[0]
    assert len(ax.patches) == 60
    assert sorted(line.get_xdata()[0] for line in ax.lines) == [3.84, 42.0, 95.05]
    nothing = SearchCorrection(3.84, np.nan, np.nan, np.nan, np.nan)
    blank = teaching_figures.null_max_figure(None, nothing, alpha=0.05).axes[0]
    assert not blank.patches and not blank.lines


def test_message_figure_says_why():
    assert "not measured" in texts(teaching_figures.message_figure("Mib-1 not measured"))


def test_bootstrap_figure_one_row_per_predictor():
    boot = pd.DataFrame(
        {
            "predictor": ["a", "b", "a", "b", "a", "b"],
            "penalised_coef": [0.1, -1.0, 0.3, np.nan, 0.5, -2.0],
        }
    )
    labels = {"a": "Predictor A", "b": "Predictor B"}
    figure = teaching_figures.bootstrap_figure(boot, np.array([0.2, -1.5]), labels)
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Predictor A", "Predictor B"]
    points_a = ax.lines[0]
    assert points_a.get_xdata().tolist() == [0.1, 0.3, 0.5]
    assert ax.lines[1].get_xdata().tolist() == [0.2, 0.4]  # quartiles of a
    diamonds = [line for line in ax.lines if line.get_marker() == "D"]
    assert [d.get_xdata()[0] for d in diamonds] == [0.2, -1.5]
    (key,) = figure.legends  # the figure's markers explained once, above the axes
    assert [t.get_text() for t in key.get_texts()] == [
        "One resample",
        "Median and interquartile range",
        "Estimate on all patients",
    ]
    no_fit = teaching_figures.bootstrap_figure(boot.head(0), None, labels).axes[0]
    assert not [line for line in no_fit.lines if line.get_marker() == "D"]


def test_pairing_figure_boxes_and_changes():
    values = pd.DataFrame({"a": [0.0, 1.0, 2.0, np.nan], "b": [1.0, 1.0, 3.0, 2.0]})
    change = pd.Series([1.0, 0.0, 1.0])
    figure = teaching_figures.pairing_figure(values, change, ["first", "second"])
    left, right = figure.axes
    assert [t.get_text() for t in left.get_xticklabels()] == ["first", "second"]
    assert sum(p.get_height() for p in right.patches) == 3
    zero_bar = right.containers[-1]  # the zero change has a bar of its own, not a rise
    assert [bar.get_height() for bar in zero_bar] == [1]
    assert right.get_xlabel() == "log2(second / first) within patient"
    empty = teaching_figures.pairing_figure(values.assign(a=np.nan), change.head(0), ["f", "s"])
    assert not empty.axes[1].patches


def test_power_figure_plots_power_and_size_per_test():
    sim = pd.DataFrame(
        {
            "rho": [0.0, 0.0, 0.9, 0.9],
            "true change": [0.0, 0.5, 0.0, 0.5],
            "signed-rank": [0.05, 0.4, 0.05, 0.99],
            "Mann-Whitney": [0.05, 0.35, 0.0, 0.3],
        }
    )
    ax = teaching_figures.power_figure(sim, alpha=0.05).axes[0]
    by_label = {line.get_label(): list(np.asarray(line.get_ydata())) for line in ax.lines}
    assert by_label["signed-rank: power"] == [0.4, 0.99]
    assert by_label["Mann-Whitney: size"] == [0.05, 0.0]
    # the level is a wide pale band behind the curves, not a thin line a size line could hide
    level = next(line for line in ax.lines if line.get_label().startswith("significance"))
    size_line = next(line for line in ax.lines if line.get_label() == "signed-rank: size")
    assert level.get_linewidth() >= 4 * size_line.get_linewidth()
    assert level.get_color() not in {size_line.get_color(), "#666666"}
    assert level.get_zorder() < size_line.get_zorder()
    assert ax.get_ylim() == (0.0, 1.04)  # shares, with room for a point at 100%


def test_legends_stand_outside_the_axes():
    """No legend inside a plotting area, where it could cover a curve or a point: each
    figure with a legend has it above the axes, and it lies above the axes' top edge."""
    marker = [5.0, 12.5, 13.0, 14.0, 30.0]
    simulation = pd.DataFrame(
        {
            "rho": [0.0, 0.0, 0.9, 0.9],
            "true change": [0.0, 0.5, 0.0, 0.5],
            "signed-rank": [0.05, 0.3, 0.05, 0.99],
            "Mann-Whitney": [0.05, 0.3, 0.0, 0.2],
        }
    )
    rng = np.random.default_rng(0)
    result = MaxSelectedResult(
        9.0, 13.0, 0.02, 0.003, 3, 2, 2, 500, 1, pd.DataFrame(), rng.chisquare(1, 500) * 2
    )
    correction = SearchCorrection(3.84, 7.5, 0.2, 0.03, 0.02)
    figures = [
        teaching_figures.sweep_figure(
            scan(), 13, marker, xlabel="x", what="times", name="the cut", alpha=0.05
        ),
        teaching_figures.null_max_figure(result, correction, alpha=0.05),
        teaching_figures.power_figure(simulation, alpha=0.05),
    ]
    for figure in figures:
        ax = figure.axes[0]
        assert ax.get_legend() is None
        assert len(figure.legends) == 1
        figure.draw_without_rendering()
        top = ax.get_window_extent().y1
        for text in figure.legends[0].get_texts():
            assert text.get_window_extent().y0 >= top


def test_sweep_figure_draws_every_p_where_it_is_without_a_floor():
    """Review, round 3: a floor at 1e-4 drew 5.5e-5 and 6.8e-5 on one flat line and hid
    the best split; a large cohort (p near 1e-40) lay flat on the floor. Every p is now
    drawn at its value, and the axis labels small p-values as powers of ten, not as
    "< 0.0001" nor in a raw float format."""
    close = scan().assign(p_value=[5.5e-5, 6.8e-5, 0.3, np.nan])
    figure = teaching_figures.sweep_figure(
        close, 13, [13.0], xlabel="x", what="times", name="the cut", alpha=0.05
    )
    ydata = list(figure.axes[0].lines[0].get_ydata())
    assert 5.5e-5 in ydata and 6.8e-5 in ydata
    tiny = scan().assign(p_value=[1e-40, 1e-30, 0.3, np.nan])
    figure = teaching_figures.sweep_figure(
        tiny, 13, [13.0], xlabel="x", what="times", name="the cut", alpha=0.05
    )
    ax = figure.axes[0]
    assert min(ax.lines[0].get_ydata()) == 1e-40
    assert ax.get_ylim()[0] == pytest.approx(1e-40 / 2)
    figure.draw_without_rendering()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert not any("<" in label or "e-" in label for label in labels)
    assert any("10^{-" in label for label in labels)


def test_null_max_caption_names_only_what_is_drawn():
    """Review, round 3: the caption said "solid: the observed maximum" when the maximum
    was off the scale and drawn only as an arrow."""
    far = MaxSelectedResult(
        statistic=400.0, cutoff=1.0, p_value=1e-2, smallest_raw_p=1e-80, n_cutoffs=3,
        n_groupings=3, min_group=1, n_permutations=100, seed=1, table=scan(),
        null_max=np.arange(1.0, 11.0),
    )  # fmt: skip
    near = MaxSelectedResult(
        statistic=8.0, cutoff=1.0, p_value=0.3, smallest_raw_p=0.005, n_cutoffs=3,
        n_groupings=3, min_group=1, n_permutations=100, seed=1, table=scan(),
        null_max=np.arange(1.0, 11.0),
    )  # fmt: skip
    correction = SearchCorrection(3.84, 9.5, 0.5, 0.1, 1e-2)
    off = teaching_figures.null_max_caption(far, correction)
    assert "solid" not in off and "arrow" in off
    on = teaching_figures.null_max_caption(near, correction)
    assert "solid: the observed maximum" in on
    drawn = teaching_figures.null_max_figure(near, correction, alpha=0.05).axes[0]
    assert any(line.get_linestyle() == "-" for line in drawn.lines)  # the solid line
    far_ax = teaching_figures.null_max_figure(far, correction, alpha=0.05).axes[0]
    assert all(line.get_linestyle() != "-" for line in far_ax.lines)


def test_null_max_figure_points_at_an_observed_maximum_far_off_its_scale():
    result = MaxSelectedResult(
        statistic=400.0, cutoff=1.0, p_value=1e-4, smallest_raw_p=1e-80, n_cutoffs=3,
        n_groupings=3, min_group=1, n_permutations=100, seed=1, table=scan(),
        null_max=np.arange(1.0, 11.0),
    )  # fmt: skip
    figure = teaching_figures.null_max_figure(
        result, SearchCorrection(3.84, 9.5, 0.5, 0.1, 1e-4), alpha=0.05
    )
    ax = figure.axes[0]
    assert ax.get_xlim()[1] < 20 and ax.get_yscale() == "log"
    assert "observed maximum 400.0" in texts(figure)


def test_a_logarithmic_axis_says_so_in_its_label():
    """Review, issue 13: a reader must not take a log axis for a linear one."""
    null_max = np.arange(1.0, 101.0)
    result = MaxSelectedResult(
        statistic=42.0, cutoff=1.0, p_value=0.59, smallest_raw_p=1e-10, n_cutoffs=3,
        n_groupings=3, min_group=1, n_permutations=100, seed=1, table=scan(), null_max=null_max,
    )  # fmt: skip
    correction = SearchCorrection(3.84, 95.05, 0.97, 0.1, 0.59)
    figures = [
        teaching_figures.sweep_figure(
            scan(), 13, [13.0], xlabel="x", what="times", name="the cut", alpha=0.05
        ),
        teaching_figures.null_max_figure(result, correction, alpha=0.05),
    ]
    for figure in figures:
        ax = figure.axes[0]
        assert ax.get_yscale() == "log"
        assert "log scale" in ax.get_ylabel()
        assert ax.get_xscale() == "linear" and "log scale" not in ax.get_xlabel()


def test_sweep_months_axis_follows_the_book_tick_rule():
    """Review, round 4: the timing sweep's cut-off axis ticks on the book's months rule
    (multiples of 24, or of 12 on a short range), not matplotlib's 20, 30, 40."""
    grid = pd.DataFrame(
        {"cutoff": np.arange(12.0, 61.0), "p_value": np.linspace(0.5, 0.01, 49), "admissible": True}
    )
    kwargs = {"xlabel": "x", "what": "times", "name": "the cut", "alpha": 0.05}
    figure = teaching_figures.sweep_figure(grid, 24, [20.0], months_axis=True, **kwargs)
    assert figure.axes[0].get_xticks().tolist() == [12.0, 24.0, 36.0, 48.0, 60.0]
    wide = grid.assign(cutoff=np.linspace(0.0, 120.0, 49))
    figure = teaching_figures.sweep_figure(wide, 24, [20.0], months_axis=True, **kwargs)
    assert figure.axes[0].get_xticks().tolist() == [0.0, 24.0, 48.0, 72.0, 96.0, 120.0]
    assert teaching_figures.month_ticks(0, 1200)[1] == 96.0  # 50 steps of 24: doubled


def test_sweep_p_axis_readable_and_captioned_far_in_the_tail():
    """Review, round 4: on a 300-patient cohort the p-values reach 1e-48. Every p is still
    drawn where it is, the axis labels at most seven powers of ten, and the caption says how
    far down the p-values go and what so small a p means; on the default range it says only
    that every p is drawn at its value."""
    tiny = scan().assign(p_value=[4.47e-49, 1e-30, 0.3, np.nan])
    kwargs = {"xlabel": "x", "what": "times", "name": "the cut", "alpha": 0.05}
    figure = teaching_figures.sweep_figure(tiny, 13, [13.0], **kwargs)
    ax = figure.axes[0]
    assert min(ax.lines[0].get_ydata()) == 4.47e-49
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    assert 2 <= len(ticks) <= 7
    assert np.allclose(ticks, [1.0, 1e-10, 1e-20, 1e-30, 1e-40])
    note = teaching_figures.sweep_scale_note(tiny)
    assert "4.5 × 10⁻⁴⁹" in note and "far below any significance level" in note
    default = scan().assign(p_value=[5.5e-5, 6.8e-5, 0.3, np.nan])
    assert teaching_figures.sweep_scale_note(default) == "Every p-value is drawn at its value."
    assert teaching_figures.p_axis_ticks(2.75e-5).tolist() == [1.0, 0.1, 0.01, 0.001, 0.0001]


def test_pairing_boxes_use_the_books_quartiles():
    """The boxes are the book's (SPSS, p(n + 1)) quartiles of the values in %, drawn in log2:
    for 1, 2, 4, 8, 16, 32 % they are 1.75 and 20, where matplotlib's default (numpy's
    linear rule) would give 2.5 and 14 (on the log2 values: 2**1.25 and 2**3.75)."""
    values = pd.DataFrame({"a": np.log2([1.0, 2.0, 4.0, 8.0, 16.0, 32.0]), "b": np.log2([2.0] * 6)})
    figure = teaching_figures.pairing_figure(values, pd.Series([1.0]), ["first", "second"])
    # bxp draws, per box: the box outline first, then whiskers, caps, median and fliers
    outline = np.asarray(figure.axes[0].lines[0].get_ydata())
    assert sorted(set(np.round(2**outline, 6))) == [1.75, 20.0]
    linear = teaching_figures.pairing_figure(values, pd.Series([1.0]), ["f", "s"], method="linear")
    linear_outline = np.asarray(linear.axes[0].lines[0].get_ydata())
    assert sorted(set(np.round(2**linear_outline, 6))) == [2.5, 14.0]

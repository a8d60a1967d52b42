"""The by-hand computations of the teaching chapters equal lifelines and nettx_utils.stats.survival."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from scipy.stats import norm

from nettx_utils.data.cohort import load_cohort
from nettx_utils.errors import NettxError
from nettx_utils.figures import followup
from nettx_utils.stats.survival import CI_TYPES, fit_kaplan_meier, landmark_table, median_followup
from nettx_utils.teaching import by_hand as teaching
from nettx_utils.teaching import (
    exercises,
    landmark_vs_binomial,
    simulations,
    survival_figures,
    survival_text,
)

TOL = 1e-10


def cohort_data():
    cohort = load_cohort()
    return (
        cohort["months_recurrence_to_last_followup"].to_numpy(float),
        cohort["died"].astype(int).to_numpy(),
        np.where(cohort["months_lt_to_recurrence"] <= 24, "early", "late"),
    )


def tied_data():
    """Ties everywhere: deaths with deaths, deaths with censorings, censorings with censorings."""
    durations = np.array([2, 2, 3, 3, 3, 5, 5, 7, 7, 7, 8, 10, 10, 12, 12, 12, 15, 15, 18, 20.0])
    events = np.array([1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0])
    groups = np.array(list("ababbabbaabababbaaba"))
    return durations, events, groups


DATASETS = {"cohort": cohort_data, "ties": tied_data}


@pytest.fixture(params=list(DATASETS))
def data(request):
    return DATASETS[request.param]()


def test_kaplan_meier_equals_lifelines(data):
    durations, events, _ = data
    table = teaching.life_table(durations, events)
    fitter = KaplanMeierFitter().fit(durations, events)
    expected = fitter.survival_function_.iloc[:, 0].loc[table["time"]].to_numpy()
    np.testing.assert_allclose(table["survival"], expected, rtol=0, atol=TOL)
    at_risk = fitter.event_table["at_risk"].loc[table["time"]].to_numpy()
    np.testing.assert_array_equal(table["at_risk"], at_risk)


def test_greenwood_se_equals_lifelines(data):
    durations, events, _ = data
    table = teaching.life_table(durations, events)
    fitter = KaplanMeierFitter().fit(durations, events)
    # lifelines keeps Greenwood's sum d/(n(n-d)) as _cumulative_sq_; its SE is S * sqrt(sum).
    greenwood = fitter._cumulative_sq_.loc[table["time"]].to_numpy()
    defined = table["survival"].to_numpy() > 0
    np.testing.assert_allclose(
        table["greenwood_sum"][defined], greenwood[defined], rtol=0, atol=TOL
    )
    lifelines_se = table["survival"] * np.sqrt(greenwood)
    np.testing.assert_allclose(table["std_err"][defined], lifelines_se[defined], rtol=0, atol=TOL)


@pytest.mark.parametrize("ci_type", CI_TYPES)
def test_intervals_equal_nettx_survival(data, ci_type):
    durations, events, _ = data
    table = teaching.life_table(durations, events)
    km = fit_kaplan_meier(durations, events, ci_type=ci_type)
    prefix = teaching.CI_COLUMNS[ci_type]
    pd.testing.assert_series_equal(
        table["time"], km.table_["time"], check_names=False, check_exact=True
    )
    for side in ("lower", "upper"):
        np.testing.assert_allclose(table[f"{prefix}_{side}"], km.table_[side], rtol=0, atol=TOL)
    np.testing.assert_allclose(table["std_err"], km.table_["std_err"], rtol=0, atol=TOL)
    assert teaching.median_with_ci(table, ci_type) == (
        km.median_.estimate,
        km.median_.lower,
        km.median_.upper,
    )


def test_loglog_interval_equals_lifelines(data):
    durations, events, _ = data
    table = teaching.life_table(durations, events)
    fitter = KaplanMeierFitter().fit(durations, events)
    inside = ((table["survival"] > 0) & (table["survival"] < 1)).to_numpy()
    ci = fitter.confidence_interval_.loc[table["time"]].to_numpy()
    np.testing.assert_allclose(table["loglog_lower"][inside], ci[inside, 0], rtol=0, atol=TOL)
    np.testing.assert_allclose(table["loglog_upper"][inside], ci[inside, 1], rtol=0, atol=TOL)


@pytest.mark.parametrize("weighting", ["logrank", "wilcoxon", "tarone-ware", "peto"])
def test_logrank_equals_lifelines(data, weighting):
    durations, events, groups = data
    table, result = teaching.logrank_by_hand(durations, events, groups, weighting=weighting)
    expected = multivariate_logrank_test(
        durations, groups, events, weightings=None if weighting == "logrank" else weighting
    )
    assert result["statistic"] == pytest.approx(expected.test_statistic, rel=TOL, abs=TOL)
    assert result["p_value"] == pytest.approx(expected.p_value, rel=TOL, abs=TOL)
    first = sorted(set(groups))[0]
    assert result["observed_1"] == events[groups == first].sum()
    assert table["d"].sum() == events.sum()


def test_logrank_table_counts(data):
    durations, events, groups = data
    table = teaching.logrank_table(durations, events, groups)
    assert (table["n"] == table["n1"] + table["n2"]).all()
    assert (table["e1"] + (table["d"] - table["e1"]) == table["d"]).all()
    # O - E sums to zero over both groups, so group 2's is minus group 1's
    o2 = table["d2"].sum()
    e2 = (table["d"] * table["n2"] / table["n"]).sum()
    assert o2 - e2 == pytest.approx(-table["o_minus_e"].sum(), abs=TOL)


def test_reverse_km_followup_equals_nettx_survival(data):
    durations, events, _ = data
    summaries = teaching.followup_summaries(durations, events).set_index("summary")["months"]
    assert summaries["Reverse Kaplan-Meier median"] == median_followup(durations, events).estimate
    assert summaries["Median observation time"] == np.median(durations)


def test_value_at_matches_survival_at(data):
    durations, events, _ = data
    table = teaching.life_table(durations, events)
    km = fit_kaplan_meier(durations, events)
    for t in [0, 2.5, 7, 60, 1000]:
        expected = km.survival_at([t])["survival"].iloc[0]
        assert teaching.value_at(table, t) == pytest.approx(expected, nan_ok=True)


def test_small_and_degenerate_inputs():
    table, result = teaching.logrank_by_hand([1, 2, 3], [0, 0, 0], ["a", "b", "a"])
    assert table.empty
    assert np.isnan(result["statistic"]) and np.isnan(result["p_value"])
    with pytest.raises(NettxError, match="exactly 2 groups"):
        teaching.logrank_by_hand([1, 2], [1, 1], ["a", "a"])
    table = teaching.life_table([4.0], [1])
    assert table["survival"].tolist() == [0.0]
    assert teaching.median_with_ci(teaching.life_table([4.0, 5.0], [0, 0])) == (
        np.inf,
        np.inf,
        np.inf,
    )


def test_simulations_are_reproducible():
    first = simulations.simulate_power((2.0, 2.0), n_per_group=10, n_sim=5, seed=1)
    assert first.equals(simulations.simulate_power((2.0, 2.0), n_per_group=10, n_sim=5, seed=1))
    durations, events, _ = cohort_data()
    widths = simulations.ci_width_by_size(durations, events, [8, 32], month=24, n_sim=5, seed=3)
    assert widths["n"].tolist() == [8, 32]
    assert widths.equals(
        simulations.ci_width_by_size(durations, events, [8, 32], month=24, n_sim=5, seed=3)
    )


def power_trial_by_trial(hazard_ratios, n_per_group, n_sim, seed, weightings, alpha=0.05):
    """The slow reference: one pandas log-rank table per trial, on the same draws."""
    rng = np.random.default_rng(seed)
    base, cut = np.log(2) / 60.0, 24.0
    groups = np.repeat([1, 2], n_per_group)
    rejected = dict.fromkeys(weightings, 0)
    for _ in range(n_sim):
        times = np.concatenate(
            [
                simulations.piecewise_exponential(rng, n_per_group, (base, base), cut),
                simulations.piecewise_exponential(
                    rng, n_per_group, tuple(base * np.array(hazard_ratios)), cut
                ),
            ]
        )
        censor = rng.uniform(cut, 120.0, size=2 * n_per_group)
        table = teaching.logrank_table(np.minimum(times, censor), times <= censor, groups)
        for weighting in weightings:
            rejected[weighting] += teaching.logrank_statistic(table, weighting)["p_value"] < alpha
    return pd.Series({w: count / n_sim for w, count in rejected.items()}, name="power")


WEIGHTINGS = ("logrank", "wilcoxon", "tarone-ware", "peto")


@pytest.mark.parametrize("hazard_ratios", [(2.0, 2.0), (3.0, 1 / 3), (1.0, 1.0)])
def test_vectorised_power_equals_trial_by_trial(hazard_ratios):
    expected = power_trial_by_trial(hazard_ratios, 15, 60, 7, WEIGHTINGS)
    got = simulations.simulate_power(
        hazard_ratios, n_per_group=15, n_sim=60, seed=7, weightings=WEIGHTINGS
    )
    pd.testing.assert_series_equal(got, expected, check_exact=True)


def batch_statistics_equal_by_hand(durations, events, in_group_1):
    tables = simulations.logrank_tables(durations, events, in_group_1)
    groups = np.where(in_group_1, "a", "b")
    for weighting in WEIGHTINGS:
        batch = teaching.weighted_chi2(tables, weighting)
        for row in range(len(durations)):
            _, by_hand = teaching.logrank_by_hand(
                durations[row], events[row], groups, weighting=weighting
            )
            for key in ("u", "variance", "statistic", "p_value"):
                assert batch[key][row] == pytest.approx(by_hand[key], rel=TOL, abs=TOL, nan_ok=True)


def test_batch_logrank_equals_by_hand_on_simulated_trials():
    durations, events = simulations.simulate_trials((3.0, 1.0), n_per_group=12, n_sim=40, seed=5)
    batch_statistics_equal_by_hand(durations, events, np.arange(24) < 12)


def test_batch_logrank_equals_by_hand_with_ties_and_no_deaths():
    durations, events, groups = tied_data()
    rng = np.random.default_rng(0)
    rows = [rng.permutation(durations.size) for _ in range(20)]
    durations, events = durations[rows], events[rows].astype(float)
    events[0] = 0  # a trial without any death: NaN, as by hand
    batch_statistics_equal_by_hand(durations, events, groups == "a")


@pytest.mark.parametrize("ci_type", CI_TYPES)
def test_batch_life_tables_equal_life_table(ci_type):
    durations, events, _ = cohort_data()
    rng = np.random.default_rng(11)
    picks = rng.integers(0, durations.size, size=(30, 16))
    picks[0] = 0  # one patient sixteen times: heavy ties
    tables = simulations.life_tables(durations[picks], events[picks], ci_type=ci_type)
    prefix = teaching.CI_COLUMNS[ci_type]
    for row, pick in enumerate(picks):
        table = teaching.life_table(durations[pick], events[pick], ci_types=(ci_type,))
        last = tables["last"][row]
        np.testing.assert_array_equal(tables["time"][row][last], table["time"])
        np.testing.assert_allclose(tables["survival"][row][last], table["survival"], atol=TOL)
        for side in ("lower", "upper"):
            np.testing.assert_allclose(
                tables[side][row][last], table[f"{prefix}_{side}"], rtol=0, atol=TOL
            )
        for month in (0.5, 24.0, 60.0, 1000.0):
            for side in ("lower", "upper"):
                assert simulations.values_at(tables, month, side)[row] == pytest.approx(
                    teaching.value_at(table, month, f"{prefix}_{side}"), abs=TOL, nan_ok=True
                )
        median, _, upper = teaching.median_with_ci(table, ci_type)
        assert simulations.first_times_at_half(tables, "survival")[row] == median
        assert simulations.first_times_at_half(tables, "upper")[row] == upper


@pytest.mark.parametrize("batch_cells", [simulations.BATCH_CELLS, 100])
def test_ci_width_by_size_equals_resample_by_resample(monkeypatch, batch_cells):
    monkeypatch.setattr(simulations, "BATCH_CELLS", batch_cells)  # 100: several batches per size
    durations, events, _ = cohort_data()
    sizes, month, n_sim = [4, 32, 64], 60.0, 25
    rng, rows = np.random.default_rng(9), []
    for size in sizes:
        widths, reached, closed = [], 0, 0
        for _ in range(n_sim):
            pick = rng.integers(0, durations.size, size=size)
            table = teaching.life_table(durations[pick], events[pick])
            widths.append(
                teaching.value_at(table, month, "loglog_upper")
                - teaching.value_at(table, month, "loglog_lower")
            )
            median, _, upper = teaching.median_with_ci(table)
            reached, closed = reached + np.isfinite(median), closed + np.isfinite(upper)
        mean = float(np.nanmean(widths)) if np.isfinite(widths).any() else np.nan
        rows.append([size, mean, reached / n_sim, closed / n_sim])
    got = simulations.ci_width_by_size(durations, events, sizes, month=month, n_sim=n_sim, seed=9)
    np.testing.assert_allclose(got.to_numpy(float), np.array(rows, float), rtol=0, atol=TOL)


def test_check_answer():
    assert exercises.check_answer(None, 1.0).startswith("Not answered")
    assert exercises.check_answer([1.0, 2.0], [1.0, 2.0]) == "Correct."
    assert exercises.check_answer(0.5, 0.6).startswith("Not quite")


def test_check_answer_says_not_quite_in_one_line_instead_of_raising():
    """Review, round 3: chapter 12's exercise 1 answered from the table's 3.7 (the
    solution is 11/3) ended in an AssertionError traceback. A wrong answer now gets one
    line with the expected value and the tolerance: 1e-4 * 11/3 = 0.000367."""
    message = exercises.check_answer(3.7, 11 / 3)
    assert message == "Not quite: expected about 3.6667 (to within 0.00037)."
    assert "\n" not in message
    assert exercises.check_answer(11 / 3 + 3e-4, 11 / 3) == "Correct."  # inside 0.000367
    assert exercises.check_answer(11 / 3 + 4e-4, 11 / 3).startswith("Not quite")  # outside
    assert exercises.check_answer([1.0], [1.0, 2.0]).startswith("Not quite: expected 2 values")
    assert exercises.check_answer("three", 3.0).startswith("Not quite: expected a number")
    assert exercises.check_answer(float("nan"), float("nan")) == "Correct."


def test_check_answer_accepts_the_rounded_quantile_and_rejects_a_wrong_level():
    """Chapters 7 and 10 print 1.96 as the rounded value of norm.ppf(0.975): a reader who
    uses it must pass (the reviewer's log interval failed at 1e-6), one who uses the 90%
    quantile, or misses by a tenth of a percentage point, must not."""
    assert exercises.check_answer([0.61121758, 0.95287015], [0.61122007, 0.95286626]) == "Correct."
    s, sigma = 0.78, 0.12  # the log interval S exp(-/+ z sigma), upper limit cut at 1
    exact = [
        s * math.exp(-norm.ppf(0.975) * sigma),
        min(1.0, s * math.exp(norm.ppf(0.975) * sigma)),
    ]
    rounded = [s * math.exp(-1.96 * sigma), min(1.0, s * math.exp(1.96 * sigma))]
    assert exercises.check_answer(rounded, exact) == "Correct."
    width = 2 * norm.ppf(0.975) * math.sqrt(0.4 * 0.6 / 32)
    assert exercises.check_answer(2 * 1.96 * math.sqrt(0.4 * 0.6 / 32), width) == "Correct."
    assert exercises.check_answer([s * math.exp(-1.645 * sigma), exact[1]], exact).startswith(
        "Not quite"
    )
    assert exercises.check_answer(0.781, 0.78).startswith("Not quite")


def test_check_answer_is_relative_so_a_small_p_value_is_not_matched_by_another():
    """Review, round 4: with an absolute tolerance of 1e-4, chapter 11's exercise accepted 0,
    or the p-value of the wrong split (6.83e-5), for the solution 5.53e-5."""
    assert exercises.check_answer(5.528e-5, 5.528e-5) == "Correct."
    assert exercises.check_answer(0.0, 5.528e-5).startswith("Not quite")
    assert exercises.check_answer(6.83e-5, 5.528e-5).startswith("Not quite")
    assert exercises.check_answer(0.0002, 2.764e-4).startswith("Not quite")
    assert exercises.check_answer(0.0, 0.0) == "Correct."


def test_value_at_agrees_with_landmark_table_beyond_a_curve_that_reached_zero():
    """A cohort whose longest time is a death: the curve is 0 from then on, in the
    package's landmark table and in the teaching life table (chapter 10 checks one
    against the other; a 10-patient cohort once failed there)."""
    months = [5.6, 18.4, 23.2, 30.0, 48.4, 61.2, 65.9, 75.7, 81.6, 83.3]
    died = [1, 1, 0, 0, 1, 1, 0, 0, 0, 1]
    table = teaching.life_table(months, died)
    landmarks = landmark_table(fit_kaplan_meier(months, died), [1, 5, 10])
    for row in landmarks.itertuples():
        assert teaching.value_at(table, row.months) == pytest.approx(row.survival)
    assert teaching.value_at(table, 120) == 0.0
    censored_last = teaching.life_table(months[:-1], died[:-1])
    assert math.isnan(teaching.value_at(censored_last, 120))


def test_percent_cell_rounds_as_the_prose():
    # 26 of 32 is 81.25%: the table and the prose must both print 81.3% (half up), where
    # Python's "{:.1%}" prints 81.2%.
    assert f"{26 / 32:.1%}" == "81.2%"
    for k in range(33):
        assert survival_text.percent_cell()(k / 32) == survival_text.proportion_text(k / 32)
    assert survival_text.percent_cell()(26 / 32) == "81.3%"
    assert survival_text.percent_cell(0)(0.125) == "13%"
    assert survival_text.percent_cell()(math.nan) == "–"


def test_chapter_8_table_and_prose_round_alike():
    # Chapter 8's "count censored as alive": 1 - deaths before 60 months / patients.
    months, died, _ = cohort_data()
    counted_alive = 1 - ((months < 60) & (died == 1)).sum() / len(months)
    assert survival_text.percent_cell()(counted_alive) == survival_text.proportion_text(
        counted_alive
    )


def test_number_cell():
    cell = survival_text.number_cell(3, signed=True)
    assert [cell(v) for v in (0.7745, -0.2083, 0.0, math.nan, math.inf)] == [
        "+0.775",
        "-0.208",
        "0",
        "–",
        "–",
    ]
    assert survival_text.number_cell(1)(2.25) == "2.3"


def test_median_reached_with_fewer_than_half_dead_on_the_cohort():
    # Chapter 10: under censoring the median needs the curve, not half the patients, to fall.
    months, died, _ = cohort_data()
    table = teaching.life_table(months, died)
    found = survival_text.deaths_by_median(table)
    assert math.isfinite(found["median"])
    assert found["median"] == KaplanMeierFitter().fit(months, died).median_survival_time_
    assert found["patients"] == len(months)
    assert found["deaths"] == int(died[months <= found["median"]].sum())
    assert 2 * int(died.sum()) < len(months)  # fewer than half died at all
    assert "fewer than half" in survival_text.median_sentence(table)


def test_deaths_by_median_by_hand():
    # S = 5/6 after the death at 1; 3 censored; at 5, 1 of 2 dies: S = 5/12 <= 0.5.
    table = teaching.life_table([1, 2, 3, 4, 5, 6], [1, 0, 0, 0, 1, 0])
    assert survival_text.deaths_by_median(table) == {"median": 5.0, "deaths": 2, "patients": 6}
    not_reached = teaching.life_table([1, 2, 3], [1, 0, 0])
    assert survival_text.deaths_by_median(not_reached)["median"] == math.inf
    assert "not reached" in survival_text.median_sentence(not_reached)


TEACHING_NOTEBOOKS = [
    "07_kaplan_meier_by_hand",
    "08_censoring_and_followup",
    "09_logrank_by_hand",
    "10_landmarks_and_medians",
    "11_cutoff_problem",
    "12_multivariable_models",
    "13_paired_vs_independent",
]


def notebook_cells(name):
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "notebooks" / f"{name}.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("name", TEACHING_NOTEBOOKS)
def test_exercises_follow_the_common_format(name):
    cells = notebook_cells(name)
    assert exercises.exercise_problems(cells) == []
    assert sum("**Exercise" in "".join(c["source"]) for c in cells) >= 1


def test_a_why_question_needs_an_answer_in_words():
    """Chapter 7's exercise 3 asks why; its hidden solution must answer in a comment."""
    cells = [dict(c) for c in notebook_cells("07_kaplan_meier_by_hand")]
    index = next(i for i, c in enumerate(cells) if "".join(c["source"]).startswith("**Exercise 3."))
    assert "why" in "".join(cells[index]["source"]).lower()
    assert exercises.exercise_problems(cells) == []
    solution = "".join(cells[index + 2]["source"]).splitlines()
    bare = [line for line in solution if not line.startswith("# ") or line == "# Solution"]
    cells[index + 2] = dict(cells[index + 2], source="\n".join(bare))
    assert exercises.exercise_problems(cells) == [
        "exercise 3: asks why, but the solution answers in no comment"
    ]


@pytest.mark.parametrize("seed", range(20))
def test_dropping_censored_patients_never_raises_the_share_alive(seed):
    """Chapter 7's exercise 3 and chapter 8's first shortcut (one definition): leaving out
    the patients censored before t never gives a share alive above the Kaplan-Meier
    estimate, and counting them as alive never gives one below it (ties included)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 40))
    months = np.round(rng.exponential(60, n))  # whole months: many ties
    died = rng.random(n) < 0.6
    if not died.any():
        died[0] = True
    table = teaching.life_table(months, died.astype(int))
    for t in np.unique(np.r_[months, np.linspace(0, months.max(), 15)]):
        km = teaching.value_at(table, t)
        kept = ~(~died & (months < t))
        dropped = float(1 - (died[kept] & (months[kept] <= t)).mean())
        counted = float(1 - (died & (months <= t)).mean())
        status = landmark_vs_binomial.landmark_status(months, died.astype(int), t)
        assert status["dropped"] == pytest.approx(dropped)
        assert status["counted_alive"] == pytest.approx(counted)
        assert dropped <= km + 1e-12
        assert counted >= km - 1e-12


def test_landmark_status_by_hand():
    # t = 5: deaths at 2 and 5 count; the censoring at 3 is before, the one at 5 is not
    status = landmark_vs_binomial.landmark_status([2, 3, 5, 5, 8, 9], [1, 0, 1, 0, 1, 0], 5)
    assert status["died_by"] == 2 and status["censored_before"] == 1
    assert status["known"] == 5 and status["known_alive"] == 3
    assert status["dropped"] == pytest.approx(3 / 5)
    assert status["counted_alive"] == pytest.approx(4 / 6)
    # nobody censored before t: both shortcuts equal Kaplan-Meier
    table = teaching.life_table([2, 3, 5, 5, 8, 9], [1, 0, 1, 0, 1, 0])
    early = landmark_vs_binomial.landmark_status([2, 3, 5, 5, 8, 9], [1, 0, 1, 0, 1, 0], 2.5)
    assert early["dropped"] == early["counted_alive"] == teaching.value_at(table, 2.5)


def test_landmark_widths_without_and_with_censoring():
    z = norm.ppf(0.975)
    complete = teaching.life_table([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1] * 10)
    widths = landmark_vs_binomial.landmark_widths(complete, 3.5)  # S = 0.7, nobody censored
    assert widths["binomial"] == pytest.approx(2 * z * math.sqrt(0.7 * 0.3 / 10), abs=TOL)
    assert widths["plain"] == pytest.approx(widths["binomial"], abs=TOL)
    censored = teaching.life_table([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 0, 1, 0, 0, 1, 0])
    widths = landmark_vs_binomial.landmark_widths(censored, 4.5)  # by hand: S = 0.6
    greenwood = 1 / (8 * 7) + 1 / (7 * 6) + 1 / (5 * 4)
    assert widths["plain"] == pytest.approx(2 * z * 0.6 * math.sqrt(greenwood), abs=TOL)
    k = math.exp(z * math.sqrt(greenwood) / abs(math.log(0.6)))
    assert widths["chosen"] == pytest.approx(0.6 ** (1 / k) - 0.6**k, abs=TOL)


def test_expected_by_group_by_hand(data):
    durations, events, groups = data
    table = teaching.logrank_table(durations, events, groups)
    first = sorted(set(groups))[0]
    expected = [0.0, 0.0]
    for t in np.unique(durations[events == 1]):
        at_risk = durations >= t
        deaths = ((durations == t) & (events == 1)).sum()
        share = (at_risk & (groups == first)).sum() / at_risk.sum()
        expected[0] += deaths * share
        expected[1] += deaths * (1 - share)
    assert survival_text.expected_by_group(table) == pytest.approx(tuple(expected), abs=1e-9)
    assert sum(survival_text.expected_by_group(table)) == pytest.approx(events.sum())


def test_chi2_caveat_quotes_both_p_values_on_the_cohort():
    from nettx_utils.pages.prose import p_significant
    from nettx_utils.teaching.cutoff_fixed import fixed_cut_test

    months, died, groups = cohort_data()
    marker = load_cohort()["months_lt_to_recurrence"].to_numpy(float)
    permutation = fixed_cut_test(months, died, marker, 24, n_permutations=999, seed=3)
    asymptotic = multivariate_logrank_test(months, groups, died).p_value
    table = teaching.logrank_table(months, died, groups)
    smaller = int(min((groups == "early").sum(), (groups == "late").sum()))
    text = survival_text.chi2_caveat(
        smaller, min(survival_text.expected_by_group(table)), asymptotic, permutation, "times"
    )
    assert f"p = {p_significant(permutation.p_value)} (Monte Carlo" in text
    assert f"against p = {p_significant(asymptotic)} from the chi-square" in text
    assert "both p values to two significant figures" in text
    assert f"the smaller group has {smaller} patients" in text
    # the permutation p is (1 + hits) / (1 + B), never 0 (Phipson and Smyth)
    assert permutation.p_value == (1 + permutation.n_reaching) / 1000


def test_teaching_figures_follow_the_book_tick_rule():
    from nettx_utils.figures.style import book_ticks

    months, died, groups = cohort_data()
    table = teaching.life_table(months, died)
    for ax in survival_figures.ci_scales_figure(table, 60).axes:
        assert ax.get_xticks().tolist() == book_ticks(months.max()).tolist()
    lr_table, _ = teaching.logrank_by_hand(months, died, groups, weighting="wilcoxon")
    ax = survival_figures.weights_figure({"Wilcoxon": lr_table}).axes[0]
    assert ax.get_xticks().tolist() == book_ticks(lr_table["time"].max()).tolist()
    assert all(tick % 24 == 0 for tick in ax.get_xticks())


def test_binomial_comparison_on_the_cohort_counts_as_landmark_status():
    months, died, _ = cohort_data()
    status = landmark_vs_binomial.landmark_status(months, died, 60)
    text = landmark_vs_binomial.binomial_comparison(months, died, 60)
    assert text.startswith(
        f"{status['censored_before']} of the {len(months)} patients were censored before"
    )
    assert f"known for {status['known']} of them" in text
    assert survival_text.proportion_text(status["dropped"]) in text


def test_exercise_problems_finds_each_break():
    good = notebook_cells("07_kaplan_meier_by_hand")
    start = next(i for i, c in enumerate(good) if "".join(c["source"]).startswith("## Exercises"))

    def broken(offset, source=None, tags=None):
        cells = [dict(c, metadata=dict(c.get("metadata", {}))) for c in good]
        if source is not None:
            cells[start + offset]["source"] = source
        if tags is not None:
            cells[start + offset]["metadata"]["tags"] = tags
        return exercises.exercise_problems(cells)

    assert broken(0, "## Exercises\n\nTry these.")  # another intro
    assert broken(2, "answer_1 = 0.5")  # an answer filled in
    assert broken(3, tags=[])  # solution not hidden
    assert broken(3, "# Solution\nsolution_1 = 1.0\nsolution_1")  # echoes its value
    assert broken(4, "check_answer(answer_1, solution_1)")  # not printed
    assert broken(1, "**Exercise 2.** Out of order.")


@pytest.mark.parametrize("name", TEACHING_NOTEBOOKS)
def test_every_figure_caption_ends_with_the_data_caption(name):
    import re

    markdown = "\n".join(
        "".join(c["source"]) for c in notebook_cells(name) if c["cell_type"] == "markdown"
    )
    figures = re.findall(r"```\{glue:figure\}.*?\n```", markdown, flags=re.DOTALL)
    assert figures
    for figure in figures:
        caption = figure.removesuffix("```").rstrip()
        simulated = caption.endswith("no patient data enter this figure.")  # chapter 13's power
        assert simulated or caption.endswith("{glue:text}`data_caption`"), figure


@pytest.mark.parametrize("name", TEACHING_NOTEBOOKS)
def test_no_code_cell_echoes_a_bare_value(name):
    # A cell whose last statement is a bare name or number would print a raw repr on the page.
    import ast

    for cell in notebook_cells(name):
        if cell["cell_type"] != "code" or "remove-cell" in cell["metadata"].get("tags", []):
            continue
        body = ast.parse("".join(cell["source"])).body
        last = body[-1] if body else None
        if isinstance(last, ast.Expr):
            assert not isinstance(last.value, (ast.Name, ast.Constant, ast.Subscript)), cell["id"]
            # record() returns its value: as a cell's last line it prints it ("73.7" above
            # chapter 8's Fig. 11) unless a semicolon silences it
            call = last.value.func if isinstance(last.value, ast.Call) else None
            name = getattr(call, "id", getattr(call, "attr", None))
            silenced = "".join(cell["source"]).rstrip().endswith(";")
            assert name != "record" or silenced, cell["id"]


@pytest.mark.parametrize("name", TEACHING_NOTEBOOKS[:4])
def test_every_cohort_table_of_chapters_7_to_10_carries_the_cohort_mark(name):
    """Each table computed from the cohort (``formatting.styled`` or ``chapter.listing``) names
    the cohort in its caption (``mark``: "synthetic cohort: ..." or "your cohort"); only the
    simulated trials of chapter 9 are no cohort's."""
    import ast

    cells = [c for c in notebook_cells(name) if c["cell_type"] == "code"]
    found = 0
    for cell in cells:
        tree = ast.parse("".join(cell["source"]))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(
                ("formatting.styled", "chapter.listing")
            ):
                caption = ast.unparse(node.args[1])
                if "simulated trials" in caption:
                    continue
                found += 1
                assert "mark" in caption, (name, caption)
    assert found


def test_chi2_caveat_says_when_no_shuffle_reached_the_statistic():
    """With 0 hits the text gives p = 1/(B + 1) and a true bound, never "0.000 to 0.000"."""
    from nettx_utils.teaching.cutoff_fixed import fixed_cut_test

    months = np.arange(1.0, 41.0)  # the marker sorts survival perfectly: nothing beats it
    died = np.ones(40, dtype=int)
    permutation = fixed_cut_test(months, died, months, 20, n_permutations=9_999, seed=1)
    assert permutation.n_reaching == 0
    text = survival_text.chi2_caveat(20, 9.0, 1e-6, permutation, "times")
    assert "no shuffle of the 9,999 reached the observed statistic, so p = 1/10,000 < 0.001" in text
    assert permutation.p_value == 1 / 10_000 < 0.001
    assert "against p = 1.0 × 10⁻⁶ from the chi-square" in text


def test_value_at_before_the_first_time_is_a_curve_known_without_error():
    """Before the first time S = 1: the limits are 1, Greenwood's sum and the SE are 0."""
    table = teaching.life_table([5, 8, 8, 12, 16], [1, 1, 0, 1, 0])
    assert teaching.value_at(table, 3) == 1.0
    for column in ("std_err", "variance", "greenwood_sum", "greenwood_term"):
        assert teaching.value_at(table, 3, column) == 0.0, column
    for column in ("plain_lower", "plain_upper", "log_lower", "loglog_upper", "conditional"):
        assert teaching.value_at(table, 3, column) == 1.0, column
    # at the first death the SE is Greenwood's: S sqrt(d / (n (n - d))) = 0.8 sqrt(1/20)
    assert teaching.value_at(table, 5, "std_err") == pytest.approx(0.8 * math.sqrt(1 / 20))
    with pytest.raises(NettxError, match="step function"):
        teaching.value_at(table, 3, "at_risk")
    tables = simulations.life_tables(np.array([[5.0, 8, 8, 12, 16]]), np.array([[1.0, 1, 0, 1, 0]]))
    assert simulations.values_at(tables, 3, "lower").tolist() == [1.0]


def test_monte_carlo_se_by_hand():
    assert float(simulations.monte_carlo_se(0.7, 200)) == pytest.approx(math.sqrt(0.21 / 200))
    assert simulations.monte_carlo_se([0.0, 1.0], 50).tolist() == [0.0, 0.0]


def test_paper_survival_months_are_the_published_landmarks():
    from nettx_utils.pages.chapter import PAPER_PARAMETERS

    months = {12.0 * years for years in PAPER_PARAMETERS["landmark_years"]}
    assert survival_text.paper_survival_months() == months


def test_entry_rule_text_on_the_cohort_and_by_hand():
    durations, events, _ = cohort_data()
    text = survival_text.entry_rule_text(durations, events, 6)
    first = durations.min()
    first_death = durations[events == 1].min()
    assert text.startswith("nobody died or was last seen before 6 months")
    assert f"at {first:.1f} months and the first death comes at {first_death:.1f} months" in text
    early = survival_text.entry_rule_text([1, 2, 3, 9], [1, 1, 0, 1], 6)
    assert early.startswith("2 patients died and 1 was last seen before 6 months")
    both = survival_text.entry_rule_text([7, 7, 7, 9], [1, 0, 0, 1], 6)
    assert "is a death and 2 censorings at 7.0 months and the first death comes at 7.0" in both


def _markdown(name):
    return "\n".join(
        "".join(c["source"]) for c in notebook_cells(name) if c["cell_type"] == "markdown"
    )


def test_chapter_7_types_no_confidence_level():
    """alpha is a parameter of chapter 7: its prose glues the level and z, never "95%"."""
    text = _markdown("07_kaplan_meier_by_hand")
    assert "95%" not in text and "1.96" not in text
    assert "{glue:text}`confidence`" in text and "{glue:text}`z`" in text


def test_chapter_8_caption_and_censoring_words():
    """The follow-up figure's first sentence follows its form (lines or histogram), and
    "non-informative" is only ever the loose name of independent censoring."""
    text = _markdown("08_censoring_and_followup")
    assert "filled dot" not in text and "{glue:text}`swimmer_caption`" in text
    assert text.count("non-informative") == text.count("loosely called *non-informative*") + (
        text.count("loosely called non-informative")
    )
    assert "bracket the right answer" not in text


def test_chapter_10_glues_the_papers_minimum_follow_up():
    text = _markdown("10_landmarks_and_medians")
    assert "{glue:text}`paper_min_followup`" in text and "{glue:text}`entry_rule`" in text
    assert "<sec-immortal-time>`" in text


def test_difference_text_says_largest_only_of_a_largest_difference():
    """Chapter 9 compares one pair of statistics: 'a difference', not 'a largest' one."""
    assert survival_text.difference_text(1.78e-15, largest=False) == (
        "a difference of 1.8e-15, floating-point rounding"
    )
    assert survival_text.difference_text(1.78e-15).startswith("a largest difference of 1.8e-15")


def test_chapter_9_exercise_3_standardises_by_the_weighted_variance():
    """U = sum n (O - E) over V_w = sum n² V gives lifelines' Wilcoxon statistic; over the
    unweighted V it does not, so the exercise must name V_w."""
    months, died, groups = cohort_data()
    table = teaching.logrank_table(months, died, groups)
    n = table["n"].to_numpy(float)
    u = float((n * table["o_minus_e"]).sum())
    v_w = float((n**2 * table["variance"]).sum())
    reference = multivariate_logrank_test(months, groups, died, weightings="wilcoxon")
    assert u**2 / v_w == pytest.approx(reference.test_statistic, rel=1e-10)
    assert u**2 / table["variance"].sum() != pytest.approx(reference.test_statistic, rel=1e-3)
    cells = notebook_cells("09_logrank_by_hand")
    sources = ["".join(c["source"]) for c in cells]
    exercise = next(s for s in sources if s.startswith("**Exercise 3."))
    assert r"U/\sqrt{V_w}" in exercise
    assert r"V_w = \sum_j n_j^2 V_j" in exercise
    assert r"U/\sqrt{V}" not in exercise


@pytest.mark.parametrize(
    ("comparable", "expected"),
    [
        (True, "the chi-square p value to two significant figures and the permutation p value"),
        (False, "the chi-square and permutation p values"),
    ],
)
def test_chapter_9_caveat_note_names_the_chi_square_p(comparable, expected):
    """The paper prints P = 0.001 at 24 months only: the caveat's 0.0011 is ours, and at
    another cut-off so is every p value; the note must say so."""
    from types import SimpleNamespace

    cell = next(c for c in notebook_cells("09_logrank_by_hand") if c["id"] == "cell-10-caveat")
    source = "".join(cell["source"])
    namespace = {"chapter": SimpleNamespace(comparable=comparable)}
    start = source.index('what = "')
    exec(source[start : source.index("glue(", start)], namespace)
    assert expected in namespace["what"]


def _chapter_7_exercise_1(table, ci_month):
    cells = notebook_cells("07_kaplan_meier_by_hand")
    index = next(i for i, c in enumerate(cells) if "".join(c["source"]).startswith("**Exercise 1."))
    namespace = {"math": math, "teaching": teaching, "table": table, "ci_month": ci_month}
    exec("".join(cells[index + 2]["source"]), namespace)
    return "".join(cells[index]["source"]), namespace["solution_1"]


def test_chapter_7_exercise_1_is_nan_when_nobody_is_alive_at_half_and_says_so():
    # everybody dead by month 4, followed past 10: S(5) = 0, the conditional chance undefined
    table = teaching.life_table([1, 2, 3, 4], [1, 1, 1, 1])
    question, solution = _chapter_7_exercise_1(table, 10)
    assert math.isnan(solution)
    assert "NaN also if nobody is alive at `ci_month / 2`" in question
    # and by hand where it is defined, six patients: deaths at 3 (1 of 4 at risk) and 4
    # (1 of 3) after month 2, so (3/4)(2/3) = 1/2 = S(4) / S(2) = (2/6) / (4/6)
    table = teaching.life_table([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 0])
    assert _chapter_7_exercise_1(table, 4)[1] == pytest.approx(3 / 4 * 2 / 3)


def test_chapter_8_exercise_1_does_not_say_the_deaths_median_ignores_follow_up():
    sources = ["".join(c["source"]) for c in notebook_cells("08_censoring_and_followup")]
    exercise = next(s for s in sources if s.startswith("**Exercise 1."))
    assert "nothing to do with how long follow-up lasted" not in exercise
    assert "deaths after the end of follow-up are never seen" in exercise


def test_greenwood_column_stays_readable_on_a_large_cohort():
    """Greenwood's terms shrink as 1/n²: on 300 patients a fixed-decimal column would need
    six decimals (the page check refuses them); the column switches to powers of ten, and
    on 32 patients it keeps the four decimals it had."""
    import re

    months = np.arange(1.0, 301.0)
    table = teaching.life_table(months, np.ones(300, dtype=int))
    terms = table["greenwood_term"][table["events"] > 0]
    cell = survival_text.column_cell(terms)
    texts = [cell(v) for v in terms]
    assert not any(re.search(r"\d\.\d{6,}", text) for text in texts)
    first = terms.iloc[0]  # 1 / (300 * 299)
    assert first == pytest.approx(1 / (300 * 299))
    assert cell(first) == "1.1 × 10⁻⁵"
    small = teaching.life_table(months[:32], np.ones(32, dtype=int))
    small_terms = small["greenwood_term"][small["events"] > 0]
    assert survival_text.column_cell(small_terms)(small_terms.iloc[0]) == "0.0010"  # 1/(32*31)


def test_reverse_km_figure_axis_and_dotted_line_are_what_chapter_8_says():
    """Review, round 4: figure 11's y axis read "Patients (%)" and its dotted 50% line was
    not explained. The axis now says it holds an estimated share of the patients, and the
    dotted line (the one the caption names) lies at 50%."""

    months, died = np.array([2.0, 4.0, 6.0, 8.0]), np.array([1, 0, 1, 0])
    survival = teaching.life_table(months, died)
    follow_up = teaching.life_table(months, 1 - died)
    median = teaching.median_with_ci(follow_up)[0]
    ax = followup.reverse_km_figure(survival, follow_up, median).axes[0]
    assert ax.get_ylabel() == "Kaplan-Meier estimate (%)"
    dotted = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert len(dotted) == 1 and list(dotted[0].get_ydata()) == [50, 50]
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and dashed[0].get_xdata()[0] == median

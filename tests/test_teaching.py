"""The by-hand computations of the teaching chapters equal lifelines and nettx_utils.survival."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from nettx_utils import teaching
from nettx_utils.cohort import load_cohort
from nettx_utils.errors import NettxError
from nettx_utils.survival import CI_TYPES, fit_kaplan_meier, median_followup

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
    first = teaching.simulate_power((2.0, 2.0), n_per_group=10, n_sim=5, seed=1)
    assert first.equals(teaching.simulate_power((2.0, 2.0), n_per_group=10, n_sim=5, seed=1))
    durations, events, _ = cohort_data()
    widths = teaching.ci_width_by_size(durations, events, [8, 32], month=24, n_sim=5, seed=3)
    assert widths["n"].tolist() == [8, 32]
    assert widths.equals(
        teaching.ci_width_by_size(durations, events, [8, 32], month=24, n_sim=5, seed=3)
    )


def test_check_answer():
    assert teaching.check_answer(None, 1.0).startswith("Not answered")
    assert teaching.check_answer([1.0, 2.0], [1.0, 2.0]) == "Correct."
    with pytest.raises(AssertionError):
        teaching.check_answer(0.5, 0.6)

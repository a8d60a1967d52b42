"""The one Kaplan-Meier and log-rank core (nettx_utils.stats.risk_sets) against lifelines,
on random data with many ties, for one group and for k groups."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test

from nettx_utils.stats.risk_sets import logrank_chi2, product_limit, risk_set_counts


def _sample(seed: int, n: int, k: int):
    rng = np.random.default_rng(seed)
    durations = rng.integers(1, 25, n).astype(float)  # few distinct times: many ties
    events = rng.integers(0, 2, n)
    codes = rng.integers(0, k, n)
    return durations, events, codes


@pytest.mark.parametrize("seed", range(10))
def test_product_limit_equals_lifelines_kaplan_meier(seed):
    durations, events, _ = _sample(seed, 60, 1)
    times, at_risk, deaths, leaving = risk_set_counts(durations, events)
    survival, greenwood = product_limit(at_risk, deaths)
    fitter = KaplanMeierFitter().fit(durations, events)
    theirs = fitter.survival_function_.iloc[:, 0].reindex(times).to_numpy()
    np.testing.assert_allclose(survival[:, 0], theirs, rtol=1e-12, atol=1e-14)
    table = fitter.event_table.reindex(times)
    np.testing.assert_array_equal(at_risk[:, 0], table["at_risk"].to_numpy())
    np.testing.assert_array_equal(deaths[:, 0], table["observed"].to_numpy())
    np.testing.assert_array_equal(leaving[:, 0], table["removed"].to_numpy())
    # Greenwood's sum d / (n (n - d)) where S > 0: lifelines' running sum behind its CI
    positive = survival[:, 0] > 0
    theirs_sum = fitter._cumulative_sq_.reindex(times).to_numpy()[positive]
    np.testing.assert_allclose(greenwood[positive, 0], theirs_sum, rtol=1e-10)


@pytest.mark.parametrize("weighting", ["logrank", "wilcoxon", "tarone-ware", "peto"])
@pytest.mark.parametrize("seed", range(8))
def test_two_group_logrank_equals_lifelines(seed, weighting):
    durations, events, codes = _sample(seed, 50, 2)
    _, at_risk, deaths, _ = risk_set_counts(durations, events, codes, 2)
    stat, observed, expected = logrank_chi2(at_risk, deaths, weighting)
    one = codes == 0
    ref = logrank_test(
        durations[one],
        durations[~one],
        events[one],
        events[~one],
        weightings=None if weighting == "logrank" else weighting,
    )
    assert stat == pytest.approx(ref.test_statistic, rel=1e-10)
    assert observed.sum() == events.sum()
    assert expected.sum() == pytest.approx(events.sum(), rel=1e-12)


@pytest.mark.parametrize("k", [3, 4])
@pytest.mark.parametrize("seed", range(8))
def test_k_group_logrank_equals_lifelines(seed, k):
    durations, events, codes = _sample(seed, 80, k)
    _, at_risk, deaths, _ = risk_set_counts(durations, events, codes, k)
    stat, observed, _ = logrank_chi2(at_risk, deaths)
    ref = multivariate_logrank_test(durations, codes, events)
    assert stat == pytest.approx(ref.test_statistic, rel=1e-10)
    np.testing.assert_array_equal(observed, np.bincount(codes, weights=events, minlength=k))


def test_batched_product_limit_is_row_by_row():
    rng = np.random.default_rng(5)
    n = rng.integers(1, 30, (4, 12))
    d = np.minimum(rng.integers(0, 3, (4, 12)), n)
    survival, greenwood = product_limit(n, d, axis=-1)
    for row in range(4):
        s, g = product_limit(n[row], d[row])
        np.testing.assert_array_equal(survival[row], s)
        np.testing.assert_array_equal(greenwood[row], g)

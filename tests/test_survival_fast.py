"""The numpy log-rank of nettx_utils.stats.survival against lifelines, on small and awkward data.

logrank_test computes the statistic from one sort of the durations instead of calling
lifelines (so that 10^6 patients take a fraction of a second); these tests hold it to
lifelines' multivariate_logrank_test and to the counts written out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from nettx_utils.stats.survival import fit_kaplan_meier, logrank_test

LIFELINES_NAMES = {"logrank": None, "wilcoxon": "wilcoxon", "tarone-ware": "tarone-ware",
                   "peto": "peto"}  # fmt: skip


def _data(seed: int, n: int, k: int, decimals: int = 0):
    rng = np.random.default_rng(seed)
    t = np.round(rng.exponential(12, n), decimals)  # decimals=0: many tied times
    e = rng.integers(0, 2, n)
    g = rng.choice([f"g{i}" for i in range(k)], n)
    return t, e, g


@pytest.mark.parametrize("weighting", list(LIFELINES_NAMES))
@pytest.mark.parametrize(("seed", "n", "k", "decimals"), [(1, 20, 2, 0), (2, 60, 3, 0),
                                                           (3, 200, 5, 1), (4, 1500, 4, 3)])  # fmt: skip
def test_statistic_and_p_equal_lifelines(weighting, seed, n, k, decimals):
    t, e, g = _data(seed, n, k, decimals)
    ours = logrank_test(t, e, g, weighting=weighting)
    ref = multivariate_logrank_test(t, g, e, weightings=LIFELINES_NAMES[weighting])
    assert ours.test_statistic == pytest.approx(ref.test_statistic, rel=1e-10)
    assert ours.p_value == pytest.approx(ref.p_value, rel=1e-9, abs=1e-300)
    assert ours.degrees_of_freedom == k - 1


def test_observed_and_expected_equal_the_counts_by_hand():
    t, e, g = _data(5, 40, 3)
    ours = logrank_test(t, e, g).summary.set_index("group")
    for label in ours.index:
        m = g == label
        expected = sum(
            ((t == time) & (e == 1)).sum() * (m & (t >= time)).sum() / (t >= time).sum()
            for time in np.unique(t[e == 1])
        )
        assert ours.loc[label, "observed"] == e[m].sum()
        assert ours.loc[label, "n"] == m.sum()
        assert ours.loc[label, "expected"] == pytest.approx(expected, rel=1e-12)


def test_one_patient_left_at_risk_and_groups_without_deaths():
    # The last death happens with one patient at risk ((n - d) / (n - 1) is 0/0 there,
    # which lifelines reads as 1), and group "c" has no death at all.
    t = np.array([1, 2, 2, 3, 4, 5, 6, 7, 8, 9.0])
    e = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 1])
    g = np.array(["a", "b", "c", "a", "c", "c", "b", "c", "a", "b"])
    ours = logrank_test(t, e, g)
    ref = multivariate_logrank_test(t, g, e)
    assert ours.test_statistic == pytest.approx(ref.test_statistic, rel=1e-12)


def test_categorical_groups_keep_their_order_and_the_statistic():
    t, e, g = _data(6, 80, 3)
    groups = pd.Categorical(g, categories=["g2", "g0", "g1"])
    ours = logrank_test(t, e, pd.Series(groups))
    assert ours.summary["group"].tolist() == ["g2", "g0", "g1"]
    ref = multivariate_logrank_test(t, g, e)
    assert ours.test_statistic == pytest.approx(ref.test_statistic, rel=1e-10)


def test_lifelines_fit_is_made_on_first_use_and_matches_an_eager_one():
    t, e, _ = _data(7, 50, 2)
    km = fit_kaplan_meier(t, e, alpha=0.1, label="x")
    assert "lifelines_" not in vars(km)
    eager = KaplanMeierFitter(alpha=0.1).fit(t, e, label="x")
    pd.testing.assert_frame_equal(km.lifelines_.survival_function_, eager.survival_function_)
    pd.testing.assert_frame_equal(km.lifelines_.confidence_interval_, eager.confidence_interval_)
    assert km.lifelines_ is km.lifelines_


def test_numbers_at_risk_are_the_counts_of_durations_not_yet_over():
    t, e, _ = _data(8, 300, 2)
    km = fit_kaplan_meier(t, e)
    probe = np.concatenate([[-1.0, 0.0], np.unique(t), np.unique(t) + 0.5, [t.max() + 10]])
    expected = [(t >= x).sum() for x in probe]
    assert km.survival_at(probe)["at_risk"].tolist() == expected
    assert km.table_["at_risk"].tolist() == [(t >= x).sum() for x in km.table_["time"]]


def test_categorical_with_missing_and_unused_levels_equals_its_labels():
    t, e, g = _data(9, 120, 3)
    labels = pd.Series(g, dtype=object)
    labels[[3, 50, 99]] = None
    categorical = pd.Series(pd.Categorical(labels, categories=["g1", "unused", "g0", "g2"]))
    by_code = logrank_test(t, e, categorical)
    by_label = logrank_test(t, e, labels)
    assert by_code.summary["group"].tolist() == ["g1", "g0", "g2"]
    assert by_code.summary["n"].sum() == 117
    assert by_code.test_statistic == pytest.approx(by_label.test_statistic, rel=1e-12)
    pd.testing.assert_frame_equal(
        by_code.summary.set_index("group").loc[["g0", "g1", "g2"]],
        by_label.summary.set_index("group"),
    )


def test_a_refit_replaces_the_lazy_lifelines_fit():
    """lifelines_ is fitted on first use; fitting the object again must not keep the old one."""
    from nettx_utils.stats.survival import KaplanMeier

    km = KaplanMeier().fit([1, 2, 3, 4], [1, 1, 1, 1])
    assert km.lifelines_.median_survival_time_ == 2.0
    km.fit([10, 20, 30, 40], [1, 1, 1, 1])
    assert km.lifelines_.median_survival_time_ == km.median_.estimate == 20.0

"""Tests for nettx_utils.stats.survival: hand computations, R's aml results, lifelines parity."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test as ll_logrank_test
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import median_survival_times
from scipy.stats import norm

from nettx_utils.errors import NettxError
from nettx_utils.stats.survival import (
    CI_TYPES,
    KaplanMeier,
    LogRankResult,
    MedianSurvival,
    fit_kaplan_meier,
    logrank_test,
    median_followup,
)

Z = norm.ppf(0.975)

# Hand example: 8 patients; at t = 3 two events and one censoring are tied.
HAND_T = [2, 3, 3, 3, 5, 6, 7, 9]
HAND_E = [1, 1, 1, 0, 1, 0, 1, 0]

# R survival's `aml` data (time in weeks, status 1 = relapse).
AML_M_T = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161]
AML_M_E = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
AML_N_T = [5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
AML_N_E = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
AML_T = np.array(AML_M_T + AML_N_T, dtype=float)
AML_E = np.array(AML_M_E + AML_N_E)
AML_X = np.array(["Maintained"] * 11 + ["Nonmaintained"] * 12)


# --------------------------------------------------------------------------- hand example


def test_hand_example_table_survival_and_greenwood():
    km = KaplanMeier(ci_type="log").fit(HAND_T, HAND_E)
    tab = km.table_
    # Distinct times 2, 3, 5, 6, 7, 9. At risk just before t = #(duration >= t); the
    # patient censored at 3 is still at risk for the two events at 3 (events first).
    assert tab["time"].tolist() == [2, 3, 5, 6, 7, 9]
    assert tab["at_risk"].tolist() == [8, 7, 4, 3, 2, 1]
    assert tab["events"].tolist() == [1, 2, 1, 0, 1, 0]
    assert tab["censored"].tolist() == [0, 1, 0, 1, 0, 1]
    # Product limit:
    #   t=2: 1 - 1/8            -> S = 7/8
    #   t=3: 7/8 * (1 - 2/7)    -> S = 5/8
    #   t=5: 5/8 * (1 - 1/4)    -> S = 15/32
    #   t=6: censoring only     -> S = 15/32
    #   t=7: 15/32 * (1 - 1/2)  -> S = 15/64
    #   t=9: censoring only     -> S = 15/64
    s = [7 / 8, 5 / 8, 15 / 32, 15 / 32, 15 / 64, 15 / 64]
    np.testing.assert_allclose(tab["survival"], s, rtol=1e-12)
    # Greenwood sums, sum over event times <= t of d / (n (n - d)):
    #   t=2: 1/(8*7)            = 1/56
    #   t=3: 1/56 + 2/(7*5)     = 1/56 + 2/35 = 3/40
    #   t=5: 3/40 + 1/(4*3)     = 19/120
    #   t=7: 19/120 + 1/(2*1)   = 79/120
    g = [1 / 56, 3 / 40, 19 / 120, 19 / 120, 79 / 120, 79 / 120]
    np.testing.assert_allclose(tab["std_err"], np.array(s) * np.sqrt(g), rtol=1e-12)
    assert km.n_ == 8 and km.n_events_ == 5


def test_hand_example_three_ci_types_at_t3():
    s, g = 5 / 8, 3 / 40  # S(3) and its Greenwood sum (see above)
    se = s * math.sqrt(g)
    expected = {
        # linear: S +/- z se
        "plain": (s - Z * se, s + Z * se),
        # log: exp(log S +/- z sqrt(g)); the upper limit, 1.069, is clipped to 1
        "log": (s * math.exp(-Z * math.sqrt(g)), min(1.0, s * math.exp(Z * math.sqrt(g)))),
        # log-log: S^exp(+/- z sqrt(g) / |log S|)
        "log-log": (
            s ** math.exp(Z * math.sqrt(g) / abs(math.log(s))),
            s ** math.exp(-Z * math.sqrt(g) / abs(math.log(s))),
        ),
    }
    assert s * math.exp(Z * math.sqrt(g)) > 1
    for ci_type in CI_TYPES:
        row = fit_kaplan_meier(HAND_T, HAND_E, ci_type=ci_type).survival_at(3).iloc[0]
        assert row["survival"] == pytest.approx(s)
        assert row["lower"] == pytest.approx(expected[ci_type][0], rel=1e-12)
        assert row["upper"] == pytest.approx(expected[ci_type][1], rel=1e-12)
        assert row["at_risk"] == 7


def test_hand_example_median_and_its_log_ci():
    km = fit_kaplan_meier(HAND_T, HAND_E, ci_type="log")
    # S first drops to <= 0.5 at t = 5 (15/32 = 0.469).
    assert km.median_.estimate == 5
    # Lower log curve at t=2: 7/8 exp(-z sqrt(1/56)) = 0.673 > 0.5,
    #                  t=3: 5/8 exp(-z sqrt(3/40)) = 0.365 <= 0.5  -> lower limit 3.
    assert 7 / 8 * math.exp(-Z * math.sqrt(1 / 56)) > 0.5
    assert 5 / 8 * math.exp(-Z * math.sqrt(3 / 40)) <= 0.5
    assert km.median_.lower == 3
    # Upper log curve: t=5: 15/32 exp(z sqrt(19/120)) > 1 and t=7: 15/64 exp(z sqrt(79/120)) > 1,
    # both clipped to 1, never <= 0.5 -> upper limit not reached (inf).
    assert 15 / 32 * math.exp(Z * math.sqrt(19 / 120)) > 1
    assert 15 / 64 * math.exp(Z * math.sqrt(79 / 120)) > 1
    assert km.median_.upper == math.inf
    assert km.median_ == MedianSurvival(5.0, 3.0, math.inf) and km.median_.reached


def test_survival_at_is_right_continuous_and_nan_beyond_follow_up():
    out = fit_kaplan_meier(HAND_T, HAND_E).survival_at([0, 1.99, 2, 2.5, 8, 9, 9.5])
    np.testing.assert_allclose(
        out["survival"], [1, 1, 7 / 8, 7 / 8, 15 / 64, 15 / 64, np.nan], rtol=1e-12
    )
    assert out["at_risk"].tolist() == [8, 8, 8, 7, 1, 1, 0]
    assert out.loc[0, "lower"] == 1 and out.loc[0, "upper"] == 1
    assert np.isnan(out.loc[6, "lower"]) and np.isnan(out.loc[6, "upper"])
    assert list(out.columns) == ["time", "survival", "lower", "upper", "at_risk"]


def test_curve_reaching_zero_and_median_exactly_half():
    km = fit_kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1], ci_type="log")
    last = km.table_.iloc[-1]
    # S = 0 at t = 4: Greenwood undefined -> std_err NaN, upper NaN, lower 0.
    assert last["survival"] == 0 and last["lower"] == 0
    assert np.isnan(last["std_err"]) and np.isnan(last["upper"])
    # S(2) = 1/2 exactly: the median is the first time with S <= 0.5 (R would say 2.5).
    assert km.median_.estimate == 2
    assert fit_kaplan_meier([1, 2], [0, 0]).median_ == MedianSurvival(math.inf, math.inf, math.inf)


def test_loglog_matches_lifelines_and_lifelines_fit_is_kept():
    km = fit_kaplan_meier(AML_T, AML_E, label="aml")
    ll = KaplanMeierFitter().fit(AML_T, AML_E)
    tab = km.table_.set_index("time")
    np.testing.assert_allclose(tab["survival"], ll.survival_function_.loc[tab.index].iloc[:, 0])
    ci = ll.confidence_interval_.loc[tab.index]
    np.testing.assert_allclose(tab["lower"], ci.iloc[:, 0], rtol=1e-10)
    np.testing.assert_allclose(tab["upper"], ci.iloc[:, 1], rtol=1e-10)
    med_ci = median_survival_times(ll.confidence_interval_)
    assert km.median_.estimate == ll.median_survival_time_
    assert (km.median_.lower, km.median_.upper) == tuple(med_ci.iloc[0])
    assert isinstance(km.lifelines_, KaplanMeierFitter) and km.label_ == "aml"


# --------------------------------------------------------------------------- R's aml


def test_aml_against_r_survival():
    """Values printed by R's survival package for the `aml` data.

    > survdiff(Surv(time, status) ~ x, data = aml)
                     N Observed Expected (O-E)^2/E (O-E)^2/V
    x=Maintained    11        7    10.69      1.27       3.4
    x=Nonmaintained 12       11     7.31      1.86       3.4
     Chisq= 3.4  on 1 degrees of freedom, p= 0.07      (3.3964, p = 0.0653)

    > summary(survfit(Surv(time, status) ~ 1, data = aml))     # conf.type = "log"
     time n.risk n.event survival std.err lower 95% CI upper 95% CI
       12     18       1   0.7391  0.0916       0.5798        0.942

    > survfit(Surv(time, status) ~ x, data = aml)
                     n events median 0.95LCL 0.95UCL
    x=Maintained    11      7     31      18      NA
    x=Nonmaintained 12     11     23       8      NA
    """
    res = logrank_test(AML_T, AML_E, AML_X)
    assert isinstance(res, LogRankResult)
    assert res.test_statistic == pytest.approx(3.3964, abs=1e-4)
    assert res.p_value == pytest.approx(0.0653, abs=1e-4)
    assert res.degrees_of_freedom == 1 and res.weighting == "logrank"
    assert res.summary["group"].tolist() == ["Maintained", "Nonmaintained"]
    assert res.summary["n"].tolist() == [11, 12]
    assert res.summary["observed"].tolist() == [7, 11]
    np.testing.assert_allclose(res.summary["expected"], [10.69, 7.31], atol=5e-3)

    pooled = fit_kaplan_meier(AML_T, AML_E, ci_type="log").survival_at(12).iloc[0]
    assert pooled["survival"] == pytest.approx(0.7391, abs=1e-4)
    assert pooled["at_risk"] == 18
    # Greenwood by hand up to t = 12: events 2/23 at 5, 2/21 at 8, 1/19 at 9, 1/18 at 12.
    g = 2 / (23 * 21) + 2 / (21 * 19) + 1 / (19 * 18) + 1 / (18 * 17)
    s = 17 / 23
    assert pooled["lower"] == pytest.approx(s * math.exp(-Z * math.sqrt(g)), rel=1e-12)
    assert pooled["upper"] == pytest.approx(s * math.exp(Z * math.sqrt(g)), rel=1e-12)
    assert (pooled["lower"], pooled["upper"]) == pytest.approx((0.5798, 0.942), abs=5e-4)
    se = fit_kaplan_meier(AML_T, AML_E).table_.set_index("time").loc[12, "std_err"]
    assert se == pytest.approx(0.0916, abs=5e-5)

    m = fit_kaplan_meier(AML_M_T, AML_M_E, ci_type="log").median_
    n = fit_kaplan_meier(AML_N_T, AML_N_E, ci_type="log").median_
    assert (m.estimate, m.lower, m.upper) == (31, 18, math.inf)
    assert (n.estimate, n.lower, n.upper) == (23, 8, math.inf)


# --------------------------------------------------------------------------- log-rank


def _three_groups():
    rng = np.random.default_rng(2021)
    t = np.round(rng.exponential(20, 45), 1)
    e = rng.integers(0, 2, 45)
    g = np.repeat(["A", "B", "C"], 15)
    return t, e, g


def test_three_group_logrank_equals_lifelines_multivariate():
    t, e, g = _three_groups()
    for ours, theirs in [("logrank", None), ("wilcoxon", "wilcoxon"), ("peto", "peto")]:
        res = logrank_test(t, e, g, weighting=ours)
        ref = multivariate_logrank_test(t, g, e, weightings=theirs)
        assert res.test_statistic == pytest.approx(ref.test_statistic, rel=1e-12)
        assert res.p_value == pytest.approx(ref.p_value, rel=1e-12)
        assert res.degrees_of_freedom == 2
    res = logrank_test(t, e, g)
    assert res.summary["observed"].sum() == e.sum()
    assert res.summary["expected"].sum() == pytest.approx(e.sum())


def test_two_group_logrank_equals_lifelines_logrank_test():
    m = AML_X == "Maintained"
    ref = ll_logrank_test(AML_T[m], AML_T[~m], AML_E[m], AML_E[~m])
    res = logrank_test(AML_T, AML_E, AML_X)
    assert res.test_statistic == pytest.approx(ref.test_statistic, rel=1e-12)
    assert res.p_value == pytest.approx(ref.p_value, rel=1e-12)


def test_logrank_drops_missing_group_labels():
    t, e, g = _three_groups()
    groups = pd.Series(g, dtype=object)
    groups[[0, 20, 40]] = [None, np.nan, None]
    keep = groups.notna().to_numpy()
    res = logrank_test(t, e, groups)
    ref = multivariate_logrank_test(t[keep], g[keep], e[keep])
    assert res.test_statistic == pytest.approx(ref.test_statistic, rel=1e-12)
    assert res.summary["n"].sum() == 42


# --------------------------------------------------------------------------- follow-up, counts


def test_median_followup_reverse_km_by_hand():
    # Deaths at 2, 5, 12; alive at last contact at 4, 7, 9, 15. Reverse KM: censoring is the
    # "event", death censors follow-up.
    #   t=2 : death   -> leaves the risk set             G = 1
    #   t=4 : censored, 6 at risk (4,5,7,9,12,15)        G = 5/6
    #   t=5 : death   -> leaves                          G = 5/6
    #   t=7 : censored, 4 at risk (7,9,12,15)            G = 5/6 * 3/4 = 5/8 = 0.625
    #   t=9 : censored, 3 at risk (9,12,15)              G = 5/8 * 2/3 = 5/12 = 0.417 <= 0.5
    # so median follow-up = 9 (the naive median of all 7 times would be 7).
    t = [2, 4, 5, 7, 9, 12, 15]
    e = [1, 0, 1, 0, 0, 1, 0]
    fu = median_followup(t, e)
    assert fu.estimate == 9
    assert np.median(t) == 7
    flipped = fit_kaplan_meier(t, 1 - np.array(e)).table_
    np.testing.assert_allclose(flipped["survival"].iloc[:5], [1, 5 / 6, 5 / 6, 5 / 8, 5 / 12])
    assert fu == fit_kaplan_meier(t, 1 - np.array(e)).median_


def test_median_followup_tie_rule():
    # A death and a censoring both at 3: the censoring (the reverse-KM "event") is counted
    # with the death still at risk: G(3) = 1 - 1/3 = 2/3 > 0.5; the next censoring at 5 has
    # 1 at risk, G = 0 -> median 5. (Removing the death first would give G(3) = 1/2 -> 3.)
    assert median_followup([3, 3, 5], [1, 0, 0]).estimate == 5


def test_counts_at_add_up_to_n():
    km = fit_kaplan_meier(AML_T, AML_E)
    grid = np.concatenate([np.arange(0, 170, 1.0), AML_T])
    c = km.counts_at(grid)
    assert ((c["at_risk"] + c["censored"] + c["events"]) == 23).all()
    # Just before t = 16: at risk 15 (durations >= 16); events before 16: 5, 5, 8, 8, 9, 12, 13;
    # censored before 16: the 13+.
    row = c.set_index("time").loc[16].iloc[0]
    assert (row["at_risk"], row["events"], row["censored"]) == (15, 7, 1)
    assert km.counts_at(0).iloc[0].tolist() == [0, 23, 0, 0]
    assert km.counts_at(200).iloc[0].tolist() == [200, 0, 5, 18]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("durations", "events", "match"),
    [
        ([1, -2, 3], [1, 0, 1], "negative"),
        ([1, 2, 3], [1, 2, 1], "events must be 0"),
        ([1, 2, 3], [1, 0], "durations has 3 values but events has 2"),
        ([], [], "empty"),
        ([1, np.nan, 3], [1, 0, 1], "missing"),
        ([1, 2, 3], [1, np.nan, 1], "events must be 0"),
        (["a", 2, 3], [1, 0, 1], "numeric"),
        ([1, np.inf], [1, 0], "finite"),
    ],
)
def test_bad_input_raises(durations, events, match):
    with pytest.raises(NettxError, match=match):
        fit_kaplan_meier(durations, events)
    with pytest.raises(NettxError):
        median_followup(durations, events)


def test_bad_options_and_groups_raise():
    with pytest.raises(NettxError, match="ci_type"):
        KaplanMeier(ci_type="arcsine")
    with pytest.raises(NettxError, match="alpha"):
        KaplanMeier(alpha=1.5)
    with pytest.raises(NettxError, match="not fitted"):
        KaplanMeier().survival_at(1)
    with pytest.raises(NettxError, match="at least 2"):
        logrank_test([1, 2, 3], [1, 1, 0], ["a", "a", None])
    with pytest.raises(NettxError, match="3, 3 and 2 values"):
        logrank_test([1, 2, 3], [1, 1, 0], ["a", "b"])
    with pytest.raises(NettxError, match="3, 2 and 3 values"):
        logrank_test([1, 2, 3], [1, 1], ["a", "b", "b"])
    with pytest.raises(NettxError, match="negative"):
        logrank_test([1, -2, 3, 4], [1, 1, 0, 1], ["a", "b", "b", "a"])
    with pytest.raises(NettxError, match="weighting"):
        logrank_test(AML_T, AML_E, AML_X, weighting="gehan")
    with pytest.raises(NettxError, match="missing"):
        fit_kaplan_meier(HAND_T, HAND_E).survival_at([1, np.nan])


def test_cumulative_incidence_by_hand_and_against_one_minus_km():
    """Aalen-Johansen with one competing event, worked by hand.

    Times 2 (UP), 3 (death first), 5 (UP), 8 (censored); n = 4.
    t=2: 4 at risk, one UP: CIF = 1/4 = 0.25, overall event-free S = 3/4.
    t=3: 3 at risk, a death: S = 3/4 * 2/3 = 1/2; CIF unchanged.
    t=5: 2 at risk, one UP: CIF += S(5-) * 1/2 = 1/4, so CIF = 0.5.
    1 - KM that censors the death at 3: S = 3/4 * 1/2 = 3/8, so 1 - KM = 0.625 > 0.5.
    """
    from nettx_utils.stats.survival import cumulative_incidence

    ci = cumulative_incidence([2, 3, 5, 8], [1, 2, 1, 0], [1, 2, 4, 6, 9])
    assert ci["incidence"].tolist()[:4] == pytest.approx([0.0, 0.25, 0.25, 0.5])
    assert np.isnan(ci["incidence"].iloc[4])
    one_minus_km = 1 - fit_kaplan_meier([2, 3, 5, 8], [1, 0, 1, 0]).survival_at([6])["survival"]
    assert float(one_minus_km.iloc[0]) == pytest.approx(0.625)


def test_cumulative_incidence_leaves_numpy_global_generator_alone():
    """lifelines' Aalen-Johansen fitter reseeds numpy's global generator to jitter tied
    times; cumulative_incidence restores it, and gives the same estimate every time."""
    from nettx_utils.stats.survival import cumulative_incidence

    tied = ([2, 2, 3, 5, 5, 8], [1, 2, 1, 1, 2, 0], [4, 6])
    legacy = np.random  # the global generator that lifelines reseeds
    legacy.seed(123)
    expected_next = legacy.random()
    legacy.seed(123)
    first = cumulative_incidence(*tied)
    assert legacy.random() == expected_next
    again = cumulative_incidence(*tied)
    np.testing.assert_array_equal(first["incidence"], again["incidence"])

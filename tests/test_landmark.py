"""Hazard ratios (Wald and profile likelihood) and the landmark analysis, against lifelines."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from scipy.stats import chi2

from nettx_utils.stats.cox import efron_loglik as _efron
from nettx_utils.stats.hazard import hazard_ratio, hr_text, separation
from nettx_utils.stats.landmark import curve_support, landmark_comparison


def efron_loglik(beta, durations, events, covariate):
    """The book's one Efron log-likelihood (:mod:`nettx_utils.stats.cox`), one covariate."""
    return _efron([beta], covariate, durations, events)


# A small cohort with tied deaths (two deaths at 5, one at 9 in both groups).
T = [1, 3, 5, 5, 6, 9, 9, 12, 2, 5, 7, 9, 11, 14, 15, 16]
D = [1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0]
X = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]


def lifelines_fit(t, d, x):
    frame = pd.DataFrame({"t": t, "d": d, "x": x})
    return CoxPHFitter().fit(frame, "t", "d")


def test_efron_loglik_is_lifelines_at_its_estimate():
    fit = lifelines_fit(T, D, X)
    beta = float(fit.params_["x"])
    assert efron_loglik(beta, T, D, X) == pytest.approx(fit.log_likelihood_, rel=1e-9)


def test_efron_loglik_by_hand_with_a_tie():
    # Deaths of patients 1 and 2 tied at t = 1 (x = 1, 0), patient 3 (x = 1) at risk.
    # Efron: beta - log(S) - log(S - (e^b + 1) / 2) with S = 2 e^b + 1.
    b = 0.7
    s = 2 * math.exp(b) + 1
    expected = b - math.log(s) - math.log(s - (math.exp(b) + 1) / 2)
    assert efron_loglik(b, [1, 1, 2], [1, 1, 0], [1, 0, 1]) == pytest.approx(expected)


def test_hazard_ratio_wald_is_lifelines():
    fit = lifelines_fit(T, D, X)
    hr = hazard_ratio(T, D, X)
    row = fit.summary.loc["x"]
    assert hr.hr == pytest.approx(row["exp(coef)"])
    assert hr.wald_lower == pytest.approx(row["exp(coef) lower 95%"])
    assert hr.wald_upper == pytest.approx(row["exp(coef) upper 95%"])
    assert hr.n == (8, 8) and hr.deaths == (4, 5)
    assert hr.separated == 0


def test_profile_interval_inverts_the_likelihood_ratio_test():
    hr = hazard_ratio(T, D, X)
    fit = lifelines_fit(T, D, X)
    drop = chi2.ppf(0.95, 1) / 2
    for bound in (hr.profile_lower, hr.profile_upper):
        loss = fit.log_likelihood_ - efron_loglik(math.log(bound), T, D, X)
        assert loss == pytest.approx(drop, abs=1e-6)
    assert hr.profile_lower < hr.hr < hr.profile_upper
    # p < 0.05 exactly when the profile interval leaves out 1
    assert (hr.lrt_p < 0.05) == (not hr.profile_lower <= 1 <= hr.profile_upper)
    lrt = 2 * (fit.log_likelihood_ - efron_loglik(0.0, T, D, X))
    assert hr.lrt_p == pytest.approx(chi2.sf(lrt, 1))


def test_separation_gives_an_open_profile_interval_and_no_wald():
    t = [1, 2, 3, 4, 5, 6, 7, 8]
    d = [1, 1, 1, 0, 0, 1, 0, 0]
    x = [1, 1, 1, 1, 0, 0, 0, 0]  # x=0 dies at 6 when no exposed patient is left at risk
    assert separation(t, d, x) == 1
    hr = hazard_ratio(t, d, x)
    assert hr.hr == math.inf and hr.profile_upper == math.inf
    assert math.isnan(hr.wald_lower) and math.isnan(hr.wald_upper)
    assert 0 < hr.profile_lower < math.inf
    supremum = efron_loglik(40.0, t, d, x)
    loss = supremum - efron_loglik(math.log(hr.profile_lower), t, d, x)
    assert loss == pytest.approx(chi2.ppf(0.95, 1) / 2, abs=1e-6)
    mirrored = hazard_ratio(t, d, [1 - v for v in x])
    assert mirrored.separated == -1 and mirrored.hr == 0 and mirrored.profile_lower == 0
    assert mirrored.profile_upper == pytest.approx(1 / hr.profile_lower)


def test_hazard_ratio_without_deaths_or_with_one_group_is_nan():
    assert math.isnan(hazard_ratio([1, 2, 3], [0, 0, 0], [0, 1, 1]).hr)
    assert not hazard_ratio([1, 2, 3], [1, 0, 1], [1, 1, 1]).estimable


def test_landmark_comparison_is_lifelines_on_the_restarted_clock():
    landmark, horizon = 4.0, 12.0
    result = landmark_comparison(T, D, X, landmark, horizon, ("no", "yes"))
    t, d, x = np.array(T, float), np.array(D), np.array(X)
    kept = t > landmark
    assert result.dropped_dead == int((~kept & (d == 1)).sum()) == 2
    assert result.dropped_censored == 1
    t, d, x = t[kept] - landmark, d[kept], x[kept]
    expected = logrank_test(t[x == 1], t[x == 0], d[x == 1], d[x == 0]).p_value
    assert result.logrank_p == pytest.approx(expected, rel=1e-9)
    for value, label in ((0, "no"), (1, "yes")):
        km = KaplanMeierFitter().fit(t[x == value], d[x == value])
        row = result.table.set_index("group").loc[label]
        assert row["n"] == (x == value).sum()
        assert row["survival"] == pytest.approx(
            float(km.survival_function_at_times([horizon - landmark]).iloc[0])
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = lifelines_fit(t, d, x)
    assert result.hr.hr == pytest.approx(float(np.exp(fit.params_["x"])))


def test_landmark_at_zero_keeps_everyone():
    result = landmark_comparison(T, D, X, 0, 12)
    assert result.table["n"].sum() == len(T)
    full = hazard_ratio(T, D, X)
    assert result.hr.hr == pytest.approx(full.hr)


def test_curve_support_counts_the_patients_behind_a_zero():
    support = curve_support([7, 9, 33, 35, 45, 50], [1, 1, 0, 1, 1, 0], 48)
    assert support.zero_time != support.zero_time  # censored last: never reaches 0 (NaN)
    assert support.at_risk_landmark == 1 and support.at_risk_at_zero == 0
    support = curve_support([7, 9, 33, 35, 45], [1, 1, 0, 1, 1], 60)
    assert (support.zero_time, support.at_risk_at_zero, support.at_risk_landmark) == (45, 1, 0)


def test_no_death_comparing_the_groups_is_not_estimable_in_words():
    # The only death (at 78.1) happens after the one exposed patient left (33.1): at that
    # death only unexposed patients are at risk, the partial likelihood is flat in beta
    # and lifelines stops with a singular matrix. The ratio is "not estimable", with why.
    t, d, x = [78.1, 55.2, 33.1, 56.7, 123.5], [1, 0, 0, 0, 0], [0, 0, 1, 0, 0]
    with pytest.raises(ValueError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        CoxPHFitter().fit(pd.DataFrame({"t": t, "d": d, "x": x}), "t", "d")
    hr = hazard_ratio(t, d, x)
    assert not hr.estimable and math.isnan(hr.hr) and math.isnan(hr.lrt_p)
    assert "no death occurred while patients of both groups were at risk" in hr.reason
    assert hr_text(hr).startswith("not estimable: no death occurred")
    # the same cohort from a landmark: the comparison goes on, the ratio says why not
    result = landmark_comparison(t, d, x, 3, 60)
    assert not result.hr.estimable and result.table["n"].tolist() == [4, 1]
    assert hr_text(hazard_ratio(t, [0] * 5, x)) == "not estimable: nobody died"
    assert hr_text(hazard_ratio(t, d, [0] * 5)) == "not estimable: a group has no patient"


def test_a_failed_cox_fit_is_reported_not_raised(monkeypatch):
    import lifelines

    def singular(self, *args, **kwargs):
        raise lifelines.exceptions.ConvergenceError(
            "Convergence halted due to matrix inversion problems."
        )

    monkeypatch.setattr(lifelines.CoxPHFitter, "fit", singular)
    hr = hazard_ratio([2, 4, 6, 8, 3, 5, 7, 9], [1, 1, 0, 1, 1, 0, 1, 0], [1, 1, 1, 1, 0, 0, 0, 0])
    assert not hr.estimable
    assert hr_text(hr) == (
        "not estimable: the Cox model did not converge (singular information matrix)"
    )


def test_support_text_names_the_censored_patients_behind_a_zero():
    from nettx_utils.stats.landmark import support_text

    # KM by hand: 6 patients; censored at 6, 8.4, 33.1; deaths at 10, 20, 54.8
    t, d = [6, 8.4, 10, 20, 33.1, 54.8], [0, 0, 1, 1, 0, 1]
    support = curve_support(t, d, 60)
    assert support.censored_before_zero == (6.0, 8.4, 33.1)
    assert support.zero_time == 54.8 and support.at_risk_at_zero == 1
    text = support_text(support, 60, "Mib-1 >2% no-surgery")
    assert "3 of the 6 were censored before, at 6, 8.4 and 33.1 months" in text
    assert "the last death at 54.8 months carries the 0%" in text
    many = curve_support([1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 1], 60)
    assert "6 of the 7 were censored before; the last death" in support_text(many, 60, "g")

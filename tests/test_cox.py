"""The fast Cox fit against lifelines, and its edge cases."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from scipy.optimize import minimize
from scipy.stats import chi2

from nettx_utils.stats.cox import cox_fit, efron_loglik, profile_loglik
from nettx_utils.stats.hazard import profile_interval


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.integers(0, 2, n), rng.normal(50, 10, n), rng.exponential(3, n)])
    months = np.round(rng.exponential(40, n) * np.exp(-0.5 * X[:, 0]))  # whole months: ties
    died = (rng.random(n) < 0.6).astype(int)
    return X, months, died


@pytest.mark.parametrize("penalty", [0.0, 0.1])
@pytest.mark.parametrize("seed", [1, 2])
def test_equals_lifelines(penalty, seed):
    X, months, died = _data(80, seed)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(months=months, died=died)
    reference = CoxPHFitter(penalizer=penalty).fit(frame, "months", "died")
    coef, se, converged = cox_fit(X, months, died, penalty)
    assert converged
    np.testing.assert_allclose(coef, reference.params_.to_numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(se, reference.standard_errors_.to_numpy(), rtol=1e-3)


def test_a_constant_column_gets_nan_and_the_others_are_unchanged():
    X, months, died = _data(60, 3)
    with_constant = np.column_stack([X, np.ones(len(X))])
    coef, se, _ = cox_fit(with_constant, months, died)
    assert np.isnan(coef[-1]) and np.isnan(se[-1])
    np.testing.assert_allclose(coef[:-1], cox_fit(X, months, died)[0])


def test_monotone_likelihood_has_no_finite_estimate():
    months = np.arange(1.0, 11.0)
    died = np.ones(10, dtype=int)
    group = (months <= 5).astype(float)[:, None]  # every death of group 1 comes first
    coef, _, converged = cox_fit(group, months, died)
    assert not converged and abs(coef[0]) > 5


def test_a_diverging_fit_warns_nothing():
    """A Newton step far into a diverging likelihood makes a risk set's weight 0: the fit
    halves the step and says there is no finite estimate, without numpy's divide/invalid
    warnings whatever numpy's global error state (lifelines' Kaplan-Meier fitter changes it
    for the whole process, so chapter 12's output depended on which notebooks had run
    before it in the same kernel)."""
    rng = np.random.default_rng(34)  # 8 patients, found to step into a zero risk-set weight
    X = np.column_stack([rng.integers(0, 2, 8), rng.integers(0, 2, 8), rng.normal(0, 1, 8)])
    months = rng.integers(1, 6, 8).astype(float)
    died = (rng.random(8) < 0.6).astype(int)
    old = np.seterr(divide="warn", invalid="warn", over="warn", under="ignore")  # numpy's default
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            *_, converged = cox_fit(X.astype(float), months, died, 0.0)
    finally:
        np.seterr(**old)
    assert not converged


def _interaction_data() -> pd.DataFrame:
    """A small cohort with two 0/1 factors and their product, tied deaths included."""
    rng = np.random.default_rng(11)
    a = rng.integers(0, 2, 40)
    b = rng.integers(0, 2, 40)
    months = np.round(rng.exponential(30, 40) * np.exp(-0.6 * a + 0.4 * b))
    died = (rng.random(40) < 0.7).astype(int)
    return pd.DataFrame({"a": a, "b": b, "ab": a * b, "t": months, "d": died})


def test_efron_loglik_by_hand_with_two_covariates_and_a_tie():
    # Patients 1 and 2 die together at t = 1, patient 3 dies at 2, patient 4 censored at 3.
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    beta = np.array([0.4, -0.9])
    r = np.exp(x @ beta)  # relative risks
    first = np.log(r[0] * r[1]) - np.log(r.sum()) - np.log(r.sum() - (r[0] + r[1]) / 2)
    second = np.log(r[2]) - np.log(r[2] + r[3])
    got = efron_loglik(beta, x, [1, 1, 2, 3], [1, 1, 1, 0])
    assert got == pytest.approx(first + second, rel=1e-12)


def test_efron_loglik_and_the_newton_fit_agree_with_lifelines():
    frame = _interaction_data()
    fit = CoxPHFitter().fit(frame, "t", "d")
    X = frame[["a", "b", "ab"]].to_numpy()
    at_mle = efron_loglik(fit.params_.to_numpy(), X, frame["t"], frame["d"])
    assert at_mle == pytest.approx(fit.log_likelihood_, rel=1e-10)
    coef, _, converged = cox_fit(X, frame["t"], frame["d"])
    assert converged
    np.testing.assert_allclose(coef, fit.params_.to_numpy(), rtol=1e-5, atol=1e-7)


def test_profile_loglik_is_the_maximum_over_the_other_coefficients():
    frame = _interaction_data()
    X, t, d = frame[["a", "b", "ab"]].to_numpy(), frame["t"], frame["d"]

    def others(free: np.ndarray) -> float:  # an independent maximiser: scipy's BFGS
        return -efron_loglik(np.r_[free, 0.8], X, t, d)

    best = minimize(others, np.zeros(2), method="BFGS", options={"gtol": 1e-8})
    assert profile_loglik(X, t, d, 2, 0.8) == pytest.approx(-best.fun, abs=1e-7)


def test_profile_interval_of_an_interaction_inverts_the_likelihood_ratio_test():
    frame = _interaction_data()
    X, t, d = frame[["a", "b", "ab"]].to_numpy(), frame["t"], frame["d"]
    fit = CoxPHFitter().fit(frame, "t", "d")
    low, high = profile_interval(X, t, d, 2, fit.params_, fit.log_likelihood_)
    assert low < math.exp(fit.params_["ab"]) < high
    for bound in (low, high):
        drop = 2 * (fit.log_likelihood_ - profile_loglik(X, t, d, 2, math.log(bound)))
        assert drop == pytest.approx(chi2.ppf(0.95, 1), abs=1e-6)  # 3.84
    # the profile interval leaves out 1 exactly when the likelihood-ratio test rejects
    reduced = CoxPHFitter().fit(frame.drop(columns="ab"), "t", "d")
    p = chi2.sf(2 * (fit.log_likelihood_ - reduced.log_likelihood_), 1)
    assert (p < 0.05) == (not low <= 1 <= high)

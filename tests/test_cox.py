"""The fast Cox fit against lifelines, and its edge cases."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from nettx_utils.cox import cox_fit


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

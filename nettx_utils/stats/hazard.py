"""Hazard ratio of one yes/no characteristic, with a Wald and a profile-likelihood interval.

The log-rank test says whether two survival curves differ; the hazard ratio says by how
much. :func:`hazard_ratio` fits the Cox model with the one 0/1 covariate (lifelines'
``CoxPHFitter``, Efron's handling of tied deaths, no penalty) and gives two 95%
intervals:

- **Wald**, on the log scale: ``exp(beta +/- z * se)``, lifelines' interval. It assumes
  the log-likelihood is close to a parabola, which fails with few deaths and fails
  completely under *separation* (one group has every death that could tell the groups
  apart): the estimate then runs off to 0 or infinity and the Wald interval is
  meaningless.
- **Profile likelihood**: the hazard ratios whose log-likelihood lies within
  ``chi2_1(0.95) / 2`` of the maximum. It follows the likelihood's real shape and
  stays honest under separation, where it is open on one side (one bound is 0 or
  infinity). :func:`profile_interval` gives it for one coefficient of a Cox model with
  any number of covariates: the coefficient is held at each candidate value and the
  others refitted (:func:`nettx_utils.stats.cox.profile_loglik`, on the book's one Efron
  partial likelihood, :func:`nettx_utils.stats.cox.efron_terms`).

The p-value reported is the likelihood-ratio test (1 degree of freedom), which is
also defined under separation.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import chi2

from nettx_utils.errors import NettxError
from nettx_utils.stats.cox import efron_loglik, profile_loglik

__all__ = [
    "HazardRatio",
    "finite_note",
    "fit_problem",
    "hazard_ratio",
    "hr_text",
    "not_estimable_reason",
    "p_phrase",
    "profile_interval",
    "separation",
]

# Beyond this log hazard ratio (a ratio of e^40) the likelihood of a separated
# covariate is at its supremum to far better than any printed digit.
_FAR = 40.0


def _arrays(durations: Any, events: Any, exposed: Any) -> tuple[np.ndarray, ...]:
    t = np.asarray(durations, dtype=float)
    d = np.asarray(events, dtype=float).astype(int)
    x = np.asarray(pd.Series(exposed).astype(float), dtype=float)
    if not (t.shape == d.shape == x.shape) or np.isnan(t).any() or np.isnan(x).any():
        raise NettxError("hazard ratio: durations, events and exposure need one value a patient")
    return t, d, x


def separation(durations: Any, events: Any, exposed: Any) -> int:
    """+1 (or -1) when the log hazard ratio of ``exposed`` has no finite estimate, else 0.

    The partial likelihood keeps rising as beta goes to +infinity when every death
    has the largest covariate of its risk set (for a 0/1 covariate: every death is
    exposed, or no unexposed death has an exposed patient at risk beside it), and
    to -infinity in the mirror case. 0 also when there is no death.

    Examples
    --------
    >>> separation([1, 2, 3, 4], [1, 1, 0, 0], [1, 1, 0, 0])
    1
    >>> separation([1, 2, 3, 4], [1, 1, 0, 1], [1, 0, 0, 1])
    0
    """
    t, d, x = _arrays(durations, events, exposed)
    deaths = np.flatnonzero(d == 1)
    if deaths.size == 0:
        return 0
    top = all(x[i] >= x[t >= t[i]].max() for i in deaths)
    bottom = all(x[i] <= x[t >= t[i]].min() for i in deaths)
    if top and bottom:
        return 0  # no death can tell the groups apart: no estimate in either direction
    return 1 if top else (-1 if bottom else 0)


@dataclass(frozen=True)
class HazardRatio:
    """A Cox hazard ratio of exposed vs unexposed, with its 95% intervals (NaN: none).

    ``separated`` is +1 / -1 when the estimate is infinite / 0 (the Wald interval is
    then NaN and the profile interval open on one side), 0 otherwise. ``deaths`` and
    ``n`` are per group, unexposed first.
    """

    hr: float
    wald_lower: float
    wald_upper: float
    profile_lower: float
    profile_upper: float
    lrt_p: float
    separated: int
    n: tuple[int, int]
    deaths: tuple[int, int]
    level: float = 0.95
    reason: str = ""

    @property
    def estimable(self) -> bool:
        """True when both groups have patients and some death: a likelihood to profile."""
        return (
            not self.reason
            and min(self.n) > 0
            and sum(self.deaths) > 0
            and not math.isnan(self.lrt_p)
        )


def not_estimable_reason(durations: Any, events: Any, exposed: Any) -> str:
    """Why the data hold no information on a hazard ratio, in words; "" when they do.

    A group with no patient, no death at all, or no death at a time when patients of
    both groups were at risk (every death then compares a group with itself, the
    partial likelihood is flat and its information matrix singular).

    Examples
    --------
    >>> not_estimable_reason([1, 2], [1, 0], [1, 1])
    'a group has no patient'
    >>> not_estimable_reason([1, 2, 3], [0, 0, 0], [1, 0, 1])
    'nobody died'
    >>> not_estimable_reason([1, 2, 3], [0, 0, 1], [1, 0, 1])[:40]
    'no death occurred while patients of both'
    >>> not_estimable_reason([1, 2, 3], [1, 0, 1], [1, 0, 1])
    ''
    """
    t, d, x = _arrays(durations, events, exposed)
    if (x == 0).sum() == 0 or (x == 1).sum() == 0:
        return "a group has no patient"
    if d.sum() == 0:
        return "nobody died"
    if not any(np.unique(x[t >= t[i]]).size > 1 for i in np.flatnonzero(d == 1)):
        return (
            "no death occurred while patients of both groups were at risk, so no death "
            "compares the groups"
        )
    return ""


def _profile_bound(loglik: Any, beta_hat: float, target: float, direction: int) -> float:
    """The beta on one side of ``beta_hat`` where the log-likelihood falls to ``target``."""
    step = 1.0
    for _ in range(60):
        far = beta_hat + direction * step
        if loglik(far) < target:
            return brentq(lambda b: loglik(b) - target, min(beta_hat, far), max(beta_hat, far))
        if abs(far) > _FAR:
            break
        step *= 2
    return direction * math.inf


def profile_interval(
    X: Any,
    durations: Any,
    events: Any,
    index: int,
    estimate: Any,
    loglik_max: float,
    level: float = 0.95,
) -> tuple[float, float]:
    """Profile-likelihood interval of the hazard ratio of covariate ``index`` of a Cox model.

    The bounds are the values of that coefficient at which the profile log-likelihood
    (the coefficient held fixed, every other coefficient refitted:
    :func:`nettx_utils.stats.cox.profile_loglik`, Efron ties, no penalty) lies
    ``chi2_1(level) / 2`` below the maximum; they invert the likelihood-ratio test of
    the coefficient. A bound the likelihood never falls to (a log hazard ratio beyond
    40) is open: 0 or infinity.

    Parameters
    ----------
    X
        Covariates, one row per patient, one column per covariate (1-D: one covariate).
    durations, events
        Time to death or last contact, and 1 for a death.
    index
        The column whose hazard ratio is wanted.
    estimate, loglik_max
        The full model's estimates (all coefficients, e.g. lifelines'
        ``params_``) and its log-likelihood at them.
    level
        Confidence level.

    Returns
    -------
    tuple
        ``(lower, upper)`` on the hazard-ratio scale.

    Examples
    --------
    >>> from lifelines import CoxPHFitter
    >>> t, d, x = [2, 4, 6, 8, 3, 5, 7, 9], [1, 1, 0, 1, 1, 0, 1, 0], [1, 1, 1, 1, 0, 0, 0, 0]
    >>> fit = CoxPHFitter().fit(pd.DataFrame({"t": t, "d": d, "x": x}), "t", "d")
    >>> low, high = profile_interval(x, t, d, 0, fit.params_, fit.log_likelihood_)
    >>> low < math.exp(fit.params_["x"]) < high
    True
    """
    start = np.atleast_1d(np.asarray(estimate, dtype=float))
    target = loglik_max - float(chi2.ppf(level, 1)) / 2

    def profile(value: float) -> float:
        return profile_loglik(X, durations, events, index, value, start=start)

    centre = float(start[index])
    lower = _profile_bound(profile, centre, target, -1)
    upper = _profile_bound(profile, centre, target, 1)
    return math.exp(lower), math.exp(upper)


def hazard_ratio(durations: Any, events: Any, exposed: Any, level: float = 0.95) -> HazardRatio:
    """Cox hazard ratio of ``exposed`` (0/1) with Wald and profile-likelihood intervals.

    Parameters
    ----------
    durations, events
        Time to death or last contact, and 1 for a death.
    exposed
        1 (or True) for the group whose hazard is in the numerator.
    level
        Confidence level of both intervals.

    Returns
    -------
    HazardRatio
        NaN everywhere when a group is empty or no one died.

    Examples
    --------
    >>> hr = hazard_ratio([2, 4, 6, 8, 3, 5, 7, 9], [1, 1, 0, 1, 1, 0, 1, 0], [1, 1, 1, 1, 0, 0, 0, 0])
    >>> round(hr.hr, 3), hr.separated, hr.profile_lower < hr.hr < hr.profile_upper
    (1.836, 0, True)
    """
    t, d, x = _arrays(durations, events, exposed)
    n = (int((x == 0).sum()), int((x == 1).sum()))
    deaths = (int(d[x == 0].sum()), int(d[x == 1].sum()))
    nan = math.nan
    reason = not_estimable_reason(t, d, x)
    if reason:
        return HazardRatio(nan, nan, nan, nan, nan, nan, 0, n, deaths, level, reason)
    q = float(chi2.ppf(level, 1))

    def loglik(b: float) -> float:
        return efron_loglik([b], x, t, d)

    side = separation(t, d, x)
    if side:
        beta_hat, wald = side * math.inf, (nan, nan)
        ll_max = loglik(side * _FAR)
    else:
        from lifelines import CoxPHFitter

        frame = pd.DataFrame({"t": t, "d": d, "x": x})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = CoxPHFitter().fit(frame, "t", "d")
            except (ValueError, np.linalg.LinAlgError) as problem:
                why = f"the Cox model did not converge ({fit_problem(problem)})"
                return HazardRatio(nan, nan, nan, nan, nan, nan, 0, n, deaths, level, why)
        beta_hat = float(fit.params_["x"])
        se = float(fit.standard_errors_["x"])
        z = float(np.sqrt(q))
        wald = (math.exp(beta_hat - z * se), math.exp(beta_hat + z * se))
        ll_max = float(fit.log_likelihood_)
    target = ll_max - q / 2
    if side == 1:  # the estimate is infinite: the interval is open above
        lower, upper = _profile_bound(loglik, _FAR, target, -1), math.inf
    elif side == -1:  # the estimate is 0: the interval is open below
        lower, upper = -math.inf, _profile_bound(loglik, -_FAR, target, 1)
    else:
        bounds = profile_interval(x, t, d, 0, [beta_hat], ll_max, level)
        lower, upper = (math.log(bound) if bound > 0 else -math.inf for bound in bounds)
    lrt = max(0.0, 2 * (ll_max - loglik(0.0)))
    return HazardRatio(
        hr=math.exp(beta_hat),
        wald_lower=wald[0],
        wald_upper=wald[1],
        profile_lower=math.exp(lower),
        profile_upper=math.exp(upper),
        lrt_p=float(chi2.sf(lrt, 1)),
        separated=side,
        n=n,
        deaths=deaths,
        level=level,
    )


def fit_problem(problem: BaseException) -> str:
    """A short, reader-facing name for why a Cox fit failed (no traceback, no class name).

    Examples
    --------
    >>> fit_problem(ValueError("Convergence halted due to matrix inversion problems. x"))
    'singular information matrix'
    >>> fit_problem(ValueError("NaNs were detected"))
    'the estimate did not settle'
    """
    text = str(problem).lower()
    if "singular" in text or "matrix inversion" in text:
        return "singular information matrix"
    return "the estimate did not settle"


def _ratio(value: float) -> str:
    """A hazard ratio or bound at 2 decimals, as journals print them; below 0.01 as "< 0.01".

    Examples
    --------
    >>> _ratio(0.0759), _ratio(0.00276), _ratio(62.104), _ratio(math.inf)
    ('0.08', '< 0.01', '62.10', 'infinity')
    """
    if value == math.inf:
        return "infinity"
    if value == 0:
        return "0"
    return f"{value:.2f}" if value >= 0.005 else "< 0.01"


def p_phrase(p: float) -> str:
    """ "p = 0.062", "p < 0.001" or "p > 0.999" (never "p = < 0.001"), by
    :func:`nettx_utils.formatting.format_p`; "p not computable" for NaN.

    Examples
    --------
    >>> p_phrase(0.0621), p_phrase(0.0002), p_phrase(float("nan"))
    ('p = 0.062', 'p < 0.001', 'p not computable')
    """
    from nettx_utils.formatting import format_p

    if not math.isfinite(p):
        return "p not computable"
    text = format_p(p)
    return f"p {text}" if text[0] in "<>" else f"p = {text}"


def hr_text(hr: HazardRatio, label: str = "") -> str:
    """A hazard ratio for the prose: estimate, Wald and profile-likelihood 95% intervals,
    likelihood-ratio p; under separation, why there is no finite estimate.

    ``label`` (e.g. "a property of the synthetic cohort, not published") is written right
    after the estimate, where a reader cannot miss it.

    Examples
    --------
    >>> t, d, x = [2, 4, 6, 8, 3, 5, 7, 9], [1, 1, 0, 1, 1, 0, 1, 0], [1, 1, 1, 1, 0, 0, 0, 0]
    >>> hr_text(hazard_ratio(t, d, x))[:58]
    'HR 1.84 (95% CI 0.30 to 11.17, Wald on the log scale; prof'
    """
    mark = f" [{label}]" if label else ""
    if not hr.estimable:
        return f"not estimable: {hr.reason or 'a group has no patient, or nobody died'}"
    p = p_phrase(hr.lrt_p)
    profile = f"{_ratio(hr.profile_lower)} to {_ratio(hr.profile_upper)}"
    if hr.separated:
        return (
            f"HR {_ratio(hr.hr)}{mark}: no finite estimate, because the deaths that could "
            "tell the groups apart all fall in one group (separation), so the Wald interval "
            f"is undefined; the 95% profile-likelihood interval runs from {profile}; "
            f"likelihood-ratio {p}"
        )
    return (
        f"HR {_ratio(hr.hr)}{mark} (95% CI {_ratio(hr.wald_lower)} to {_ratio(hr.wald_upper)}, "
        f"Wald on the log scale; profile likelihood {profile}; likelihood-ratio {p})"
    )


def finite_note(hr: HazardRatio, labels: tuple[str, str]) -> str:
    """Why a hazard ratio is finite although a Kaplan-Meier curve may fall to 0, or "".

    ``labels`` name the unexposed and the exposed group. Empty under separation or
    when nothing is estimable (:func:`hr_text` then says why).

    Examples
    --------
    >>> t, d, x = [2, 4, 6, 8, 3, 5, 7, 9], [1, 1, 0, 1, 1, 0, 1, 0], [1, 1, 1, 1, 0, 0, 0, 0]
    >>> finite_note(hazard_ratio(t, d, x), ("late", "early"))[:58]
    'The model compares the groups at each death (early: 3 deat'
    """
    if hr.separated or not hr.estimable:
        return ""
    (n0, n1), (d0, d1) = hr.n, hr.deaths
    return (
        f"The model compares the groups at each death ({labels[1]}: {d1} deaths of {n1} "
        f"patients; {labels[0]}: {d0} of {n0}); with deaths in both groups while both are "
        "at risk the estimate is finite, however low one group's Kaplan-Meier curve falls, "
        "and the width of its interval reflects the number of deaths in each group"
    )

"""Kaplan-Meier estimation, medians, reverse Kaplan-Meier follow-up and log-rank tests.

A thin, explicit layer checked against :mod:`lifelines`. The numbers come from the
package's one numpy core, :mod:`nettx_utils.stats.risk_sets` (risk sets, product
limit with Greenwood's sum, the log-rank chi-square of
:func:`lifelines.statistics.multivariate_logrank_test`; 10^6 patients take a fraction
of a second), so that every confidence-interval type uses the same numbers;
lifelines' own fit is on ``KaplanMeier.lifelines_`` for plotting and cross-checks.

Conventions, in one place:

- **Ties.** Events at time *t* happen before censorings at *t*: a patient censored
  at *t* is still at risk for the events at *t* (the usual product-limit rule,
  as in R ``survfit`` and lifelines).
- **At risk** at *t* is counted just before *t*: the number with duration >= *t*.
- **Confidence intervals** are pointwise, from Greenwood's variance, on one of
  three scales (:data:`CI_TYPES`). The default is ``"log-log"`` because it is
  lifelines' default and its limits always lie inside [0, 1]; R ``survfit``
  defaults to ``"log"``. All limits are clipped to [0, 1].
- **Medians** are the smallest time with S(t) <= 0.5 (as lifelines). R instead
  takes the midpoint when S is exactly 0.5 over an interval; the two agree otherwise.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from nettx_utils.errors import NettxError
from nettx_utils.stats.arrays import as_float_array
from nettx_utils.stats.risk_sets import logrank_chi2, product_limit, risk_set_counts

if TYPE_CHECKING:  # lifelines is imported on first use: it is most of this module's import
    from lifelines import KaplanMeierFitter

__all__ = [
    "CI_TYPES",
    "WEIGHTINGS",
    "KaplanMeier",
    "LogRankResult",
    "MedianSurvival",
    "fit_kaplan_meier",
    "logrank_test",
    "median_followup",
]

CI_TYPES = ("log-log", "log", "plain")
"""Confidence-interval scales: ``"log-log"`` (lifelines' default, "exponential Greenwood"),
``"log"`` (R ``survfit``'s default) and ``"plain"`` (linear Greenwood, S +/- z se)."""

WEIGHTINGS = ("logrank", "wilcoxon", "tarone-ware", "peto")
"""Log-rank weightings, named as lifelines' ``weightings`` (``"logrank"`` is its ``None``)."""

# S(t) is treated as <= q when it is within this of q (R's quantile.survfit uses the same).
_TOL = float(np.sqrt(np.finfo(float).eps))

ArrayLike = Sequence[float] | np.ndarray | pd.Series


@dataclass(frozen=True)
class MedianSurvival:
    """A median survival time with its confidence interval.

    ``inf`` means "not reached": ``estimate`` is ``inf`` when the curve never drops to
    0.5, ``upper`` is ``inf`` when the upper confidence curve never does (the interval
    is open above; R prints ``NA``), and ``lower`` is ``inf`` only when even the lower
    confidence curve never does. NaN is never used.
    """

    estimate: float
    lower: float
    upper: float

    @property
    def reached(self) -> bool:
        """Whether the survival curve drops to 0.5 within follow-up."""
        return bool(np.isfinite(self.estimate))


@dataclass(frozen=True)
class LogRankResult:
    """Result of a (weighted) log-rank test of k >= 2 groups.

    ``summary`` has one row per group (``group``, ``n``, ``observed``, ``expected``);
    observed and expected are unweighted event counts (as in R ``survdiff`` with rho = 0)
    whatever the weighting.
    """

    test_statistic: float
    p_value: float
    degrees_of_freedom: int
    summary: pd.DataFrame
    weighting: str


def _validate(durations: Any, events: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check and convert durations/events; raise NettxError with a readable message."""
    d = as_float_array(durations, "durations")
    e = as_float_array(events, "events")
    if d.size == 0:
        raise NettxError("durations is empty: need at least one observation")
    if d.size != e.size:
        raise NettxError(f"durations has {d.size} values but events has {e.size}")
    if np.isnan(d).any():
        raise NettxError(f"durations has {int(np.isnan(d).sum())} missing value(s)")
    if not np.isfinite(d).all():
        raise NettxError("durations must be finite (found inf)")
    if (d < 0).any():
        raise NettxError(f"durations must be >= 0; found {int((d < 0).sum())} negative value(s)")
    if not np.isin(e, (0.0, 1.0)).all():
        bad = sorted({str(v) for v in e[~np.isin(e, (0.0, 1.0))]})
        raise NettxError(f"events must be 0 (censored) or 1 (event); found {', '.join(bad)}")
    return d, e.astype(int)


def _ci(surv: np.ndarray, var_log: np.ndarray, z: float, ci_type: str) -> tuple[np.ndarray, ...]:
    """Pointwise limits from Greenwood; ``var_log`` = sum d/(n(n-d)) = Var(log S)."""
    sigma = np.sqrt(var_log)
    with np.errstate(divide="ignore", invalid="ignore"):
        if ci_type == "plain":
            half = z * surv * sigma
            lower, upper = surv - half, surv + half
        elif ci_type == "log":
            lower, upper = surv * np.exp(-z * sigma), surv * np.exp(z * sigma)
        else:  # log-log: CI for log(-log S), back-transformed
            k = np.exp(z * sigma / np.abs(np.log(surv)))
            lower, upper = surv**k, surv ** (1.0 / k)
    none_yet = var_log == 0  # no event so far: S = 1 with zero Greenwood variance
    lower = np.where(none_yet, surv, lower)
    upper = np.where(none_yet, surv, upper)
    lower = np.where(surv == 0, 0.0, lower)  # Greenwood undefined at S = 0 (see table_)
    upper = np.where(surv == 0, np.nan, upper)
    return np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)


def _first_time_at_or_below(times: np.ndarray, curve: np.ndarray, q: float = 0.5) -> float:
    hit = np.flatnonzero(curve <= q + _TOL)
    return float(times[hit[0]]) if hit.size else float("inf")


class KaplanMeier:
    """Kaplan-Meier (product-limit) estimator with Greenwood confidence intervals.

    Parameters
    ----------
    ci_type : {"log-log", "log", "plain"}
        Scale of the pointwise interval. ``"log-log"`` (default) matches lifelines and
        never leaves [0, 1]; ``"log"`` matches R ``survfit``; ``"plain"`` is S +/- z*se.
    alpha : float
        1 - confidence level (0.05 gives 95% intervals).

    Attributes
    ----------
    table_ : pandas.DataFrame
        One row per distinct observed time (events or censorings, no extra row at 0):
        ``time, at_risk, events, censored, survival, std_err, lower, upper``. ``at_risk``
        is counted just before the time; ``std_err`` is Greenwood's on the survival
        scale, S * sqrt(sum d / (n (n - d))). Where S = 1 (no events yet) std_err is 0
        and lower = upper = 1. Where S = 0 Greenwood is undefined: std_err and upper are
        NaN (R gives NaN/NA; lifelines gives 0, which would wrongly close the median's
        interval) and lower is 0, the trivial bound.
    median_ : MedianSurvival
        Median and its interval from where the confidence curves cross 0.5
        (Brookmeyer-Crowley style, as R ``survfit`` prints): lower limit = first time the
        lower curve is <= 0.5, upper limit = first time the upper curve is <= 0.5 (``inf``
        if never). It therefore depends on ``ci_type``.
    lifelines_ : lifelines.KaplanMeierFitter
        The same data fitted by lifelines (its intervals are always log-log), fitted
        on first access.

    Examples
    --------
    >>> km = KaplanMeier(ci_type="log").fit([5, 8, 8, 12, 16], [1, 1, 0, 1, 0])
    >>> round(float(km.survival_at([8])["survival"].iloc[0]), 4)
    0.6
    >>> km.median_.estimate
    12.0
    """

    def __init__(self, ci_type: str = "log-log", alpha: float = 0.05) -> None:
        if ci_type not in CI_TYPES:
            raise NettxError(f"ci_type must be one of {CI_TYPES}, got {ci_type!r}")
        if not 0.0 < alpha < 1.0:
            raise NettxError(f"alpha must be between 0 and 1, got {alpha!r}")
        self.ci_type = ci_type
        self.alpha = alpha

    def fit(self, durations: ArrayLike, events: ArrayLike, label: str | None = None) -> KaplanMeier:
        """Fit to ``durations`` (>= 0) and ``events`` (1 = event, 0 = censored); returns self."""
        d, e = _validate(durations, events)
        self.__dict__.pop("lifelines_", None)  # a refit drops the previous data's lifelines fit
        self.durations_, self.events_ = d, e
        self.label_ = label if label is not None else "KM_estimate"
        self.n_, self.n_events_ = int(d.size), int(e.sum())

        times, *counts = risk_set_counts(d, e)
        at_risk, n_events, leaving = (c[:, 0] for c in counts)
        n_cens = leaving - n_events
        # Observations before each distinct time, for the numbers at risk at any t.
        self._before = np.concatenate([[0], np.cumsum(leaving)])
        surv, var_log = product_limit(at_risk, n_events)
        with np.errstate(invalid="ignore"):
            std_err = np.where(surv > 0, surv * np.sqrt(var_log), np.nan)
        self._z = float(norm.ppf(1.0 - self.alpha / 2.0))
        lower, upper = _ci(surv, var_log, self._z, self.ci_type)
        self.table_ = pd.DataFrame(
            {
                "time": times,
                "at_risk": at_risk,
                "events": n_events,
                "censored": n_cens,
                "survival": surv,
                "std_err": std_err,
                "lower": lower,
                "upper": upper,
            }
        )
        self.median_ = MedianSurvival(
            estimate=_first_time_at_or_below(times, surv),
            lower=_first_time_at_or_below(times, lower),
            upper=_first_time_at_or_below(times, upper),
        )
        return self

    @cached_property
    def lifelines_(self) -> KaplanMeierFitter:
        """The same data fitted by lifelines, on first use (for plots and cross-checks).

        Fitted lazily: a lifelines fit costs more than the whole estimate above, and
        no number of the book comes from it.
        """
        from lifelines import KaplanMeierFitter

        self._check_fitted()
        return KaplanMeierFitter(alpha=self.alpha).fit(
            self.durations_, self.events_, label=self.label_
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "table_"):
            raise NettxError("KaplanMeier is not fitted yet: call .fit(durations, events)")

    @staticmethod
    def _times(times: ArrayLike | float) -> np.ndarray:
        t = as_float_array(np.atleast_1d(times), "times")
        if np.isnan(t).any():
            raise NettxError("times must not contain missing values")
        return t

    def survival_at(self, times: ArrayLike | float) -> pd.DataFrame:
        """Survival and interval at ``times`` (right-continuous: S(t) includes events at t).

        Returns columns ``time, survival, lower, upper, at_risk`` (at risk just before t).
        Before the first event S = 1. Beyond the last observed duration the estimate is
        undefined and survival/lower/upper are NaN (lifelines would carry the last value
        forward; R ``summary.survfit`` drops such times unless ``extend = TRUE``), except
        when the last observation was a death that took S to 0: S stays 0 afterwards.

        Examples
        --------
        >>> km = fit_kaplan_meier([2, 4, 6], [1, 0, 1])
        >>> km.survival_at([1, 2, 7])["survival"].round(4).tolist()
        [1.0, 0.6667, 0.0]
        >>> fit_kaplan_meier([2, 4, 6], [1, 1, 0]).survival_at([7])["survival"].tolist()
        [nan]
        """
        self._check_fitted()
        t = self._times(times)
        tab = self.table_
        idx = np.searchsorted(tab["time"].to_numpy(), t, side="right") - 1
        out = {}
        # Beyond the last observation the curve is unknown, unless it already reached 0.
        unknown = (t > tab["time"].iloc[-1]) & (tab["survival"].iloc[-1] > 0)
        for col in ("survival", "lower", "upper"):
            vals = np.where(idx >= 0, tab[col].to_numpy()[np.maximum(idx, 0)], 1.0)
            out[col] = np.where(unknown, np.nan, vals)
        at_risk = self.n_ - self._before[np.searchsorted(tab["time"].to_numpy(), t, side="left")]
        return pd.DataFrame({"time": t, **out, "at_risk": at_risk})

    def counts_at(self, times: ArrayLike | float) -> pd.DataFrame:
        """Numbers at risk, censored and with events at ``times`` (a KMunicate table).

        Everything is counted just before t: ``at_risk`` = #(duration >= t), ``censored``
        = #(censored with duration < t), ``events`` = #(event with duration < t). An event
        or censoring at exactly t is therefore still "at risk" at t, and
        ``at_risk + censored + events == n`` at every t.

        Examples
        --------
        >>> fit_kaplan_meier([2, 4, 6], [1, 0, 1]).counts_at([0, 4]).to_dict("list")
        {'time': [0.0, 4.0], 'at_risk': [3, 2], 'censored': [0, 0], 'events': [0, 1]}
        """
        self._check_fitted()
        t = self._times(times)
        d, e = self.durations_, self.events_
        before = d[None, :] < t[:, None]
        return pd.DataFrame(
            {
                "time": t,
                "at_risk": (~before).sum(axis=1),
                "censored": (before & (e == 0)).sum(axis=1),
                "events": (before & (e == 1)).sum(axis=1),
            }
        )


def fit_kaplan_meier(
    durations: ArrayLike,
    events: ArrayLike,
    *,
    ci_type: str = "log-log",
    alpha: float = 0.05,
    label: str | None = None,
) -> KaplanMeier:
    """Fit a :class:`KaplanMeier`; shorthand for ``KaplanMeier(ci_type, alpha).fit(...)``.

    Examples
    --------
    S is exactly 0.5 from t = 5 to t = 9: the median is 5 here (R would print 7, the midpoint).

    >>> fit_kaplan_meier([3, 5, 7, 9], [1, 1, 0, 1]).median_.estimate
    5.0
    """
    return KaplanMeier(ci_type=ci_type, alpha=alpha).fit(durations, events, label=label)


def median_followup(
    durations: ArrayLike, events: ArrayLike, *, alpha: float = 0.05, ci_type: str = "log-log"
) -> MedianSurvival:
    """Median follow-up by the reverse Kaplan-Meier method (Schemper & Smith 1996).

    The event indicator is flipped: being censored (alive at last contact) is the
    "event" and death censors follow-up. With the usual tie rule, a death and a
    censoring at the same time count the censoring first, the death still at risk.
    ``durations``/``events`` are the survival data as given to :func:`fit_kaplan_meier`.

    Examples
    --------
    >>> median_followup([2, 4, 5, 7, 9, 12, 15], [1, 0, 1, 0, 0, 1, 0]).estimate
    9.0
    """
    d, e = _validate(durations, events)
    return KaplanMeier(ci_type=ci_type, alpha=alpha).fit(d, 1 - e, label="reverse KM").median_


def _group_codes(groups: ArrayLike) -> tuple[int, np.ndarray, list, np.ndarray]:
    """The number of labels, which have a group (not missing), the groups in order
    (category order, else sorted, else first appearance), and the group number of each
    kept observation. A categorical's own codes are used: no label is hashed."""
    if isinstance(getattr(groups, "dtype", None), pd.CategoricalDtype):
        categorical = pd.Categorical(groups)
        all_codes = np.asarray(categorical.codes).ravel()
        keep = all_codes >= 0
        present = np.flatnonzero(
            np.bincount(all_codes[keep], minlength=categorical.categories.size)
        )
        renumber = np.full(categorical.categories.size, -1)
        renumber[present] = np.arange(present.size)
        labels = list(categorical.categories[present])
        return all_codes.size, keep, labels, renumber[all_codes[keep]]
    g = pd.Series(np.asarray(groups, dtype=object).ravel())
    keep = ~g.isna().to_numpy()
    labels = list(pd.unique(g[keep]))
    with contextlib.suppress(TypeError):  # unsortable mixed labels: first appearance
        labels = sorted(labels)
    return g.size, keep, labels, pd.Categorical(g[keep], categories=labels).codes


def logrank_test(
    durations: ArrayLike, events: ArrayLike, groups: ArrayLike, *, weighting: str = "logrank"
) -> LogRankResult:
    """Log-rank test of equal survival in k >= 2 groups (chi-square, k - 1 df).

    One routine for any k, with the arithmetic of lifelines'
    :func:`~lifelines.statistics.multivariate_logrank_test` done in numpy
    (:func:`nettx_utils.stats.risk_sets.logrank_chi2`, fast on a registry of 10^6 patients); with two groups
    it equals lifelines' ``logrank_test`` and R ``survdiff``.
    Observations whose group label is missing (None/NaN) are dropped before anything
    else. Groups are listed in category order for a categorical ``groups``, otherwise
    sorted (first-appearance order if unsortable).

    Parameters
    ----------
    weighting : {"logrank", "wilcoxon", "tarone-ware", "peto"}
        ``"logrank"`` is the unweighted Mantel test (SPSS "Log Rank", R ``rho = 0``).
        ``"wilcoxon"`` weights by the number at risk (Gehan-Breslow; SPSS "Breslow");
        ``"tarone-ware"`` by its square root; ``"peto"`` by Peto-Peto's modified survival
        (close to, but not identical with, R ``survdiff(rho = 1)``).

    Examples
    --------
    >>> res = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], ["a", "a", "a", "b", "b", "b"])
    >>> res.degrees_of_freedom
    1
    """
    if weighting not in WEIGHTINGS:
        raise NettxError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    size, keep, labels, codes = _group_codes(groups)
    d_all, e_all = as_float_array(durations, "durations"), as_float_array(events, "events")
    if not size == d_all.size == e_all.size:
        raise NettxError(
            f"durations, events and groups have {d_all.size}, {e_all.size} and {size} values"
        )
    d, e = _validate(d_all[keep], e_all[keep])
    if len(labels) < 2:
        raise NettxError(f"log-rank needs at least 2 non-empty groups, got {len(labels)}")

    _, at_risk, deaths, _ = risk_set_counts(d, e, codes, len(labels))
    stat, observed, expected = logrank_chi2(at_risk, deaths, weighting)
    counts = np.bincount(codes, minlength=len(labels))
    summary = pd.DataFrame(
        {"group": labels, "n": counts, "observed": observed.astype(int), "expected": expected}
    )
    return LogRankResult(
        test_statistic=stat,
        p_value=float(chi2.sf(stat, len(labels) - 1)),
        degrees_of_freedom=len(labels) - 1,
        summary=summary,
        weighting=weighting,
    )


def landmark_table(km: KaplanMeier, years: Sequence[float]) -> pd.DataFrame:
    """Survival at landmark times given in years (the fit's time unit is months).

    Returns columns ``years, months, survival, lower, upper, at_risk``; the
    interval is the fit's (``km.ci_type``, ``1 - km.alpha``).

    Examples
    --------
    >>> km = fit_kaplan_meier([30, 70, 90, 130, 150], [1, 0, 1, 0, 0])
    >>> landmark_table(km, [5])[["years", "months", "survival"]].to_dict("records")
    [{'years': 5.0, 'months': 60.0, 'survival': 0.8}]
    """
    years = np.asarray(years, dtype=float)
    table = km.survival_at(12 * years).rename(columns={"time": "months"})
    table.insert(0, "years", years)
    return table


AALEN_JOHANSEN_SEED = 20210101
"""Seed of lifelines' jitter of tied event times in :func:`cumulative_incidence`."""


def cumulative_incidence(
    durations: ArrayLike, event_codes: ArrayLike, times: ArrayLike | float, *, cause: int = 1
) -> pd.DataFrame:
    """Cumulative incidence of one cause with competing risks (Aalen-Johansen).

    ``event_codes`` holds 0 for censored, ``cause`` for the event of interest and
    any other positive code for a competing event (such as death before untreatable
    progression). ``1 - KM``, which censors competing events, overstates the
    incidence whenever competing events occur; this estimator does not.

    Returns columns ``time, incidence`` (right-continuous; NaN beyond the last
    observed duration).

    Examples
    --------
    >>> cumulative_incidence([2, 3, 5, 8], [1, 2, 1, 0], [4, 6])["incidence"].round(3).tolist()
    [0.25, 0.5]
    """
    from lifelines import AalenJohansenFitter

    durations = as_float_array(durations, "durations")
    codes = as_float_array(event_codes, "event_codes").astype(int)
    if durations.size != codes.size or durations.size == 0:
        raise NettxError("durations and event_codes must be non-empty and of equal length")
    t = np.atleast_1d(np.asarray(times, dtype=float))
    if not (codes == cause).any():
        incidence = np.zeros_like(t)
    else:
        # lifelines breaks tied event times by a random jitter of 1e-4 and seeds numpy's
        # *global* generator to do it (np.random.seed(seed), even with seed=None). A fixed
        # seed makes the estimate reproducible; restoring the global state afterwards keeps
        # the caller's random numbers untouched.
        fitter = AalenJohansenFitter(calculate_variance=False, seed=AALEN_JOHANSEN_SEED)
        global_state = np.random.get_state()  # noqa: NPY002 - the legacy global lifelines uses
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # lifelines jitters tied times and says so
                fitter.fit(durations, codes, event_of_interest=cause)
        finally:
            np.random.set_state(global_state)  # noqa: NPY002
        curve = fitter.cumulative_density_.iloc[:, 0]
        idx = np.searchsorted(curve.index.to_numpy(), t, side="right") - 1
        incidence = np.where(idx >= 0, curve.to_numpy()[np.maximum(idx, 0)], 0.0)
    incidence = np.where(t > durations.max(), np.nan, incidence)
    return pd.DataFrame({"time": t, "incidence": incidence})

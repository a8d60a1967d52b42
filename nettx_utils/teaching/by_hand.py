"""The Kaplan-Meier and log-rank tables by hand, for the teaching chapters (7 to 10).

Each table keeps the columns a student reads beside the mathematics (at risk,
deaths, d/n, Greenwood's terms; observed and expected deaths, the hypergeometric
variance, the weights). :func:`risk_table` and :func:`life_table`, whose code chapter 7
shows, stay written out in pandas, one formula a step; the log-rank tables and the
simulations take their counts, products and weights from the package's one core,
:mod:`nettx_utils.stats.risk_sets`. The results equal lifelines' and
:mod:`nettx_utils.stats.survival`'s (``tests/test_teaching.py`` checks them to 1e-10);
the book's analyses themselves use :mod:`nettx_utils.stats.survival`. The same tables
for many simulated trials at once are in :mod:`nettx_utils.teaching.simulations`;
the chapters' sentences and cells in :mod:`nettx_utils.teaching.survival_text`.

Conventions are those of :mod:`nettx_utils.stats.survival`: at a tied time, deaths come
before censorings (a patient censored at *t* is still at risk for the deaths at
*t*), and "at risk at *t*" counts everyone whose time is *t* or later.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from nettx_utils.errors import NettxError
from nettx_utils.stats.risk_sets import logrank_weights, risk_set_counts
from nettx_utils.stats.survival import WEIGHTINGS, _validate

__all__ = [
    "BEFORE_FIRST",
    "CI_COLUMNS",
    "confidence_limits",
    "followup_summaries",
    "life_table",
    "logrank_by_hand",
    "logrank_statistic",
    "logrank_table",
    "median_with_ci",
    "risk_table",
    "value_at",
    "weighted_chi2",
    "weights",
]

CI_COLUMNS = {"plain": "plain", "log": "log", "log-log": "loglog"}
"""Confidence-interval type -> the prefix of its columns in :func:`life_table`."""


def risk_table(durations: Any, events: Any) -> pd.DataFrame:
    """One row per distinct time: ``time, at_risk, events, censored``.

    Examples
    --------
    >>> risk_table([2, 4, 4, 6], [1, 1, 0, 0]).to_dict("list")
    {'time': [2.0, 4.0, 6.0], 'at_risk': [4, 3, 1], 'events': [1, 1, 0], 'censored': [0, 1, 1]}
    """
    time, event = _validate(durations, events)  # clear errors for bad input
    data = pd.DataFrame({"time": time, "event": event})
    # Count, at each distinct time, how many left the study and how many of them died.
    table = data.groupby("time")["event"].agg(events="sum", leaving="count").reset_index()
    table["censored"] = table["leaving"] - table["events"]
    # At risk just before t: everybody minus those who left at earlier times.
    table["at_risk"] = len(data) - table["leaving"].cumsum().shift(fill_value=0)
    return table[["time", "at_risk", "events", "censored"]]


def confidence_limits(survival: Any, greenwood_sum: Any, z: float, ci_type: str) -> tuple:
    """Pointwise limits of S(t) on one of three scales, from Greenwood's sum.

    ``greenwood_sum`` is sum d / (n (n - d)), the variance of log S; its square
    root ``sigma`` is the standard error of log S. Arrays of any shape (a life
    table's column, or one row per resampled cohort); returns numpy arrays.
    """
    s, g = np.asarray(survival, dtype=float), np.asarray(greenwood_sum, dtype=float)
    sigma = np.sqrt(g)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if ci_type == "plain":  # S +/- z se(S), where se(S) = S * sigma
            lower, upper = s - z * s * sigma, s + z * s * sigma
        elif ci_type == "log":  # symmetric on the log scale, then exponentiated
            lower, upper = s * np.exp(-z * sigma), s * np.exp(z * sigma)
        elif ci_type == "log-log":  # symmetric for log(-log S), then back-transformed
            k = np.exp(z * sigma / np.abs(np.log(s)))
            lower, upper = s**k, s ** (1 / k)
        else:
            raise NettxError(f"ci_type must be one of {tuple(CI_COLUMNS)}, got {ci_type!r}")
    # Before the first death S = 1 with no uncertainty: both limits are 1.
    lower, upper = np.where(g > 0, lower, s), np.where(g > 0, upper, s)
    # Where S = 0 Greenwood is undefined: the lower limit is 0, the upper unknown.
    lower, upper = np.where(s > 0, lower, 0.0), np.where(s > 0, upper, np.nan)
    return np.clip(lower, 0, 1), np.clip(upper, 0, 1)


def life_table(
    durations: Any,
    events: Any,
    *,
    alpha: float = 0.05,
    ci_types: tuple[str, ...] = tuple(CI_COLUMNS),
) -> pd.DataFrame:
    """The Kaplan-Meier life table, with Greenwood's variance and three intervals.

    Columns: ``time, at_risk, events, censored``; ``conditional`` (1 - d/n, the
    chance of surviving time t having reached it); ``survival`` (their running
    product, S(t)); ``greenwood_term`` d/(n(n-d)), ``greenwood_sum`` (its running
    sum), ``variance`` = S² x greenwood_sum and ``std_err``; then ``plain_lower``,
    ``plain_upper``, ``log_lower``, ``log_upper``, ``loglog_lower``, ``loglog_upper``
    (only those of ``ci_types``).

    Examples
    --------
    >>> table = life_table([5, 8, 8, 12, 16], [1, 1, 0, 1, 0])
    >>> table["survival"].round(4).tolist()
    [0.8, 0.6, 0.3, 0.3]
    """
    table = risk_table(durations, events)
    n, d = table["at_risk"], table["events"]
    # Kaplan-Meier: multiply the conditional chances of surviving each time.
    table["conditional"] = 1 - d / n
    table["survival"] = table["conditional"].cumprod()
    # Greenwood: Var(log S) is the running sum of d / (n (n - d)).
    table["greenwood_term"] = d / (n * (n - d))
    table["greenwood_sum"] = table["greenwood_term"].cumsum()
    table["variance"] = table["survival"] ** 2 * table["greenwood_sum"]  # delta method
    table["std_err"] = np.sqrt(table["variance"])
    z = norm.ppf(1 - alpha / 2)
    for ci_type in ci_types:
        prefix = CI_COLUMNS[ci_type]
        limits = confidence_limits(table["survival"], table["greenwood_sum"], z, ci_type)
        table[f"{prefix}_lower"], table[f"{prefix}_upper"] = limits
    return table


BEFORE_FIRST = {
    "survival": 1.0,
    "conditional": 1.0,
    "greenwood_term": 0.0,
    "greenwood_sum": 0.0,
    "variance": 0.0,
    "std_err": 0.0,
}
"""A life table's step functions before its first time: S = 1, known without error."""


def _before_first(column: str) -> float:
    """:data:`BEFORE_FIRST`'s value of ``column``; an interval limit is 1 as S is."""
    if column in BEFORE_FIRST:
        return BEFORE_FIRST[column]
    if column.endswith(("lower", "upper")):
        return 1.0
    raise NettxError(f"value_at reads a step function of S(t), not {column!r}")


def value_at(table: pd.DataFrame, time: float, column: str = "survival") -> float:
    """A step function's value at ``time``: the last row at or before it.

    Before the first time S(t) = 1 with no uncertainty: survival, its conditional
    factor and the interval limits are 1, Greenwood's term and sum, the variance and
    the standard error 0 (:data:`BEFORE_FIRST`); other columns raise NettxError.
    Beyond the last observed time the curve is unknown and the answer is NaN, unless
    the curve has reached 0 (the longest time was a death): it stays 0, as
    :func:`nettx_utils.stats.survival.landmark_table` says.

    Examples
    --------
    >>> table = life_table([5, 8, 8, 12, 16], [1, 1, 0, 1, 0])
    >>> round(value_at(table, 10), 4), value_at(table, 4), value_at(table, 20)
    (0.6, 1.0, nan)
    >>> value_at(table, 4, "std_err"), value_at(table, 4, "greenwood_sum")
    (0.0, 0.0)
    >>> value_at(table, 4, "log_upper"), value_at(table, 4, "plain_lower")
    (1.0, 1.0)
    >>> value_at(life_table([5, 8], [0, 1]), 20)
    0.0
    """
    last = table.iloc[-1]
    if time > last["time"] and last["survival"] > 0:
        return float("nan")
    before = table[table["time"] <= time]
    return _before_first(column) if before.empty else float(before[column].iloc[-1])


def median_with_ci(table: pd.DataFrame, ci_type: str = "log-log") -> tuple[float, float, float]:
    """Median survival and its interval: where S(t) and its limits first reach 0.5.

    ``inf`` means "not reached" (for the upper limit: the interval is open above).

    Examples
    --------
    >>> median_with_ci(life_table([5, 8, 8, 12, 16], [1, 1, 0, 1, 0]))
    (12.0, 5.0, inf)
    """
    prefix = CI_COLUMNS[ci_type]
    tolerance = np.sqrt(np.finfo(float).eps)  # as R: S within rounding of 0.5 counts as 0.5

    def first_time(column: str) -> float:
        reached = table[table[column] <= 0.5 + tolerance]
        return float(reached["time"].iloc[0]) if len(reached) else float("inf")

    return first_time("survival"), first_time(f"{prefix}_lower"), first_time(f"{prefix}_upper")


def followup_summaries(durations: Any, events: Any) -> pd.DataFrame:
    """Several answers to "how long were patients followed?": ``summary, months, who``.

    Examples
    --------
    >>> followup_summaries([2, 4, 5, 7, 9], [1, 0, 1, 0, 0])["months"].tolist()
    [5.0, 7.0, 7.0, 9.0, 27.0]
    """
    time, event = _validate(durations, events)
    alive = time[event == 0]
    # Reverse Kaplan-Meier: being censored is the "event", a death censors follow-up.
    reverse, _, _ = median_with_ci(life_table(time, 1 - event))
    rows = [
        ("Median observation time", np.median(time), "all patients"),
        (
            "Median time to last contact",
            np.median(alive) if alive.size else np.nan,
            "alive at last contact",
        ),
        ("Reverse Kaplan-Meier median", reverse, "all patients, deaths censored"),
        ("Longest follow-up", time.max(), "all patients"),
        ("Total time observed (patient-months)", time.sum(), "all patients"),
    ]
    return pd.DataFrame(rows, columns=["summary", "months", "who"])


def logrank_table(durations: Any, events: Any, groups: Any) -> pd.DataFrame:
    """Observed and expected deaths of group 1 at each death time (two groups).

    Columns: ``time, n1, n2, n, d1, d2, d``; ``e1`` = d n1 / n, the deaths group 1
    would have if both groups shared one hazard; ``o_minus_e`` = d1 - e1; and
    ``variance``, the hypergeometric d (n1/n)(1 - n1/n)(n - d)/(n - 1).
    Group 1 is the first label in sorted order; patients with no group are dropped.
    """
    columns = {"time": durations, "event": events, "group": groups}
    data = pd.DataFrame({k: np.asarray(v, dtype=object) for k, v in columns.items()}).dropna()
    time, event = _validate(data["time"], data["event"])
    labels = sorted(data["group"].unique())
    if len(labels) != 2:
        raise NettxError(f"logrank_table compares exactly 2 groups, got {len(labels)}")
    one = (data["group"] == labels[0]).to_numpy()
    # At risk and deaths per group at each distinct time (the package's one core), kept
    # at the death times only.
    times, at_risk, deaths, _ = risk_set_counts(time, event, (~one).astype(int), 2)
    death_time = deaths.sum(axis=1) > 0
    table = pd.DataFrame({"time": times[death_time]})
    table["n1"], table["n2"] = at_risk[death_time, 0], at_risk[death_time, 1]
    table["n"] = table["n1"] + table["n2"]
    table["d1"], table["d2"] = deaths[death_time, 0], deaths[death_time, 1]
    table["d"] = table["d1"] + table["d2"]
    # Expected deaths in group 1 under the null, and the hypergeometric variance.
    share = table["n1"] / table["n"]
    table["e1"] = table["d"] * share
    table["o_minus_e"] = table["d1"] - table["e1"]
    spread = ((table["n"] - table["d"]) / (table["n"] - 1)).where(table["n"] > 1, 0.0)
    table["variance"] = table["d"] * share * (1 - share) * spread
    table.attrs["groups"] = labels
    return table


def weights(table: Any, weighting: str = "logrank") -> np.ndarray:
    """The weight of each death time in a weighted log-rank test.

    ``logrank``: 1 (every death counts the same); ``wilcoxon`` (Gehan-Breslow): n,
    the number at risk, which favours early deaths; ``tarone-ware``: sqrt(n);
    ``peto``: Peto-Peto's modified survival, the running product of 1 - d/(n + 1).
    ``table`` is a :func:`logrank_table` or columns ``n`` and ``d`` with one row per
    simulated trial (rows with d = 0 then count for nothing).
    """
    if weighting not in WEIGHTINGS:
        raise NettxError(f"unknown weighting {weighting!r}")
    n, d = np.asarray(table["n"], dtype=float), np.asarray(table["d"], dtype=float)
    return logrank_weights(n, d, weighting, axis=-1)


def weighted_chi2(table: Any, weighting: str = "logrank") -> dict[str, Any]:
    """U = sum w (O - E), V = sum w² x variance and U²/V with its p value.

    Sums over the last axis: one number for a :func:`logrank_table`, one per row
    for :func:`logrank_tables`. Without any death the statistic is NaN.
    """
    w = weights(table, weighting)
    u = (w * np.asarray(table["o_minus_e"], dtype=float)).sum(axis=-1)
    v = (w**2 * np.asarray(table["variance"], dtype=float)).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(v > 0, u**2 / v, np.nan)
    return {"u": u, "variance": v, "statistic": statistic, "p_value": chi2.sf(statistic, 1)}


def logrank_statistic(table: pd.DataFrame, weighting: str = "logrank") -> dict[str, float]:
    """The (weighted) log-rank statistic from a :func:`logrank_table`.

    U = sum w (O - E) over death times, V = sum w² x variance; the statistic
    U²/V follows a chi-square with 1 degree of freedom when the groups share one
    survival curve. Without any death it is undefined (NaN).
    """
    result = weighted_chi2(table, weighting)
    return {
        "observed_1": float(table["d1"].sum()),
        "expected_1": float(table["e1"].sum()),
        **{key: float(value) for key, value in result.items()},
    }


def logrank_by_hand(
    durations: Any, events: Any, groups: Any, *, weighting: str = "logrank"
) -> tuple[pd.DataFrame, dict[str, float]]:
    """The log-rank table with its weights, and the statistic with its p value.

    Examples
    --------
    >>> table, result = logrank_by_hand([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], list("aaabbb"))
    >>> round(result["statistic"], 4), round(result["p_value"], 4)
    (5.0517, 0.0246)
    """
    table = logrank_table(durations, events, groups)
    table["weight"] = weights(table, weighting)
    return table, logrank_statistic(table, weighting)

"""Survival analysis by hand, for the teaching chapters (7 to 10).

Each function is a few pandas steps that follow one formula, so that a student
can read the code beside the mathematics. The results equal lifelines' and
:mod:`nettx_utils.stats.survival`'s (``tests/test_teaching.py`` checks them to 1e-10);
the book's analyses themselves use :mod:`nettx_utils.stats.survival`. The simulations
(:func:`simulate_power`, :func:`ci_width_by_size`) compute the same tables for
hundreds of trials at once in numpy (:func:`logrank_tables`, :func:`life_tables`,
one row per trial), on the same random draws as trial by trial.

Conventions are those of :mod:`nettx_utils.stats.survival`: at a tied time, deaths come
before censorings (a patient censored at *t* is still at risk for the deaths at
*t*), and "at risk at *t*" counts everyone whose time is *t* or later.
"""

from __future__ import annotations

import ast
import math
import re
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from nettx_utils.errors import NettxError
from nettx_utils.formatting import fixed
from nettx_utils.stats.survival import _validate

__all__ = [
    "BEFORE_FIRST",
    "CI_COLUMNS",
    "EXERCISE_INTRO",
    "check_answer",
    "ci_width_by_size",
    "column_cell",
    "confidence_limits",
    "deaths_by_median",
    "decimals_for",
    "difference_text",
    "entry_rule_text",
    "exercise_problems",
    "first_times_at_half",
    "followup_summaries",
    "life_table",
    "life_tables",
    "logrank_by_hand",
    "logrank_sentence",
    "logrank_statistic",
    "logrank_table",
    "logrank_tables",
    "median_sentence",
    "median_with_ci",
    "monte_carlo_se",
    "months_text",
    "number_cell",
    "p_phrase",
    "paper_survival_months",
    "percent_cell",
    "permutation_p_text",
    "piecewise_exponential",
    "proportion_text",
    "risk_table",
    "significant_cell",
    "simulate_power",
    "simulate_trials",
    "unpublished_note",
    "value_at",
    "values_at",
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
    # A matrix with a row per death time and a column per patient.
    death_times = np.unique(time[event == 1])
    at_risk = time[None, :] >= death_times[:, None]
    dies = (time[None, :] == death_times[:, None]) & (event[None, :] == 1)
    table = pd.DataFrame({"time": death_times})
    table["n1"], table["n2"] = (at_risk & one).sum(axis=1), (at_risk & ~one).sum(axis=1)
    table["n"] = table["n1"] + table["n2"]
    table["d1"], table["d2"] = (dies & one).sum(axis=1), (dies & ~one).sum(axis=1)
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
    n, d = np.asarray(table["n"], dtype=float), np.asarray(table["d"], dtype=float)
    if weighting == "logrank":
        return np.ones_like(n)
    if weighting == "wilcoxon":
        return n
    if weighting == "tarone-ware":
        return np.sqrt(n)
    if weighting == "peto":
        return np.cumprod(1 - d / (n + 1), axis=-1)
    raise NettxError(f"unknown weighting {weighting!r}")


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


def piecewise_exponential(
    rng: np.random.Generator, n: int, hazards: tuple[float, float], cut: float
) -> np.ndarray:
    """Survival times with hazard ``hazards[0]`` before ``cut`` and ``hazards[1]`` after."""
    exposure = rng.exponential(size=n)  # each patient's "budget" of cumulative hazard
    early = exposure / hazards[0]
    late = cut + (exposure - hazards[0] * cut) / hazards[1]
    return np.where(early < cut, early, late)


BATCH_CELLS = 2_000_000
"""Simulated trials or resamples are computed in batches of about this many patient rows."""


def _by_distinct_time(time: np.ndarray, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sort each row by time; per position, each column summed at that time and from it on.

    ``time`` has one row per simulated trial or resample. In the result ``last``
    marks the last position of each distinct time: there ``<name>_at`` is the sum
    over the patients with that time (0 at the other positions) and
    ``<name>_from`` the sum over those with that time or later (at risk).
    """
    order = np.argsort(time, axis=-1, kind="stable")
    time = np.take_along_axis(time, order, axis=-1)
    first = np.ones(time.shape, dtype=bool)
    first[:, 1:] = time[:, 1:] != time[:, :-1]
    last = np.ones(time.shape, dtype=bool)
    last[:, :-1] = first[:, 1:]
    # The first position of each position's tie: everyone from there on is at risk.
    start = np.maximum.accumulate(np.where(first, np.arange(time.shape[-1]), 0), axis=-1)
    out = {"time": time, "last": last}
    for name, column in columns.items():
        sorted_column = np.take_along_axis(np.broadcast_to(column, time.shape), order, axis=-1)
        running = np.cumsum(sorted_column, axis=-1)
        before = np.take_along_axis(running - sorted_column, start, axis=-1)
        out[f"{name}_at"] = np.where(last, running - before, 0)
        out[f"{name}_from"] = running[:, -1:] - before
    return out


def logrank_tables(durations: np.ndarray, events: np.ndarray, in_group_1: np.ndarray) -> dict:
    """:func:`logrank_table`'s columns for many trials at once: one row per trial.

    Arrays of shape (trials, patients); ``in_group_1`` (patients,) says who is in
    group 1. Columns have a position per patient, in time order: positions that are
    not a death time have d = 0 and add nothing to U or V.
    """
    one = np.asarray(in_group_1, dtype=float)
    counts = _by_distinct_time(durations, {"n": np.ones_like(one), "n1": one, "d": events})
    counts["d1"] = _by_distinct_time(durations, {"d1": events * one})["d1_at"]
    n, n1, d = counts["n_from"], counts["n1_from"], counts["d_at"]
    share = n1 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(n > 1, (n - d) / (n - 1), 0.0)
    e1 = d * share
    return {
        "time": counts["time"],
        "n": n,
        "n1": n1,
        "d": d,
        "d1": counts["d1"],
        "e1": e1,
        "o_minus_e": counts["d1"] - e1,
        "variance": d * share * (1 - share) * spread,
    }


def simulate_trials(
    hazard_ratios: tuple[float, float],
    *,
    n_per_group: int = 40,
    n_sim: int = 200,
    seed: int = 2021,
    cut: float = 24.0,
    median_months: float = 60.0,
    max_followup: float = 120.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Durations and events of ``n_sim`` two-group trials, one row per trial.

    The first ``n_per_group`` columns are group 1 (constant hazard, median
    ``median_months``), the others group 2 (hazard ``hazard_ratios[0]`` times it
    before ``cut``, ``hazard_ratios[1]`` times after). Follow-up ends at a uniform
    time between ``cut`` and ``max_followup``. Drawn trial by trial, in one stream.
    """
    rng = np.random.default_rng(seed)
    base = np.log(2) / median_months
    later = tuple(base * np.array(hazard_ratios))
    durations = np.empty((n_sim, 2 * n_per_group))
    events = np.empty((n_sim, 2 * n_per_group))
    for trial in range(n_sim):
        times = np.concatenate(
            [
                piecewise_exponential(rng, n_per_group, (base, base), cut),
                piecewise_exponential(rng, n_per_group, later, cut),
            ]
        )
        censor = rng.uniform(cut, max_followup, size=2 * n_per_group)
        durations[trial], events[trial] = np.minimum(times, censor), times <= censor
    return durations, events


def simulate_power(
    hazard_ratios: tuple[float, float],
    *,
    weightings: tuple[str, ...] = ("logrank", "wilcoxon", "peto"),
    alpha: float = 0.05,
    **trials: Any,
) -> pd.Series:
    """Share of simulated trials in which each weighting rejects equal survival.

    The trials are those of :func:`simulate_trials` (``trials``: its keywords, such
    as ``n_sim`` and ``seed``); every trial's statistic is computed at once from
    :func:`logrank_tables` (the same numbers as :func:`logrank_by_hand` trial by trial).
    """
    durations, events = simulate_trials(hazard_ratios, **trials)
    n_per_group = durations.shape[1] // 2
    tables = logrank_tables(durations, events, np.arange(2 * n_per_group) < n_per_group)
    power = {w: float(np.mean(weighted_chi2(tables, w)["p_value"] < alpha)) for w in weightings}
    return pd.Series(power, name="power")


def monte_carlo_se(share: Any, n: int) -> Any:
    """The Monte Carlo standard error of a share estimated from ``n`` simulated trials,
    sqrt(share (1 - share) / n) (binomial); arrays are taken element by element.

    Examples
    --------
    >>> round(float(monte_carlo_se(0.7, 200)), 4), round(float(monte_carlo_se(0.05, 200)), 4)
    (0.0324, 0.0154)
    """
    p = np.asarray(share, dtype=float)
    return np.sqrt(p * (1 - p) / n)


def life_tables(
    durations: np.ndarray, events: np.ndarray, *, alpha: float = 0.05, ci_type: str = "log-log"
) -> dict[str, np.ndarray]:
    """:func:`life_table`'s survival and one interval for many cohorts: one row each.

    Positions in time order; only those marked ``last`` are rows of the life table
    (the last patient of each distinct time), with the same values.
    """
    counts = _by_distinct_time(durations, {"n": np.ones(durations.shape[-1]), "d": events})
    n, d = counts["n_from"], counts["d_at"]
    survival = np.cumprod(1 - d / n, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood_sum = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0), axis=-1)
    lower, upper = confidence_limits(survival, greenwood_sum, norm.ppf(1 - alpha / 2), ci_type)
    return {"time": counts["time"], "last": counts["last"], "survival": survival,
            "lower": lower, "upper": upper}  # fmt: skip


def values_at(tables: dict[str, np.ndarray], time: float, column: str) -> np.ndarray:
    """:func:`value_at` for each row of :func:`life_tables` (same values before the first time)."""
    seen = (tables["time"] <= time).sum(axis=-1)
    rows = np.arange(len(seen))
    value = np.where(seen > 0, tables[column][rows, np.maximum(seen - 1, 0)], _before_first(column))
    beyond = (time > tables["time"][:, -1]) & (tables["survival"][:, -1] > 0)
    return np.where(beyond, np.nan, value)


def first_times_at_half(tables: dict[str, np.ndarray], column: str) -> np.ndarray:
    """For each row of :func:`life_tables`, the first time ``column`` reaches 0.5 (else inf)."""
    tolerance = np.sqrt(np.finfo(float).eps)  # as median_with_ci
    reached = tables["last"] & (tables[column] <= 0.5 + tolerance)
    first = tables["time"][np.arange(len(reached)), reached.argmax(axis=-1)]
    return np.where(reached.any(axis=-1), first, np.inf)


def ci_width_by_size(
    durations: Any,
    events: Any,
    sizes: list[int],
    *,
    month: float,
    n_sim: int = 100,
    seed: int = 2021,
    ci_type: str = "log-log",
) -> pd.DataFrame:
    """Resample cohorts of each size (with replacement) and measure their uncertainty.

    For every size: the mean width of the interval of S(``month``) (over the resamples
    followed that long), the share of resamples that reach the median, and the share
    whose median has a closed interval (a finite upper limit). The resamples are
    drawn one by one and their life tables computed in batches (:func:`life_tables`).
    """
    time, event = _validate(durations, events)
    rng = np.random.default_rng(seed)
    rows = []
    for size in sizes:
        widths, medians, uppers = [], [], []
        batch = max(1, BATCH_CELLS // size)
        for done in range(0, n_sim, batch):
            picks = np.stack(
                [
                    rng.integers(0, time.size, size=size)
                    for _ in range(done, min(n_sim, done + batch))
                ]
            )
            tables = life_tables(time[picks], event[picks], ci_type=ci_type)
            widths.append(values_at(tables, month, "upper") - values_at(tables, month, "lower"))
            medians.append(first_times_at_half(tables, "survival"))
            uppers.append(first_times_at_half(tables, "upper"))
        width = np.concatenate(widths)
        rows.append(
            {
                "n": size,
                "mean_width": float(np.nanmean(width)) if np.isfinite(width).any() else np.nan,
                "median_reached": float(np.isfinite(np.concatenate(medians)).mean()),
                "median_ci_closed": float(np.isfinite(np.concatenate(uppers)).mean()),
            }
        )
    return pd.DataFrame(rows)


def check_answer(answer: Any, solution: Any, *, tolerance: float = 1e-4) -> str:
    """Compare an exercise's answer with its solution, in one line of text.

    An answer still ``None`` is not checked: the exercise is simply not done yet. An
    answer passes ("Correct.") when each value is within ``tolerance`` of the solution
    relative to it (``|answer - solution| <= tolerance * |solution|``, plus 1e-12 so that
    a solution of 0 can be met): relative, so that a p-value of 5.5e-5 is not matched by
    0 or by the p-value of another split; loose enough for a reader who uses the rounded
    quantile 1.96 for ``norm.ppf(0.975)`` (a change in the sixth decimal of an interval
    limit), strict enough to catch a wrong formula or a misread row. A wrong answer
    gets one line, "Not quite: expected about X (to within Y).", never an error
    traceback; so does an answer of the wrong shape or one that is not a number.

    Examples
    --------
    >>> check_answer(None, 3.0)
    'Not answered yet: replace None with your answer and run this cell again.'
    >>> check_answer(0.1 + 0.2, 0.3)
    'Correct.'
    >>> check_answer(2 * 1.96 * 0.05, 2 * 1.959964 * 0.05)  # the rounded z passes
    'Correct.'
    >>> check_answer(3.7, 11 / 3)  # read off a table at one decimal
    'Not quite: expected about 3.6667 (to within 0.00037).'
    >>> check_answer(0.0, 5.53e-5)  # a small p-value is not matched by 0
    'Not quite: expected about 5.53e-05 (to within 5.5e-09).'
    >>> check_answer([1.0, 2.0], [1.0, 2.0, 3.0])
    'Not quite: expected 3 values, about [1, 2, 3].'
    """
    if answer is None:
        return "Not answered yet: replace None with your answer and run this cell again."
    expected = np.asarray(solution, dtype=float)
    try:
        given = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return f"Not quite: expected a number, about {_about(expected)}, got {answer!r}."
    if given.shape != expected.shape:
        many = f"{expected.size} values" if expected.ndim else "one number"
        return f"Not quite: expected {many}, about {_about(expected)}."
    if np.allclose(given, expected, rtol=tolerance, atol=1e-12, equal_nan=True):
        return "Correct."
    margin = tolerance * np.nanmax(np.abs(expected)) if expected.size else tolerance
    return f"Not quite: expected about {_about(expected)} (to within {margin:.2g})."


def _about(values: np.ndarray) -> str:
    """Values for :func:`check_answer`'s message: 5 significant figures, "[a, b]" for
    several, "not computable" for NaN.

    >>> _about(np.asarray(0.0123456)), _about(np.asarray([1.0, float("nan")]))
    ('0.012346', '[1, not computable]')
    """
    texts = [f"{v:.5g}" if math.isfinite(v) else "not computable" for v in values.ravel()]
    return texts[0] if values.ndim == 0 else f"[{', '.join(texts)}]"


def proportion_text(value: float) -> str:
    """A proportion as text for the prose (``0.763`` -> ``76.3%``), rounded as the tables
    are (:func:`nettx_utils.formatting.fixed`: ``0.8125`` -> ``81.3%``); NaN means nobody was
    followed that long, and reads "not estimable"."""
    return "not estimable" if not math.isfinite(value) else f"{fixed(100 * value, 1)}%"


def months_text(value: float, decimals: int = 1) -> str:
    """A time in months as text for the prose; inf (a curve that never got there) reads
    "not reached", NaN "not estimable". ``decimals=0`` is the paper's precision for
    its median survival ("81 mo").

    Examples
    --------
    >>> months_text(81.35), months_text(81.35, 0), months_text(math.inf)
    ('81.4 months', '81 months', 'not reached')
    """
    if value == math.inf:
        return "not reached"
    if not math.isfinite(value):
        return "not estimable"
    return f"{fixed(value, decimals)} months"  # halves up, as the tables print them


def percent_cell(decimals: int = 1) -> Any:
    """A formatter for a table column of proportions, rounded as the prose rounds them.

    ``tables.styled(frame, caption, {"share": percent_cell()})`` prints ``0.8125`` as
    ``81.3%``, the text :func:`proportion_text` glues into the prose (Python's ``"{:.1%}"``
    would print ``81.2%``: it rounds the binary value, and halves to even); NaN prints "–".

    Examples
    --------
    >>> percent_cell()(26 / 32), proportion_text(26 / 32), percent_cell(0)(0.125)
    ('81.3%', '81.3%', '13%')
    >>> percent_cell()(float("nan"))
    '–'
    """

    def cell(value: float) -> str:
        finite = value is not None and math.isfinite(value)
        return f"{fixed(100 * value, decimals)}%" if finite else "–"

    return cell


def number_cell(decimals: int, *, signed: bool = False) -> Any:
    """A formatter for a table column of numbers: ``decimals`` decimals, halves rounded up
    (:func:`nettx_utils.formatting.fixed`); an exact zero prints ``0`` (not ``0.0000``), a
    value that does not exist (NaN, infinite) prints "–". ``signed`` adds ``+`` to positives.

    Examples
    --------
    >>> cell = number_cell(3, signed=True)
    >>> cell(0.7742), cell(-0.2083), cell(0.0), cell(float("inf"))
    ('+0.774', '-0.208', '0', '–')
    >>> number_cell(4)(0.00107527)
    '0.0011'
    """

    def cell(value: float) -> str:
        if value is None or not math.isfinite(value):
            return "–"
        if value == 0:
            return "0"
        text = fixed(value, decimals)
        return f"+{text}" if signed and value > 0 else text

    return cell


def deaths_by_median(table: pd.DataFrame) -> dict[str, float]:
    """The median survival and how many deaths it took to get there.

    ``table`` is a :func:`life_table`. Returns the ``median`` (``inf`` if the curve
    never falls to 0.5), ``deaths`` (deaths up to and including the median time; all
    deaths if it is not reached) and ``patients``. Under censoring the curve can fall to
    0.5 with far fewer than half the patients dead: each censored patient leaves the
    denominator of later factors, so each later death takes a larger step.

    Examples
    --------
    >>> deaths_by_median(life_table([1, 2, 3, 4, 5, 6], [1, 0, 0, 0, 1, 0]))
    {'median': 5.0, 'deaths': 2, 'patients': 6}
    """
    median = median_with_ci(table)[0]
    seen = table[table["time"] <= median]
    return {
        "median": median,
        "deaths": int(seen["events"].sum()),
        "patients": int(table["at_risk"].iloc[0]),
    }


EXERCISE_INTRO = (
    "Each exercise has an answer cell (replace `None`), a hidden solution (click to show "
    "it) and a check cell that says whether your answer matches."
)
"""The sentence under the "## Exercises" heading of every teaching chapter."""


def exercise_problems(cells: list[dict]) -> list[str]:
    """What breaks the teaching chapters' exercise format in a notebook's cells.

    The format: a markdown cell ``## Exercises`` followed by :data:`EXERCISE_INTRO`
    (and nothing else; line breaks may differ); then for each exercise N = 1, 2, ... four cells in order: a
    markdown cell starting ``**Exercise N.**``; a code cell ``answer_N = None`` (a
    comment may follow); a code cell tagged ``hide-cell`` that starts ``# Solution``,
    assigns ``solution_N`` and ends with an assignment (so it displays nothing); and a
    code cell ``print(check_answer(answer_N, solution_N))``. A question that asks for a
    reason ("why", "explain") is answered in words too: comment lines in the solution
    cell after ``# Solution`` (the check can compare only the number). ``cells`` is a
    notebook's ``"cells"`` list (nbformat JSON). Returns one message per problem (empty:
    all well).
    """

    def text(cell: dict) -> str:
        source = cell.get("source", "")
        return ("".join(source) if isinstance(source, list) else source).strip()

    intro = f"## Exercises\n\n{EXERCISE_INTRO}"
    starts = [i for i, cell in enumerate(cells) if text(cell).startswith("## Exercises")]
    if len(starts) != 1:
        return [f"expected one '## Exercises' cell, found {len(starts)}"]
    same = " ".join(text(cells[starts[0]]).split()) == " ".join(intro.split())
    problems = [] if same else ["the Exercises cell is not the heading and intro"]
    number, i = 1, starts[0] + 1
    while i < len(cells) and text(cells[i]).startswith(f"**Exercise {number}.**"):
        block = cells[i + 1 : i + 4]
        if len(block) < 3 or any(c["cell_type"] != "code" for c in block):
            return [*problems, f"exercise {number}: expected three code cells after the question"]
        answer, solution, check = (text(c) for c in block)
        if not re.fullmatch(rf"answer_{number} = None(\s*#.*)?", answer):
            problems.append(f"exercise {number}: the answer cell is not 'answer_{number} = None'")
        if "hide-cell" not in block[1].get("metadata", {}).get("tags", []):
            problems.append(f"exercise {number}: the solution cell is not tagged hide-cell")
        if not solution.startswith("# Solution") or f"solution_{number} =" not in solution:
            problems.append(f"exercise {number}: the solution cell does not set solution_{number}")
        elif isinstance(ast.parse(solution).body[-1], ast.Expr):  # Jupyter would display it
            problems.append(f"exercise {number}: the solution cell displays a value")
        asks_why = re.search(r"\b(why|explain)\b", text(cells[i]), re.IGNORECASE)
        comments = [line for line in solution.splitlines()[1:] if line.strip().startswith("#")]
        if asks_why and not comments:
            problems.append(f"exercise {number}: asks why, but the solution answers in no comment")
        if check != f"print(check_answer(answer_{number}, solution_{number}))":
            problems.append(f"exercise {number}: the check cell is not the standard one")
        number, i = number + 1, i + 4
    if number == 1:
        problems.append("no '**Exercise 1.**' cell after the Exercises heading")
    elif i < len(cells) and "**Exercise" in text(cells[i]):
        problems.append(f"exercise {number}: not in the standard format")
    return problems


def median_sentence(table: pd.DataFrame, decimals: int = 1) -> str:
    """Where the curve of a :func:`life_table` falls to 50%, and with how many deaths.

    Says whether fewer than half the patients had died by then, and how many had been
    censored before (:func:`deaths_by_median`). ``decimals``: of the median, in months.

    Examples
    --------
    >>> median_sentence(life_table([1, 2, 3, 4, 5, 6], [1, 0, 0, 0, 1, 0]))
    'the curve falls to 50% at 5.0 months, after 2 deaths among 6 patients: fewer than half of them, because 3 patients had been censored before that time'
    >>> median_sentence(life_table([1, 2, 3], [1, 1, 0]))
    'the curve falls to 50% at 2.0 months, after 2 deaths among 3 patients'
    >>> median_sentence(life_table([1, 2, 3], [1, 0, 0]))
    'the curve stays above 50% to the end of follow-up (1 death among 3 patients): the median is not reached'
    """
    found = deaths_by_median(table)
    deaths, patients = found["deaths"], found["patients"]
    counted = f"{deaths} death{'s' if deaths != 1 else ''} among {patients} patients"
    if not math.isfinite(found["median"]):
        return f"the curve stays above 50% to the end of follow-up ({counted}): the median is not reached"
    text = f"the curve falls to 50% at {months_text(found['median'], decimals)}, after {counted}"
    if 2 * deaths >= patients:
        return text
    censored = int(table.loc[table["time"] < found["median"], "censored"].sum())
    return (
        f"{text}: fewer than half of them, because {censored} patient"
        f"{'s' if censored != 1 else ''} had been censored before that time"
    )


def unpublished_note(synthetic: bool, what: str) -> str:
    """A one-line note for a section whose numbers the paper does not print.

    On the synthetic cohort it says, in bold, that ``what`` describes the generated
    cohort and is no finding about the study's patients; on another cohort, that it
    is computed from that cohort.

    Examples
    --------
    >>> unpublished_note(True, "the standard errors")
    "**Synthetic cohort:** the standard errors in this section are not printed in the paper; they describe the generated cohort, not the study's patients."
    >>> unpublished_note(False, "the standard errors")
    '*The standard errors in this section are computed from your cohort.*'
    """
    if synthetic:
        return (
            f"**Synthetic cohort:** {what} in this section are not printed in the paper; "
            "they describe the generated cohort, not the study's patients."
        )
    return f"*{what[0].upper()}{what[1:]} in this section are computed from your cohort.*"


def decimals_for(values: Any, significant: int = 2) -> int:
    """Decimals that show the smallest non-zero ``values`` with ``significant`` digits.

    One precision for a whole table column whose values shrink with the cohort's size
    (Greenwood's terms are about 1/n²): 0.0011 on 32 patients, 0.000011 on 300, where a
    fixed ``"{:.4f}"`` would print ``0.0000``. Zeros and non-finite values are ignored.

    Examples
    --------
    >>> decimals_for([0, 0.001075, 0.0128]), decimals_for([1.1e-5, 0.02]), decimals_for([3.5])
    (4, 6, 1)
    """
    array = np.abs(np.asarray(values, dtype=float))
    shown = array[np.isfinite(array) & (array > 0)]
    if not shown.size:
        return significant
    return max(0, significant - 1 - math.floor(math.log10(shown.min())))


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def significant_cell(figures: int = 2) -> Any:
    """A formatter writing every value with ``figures`` significant figures as a power of
    ten (``1.1 × 10⁻⁵``), halves rounded up (:func:`nettx_utils.formatting.fixed`); 0 prints
    ``0``, a value that does not exist prints "–".

    Examples
    --------
    >>> cell = significant_cell(2)
    >>> cell(1.1236e-5), cell(0.000995), cell(0.0128), cell(0.0), cell(float("nan"))
    ('1.1 × 10⁻⁵', '1.0 × 10⁻³', '1.3 × 10⁻²', '0', '–')
    """

    def cell(value: float) -> str:
        if value is None or not math.isfinite(value):
            return "–"
        if value == 0:
            return "0"
        exponent = math.floor(math.log10(abs(value)))
        mantissa = fixed(value / 10.0**exponent, figures - 1)
        if abs(float(mantissa)) >= 10:  # 9.96 -> 10: one power up
            exponent += 1
            mantissa = fixed(value / 10.0**exponent, figures - 1)
        return f"{mantissa} × 10{str(exponent).translate(_SUPERSCRIPT)}"

    return cell


def column_cell(values: Any, significant: int = 2, max_decimals: int = 4) -> Any:
    """One formatter for a whole table column whose values shrink with the cohort's size.

    Fixed decimals (:func:`number_cell`) enough to show the smallest non-zero value with
    ``significant`` digits (:func:`decimals_for`), as long as that takes at most
    ``max_decimals``; beyond, every value of the column with ``significant`` significant
    figures as a power of ten (:func:`significant_cell`), never six decimals. Greenwood's
    terms are about 1/n²: 0.0011 on 32 patients, 1.1 × 10⁻⁵ on 300.

    Examples
    --------
    >>> column_cell([0.001075, 0.0128])(0.0128), column_cell([1.1e-5, 0.02])(0.02)
    ('0.0128', '2.0 × 10⁻²')
    """
    decimals = decimals_for(values, significant)
    if decimals <= max_decimals:
        return number_cell(decimals)
    return significant_cell(significant)


def p_phrase(p: float) -> str:
    """A p value with its relation, for the prose: ``p = 0.001``, ``p < 0.001``, or
    "p not computable" (the number itself as :func:`nettx_utils.pages.prose.p_text` writes it).

    Examples
    --------
    >>> p_phrase(0.0011), p_phrase(1e-9), p_phrase(float("nan"))
    ('p = 0.001', 'p < 0.001', 'p not computable')
    """
    from nettx_utils.pages.prose import NOT_COMPUTABLE, p_text

    text = p_text(p)
    if text == NOT_COMPUTABLE:
        return f"p {NOT_COMPUTABLE}"
    return f"p {text}" if text.startswith(("<", ">")) else f"p = {text}"


def difference_text(difference: float, largest: bool = True) -> str:
    """How two computations of the same number compare, for the prose.

    ``largest``: ``difference`` is the largest of several differences (two curves
    compared time by time); False for the difference of one pair of numbers.

    Examples
    --------
    >>> difference_text(0.0), difference_text(6.66e-16)
    ('no difference at all', 'a largest difference of 6.7e-16, floating-point rounding')
    >>> difference_text(1.78e-15, largest=False)
    'a difference of 1.8e-15, floating-point rounding'
    >>> difference_text(float("nan"))
    'nothing to compare, since there is no result'
    """
    if not math.isfinite(difference):
        return "nothing to compare, since there is no result"
    if difference == 0:
        return "no difference at all"
    which = "a largest difference" if largest else "a difference"
    return f"{which} of {difference:.1e}, floating-point rounding"


def logrank_sentence(result: dict[str, float], group_1: str) -> str:
    """The log-rank test of :func:`logrank_by_hand` in words: observed and expected deaths
    of group 1, the variance, the statistic and its p value (:func:`p_phrase`); or that it
    cannot be computed.

    Examples
    --------
    >>> _, result = logrank_by_hand([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], list("aaabbb"))
    >>> logrank_sentence(result, "a")
    'In group 1 (a) 3 patients died where 1.15 deaths were expected if both groups shared one hazard. With a variance of 0.68 the statistic is 5.05, p = 0.025.'
    >>> logrank_sentence({"statistic": float("nan")}, "a")
    'On these data the statistic cannot be computed.'
    """
    if not math.isfinite(result["statistic"]):
        return "On these data the statistic cannot be computed."
    observed = int(result["observed_1"])
    return (
        f"In group 1 ({group_1}) {observed} patient{'s' if observed != 1 else ''} died where "
        f"{result['expected_1']:.2f} deaths were expected if both groups shared one hazard. "
        f"With a variance of {result['variance']:.2f} the statistic is "
        f"{result['statistic']:.2f}, {p_phrase(result['p_value'])}."
    )


def landmark_status(durations: Any, events: Any, time: float) -> dict[str, Any]:
    """What is known about each patient at ``time``, and two crude shares alive there.

    ``died_by``: deaths at or before ``time``; ``censored_before``: censored strictly
    before it (status at ``time`` unknown); ``known``: the others, whose status at
    ``time`` is known; ``known_alive``: those of them alive. ``dropped`` is the share
    alive among the known (the censored left out), ``counted_alive`` the share alive
    when the censored are counted as alive (NaN without a known patient). Both ignore
    when the censored were censored: with anyone censored before ``time`` the first is
    never above the Kaplan-Meier estimate and the second never below it (ties as in
    :func:`risk_table`: a death at ``time`` counts, a censoring at ``time`` is alive).

    Examples
    --------
    >>> status = landmark_status([2, 4, 5, 7, 9], [1, 0, 1, 0, 0], 6)
    >>> {k: status[k] for k in ("died_by", "censored_before", "known", "known_alive")}
    {'died_by': 2, 'censored_before': 1, 'known': 4, 'known_alive': 2}
    >>> status["dropped"], status["counted_alive"]
    (0.5, 0.6)
    """
    t, event = _validate(durations, events)
    died_by = int(((event == 1) & (t <= time)).sum())
    censored_before = int(((event == 0) & (t < time)).sum())
    known = len(t) - censored_before
    return {
        "patients": len(t),
        "died_by": died_by,
        "censored_before": censored_before,
        "known": known,
        "known_alive": known - died_by,
        "dropped": (known - died_by) / known if known else math.nan,
        "counted_alive": (len(t) - died_by) / len(t) if len(t) else math.nan,
    }


def paper_survival_months() -> set[float]:
    """The months after recurrence at which the paper prints the whole cohort's survival
    (the published values whose spec is ``km:os_recurrence@<months>``, no subgroup).

    Examples
    --------
    >>> sorted(paper_survival_months())
    [60.0, 120.0]
    """
    from nettx_utils.paper.published import load_published_values

    specs = load_published_values()["spec"].dropna().astype(str)
    found = specs.str.extract(r"^km:os_recurrence@(\d+(?:\.\d+)?)$")[0].dropna()
    return {float(value) for value in found}


def _row_text(events: int, censored: int) -> str:
    """One life-table row's exits in words: "a censoring", "2 deaths and a censoring"."""

    def one(n: int, noun: str) -> str:
        return f"a {noun}" if n == 1 else f"{n} {noun}s"

    parts = [one(n, noun) for n, noun in ((events, "death"), (censored, "censoring")) if n]
    return " and ".join(parts)


def entry_rule_text(durations: Any, events: Any, months: float) -> str:
    """What a cohort holds before ``months`` after recurrence, the paper's minimum
    follow-up for inclusion: the life table's first row and first death when nobody
    left earlier (the curve cannot fall before ``months``), or how many died or were
    last seen before it.

    Examples
    --------
    >>> entry_rule_text([6, 7.2, 9, 12], [0, 1, 0, 1], 6)
    'nobody died or was last seen before 6 months: the first row of the life table is a censoring at 6.0 months and the first death comes at 7.2 months'
    >>> entry_rule_text([6, 6, 8], [0, 0, 0], 6)
    'nobody died or was last seen before 6 months: the first row of the life table is 2 censorings at 6.0 months and nobody died at all'
    >>> entry_rule_text([2, 3, 8], [1, 0, 1], 6)
    '1 patient died and 1 was last seen before 6 months, so the rule does not hold here and the curve can fall before then'
    >>> entry_rule_text([2, 3, 8], [1, 1, 1], 6)[:40]
    '2 patients died and none was last seen b'
    """
    from nettx_utils.pages.prose import value_text

    table = life_table(durations, events)
    early = table[table["time"] < months]
    when = f"{value_text(months)} months"
    if early.empty:
        first = table.iloc[0]
        deaths = table.loc[table["events"] > 0, "time"]
        death = (
            f"the first death comes at {months_text(float(deaths.iloc[0]))}"
            if len(deaths)
            else "nobody died at all"
        )
        return (
            f"nobody died or was last seen before {when}: the first row of the life table "
            f"is {_row_text(int(first['events']), int(first['censored']))} at "
            f"{months_text(float(first['time']))} and {death}"
        )
    dead, lost = int(early["events"].sum()), int(early["censored"].sum())
    lost_text = "none was" if lost == 0 else f"{lost} {'was' if lost == 1 else 'were'}"
    return (
        f"{dead} patient{'s' * (dead != 1)} died and {lost_text} "
        f"last seen before {when}, so the rule does not hold here and the curve can fall "
        "before then"
    )


def landmark_widths(
    table: pd.DataFrame, time: float, *, alpha: float = 0.05, ci_type: str = "log-log"
) -> dict[str, float]:
    """Widths of three 95% intervals of S(``time``) from a :func:`life_table`.

    ``binomial``: 2 z sqrt(S (1 - S) / n), with S the Kaplan-Meier estimate and n all
    the patients: the plain (Wald) interval of a proportion, the width Greenwood's
    plain interval has when nobody is censored before ``time`` (then Greenwood's
    variance is exactly S (1 - S) / n). ``plain``: Greenwood's plain interval, with the
    censoring (same scale, so the gap to ``binomial`` is the censoring's doing, and the
    cut at 0 and 1). ``chosen``: the interval on ``ci_type``'s scale (the gap to
    ``plain`` is the scale's doing). NaN where the curve is not estimable. ``alpha`` must
    be the one the table was built with.

    Examples
    --------
    >>> table = life_table([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 0, 1, 0, 0, 1, 0])
    >>> widths = landmark_widths(table, 4.5)  # S = 7/8 x 6/7 x 4/5 = 0.6, n = 8
    >>> round(widths["binomial"], 4), widths["plain"] > widths["binomial"]
    (0.679, True)
    >>> none = landmark_widths(life_table([1, 2, 3, 4], [1, 1, 1, 1]), 2.5)
    >>> round(none["binomial"], 10) == round(none["plain"], 10)  # no censoring: the same
    True
    """
    z = float(norm.ppf(1 - alpha / 2))
    n = float(table["at_risk"].iloc[0])
    s = value_at(table, time)
    prefix = CI_COLUMNS[ci_type]
    found = {"binomial": 2 * z * math.sqrt(s * (1 - s) / n) if math.isfinite(s) else math.nan}
    for name, key in (("plain", "plain"), ("chosen", prefix)):
        upper = value_at(table, time, f"{key}_upper")
        found[name] = float(upper - value_at(table, time, f"{key}_lower"))
    return found


def expected_by_group(table: pd.DataFrame) -> tuple[float, float]:
    """Expected deaths of group 1 and of group 2 in a :func:`logrank_table` (the sums of
    ``e1`` and of ``d - e1``), if both groups shared one hazard.

    Examples
    --------
    >>> expected_by_group(logrank_table([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], list("aaabbb")))
    (1.15, 3.85)
    """
    e1 = float(table["e1"].sum())
    return round(e1, 12), round(float(table["d"].sum()) - e1, 12)


def permutation_p_text(permutation: Any) -> str:
    """A permutation p for the prose, to two significant figures (:func:`nettx_utils.pages.prose.
    p_significant`); when no shuffle reached the observed statistic it says so, with the
    p = 1 / (shuffles + 1) that follows and a power of ten above it.

    Examples
    --------
    >>> from nettx_utils.teaching.cutoff_problem import fixed_cut_test
    >>> months, died, marker = [1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [1, 2, 3, 4, 5, 6]
    >>> permutation_p_text(fixed_cut_test(months, died, marker, 3, n_permutations=999, seed=1))
    'p = 0.10'
    >>> months, died = list(range(1, 41)), [1] * 40
    >>> none = fixed_cut_test(months, died, months, 20, n_permutations=9_999, seed=1)
    >>> none.n_reaching, permutation_p_text(none)
    (0, 'no shuffle of the 9,999 reached the observed statistic, so p = 1/10,000 < 0.001')
    """
    from nettx_utils.pages.prose import p_significant

    if permutation.n_reaching == 0:
        shuffles = permutation.n_permutations
        exponent = math.floor(math.log10(permutation.p_value)) + 1  # a power of ten above p
        bound = f"{10.0**exponent:.{max(0, -exponent)}f}"
        return (
            f"no shuffle of the {shuffles:,} reached the observed statistic, so "
            f"p = 1/{shuffles + 1:,} < {bound}"
        )
    return f"p = {p_significant(permutation.p_value)}"


def chi2_caveat(
    smaller_group: int, fewer_expected: float, asymptotic_p: float, permutation: Any, shuffled: str
) -> str:
    """The caveat on a log-rank p from the chi-square distribution, with the permutation p
    at the same cut-off (:func:`nettx_utils.teaching.cutoff_problem.fixed_cut_test`) beside it.

    ``smaller_group``: patients in the smaller group; ``fewer_expected``: the smaller of
    the two groups' expected deaths (:func:`expected_by_group`); ``permutation``: the
    test's result (None when it cannot be computed); ``shuffled`` names what the
    permutations shuffle. Both p values carry two significant figures, the book's
    precision for a p compared with a permutation p (:func:`permutation_p_text`,
    :func:`nettx_utils.pages.prose.p_significant`), and the sentence says so; the Monte Carlo
    interval is Clopper-Pearson (:func:`nettx_utils.teaching.cutoff_problem.interval_text`).

    Examples
    --------
    >>> from nettx_utils.teaching.cutoff_problem import fixed_cut_test
    >>> months, died, marker = [1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [1, 2, 3, 4, 5, 6]
    >>> perm = fixed_cut_test(months, died, marker, 3, n_permutations=999, seed=1)
    >>> text = chi2_caveat(3, 1.15, 0.0246, perm, "marker values")
    >>> print(text)
    ... # doctest: +NORMALIZE_WHITESPACE, +ELLIPSIS
    The chi-square distribution only approximates the null distribution of the statistic, and
    the approximation can be poor when a group has few patients or few expected deaths: here
    the smaller group has 3 patients and the smaller expected number of deaths in a group is
    1.15. A permutation test at the same cut-off does without the approximation: shuffling
    the marker values 999 times, p = 0.10 (Monte Carlo 95% interval ..., Clopper-Pearson),
    against p = 0.025 from the chi-square distribution (both p values to two significant
    figures, the precision of a p compared with a permutation p).
    >>> chi2_caveat(9, 8.4, 3.4e-9, perm, "marker values").split("), ")[-1]
    'against p = 3.4 × 10⁻⁹ from the chi-square distribution (both p values to two significant figures, the precision of a p compared with a permutation p).'
    >>> chi2_caveat(3, 1.15, float("nan"), None, "marker values")
    'The log-rank test cannot be computed here, so neither can a permutation test.'
    """
    from nettx_utils.pages.prose import p_significant
    from nettx_utils.teaching.cutoff_problem import interval_text

    usable = permutation is not None and math.isfinite(permutation.p_value)
    if not (usable and math.isfinite(asymptotic_p)):
        return "The log-rank test cannot be computed here, so neither can a permutation test."
    asymptotic = p_significant(asymptotic_p)
    relation = "" if asymptotic.startswith((">", "<")) else "= "
    return (
        "The chi-square distribution only approximates the null distribution of the "
        "statistic, and the approximation can be poor when a group has few patients or few "
        f"expected deaths: here the smaller group has {smaller_group} patient"
        f"{'s' if smaller_group != 1 else ''} and the smaller expected number of deaths in a "
        f"group is {fewer_expected:.2f}. A permutation test at the same cut-off does without "
        f"the approximation: shuffling the {shuffled} {permutation.n_permutations:,} times, "
        f"{permutation_p_text(permutation)} (Monte Carlo 95% interval "
        f"{interval_text(permutation)}, Clopper-Pearson), against p {relation}{asymptotic} "
        "from the chi-square distribution (both p values to two significant figures, the "
        "precision of a p compared with a permutation p)."
    )


def _time_axis(ax: Any, end: float, label: str) -> None:
    """The book's x axis for months (:func:`nettx_utils.figures.style.book_ticks`, every 24)."""
    from nettx_utils.figures.style import book_ticks

    end = end if math.isfinite(end) and end > 0 else 1.0
    ticks = book_ticks(end)
    ax.set_xticks(ticks)
    ax.set_xlim(0, max(end, float(ticks[-1])) * 1.02)
    ax.set_xlabel(label)


def ci_scales_figure(table: pd.DataFrame, month: float) -> Any:
    """Chapter 7's figure: a :func:`life_table`'s curve with its pointwise band on the
    plain, log and log-log scales, one panel each, a dotted line at ``month``; the x
    axis follows the book's tick rule.

    Examples
    --------
    >>> figure = ci_scales_figure(life_table([5, 8, 8, 30, 60], [1, 1, 0, 1, 0]), 24)
    >>> [ax.get_title(loc="left") or ax.get_title() for ax in figure.axes]  # book style: left
    ['Plain', "Log (R's default)", "Log-log (lifelines' default)"]
    >>> figure.axes[0].get_xticks().tolist()
    [0.0, 24.0, 48.0]
    """
    from matplotlib.figure import Figure

    from nettx_utils.figures.style import PALETTE

    figure = Figure(figsize=(8.4, 3.0), layout="constrained")
    axes = figure.subplots(1, 3, sharey=True)
    limits = [c for c in table.columns if c.endswith(("_lower", "_upper"))]
    start = pd.DataFrame({"time": [0.0], "survival": [1.0]} | {c: [1.0] for c in limits})
    steps = pd.concat([start, table], ignore_index=True)  # the curve starts at S(0) = 1
    names = {"plain": "Plain", "log": "Log (R's default)", "loglog": "Log-log (lifelines' default)"}
    for ax, (prefix, name), colour in zip(axes, names.items(), PALETTE, strict=False):
        lower, upper = steps[f"{prefix}_lower"], steps[f"{prefix}_upper"]
        ax.fill_between(  # in percent, as every survival axis of the book
            steps["time"],
            100 * lower,
            100 * upper,
            step="post",
            color=colour,
            alpha=0.25,
            linewidth=0,
        )
        ax.step(steps["time"], 100 * steps["survival"], where="post", color="#222222")
        ax.axvline(month, color="#888888", linestyle=":", linewidth=1)
        ax.set_title(name)
        _time_axis(ax, float(table["time"].max()), "Months since recurrence")
    axes[0].set_ylabel("Overall survival (%)")
    axes[0].set_ylim(0, 102)
    return figure


def weights_figure(weighted: dict[str, pd.DataFrame]) -> Any:
    """Chapter 9's figure: each weighting's weight at each death time, relative to the
    first death (``weighted`` maps a test's name to a :func:`logrank_by_hand` table);
    the x axis follows the book's tick rule. Without any table it says so.

    Examples
    --------
    >>> table, _ = logrank_by_hand([1, 30, 50, 4, 5, 60], [1, 1, 1, 1, 0, 1], list("aaabbb"))
    >>> ax = weights_figure({"Log-rank": table}).axes[0]
    >>> ax.get_xticks().tolist(), [t.get_text() for t in ax.get_legend().get_texts()]
    ([0.0, 24.0, 48.0], ['Log-rank'])
    >>> [t.get_text() for t in weights_figure({}).axes[0].texts]
    ['Not computable on these data']
    """
    from matplotlib.figure import Figure

    from nettx_utils.figures.style import PALETTE

    figure = Figure(figsize=(6.4, 2.8), layout="constrained")
    ax = figure.subplots()
    for (name, table), colour in zip(weighted.items(), PALETTE, strict=False):
        w = table["weight"] / table["weight"].iloc[0]
        ax.step(table["time"], w, where="post", color=colour, label=name, marker="o", markersize=3)
    end = max((float(t["time"].max()) for t in weighted.values()), default=math.nan)
    _time_axis(ax, end, "Months since recurrence (death times)")
    ax.set_ylabel("Weight (first death = 1)")
    ax.set_ylim(0, 1.05)
    if weighted:
        ax.legend(loc="lower left")
    else:
        ax.text(0.5, 0.5, "Not computable on these data", ha="center", transform=ax.transAxes)
    return figure


def binomial_comparison(
    durations: Any, events: Any, time: float, *, ci_type: str = "log-log"
) -> str:
    """Chapter 10's comparison of a landmark's Kaplan-Meier interval with the binomial one,
    in words: who was censored before ``time``; the crude share alive among the others
    beside the Kaplan-Meier estimate (:func:`landmark_status`); and the widths of the
    binomial, Greenwood plain and ``ci_type`` 95% intervals (:func:`landmark_widths`),
    so that censoring and scale are told apart.

    Examples
    --------
    Hand check: S(4.5) = 7/8 x 6/7 x 4/5 = 0.6; the binomial width is 2 x 1.96 x
    sqrt(0.6 x 0.4 / 8) = 0.679, Greenwood's sum 1/56 + 1/42 + 1/20 gives the plain width
    2 x 1.96 x 0.6 x sqrt(0.0917) = 0.712.

    >>> print(binomial_comparison([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 0, 1, 0, 0, 1, 0], 4.5))
    ... # doctest: +NORMALIZE_WHITESPACE
    1 of the 8 patients was censored before the landmark (4.5 months) and 3 had died by
    then, so the status at the landmark is known for 7 of them. The share alive among
    them, a crude proportion that leaves the censored patients out, is 57.1%, against
    a Kaplan-Meier estimate of 60.0%: it ignores the time the censored patients were seen
    alive, and it is never above the Kaplan-Meier estimate. At this size the binomial 95%
    interval is 67.9 percentage points wide; Greenwood's plain interval, on the same scale
    but with the censoring, is 71.2, and the log-log interval 65.7. The first gap comes
    from the censoring, the second from the scale.
    >>> print(binomial_comparison([1, 2, 3, 4], [1, 1, 1, 1], 2.5, ci_type="plain"))
    ... # doctest: +NORMALIZE_WHITESPACE
    Nobody was censored before the landmark (2.5 months), so there the Kaplan-Meier
    estimate is simply the share of the 4 patients alive, 50.0%, a binomial proportion,
    and Greenwood's plain interval has the binomial width, 98.0 percentage points.
    >>> binomial_comparison([1, 2], [1, 0], 5)
    'Nobody was followed to the landmark (5 months): there is no estimate to compare.'
    >>> binomial_comparison([1, 3], [0, 1], 5)
    'The curve is at 0.0% at the landmark (5 months): no interval has a width to compare there.'
    """
    table = life_table(durations, events)
    status = landmark_status(durations, events, time)
    km = value_at(table, time)
    when = f"the landmark ({fixed(time, 1).removesuffix('.0')} months)"
    if not math.isfinite(km):
        return f"Nobody was followed to {when}: there is no estimate to compare."
    if km <= 0 or km >= 1:
        return (
            f"The curve is at {proportion_text(km)} at {when}: no interval has a width to "
            "compare there."
        )
    widths = landmark_widths(table, time, ci_type=ci_type)

    def points(value: float) -> str:
        return proportion_text(value).replace("%", "")

    if status["censored_before"] == 0:
        return (
            f"Nobody was censored before {when}, so there the Kaplan-Meier estimate is simply "
            f"the share of the {status['patients']} patients alive, {proportion_text(km)}, a "
            "binomial proportion, and Greenwood's plain interval has the binomial width, "
            f"{points(widths['binomial'])} percentage points."
        )
    c, known = status["censored_before"], status["known"]
    text = (
        f"{c} of the {status['patients']} patients {'was' if c == 1 else 'were'} censored "
        f"before {when} and {status['died_by']} had died by then, so the status at the "
        f"landmark is known for {known} of them. The share alive among them, a crude "
        "proportion that leaves the censored patients out, is "
        f"{proportion_text(status['dropped'])}, against a Kaplan-Meier estimate of "
        f"{proportion_text(km)}: it ignores the time the censored patients were seen alive, "
        "and it is never above the Kaplan-Meier estimate. At this size the binomial 95% "
        f"interval is {points(widths['binomial'])} percentage points wide; Greenwood's plain "
        f"interval, on the same scale but with the censoring, is {points(widths['plain'])}"
    )
    clipped = value_at(table, time, "plain_upper") >= 1 or value_at(table, time, "plain_lower") <= 0
    cut = " (and from the cut of the plain interval at 0 or 1)" if clipped else ""
    if ci_type == "plain":
        return f"{text}. The gap comes from the censoring{cut}."
    return (
        f"{text}, and the {ci_type} interval {points(widths['chosen'])}. The first gap comes "
        f"from the censoring{cut}, the second from the scale."
    )

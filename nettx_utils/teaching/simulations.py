"""Simulated trials and resampled cohorts of the survival chapters (9 and 10).

The power of weighted log-rank tests over many simulated two-group trials and the
width of Kaplan-Meier intervals over resampled cohorts: the tables of
:mod:`nettx_utils.teaching.by_hand`, computed for hundreds of trials at once in numpy
(one row per trial), on the same random draws as trial by trial.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from nettx_utils.stats.risk_sets import product_limit
from nettx_utils.stats.survival import _validate
from nettx_utils.teaching.by_hand import (
    _before_first,
    confidence_limits,
    weighted_chi2,
)

__all__ = [
    "BATCH_CELLS",
    "ci_width_by_size",
    "first_times_at_half",
    "life_tables",
    "logrank_tables",
    "monte_carlo_se",
    "piecewise_exponential",
    "simulate_power",
    "simulate_trials",
    "values_at",
]


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
    survival, greenwood_sum = product_limit(n, d, axis=-1)
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

"""Landmark analysis of a treatment decided after time zero, and what a curve's tail rests on.

**Immortal time.** Survival after recurrence starts at the recurrence, but surgery at
recurrence came later (the paper waited at least 3 months to watch the disease), and
only patients followed at least 6 months were included. A patient counted as
"operated" from time zero had to stay alive until the operation: the months before it
are *immortal* in the surgery group and inflate its survival. A landmark analysis
removes that advantage: pick a landmark time, keep only the patients still alive and
followed at the landmark, classify them by what they had received by then, and restart
their clock there (:func:`landmark_comparison`).

**The tail of a curve.** A Kaplan-Meier estimate of 0% (or 100%) at a landmark may rest
on one or two patients; :func:`curve_support` says how many were at risk there and when
the curve fell to 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nettx_utils.hazard import HazardRatio, hazard_ratio
from nettx_utils.survival import fit_kaplan_meier, logrank_test

__all__ = ["CurveSupport", "LandmarkResult", "curve_support", "landmark_comparison"]


@dataclass(frozen=True)
class LandmarkResult:
    """A comparison of two groups restarted at a landmark.

    ``table`` has one row per group (``group, n, deaths, survival``): the patients kept,
    their deaths after the landmark and the Kaplan-Meier survival ``horizon_months``
    after time zero given survival to the landmark (NaN when the group's follow-up ends
    first). ``dropped_dead`` / ``dropped_censored`` count the patients left out for dying
    / for being last seen at or before the landmark.
    """

    landmark_months: float
    horizon_months: float
    table: pd.DataFrame
    dropped_dead: int
    dropped_censored: int
    logrank_p: float
    hr: HazardRatio


def landmark_comparison(
    durations: Any,
    events: Any,
    exposed: Any,
    landmark_months: float,
    horizon_months: float,
    labels: tuple[str, str] = ("other", "exposed"),
) -> LandmarkResult:
    """Compare exposed and unexposed patients alive and followed at ``landmark_months``.

    A patient is kept when their duration exceeds the landmark (a death or a last
    contact at the landmark leaves nothing to follow after it). The kept patients'
    time restarts at the landmark (``duration - landmark``); they are compared with the
    log-rank test (:func:`nettx_utils.survival.logrank_test`) and the Cox hazard ratio of
    ``exposed`` (:func:`nettx_utils.hazard.hazard_ratio`). ``exposed`` must say what the
    patient had received *by the landmark*; a cohort without treatment dates can only
    assume it.

    Examples
    --------
    >>> result = landmark_comparison(
    ...     [2, 5, 8, 12, 3, 6, 9, 14], [1, 1, 0, 1, 1, 1, 1, 0], [0, 0, 0, 0, 1, 1, 1, 1], 4, 10
    ... )
    >>> result.table["n"].tolist(), result.dropped_dead, result.dropped_censored
    ([3, 3], 2, 0)
    """
    t = np.asarray(durations, dtype=float)
    d = np.asarray(events, dtype=float).astype(int)
    x = np.asarray(pd.Series(exposed).astype(float), dtype=float)
    kept = t > landmark_months
    dropped_dead = int((~kept & (d == 1)).sum())
    dropped_censored = int((~kept & (d == 0)).sum())
    t, d, x = t[kept] - landmark_months, d[kept], x[kept]
    rows = []
    for value, label in zip((0.0, 1.0), labels, strict=True):
        members = x == value
        survival = math.nan
        if members.any():
            km = fit_kaplan_meier(t[members], d[members])
            survival = float(km.survival_at([horizon_months - landmark_months])["survival"].iloc[0])
            if math.isnan(survival) and km.table_["survival"].iloc[-1] == 0:
                survival = 0.0  # every kept patient of the group died before the horizon
        rows.append(
            {"group": label, "n": int(members.sum()), "deaths": int(d[members].sum()),
             "survival": survival}
        )  # fmt: skip
    testable = all(r["n"] > 0 for r in rows) and d.sum() > 0
    p = logrank_test(t, d, x).p_value if testable else math.nan
    return LandmarkResult(
        landmark_months=float(landmark_months),
        horizon_months=float(horizon_months),
        table=pd.DataFrame(rows),
        dropped_dead=dropped_dead,
        dropped_censored=dropped_censored,
        logrank_p=float(p),
        hr=hazard_ratio(t, d, x),
    )


@dataclass(frozen=True)
class CurveSupport:
    """What a Kaplan-Meier curve rests on at a landmark.

    ``at_risk_landmark``: patients still followed at the landmark (duration >= it).
    ``zero_time``: when the curve fell to 0 (NaN if it never did); ``at_risk_at_zero``:
    the patients at risk just before that death (0 if the curve never fell to 0).
    """

    n: int
    at_risk_landmark: int
    zero_time: float
    at_risk_at_zero: int


def curve_support(durations: Any, events: Any, landmark_months: float) -> CurveSupport:
    """Numbers at risk behind a Kaplan-Meier estimate at ``landmark_months``.

    Examples
    --------
    Deaths at 7, 9, 35 and 45 months, one patient censored at 33: the curve falls to 0
    at 45 months, with one patient at risk; no one is at risk at 60.

    >>> curve_support([7, 9, 33, 35, 45], [1, 1, 0, 1, 1], 60)
    CurveSupport(n=5, at_risk_landmark=0, zero_time=45.0, at_risk_at_zero=1)
    """
    t = np.asarray(durations, dtype=float)
    d = np.asarray(events, dtype=float).astype(int)
    zero_time, at_zero = math.nan, 0
    if t.size:
        table = fit_kaplan_meier(t, d).table_
        zero = table[table["survival"] <= 0]
        if len(zero):
            zero_time = float(zero["time"].iloc[0])
            at_zero = int((t >= zero_time).sum())
    return CurveSupport(
        n=int(t.size),
        at_risk_landmark=int((t >= landmark_months).sum()),
        zero_time=zero_time,
        at_risk_at_zero=at_zero,
    )

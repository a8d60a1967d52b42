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

from nettx_utils.stats.hazard import HazardRatio, hazard_ratio, p_phrase
from nettx_utils.stats.survival import fit_kaplan_meier, logrank_test

__all__ = [
    "CurveSupport",
    "LandmarkResult",
    "curve_support",
    "early_exits_text",
    "landmark_comparison",
    "landmark_summary_text",
    "landmark_table",
    "repeats_time_zero",
    "support_text",
]


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
    log-rank test (:func:`nettx_utils.stats.survival.logrank_test`) and the Cox hazard ratio of
    ``exposed`` (:func:`nettx_utils.stats.hazard.hazard_ratio`). ``exposed`` must say what the
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
    censored_before_zero: tuple[float, ...] = ()


def curve_support(durations: Any, events: Any, landmark_months: float) -> CurveSupport:
    """Numbers at risk behind a Kaplan-Meier estimate at ``landmark_months``.

    Examples
    --------
    Deaths at 7, 9, 35 and 45 months, one patient censored at 33: the curve falls to 0
    at 45 months, with one patient at risk; no one is at risk at 60.

    >>> curve_support([7, 9, 33, 35, 45], [1, 1, 0, 1, 1], 60)
    CurveSupport(n=5, at_risk_landmark=0, zero_time=45.0, at_risk_at_zero=1, censored_before_zero=(33.0,))
    """
    t = np.asarray(durations, dtype=float)
    d = np.asarray(events, dtype=float).astype(int)
    zero_time, at_zero, censored = math.nan, 0, ()
    if t.size:
        table = fit_kaplan_meier(t, d).table_
        zero = table[table["survival"] <= 0]
        if len(zero):
            zero_time = float(zero["time"].iloc[0])
            at_zero = int((t >= zero_time).sum())
            censored = tuple(float(v) for v in np.sort(t[(d == 0) & (t < zero_time)]))
    return CurveSupport(
        n=int(t.size),
        at_risk_landmark=int((t >= landmark_months).sum()),
        zero_time=zero_time,
        at_risk_at_zero=at_zero,
        censored_before_zero=censored,
    )


def support_text(support: CurveSupport, landmark_months: float, group: str) -> str:
    """What a group's Kaplan-Meier estimate at the landmark rests on, in words.

    Examples
    --------
    >>> support_text(curve_support([7, 9, 33, 35, 45], [1, 1, 0, 1, 1], 60), 60, "early")
    'the early group (5 patients) fell to 0% at 45 months, when 1 patient was still at risk (1 of the 5 was censored before, at 33 months; the last death at 45 months carries the 0%); no patient of the group was still followed at 60 months'
    """
    followed = support.at_risk_landmark
    still = (
        f"{followed} of its patients {'was' if followed == 1 else 'were'} still followed at "
        f"{landmark_months:g} months"
        if followed
        else f"no patient of the group was still followed at {landmark_months:g} months"
    )
    if math.isfinite(support.zero_time) and support.zero_time <= landmark_months:
        k = support.at_risk_at_zero
        why = ""
        if support.censored_before_zero:
            times = [f"{v:g}" for v in support.censored_before_zero]
            listed = times[0] if len(times) == 1 else ", ".join(times[:-1]) + " and " + times[-1]
            c = len(times)
            last = "the last death" if k == 1 else "the deaths"
            where = f", at {listed} months" if c <= 5 else ""
            why = (
                f" ({c} of the {support.n} {'was' if c == 1 else 'were'} censored "
                f"before{where}; {last} at {support.zero_time:g} months "
                f"{'carries' if k == 1 else 'carry'} the 0%)"
            )
        return (
            f"the {group} group ({support.n} patients) fell to 0% at {support.zero_time:g} "
            f"months, when {k} patient{'s' * (k != 1)} {'was' if k == 1 else 'were'} still "
            f"at risk{why}; {still}"
        )
    return f"in the {group} group ({support.n} patients), {still}"


def landmark_table(results: list[LandmarkResult], labels: tuple[str, str]) -> pd.DataFrame:
    """Landmark comparisons as a clinical table, one row per landmark.

    Columns: the landmark, patients kept and left out, patients and deaths of each group
    after the landmark, the survival at the horizon given survival to the landmark, the
    log-rank p and the hazard ratio of ``labels[1]`` vs ``labels[0]`` with its Wald and
    profile-likelihood 95% intervals. ``labels`` name the groups as in
    :func:`landmark_comparison`.
    """
    from nettx_utils.formatting import format_p
    from nettx_utils.stats.hazard import _ratio

    rows = []
    for r in results:
        table = r.table.set_index("group")
        row = {
            "Landmark (months)": f"{r.landmark_months:g}",
            "Kept": int(table["n"].sum()),
            "Left out: died / last seen": f"{r.dropped_dead} / {r.dropped_censored}",
        }
        for label in reversed(labels):
            g = table.loc[label]
            surv = "n.e." if math.isnan(g["survival"]) else f"{100 * g['survival']:.1f}"
            row[f"{label.capitalize()}: n (deaths)"] = f"{int(g['n'])} ({int(g['deaths'])})"
            row[f"{label.capitalize()}: {r.horizon_months / 12:g}-y OS (%)"] = surv
        hr = r.hr
        row["Log-rank p"] = "–" if math.isnan(r.logrank_p) else format_p(r.logrank_p)
        if hr.estimable:
            row["HR"] = _ratio(hr.hr)
            wald = f"{_ratio(hr.wald_lower)}–{_ratio(hr.wald_upper)}"
            row["95% CI, Wald"] = "undefined" if hr.separated else wald
            row["95% CI, profile"] = f"{_ratio(hr.profile_lower)}–{_ratio(hr.profile_upper)}"
        else:
            row.update({"HR": "–", "95% CI, Wald": "–", "95% CI, profile": "–"})
        rows.append(row)
    return pd.DataFrame(rows)


def landmark_summary_text(
    results: list[LandmarkResult], label: str = "", zero_label: str = ""
) -> str:
    """How the landmarks changed the comparison, in words.

    With no patient left out, shifting every time by the landmark keeps their order, so
    the log-rank p is the one from time zero; the text says so. ``label`` follows each
    p-value of a landmark that leaves patients out, ``zero_label`` a p-value that is the
    one from time zero (which the paper prints for surgery), so that each label sits
    next to the number it describes.

    Examples
    --------
    >>> r = landmark_comparison([2, 5, 8, 12, 3, 6, 9, 14], [1, 1, 0, 1, 1, 1, 1, 0],
    ...                         [0, 0, 0, 0, 1, 1, 1, 1], 4, 10)
    >>> landmark_summary_text([r], " [L]")[:62]
    'at 4 months, 2 patients are left out (2 died, 0 last seen befo'
    >>> landmark_summary_text([r], " [L]").endswith("[L]")
    True
    """
    parts = []
    for r in results:
        out = r.dropped_dead + r.dropped_censored
        p = p_phrase(r.logrank_p)
        if out == 0:
            parts.append(
                f"at {r.landmark_months:g} months no patient is left out, so the comparison "
                f"is the one from time zero (log-rank {p}{zero_label})"
            )
        else:
            parts.append(
                f"at {r.landmark_months:g} months, {out} patient{'s' * (out != 1)} "
                f"{'is' if out == 1 else 'are'} left out ({r.dropped_dead} died, "
                f"{r.dropped_censored} last seen before or at the landmark), "
                f"log-rank {p}{label}"
            )
    return "; ".join(parts)


def repeats_time_zero(results: list[LandmarkResult]) -> bool:
    """True when some landmark leaves no patient out, so its row repeats the comparison
    from time zero (the same patients, times shifted, the same order).

    Examples
    --------
    >>> r = landmark_comparison([2, 5, 8, 12, 3, 6, 9, 14], [1, 1, 0, 1, 1, 1, 1, 0],
    ...                         [0, 0, 0, 0, 1, 1, 1, 1], 1, 10)
    >>> repeats_time_zero([r])
    True
    """
    return any(r.dropped_dead + r.dropped_censored == 0 for r in results)


def early_exits_text(durations: Any, events: Any, months: float) -> str:
    """Whether anyone died or was last seen before ``months`` (the paper's minimum
    follow-up after recurrence), in words, and what that means for a landmark analysis.

    Examples
    --------
    >>> early_exits_text([6, 8, 12], [0, 1, 1], 6)[:45]
    'no patient died or was last seen before 6 mon'
    >>> early_exits_text([2, 8, 12], [1, 1, 0], 6)[:40]
    '1 patient died and 0 were last seen befo'
    """
    t = np.asarray(durations, dtype=float)
    d = np.asarray(events, dtype=float).astype(int)
    dead = int(((t < months) & (d == 1)).sum())
    lost = int(((t < months) & (d == 0)).sum())
    if dead == lost == 0:
        return (
            f"no patient died or was last seen before {months:g} months, as the paper's "
            "inclusion rule requires: patients who died sooner are not in the data at all, "
            "in either group, so no landmark can bring them back, and the bias that rule "
            "introduces cannot be measured from the included patients"
        )
    return (
        f"{dead} patient{'s' * (dead != 1)} died and {lost} {'was' if lost == 1 else 'were'} "
        f"last seen before {months:g} months, so this cohort does not follow the paper's "
        "inclusion rule; the landmarks show how much those early exits weigh"
    )

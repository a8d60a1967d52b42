"""A Kaplan-Meier estimate at a landmark against a binomial proportion (chapter 10).

What is known about each patient at a landmark time, the crude shares alive that
ignore censoring, and how wide Greenwood's interval is beside the binomial one.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from scipy.stats import norm

from nettx_utils.formatting import fixed
from nettx_utils.stats.survival import _validate
from nettx_utils.teaching.by_hand import (
    CI_COLUMNS,
    life_table,
    value_at,
)
from nettx_utils.teaching.survival_text import proportion_text

__all__ = [
    "binomial_comparison",
    "landmark_status",
    "landmark_widths",
]


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

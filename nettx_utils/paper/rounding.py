"""When a recomputed value prints as the paper's figure, and how the book shows it.

A value is *reproduced* when, printed at the paper's precision, it gives the printed
number (:func:`rounds_to`). **Exact halves**: when a value lies exactly half-way between
two printable numbers (14/32 = 43.75 % at one decimal), both neighbours count as a
correct rounding. The paper rounds such halves both ways (26/32 = 81.25 is printed 81.3
in Table 1 and 81.2 in Table 2; 2/32 = 6.25 is printed 6.3 and 6.2), so neither "round
half up" nor "round half to even" describes it, and neither should be held against it;
a match that rests on a half rounded down is marked (:func:`half_down_only`).
:func:`shown` prints a book value beside the paper's without rounding it into a number
that is neither.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd

from nettx_utils.errors import NettxError

__all__ = [
    "FORCED_HALF_KINDS",
    "HALF_DOWN_MARK",
    "SHOWN_RULE",
    "half_down_only",
    "rounds_to",
    "shown",
]

_REL_TOL = 1e-9


def rounds_to(reproduced: float, published: float, decimals: int, bound: str | None = None) -> bool:
    """Whether ``reproduced``, printed with ``decimals`` decimals, gives ``published``.

    Parameters
    ----------
    reproduced
        The recomputed value.
    published
        The value as printed (for a bound such as "P < 0.0001", the number 0.0001).
    decimals
        The number of decimals printed.
    bound
        ``"<"`` or ``">"`` when the paper prints a bound: then the test is simply
        ``reproduced < published`` (or ``>``). Empty or None for a printed value.

    Notes
    -----
    ``reproduced`` prints as ``published`` when it lies within half a unit of the last
    printed digit. An exact half accepts both neighbours, because the paper rounds
    halves both ways (see the module docstring). To absorb binary floating-point error
    (0.1 + 0.2 = 0.30000000000000004; 14/32*100 may land a hair off 43.75), the half
    unit is widened by 1e-9 relative.

    Examples
    --------
    >>> rounds_to(43.75, 43.7, 1), rounds_to(43.75, 43.8, 1), rounds_to(43.75, 43.9, 1)
    (True, True, False)
    >>> rounds_to(100 * 4 / 21, 19.1, 1)
    False
    >>> rounds_to(0.00003, 0.0001, 4, "<")
    True
    """
    if reproduced is None:
        return False
    try:
        value = float(reproduced)
    except (TypeError, ValueError):
        return False
    if math.isnan(value):
        return False
    if bound == "<":
        return value < published
    if bound == ">":
        return value > published
    if bound not in (None, ""):
        raise NettxError(f"bound must be '<', '>' or empty, got {bound!r}")
    if math.isinf(value):
        return False
    scale = 10 ** int(decimals)
    distance = abs(value * scale - published * scale)
    return distance <= 0.5 * (1 + _REL_TOL) + _REL_TOL * abs(published * scale)


HALF_DOWN_MARK = "(✓)"
"""Mark of a match that holds only if the paper rounded an exact half down (see
:func:`half_down_only`)."""


FORCED_HALF_KINDS = frozenset({"percent"})
"""Kinds whose exact halves come from counts (6 of 32 is 18.75%): no cohort of that size
can move them off the half, and the paper rounds such halves both ways."""


def half_down_only(
    reproduced: float, published: float, decimals: int, kind: str = "", bound: str | None = None
) -> bool:
    """Whether a match rests on the paper having rounded an exact half down.

    True when ``reproduced`` lies exactly on a half at ``decimals``, the paper printed
    the lower neighbour, and the value is not of a kind in :data:`FORCED_HALF_KINDS`:
    a median or quartile the synthetic cohort's generator was free to put anywhere.
    The paper's printing of percentage halves both ways (2 of 32 as 6.2 and 6.3) says
    nothing about how it rounded such a statistic, so the match is conditional.

    Examples
    --------
    >>> half_down_only(22.65, 22.6, 1, "median"), half_down_only(18.75, 18.7, 1, "percent")
    (True, False)
    >>> half_down_only(48.449999999999996, 48.5, 1, "q1"), half_down_only(22.66, 22.6, 1)
    (False, False)
    """
    if bound or kind in FORCED_HALF_KINDS or reproduced is None or pd.isna(reproduced):
        return False
    scaled = float(reproduced) * 10 ** int(decimals)
    lower = math.floor(scaled + 1e-9 * max(1.0, abs(scaled)))
    if abs(scaled - lower - 0.5) > 1e-6 * max(1.0, abs(scaled)):
        return False
    return abs(float(published) * 10 ** int(decimals) - lower) < 1e-6


SHOWN_RULE = (
    "A book value that does not print as the paper's figure is shown exactly where a digit "
    "or two more make it exact (6 of 32 is 18.75%, beside the paper's 18.7: a percentage "
    "half rounds to either neighbour, and the paper rounds such halves both ways), and "
    "otherwise with as many more digits as it takes to show that it does not round to the "
    "paper's figure (4 of 21 is 19.048%, beside the paper's 19.1: 19.05 would round to it). "
    "A median or quartile that the paper prints as a whole number and that is not whole in "
    "the book is shown with at least one decimal, as the book's tables show it (1.75 "
    "beside the paper's 2)."
)
"""The rule :func:`shown` follows, in words, for the notes beside the marks."""


def shown(value: float, decimals: int, paper: float | None = None) -> str:
    """``value`` at ``decimals``; with more digits wherever that text is not the paper's.

    At the paper's precision a value that rounds to the paper's figure is shown as the
    paper prints it. A value that does not (a mismatch, a value flagged by the audit, or
    a value exactly on a half that the paper rounded the other way, such as 18.75 = 6 of
    32 beside the paper's 18.7) is shown exactly when at most two more digits make it
    exact, and otherwise with the fewest more digits (one or two) whose text does not
    round, halves up, to the paper's figure; the page never shows the book's value
    rounded into a number that is neither the book's nor the paper's (a third quartile
    of 2.8 printed as 3 beside the paper's 2). :data:`SHOWN_RULE` says this in words.

    Examples
    --------
    >>> shown(18.75, 1, paper=18.7), shown(18.75, 1, paper=18.8), shown(18.75, 1)
    ('18.75', '18.8', '18.8')
    >>> shown(40.05, 1, paper=40.0), shown(22.66, 1, paper=22.6), shown(2.8, 0, paper=2)
    ('40.05', '22.66', '2.8')

    A count stays whole (3 beside the paper's 1), an exact value keeps no trailing zero
    (4 of 32 is 12.5%, beside a paper's 12.4), and a value just off a half keeps a
    second extra digit (4 of 21 = 19.048%, not a false half 19.05, beside 19.1):

    >>> shown(3.0, 0, paper=1), shown(12.5, 1, paper=12.4), shown(100 * 4 / 21, 1, paper=19.1)
    ('3', '12.5', '19.048')
    """
    from nettx_utils.formatting import decimal_value, fixed

    if value is None or pd.isna(value):
        return "–"
    rounded = fixed(value, int(decimals))
    if paper is None or pd.isna(paper) or fixed(paper, int(decimals)) == rounded:
        return rounded
    paper_text, exact = fixed(paper, int(decimals)), decimal_value(value)
    text = rounded
    for extra in (0, 1, 2):
        text = fixed(value, int(decimals) + extra)
        if Decimal(text) == exact:
            return text
        if extra and fixed(float(text), int(decimals)) != paper_text:
            return text
    return text

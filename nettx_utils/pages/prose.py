"""Numbers as text for a chapter's glued prose, and recording many of them at once.

A chapter must read on any cohort: where a small or odd cohort leaves a number
undefined (NaN), the prose says "not computable" instead of printing ``nan``.
The p-value rules are :func:`nettx_utils.formatting.format_p`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from nettx_utils.formatting import fixed, format_p

__all__ = [
    "NOT_COMPUTABLE",
    "cohort_mark",
    "counted",
    "number_text",
    "p_phrase",
    "p_significant",
    "p_text",
    "record_all",
    "share_text",
    "value_text",
]

NOT_COMPUTABLE = "not computable"

#: What a chapter records: key -> (value, glued text or None for ``str(value)``).
Items = dict[str, tuple[Any, str | None]]


def _finite(value: Any) -> bool:
    return value is not None and math.isfinite(float(value))


def p_text(p: float, digits: int = 3) -> str:
    """A p-value as :func:`format_p` writes it (``digits`` decimals), or "not computable".

    Examples
    --------
    >>> p_text(0.0653), p_text(0.00335, 4), p_text(float("nan"))
    ('0.065', '0.0034', 'not computable')
    """
    return format_p(p, digits) if _finite(p) else NOT_COMPUTABLE


def p_phrase(p: float, digits: int = 3) -> str:
    """ "p = ..." or "p < ..." as a sentence needs it (never "p = < 0.001").

    Examples
    --------
    >>> p_phrase(0.0163), p_phrase(0.00002), p_phrase(0.00002, 4), p_phrase(float("nan"))
    ('p = 0.016', 'p < 0.001', 'p < 0.0001', 'p not computable')
    """
    text = p_text(p, digits)
    if text == NOT_COMPUTABLE:
        return f"p {text}"
    return f"p {text}" if text[0] in "<>" else f"p = {text}"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def p_significant(p: float, figures: int = 2) -> str:
    """A p-value with ``figures`` significant figures, the precision of a p compared with
    a permutation p (a permutation p and the asymptotic p beside it).

    Halves round up (:func:`nettx_utils.formatting.fixed`). As :func:`format_p`, rounding never
    carries a p across 0.05 (a figure is added instead) nor up to 1 (``> 0.99``); below
    0.0001 the number is written as a power of ten; NaN is "not computable".

    Examples
    --------
    >>> p_significant(0.0036219), p_significant(0.00107), p_significant(0.02935)
    ('0.0036', '0.0011', '0.029')
    >>> p_significant(0.0996), p_significant(0.04996), p_significant(0.3)
    ('0.10', '0.04996', '0.30')
    >>> p_significant(3.44e-9), p_significant(0.9996), p_significant(1.0)
    ('3.4 × 10⁻⁹', '> 0.99', '1.0')
    >>> p_significant(float("nan"))
    'not computable'
    """
    if not _finite(p):
        return NOT_COMPUTABLE
    if p == 0:
        return "0"
    exponent = math.floor(math.log10(p))
    decimals = figures - 1 - exponent
    if float(fixed(p, decimals)) >= 10.0 ** (exponent + 1):  # 0.0996 -> 0.10, not 0.100
        decimals -= 1
    text = fixed(p, decimals)
    if p < 0.05 <= float(text):  # never carried across 0.05
        return p_significant(p, figures + 1)
    if p < 1 <= float(text):
        return f"> 0.{'9' * figures}"
    if p < 1e-4:
        mantissa = fixed(p / 10.0**exponent, figures - 1)
        if float(mantissa) >= 10:
            mantissa, exponent = fixed(1.0, figures - 1), exponent + 1
        return f"{mantissa} × 10{str(exponent).translate(_SUPERSCRIPT)}"
    return text


def p_significant_phrase(p: float) -> str:
    """:func:`p_significant` as a sentence needs it: "p = 0.0036", "p > 0.99", "p not
    computable".

    Examples
    --------
    >>> p_significant_phrase(0.0036219), p_significant_phrase(0.9996)
    ('p = 0.0036', 'p > 0.99')
    >>> p_significant_phrase(float("nan"))
    'p not computable'
    """
    text = p_significant(p)
    return f"p {text}" if text[0] in "<>" or text == NOT_COMPUTABLE else f"p = {text}"


def number_text(value: float, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals, or "not computable".

    Examples
    --------
    >>> number_text(3.14159), number_text(2.0, 1), number_text(float("nan"))
    ('3.14', '2.0', 'not computable')
    """
    return f"{value:.{digits}f}" if _finite(value) else NOT_COMPUTABLE


def share_text(value: float, decimals: int = 0) -> str:
    """A share between 0 and 1 as a percentage (``0.237`` -> ``24%``), or "not computable";
    halves are rounded as the tables round them (:func:`nettx_utils.formatting.fixed`).

    Examples
    --------
    >>> share_text(0.237), share_text(0.0512, 1), share_text(0.125), share_text(float("nan"))
    ('24%', '5.1%', '13%', 'not computable')
    """
    return f"{fixed(100 * value, decimals)}%" if _finite(value) else NOT_COMPUTABLE


def value_text(value: float) -> str:
    """A cut-off or threshold in its shortest form (``24.0`` -> ``24``), or "none".

    Examples
    --------
    >>> value_text(24.0), value_text(2.5), value_text(float("nan"))
    ('24', '2.5', 'none')
    """
    return f"{value:g}" if _finite(value) else "none"


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: "no", "1 ...", "4 ...s".

    ``plural`` defaults to ``singular + "s"``.

    Examples
    --------
    >>> counted(0, "zero difference"), counted(1, "predictor"), counted(4, "zero difference")
    ('no zero differences', '1 predictor', '4 zero differences')
    >>> counted(2, "group of tied values", "groups of tied values")
    '2 groups of tied values'
    """
    many = plural if plural is not None else f"{singular}s"
    if n == 0:
        return f"no {many}"
    return f"{n:,} {singular if n == 1 else many}"


def record_all(record: Callable[..., Any], items: Mapping[str, tuple[Any, str | None]]) -> None:
    """Record each ``key -> (value, text)`` of ``items`` with a chapter's ``record``."""
    for key, (value, text) in items.items():
        record(key, value, text)


def cohort_mark(synthetic: bool) -> str:
    """The label that stands next to a number the paper does not publish: on the synthetic
    cohort it is a property of generated patients, not a finding; on the reader's cohort,
    theirs.

    Examples
    --------
    >>> cohort_mark(True)
    'synthetic cohort: a property of generated patients, not a finding of the paper'
    >>> cohort_mark(False)
    'your cohort'
    """
    if synthetic:
        return "synthetic cohort: a property of generated patients, not a finding of the paper"
    return "your cohort"

"""How the book writes numbers: p values, fixed decimals, percentages, the paper's printings,
the mark beside an unpublished number, and tables in the house style.

Every layer of the package writes numbers, so this module sits at the bottom: it
imports no other module of the package except :mod:`nettx_utils.errors`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from nettx_utils.errors import NettxError


def format_p(p: float, digits: int = 3) -> str:
    """Format a p value for display.

    Rules: ``p < 10**-digits`` gives ``"< 0.001"``; otherwise ``p`` is
    rounded to ``digits`` decimals (``0.0653 -> "0.065"``, ``0.05 -> "0.050"``),
    except that rounding never carries a p value across 0.05 (``0.0499`` is
    shown as ``"0.0499"``, not ``"0.050"``) nor up to 1 (``0.9996 -> "> 0.999"``;
    exactly 1 gives ``"1.000"``). NaN gives ``"NA"``.

    Parameters
    ----------
    p : float
        The p value, in [0, 1].
    digits : int, default 3
        Decimals shown; also sets the ``"< 0.001"`` floor.

    Returns
    -------
    str

    Raises
    ------
    NettxError
        If ``p`` is outside [0, 1] or ``digits < 1``.

    Examples
    --------
    >>> format_p(0.0653), format_p(0.0004), format_p(0.05), format_p(0.0499)
    ('0.065', '< 0.001', '0.050', '0.0499')
    """
    if digits < 1:
        raise NettxError(f"format_p: digits must be >= 1, got {digits}")
    p = float(p)
    if math.isnan(p):
        return "NA"
    if not 0.0 <= p <= 1.0:
        raise NettxError(f"format_p: a p value must lie in [0, 1], got {p}")
    floor = 10.0**-digits
    if p < floor:
        return f"< {floor:.{digits}f}"
    text = f"{p:.{digits}f}"
    if p < 1.0 and float(text) >= 1.0:
        return f"> {1 - floor:.{digits}f}"
    d = digits
    while p < 0.05 <= float(text) and d < digits + 6:  # keep p on its side of 0.05
        d += 1
        text = f"{p:.{d}f}"
    return text


SYNTHETIC_ONLY = "not printed by the paper; a property of the synthetic cohort only, not a finding"
"""The mark beside a number the paper does not publish, on the synthetic cohort."""


def unpublished_mark(synthetic: bool) -> str:
    """The parenthesis to put beside a number the paper does not print.

    On the synthetic cohort such a number describes generated patients only, and the
    mark says so; on a user's cohort it is simply that cohort's number.

    Examples
    --------
    >>> unpublished_mark(True)
    '(not printed by the paper; a property of the synthetic cohort only, not a finding)'
    >>> unpublished_mark(False)
    '(from your cohort)'
    """
    return f"({SYNTHETIC_ONLY})" if synthetic else "(from your cohort)"


SIGNIFICANT_DIGITS = 12
"""Significant digits a computed value keeps before it is rounded for print."""


def decimal_value(value: float, digits: int = SIGNIFICANT_DIGITS) -> Decimal:
    """``value`` as a decimal number of ``digits`` significant digits.

    Arithmetic in binary floating point leaves errors in the last digits
    (48.3 + 0.25 × 0.6 is 48.449999999999996, (51.9 + 54.8) / 2 is
    53.349999999999994). Rounding to 12 significant digits first removes
    them, so the half that the arithmetic meant is rounded as a half.

    Examples
    --------
    >>> decimal_value(48.3 + 0.25 * 0.6), decimal_value((51.9 + 54.8) / 2)
    (Decimal('48.45'), Decimal('53.35'))
    """
    return Decimal(f"{float(value):.{digits}g}")


def fixed(value: float, decimals: int = 1) -> str:
    """``value`` at ``decimals``, halves rounded away from zero as SPSS prints them.

    Python's own formatting rounds the binary value (3.25 prints as ``3.2``);
    the value is instead taken at 12 significant digits
    (:func:`decimal_value`, which drops floating-point error) and that decimal
    number is rounded half up (``3.3``).

    Examples
    --------
    >>> fixed(3.25), fixed(6.25), fixed(43.75), fixed(2, 0)
    ('3.3', '6.3', '43.8', '2')
    >>> fixed(48.3 + 0.25 * 0.6), fixed((51.9 + 54.8) / 2), fixed(-0.25)
    ('48.5', '53.4', '-0.3')
    """
    if value is None or pd.isna(value):
        return "–"
    quantum = Decimal(1).scaleb(-decimals)
    return str(decimal_value(value).quantize(quantum, rounding=ROUND_HALF_UP))


def percent_text(value: float, decimals: int = 1) -> str:
    """A percentage for the prose, or why there is none (a curve that no patient followed that far).

    Examples
    --------
    >>> percent_text(76.25), percent_text(float("nan"))
    ('76.3%', 'not estimable (no patient followed that long)')
    """
    if value is None or pd.isna(value):
        return "not estimable (no patient followed that long)"
    return f"{fixed(value, decimals)}%"


def row_text(row: Mapping[str, Any], number: Callable[[float, int, str], str] | None = None) -> str:
    """A descriptive table row as printed: ``median (Q1–Q3)`` at the row's decimals, or
    ``N (%)``. ``number(value, decimals, field)`` prints each number (default :func:`fixed`)."""
    number = number or (lambda value, decimals, _field: fixed(value, decimals))
    if pd.notna(row["median"]):
        decimals = 1 if pd.isna(row.get("decimals")) else int(row["decimals"])
        q1, median, q3 = (number(row[f], decimals, f) for f in ("q1", "median", "q3"))
        return f"{median} ({q1}–{q3})"
    if pd.notna(row["n"]):
        return f"{row['n']} ({number(row['percent'], 1, 'percent')})"
    return ""


def styled(
    frame: pd.DataFrame,
    caption: str,
    formats: dict | None = None,
    *,
    max_rows: int | None = None,
) -> Styler:
    """A data frame as the book shows tables: captioned, no index, padded cells.

    With ``max_rows``, a longer frame shows its first ``max_rows`` rows and the
    caption says how many there are, so a table with a row per event time stays
    readable on a registry-sized cohort.
    """
    if max_rows is not None and len(frame) > max_rows:
        caption = f"{caption} (first {max_rows} of {len(frame)} rows)"
        frame = frame.head(max_rows)
    return (
        frame.style.hide(axis="index")
        .format(formats or {}, na_rep="–")
        .set_caption(caption)
        .set_table_styles([{"selector": "th, td", "props": "padding: 3px 10px;"}])
    )


def printed(value: float, decimals: int, bound: str | None = None) -> str:
    """A number as the paper prints it: ``46.9``, ``15``, ``< 0.0001``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:.{int(decimals)}f}"
    return f"{bound} {text}" if bound else text

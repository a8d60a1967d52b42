"""The prose's number texts: finite values as written, NaN as "not computable" or "none"."""

from __future__ import annotations

import math

import numpy as np

from nettx_utils.pages.prose import (
    cohort_mark,
    number_text,
    p_phrase,
    p_significant,
    p_text,
    record_all,
    share_text,
    value_text,
)

NAN = float("nan")


def test_p_text_follows_format_p_and_names_nan():
    assert p_text(0.0653) == "0.065"
    assert p_text(0.0004) == "< 0.001"
    assert p_text(0.0499) == "0.0499"  # never rounded across 0.05
    assert p_text(NAN) == "not computable"
    assert p_text(np.float64(0.5)) == "0.500"


def test_number_text_rounds_to_the_digits():
    assert number_text(2.345678) == "2.35"
    assert number_text(-1.96, 1) == "-2.0"
    assert number_text(NAN) == "not computable"
    assert number_text(math.inf) == "not computable"


def test_share_text_is_a_percentage():
    assert share_text(0.237) == "24%"
    assert share_text(0.05125, 1) == "5.1%"
    assert share_text(1.0) == "100%"
    assert share_text(NAN) == "not computable"


def test_value_text_is_the_shortest_form():
    assert value_text(24.0) == "24"
    assert value_text(2.5) == "2.5"
    assert value_text(NAN) == "none"


def test_record_all_passes_value_and_text():
    calls = []
    record_all(lambda *args: calls.append(args), {"a": (1, None), "b": (0.5, "50%")})
    assert calls == [("a", 1, None), ("b", 0.5, "50%")]


def test_p_phrase_never_writes_equals_before_a_bound():
    assert p_phrase(0.0163) == "p = 0.016"
    assert p_phrase(0.0004) == "p < 0.001" and p_phrase(0.00004, 4) == "p < 0.0001"
    assert p_phrase(0.9999) == "p > 0.999"
    assert p_phrase(NAN) == "p not computable"


def test_cohort_mark_names_whose_numbers():
    assert "synthetic cohort" in cohort_mark(True) and "not a finding" in cohort_mark(True)
    assert cohort_mark(False) == "your cohort"


def test_p_significant_keeps_two_figures_at_every_size():
    """The review's cases: 0.00362 and 0.00294 were printed "0.004" and "0.003"."""
    assert p_significant(0.00362) == "0.0036"
    assert p_significant(0.00294) == "0.0029"
    assert p_significant(0.00107) == "0.0011"
    assert p_significant(0.0625) == "0.063"  # halves up, as the tables
    assert p_significant(0.5) == "0.50"
    assert p_significant(0.00999) == "0.010"  # rounds into the next decade: still 2 figures
    assert p_significant(0.0499) == "0.0499"  # never rounded across 0.05
    assert p_significant(0.9999) == "> 0.99"
    assert p_significant(2.5e-12) == "2.5 × 10⁻¹²"
    assert p_significant(9.96e-7) == "1.0 × 10⁻⁶"
    assert p_significant(0.00362, 3) == "0.00362"
    assert p_significant(NAN) == "not computable"

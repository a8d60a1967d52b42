"""Quartile conventions and the Table 1 / Table 2 builders."""

import numpy as np
import pandas as pd
import pytest

from nettx_utils.tables import quartiles


def test_spss_quartiles_differ_from_numpys_default():
    # SPSS (HAVERAGE): position p(n + 1). For 1..10, Q1 at 2.75 -> 2.75, Q3 at 8.25 -> 8.25.
    # numpy's default (R type 7): position 1 + p(n - 1). Q1 at 3.25 -> 3.25, Q3 at 7.75 -> 7.75.
    values = list(range(1, 11))
    spss = quartiles(values)
    numpy_default = quartiles(values, method="linear")
    assert (spss.q1, spss.median, spss.q3) == (2.75, 5.5, 8.25)
    assert (numpy_default.q1, numpy_default.median, numpy_default.q3) == (3.25, 5.5, 7.75)


def test_spss_quartiles_interpolate_between_order_statistics():
    # n = 7, p = 0.25: position 2.0 -> the 2nd value exactly; p = 0.75: position 6.0 -> 6th value.
    values = [10, 20, 30, 40, 50, 60, 70]
    q = quartiles(values)
    assert (q.q1, q.median, q.q3) == (20, 40, 60)
    # n = 6, p = 0.25: position 1.75 -> 10 + 0.75 * (20 - 10) = 17.5
    q = quartiles([10, 20, 30, 40, 50, 60])
    assert q.q1 == pytest.approx(17.5)
    assert q.q3 == pytest.approx(52.5)


def test_quartiles_drop_missing_and_report_n():
    q = quartiles(pd.Series([1.0, np.nan, 3.0, 2.0]))
    assert q.n == 3
    assert q.median == 2.0
    assert quartiles([]).n == 0
    assert quartiles([1.0, 2.0, 3.0]).format(1) == "2.0 (1.0–3.0)"

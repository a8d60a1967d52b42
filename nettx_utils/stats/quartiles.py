"""Median and quartiles with a stated convention (SPSS's, by default).

numpy's ``"weibull"`` method is SPSS's HAVERAGE definition, p(n + 1); numpy's and R's
default ``"linear"`` is R's type 7.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nettx_utils.formatting import fixed

SPSS_QUANTILES = "weibull"


@dataclass(frozen=True)
class Quartiles:
    """Median and quartiles of the non-missing values."""

    q1: float
    median: float
    q3: float
    n: int

    def format(self, decimals: int = 1) -> str:
        """``median (Q1–Q3)`` at ``decimals``."""
        if self.n == 0:
            return "–"
        return f"{fixed(self.median, decimals)} ({fixed(self.q1, decimals)}–{fixed(self.q3, decimals)})"


def quartiles(values: Sequence[float] | pd.Series, method: str = SPSS_QUANTILES) -> Quartiles:
    """Median and quartiles with a stated convention.

    Parameters
    ----------
    values
        Numbers; missing values are dropped.
    method
        A numpy quantile method. ``"weibull"`` (default) is SPSS's
        HAVERAGE definition, p(n + 1); ``"linear"`` is numpy's and R's default.

    Examples
    --------
    >>> quartiles([1, 2, 3, 4]).q1, quartiles([1, 2, 3, 4], method="linear").q1
    (1.25, 1.75)
    """
    x = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").dropna().to_numpy()
    if x.size == 0:
        return Quartiles(np.nan, np.nan, np.nan, 0)
    q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75], method=method)
    return Quartiles(float(q1), float(median), float(q3), int(x.size))

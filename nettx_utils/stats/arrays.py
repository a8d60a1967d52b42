"""Turning user input into the float arrays the statistical functions work on."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nettx_utils.errors import NettxError


def as_float_array(values: Any, name: str) -> np.ndarray:
    """A one-dimensional float array of ``values`` (missing values become NaN).

    Raises
    ------
    NettxError
        When ``values`` is not one-dimensional or not numeric, naming ``name``.
    """
    arr = np.asarray(values)
    if arr.ndim > 1:
        raise NettxError(f"{name} must be one-dimensional, got shape {arr.shape}")
    try:
        return pd.to_numeric(pd.Series(arr.reshape(-1))).to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise NettxError(f"{name} must be numeric: {exc}") from None

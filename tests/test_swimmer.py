"""Tests for nettx_utils.figures.followup: the follow-up figure and its ticks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from nettx_utils.errors import NettxError
from nettx_utils.figures.followup import follow_up_figure


def test_per_patient_lines_and_book_ticks():
    months = [3.0, 197.9, 60.5, 12.0]
    fig = follow_up_figure(months, [1, 0, 0, 1], marker=60)
    ax = fig.axes[0]
    assert fig.per_patient
    assert list(ax.get_xticks()) == [24.0 * k for k in range(9)]  # every 24 months, to 192
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Died",
        "Censored (alive at last contact)",
    ]
    assert len(ax.collections) == len(months)  # one line per patient


def test_aggregated_above_the_limit():
    rng = np.random.default_rng(1)
    months = rng.uniform(0, 150, 50)
    fig = follow_up_figure(months, rng.integers(0, 2, 50), max_lines=10)
    ax = fig.axes[0]
    assert not fig.per_patient
    assert "not drawn above 10 patients" in ax.get_title(loc="left")
    assert np.diff(ax.get_xticks()).tolist() == [24.0] * (len(ax.get_xticks()) - 1)


def test_bad_input():
    with pytest.raises(NettxError, match="died must be 0 or 1"):
        follow_up_figure([1, 2], [1, 2])
    with pytest.raises(NettxError, match="2 times and 1 statuses"):
        follow_up_figure([1, 2], [1])

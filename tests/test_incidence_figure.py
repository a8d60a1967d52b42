"""Chapter 4's competing-risks figure: one minus Kaplan-Meier beside Aalen-Johansen."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import AalenJohansenFitter, KaplanMeierFitter

from nettx_utils.figures.incidence import cumulative_incidence_figure

# UP (1), death without UP (2) or censored (0); distinct times, so lifelines needs no jitter.
T = np.array([3.0, 5, 8, 11, 14, 20, 26, 31, 40, 52, 61, 75])
C = np.array([1, 2, 1, 0, 2, 1, 1, 0, 2, 1, 0, 0])


def test_curves_are_lifelines_estimates():
    fig = cumulative_incidence_figure(T, C)
    curves = fig.incidence_curves.set_index("time")
    km = KaplanMeierFitter().fit(T, C == 1)
    aj = AalenJohansenFitter(calculate_variance=False).fit(T, C, event_of_interest=1)
    for t in T:
        assert curves.loc[t, "one_minus_km"] == pytest.approx(1 - km.predict(t))
        expected = aj.cumulative_density_.iloc[:, 0].loc[:t].iloc[-1]
        assert curves.loc[t, "aalen_johansen"] == pytest.approx(expected)


def test_one_minus_km_is_never_below_aalen_johansen_and_they_part_after_a_death():
    curves = cumulative_incidence_figure(T, C).incidence_curves
    assert (curves["one_minus_km"] >= curves["aalen_johansen"] - 1e-12).all()
    # equal up to the first UP after the first death without UP (t = 8), larger from there
    before = curves["time"] < 8
    assert np.allclose(curves.loc[before, "one_minus_km"], curves.loc[before, "aalen_johansen"])
    at = curves["time"] == 8
    assert float(curves.loc[at, "one_minus_km"].iloc[0]) > float(
        curves.loc[at, "aalen_johansen"].iloc[0]
    )
    # with no competing event the two estimates are one
    alone = cumulative_incidence_figure(T, np.where(C == 2, 0, C)).incidence_curves
    assert np.allclose(alone["one_minus_km"], alone["aalen_johansen"])


def test_figure_follows_the_book_rules():
    fig = cumulative_incidence_figure(T, C, landmarks=[60])
    ax = fig.axes[0]
    ticks = ax.get_xticks()
    assert np.allclose(np.diff(ticks), 24)  # the book's 24-month ticks
    assert ax.get_xlim()[1] <= 1.05 * max(T.max(), ticks[-1])  # ends near the last time
    fig.draw_without_rendering()
    legend = fig.legends[0].get_window_extent()
    assert legend.y0 >= ax.get_window_extent().y1 - 1  # the legend stands above the curves


def test_landmark_line_is_named_in_the_legend_and_the_caption_sentence():
    from nettx_utils.figures.km import landmark_sentence

    fig = cumulative_incidence_figure(T, C, landmarks=[6])
    names = [t.get_text() for t in fig.legends[0].get_texts()]
    assert names[-1] == "Landmark (6 months)"
    assert len(names) == 3  # two curves and one landmark entry
    assert (
        landmark_sentence([6])
        == " The dotted line marks 6 months, the landmark quoted in the text."
    )
    no_landmark = cumulative_incidence_figure(T, C)
    assert len(no_landmark.legends[0].get_texts()) == 2

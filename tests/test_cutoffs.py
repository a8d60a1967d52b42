"""The vectorised log-rank scan against lifelines, and the maximally selected statistic."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import logrank_test as lifelines_logrank

from nettx_utils.data import derived
from nettx_utils.data.cohort import load_cohort
from nettx_utils.errors import NettxError
from nettx_utils.stats import cutoffs
from nettx_utils.stats.survival import logrank_test


@pytest.fixture(scope="module")
def cohort_data():
    cohort = load_cohort()
    return (
        cohort["months_recurrence_to_last_followup"].to_numpy(float),
        derived.event_flags(cohort["died"]).to_numpy(),
        cohort["months_lt_to_recurrence"].to_numpy(float),
    )


def lifelines_chi2(durations, events, marker, cutoff):
    low = marker <= cutoff
    return lifelines_logrank(
        durations[low], durations[~low], events[low], events[~low]
    ).test_statistic


def tied_data():
    """Durations, deaths and marker with many ties (and a tie of death and censoring)."""
    rng = np.random.default_rng(3)
    durations = np.round(rng.exponential(30, 60) / 6) * 6 + 6  # whole half-years
    events = rng.integers(0, 2, 60)
    marker = rng.integers(0, 6, 60).astype(float)
    return durations, events, marker


def test_every_cutoff_of_the_cohort_equals_lifelines(cohort_data):
    durations, events, marker = cohort_data
    grid = np.r_[cutoffs.default_cutoffs(marker), np.arange(1, 61)]
    z = cutoffs.logrank_z(durations, events, marker, grid)
    both = np.array([0 < (marker <= c).sum() < marker.size for c in grid])
    assert both.any() and not both.all()  # the grid starts below every recurrence time
    expected = [lifelines_chi2(durations, events, marker, c) for c in grid[both]]
    np.testing.assert_allclose(z[both] ** 2, expected, rtol=1e-10, atol=1e-12)
    assert np.isnan(z[~both]).all()  # one group empty: no test (lifelines would say 0)


def test_the_scan_equals_the_books_logrank_test(cohort_data):
    durations, events, marker = cohort_data
    grid = [24, *np.quantile(marker, [0.25, 0.5, 0.75])]  # both groups non-empty on any cohort
    scan = cutoffs.scan_cutoffs(durations, events, marker, grid)
    for row in scan.itertuples():
        groups = derived.split_at(pd.Series(marker), row.cutoff, ("early", "late"))
        result = logrank_test(durations, events, groups)
        assert row.chi2 == pytest.approx(result.test_statistic, rel=1e-10)
        assert row.p_value == pytest.approx(result.p_value, rel=1e-8)
        assert (row.n_low, row.deaths_low) == tuple(result.summary.loc[0, ["n", "observed"]])


def test_sign_of_z_is_more_deaths_than_expected_in_the_low_group(cohort_data):
    durations, events, marker = cohort_data
    scan = cutoffs.scan_cutoffs(durations, events, marker, [24])
    groups = derived.split_at(pd.Series(marker), 24, ("early", "late"))
    summary = logrank_test(durations, events, groups).summary
    excess = summary.loc[0, "observed"] - summary.loc[0, "expected"]
    assert np.sign(scan.loc[0, "z"]) == np.sign(excess)


def test_ties_in_durations_and_marker_equal_lifelines():
    durations, events, marker = tied_data()
    assert pd.Series(durations[events == 1]).duplicated().any()
    grid = cutoffs.default_cutoffs(marker)
    z = cutoffs.logrank_z(durations, events, marker, grid)
    expected = [lifelines_chi2(durations, events, marker, c) for c in grid]
    np.testing.assert_allclose(z**2, expected, rtol=1e-10)


def test_admissible_cutoffs_respect_the_minimum_group(cohort_data):
    durations, events, marker = cohort_data
    scan = cutoffs.scan_cutoffs(durations, events, marker, np.arange(6, 61))
    assert scan.attrs["min_group"] == 4  # 10% of 32, rounded up
    small = np.minimum(scan["n_low"], scan["n_high"])
    assert (scan["admissible"] == (small >= 4)).all()
    assert not scan["admissible"].all()
    custom = cutoffs.scan_cutoffs(durations, events, marker, np.arange(6, 61), min_group=8)
    assert (custom["admissible"] == (small >= 8)).all()


def test_missing_marker_values_are_left_out():
    durations, events, marker = tied_data()
    with_missing = marker.copy()
    with_missing[:5] = np.nan
    scan = cutoffs.scan_cutoffs(durations, events, with_missing, [2])
    assert scan.attrs["n_missing"] == 5
    expected = lifelines_chi2(durations[5:], events[5:], marker[5:], 2)
    assert scan.loc[0, "chi2"] == pytest.approx(expected, rel=1e-10)


def test_permutation_p_is_at_least_the_smallest_raw_p_and_reproducible(cohort_data):
    durations, events, marker = cohort_data
    grid = np.arange(12, 61)
    first = cutoffs.maximally_selected_logrank(durations, events, marker, grid, seed=11)
    again = cutoffs.maximally_selected_logrank(durations, events, marker, grid, seed=11)
    other = cutoffs.maximally_selected_logrank(durations, events, marker, grid, seed=12)
    scan = first.table[first.table["admissible"]]
    assert first.smallest_raw_p == pytest.approx(scan["p_value"].min())
    assert first.statistic == pytest.approx(scan["chi2"].max())
    assert first.p_value >= first.smallest_raw_p
    assert first.p_value == again.p_value
    np.testing.assert_array_equal(first.null_max, again.null_max)
    assert first.p_value != other.p_value  # another seed, other permutations
    assert abs(first.p_value - other.p_value) < 0.02  # ... but the same answer
    assert first.null_max.size == 10_000
    assert first.critical_value > 3.841  # the search raises the bar above chi2(1)'s 95%


def test_permutations_equal_a_loop_over_lifelines(cohort_data):
    """The batched permutation maxima equal lifelines applied to each permuted marker."""
    durations, events, marker = cohort_data
    grid = np.array([12, 20, 24, 36, 48, 60])
    result = cutoffs.maximally_selected_logrank(
        durations, events, marker, grid, n_permutations=25, seed=5
    )
    perms = np.random.default_rng(5).random((25, marker.size)).argsort(axis=1)
    smallest = math.ceil(0.1 * marker.size)  # the default admissible group size
    for perm, observed in zip(perms, result.null_max, strict=True):
        permuted = marker[perm]
        admissible = [
            c for c in grid if smallest <= (permuted <= c).sum() <= marker.size - smallest
        ]
        expected = max(lifelines_chi2(durations, events, permuted, c) for c in admissible)
        assert observed == pytest.approx(expected, rel=1e-9)


def test_no_admissible_cutoff_or_no_death_gives_nan_with_a_note(cohort_data):
    durations, events, marker = cohort_data
    none = cutoffs.maximally_selected_logrank(durations, events, marker, [1.0, 2.0])
    assert np.isnan(none.p_value) and "no cut-off" in none.note
    alive = cutoffs.maximally_selected_logrank(durations, np.zeros_like(events), marker)
    assert np.isnan(alive.statistic) and "no death" in alive.note


def test_bad_input_raises_nettx_error():
    with pytest.raises(NettxError, match="values"):
        cutoffs.logrank_z([1, 2, 3], [1, 0, 1], [1, 2], [1])
    with pytest.raises(NettxError, match="events"):
        cutoffs.logrank_z([1, 2, 3], [1, 2, 1], [1, 2, 3], [1])
    with pytest.raises(NettxError, match="n_permutations"):
        cutoffs.maximally_selected_logrank([1, 2, 3], [1, 0, 1], [1, 2, 3], n_permutations=0)


def test_lausen_schumacher_approximation_decreases_with_the_statistic():
    ps = [cutoffs.lausen_schumacher_p(s) for s in (4, 6, 9, 12, 16)]
    assert all(a > b for a, b in itertools.pairwise(ps))
    assert cutoffs.lausen_schumacher_p(0.5) == 1.0

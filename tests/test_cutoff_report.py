"""Chapter 11's summaries of a cut-off sweep, checked on hand-made scans and by recomputation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from nettx_utils import formatting, project
from nettx_utils.data import derived
from nettx_utils.data.cohort import load_cohort
from nettx_utils.formatting import format_p
from nettx_utils.pages.prose import p_significant
from nettx_utils.stats import cutoffs
from nettx_utils.stats.cutoffs import MaxSelectedResult
from nettx_utils.stats.survival import logrank_test
from nettx_utils.teaching import (
    cutoff_fixed,
    cutoff_gap,
    cutoff_mib1,
    cutoff_search,
    cutoff_sweep,
)

NAN = float("nan")


def survival_data():
    cohort = load_cohort()
    return (
        cohort["months_recurrence_to_last_followup"].to_numpy(float),
        derived.event_flags(cohort["died"]).to_numpy(),
        cohort,
    )


@pytest.fixture(scope="module")
def survival():
    return survival_data()


def scan_of(rows, min_group=3):
    columns = ["cutoff", "n_low", "n_high", "deaths_low", "deaths_high", "z", "chi2", "p_value"]
    frame = pd.DataFrame(rows, columns=[*columns, "admissible"])
    frame.attrs["min_group"] = min_group
    return frame


HAND_SCAN = scan_of(
    [
        (12, 2, 30, 1, 9, 0.5, 0.25, 0.60, False),  # too small a group
        (13, 4, 28, 3, 7, 2.1, 4.41, 0.03, True),
        (14, 4, 28, 3, 7, 2.1, 4.41, 0.03, True),  # same split as 13
        (15, 6, 26, 3, 7, 1.0, 1.00, 0.30, True),
        (16, 7, 25, 4, 6, NAN, NAN, NAN, True),  # undefined test
    ]
)


def test_sweep_grid_includes_both_ends():
    assert cutoff_sweep.sweep_grid(12, 60, 1).tolist() == list(range(12, 61))
    assert cutoff_sweep.sweep_grid(1, 2, 0.5).tolist() == [1.0, 1.5, 2.0]


def test_parameter_items_name_the_paper_only_when_unchanged():
    kwargs = {"alpha": 0.05, "early_recurrence_months": 36, "mib1_threshold_pct": 5}
    same = cutoff_sweep.parameter_items(set(), published_cut=24, **kwargs)
    assert same["cut_name"] == (False, "the paper's cut-off")
    assert same["mib1_name"] == (False, "the paper's threshold")
    assert same["alpha_pct"] == (0.05, "5%")
    assert same["paper_cut"] == (36, "36") and same["published_cut"] == (24, "24")
    changed = cutoff_sweep.parameter_items(
        {"early_recurrence_months", "mib1_threshold_pct"}, published_cut=24, **kwargs
    )
    assert changed["cut_name"] == (True, "the cut-off set in this run's parameters")
    assert changed["mib1_name"] == (True, "the threshold set in this run's parameters")


def test_best_split_is_the_first_smallest_admissible_p():
    assert cutoff_sweep.best_split(HAND_SCAN)["cutoff"] == 13
    assert cutoff_sweep.best_split(HAND_SCAN.assign(admissible=False)) is None


def test_sweep_items_count_by_hand():
    items = cutoff_sweep.sweep_items(
        HAND_SCAN, alpha=0.05, min_fraction=0.1, sweep_from=12, sweep_to=16
    )
    assert items["n_grid"][0] == 5
    assert items["n_admissible"][0] == 3  # 13, 14, 15 (16 has no p)
    assert items["n_splits"][0] == 2  # n_low 4 and 6
    assert items["n_below_alpha"][0] == 2
    assert items["min_p"] == (0.03, "0.030")
    assert items["min_p_cut"] == (13, "13")
    assert items["best_range"] == ([13, 14], "13 to 14")
    assert items["min_group"][0] == 3 and items["min_fraction_text"][1] == "10%"
    assert items["sweep_from"] == (12, "12")
    empty = cutoff_sweep.sweep_items(
        HAND_SCAN.assign(admissible=False), alpha=0.05, min_fraction=0.1, sweep_from=1, sweep_to=2
    )
    assert empty["min_p"][1] == "not computable" and empty["best_range"] == ([], "none")


def test_cut_test_items_read_the_row():
    items = cutoff_sweep.cut_test_items(HAND_SCAN.iloc[1])
    assert items["paper_n_low"][0] == 4 and items["paper_deaths_high"][0] == 7
    assert items["paper_z"] == (2.1, "2.10") and items["paper_p"][1] == "0.030"


def test_max_selected_is_none_without_a_marker_and_the_test_otherwise(survival):
    months, died, cohort = survival
    timing = cohort["months_lt_to_recurrence"].to_numpy(float)
    kwargs = {"min_fraction": 0.1, "n_permutations": 200, "seed": 3}
    nothing = np.full(months.size, NAN)
    assert cutoff_search.max_selected(months, died, nothing, [1, 2], **kwargs) is None
    got = cutoff_search.max_selected(months, died, timing, np.arange(12, 61), **kwargs)
    direct = cutoffs.maximally_selected_logrank(months, died, timing, np.arange(12, 61), **kwargs)
    assert got.statistic == direct.statistic and got.p_value == direct.p_value


def fake_result(statistic, null_max):
    return MaxSelectedResult(
        statistic=statistic, cutoff=24.0, p_value=float((np.asarray(null_max) >= statistic).mean()),
        smallest_raw_p=chi2.sf(statistic, 1), n_cutoffs=10, n_groupings=8, min_group=4,
        n_permutations=len(null_max), seed=1, table=HAND_SCAN, null_max=np.asarray(null_max),
    )  # fmt: skip


def test_search_correction_by_hand():
    null_max = np.arange(1.0, 21.0)  # 1, 2, ..., 20
    correction = cutoff_search.search_correction(
        fake_result(9.0, null_max), alpha=0.05, min_fraction=0.1
    )
    assert correction.threshold == pytest.approx(3.841459, abs=1e-6)
    assert correction.fwer == 17 / 20  # 4, 5, ..., 20 pass 3.84
    assert correction.critical == pytest.approx(np.quantile(null_max, 0.95))  # 19.05
    assert correction.perm_p == 12 / 20  # 9, ..., 20
    # the range the admissible splits span (4 and 6 of 32 patients low), not 10-90%
    assert (correction.lower, correction.upper) == (4 / 32, 6 / 32)
    assert correction.approx == cutoffs.lausen_schumacher_p(9.0, lower=4 / 32, upper=6 / 32)
    assert correction.approx < cutoffs.lausen_schumacher_p(9.0, lower=0.1, upper=0.9)
    assert correction.computable
    none = cutoff_search.search_correction(None, alpha=0.05, min_fraction=0.1)
    assert not none.computable and math.isnan(none.perm_p) and math.isnan(none.critical)


def test_correction_items_texts():
    result = fake_result(9.0, np.arange(1.0, 21.0))
    correction = cutoff_search.search_correction(result, alpha=0.05, min_fraction=0.1)
    items = cutoff_search.correction_items(result, correction, 10_000)
    assert items["n_permutations"][1] == "10,000"
    assert items["max_chi2"] == (9.0, "9.00")
    assert items["fwer"][1] == "85%"
    assert items["chi2_threshold"][1] == "3.84"
    assert items["critical_p"][0] == pytest.approx(chi2.sf(correction.critical, 1))
    empty = cutoff_search.correction_items(
        None, cutoff_search.search_correction(None, alpha=0.05, min_fraction=0.1), 10
    )
    assert {empty[k][1] for k in ("max_chi2", "perm_p", "fwer", "critical_p")} == {"not computable"}


def test_mib1_summary_and_items_recompute(survival):
    months, died, cohort = survival
    mib1 = cohort["mib1_recurrence_pct"].to_numpy(float)
    kwargs = {"min_fraction": 0.1, "n_permutations": 200, "seed": 5}
    result, scan, summary = cutoff_mib1.mib1_summary(months, died, mib1, **kwargs)
    direct = cutoffs.maximally_selected_logrank(
        months, died, mib1, cutoffs.default_cutoffs(mib1), **kwargs
    )
    assert result.p_value == direct.p_value and scan.equals(direct.table)
    assert summary.startswith(f"{int(np.isfinite(mib1).sum())} patients measured")
    threshold = float(scan["cutoff"].iloc[len(scan) // 2])
    items = cutoff_mib1.mib1_items(months, died, mib1, result, scan, threshold)
    measured = np.isfinite(mib1)
    by_hand = logrank_test(months[measured], died[measured], mib1[measured] <= threshold).p_value
    assert items["mib1_paper_p"][0] == pytest.approx(by_hand, rel=1e-9)
    assert items["mib1_min_cut"] == (result.cutoff, f"{result.cutoff:g}")
    # A threshold between the observed values is not in the scan: a test of its own.
    between = float(np.mean(scan["cutoff"].iloc[:2]))
    off_grid = cutoff_mib1.mib1_items(months, died, mib1, result, scan, between)
    by_hand = logrank_test(months[measured], died[measured], mib1[measured] <= between).p_value
    assert off_grid["mib1_paper_p"][0] == pytest.approx(by_hand, rel=1e-9)


def test_mib1_never_measured_reads_as_such(survival):
    months, died, _ = survival
    nothing = np.full(months.size, NAN)
    result, scan, summary = cutoff_mib1.mib1_summary(
        months, died, nothing, min_fraction=0.1, n_permutations=10, seed=1
    )
    assert result is None and scan.empty and "not measured" in summary
    items = cutoff_mib1.mib1_items(months, died, nothing, None, scan, 2)
    assert items["n_mib1"][0] == 0 and items["mib1_n_thresholds"][0] == 0
    assert items["mib1_paper_p"][1] == "not computable" and items["mib1_min_cut"][1] == "none"


@pytest.mark.parametrize(
    ("perm_p", "expected"),
    [(NAN, "cannot be computed"), (0.01, "survives the correction"), (0.2, "does not survive")],
)
def test_verdict_branches(perm_p, expected):
    at_cut = HAND_SCAN.iloc[3]
    items = cutoff_sweep.verdict_items(
        perm_p, cutoff_sweep.best_split(HAND_SCAN), at_cut,
        alpha=0.05, sweep_from=12, sweep_to=60, cut=15,
    )  # fmt: skip
    assert expected in items["verdict"][1]
    assert items["verdict"][0] == (perm_p == 0.01)
    assert items["same_split"][0] is False  # the best split has 4 low, the cut-off 6
    if perm_p == 0.2:
        assert "p = 0.300 at 15 months" in items["verdict"][1]
    same = cutoff_sweep.verdict_items(
        perm_p, HAND_SCAN.iloc[2], HAND_SCAN.iloc[1],
        alpha=0.05, sweep_from=12, sweep_to=60, cut=13,
    )  # fmt: skip
    assert same["same_split"][0] is True and "falls on the best split" in same["same_split"][1]


# --- The permutation test at a fixed cut-off, the two sources of the gap, Bonferroni ---


def _timing(cohort):
    return cohort["months_lt_to_recurrence"].to_numpy(float)


def test_fixed_cut_permutation_p_agrees_with_full_enumeration():
    """With 8 patients every split of 3 low / 5 high can be listed: the exact permutation
    p is the share of the 56 splits whose chi-square reaches the observed one."""
    from itertools import combinations

    months = np.array([2.0, 3, 5, 7, 8, 11, 13, 17])
    died = np.array([1, 1, 0, 1, 1, 0, 1, 0])
    marker = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    observed = cutoffs.logrank_z(months, died, marker, [3])[0] ** 2
    chi2s = []
    for low in combinations(range(8), 3):
        indicator = np.ones(8)
        indicator[list(low)] = 0  # the low group is "marker <= 0.5"
        chi2s.append(cutoffs.logrank_z(months, died, indicator, [0.5])[0] ** 2)
    exact = np.mean(np.array(chi2s) >= observed * (1 - 1e-9))
    fixed = cutoff_fixed.fixed_cut_test(months, died, marker, 3, n_permutations=20_000, seed=3)
    low, high = fixed.monte_carlo_interval(level=0.999)
    assert low <= exact <= high
    assert fixed.p_value == (1 + fixed.n_reaching) / (1 + 20_000)
    # the asymptotic p of such a small study is far from the exact one
    assert abs(fixed.smallest_raw_p - exact) > 0.01


def test_permutation_p_at_the_paper_cut_off_is_above_the_asymptotic_p(survival):
    """Chapter 11's claim on the synthetic cohort: at 24 months (7 patients in the early
    group) the chi-square approximation makes p too small."""
    months, died, cohort = survival
    row = cutoffs.scan_cutoffs(months, died, _timing(cohort), [24]).iloc[0]
    fixed = cutoff_fixed.fixed_cut_test(
        months, died, _timing(cohort), 24, n_permutations=20_000, seed=11
    )
    assert fixed.monte_carlo_interval()[0] > row["p_value"]
    items = cutoff_fixed.fixed_cut_items(fixed, row, what="recurrence times")
    assert items["paper_perm_sentence"][0] == "below"
    assert "lies below that interval" in items["paper_perm_sentence"][1]
    assert (
        "The asymptotic p (p = 0.0011)"  # 2 significant figures, as the permutation p
        in items["paper_perm_sentence"][1]
    )
    assert "7 patients in the smaller group" in items["paper_perm_sentence"][1]
    # a hedge, not a verdict: and with unequal follow-up, that second reason is named
    assert "consistent with the chi-square approximation" in items["paper_perm_sentence"][1]
    assert "unequal follow-up" not in items["paper_perm_sentence"][1]
    followup = cutoff_fixed.followup_by_side(months, died, _timing(cohort), 24)
    assert followup.differ
    hedged = cutoff_fixed.fixed_cut_items(fixed, row, what="recurrence times", followup=followup)[
        "paper_perm_sentence"
    ][1]
    assert "unequal follow-up, which the permutation test assumes away" in hedged
    assert followup.text() in hedged
    summary = cutoff_fixed.fixed_cut_items(fixed, row, what="x", mark="MARK")
    assert summary["paper_perm_summary"][1] == (
        f"checks it (here {p_significant(fixed.p_value)} by permutation against 0.0011; MARK)"
    )


def test_followup_by_side_is_the_reverse_kaplan_meier_median_of_each_group():
    """Checked against lifelines: a Kaplan-Meier fit with the event flag flipped, on each
    side of the cut-off; a patient without the marker is in neither group."""
    from lifelines import KaplanMeierFitter

    months = np.array([3, 5, 8, 9, 12, 14, 20, 25, 30, 41, 50, 60.0])
    died = np.array([1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0])
    marker = np.array([1, 2, 3, 4, 5, 6, 30, 31, 32, 33, 34, np.nan])
    got = cutoff_fixed.followup_by_side(months, died, marker, 24)
    for side, value in ((marker <= 24, got.low), (marker > 24, got.high)):
        kmf = KaplanMeierFitter().fit(months[side], 1 - died[side])
        assert value == kmf.median_survival_time_
    assert got.low != got.high
    same = cutoff_fixed.Followup(47.2, 46.9)
    assert not same.differ  # both print 47 months
    assert cutoff_fixed.Followup(47.0, math.inf).text() == (
        "47 months in the early group and not reached in the late one"
    )


def test_fixed_cut_items_with_no_shuffle_reaching_cannot_check_the_approximation():
    """The reviewer's centre build: 0 of 100,000 shuffles reach a chi-square whose
    asymptotic p is near 1e-40; "the permutations find no fault" was false, since 0 hits
    cannot check so small a p. The sentence names the floor 1/100,001."""
    b = 100_000
    never = MaxSelectedResult(180.0, 24.0, 1 / (b + 1), 1e-40, 1, 1, 1, b, 1,
                              pd.DataFrame(), np.zeros(b))  # fmt: skip
    row = pd.Series({"p_value": 1e-40, "n_low": 90, "n_high": 210})
    items = cutoff_fixed.fixed_cut_items(never, row, what="recurrence times")
    sentence = items["paper_perm_sentence"][1]
    assert items["paper_perm_sentence"][0] == "none"
    assert "no shuffle reached" in sentence and "1/100,001" in sentence
    assert "too few to check the chi-square approximation" in sentence
    assert "find no fault" not in sentence
    assert items["paper_perm_ci"][1] == "0 to 3.7 × 10⁻⁵"
    # the summary does not claim a check it cannot make ("< 0.001 against < 0.001")
    summary = cutoff_fixed.fixed_cut_items(never, row, what="x", mark="MARK")
    assert summary["paper_perm_summary"][1] == (
        "checks it only when some shuffles reach the observed chi-square (here none of "
        "the 100,000 did: too few to check it; MARK)"
    )


def test_fixed_cut_items_when_the_test_cannot_be_computed():
    row = HAND_SCAN.iloc[0]
    items = cutoff_fixed.fixed_cut_items(None, row, what="recurrence times")
    assert items["paper_perm_p"][1] == "not computable"
    assert "cannot be computed" in items["paper_perm_sentence"][1]


@pytest.fixture(scope="module")
def search(survival):
    months, died, cohort = survival
    timing = _timing(cohort)
    kwargs = {"n_permutations": 4000, "seed": 20210101}
    result = cutoff_search.max_selected(
        months, died, timing, cutoff_sweep.sweep_grid(12, 60, 1), min_fraction=0.1, **kwargs
    )
    fixed_best = cutoff_fixed.fixed_cut_test(
        months, died, timing, result.cutoff, n_permutations=50_000, seed=7
    )
    bonf = cutoff_gap.bonferroni(months, died, timing, result, **kwargs)
    return result, fixed_best, bonf


def test_gap_on_the_synthetic_cohort(search):
    """The ordering chapter 11 states: naive p < permutation p at the best cut-off taken
    as fixed < permutation p of the search; Bonferroni with chi-square terms below the
    search's p, with permutation terms above it."""
    result, fixed_best, bonf = search
    assert result.smallest_raw_p < fixed_best.monte_carlo_interval()[0]
    assert fixed_best.monte_carlo_interval()[1] < result.monte_carlo_interval()[0]
    assert bonf.n_splits == result.n_groupings == 5
    assert bonf.asymptotic == pytest.approx(5 * result.smallest_raw_p)
    assert bonf.asymptotic < result.p_value <= bonf.permutation
    items = cutoff_gap.gap_items(result, fixed_best, bonf)
    assert items["gap_sentence"][0] == "below"
    assert "consistent with the chi-square approximation" in items["gap_sentence"][1]
    assert "not the search" in items["gap_sentence"][1]
    # at the best cut-off the groups' follow-up differs: the hedge names it
    months, died, cohort = survival_data()
    followup = cutoff_fixed.followup_by_side(months, died, _timing(cohort), result.cutoff)
    hedged = cutoff_gap.gap_items(result, fixed_best, bonf, followup)["gap_sentence"][1]
    assert followup.differ == ("unequal follow-up" in hedged)
    assert items["factor_approx"][0] * items["factor_search"][0] == pytest.approx(
        result.p_value / result.smallest_raw_p
    )
    assert items["bonferroni_sentence"][0] is True
    assert "below the permutation p of the search" in items["bonferroni_sentence"][1]
    table = cutoff_gap.gap_table(result, fixed_best, bonf)
    assert table["× the asymptotic p"].iloc[0] == 1
    assert table["× the asymptotic p"].iloc[3] == pytest.approx(5)


def test_corrected_p_of_the_paper_cut_off_from_the_same_null_maxima(search):
    """Had 24 months been found by the search, its corrected p is the share of null
    maxima reaching ITS chi-square, not the best split's M: never smaller."""
    result = search[0]
    row = result.table[result.table["cutoff"] == 24].iloc[0]
    items = cutoff_search.chosen_cut_items(result, row, cut=24)
    by_hand = (1 + int((result.null_max >= row["chi2"] * (1 - 1e-9)).sum())) / (
        1 + len(result.null_max)
    )
    assert items["cut_search_p"][0] == pytest.approx(by_hand)
    assert row["chi2"] < result.statistic
    assert items["cut_search_p"][0] >= result.p_value
    assert cutoff_search.search_p_at(result, result.statistic) == result.p_value
    assert f"at {result.cutoff:g} months" in items["chosen_reading"][1]


def test_mib1_use_says_what_the_paper_did_and_whether_the_split_moves():
    empty = pd.DataFrame(columns=["cutoff", "p_value"])
    args = ([1, 2, 3, 4], [1, 0, 1, 1], [1.0, 9.0, 2.0, np.nan], None, empty)
    paper = cutoff_mib1.mib1_items(*args, 2, 2)["mib1_use"][1]
    # the paper never says how Mib-1 was coded for its univariable tests, and its strata
    # compare surgery with locoregional or systemic treatment, not with "no surgery"
    assert "Table 2 lists Mib-1 at recurrence in three categories" in paper
    assert "not how Mib-1 was coded" in paper
    assert "surgery with locoregional or systemic treatment" in paper
    assert "no surgery" not in paper and "tested Mib-1" not in paper
    assert "This run" not in paper
    same = cutoff_mib1.mib1_items(*args, 5, 2)["mib1_use"][1]
    assert "exactly as 2% does" in same
    other = cutoff_mib1.mib1_items(*args, 1.5, 2)["mib1_use"][1]
    assert "differently from 2%" in other


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bonferroni_on_permutation_terms_never_below_the_search_p(seed):
    """Every permutation whose maximum reaches M has a split that reaches M, so on the
    same permutations the sum of the splits' chances bounds the search's p from above."""
    rng = np.random.default_rng(seed)
    months = rng.exponential(40, 30)
    died = rng.integers(0, 2, 30)
    marker = rng.normal(size=30) + 0.8 * (months < 20)
    kwargs = {"n_permutations": 500, "seed": seed}
    result = cutoff_search.max_selected(
        months, died, marker, np.quantile(marker, np.linspace(0.1, 0.9, 15)),
        min_fraction=0.1, **kwargs,
    )  # fmt: skip
    bonf = cutoff_gap.bonferroni(months, died, marker, result, **kwargs)
    assert result.p_value <= bonf.permutation <= 1
    assert bonf.n_splits == result.n_groupings


def test_gap_and_bonferroni_without_a_search():
    bonf = cutoff_gap.bonferroni([1, 2], [1, 1], [1, 2], None, n_permutations=10, seed=1)
    assert bonf.n_splits == 0 and math.isnan(bonf.permutation)
    items = cutoff_gap.gap_items(None, None, bonf)
    assert items["factor_search"][1] == "not computable"
    assert cutoff_gap.gap_table(None, None, bonf).empty
    summary = cutoff_search.result_summary(None, "months")
    assert summary["value"].iloc[0].startswith("not computable")


def test_result_summary_reads_the_result(search):
    result, _, _ = search
    summary = cutoff_search.result_summary(result, "months").set_index("")["value"]
    assert summary["at the cut-off"] == f"{result.cutoff:g} months"
    assert summary["permutations whose maximum reached M"] == f"{result.n_reaching:,}"
    assert (1 + result.n_reaching) / (1 + result.n_permutations) == result.p_value
    assert "np." not in " ".join(summary)


def test_real_data_note_names_whose_patients():
    assert "properties of the synthetic cohort" in cutoff_sweep.real_data_note(True)
    assert "your cohort" in cutoff_sweep.real_data_note(False)


def test_gap_items_when_no_shuffle_reaches_the_maximum():
    """A strong split on many patients: the permutation p-values sit at their floor, and
    the chapter must not turn the floor into a factor or blame the chi-square tails."""
    rng = np.random.default_rng(5)
    marker = rng.uniform(0, 100, 200)
    months = rng.exponential(np.where(marker <= 50, 10, 80))
    died = np.ones(200)
    kwargs = {"n_permutations": 200, "seed": 1}
    result = cutoff_search.max_selected(
        months, died, marker, np.arange(20, 81, 5), min_fraction=0.1, **kwargs
    )
    fixed_best = cutoff_fixed.fixed_cut_test(months, died, marker, result.cutoff, **kwargs)
    assert result.n_reaching == 0 and fixed_best.n_reaching == 0
    bonf = cutoff_gap.bonferroni(months, died, marker, result, **kwargs)
    items = cutoff_gap.gap_items(result, fixed_best, bonf)
    assert "cannot be split" in items["gap_sentence"][1]
    assert items["factor_search"][1] == "not computable"
    assert "too thin" not in items["bonferroni_sentence"][1]
    assert "one over their number" in items["bonferroni_sentence"][1]
    assert (
        "sum of" in items["bonferroni_sentence"][1]
        and "overlap" not in items["bonferroni_sentence"][1]
    )
    factors = cutoff_gap.gap_table(result, fixed_best, bonf)["× the asymptotic p"]
    assert factors.iloc[[1, 2, 4]].isna().all()  # floors carry no factor
    assert cutoff_gap.GAP_FORMATS["× the asymptotic p"](1e45) == "> 10,000"


def test_fixed_reading_names_this_runs_cut_off_when_changed():
    row = HAND_SCAN.iloc[3]  # cut-off 15, p = 0.30
    kwargs = {"alpha": 0.05, "sweep_from": 12, "sweep_to": 60, "cut": 15, "fixed_perm_p": 0.31}
    paper = cutoff_sweep.verdict_items(0.2, cutoff_sweep.best_split(HAND_SCAN), row, **kwargs)
    assert paper["fixed_reading"][1] == (
        "the test at that one cut-off is the right one: p = 0.30 by the chi-square "
        "approximation, 0.31 by permutation, which does without the large-sample "
        "approximation but assumes exchangeable patients under the null hypothesis."
    )
    run = cutoff_sweep.verdict_items(
        0.2, cutoff_sweep.best_split(HAND_SCAN), row, changed=True, **kwargs
    )
    assert "This run uses 15 months instead" in run["fixed_reading"][1]


def test_every_p_value_of_the_chapter_uses_the_book_formatter(search):
    """Two rules for p-values on chapter 11 (review, issue 13): a p alone has the 3
    decimals of format_p ("< 0.001" below); a permutation p, and an approximation set
    beside it, has 2 significant figures (prose.p_significant), as in chapter 9."""
    result = search[0]
    summary = cutoff_search.result_summary(result, "months").set_index("")["value"]
    assert summary["its unadjusted p"] == "< 0.001"  # 4.6e-5 by hand: chi2 16.26 on 1 df
    assert summary["permutation p, corrected for the search"] == p_significant(result.p_value)
    items = cutoff_search.correction_items(
        result, cutoff_search.search_correction(result, alpha=0.05, min_fraction=0.1), 10
    )
    assert items["critical_p"][1] == format_p(items["critical_p"][0])
    for key in ("perm_p", "approx_p"):
        assert items[key][1] == p_significant(items[key][0]), key
    assert p_significant(0.0036) == "0.0036" and format_p(0.0036) == "0.004"


def test_interval_bounds_are_numbers_not_p_values():
    """A Clopper-Pearson bound of exactly 0 (no shuffle reached the statistic) reads
    "0", not "< 0.001" as a p-value would; a bound above 0 never reads 0."""
    months, died = [1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1]
    never = cutoff_fixed.fixed_cut_test(
        months, died, [6, 5, 4, 3, 2, 1], 3, n_permutations=50, seed=1
    )
    low, high = never.monte_carlo_interval()
    if never.n_reaching == 0:
        assert low == 0.0
        assert cutoff_fixed.interval_text(never) == f"0 to {high:.2g}"
    assert "<" not in cutoff_fixed.interval_text(never)
    assert cutoff_fixed.bound_text(0.0) == "0"
    assert cutoff_fixed.bound_text(0.0125) == "0.013"  # halves up, as the tables
    assert cutoff_fixed.bound_text(NAN) == "not computable"
    # hits = 0 of B: Clopper-Pearson upper bound 1 - 0.025 ** (1 / B) by hand
    zero = MaxSelectedResult(
        5.0, 1.0, 1 / 41, 0.01, 1, 1, 1, 40, None, pd.DataFrame(), np.zeros(40)
    )
    assert zero.monte_carlo_interval()[0] == 0.0
    assert cutoff_fixed.interval_text(zero) == f"0 to {1 - 0.025 ** (1 / 40):.2g}"


def test_small_interval_bounds_keep_two_significant_figures():
    """The reviewer's case: 28 of 100,000 shuffles reach the statistic. Clopper-Pearson
    by hand (beta quantiles) gives 0.000186 to 0.000405; at 3 decimals both read 0.000,
    a false upper bound. Two significant figures keep them apart and above 0."""
    from scipy.stats import beta

    hits, b = 28, 100_000
    null = np.r_[np.full(hits, 9.0), np.zeros(b - hits)]
    res = MaxSelectedResult(5.0, 1.0, (1 + hits) / (1 + b), 0.01, 1, 1, 1, b, None,
                            pd.DataFrame(), null)  # fmt: skip
    low, high = beta.ppf(0.025, hits, b - hits + 1), beta.ppf(0.975, hits + 1, b - hits)
    assert np.allclose(res.monte_carlo_interval(), (low, high))
    assert cutoff_fixed.interval_text(res) == "0.00019 to 0.00040"
    # 0 of 100,000: the upper bound 3.7e-5 is small but not 0; a power of ten, not the six
    # decimals of "0.000037" that the page check refuses
    assert cutoff_fixed.bound_text(1 - 0.025 ** (1 / b)) == "3.7 × 10⁻⁵"
    assert cutoff_fixed.bound_text(1 - 0.025 ** (1 / 10**7)) == "3.7 × 10⁻⁷"
    assert cutoff_fixed.bound_text(0.0001) == "0.00010"  # the last one written out
    # the reviewer's changed build: 0.0026 to 0.0033, not "0.003 to 0.003"
    assert cutoff_fixed.bound_text(0.002649) == "0.0026"
    assert cutoff_fixed.bound_text(0.003251) == "0.0033"
    # rounding up across a power of ten keeps two figures
    assert cutoff_fixed.bound_text(0.000996) == "0.0010"


def test_scan_view_leaves_out_counts_that_differencing_would_reveal():
    """On a real cohort neither the sweep table nor its export shows the group sizes
    and deaths per cut-off: with them, neighbouring cut-offs give each month's
    recurrences and deaths. A small cohort of 6 patients, cut-offs every month."""
    months = [5.0, 8.0, 12.0, 20.0, 30.0, 40.0]
    died = [1, 0, 1, 1, 0, 1]
    timing = [13.0, 14.0, 14.0, 17.0, 19.0, 22.0]
    scan = cutoffs.scan_cutoffs(months, died, timing, cutoff_sweep.sweep_grid(12, 22, 1))
    full = cutoff_sweep.scan_view(scan)
    # what the counts would give away: differences of n_low are the recurrences per month
    assert full["patients ≤ cut-off"].diff().dropna().tolist() == [
        1, 2, 0, 0, 1, 0, 1, 0, 0, 1,
    ]  # fmt: skip
    private = cutoff_sweep.scan_view(scan, counts=False)
    assert list(private.columns) == ["cut-off", "z", "χ²", "p (asymptotic)", "admissible"]
    assert not any("patients" in c or "deaths" in c for c in private.columns)
    assert set(private["admissible"]) <= {"Yes", "No"}
    styled = formatting.styled(private, "caption", cutoff_sweep.SCAN_FORMATS)
    html = styled.to_html()
    assert "deaths" not in html and "patients" not in html
    assert cutoff_sweep.sweep_counts_note(True) == ""
    assert "left out" in cutoff_sweep.sweep_counts_note(False)


def test_scan_formats_print_one_precision_per_column():
    scan = cutoffs.scan_cutoffs([1, 2, 3, 4], [1, 0, 1, 1], [1, 2, 3, 4], [2])
    view = cutoff_sweep.scan_view(scan)
    shown = formatting.styled(view, "c", cutoff_sweep.SCAN_FORMATS).to_html()
    z = float(scan["z"].iloc[0])
    assert f">{z:.2f}<" in shown and f">{format_p(scan['p_value'].iloc[0])}<" in shown


@pytest.mark.slow
def test_chapter_11_on_a_small_real_cohort_leaves_the_counts_per_cut_off_out(tmp_path):
    """Privacy (issue 13): executed on 12 patients that are not the synthetic cohort,
    chapter 11 neither shows nor exports the group sizes and deaths at each cut-off of
    its sweep, and says so; the synthetic book keeps them (see the default build)."""
    import nbformat

    from nettx_utils.build import execution
    from nettx_utils.data.reading import read_table
    from nettx_utils.project import DEFAULT_COHORT

    cells = read_table(DEFAULT_COHORT).iloc[:12].astype(str).reset_index(drop=True)
    cells["patient_id"] = [f"CENTRE-{i:06d}" for i in range(1, 13)]
    data = tmp_path / "small.csv"
    cells.to_csv(data, index=False)
    notebook = project.NOTEBOOK_DIR / "11_cutoff_problem.ipynb"
    out = tmp_path / "computed"
    out.mkdir()
    parameters = {"data_path": str(data), "n_permutations": 99, "n_permutations_fixed": 99}
    execution.execute_all(
        [notebook], out, {notebook.stem: parameters}, kernel=execution.kernel_name(),
        jobs=1, report=lambda line: None,
    )  # fmt: skip
    export = next(out.rglob("11_timing_cutoff_sweep.csv"))
    header = export.read_text(encoding="utf-8").splitlines()[0]
    assert "cut-off" in header and "p (asymptotic)" in header
    assert "patients" not in header and "deaths" not in header
    executed = nbformat.read(out / notebook.name, as_version=4)
    shown = [
        output.get("data", {}).get("text/html", "")
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    ]
    sweep = [html for html in shown if "first five cut-offs" in html]
    assert len(sweep) == 1 and "deaths" not in sweep[0] and "patients" not in sweep[0]
    glued = "\n".join(str(output.get("data", {})) for cell in executed.cells
                      for output in cell.get("outputs", []))  # fmt: skip
    assert "are left out of the sweep" in glued


def test_boundary_note_says_which_side_the_cut_off_falls_on():
    """Review, round 4: the book's code puts a recurrence exactly at the cut-off in the early
    group (marker <= cut); the paper's Table 2 labels ("<24", "≥24") would make it late, its
    Abstract and Results ("≤24", ">24") early. The note says both, and counts the patients
    for whom the readings differ."""
    from nettx_utils.data.cohort import load_cohort

    timing = load_cohort()["months_lt_to_recurrence"]
    note = cutoff_sweep.boundary_note(timing, 24, 24, mark="synthetic")
    assert "early group (at or below the cut-off)" in note
    assert '"<24 mo" and "≥24 mo"' in note and '"≤24" and ">24"' in note
    assert 'Discussion "<24" and ">24", which names neither side' in note
    assert note.endswith("so both readings give the same groups.")  # none at exactly 24.0
    # the code's side, checked on the sweep itself: a value at the cut-off is in the low group
    months, died = np.array([5.0, 10.0, 15.0, 20.0]), np.array([1, 1, 1, 1])
    row = cutoffs.scan_cutoffs(months, died, np.array([24.0, 10.0, 30.0, 40.0]), [24.0],
                               min_fraction=0.0).iloc[0]  # fmt: skip
    assert row["n_low"] == 2
    moved = cutoff_sweep.boundary_note([24.0, 24.0, 30.0], 24, 24)
    assert "2 patients recur at exactly 24 months, so the two readings differ here." in moved
    assert "Table 2" not in cutoff_sweep.boundary_note(timing, 36, 24)

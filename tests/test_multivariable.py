"""Chapter 12's Cox computations: predictors by hand, lifelines as the reference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from nettx_utils.data.cohort import load_cohort
from nettx_utils.stats.cox import cox_fit
from nettx_utils.teaching import multivariable


@pytest.fixture(scope="module")
def cohort():
    return load_cohort()


@pytest.fixture(scope="module")
def chapter_data(cohort):
    labels = multivariable.candidate_labels(24)
    data = multivariable.candidate_data(cohort, 24)
    complete, used, constant = multivariable.complete_cases(data, list(labels))
    return labels, complete, used, constant


def test_candidate_data_by_hand(cohort):
    data = multivariable.candidate_data(cohort, 36)
    assert list(data.index) == list(cohort.index)
    early = (cohort["months_lt_to_recurrence"] <= 36).astype(float)
    assert data["early_recurrence"].tolist() == early.tolist()
    assert np.allclose(data["age_per_10y"], cohort["age_at_recurrence_years"] / 10, equal_nan=True)
    mib1 = cohort["mib1_lt_pct"].to_numpy(float)
    expected = np.where(mib1 > 0, np.log2(np.where(mib1 > 0, mib1, 1)), np.nan)
    assert np.allclose(data["log2_mib1_lt"], expected, equal_nan=True)
    assert set(data["multiple_sites"].dropna()) <= {0.0, 1.0}
    assert data["died"].tolist() == cohort["died"].astype(float).tolist()
    assert "≤36 months" in multivariable.candidate_labels(36)["early_recurrence"]


def test_complete_cases_leave_out_constant_candidates():
    data = pd.DataFrame(
        {
            "months": [1.0, 2.0, 3.0, 4.0],
            "died": [1.0, 0.0, 1.0, 1.0],
            "a": [0.0, 1.0, np.nan, 1.0],
            "b": [5.0, 5.0, 7.0, 5.0],  # constant once row 3 is dropped
        }
    )
    complete, used, constant = multivariable.complete_cases(data, ["a", "b"])
    assert used == ["a"] and constant == ["b"]
    assert list(complete.columns) == ["months", "died", "a"] and len(complete) == 3


def test_can_fit_needs_deaths_predictors_and_patients():
    frame = pd.DataFrame({"months": [1, 2, 3, 4], "died": [1, 1, 0, 0], "a": [0, 1, 0, 1]})
    assert multivariable.can_fit(frame, ["a"])
    assert not multivariable.can_fit(frame.assign(died=[1, 0, 0, 0]), ["a"])
    assert not multivariable.can_fit(frame, [])
    assert not multivariable.can_fit(frame.head(2), ["a"])


def test_epv_table_and_items_by_hand():
    table = multivariable.epv_table(12, 4, 5)
    assert table["events per variable"].tolist() == [12, 6, 4, 3]
    assert table["meets the rule of 5"].tolist() == ["yes", "yes", "no", "no"]
    complete = pd.DataFrame({"months": range(6), "died": [1, 1, 1, 0, 1, 0], "a": range(6)})
    labels = {"a": "A", "b": "B", "c": "C"}
    items = multivariable.epv_items(complete, ["a"], ["b", "c"], labels, 2)
    assert items["n_deaths"][0] == 4 and items["epv"] == (4.0, "4.0")
    assert items["max_predictors"][0] == 2 and items["constant_text"][1] == "B, C"
    assert items["fit_ok"][0] is True
    assert multivariable.epv_items(complete, [], [], labels, 2)["epv"][1] == "not computable"


def test_hazard_ratio_table_is_lifelines_exponentiated(chapter_data):
    labels, complete, used, _ = chapter_data
    fitter, _ = multivariable.lifelines_fit(complete, 0.1)
    reference = CoxPHFitter(penalizer=0.1).fit(complete, "months", "died")
    table = multivariable.hazard_ratio_table(fitter, labels)
    assert table["predictor"].tolist() == [labels[name] for name in used]
    assert np.allclose(table["HR"], np.exp(reference.params_[used]))
    assert np.allclose(table["p"], reference.summary["p"][used])
    assert list(multivariable.hazard_ratio_table(None, labels).columns) == multivariable.HR_COLUMNS


def test_hazard_ratio_items_by_hand():
    table = pd.DataFrame(
        {"HR": [2, 3], "lower 95%": [0.5, 0.01], "upper 95%": [8, 30], "p": [0.04, 0.2]}
    )
    items = multivariable.hazard_ratio_items(table, ["warning one"], 0.05)
    assert items["widest_ratio"] == (3000.0, "3,000")
    assert items["plain_significant"][0] == 1 and items["plain_warnings"][0] == 1
    empty = multivariable.hazard_ratio_items(table.head(0), [], 0.05)
    assert empty["widest_ratio"][1] == "not computable"


def test_penalty_comparison_and_fast_fit_check(chapter_data):
    labels, complete, used, _ = chapter_data
    plain, _ = multivariable.lifelines_fit(complete, 0.0)
    ridge, _ = multivariable.lifelines_fit(complete, 0.1)
    compare = multivariable.penalty_comparison(plain, ridge, used, labels, 0.1)
    assert np.allclose(compare["HR, penalised (0.1)"], np.exp(ridge.params_[used]))
    assert multivariable.penalty_comparison(None, None, used, labels, 0.1).empty
    multivariable.check_fast_fit(complete, used, {0.1: ridge})  # passes

    class Wrong:
        params_ = ridge.params_ + 0.5
        standard_errors_ = ridge.standard_errors_

    with pytest.raises(AssertionError):
        multivariable.check_fast_fit(complete, used, {0.1: Wrong()})


def test_bootstrap_rows_are_the_resamples_refitted(chapter_data):
    _, complete, used, _ = chapter_data
    boot, full = multivariable.bootstrap_coefficients(
        complete, used, penalizer=0.1, n_bootstrap=5, seed=7, alpha=0.05
    )
    X = complete[used].to_numpy(float)
    t, e = complete["months"].to_numpy(float), complete["died"].to_numpy(int)
    assert np.allclose(full, cox_fit(X, t, e, 0.1)[0])
    rng = np.random.default_rng(7)
    for b in range(5):  # the same draws, refitted here
        pick = rng.integers(0, len(complete), len(complete))
        rows = boot[boot["resample"] == b]
        if e[pick].sum() < 1:
            assert rows.empty
            continue
        coef = cox_fit(X[pick], t[pick], e[pick], 0.1)[0]
        assert rows["predictor"].tolist() == used
        assert np.allclose(rows["penalised_coef"], coef, equal_nan=True)
        finite = np.isfinite(coef)
        assert rows["penalised_ok"].tolist() == list(finite)
        assert rows["flipped"].tolist() == list(finite & (np.sign(coef) == -np.sign(full)))
    assert (boot["selected"] <= boot["converged"]).all()  # selected only among converged fits
    empty, none = multivariable.bootstrap_coefficients(
        complete.head(1), used, penalizer=0.1, n_bootstrap=5, seed=7, alpha=0.05
    )
    assert empty.empty and none is None


HAND_BOOT = pd.DataFrame(
    {
        "resample": [0, 0, 1, 1, 2, 2],
        "predictor": ["a", "b"] * 3,
        "penalised_coef": [0.1, -0.2, -0.3, -0.1, 0.2, 0.4],
        "penalised_ok": [True] * 6,
        "flipped": [False, False, True, False, False, True],
        "converged": [True, True, False, False, True, True],
        "selected": [True, False, False, False, True, False],
    }
)


def test_stability_table_and_items_by_hand():
    labels = {"a": "A", "b": "B"}
    table = multivariable.stability_table(HAND_BOOT, np.log([2.0, 0.5]), ["a", "b"], labels, 0.05)
    assert table["predictor"].tolist() == ["A", "B"]
    assert np.allclose(table["HR (penalised, full data)"], [2.0, 0.5])
    assert np.allclose(table["sign flipped"], [1 / 3, 1 / 3])
    assert np.allclose(table["p < 0.05"], [2 / 2, 0 / 2])  # among the 2 converged fits
    assert np.allclose(table["no finite estimate"], [1 / 3, 1 / 3])
    items = multivariable.stability_items(HAND_BOOT, table, "A", 0.05)
    assert items["n_resamples"][0] == 3
    assert items["max_flip"][1] == "33%" and items["max_flip_name"][0] == "A"
    assert items["diverged"][0] == pytest.approx(1 / 3)
    assert items["early_selected"] == (1.0, "100%")
    empty = multivariable.stability_table(HAND_BOOT.head(0), None, ["a"], labels, 0.05)
    assert empty.empty and "p < 0.05" in empty.columns
    none = multivariable.stability_items(HAND_BOOT.head(0), empty, "A", 0.05)
    assert none["n_resamples"][0] == 0 and math.isnan(none["diverged"][0])
    assert none["max_flip_name"][0] == "none"


def test_failed_penalised_fits_leave_the_sign_flip_share():
    """A resample whose penalised fit gives NaN has no sign: it is neither a flip nor a
    non-flip. Predictor B has one flip in two finite fits (1/2, not 1/3) and one failure."""
    boot = HAND_BOOT.copy()
    boot.loc[5, ["penalised_coef", "penalised_ok", "flipped"]] = [np.nan, False, False]
    boot.loc[3, "flipped"] = True  # B flipped in resample 1
    labels = {"a": "A", "b": "B"}
    table = multivariable.stability_table(boot, np.log([2.0, 0.5]), ["a", "b"], labels, 0.05)
    assert np.allclose(table["sign flipped"], [1 / 3, 1 / 2])
    assert table["penalised fit failed"].tolist() == [0, 1]
    items = multivariable.stability_items(boot, table, "A", 0.05)
    assert items["ridge_failed"] == (1, "1 resample")
    assert "unestimated in 1 resample (" in items["ridge_failed_sentence"][1]
    assert items["max_flip"][1] == "50%" and items["max_flip_name"][0] == "B"
    clean = multivariable.stability_items(HAND_BOOT, table, "A", 0.05)
    assert clean["ridge_failed"][0] == 0
    assert "every coefficient" in clean["ridge_failed_sentence"][1]


def test_bootstrap_marks_a_predictor_constant_in_a_resample_as_failed():
    """A binary predictor that is 1 for one patient only is constant in every resample that
    misses that patient: cox_fit gives NaN there, and the row says the fit failed."""
    rng = np.random.default_rng(3)
    n = 30
    complete = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "rare": np.r_[1.0, np.zeros(n - 1)],
            "months": rng.exponential(30, n),
            "died": rng.integers(0, 2, n),
        }
    )
    complete.loc[:3, "died"] = 1
    boot, _ = multivariable.bootstrap_coefficients(
        complete, ["x", "rare"], penalizer=0.1, n_bootstrap=20, seed=1, alpha=0.05
    )
    rare = boot[boot["predictor"] == "rare"]
    missing = rare["penalised_coef"].isna()
    assert missing.any()  # some resamples miss the one patient
    assert not rare.loc[missing, "penalised_ok"].any()
    assert not rare.loc[missing, "flipped"].any()
    assert not rare.loc[missing, "converged"].any()


@pytest.mark.parametrize(
    ("epv", "max_flip", "below", "stability", "decision"),
    [
        (2.2, 0.38, True, "changed sign in 38%", "is defensible"),
        (12.0, 0.0, False, "no penalised coefficient changed sign", "is possible"),
        (10.0, math.nan, False, "could not be run", "is possible"),  # exactly the rule: not below
    ],
)
def test_conclusion_items_follow_the_cohort(epv, max_flip, below, stability, decision):
    """Chapter 12's conclusion holds on any cohort: 'below the rule' only when it is, the
    bootstrap sentence only says what the bootstrap showed."""
    items = multivariable.conclusion_items(
        epv, 10, n_deaths=11, n_predictors=5, max_flip=max_flip, flipped_most="Mib-1"
    )
    assert items["epv_verdict"][0] is below
    assert (", below the rule" in items["epv_verdict"][1]) is below
    assert stability in items["stability_verdict"][1]
    assert decision in items["decision"][1]
    assert ("stay unadjusted" in items["adjusted_note"][1]) is below
    assert ("Mib-1" in items["stability_verdict"][1]) is (max_flip == 0.38)
    nothing = multivariable.conclusion_items(
        math.nan, 10, n_deaths=0, n_predictors=0, max_flip=math.nan, flipped_most="none"
    )
    assert "no model can be fitted" in nothing["epv_verdict"][1]


def test_hazard_ratio_items_word_counts_without_placeholders():
    table = pd.DataFrame({"upper 95%": [2.0, 9.0], "lower 95%": [1.0, 3.0], "p": [0.01, 0.2]})
    one = multivariable.hazard_ratio_items(table, [], 0.05)
    assert one["plain_significant"][1] == "1 predictor reaches p < 0.05."
    assert one["plain_warnings"][1] == "no convergence warnings"
    none = multivariable.hazard_ratio_items(table.assign(p=[0.3, 0.2]), ["w1", "w2"], 0.05)
    assert none["plain_significant"][1] == "No predictors reach p < 0.05."
    assert none["plain_warnings"][1] == "2 convergence warnings"


def test_conclusion_outlook_follows_the_events_per_variable():
    low = multivariable.conclusion_items(
        2.2, 10, n_deaths=11, n_predictors=5, max_flip=0.2, flipped_most="Mib-1", flipped_hr=1.04
    )
    high = multivariable.conclusion_items(
        20.6, 10, n_deaths=103, n_predictors=5, max_flip=0.205, flipped_most="Mib-1"
    )
    assert "larger, pooled cohort" in low["outlook"][1]
    assert "larger" not in high["outlook"][1] and "becomes possible" not in high["outlook"][1]
    assert "close the effect is to none" in low["stability_verdict"][1]
    assert "1.04" in low["stability_verdict"][1]
    # one rounding rule: 41/200 = 0.205 is 21% in the prose, as percent_cell prints it
    assert "21%" in high["stability_verdict"][1]


def test_early_factor_is_the_papers_only_at_the_papers_cut_off():
    """Review, round 3: with early_recurrence_months 36 the chapter still called the
    candidate "the paper's significant factor", whose cut-off is 24 months."""
    paper = multivariable.early_factor_text(24, 24)
    assert paper.startswith("the paper's significant factor") and "24 months" in paper
    changed = multivariable.early_factor_text(36, 24)
    assert changed.startswith("recurrence at most 36 months")
    assert "the paper's significant factor was recurrence at most 24 months" in changed
    assert multivariable.candidate_labels(36)["early_recurrence"].startswith("Recurrence ≤36")


def test_diverged_sentence_gives_any_coefficient_share_and_per_predictor_range():
    """The prose share counts resamples with at least one non-finite coefficient (1 of 3
    here: resample 1); each predictor's share comes from the table (1/3 each here)."""
    labels = {"a": "A", "b": "B"}
    table = multivariable.stability_table(HAND_BOOT, np.log([2.0, 0.5]), ["a", "b"], labels, 0.05)
    items = multivariable.stability_items(HAND_BOOT, table, "A", 0.05)
    sentence = items["diverged_sentence"][1]
    assert sentence.startswith("At least one unpenalised coefficient had no finite estimate in 33%")
    assert sentence.endswith("(33% for every predictor, table)")
    boot = HAND_BOOT.copy()
    boot.loc[4, "converged"] = False  # A also fails in resample 2: A 2/3, B 1/3, any 2/3
    table = multivariable.stability_table(boot, np.log([2.0, 0.5]), ["a", "b"], labels, 0.05)
    sentence = multivariable.stability_items(boot, table, "A", 0.05)["diverged_sentence"][1]
    assert "estimate in 67% of the resamples (33% to 67% per predictor, table)" in sentence

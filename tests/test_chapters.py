"""The chapter notebooks' recorded numbers, recomputed here independently.

Each notebook records its key numbers as JSON beside its executed copy. These
tests recompute them with lifelines, scipy and pandas called directly (not
through nettx_utils), on the default run and on a run with other cut-offs
(early recurrence at 36 months, Mib-1 threshold 5%), and check that labels
follow the parameters.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from scipy import stats

from nettx_utils.build.reuse import COMPUTED
from nettx_utils.data.cohort import load_cohort
from nettx_utils.pages.record import read_record

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cohort():
    return load_cohort()


def records(book, notebook):
    return read_record(book.html_dir.parent / "source" / COMPUTED, notebook)


def page(book, notebook) -> str:
    return (book.html_dir / "book" / "computed" / f"{notebook}.html").read_text(encoding="utf-8")


def km_at(durations, events, months):
    fitter = KaplanMeierFitter().fit(np.asarray(durations, float), np.asarray(events, int))
    return 100 * float(fitter.survival_function_at_times([months]).iloc[0])


def os_recurrence(cohort):
    return cohort["months_recurrence_to_last_followup"], cohort["died"].astype(int)


@pytest.fixture(params=["default", "changed"])
def run(request, default_book, changed_book):
    if request.param == "default":
        return default_book, 24, 2
    return changed_book, 36, 5


def test_cohort_chapter_landmarks(run, cohort):
    book, _, _ = run
    numbers = records(book, "01_cohort")
    months = cohort["months_lt_to_recurrence"] + cohort["months_recurrence_to_last_followup"]
    for years in (5, 10):
        expected = km_at(months, cohort["died"].astype(int), 12 * years)
        assert numbers[f"os_lt_{years}y"] == pytest.approx(expected, abs=1e-9)
    assert numbers["n_patients"] == len(cohort)


def test_recurrence_chapter_counts_tests_and_labels(run, cohort):
    book, cutoff, _ = run
    numbers = records(book, "02_recurrence")
    assert numbers["early_n"] == int((cohort["months_lt_to_recurrence"] <= cutoff).sum())
    primary, lt = cohort["mib1_primary_pct"], cohort["mib1_lt_pct"]
    independent = stats.mannwhitneyu(
        primary.dropna(), lt.dropna(), method="asymptotic", use_continuity=False
    )
    assert numbers["p_primary_lt_mann_whitney"] == pytest.approx(independent.pvalue, rel=1e-9)
    both = primary.notna() & lt.notna()
    paired = stats.wilcoxon(
        primary[both], lt[both], zero_method="wilcox", correction=False, method="approx"
    )
    assert numbers["p_primary_lt_signed_rank"] == pytest.approx(paired.pvalue, rel=1e-9)
    rho = stats.spearmanr(
        cohort["months_diagnosis_to_lt"], cohort["months_lt_to_recurrence"]
    ).statistic
    assert numbers["spearman_rho"][2] == pytest.approx(rho, rel=1e-9)
    assert f"≤{cutoff} mo" in page(book, "02_recurrence")


def test_treatments_chapter_counts(run, cohort):
    book, _, _ = run
    numbers = records(book, "03_treatments")
    surgery = cohort["surgery_at_recurrence"].astype(bool)
    assert numbers["surgery_n"] == int(surgery.sum())
    # the paper's definition: every site removed AND a complete response 3 months later
    responded = cohort["predominant_treatment_response"] == "CR"
    removed = surgery & cohort["surgery_complete_removal"].fillna(False).astype(bool)
    assert numbers["complete_n"] == int((removed & responded).sum())
    assert numbers["removal_without_cr_note"] == int((removed & ~responded).sum())
    died = cohort["died"].astype(bool)
    assert numbers["dead_n"] == int(died.sum())
    free = cohort["disease_free_at_last_followup"].astype(bool) & ~died
    assert numbers["alive_free_n"] == int(free.sum())
    assert numbers["dead_n"] + numbers["alive_free_n"] + numbers["alive_disease_n"] == len(cohort)


def test_outcomes_chapter(run, cohort):
    book, _, _ = run
    numbers = records(book, "04_outcomes")
    months, died = os_recurrence(cohort)
    fitter = KaplanMeierFitter().fit(months, died)
    assert numbers["os_rec_median"] == pytest.approx(fitter.median_survival_time_)
    for years in (5, 10):
        assert numbers[f"os_rec_{years}y"] == pytest.approx(km_at(months, died, 12 * years))
    reverse = KaplanMeierFitter().fit(months, 1 - died)
    assert numbers["median_followup"] == pytest.approx(reverse.median_survival_time_)
    up = cohort["untreatable_progression"].astype(int)
    up_months = cohort["months_recurrence_to_untreatable_progression"]
    assert numbers["up_rate_km"] == pytest.approx(100 - km_at(up_months, up, 60))
    assert numbers["up_events"] == int(up.sum())
    assert numbers["up_rate_aalen_johansen"] <= numbers["up_rate_km"] + 1e-9


def test_prognostic_chapter_follows_the_cutoffs(run, cohort):
    book, cutoff, threshold = run
    numbers = records(book, "05_prognostic_factors")
    months, died = os_recurrence(cohort)
    early = cohort["months_lt_to_recurrence"] <= cutoff
    expected = logrank_test(months[early], months[~early], died[early], died[~early]).p_value
    assert numbers["timing_p"] == pytest.approx(expected, rel=1e-9)
    assert numbers["os_early_landmark"] == pytest.approx(km_at(months[early], died[early], 60))
    assert numbers["os_late_landmark"] == pytest.approx(km_at(months[~early], died[~early], 60))
    surgery = cohort["surgery_at_recurrence"].astype(bool)
    expected = logrank_test(
        months[surgery], months[~surgery], died[surgery], died[~surgery]
    ).p_value
    assert numbers["surgery_p"] == pytest.approx(expected, rel=1e-9)
    mib1 = cohort["mib1_recurrence_pct"]
    for stratum_p, members in zip(
        numbers["stratified_p"], [mib1 <= threshold, mib1 > threshold], strict=True
    ):
        s = surgery[members]
        m, d = months[members], died[members]
        if s.all() or not s.any() or d.sum() == 0:
            assert stratum_p is None
            continue
        assert stratum_p == pytest.approx(logrank_test(m[s], m[~s], d[s], d[~s]).p_value, rel=1e-9)
    html = page(book, "05_prognostic_factors")
    assert f"recurrence ≤{cutoff} mo versus &gt;{cutoff} mo" in html
    # the hazard ratio of early vs late recurrence, refitted with lifelines directly
    frame = pd.DataFrame({"t": months, "d": died, "early": early.astype(int)})
    fit = CoxPHFitter().fit(frame, "t", "d")
    assert numbers["timing_hr"] == pytest.approx(float(np.exp(fit.params_["early"])), rel=1e-6)
    # the screen counts each split once: surgery and "predominant treatment surgical" are one
    assert numbers["n_tested"] == numbers["n_characteristics"] - 1
    text = re.sub(r"<[^>]+>", "", html)  # the page's text, code cells included
    assert "p = &lt;" not in text  # p-values read "p < 0.001", never "p = < 0.001"
    assert html.count("Synthetic data: a generated cohort") >= 2  # both figure captions
    assert 'id="sec-immortal-time"' in html


def test_comparisons_only_with_the_papers_parameters(default_book, changed_book):
    for notebook in ("02_recurrence", "05_prognostic_factors"):
        assert "not shown beside" not in page(default_book, notebook)
        assert "not shown beside" in page(changed_book, notebook)
        assert "Paper" in page(default_book, notebook)


def test_reproduction_report_accounts_for_every_value(default_book):
    numbers = records(default_book, "06_reproduction_report")
    parts = numbers["n_reproduced"] + numbers["n_not_reproduced"] + numbers["n_flagged"]
    assert parts == numbers["n_computable"]
    assert numbers["n_computable"] + numbers["n_context"] == numbers["n_published"]
    assert numbers["score_line"].startswith(f"reproduced {numbers['n_reproduced']} of")


METHODS_CHAPTERS = [
    "07_kaplan_meier_by_hand",
    "08_censoring_and_followup",
    "09_logrank_by_hand",
    "10_landmarks_and_medians",
    "11_cutoff_problem",
    "12_multivariable_models",
    "13_paired_vs_independent",
]


def test_no_methods_chapter_cell_shows_a_bare_number(run):
    """A code cell's result shown as plain text that is only a number ("73.7" above
    chapter 8's Fig. 11 was a record() call's return value) is raw program output."""
    import json

    book, _, _ = run
    number = re.compile(r"[\[(]?'?[-+]?\d[\d.,eE+-]*'?[\])]?|np\.float64\(.*\)|nan|inf")
    for notebook in METHODS_CHAPTERS:
        path = book.html_dir.parent / "source" / COMPUTED / f"{notebook}.ipynb"
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            for output in cell.get("outputs", []):
                if output["output_type"] not in ("execute_result", "display_data"):
                    continue
                if set(output["data"]) != {"text/plain"}:
                    continue
                text = "".join(output["data"]["text/plain"]).strip()
                assert not number.fullmatch(text), (notebook, cell.get("id"), text)

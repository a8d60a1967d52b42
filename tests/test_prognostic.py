"""Tests of the univariable screen: every number recomputed directly with lifelines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test

from nettx_utils.data.cohort import load_cohort
from nettx_utils.data.dictionary import load_dictionary
from nettx_utils.errors import NettxError
from nettx_utils.paper import univariable
from nettx_utils.paper.prognostic import ScreenSpec, default_screen
from nettx_utils.paper.univariable import screen_summary, univariable_screen

T, E = "months_recurrence_to_last_followup", "died"


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return load_cohort()


@pytest.fixture(scope="module")
def screen(cohort: pd.DataFrame) -> pd.DataFrame:
    return univariable_screen(cohort)


def km_pct(durations: np.ndarray, events: np.ndarray, months: float = 60) -> float:
    """KM survival in % at ``months`` by lifelines; NaN when censored follow-up ends earlier."""
    s = float(KaplanMeierFitter().fit(durations, events).survival_function_at_times(months).iloc[0])
    if months > durations.max() and s > 0:
        return np.nan
    return round(100 * s, 1)


def screen_of(cohort: pd.DataFrame, keys: set[str], **kwargs) -> pd.DataFrame:
    """The screen of a few characteristics only (the full screen takes seconds)."""
    landmark = {k: kwargs.pop(k) for k in ("landmark_years", "alpha") if k in kwargs}
    specs = [s for s in default_screen(cohort, **kwargs) if s.key in keys]
    return univariable_screen(cohort, specs, **landmark)


def rows_of(screen: pd.DataFrame, key: str) -> pd.DataFrame:
    return screen[screen["variable"] == key].reset_index(drop=True)


def check_two_groups(cohort: pd.DataFrame, rows: pd.DataFrame, lower: pd.Series) -> None:
    """Rows of a two-group split equal a direct computation; ``lower`` marks the first group."""
    t = cohort[T].to_numpy(float)
    e = cohort[E].astype(bool).to_numpy().astype(int)
    masks = [lower.to_numpy(bool), (~lower).to_numpy(bool)]
    assert rows["n"].tolist() == [int(m.sum()) for m in masks]
    assert rows["deaths"].tolist() == [int(e[m].sum()) for m in masks]
    expected_os = [km_pct(t[m], e[m]) for m in masks]
    np.testing.assert_allclose(rows["os_5y_pct"].to_numpy(float), expected_os, equal_nan=True)
    p = logrank_test(t[masks[0]], t[masks[1]], e[masks[0]], e[masks[1]]).p_value
    np.testing.assert_allclose(rows["logrank_p"], p, rtol=1e-10)
    assert (rows["significant"] == (p < 0.05)).all()


def test_early_vs_late_recurrence_matches_lifelines(cohort, screen):
    rows = rows_of(screen, "months_lt_to_recurrence")
    assert rows["group"].tolist() == ["≤24 mo", ">24 mo"]
    assert (rows["split_rule"] == "paper's cut-off 24 mo").all()
    check_two_groups(cohort, rows, cohort["months_lt_to_recurrence"] <= 24)


def test_three_level_category_matches_multivariate_logrank(cohort, screen):
    rows = rows_of(screen, "primary_t_stage")
    codes = cohort["primary_t_stage"]
    known = codes.notna().to_numpy()
    assert codes[known].nunique() == 3
    assert rows["group"].tolist() == ["T1/T2", "T3", "T4"]
    assert rows["n"].tolist() == [int((codes == c).sum()) for c in ["T1_T2", "T3", "T4"]]
    res = multivariate_logrank_test(
        cohort[T][known], codes[known].astype(str), cohort[E][known].astype(int)
    )
    np.testing.assert_allclose(rows["logrank_p"], res.p_value, rtol=1e-10)
    assert (rows["split_rule"] == "categories").all()


def test_continuous_without_paper_cutoff_split_at_median(cohort, screen):
    values = cohort["age_at_lt_years"]
    median = float(np.median(values.dropna()))
    rows = rows_of(screen, "age_at_lt_years")
    assert (rows["split_rule"] == f"median = {median:g} y").all()
    assert rows["group"].tolist() == [f"≤{median:g} y", f">{median:g} y"]
    check_two_groups(cohort, rows, values <= median)


def test_missing_values_are_left_out(cohort, screen):
    rows = rows_of(screen, "mib1_recurrence_pct")
    values = cohort["mib1_recurrence_pct"]
    known = values.notna()
    assert (rows["split_rule"] == "paper's cut-off 2%").all()
    assert rows["n"].sum() + rows["n_missing"].iloc[0] == len(cohort)
    assert rows["n_missing"].iloc[0] == int((~known).sum())
    check_two_groups(cohort[known], rows, values[known] <= 2)
    if (~known).any():
        assert "left out" in rows["note"].iloc[0]


def test_early_recurrence_months_36_changes_groups_and_numbers(cohort, screen):
    rows = rows_of(
        screen_of(cohort, {"months_lt_to_recurrence"}, early_recurrence_months=36),
        "months_lt_to_recurrence",
    )
    assert rows["group"].tolist() == ["≤36 mo", ">36 mo"]
    assert (rows["split_rule"] == "this run's cut-off 36 mo (the paper: 24 mo)").all()
    check_two_groups(cohort, rows, cohort["months_lt_to_recurrence"] <= 36)
    x = cohort["months_lt_to_recurrence"]
    if ((x > 24) & (x <= 36)).any():
        assert rows["n"].tolist() != rows_of(screen, "months_lt_to_recurrence")["n"].tolist()


def test_every_table_characteristic_screened_and_sorted_by_p(screen):
    dictionary = load_dictionary()
    wanted = {c.name for c in dictionary.columns if c.feeds.startswith(("Table 1", "Table 2"))} - {
        "months_recurrence_to_last_followup",
        "died",
    }
    assert wanted <= set(screen["variable"])
    # characteristics kept together, in ascending p, untestable ones last
    blocks = screen["variable"].ne(screen["variable"].shift()).cumsum()
    assert blocks.nunique() == screen["variable"].nunique()
    p = screen.groupby(blocks, sort=False)["logrank_p"].first().to_numpy()
    tested = p[~np.isnan(p)]
    assert (np.diff(tested) >= 0).all()
    assert not np.isnan(p[: len(tested)]).any()
    assert screen.groupby("variable")["logrank_p"].nunique(dropna=False).eq(1).all()


def test_treatments_screened(screen):
    keys = set(screen["variable"])
    assert {"surgery_at_recurrence", "treatment_ssa", "predominant_treatment"} <= keys
    assert "predominant_treatment_surgical" in keys


def test_missing_column_gives_note_row(cohort):
    out = screen_of(
        cohort.drop(columns=["sex", "mib1_lt_pct"]), {"sex", "mib1_lt_pct", "primary_t_stage"}
    )
    for key in ("sex", "mib1_lt_pct"):
        rows = rows_of(out, key)
        assert len(rows) == 1
        assert rows["group"].isna().all() and rows["logrank_p"].isna().all()
        assert "not in this cohort" in rows["note"].iloc[0]
    assert out["logrank_p"].notna().any()
    assert set(out["variable"].iloc[-2:]) <= set(out.loc[out["logrank_p"].isna(), "variable"])


def test_all_false_boolean_gives_note(cohort):
    data = cohort.copy()
    data["acute_rejection"] = pd.array([False] * len(data), dtype="boolean")
    rows = rows_of(screen_of(data, {"acute_rejection"}), "acute_rejection")
    assert rows["group"].tolist() == ["No"]  # the level with no patient gets no row
    assert rows["n"].tolist() == [len(data)]
    assert rows["logrank_p"].isna().all() and rows["significant"].isna().all()
    assert "only one group in this cohort" in rows["note"].iloc[0]
    t = data[T].to_numpy(float)
    e = data[E].astype(int).to_numpy()
    np.testing.assert_allclose(rows["os_5y_pct"].iloc[0], km_pct(t, e))


def test_levels_without_patients_get_no_row_and_notes_use_plurals(cohort, screen):
    """Levels the cohort does not have (WHO G3, CR before LT, single-site liver,
    predominant radiotherapy) are left out of the screen's rows, and counts of patients
    left out are real plurals."""
    counted = screen.dropna(subset=["group"])
    assert (counted["n"] > 0).all()
    for key, level in (
        ("primary_who_grade", "G3"),
        ("pre_lt_response", "CR"),
        ("single_site_location", "Liver"),
    ):
        assert level not in set(rows_of(screen, key)["group"]), key
    assert "Radiotherapy" not in set(rows_of(screen, "predominant_treatment")["group"])
    notes = " ".join(screen["note"].dropna())
    assert "(s)" not in notes and "11 patients with no value left out" in notes
    data = cohort.copy()
    data.loc[data.index[1:], "mib1_recurrence_pct"] = 5.0
    data.loc[data.index[0], "mib1_recurrence_pct"] = np.nan
    note = rows_of(screen_of(data, {"mib1_recurrence_pct"}), "mib1_recurrence_pct")["note"]
    assert "1 patient with no value left out" in note.iloc[0]


def test_complete_removal_row_uses_the_papers_definition(cohort, screen):
    """Chapter 3 and the screen count complete removals alike: every site removed and a
    complete response (derived.complete_removal), among the operated patients."""
    from nettx_utils.data.derived import complete_removal

    rows = rows_of(screen, "surgery_complete_removal")
    removal = complete_removal(cohort)
    operated = removal["operated"]
    assert rows["group"].tolist() == ["No", "Yes"]
    assert rows["n"].tolist() == [int((operated & ~removal["complete"]).sum()), 12]
    assert int(rows["n_missing"].iloc[0]) == int((~operated).sum())
    check_two_groups(cohort[operated], rows, ~removal["complete"][operated])


def test_lrt_count_codes_untreated_patients_as_zero(cohort, screen):
    """A blank count of a patient without pre-LT locoregional treatment is 0, not missing:
    all 32 patients are split at the treated patients' median (Table 1's), and the
    log-rank p is lifelines' (0.118 on the synthetic cohort, not 0.237 on the treated)."""
    rows = rows_of(screen, "n_pre_lt_lrt")
    treated = cohort["pre_lt_locoregional"].astype(bool)
    counts = cohort["n_pre_lt_lrt"].where(treated, 0).astype(float)
    cut = float(np.median(cohort.loc[treated, "n_pre_lt_lrt"]))
    assert rows["n"].sum() == len(cohort) and int(rows["n_missing"].iloc[0]) == 0
    assert "no value" not in rows["note"].iloc[0]
    check_two_groups(cohort, rows, counts <= cut)
    assert f"{rows['logrank_p'].iloc[0]:.3f}" == "0.118"


def test_sparse_levels_pooled_only_when_asked(cohort):
    codes = cohort["primary_n_site"].astype(object)
    sparse = [c for c, n in codes.value_counts().items() if 0 < n <= 2]
    if len(sparse) < 2:
        pytest.skip("fewer than two sparse N-site levels in this cohort")
    rows = rows_of(screen_of(cohort, {"primary_n_site"}, pool_sparse_at_most=2), "primary_n_site")
    pooled = rows[rows["group"].str.startswith("Pooled")]
    assert len(pooled) == 1 and pooled["n"].iloc[0] == int(codes.isin(sparse).sum())
    assert "pooled" in rows["note"].iloc[0]
    groups = codes.where(~codes.isin(sparse), "pooled")
    known = groups.notna()
    res = multivariate_logrank_test(cohort[T][known], groups[known], cohort[E][known].astype(int))
    np.testing.assert_allclose(rows["logrank_p"], res.p_value, rtol=1e-10)


def test_landmark_and_alpha_options(cohort):
    out = screen_of(cohort, {"months_lt_to_recurrence"}, landmark_years=2, alpha=0.5)
    rows = rows_of(out, "months_lt_to_recurrence")
    early = (cohort["months_lt_to_recurrence"] <= 24).to_numpy()
    t, e = cohort[T].to_numpy(float), cohort[E].astype(int).to_numpy()
    np.testing.assert_allclose(rows["os_2y_pct"].iloc[0], km_pct(t[early], e[early], 24))
    assert (rows["significant"] == (rows["logrank_p"] < 0.5)).all()


def test_summary_one_row_per_characteristic(screen):
    summary = screen_summary(screen)
    assert summary["variable"].tolist() == list(dict.fromkeys(screen["variable"]))
    row = summary.set_index("variable").loc["months_lt_to_recurrence"]
    detail = rows_of(screen, "months_lt_to_recurrence")
    assert row["groups"] == "≤24 mo vs >24 mo"
    assert row["n"] == " vs ".join(str(n) for n in detail["n"])
    assert row["mark"] == ("*" if detail["logrank_p"].iloc[0] < 0.05 else "")
    treatment = rows_of(screen, "predominant_treatment")
    shown = summary.set_index("variable").loc["predominant_treatment", "groups"].split(" vs ")
    assert shown == treatment.loc[treatment["n"] > 0, "group"].tolist()


def test_outcome_column_required(cohort):
    with pytest.raises(NettxError, match="months_recurrence_to_last_followup"):
        univariable_screen(cohort.drop(columns=[T]))


def test_default_screen_keys_unique(cohort):
    keys = [s.key for s in default_screen(cohort)]
    assert len(keys) == len(set(keys))


def test_spec_validation():
    with pytest.raises(NettxError, match="derive"):
        ScreenSpec("x", "X", "derived", ("sex",), "Table 1", levels=(("a", "A"),))
    with pytest.raises(NettxError, match="cutoff_rule"):
        ScreenSpec("x", "X", "cutoff", ("x",), "Table 1", levels=(("le", "≤1"),), cutoff=1)


def test_surgery_within_mib1_strata_matches_lifelines(cohort):
    """Each stratum is the surgery split of its own patients, tested with lifelines."""
    from nettx_utils.paper.strata import surgery_within_mib1_strata

    for threshold in (2, 5):
        table = surgery_within_mib1_strata(cohort, threshold)
        mib1 = cohort["mib1_recurrence_pct"]
        for stratum, members in ((f"Mib-1 ≤{threshold:g}%", mib1 <= threshold),
                                 (f"Mib-1 >{threshold:g}%", mib1 > threshold)):  # fmt: skip
            sub = cohort[members.to_numpy()]
            rows = table[table["stratum"] == stratum].reset_index(drop=True)
            operated = sub["surgery_at_recurrence"].astype(bool)
            check_two_groups(sub, rows, ~operated)  # the screen lists "No" first


def test_surgery_within_strata_notes_an_empty_stratum(cohort):
    """A threshold above every Mib-1 leaves the high stratum empty: a note, not an error."""
    from nettx_utils.paper.strata import surgery_within_mib1_strata

    table = surgery_within_mib1_strata(cohort, 1000)
    high = table[table["stratum"] == "Mib-1 >1000%"]
    assert high["logrank_p"].isna().all()
    assert "no test" in high["note"].iloc[0]


def test_groups_equal_a_map_of_each_patient_code(cohort):
    """The labels come from the distinct codes; the same as mapping every patient's code."""
    for spec in default_screen(cohort):
        if not all(c in cohort for c in spec.columns):
            continue
        groups = spec.groups(cohort)
        labels = dict(spec.levels)
        assert list(groups.cat.categories) == list(labels.values())
        if spec.kind in ("boolean", "cutoff"):
            continue  # their codes are built from the values (tests above compare the groups)
        codes = cohort[spec.columns[0]] if spec.kind == "categories" else spec.derive(cohort)
        expected = pd.Series(codes, index=cohort.index).astype("object").map(labels)
        pd.testing.assert_series_equal(
            groups.astype("object"), expected.astype("object"), check_names=False
        )
    spec = ScreenSpec("x", "X", "derived", ("sex",), "Table 1", levels=(("a", "A"), ("b", "B")),
                      derive=lambda c: ["a", None, "c", "b", np.nan, "a"])  # fmt: skip
    six = cohort.iloc[:6]
    assert spec.groups(six).astype("object").tolist() == ["A", np.nan, np.nan, "B", np.nan, "A"]


def test_screen_does_not_depend_on_row_order(cohort, screen):
    """One shared sort of the durations: shuffled rows give the same screen."""
    shuffled = cohort.sample(frac=1, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(univariable_screen(shuffled), screen, check_exact=True)


# --- identical splits, published rows, interaction (issue 13) ---------------------------

from lifelines import CoxPHFitter  # noqa: E402
from scipy.stats import chi2  # noqa: E402

from nettx_utils.formatting import format_p  # noqa: E402
from nettx_utils.paper.effect_modification import (  # noqa: E402
    InteractionTest,
    interaction_text,
    surgery_mib1_interaction,
)
from nettx_utils.paper.prognostic import same_split_as_paper, same_split_text  # noqa: E402
from nettx_utils.paper.published import load_published_values  # noqa: E402
from nettx_utils.paper.strata import (  # noqa: E402
    mib1_missing_by_treatment_text,
    strata_sizes_text,
    strata_table,
    surgery_within_mib1_strata,
)
from nettx_utils.paper.univariable import (  # noqa: E402
    identical_splits,
    published_screen_p,
    screen_count_text,
    screen_table,
)


def test_identical_splits_are_shown_and_counted_once(cohort):
    specs = default_screen(cohort)
    assert identical_splits(cohort, specs) == {
        "surgery_at_recurrence": ["predominant_treatment_surgical"]
    }
    merged = univariable_screen(cohort, specs, merge_identical=True)
    keys = set(merged["variable"])
    assert "surgery_at_recurrence" in keys and "predominant_treatment_surgical" not in keys
    row = merged[merged["variable"] == "surgery_at_recurrence"].iloc[0]
    assert row["aliases"] == "Predominant treatment surgical"
    assert "Predominant treatment surgical" in row["note"]
    tested = merged.drop_duplicates("variable")["logrank_p"].notna().sum()
    assert merged.attrs["n_tests"] == tested == len(specs) - 1
    assert merged.attrs["n_characteristics"] == len(specs)
    # no two kept characteristics have the same p-value and the same group sizes
    blocks = merged.groupby("variable", sort=False).agg(
        p=("logrank_p", "first"), n=("n", lambda s: tuple(sorted(s)))
    )
    assert not blocks.dropna().duplicated().any()
    # without merging, every characteristic keeps its rows
    plain = univariable_screen(cohort, specs)
    assert plain["variable"].nunique() == len(specs)


def test_identical_split_detected_whatever_the_labels(cohort):
    planted = cohort.copy()
    # the same two groups as "sex", coded the other way round and as yes/no
    planted["carcinoid_syndrome"] = pd.array(planted["sex"] == "female", dtype="boolean")
    specs = [s for s in default_screen(planted) if s.key in ("sex", "carcinoid_syndrome")]
    assert identical_splits(planted, specs) == {"sex": ["carcinoid_syndrome"]}
    # a missing value in one of them changes the tested patients: no longer identical
    planted.loc[planted.index[0], "carcinoid_syndrome"] = pd.NA
    assert identical_splits(planted, specs) == {}


def test_screen_count_text_counts_distinct_tests(cohort):
    screen = univariable_screen(cohort, merge_identical=True)
    text = screen_count_text(screen)
    n = screen.attrs["n_tests"]
    assert f"ran {n} distinct tests" in text
    assert f"about {n * 0.05:.1f} of {n}" in text


def test_published_screen_rows_follow_the_cut_off():
    published = load_published_values()
    paper = published_screen_p(published)
    assert paper == {"months_lt_to_recurrence": 0.001, "surgery_at_recurrence": 0.062}
    assert set(published_screen_p(published, early_recurrence_months=36)) == {
        "surgery_at_recurrence"
    }


def test_screen_table_marks_the_papers_rows_and_formats_p(cohort):
    keys = {"months_lt_to_recurrence", "surgery_at_recurrence", "predominant_treatment_surgical"}
    specs = [s for s in default_screen(cohort) if s.key in keys]
    screen = univariable_screen(cohort, specs, merge_identical=True)
    # the paper's text reaches the kept row also when given under the merged alias
    table = screen_table(screen, {"predominant_treatment_surgical": "reported"})
    first = table[table["Characteristic"] != ""].set_index("Characteristic")
    assert first.loc["Surgery with radical intent at recurrence †", "In the paper"] == "reported"
    assert first.loc["Time from LT to recurrence", "In the paper"] == ""
    assert first.loc["Time from LT to recurrence", "Log-rank p"] == "0.001 *"
    assert "In the paper" not in screen_table(screen).columns


def test_strata_table_has_clinical_headers(cohort):
    table = strata_table(surgery_within_mib1_strata(cohort, 2))
    assert list(table.columns) == [
        "Stratum", "Group", "n", "Deaths", "5-y OS (%)", "Log-rank p", "Note"
    ]  # fmt: skip
    assert table["Log-rank p"].tolist() == ["0.225", "", "0.011 *", ""]
    assert not any("_" in c for c in table.columns)


def test_interaction_is_a_likelihood_ratio_test_of_the_product(cohort):
    test = surgery_mib1_interaction(cohort, 2)
    known = cohort["mib1_recurrence_pct"].notna()
    frame = pd.DataFrame(
        {
            "t": cohort.loc[known, T].astype(float),
            "d": cohort.loc[known, E].astype(int),
            "s": cohort.loc[known, "surgery_at_recurrence"].astype(int),
            "h": (cohort.loc[known, "mib1_recurrence_pct"] > 2).astype(int),
        }
    )
    frame["sh"] = frame["s"] * frame["h"]
    full = CoxPHFitter().fit(frame, "t", "d")
    reduced = CoxPHFitter().fit(frame.drop(columns="sh"), "t", "d")
    lr = 2 * (full.log_likelihood_ - reduced.log_likelihood_)
    assert test.chi2 == pytest.approx(lr, rel=1e-6)
    assert test.p == pytest.approx(chi2.sf(lr, 1), rel=1e-6)
    assert test.ratio == pytest.approx(np.exp(full.params_["sh"]), rel=1e-6)
    assert (test.n, test.deaths) == (len(frame), int(frame["d"].sum()))
    assert test.note == ""


def test_interaction_with_a_cell_without_deaths_says_separation(cohort):
    planted = cohort.copy()
    low = planted["mib1_recurrence_pct"] <= 2
    planted.loc[low & planted["surgery_at_recurrence"].astype(bool), E] = False
    test = surgery_mib1_interaction(planted, 2)
    assert np.isnan(test.p) and "separation" in test.note
    assert "low Mib-1 with surgery" in test.note


def test_interaction_and_strata_with_an_empty_cell_say_which(cohort):
    planted = cohort.copy()
    low = planted["mib1_recurrence_pct"] <= 2
    planted.loc[low, "surgery_at_recurrence"] = False  # nobody operated at low Mib-1
    test = surgery_mib1_interaction(planted, 2)
    assert "no patient in low Mib-1 with surgery" in test.note
    table = strata_table(surgery_within_mib1_strata(planted, 2))
    note = table.loc[0, "Note"]
    assert "no patient in Surgery" in note and "in Yes" not in note


def test_changed_cut_offs_are_not_called_the_papers(cohort):
    from nettx_utils.paper.prognostic import cutoff_text, default_screen

    specs = {s.key: s for s in default_screen(cohort, mib1_threshold_pct=5)}
    assert specs["mib1_recurrence_pct"].split_rule == "this run's cut-off 5% (the paper: 2%)"
    assert specs["months_lt_to_recurrence"].split_rule == "paper's cut-off 24 mo"
    assert "paper" not in specs["age_at_lt_years"].split_rule
    assert cutoff_text(36, 24, " months") == (
        "36 months (this run's cut-off; the paper's is 24 months)"
    )
    assert cutoff_text(2.0, 2, "%") == "2% (the paper's cut-off)"


def test_post_baseline_rows_are_marked_and_sparse_tests_flagged(cohort):
    keys = {"months_lt_to_recurrence", "treatment_radiotherapy", "recurrence_site_bone"}
    specs = [s for s in default_screen(cohort) if s.key in keys]
    screen = univariable_screen(cohort, specs)
    table = screen_table(screen)
    first = table[table["Characteristic"] != ""].set_index("Characteristic")
    marked = [c for c in first.index if c.endswith(" †")]
    assert len(marked) == 1 and "adiotherapy" in marked[0]
    # a block is flagged exactly when one of its groups has 1 or 2 patients
    for key, block in screen.groupby("variable", sort=False):
        label = block["characteristic"].iloc[0]
        label = next(c for c in first.index if c.startswith(label))
        small = bool(block["n"].between(1, 2).any()) and block["logrank_p"].notna().any()
        assert ("unreliable" in first.loc[label, "Note"]) == small, key
    planted = cohort.copy()
    planted["recurrence_site_bone"] = pd.array([True] + [False] * (len(cohort) - 1), "boolean")
    bone = screen_table(univariable_screen(planted, [s for s in specs if "bone" in s.key]))
    assert "asymptotic chi-squared p is unreliable" in bone.loc[0, "Note"]


def test_interaction_profile_interval_inverts_the_likelihood_ratio_test(cohort):
    from nettx_utils.stats.cox import profile_loglik

    test = surgery_mib1_interaction(cohort, 2)
    known = cohort["mib1_recurrence_pct"].notna()
    s = cohort.loc[known, "surgery_at_recurrence"].astype(int).to_numpy()
    h = (cohort.loc[known, "mib1_recurrence_pct"] > 2).astype(int).to_numpy()
    X = np.column_stack([s, h, s * h]).astype(float)
    t = cohort.loc[known, T].astype(float).to_numpy()
    d = cohort.loc[known, E].astype(int).to_numpy()
    frame = pd.DataFrame({"s": s, "h": h, "sh": s * h, "t": t, "d": d})
    full = CoxPHFitter().fit(frame, "t", "d")
    assert test.profile_lower < test.ratio < test.profile_upper
    for bound in (test.profile_lower, test.profile_upper):
        drop = 2 * (full.log_likelihood_ - profile_loglik(X, t, d, 2, np.log(bound)))
        assert drop == pytest.approx(chi2.ppf(0.95, 1), abs=1e-6)
    # the interval holds 1 exactly when the likelihood-ratio test does not reject
    assert (test.p < 0.05) == (not test.profile_lower <= 1 <= test.profile_upper)
    text = interaction_text(test, 0.05, "L")
    assert text.startswith(f"likelihood-ratio p = {format_p(test.p)} [L]")
    assert "profile likelihood" in text


def test_a_threshold_with_no_patient_between_it_and_the_papers_gives_the_papers_split(cohort):
    mib1 = cohort["mib1_recurrence_pct"].dropna()
    between = ((mib1 > 2) & (mib1 <= 5)).any()
    assert same_split_as_paper(cohort, 5) == (not between)
    planted = cohort.copy()
    planted.loc[mib1.index[0], "mib1_recurrence_pct"] = 3.0  # now one patient lies between
    assert not same_split_as_paper(planted, 5) and same_split_text(planted, 5) == ""
    if not between:
        assert "same stratum as the paper's 2%" in same_split_text(cohort, 5)
    assert same_split_text(cohort, 2) == ""  # the paper's own threshold: nothing to say


def test_mib1_missing_by_treatment_counts(cohort):
    operated = cohort["surgery_at_recurrence"].astype(bool)
    missing = cohort["mib1_recurrence_pct"].isna()
    m1, n1 = int((missing & operated).sum()), int(operated.sum())
    m0, n0 = int((missing & ~operated).sum()), int((~operated).sum())
    text = mib1_missing_by_treatment_text(cohort, " [L]")
    assert text.startswith(
        f"Mib-1 at recurrence is missing for {m1} of the {n1} operated patients and "
        f"{m0} of the {n0} others [L]"
    )
    assert ("more often" in text) == (m1 * n0 != m0 * n1)
    complete = cohort.assign(mib1_recurrence_pct=5.0)
    assert "known for every patient" in mib1_missing_by_treatment_text(complete)


def test_strata_sizes_label_the_deaths_not_the_published_counts(cohort):
    text = strata_sizes_text(surgery_within_mib1_strata(cohort, 2), "", " [L]")
    counts, deaths = text.split("; deaths in them: ")
    assert "[L]" not in counts and deaths.endswith("[L]")


def test_the_screen_caption_is_complete_without_the_page():
    """The exported screen has no note below it: its caption explains † itself and, on the
    synthetic cohort only, says that the rows the paper does not print are not findings."""

    synthetic = univariable.screen_caption(0.05, True)
    centre = univariable.screen_caption(0.05, False)
    for caption in (synthetic, centre):
        assert "note below" not in caption
        assert f"{univariable.POST_BASELINE_MARK} known only after the recurrence" in caption
        assert "immortal-time bias" in caption and "* p < 0.05" in caption
    assert "not printed by the paper" in synthetic and "synthetic cohort only" in synthetic
    assert "synthetic" not in centre and "not printed" not in centre


def test_shape_note_says_what_the_paper_prints_of_each_figure():
    from nettx_utils.paper.footnotes import curve_shape_note
    from nettx_utils.paper.prognostic import printed_group_values

    # early_recurrence_months 36: the timing figure is no longer the paper's, but the
    # surgery figure still is (its split does not depend on the cut-off)
    timing = curve_shape_note(True, printed_group_values(False, True, 5), curves=True)
    surgery = curve_shape_note(True, printed_group_values(True, True, 5), curves=True)
    assert timing.startswith("The paper prints none of this figure's values")
    assert surgery.startswith("The paper prints each group's size, its survival at 5 years")
    # another landmark: the sizes and the log-rank p are still the paper's
    other = printed_group_values(True, False, 3)
    assert other == "each group's size and the log-rank p"
    # a user's cohort: two curves, both theirs
    assert curve_shape_note(False, "", curves=True) == "The curves are those of your cohort."


@pytest.mark.parametrize("p", [0.003, 0.16])
def test_interaction_text_speaks_of_the_hazard_ratio_not_of_an_effect_of_surgery(p):
    # the surgery comparison is confounded and favoured by immortal time: the sentence
    # about the strata must describe an association, whichever side of alpha p falls
    test = InteractionTest(21, 8, 1.97, p, 0.08, 0.003, 2.41, "", 0.002, 1.9)
    meaning = interaction_text(test, 0.05).split(": ", 1)[1]
    assert "hazard ratio of surgery" in meaning
    for causal in ("effect of surgery", "surgery works"):
        assert causal not in meaning
    if p < 0.05:
        assert "an association" in meaning and "immortal-time" in meaning

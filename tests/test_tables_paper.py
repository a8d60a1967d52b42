"""Table 2 shown whole with its notes, the status table beside the paper, and the
printed forms of the chapter tables (no raw program output, no snake_case headers)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from nettx_utils import formatting
from nettx_utils.data import derived
from nettx_utils.data.cohort import load_cohort
from nettx_utils.paper import footnotes, results, tables
from nettx_utils.stats import quartiles


@pytest.fixture(scope="module")
def cohort():
    return load_cohort()


@pytest.fixture(scope="module")
def scored(cohort):
    from nettx_utils.pages.chapter import _score

    return _score(cohort)


# --------------------------------------------------------------------------- Table 2


def test_table2_has_every_block_of_the_papers_table(cohort):
    table = tables.table2(cohort)
    labels = [label.strip() for label in table["label"]]
    for block in (
        "Age at recurrence, y",
        "Serum CgA (ng/mL) at recurrence",
        "Mib-1 % of recurrence (21 pts)",
        "Site of recurrence",
        "Single-site recurrence locations (26 pts)",
        "Multiple site recurrence locations (6 pts)",
        "Treatment (total)",
        "Outcome of predominant treatment",
    ):
        assert block in labels, block
    keys = set(table["key"])
    assert {"recurrence_timing=early", "recurrence_timing=late"} <= keys
    assert {"mib1_recurrence_group=le2", "mib1_recurrence_group=2to20"} <= keys
    assert {"single_site=abdominal_ln_locoregional", "single_site=abdominal_ln_distant"} <= keys
    # the footnote marks sit on the rows the paper marks, and on the cut-off rows
    by_key = table.set_index("key")["label"]
    assert by_key["single_site=abdominal_ln_locoregional"].endswith(tables.LOCOREGIONAL_MARK)
    assert by_key["recurrence_timing=early"] == "≤24 mo" + tables.CUTOFF_MARK
    assert ("Predominant treatment" + tables.PREDOMINANT_MARK) in labels
    # both halves are there, in the paper's order
    assert table["part"].tolist().index("treatment") > labels.index(
        "Multiple site recurrence locations (6 pts)"
    )


def test_cutoff_note_counts_recurrences_at_exactly_the_cutoff():
    months = pd.Series([10.0, 24.0, 24.0, 30.0, float("nan")])
    note = footnotes.cutoff_reading(months, 24, synthetic=False)
    assert "2 patients recurred exactly 24 months" in note
    assert "different groups" in note and "same two groups" not in note
    assert "this cohort" in note and "synthetic" not in note
    # the same cohort read at another cut-off: nobody at 36 months, and the run says so
    note36 = footnotes.cutoff_reading(months, 36, synthetic=True)
    assert "same two groups" in note36 and "synthetic cohort" in note36
    assert "cut-off of 36 months instead of the paper's 24" in note36
    assert "1 patient recurred" in footnotes.cutoff_reading(pd.Series([24.0, 3.0]), 24)


def test_cutoff_note_is_true_on_the_synthetic_cohort(cohort):
    at_cutoff = int((cohort["months_lt_to_recurrence"] == 24).sum())
    note = footnotes.cutoff_reading(cohort["months_lt_to_recurrence"], 24)
    assert ("same two groups" in note) == (at_cutoff == 0)


def test_table2_notes_carry_both_footnotes_the_cutoff_and_abbreviations():
    notes = footnotes.table2_notes(pd.Series([24.0, 50.0]), 24, synthetic=False)
    for letter in ("a", "b", "c"):
        assert f"<sup>{letter}</sup>" in notes
    assert "mesenteric" in notes and "most aggressive" in notes
    assert "1 patient recurred exactly 24 months" in notes
    assert "CgA, chromogranin A" in notes and "pts, patients" in notes


def test_commonest_label_ignores_sub_rows_and_marks(cohort):
    table = tables.table2(cohort)
    singles = table[table["key"].str.startswith("single_site=") & (table["indent"] == 1)]
    expected = singles.loc[singles["n"].astype(int).idxmax(), "label"]
    assert tables.commonest_label(table, "single_site=") == expected
    assert tables.commonest_label(table, "no_such_prefix=") == "none"


def test_site_summary_counts_single_sites_and_says_when_there_is_none(cohort):
    single = derived.recurrence_extent(cohort) == "single"
    text = tables.site_summary(tables.table2(cohort))
    assert text.startswith(f"{int(single.sum())} of the {len(cohort)} recurrences")
    assert text.endswith("most often in abdominal lymph nodes")
    everywhere = cohort.copy()
    for site in derived.RECURRENCE_SITES:  # every patient recurs at every site: none single
        everywhere[f"recurrence_site_{site}"] = True
    text = tables.site_summary(tables.table2(everywhere))
    assert (
        text == f"none of the {len(cohort)} recurrences with a recorded site was at a single site"
    )


# --------------------------------------------------------------------------- status


def test_status_beside_paper_prints_the_published_numbers(cohort, scored):
    from nettx_utils.project import DATA_DIR

    published = pd.read_csv(DATA_DIR / "published_values.csv", dtype=str).set_index("id")
    status = tables.status_beside_paper(tables.status_table(cohort), scored).set_index("key")
    died = published.loc["res_died_n", "value"], published.loc["res_died_pct", "value"]
    assert status.loc["status=dead", "paper"] == f"{died[0]} ({died[1]})"
    assert status.loc["death_cause=other", "paper"] == published.loc["res_death_other_n", "value"]
    assert (
        status.loc["status=alive_with_disease", "paper"]
        == (published.loc["res_alive_with_disease_n", "value"])
    )
    assert set(status["mark"]) == {"✓"}


def test_status_beside_paper_marks_a_mismatch(cohort, scored):
    changed = scored.copy()
    changed.loc[changed["id"] == "res_died_n", "match"] = False
    status = tables.status_beside_paper(tables.status_table(cohort), changed).set_index("key")
    assert status.loc["status=dead", "mark"] == "✗"
    assert status.loc["status=alive_free", "mark"] == "✓"


def test_status_view_shows_the_paper_column(cohort, scored):
    status = tables.status_beside_paper(tables.status_table(cohort), scored)
    html = tables.paper_layout(status, "Status", len(cohort)).to_html()
    assert "Paper" in html and "Match" in html


# --------------------------------------------------------------------------- printed forms


def test_rank_tests_view_prints_p_as_the_paper_does():
    rows = pd.DataFrame(
        {
            "comparison": ["A", "B", "C"],
            "test": ["t", "t", "t"],
            "n": [10, 10, 0],
            "statistic": [0.0, 4.0, math.nan],
            "statistic_name": ["W⁺ (first − second)"] * 3,
            "p_value": [1e-6, 0.01574, math.nan],
        }
    )
    frame = results.rank_tests_view(rows, "c", alpha=0.05, paper=["x", "y", "z"]).data
    assert frame["P"].tolist() == ["< 0.0001", "0.0157", "NA"]
    assert frame["P < 0.05"].tolist() == ["yes", "yes", "–"]
    assert frame["In the paper"].tolist() == ["x", "y", "z"]
    html = results.rank_tests_view(rows, "c", alpha=0.05).to_html()
    assert "0.0000" not in html and "p_value" not in html


def test_paper_test_column_marks_only_the_unpublished_tests(cohort, scored):
    from nettx_utils.stats.association import mib1_comparisons, paper_test_column

    tests = mib1_comparisons(cohort)
    keys = zip(tests["key"], tests["test_key"], strict=True)
    column = dict(zip(keys, paper_test_column(tests, scored), strict=True))
    assert column[("lt_recurrence", "mann_whitney")] == "P = 0.016"
    assert column[("primary_lt", "mann_whitney")] == "P < 0.0001"
    assert "synthetic cohort only" in column[("primary_lt", "signed_rank")]
    assert paper_test_column(tests, scored, synthetic=False) is None


def test_views_have_no_snake_case_headers(cohort):
    from nettx_utils.stats.association import paper_correlations
    from nettx_utils.stats.survival import fit_kaplan_meier, landmark_table

    km = fit_kaplan_meier(
        cohort["months_recurrence_to_last_followup"], derived.event_flags(cohort["died"])
    )
    views = [
        results.landmark_view(landmark_table(km, [5, 10]), "c"),
        results.correlations_view(paper_correlations(cohort), "c"),
        results.rate_view(
            tables.rate_by_group(
                derived.presentation(cohort),
                cohort["surgery_at_recurrence"],
                derived.PRESENTATIONS,
                what="surgery",
            ),
            "c",
            what="surgery",
            header="Operated",
        ),
    ]
    for view in views:
        for header in view.data.columns:
            assert "_" not in header and not header[0].islower(), header
    assert "Why not computed" not in views[1].data.columns
    tiny = results.correlations_view(paper_correlations(cohort.head(2)), "c").data
    assert tiny["P"].eq("NA").all() and "Why not computed" in tiny.columns


def test_months_text_and_unpublished_mark():
    assert results.months_text(80.6) == "81 months"
    assert results.months_text(math.inf) == "not reached"
    assert results.months_text(math.nan) == "not estimable"
    assert "synthetic" in formatting.unpublished_mark(True)
    assert "synthetic" not in formatting.unpublished_mark(False)


def test_events_between_counts_by_hand():
    times = pd.Series([4.5, 50.2, 51.9, 59.99, 60.0, 70.0])
    events = pd.Series([1, 1, 0, 1, 1, None])
    assert derived.events_between(times, events, 48, 60) == 2
    assert derived.events_between(times, events, 0, 100) == 4


# --------------------------------------------------------------------------- Table 1 labels


def test_table1_row_label_gives_the_denominator_of_its_statistic(cohort):
    # the number of LRTs is counted only for the treated: its median is among them, not
    # among all the cohort's patients, and the label says how many (from the data)
    table = tables.table1(cohort)
    treated = int(cohort["pre_lt_locoregional"].astype(bool).sum())
    row = tables.row(table, "n_pre_lt_lrt")
    assert row["denominator"] == treated < len(cohort)
    assert row["label"] == f"Number of pre-LT LRTs\u1d43 ({treated} patients with a pre-LT LRT)"
    # the mark leads to the note that the denominator is the book's reading, not the paper's
    assert tables.TABLE1_NOTE_A.startswith("a: The paper prints no denominator")
    # rows computed on every patient keep their plain label
    assert tables.row(table, "age_at_lt_years")["label"] == "Age at LT (y)"


def test_table1_labels_a_percentage_with_missing_values_by_its_denominator(cohort):
    partial = cohort.copy()
    partial.loc[partial.index[:2], "carcinoid_syndrome"] = pd.NA
    row = tables.row(tables.table1(partial), "carcinoid_syndrome")
    assert row["label"] == f"Carcinoid syndrome (yes) (of {len(cohort) - 2} patients with a value)"


def test_coarser_paper_note_explains_the_mib1_median_beside_the_papers_2(cohort, scored):
    from nettx_utils.paper.comparison import side_by_side
    from nettx_utils.paper.published import load_published_values

    table = side_by_side(tables.table1(cohort), scored, "table1")
    row = tables.row(table, "mib1_primary_pct")
    assert row["paper"].startswith("2 (") and row["display"].startswith("1.75 (")
    notes = footnotes.coarser_paper_notes(table, load_published_values())
    # one note, for the only row whose paper figure is coarser than the book's
    assert len(notes) == 1
    assert notes[0].startswith("Mib-1 % of primary tumor: the paper's table prints the median")
    assert "1.75" in notes[0] and "rounds to it" in notes[0]
    assert notes[0].count("The paper's text prints") == 1


def test_quartiles_text_shows_only_published_numbers_or_marks_them():
    from nettx_utils.paper.published import load_published_values

    published = load_published_values()
    ids = {f: f"res_mib1_change_primary_lt_{f}" for f in ("median", "q1", "q3")}
    # the paper: 87.5 (30–237.5); a Q1 of 30.3 rounds to its 30, 30.6 does not
    near = quartiles.Quartiles(30.3, 87.5, 237.5, 32)
    assert results.quartiles_text(near, published, ids, synthetic=True, unit="%") == (
        "87.5 (30–237.5) %"
    )
    far = quartiles.Quartiles(30.6, 87.5, 237.5, 32)
    text = results.quartiles_text(far, published, ids, synthetic=True, unit="%")
    assert text == "87.5 (30.6–237.5) % " + formatting.unpublished_mark(True)
    assert results.quartiles_text(near, published, ids, synthetic=False) == "87.5 (30.3–237.5)"

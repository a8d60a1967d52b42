"""The reproduction report and the chapters' comparisons with the paper.

On the synthetic cohort: the captions' counts add up to the rows shown, bounded
p-values are printed in the paper's form, the audit shows no internal ids. On any
other cohort: the paper's values stand beside the cohort's as context, with no score
and no marks. And the audit row about the rate of untreatable progression is checked
against the cohort and against the printed values.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from nettx_utils.data.cohort import load_cohort
from nettx_utils.data.template import example_cohort
from nettx_utils.formatting import printed
from nettx_utils.pages import report
from nettx_utils.pages.chapter import open_chapter
from nettx_utils.pages.table_export import CAPTION_COLUMN
from nettx_utils.paper.comparison import (
    SYNTHETIC_COLUMN,
    book_text,
    comparison_frame,
    comparison_view,
    one_per_quantity,
    quantity_key,
    tally,
    tally_text,
)
from nettx_utils.paper.consistency import audit_frame
from nettx_utils.paper.context import COHORT_COLUMN, CONTEXT_KINDS, context_frame
from nettx_utils.paper.published import load_consistency_audit, load_published_values
from nettx_utils.paper.rounding import HALF_DOWN_MARK
from nettx_utils.paper.scoring import score

MARKS = {"✓", "✗", "⚑"}


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return load_published_values()


@pytest.fixture(scope="module")
def audit(published) -> pd.DataFrame:
    return load_consistency_audit(published=published)


@pytest.fixture(scope="module")
def scored(published, audit) -> pd.DataFrame:
    return score(load_cohort(), published, audit)


@pytest.fixture(scope="module")
def other_scored(published, audit, tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("centre") / "centre.csv"
    example_cohort(n=80, seed=3).to_csv(path, index=False)
    return score(load_cohort(path), published, audit)


# ------------------------------------------------------------------ counts add up


def test_each_sections_caption_counts_add_up_to_its_rows(scored):
    for section in report.SECTIONS:
        rows = scored[scored["section"] == section]
        frame = comparison_frame(rows)
        counts = tally(rows)
        assert counts["values"] == len(frame)
        assert counts["reproduced"] + counts["flagged"] + counts["not_reproduced"] == len(frame)
        marks = frame["Match"].value_counts()
        assert marks.get("✓", 0) + marks.get(HALF_DOWN_MARK, 0) == counts["reproduced"]
        assert marks.get(HALF_DOWN_MARK, 0) == counts["half_down"]
        assert marks.get("⚑", 0) == counts["flagged"]
        assert marks.get("✗", 0) == counts["not_reproduced"]
        caption = comparison_view(rows, "Chapter").caption
        assert f"({len(frame)} values: {counts['reproduced']} reproduced, " in caption


def test_tally_counts_a_flagged_value_as_flagged_whatever_its_match(scored):
    rows = scored[scored["section"] == "treatments"].copy()
    # Break one counted and one flagged value: only the counted one becomes a miss.
    counted = rows.index[rows["computable"] & ~rows["flagged"]][0]
    flagged = rows.index[rows["computable"] & rows["flagged"]][0]
    before = tally(rows)
    rows.loc[[counted, flagged], "match"] = False
    after = tally(rows)
    assert after["not_reproduced"] == before["not_reproduced"] + 1
    assert after["flagged"] == before["flagged"]
    assert (
        after["values"]
        == before["values"]
        == sum(after[k] for k in ("reproduced", "flagged", "not_reproduced"))
    )
    assert tally_text(after).startswith(f"{after['values']} values: ")


# ------------------------------------------------------------------ p-values


def test_a_p_value_within_the_papers_bound_is_printed_as_the_bound(scored):
    frame = comparison_frame(scored).set_index(scored.loc[scored["computable"], "id"].to_numpy())
    for pid in ("res_mib1_primary_vs_lt_p", "disc_mib1_primary_vs_lt_p"):
        assert scored.set_index("id").at[pid, "reproduced"] < 1e-4
        assert frame.at[pid, "Paper"] == "< 0.0001"
        assert frame.at[pid, SYNTHETIC_COLUMN] == "< 0.0001"


def test_every_matching_p_value_prints_as_the_paper_prints_it(scored):
    rows = scored[(scored["kind"] == "p_value") & scored["computable"]]
    assert len(rows) >= 19
    for r in rows.itertuples():
        text = book_text(r.reproduced, r.decimals, r.published, r.bound or None, r.kind)
        assert not re.fullmatch(r"0\.0+", text), text  # never "0.000"
        if r.match:
            assert text == printed(r.published, r.decimals, r.bound or None), r.id


def test_p_values_outside_a_bound_and_near_zero_are_not_dressed_up():
    assert book_text(0.00012, 4, 0.0001, "<", "p_value") == "0.00012"  # not "0.0001"
    assert book_text(0.3, 4, 0.0001, "<", "p_value") == "0.3000"
    assert book_text(0.0004, 3, 0.001, "", "p_value") == "< 0.001"
    assert book_text(math.nan, 3, 0.001, "", "p_value") == "–"


# ------------------------------------------------------------------ another cohort


def test_context_frame_has_no_marks_no_counts_no_p_values(other_scored):
    frame = context_frame(other_scored)
    assert list(frame.columns) == ["Where", "What", "Unit", "Paper", COHORT_COLUMN, "Difference"]
    assert not MARKS & set(frame.to_numpy().ravel())
    kept = other_scored[
        other_scored["computable"]
        & other_scored["kind"].isin(CONTEXT_KINDS)
        & ~other_scored["flagged"]
    ]
    # one row per quantity, or per printed value where equally precise printings differ
    finest = kept[
        kept["decimals"]
        == kept.groupby(kept["spec"].map(quantity_key))["decimals"].transform("max")
    ]
    pairs = finest["spec"].map(quantity_key) + "=" + finest["published"].astype(str)
    assert len(frame) == pairs.nunique() >= kept["spec"].map(quantity_key).nunique()
    assert not frame["What"].str.endswith(", P").any()
    rows = one_per_quantity(kept)
    decimals = kept.groupby(kept["spec"].map(quantity_key))["decimals"].max()
    assert (
        rows["decimals"].to_numpy() == decimals[rows["spec"].map(quantity_key)].to_numpy()
    ).all()
    for (_, r), (_, shown_row) in zip(rows.iterrows(), frame.iterrows(), strict=True):
        if pd.isna(r["reproduced"]):
            assert shown_row["Difference"] == "–"
            continue
        # The cohort's value with one decimal more than the paper (halves up), and the
        # unrounded value minus the paper's at the same decimals; as the book's formatter,
        # a value is read at 12 significant digits first (0.525 stored as 0.52499... is 0.525).
        quantum = Decimal(1).scaleb(-int(r["decimals"]) - 1)
        ours = Decimal(f"{float(r['reproduced']):.12g}").quantize(quantum, rounding=ROUND_HALF_UP)
        assert shown_row[COHORT_COLUMN] == str(ours)
        exact = Decimal(f"{float(r['reproduced']) - float(r['published']):.12g}")
        difference = exact.quantize(quantum, rounding=ROUND_HALF_UP)
        text = shown_row["Difference"].replace("−", "-").lstrip("+")
        assert Decimal(text) == difference or (difference == 0 and Decimal(text) == 0)


def test_chapters_show_another_cohort_beside_the_paper_without_marks(tmp_path):
    path = tmp_path / "centre.csv"
    example_cohort(n=60, seed=2).to_csv(path, index=False)
    chapter = open_chapter("04_outcomes", data_path=path, glue=False)
    assert not chapter.synthetic and report.mode(chapter) == "context"
    view = chapter.beside_the_paper("Outcomes after recurrence")
    assert "Match" not in view.data.columns and COHORT_COLUMN in view.data.columns
    assert "no score" in view.caption
    for table in report.tables(chapter, chapter.score):
        assert "no score" in table.caption and "Match" not in table.data.columns
        assert not MARKS & set(table.data.to_numpy().ravel())
    assert "Match" not in report.export_frame(chapter, chapter.score).columns
    assert "no score and no marks" in chapter.comparison_note()
    assert "without marks" in chapter.comparison_text()
    text = report.introduction(chapter) + report.summary(chapter, load_published_values(), None)
    assert "no score" in text and "Reproduced" not in text


def test_synthetic_cohort_is_scored_and_changed_choices_are_not():
    chapter = open_chapter("06_reproduction_report", glue=False)
    assert report.mode(chapter) == "scored"
    view = chapter.beside_the_paper("Reproduction")
    assert SYNTHETIC_COLUMN in view.data.columns
    changed = open_chapter("06_reproduction_report", glue=False, quantile_method="linear")
    assert report.mode(changed) == "changed"
    assert report.tables(changed, None) == [] and report.export_frame(changed, None) is None
    assert "quantile_method" in report.introduction(changed)
    assert "Reproduced" not in report.summary(changed, load_published_values(), None)


def test_the_scored_summary_states_the_counts_of_the_score(scored, published):
    chapter = open_chapter("06_reproduction_report", glue=False)
    counts = tally(scored)
    text = report.summary(chapter, published, scored)
    n = counts["reproduced"] + counts["not_reproduced"]
    assert text.startswith(f"**Reproduced {counts['reproduced']} of {n} published values")
    intro = report.introduction(chapter)
    assert intro.index("*not* show") < intro.index("How a match is judged")
    for evidence in ("survfit", "survdiff", "aml", "by hand", "tests/test_association.py"):
        assert evidence in intro


def test_the_statements_no_cohort_recomputes_are_counted_by_what_they_are(published):
    """Every non-computable row gets a named kind; the counts match the file by hand."""
    rest = published.loc[~published["computable"].astype(bool)]
    kinds = rest["statistic"].map(report._context_kind)
    assert "other context" not in set(kinds), rest.loc[kinds == "other context", "id"].tolist()
    by_id = dict(zip(rest["id"], kinds, strict=True))
    assert by_id["meth_ctx_min_followup"] == "selection criteria or treatment rules"
    assert by_id["meth_ctx_alpha"] == "analysis definitions of the paper"
    assert by_id["disc_ctx_late_years"] == "analysis definitions of the paper"
    assert by_id["disc_ctx_ttr_years"] == "rounded restatement of a median scored elsewhere"
    assert by_id["res_ctx_lt_os_5y"] == (
        "figures about all the patients transplanted in the period"
    )
    text = report.context_kinds(published)
    numbers = [int(n) for n in re.findall(r"(?:^|, | and )(\d+) ", text)]
    assert sum(numbers) == len(rest)
    from types import SimpleNamespace as run

    context_run = run(synthetic=False, differs={})
    assert f"the other {len(rest)} are {text}" in report.summary(context_run, published, None)


def test_the_exported_comparison_has_a_caption_for_its_cohort():
    from types import SimpleNamespace as run

    scored_run = report.export_caption(run(synthetic=True, differs={}))
    context_run = report.export_caption(run(synthetic=False, differs={}))
    assert "synthetic" in scored_run and "reproduced" in scored_run
    assert "no score" in context_run and "synthetic" not in context_run


# ------------------------------------------------------------------ the audit


def test_the_audit_table_shows_no_internal_ids(audit, published):
    frame = audit_frame(audit, published)
    assert list(frame.columns) == [
        "Check",
        "Finding",
        "The synthetic cohort follows",
        "Left out of the score",
    ]
    text = " ".join(frame.to_numpy().ravel())
    ids = set(published["id"]) | set(audit["id"])
    shown_ids = sorted(i for i in ids if re.search(rf"\b{re.escape(i)}\b", text))
    assert shown_ids == []
    assert "nettx_utils" not in text and "_" not in frame["Left out of the score"].str.cat()
    nothing = frame["Left out of the score"].str.startswith("none")
    assert nothing.sum() == (audit["flagged_ids"] == "").sum()
    # a row that flags nothing says why (its reason), where the audit gives one
    reasons = audit.loc[nothing.to_numpy(), "reason"]
    for shown_text, reason in zip(
        frame.loc[nothing, "Left out of the score"], reasons, strict=True
    ):
        assert shown_text == (f"none: {reason}" if reason else "none")


@pytest.mark.parametrize("synthetic", [True, False])
def test_the_audits_words_and_columns_follow_the_cohort(audit, published, synthetic):
    """On another cohort nothing is scored and nothing follows the synthetic cohort: the
    audit's heading, its columns and its rows say neither; on the synthetic cohort they do."""
    from types import SimpleNamespace

    run = SimpleNamespace(synthetic=synthetic, differs={})
    kind = report.mode(run)
    frame = audit_frame(audit, published, mode=kind)
    words = " ".join(
        [report.opening(run), report.audit_introduction(run), *frame.columns, *frame["Finding"]]
    )
    if synthetic:
        assert "The synthetic cohort follows" in frame.columns
        assert "Left out of the score" in frame.columns
    else:
        assert list(frame.columns) == ["Check", "Finding", "Left out of the comparison"]
        assert "score" not in words.lower()
        assert "synthetic cohort" not in words
        assert "can show about them" not in words


def test_matches_that_need_a_half_rounded_down_are_marked_and_counted(scored, published):
    """CgA before LT Q1 60.05 (paper 60.0), months diagnosis to LT 22.65 (22.6), CgA at
    recurrence 85.15 (85.1) and 132.55 (132.5): matches only if the paper rounded the half
    down; a percentage half (6 of 32 = 18.75, paper 18.7) is not marked."""
    frame = comparison_frame(scored[scored["computable"]])
    by_id = dict(zip(scored.loc[scored["computable"], "id"], frame["Match"], strict=True))
    expected = {
        "t1_cga_lt_q1",
        "t1_dx_to_lt_median",
        "res_dx_to_lt_median",
        "disc_dx_to_lt_median",
        "res_cga_recurrence_surgery_median",
        "res_cga_recurrence_nonsurgery_median",
    }
    assert {i for i, m in by_id.items() if m == HALF_DOWN_MARK} == expected
    assert by_id["t1_cyclosporine_pct"] == "✓"
    assert by_id["t2_age_recurrence_q1"] == "✓"  # 48.45 printed 48.5: rounded up
    counts = tally(scored)
    assert counts["half_down"] == len(expected)
    text = report.summary(
        __import__("types").SimpleNamespace(synthetic=True, differs={}), published, scored
    )
    assert f"Of the reproduced values, {len(expected)} (medians or quartiles" in text
    assert "provided that the paper rounded down" in report._SCORE_MEANING


def test_the_books_value_is_never_printed_below_what_distinguishes_it(scored, other_scored):
    """A flagged third quartile of 2.8 is not printed as 3 beside the paper's 2; on another
    cohort a median of 1.75 is not printed as the paper's 2 with a difference of 0."""
    frame = comparison_frame(scored[scored["computable"]])
    row = frame[scored.loc[scored["computable"], "id"].eq("res_mib1_primary_q3").to_numpy()]
    assert row.iloc[0][SYNTHETIC_COLUMN] == "2.8" and row.iloc[0]["Paper"] == "2"
    fake = scored[scored["id"] == "res_mib1_primary_median"].copy()
    fake["reproduced"] = 1.75
    fake["published"] = 2.0
    fake["decimals"] = 0  # Table 1 prints the median without decimals
    fake["flagged"] = False
    fake["spec"] = "median:a_column_the_paper_prints_once"  # not the report's 1.75 printing
    context = context_frame(fake)
    assert context.iloc[0][COHORT_COLUMN] == "1.8"
    assert context.iloc[0]["Difference"] in {"-0.3", "−0.3"}
    fake["reproduced"] = 47.3
    fake["published"] = 50.0
    context = context_frame(fake)
    assert context.iloc[0][COHORT_COLUMN] == "47.3"
    assert context.iloc[0]["Difference"] in {"-2.7", "−2.7"}


def _km(durations, events, months: float) -> float:
    fitter = KaplanMeierFitter().fit(np.asarray(durations, float), np.asarray(events, int))
    return float(fitter.survival_function_at_times([months]).iloc[0])


def test_the_up_rate_row_holds_on_the_cohort_and_in_the_printed_values(audit, published):
    """Audit row km_up_rate_vs_followup, recomputed with lifelines on the synthetic cohort."""
    row = audit.set_index("id").loc["km_up_rate_vs_followup"]
    finding = row["finding"]
    at_most = int(re.search(r"a <= (\d+)", finding).group(1))
    followed_min = int(re.search(r"so at least (\d+)\.", finding).group(1))
    up_then_alive_min = int(re.search(r"at least (\d+) patients had UP", finding).group(1))

    values = published.set_index("id")["value"]
    n, events = 32, int(values["res_up_n"])
    free_hi = 1 - (values["res_up_5y"] - 0.05) / 100  # 0.4285: S_UP(60) prints as 42.8 at most
    # a/(a + events) <= S_UP(60): the largest a the printed rate allows.
    assert max(a for a in range(n) if a / (a + events) <= free_hi) == at_most
    # Still followed after 60 months = n S(60) G(60) > n x 0.7625 x 0.5 = 12.2.
    os_lo = (values["res_os_rec_5y"] - 0.05) / 100
    assert math.floor(n * os_lo * 0.5) + 1 == followed_min
    assert followed_min - at_most == up_then_alive_min

    cohort = load_cohort()
    months = cohort["months_recurrence_to_last_followup"].to_numpy(float)
    died = cohort["died"].astype(int).to_numpy()
    up = cohort["untreatable_progression"].astype(int).to_numpy()
    up_months = cohort["months_recurrence_to_untreatable_progression"].to_numpy(float)
    at_risk_up = int((up_months > 60).sum())
    followed = int((months > 60).sum())
    assert at_risk_up <= at_most
    assert at_risk_up / (at_risk_up + up[up_months <= 60].sum()) <= _km(up_months, up, 60)
    assert followed >= followed_min
    assert followed == pytest.approx(n * _km(months, died, 60) * _km(months, 1 - died, 60))
    up_then_alive = int(((up == 1) & (up_months <= 60) & (months > 60)).sum())
    assert up_then_alive == followed - at_risk_up >= up_then_alive_min
    assert f"{100 * (1 - _km(up_months, up, 60)):.1f}" == f"{values['res_up_5y']:.1f}"


# ------------------------------------------------------------------ one row per quantity


def test_another_cohorts_report_shows_each_quantity_once_against_its_best_printing(
    other_scored, published
):
    """The median months from diagnosis to LT (22.6 in Table 1, the Results and the
    Discussion) appears once in the whole report, in chapter 1, with every place named;
    the median Mib-1 of the primary is compared with the Results' 1.75, not Table 1's 2."""
    from types import SimpleNamespace

    run = SimpleNamespace(synthetic=False, differs={})
    views = report.tables(run, other_scored)
    frames = [view.data for view in views]
    shown = pd.concat(frames, ignore_index=True)
    chosen = one_per_quantity(other_scored)
    keys = [
        f"{quantity_key(s)}={v}" for s, v in zip(chosen["spec"], chosen["published"], strict=True)
    ]
    assert len(keys) == len(set(keys))
    labels = shown["What"] + " | " + shown["Unit"]
    dx = shown[shown["What"] == "Months from NET diagnosis to LT, median"]
    assert len(dx) == 1 and dx.index[0] < len(frames[0])  # in chapter 1's table
    assert dx.iloc[0]["Paper"] == "22.6"
    assert dx.iloc[0]["Where"] == "Table 1; Results: opening paragraphs; Discussion"
    mib1 = shown[shown["What"] == "Ki-67 (Mib-1) of the primary, median"]
    assert len(mib1) == 1 and mib1.iloc[0]["Paper"] == "1.75"
    value = other_scored.set_index("id").at["res_mib1_primary_median", "reproduced"]
    assert mib1.iloc[0][COHORT_COLUMN] == f"{value:.3f}"
    # no quantity twice: the same (label, paper) never repeats
    assert not labels.duplicated().any()
    export = report.export_frame(run, other_scored)
    assert len(export) == len(shown)


def test_the_exported_comparison_explains_its_marks(scored, tmp_path):
    """The CSV and the Excel file of the comparison carry a column that spells out every
    mark; a centre's export has no marks and says on every row where its values come from."""
    from types import SimpleNamespace

    from nettx_utils.pages.table_export import save_table

    frame = report.export_frame(SimpleNamespace(synthetic=True, differs={}), scored)
    assert report.MARK_COLUMN in frame.columns
    for mark, meaning in zip(frame["Match"], frame[report.MARK_COLUMN], strict=True):
        assert meaning == report.MARK_MEANINGS[mark] and meaning.startswith(mark + " ")
    assert set(frame["Match"]) >= {"✓", "⚑", HALF_DOWN_MARK}
    paths = save_table(frame, "06_beside_the_paper", tmp_path, synthetic=True)
    csv = pd.read_csv(next(p for p in paths if p.suffix == ".csv"))
    assert (csv[report.MARK_COLUMN] == frame[report.MARK_COLUMN]).all()
    excel = pd.read_excel(next(p for p in paths if p.suffix == ".xlsx"))
    assert report.MARK_COLUMN in excel.columns

    centre = example_cohort(n=60, seed=4)
    path = tmp_path / "centre.csv"
    centre.to_csv(path, index=False)
    other = score(load_cohort(path), load_published_values(), load_consistency_audit())
    context = report.export_frame(SimpleNamespace(synthetic=False, differs={}), other)
    assert "Match" not in context.columns and report.MARK_COLUMN not in context.columns
    assert not MARKS & set(context.to_numpy().ravel())
    assert (context["Note"] == report.CONTEXT_NOTE).all()
    assert "your cohort" in report.CONTEXT_NOTE and COHORT_COLUMN in context.columns
    centre_run = SimpleNamespace(synthetic=False, differs={})
    paths = save_table(
        context,
        "06_beside_the_paper",
        tmp_path / "centre",
        synthetic=False,
        cohort_file="centre.csv",
        caption=report.export_caption(centre_run),
    )
    csv = pd.read_csv(next(p for p in paths if p.suffix == ".csv"))
    assert csv[CAPTION_COLUMN].str.startswith(report.export_caption(centre_run)).all()
    assert "no score" in csv[CAPTION_COLUMN].iloc[0]

"""Quartile conventions and the Table 1 / Table 2 builders."""

import numpy as np
import pandas as pd
import pytest

from nettx_utils.stats.quartiles import quartiles


def test_spss_quartiles_differ_from_numpys_default():
    # SPSS (HAVERAGE): position p(n + 1). For 1..10, Q1 at 2.75 -> 2.75, Q3 at 8.25 -> 8.25.
    # numpy's default (R type 7): position 1 + p(n - 1). Q1 at 3.25 -> 3.25, Q3 at 7.75 -> 7.75.
    values = list(range(1, 11))
    spss = quartiles(values)
    numpy_default = quartiles(values, method="linear")
    assert (spss.q1, spss.median, spss.q3) == (2.75, 5.5, 8.25)
    assert (numpy_default.q1, numpy_default.median, numpy_default.q3) == (3.25, 5.5, 7.75)


def test_spss_quartiles_interpolate_between_order_statistics():
    # n = 7, p = 0.25: position 2.0 -> the 2nd value exactly; p = 0.75: position 6.0 -> 6th value.
    values = [10, 20, 30, 40, 50, 60, 70]
    q = quartiles(values)
    assert (q.q1, q.median, q.q3) == (20, 40, 60)
    # n = 6, p = 0.25: position 1.75 -> 10 + 0.75 * (20 - 10) = 17.5
    q = quartiles([10, 20, 30, 40, 50, 60])
    assert q.q1 == pytest.approx(17.5)
    assert q.q3 == pytest.approx(52.5)


def test_quartiles_drop_missing_and_report_n():
    q = quartiles(pd.Series([1.0, np.nan, 3.0, 2.0]))
    assert q.n == 3
    assert q.median == 2.0
    assert quartiles([]).n == 0
    assert quartiles([1.0, 2.0, 3.0]).format(1) == "2.0 (1.0–3.0)"


def test_styled_shows_at_most_max_rows_and_says_how_many():
    from nettx_utils.formatting import styled

    frame = pd.DataFrame({"time": np.arange(30.0)})
    view = styled(frame, "Life table", max_rows=20)
    assert len(view.data) == 20
    assert view.caption == "Life table (first 20 of 30 rows)"
    assert len(styled(frame, "Life table").data) == 30
    assert styled(frame.head(5), "Short", max_rows=20).caption == "Short"


def test_patient_listing_only_for_the_synthetic_cohort(tmp_path):
    """Chapter.listing prints rows for the synthetic cohort, a note for any other cohort."""
    from nettx_utils.pages.chapter import open_chapter
    from nettx_utils.project import DEFAULT_COHORT

    rows = pd.DataFrame({"months": [1.0, 2.0], "died": [1, 0]})
    synthetic = open_chapter("07_kaplan_meier_by_hand", glue=False)
    assert len(synthetic.listing(rows, "Shortest times").data) == 2
    copy = pd.read_csv(DEFAULT_COHORT, comment="#")
    copy["patient_id"] = [f"C{i:03d}" for i in range(len(copy))]
    path = tmp_path / "centre.csv"
    copy.to_csv(path, index=False)
    other = open_chapter("07_kaplan_meier_by_hand", data_path=path, glue=False)
    note = other.listing(rows, "Shortest times")
    assert "not shown" in note.data and "single patients" in note.data
    # the notice claims nothing about the rest of the page, unless told what it shows
    assert "prints no table" not in note.data and note.data.endswith("synthetic one.*")
    told = other.listing(rows, "Shortest times", shown="The life tables show each time.")
    assert told.data.endswith("synthetic one. The life tables show each time.*")


def test_a_count_prints_whole_quartiles_without_decimals():
    """Table 1 prints the number of pre-LT treatments as "2 (1–3)", like the paper; a count
    whose quartile falls between two values keeps its decimal, a measurement always does."""
    from nettx_utils.data.cohort import load_cohort
    from nettx_utils.paper.tables import table1

    cohort = load_cohort()
    q = quartiles(cohort["n_pre_lt_lrt"])
    row = table1(cohort).set_index("key").loc["n_pre_lt_lrt"]
    if all(float(v).is_integer() for v in (q.q1, q.median, q.q3)):
        assert row["display"] == f"{q.median:.0f} ({q.q1:.0f}–{q.q3:.0f})"
    halves = cohort.assign(n_pre_lt_lrt=[1, 2] * (len(cohort) // 2))  # median 1.5
    shown = table1(halves).set_index("key").loc["n_pre_lt_lrt", "display"]
    assert shown.startswith("1.5 (")
    age = table1(cohort).set_index("key").loc["age_at_lt_years", "display"]
    assert age.split(" ")[0].count(".") == 1


def test_every_figure_caption_label_names_whose_data_it_shows(tmp_path):
    """Chapter.data_caption (glued as ``data_caption`` for the end of figure captions) says
    "synthetic" on the synthetic cohort and "your cohort" on any other."""
    from nettx_utils.pages.chapter import open_chapter
    from nettx_utils.pages.provenance import SYNTHETIC_CAPTION
    from nettx_utils.project import DEFAULT_COHORT

    assert "Synthetic" in open_chapter("01_cohort", glue=False).data_caption()
    copy = pd.read_csv(DEFAULT_COHORT, comment="#")
    copy["patient_id"] = [f"C{i:03d}" for i in range(len(copy))]
    path = tmp_path / "centre.csv"
    copy.to_csv(path, index=False)
    other = open_chapter("01_cohort", data_path=path, glue=False).data_caption()
    assert "your cohort" in other and other != SYNTHETIC_CAPTION


@pytest.mark.parametrize(
    ("value", "decimals", "printed"),
    [
        # Age at recurrence, Q1: 48.3 + 0.25 * (48.9 - 48.3) is 48.449999999999996 in binary;
        # the half the interpolation meant is 48.45, which rounds half up to 48.5.
        (48.3 + 0.25 * 0.6, 1, "48.5"),
        # Chapter 4's plain median of the observed times: (51.9 + 54.8) / 2 = 53.35 -> 53.4.
        ((51.9 + 54.8) / 2, 1, "53.4"),
        (48.3 + 0.25 * 0.6, 2, "48.45"),
        (0.1 + 0.2, 1, "0.3"),
        (
            2.675,
            2,
            "2.68",
        ),  # the binary value is 2.67499999999999982236431605997495353221893310546875
        (48.44, 1, "48.4"),
        (-1.25, 1, "-1.3"),
    ],
)
def test_fixed_rounds_the_intended_half_not_the_floating_point_error(value, decimals, printed):
    from nettx_utils.formatting import fixed

    assert fixed(value, decimals) == printed


def test_quartiles_format_rounds_an_interpolated_half_up():
    # n = 8, SPSS position for Q1 = 0.25 * 9 = 2.25 -> 48.3 + 0.25 * (48.9 - 48.3) = 48.45,
    # computed as 48.449999999999996; it prints 48.5, not 48.4.
    q = quartiles([40.0, 48.3, 48.9, 50.0, 52.0, 54.0, 56.0, 58.0])
    assert q.q1 != 48.45  # the floating-point error the formatter must not show
    assert q.format(1).split("(")[1].split("–")[0] == "48.5"


def test_landmark_table_and_export_round_halves_as_the_prose(tmp_path):
    """26 of 32 alive is 81.25%: the prose says 81.3%, so the table and its files must too
    (Python's "{:.1%}" would print 81.2%)."""
    import openpyxl

    from nettx_utils.pages.table_export import save_table
    from nettx_utils.paper.results import describe_landmarks, landmark_view

    frame = pd.DataFrame(
        {"years": [5], "months": [60.0], "survival": [26 / 32], "lower": [0.6], "upper": [0.9],
         "at_risk": [20]}
    )  # fmt: skip
    assert describe_landmarks(frame) == "81.3% at 5 years"
    csv, xlsx = save_table(landmark_view(frame, "c"), "lm", tmp_path, synthetic=True)
    back = pd.read_csv(csv)
    assert list(back.columns[:6]) == [
        "Years", "Months", "Survival (%)", "Lower limit (%)", "Upper limit (%)", "At risk",
    ]  # fmt: skip
    assert back.loc[0, "Survival (%)"] == 81.3 and back.loc[0, "Months"] == 60
    sheet = openpyxl.load_workbook(xlsx)["lm"]
    # one rule for every percentage column: the number of percent, under "(%)"
    assert sheet["C1"].value == "Survival (%)" and sheet["C2"].number_format == "0.0"
    assert sheet["C2"].value == pytest.approx(81.3)


def test_rate_view_rounds_halves_up():
    from nettx_utils.paper.results import rate_view

    table = pd.DataFrame({"group": ["A"], "n": [16], "surgery": [1], "percent": [6.25]})
    view = rate_view(table, "c", what="surgery", header="Operated")
    assert view.to_string(delimiter=";").splitlines()[1] == "A;16;1;6.3"

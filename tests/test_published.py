"""Published values, the consistency audit, rounding and GRIM."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from nettx_utils.data.cohort import load_cohort
from nettx_utils.errors import NettxError
from nettx_utils.pages import report
from nettx_utils.paper.comparison import compare, one_per_quantity, quantity_key, score_line
from nettx_utils.paper.consistency import (
    audit_frame,
    grim_audit,
    grim_consistent,
    grim_possible,
    km_attainable,
)
from nettx_utils.paper.context import CONTEXT_EXCLUDED_KINDS, CONTEXT_KINDS
from nettx_utils.paper.published import (
    KINDS,
    flagged_ids,
    load_consistency_audit,
    load_published_values,
)
from nettx_utils.paper.rounding import rounds_to
from nettx_utils.paper.scoring import score

# The N (%) cells of the paper's tables, transcribed independently of the CSV, in print order.
TABLE1_PAIRS = [
    (15, "46.9"), (20, "62.5"), (11, "34.4"), (1, "3.1"), (17, "53.1"), (15, "46.9"),
    (11, "34.4"), (8, "25.0"), (21, "65.6"), (3, "9.4"), (25, "78.1"), (7, "21.9"),
    (5, "15.6"), (27, "84.4"), (14, "43.8"), (15, "46.9"), (1, "3.1"), (2, "6.3"),
    (28, "87.5"), (30, "93.8"), (8, "25.0"), (18, "56.3"), (6, "18.7"), (1, "3.1"),
    (24, "75.0"), (6, "18.8"), (2, "6.2"), (25, "78.1"), (17, "53.1"), (15, "46.9"),
    (21, "65.6"), (4, "12.5"), (26, "81.3"), (6, "18.7"),
]  # fmt: skip
TABLE2_PAIRS = [
    (7, "21.9"), (25, "78.1"), (7, "33.3"), (10, "47.6"), (4, "19.1"), (26, "81.2"),
    (6, "18.8"), (17, "65.4"), (6, "23.1"), (11, "42.3"), (2, "7.7"), (2, "7.7"), (2, "7.7"),
    (1, "3.8"), (2, "7.7"), (3, "50.0"), (2, "33.3"), (3, "50.0"), (1, "16.7"), (1, "16.7"),
    (2, "33.3"), (20, "62.5"), (4, "1.5"), (2, "6.2"), (14, "43.7"), (1, "3.1"), (3, "9.4"),
    (11, "34.4"), (3, "9.4"), (2, "6.2"), (14, "43.8"), (2, "6.2"), (12, "37.5"), (4, "12.5"),
    (13, "40.6"), (3, "9.4"),
]  # fmt: skip
TABLE1_QUARTILES = [
    ("49.5", "40.0", "57.0"), ("2", "1.0", "2.8"), ("222.5", "60.0", "320.8"),
    ("2", "1", "3"), ("22.6", "14.1", "72.4"), ("3.3", "2.0", "8.0"),
]  # fmt: skip
TABLE2_QUARTILES = [("55.0", "48.5", "60.3"), ("82.9", "32.5", "118.8"), ("111.9", "56.0", "145.4")]


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return load_published_values()


@pytest.fixture(scope="module")
def audit(published: pd.DataFrame) -> pd.DataFrame:
    return load_consistency_audit(published=published)


# ---------------------------------------------------------------- rounds_to


def test_exact_half_accepts_both_neighbours():
    assert rounds_to(14 / 32 * 100, 43.7, 1)
    assert rounds_to(14 / 32 * 100, 43.8, 1)
    assert not rounds_to(14 / 32 * 100, 43.6, 1)
    assert not rounds_to(14 / 32 * 100, 43.9, 1)
    assert rounds_to(1.75, 2, 0) and not rounds_to(1.75, 1, 0)
    assert rounds_to(3.25, 3.2, 1) and rounds_to(3.25, 3.3, 1)


def test_not_a_half_rounds_one_way():
    assert rounds_to(4 / 21 * 100, 19.0, 1)
    assert not rounds_to(4 / 21 * 100, 19.1, 1)
    assert rounds_to(13 / 14 * 100, 92.9, 1)
    assert not rounds_to(13 / 14 * 100, 92.8, 1)
    assert rounds_to(2.825, 2.8, 1)


def test_float_noise_is_absorbed():
    assert rounds_to(0.1 + 0.2, 0.3, 1)
    assert rounds_to(0.1 + 0.2, 0.30, 2)
    assert rounds_to(100 * (0.1 + 0.2), 30, 0)
    assert rounds_to(0.0615 - 1e-15, 0.062, 3)  # a half hit with float error accepts both
    assert rounds_to(0.0615 - 1e-15, 0.061, 3)


def test_bounds():
    assert rounds_to(0.00003, 0.0001, 4, "<")
    assert not rounds_to(0.0001, 0.0001, 4, "<")
    assert not rounds_to(0.0003, 0.0001, 4, "<")
    assert rounds_to(0.5, 0.05, 2, ">")
    assert not rounds_to(0.01, 0.05, 2, ">")
    with pytest.raises(NettxError):
        rounds_to(0.1, 0.1, 1, "<=")


def test_missing_or_infinite_never_match():
    assert not rounds_to(float("nan"), 0.0, 0)
    assert not rounds_to(float("inf"), 81, 0)
    assert not rounds_to(None, 1, 0)  # type: ignore[arg-type]


# ---------------------------------------------------------------- GRIM


def test_grim():
    assert not grim_consistent(4, 1.5, 32, 1)
    assert grim_consistent(4, 12.5, 32, 1)
    assert grim_consistent(14, 43.7, 32, 1)
    assert grim_consistent(14, 43.8, 32, 1)
    assert not grim_consistent(4, 19.1, 21, 1)
    assert grim_consistent(3, 50, 6, 0)
    assert grim_possible(59.4, 32, 1) == [19]
    assert grim_possible(1.5, 32, 1) == []
    with pytest.raises(NettxError):
        grim_consistent(1, 50, 0, 0)


def test_km_attainable():
    assert km_attainable(90.9, 14, 1) == Fraction(10, 11)
    assert km_attainable(87.5, 8, 1) == Fraction(7, 8)
    assert km_attainable(87.5, 7, 1) is None  # needs 8 at risk
    assert km_attainable(75, 3, 0) is None  # 3 at risk: 2/3, 1/3, 1/2 ... never 3/4
    assert km_attainable(0, 7, 0) == 0


# ---------------------------------------------------------------- the published file


def test_published_file_is_complete(published: pd.DataFrame):
    assert published["id"].is_unique
    assert set(published["kind"]) <= KINDS
    assert published["computable"].sum() >= 150
    assert published["decimals"].dtype == "int64"
    context = published[published["kind"] == "context"]
    assert not context["computable"].any()
    for pid in ("res_ctx_lt_os_5y", "res_ctx_lt_dfs_10y", "disc_ctx_colorectal_os_5y"):
        assert pid in set(context["id"])


@pytest.mark.parametrize(
    ("source", "pairs"), [("Table 1", TABLE1_PAIRS), ("Table 2", TABLE2_PAIRS)]
)
def test_every_table_count_and_percent_is_present(published, source, pairs):
    rows = published[published["source"] == source]
    by_id = published.set_index("id")
    percents = rows[rows["kind"] == "percent"]
    found = []
    for row in percents.itertuples():
        assert row.count_id, f"{row.id} has no count_id"
        assert by_id.at[row.count_id, "kind"] == "count"
        found.append((int(by_id.at[row.count_id, "value"]), f"{row.value:.{row.decimals}f}"))
    assert sorted(found) == sorted(pairs)
    assert len(percents) == len(pairs)


@pytest.mark.parametrize(
    ("source", "triples"), [("Table 1", TABLE1_QUARTILES), ("Table 2", TABLE2_QUARTILES)]
)
def test_every_table_median_and_iqr_is_present(published, source, triples):
    rows = published[published["source"] == source].set_index("id")
    stems = sorted({i.rsplit("_", 1)[0] for i in rows.index if i.endswith("_median")})
    got = []
    for stem in stems:
        got.append(
            tuple(
                f"{rows.at[f'{stem}_{k}', 'value']:.{rows.at[f'{stem}_{k}', 'decimals']}f}"
                for k in ("median", "q1", "q3")
            )
        )
    assert sorted(got) == sorted(triples)


def test_text_values_present(published: pd.DataFrame):
    by_id = published.set_index("id")
    expected = {
        "res_os_rec_5y": 76.3,
        "disc_os_rec_5y": 76.5,
        "abs_ttr_q1": 29.4,
        "res_followup_median": 73.7,
        "res_up_5y": 57.2,
        "res_os_lt_5y": 90.6,
        "res_os_lt_10y": 79.6,
        "res_os_rec_median": 81,
        "res_mib1_change_primary_lt_q3": 237.5,
        "res_mib1_change_lt_recurrence_median": 108.3,
        "res_rho_dx_to_lt_vs_mib1_change": -0.354,
        "res_surgery_distant_ln_pct": 38.5,
        "res_up_died_n": 9,
    }
    for pid, value in expected.items():
        assert by_id.at[pid, "value"] == pytest.approx(value), pid
    assert by_id.at["res_mib1_primary_vs_lt_p", "bound"] == "<"
    assert by_id.at["res_mib1_primary_median", "decimals"] == 2


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_published_file_names_file_line_and_column(tmp_path: Path):
    source = load_published_values().attrs["source"]
    lines = Path(source).read_text(encoding="utf-8").splitlines()
    header, first = lines[0], lines[1]
    cells = first.split(",")
    cells[header.split(",").index("decimals")] = "x"
    path = _write(tmp_path, "bad.csv", "\n".join([header, ",".join(cells)]) + "\n")
    with pytest.raises(NettxError, match=r"bad\.csv, line 2, column 'decimals'"):
        load_published_values(path)
    path = _write(tmp_path, "dup.csv", "\n".join([header, first, first]) + "\n")
    with pytest.raises(NettxError, match=r"line 3, column 'id'.*repeats line 2"):
        load_published_values(path)
    path = _write(tmp_path, "short.csv", "id,value\na,1\n")
    with pytest.raises(NettxError, match="missing column"):
        load_published_values(path)
    with pytest.raises(NettxError, match="not found"):
        load_published_values(tmp_path / "nope.csv")


def test_decimals_must_match_the_printed_value(tmp_path: Path):
    source = load_published_values().attrs["source"]
    lines = Path(source).read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("value")] = "32.0"  # written with one decimal, decimals says 0
    path = _write(tmp_path, "dec.csv", "\n".join([lines[0], ",".join(cells)]) + "\n")
    with pytest.raises(NettxError, match="column 'decimals'"):
        load_published_values(path)


# ---------------------------------------------------------------- the audit


def test_audit_flags_known_inconsistencies(audit: pd.DataFrame):
    flagged = flagged_ids(audit)
    assert "t2_total_chemotherapy_pct" in flagged
    assert {"abs_ttr_q1", "abs_ttr_q3"} <= flagged
    assert "disc_os_rec_5y" in flagged
    assert "t2_mib1_gt20_pct" in flagged
    assert "res_mib1_primary_q3" in flagged
    # compatible values are not flagged
    for pid in (
        "abs_ttr_median",
        "t2_total_surgery_pct",
        "res_mib1_primary_median",
        "res_mib1_lt_median",
        "t1_cyclosporine_pct",
        "res_os_rec_5y",
        "res_nonresected_prrt_n",
    ):
        assert pid not in flagged
    by_id = audit.set_index("id")
    chemo = by_id.loc[by_id["flagged_ids"].str.contains("t2_total_chemotherapy_pct")]
    assert (chemo["check"] == "grim").all()
    ttr = by_id.loc[by_id["flagged_ids"].str.contains("abs_ttr_q1")]
    assert (ttr["check"] == "abstract_vs_table").all()
    assert ttr["published_ids"].str.contains("t2_ttr_q1").all()


def test_every_audit_id_exists(audit: pd.DataFrame, published: pd.DataFrame):
    known = set(published["id"])
    for column in ("published_ids", "flagged_ids"):
        for cell in audit[column]:
            for pid in filter(None, cell.split(";")):
                assert pid in known, pid
    assert audit["id"].is_unique
    assert flagged_ids(audit) <= set(published.loc[published["computable"], "id"])


def test_grim_rows_equal_a_fresh_computation(audit: pd.DataFrame, published: pd.DataFrame):
    by_id = published.set_index("id")
    expected = set()
    for row in published[published["kind"] == "percent"].itertuples():
        if pd.isna(row.denominator):
            continue
        n = int(row.denominator)
        if row.count_id:
            count = int(by_id.at[row.count_id, "value"])
            ok = grim_consistent(count, row.value, n, row.decimals)
        else:
            ok = any(grim_consistent(k, row.value, n, row.decimals) for k in range(n + 1))
        if not ok:
            expected.add(row.id)
    grim_rows = audit[audit["check"] == "grim"]
    assert set(grim_rows["flagged_ids"]) == expected
    assert expected == {"t2_total_chemotherapy_pct", "t2_mib1_gt20_pct", "res_surgery_complete_pct"}
    others = flagged_ids(audit[audit["check"] != "grim"])
    regenerated = grim_audit(published, others)
    # 13/14: the count is itself flagged (text vs Table 2), so the cohort follows neither
    follows = regenerated.set_index("id")["follows"]
    assert follows["grim_res_surgery_complete_pct"].startswith("neither printed value")
    assert follows["grim_t2_mib1_gt20_pct"] == "the count 4 (percentage 19.0)"
    pd.testing.assert_frame_equal(
        grim_rows.reset_index(drop=True), regenerated.reset_index(drop=True), check_dtype=False
    )


def test_malformed_audit(tmp_path: Path, published: pd.DataFrame):
    header = "id,published_ids,check,finding,follows,flagged_ids,reason\n"
    path = _write(tmp_path, "a.csv", header + "x,t1_sex_female_n,guess,f,f,,\n")
    with pytest.raises(NettxError, match=r"a\.csv, line 2, column 'check'"):
        load_consistency_audit(path)
    path = _write(tmp_path, "b.csv", header + "x,no_such_id,grim,f,f,,\n")
    with pytest.raises(NettxError, match="unknown published id"):
        load_consistency_audit(path, published=published)
    path = _write(tmp_path, "c.csv", header + "x,t1_sex_female_n,grim,f,f,t1_sex_female_n,\n")
    with pytest.raises(NettxError, match="need a reason"):
        load_consistency_audit(path)


# ---------------------------------------------------------------- compare and score_line


def test_compare_and_score_line(published: pd.DataFrame):
    part = published[published["id"].isin(["t1_sex_female_n", "t1_sex_female_pct",
                                           "t2_total_chemotherapy_pct", "res_ctx_lt_os_5y",
                                           "res_mib1_primary_vs_lt_p"])]  # fmt: skip
    reproduced = {
        "t1_sex_female_n": 15.0,
        "t1_sex_female_pct": 100 * 15 / 32,
        "t2_total_chemotherapy_pct": 12.5,
        "res_mib1_primary_vs_lt_p": 0.01,
    }
    table = compare(part, reproduced, flagged={"t2_total_chemotherapy_pct"}).set_index("id")
    assert table.at["t1_sex_female_n", "match_mark"] == "✓"
    assert table.at["t1_sex_female_pct", "match_mark"] == "✓"
    assert table.at["res_mib1_primary_vs_lt_p", "match_mark"] == "✗"
    assert table.at["t2_total_chemotherapy_pct", "match_mark"] == "–"
    assert table.at["res_ctx_lt_os_5y", "match_mark"] == "–"
    assert pd.isna(table.at["res_ctx_lt_os_5y", "match"])
    assert score_line(table.reset_index()) == (
        "reproduced 2 of 3 published values (1 flagged inconsistent)"
    )


def test_shown_prints_the_extra_digit_only_where_the_tie_rule_matched():
    """6 of 32 is 18.75 exactly: shown as 18.75 beside a paper's 18.7, as 18.8 beside 18.8."""
    from nettx_utils.paper.rounding import shown

    assert shown(100 * 6 / 32, 1, paper=18.7) == "18.75"
    assert shown(100 * 6 / 32, 1, paper=18.8) == "18.8"
    assert shown(100 * 2 / 32, 1, paper=6.2) == "6.25"
    assert shown(85.15, 1, paper=85.1) == "85.15"
    assert shown(22.66, 1, paper=22.6) == "22.66"  # a mismatch shows the book's own value
    assert shown(2.8, 0, paper=2) == "2.8"  # not "3", which is neither the book's nor the paper's
    assert shown(100 * 5 / 32, 1, paper=15.6) == "15.6"
    assert shown(0.7024, 3, paper=0.701) == "0.7024"  # a mismatch keeps one digit more
    assert shown(0.7014, 3, paper=0.701) == "0.701"
    assert shown(1.75, 1, paper=2) == "1.75"  # Table 1 prints the median as 2
    assert shown(float("nan"), 1) == "–"


def test_shown_follows_the_rule_it_states():
    """Exact where a digit or two more make it exact (no trailing zero: 4 of 32 is 12.5,
    not 12.50), else enough digits not to round to the paper's figure (19.048, not the
    false half 19.05, which rounds to the paper's 19.1); the note's words say so."""
    from nettx_utils.formatting import fixed
    from nettx_utils.paper.rounding import SHOWN_RULE, shown

    assert shown(100 * 4 / 32, 1, paper=12.4) == "12.5"
    assert shown(100 * 4 / 32, 1, paper=13) == "12.5"
    assert shown(100 * 4 / 21, 1, paper=19.1) == "19.048"
    assert shown(100 * 4 / 21, 1, paper=19.2) == "19.05"  # 19.05 does not round to 19.2
    assert shown(100 / 3, 1, paper=33.4) == "33.33"
    for value, paper in ((100 * 4 / 21, 19.1), (100 / 3, 33.4), (22.66, 22.6)):
        assert fixed(float(shown(value, 1, paper=paper)), 1) != fixed(paper, 1)
    assert "19.048" in SHOWN_RULE and "18.75" in SHOWN_RULE


def test_the_report_shows_a_median_the_paper_prints_whole_as_chapter_1_shows_it():
    """Table 1 prints the primary's Mib-1 median as 2; the book's is 1.75, and chapter 1's
    table shows 1.75: the report's row must not print the book's value as "2"."""
    from nettx_utils.paper.comparison import book_text
    from nettx_utils.paper.rounding import SHOWN_RULE, shown

    assert book_text(1.75, 0, 2.0, kind="median") == "1.75" == shown(1.75, 1, paper=2)
    assert book_text(2.8, 0, 2.0, kind="q3") == "2.8"
    assert book_text(1.96, 0, 2.0, kind="median") == "2.0"  # one decimal, the tables' least
    assert book_text(1.0, 0, 1.0, kind="q1") == "1"  # a whole value stays as printed
    assert book_text(1.75, 0, 2.0, kind="count") == "2"  # not a median: the paper's precision
    assert "1.75 beside the paper's 2" in SHOWN_RULE


def test_side_by_side_shows_halves_that_match_either_neighbour():
    """A Table 1 row exactly on a half shows the extra digit next to the paper's value."""
    import pandas as pd

    from nettx_utils.paper.comparison import side_by_side

    table = pd.DataFrame(
        {
            "key": ["x=yes", "age", "y=yes"],
            "n": pd.array([6, pd.NA, 14], dtype="Int64"),
            "percent": [18.75, float("nan"), 43.75],
            "median": [float("nan"), 49.5, float("nan")],
            "q1": [float("nan"), 40.05, float("nan")],
            "q3": [float("nan"), 57.0, float("nan")],
            "display": ["6 (18.8)", "49.5 (40.1–57.0)", "14 (43.8)"],
        }
    )
    scored = pd.DataFrame(
        {
            "spec": [
                "table1:x=yes@n",
                "table1:x=yes@percent",
                "table1:age@median",
                "table1:age@q1",
                "table1:age@q3",
                "table1:y=yes@n",
                "table1:y=yes@percent",
            ],
            "source": "Table 1",
            "published": [6, 18.7, 49.5, 40.0, 57.0, 14, 43.8],
            "decimals": [0, 1, 1, 1, 1, 0, 1],
            "bound": "",
            "flagged": False,
            "match": True,
        }
    )
    out = side_by_side(table, scored, "table1")
    assert out["display"].tolist() == ["6 (18.75)", "49.5 (40.05–57.0)", "14 (43.8)"]
    assert out["paper"].tolist()[0] == "6 (18.7)"
    assert out["mark"].tolist()[0] == "✓"


# ------------------------------------------------- audit rows checked against the cohort

NUMPY_QUANTILE_METHODS = [
    "inverted_cdf",
    "averaged_inverted_cdf",
    "closest_observation",
    "interpolated_inverted_cdf",
    "hazen",
    "weibull",
    "linear",
    "median_unbiased",
    "normal_unbiased",
]


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "cohort.csv")


def test_no_quartile_rule_gives_the_abstracts_interval(synthetic: pd.DataFrame, audit):
    """The audit says no standard quartile rule explains the Abstract's 29.4-119.1: none of
    numpy's nine (Hyndman-Fan) methods gives either value from the cohort's 32 times, and
    none gives a third quartile above SPSS's (Weibull's) 118.8."""
    import numpy as np

    times = synthetic["months_lt_to_recurrence"].to_numpy()
    assert len(times) == 32
    quartiles = {m: np.quantile(times, [0.25, 0.75], method=m) for m in NUMPY_QUANTILE_METHODS}
    spss_q3 = quartiles["weibull"][1]
    assert round(spss_q3, 1) == 118.8
    for method, (q1, q3) in quartiles.items():
        assert round(q1, 1) != 29.4, method
        assert round(q3, 1) != 119.1, method
        assert q3 <= spss_q3 + 1e-9, method
    finding = audit.set_index("id").at["ttr_iqr_abstract_vs_table2", "finding"]
    assert "No standard quartile rule" in finding and "rule the paper states" not in finding


def test_the_complete_removal_row_says_what_the_cohort_does(synthetic: pd.DataFrame, audit):
    """The paper defines complete removal as complete response 3 months after surgery, and
    surgery is the predominant treatment of every operated patient: the text's 13 complete
    removals contradict Table 2's 12 complete responses. The audit flags the text's 13 and
    says the cohort marks 13 removals, one of them judged stable disease, so that by the
    paper's definition it has 12; the score counts them so."""
    operated = synthetic[synthetic["surgery_at_recurrence"] == 1]
    assert len(operated) == 14
    assert (operated["predominant_treatment"] == "surgery").all()
    marked = operated[operated["surgery_complete_removal"] == 1]
    by_definition = marked[marked["predominant_treatment_response"] == "CR"]
    responses = synthetic["predominant_treatment_response"].value_counts().to_dict()
    assert responses == {"CR": 12, "PR": 4, "SD": 13, "PD": 3}  # Table 2
    assert (operated["predominant_treatment_response"] == "PD").sum() == 1  # the text's 1
    row = audit.set_index("id").loc["surgery_complete_vs_outcome"]
    follows = row["follows"]
    assert f"{len(marked)} marked" in follows
    assert f"{len(by_definition)} of {len(operated)}" in follows
    assert f"Table 2's {responses['CR']} complete responses" in follows
    judged = marked.loc[marked["predominant_treatment_response"] != "CR"]
    assert judged["predominant_treatment_response"].tolist() == ["SD"]
    assert "the remaining 1 is judged stable disease" in follows
    assert row["flagged_ids"] == "res_surgery_complete_n"
    # Table 2 gives no assessment time: the audit states under which readings the counts
    # clash (3-month or best response) and under which they can both hold (last assessment)
    assert "3 months after treatment, or the best response" in row["finding"]
    assert "incompatible" in row["finding"] and "last assessment" in row["finding"]
    assert row["reason"].startswith("a judgement") and "last assessment" in row["reason"]
    assert "last-assessment reading" in follows
    published = load_published_values()
    scored = score(load_cohort(), published, audit).set_index("id")
    assert scored.at["res_surgery_complete_n", "reproduced"] == len(by_definition) == 12
    assert scored.at["res_surgery_complete_n", "flagged"]
    assert scored.at["t2_outcome_cr_n", "match"] and not scored.at["t2_outcome_cr_n", "flagged"]
    assert scored.at["res_surgery_complete_pct", "reproduced"] == pytest.approx(1200 / 14)
    assert "provided that the paper rounded down" in report._SCORE_MEANING


def test_the_abstracts_lymph_nodes_are_flagged_and_the_reason_holds(synthetic, audit):
    """59.4% of 32 can only be 19; Table 2 gives 17 single-site and 20 any-site abdominal
    nodal recurrences, and 19 is the single-site nodal count, thoracic included."""
    assert grim_possible(59.4, 32, 1) == [19]
    single = (
        synthetic[[c for c in synthetic.columns if c.startswith("recurrence_site_")]].sum(axis=1)
        == 1
    )
    abdominal = synthetic["recurrence_site_abdominal_ln"] == 1
    thoracic = synthetic["recurrence_site_thoracic_ln"] == 1
    assert int((single & abdominal).sum()) == 17
    assert int(abdominal.sum()) == 20
    assert int((single & (abdominal | thoracic)).sum()) == 19
    row = audit.set_index("id").loc["abstract_lymph_nodes"]
    assert row["flagged_ids"] == "abs_site_ln_pct"
    for number in ("17 single-site", "20 patients", "19", "59.4"):
        assert number in row["finding"]
    scored = score(load_cohort(), load_published_values(), audit).set_index("id")
    assert scored.at["abs_site_ln_pct", "flagged"]
    assert scored.at["abs_site_ln_pct", "reproduced"] == pytest.approx(100 * 17 / 32)
    assert "abdominal" in scored.at["abs_site_ln_pct", "label"].lower()


def test_the_who_grade_row_holds_on_the_cohort_and_the_paper(synthetic, audit, published):
    """WHO 2010 (named in the Results): G1 has Ki-67 <= 2%, G2 3-20%. The printed Q3 of 2.8
    and 7 G2 need a G1 primary with Mib-1 >= 3% or two G1 primaries above 2%; the row says
    which the cohort has (G1 with 2.2% and 3.0%) and that the 3.0% breaks the grading."""
    import numpy as np

    values = published.set_index("id")["value"]
    assert values["t1_who_g2_n"] == 7 and values["t1_mib1_primary_q3"] == 2.8
    # the paper's side: with x(24) <= 2 the printed Q3 needs x(25) >= 3
    # Q3 = 0.25 x(24) + 0.75 x(25) >= 2.75 with x(24) <= 2 needs x(25) >= 3 (the least x(25)
    # falls as x(24) rises, so x(24) = 2 gives the bound); with x(25) < 3 it needs x(24) > 2
    assert pytest.approx(3.0) == (2.75 - 0.25 * 2) / 0.75
    assert 0.25 * 2 + 0.75 * 2.999 < 2.75
    mib1 = synthetic["mib1_primary_pct"].to_numpy(float)
    q3 = np.quantile(mib1, 0.75, method="weibull")
    assert f"{q3:.1f}" == "2.8"
    ordered = np.sort(mib1)
    assert ordered[23] > 2  # x(24) > 2: the second case
    g1 = synthetic[synthetic["primary_who_grade"] == "G1"]
    g2 = synthetic[synthetic["primary_who_grade"] == "G2"]
    assert len(g2) == 7 and (g2["mib1_primary_pct"] >= 3).all()
    above = sorted(g1.loc[g1["mib1_primary_pct"] > 2, "mib1_primary_pct"])
    row = audit.set_index("id").loc["definition_who_grade_vs_mib1_primary"]
    assert f"two G1 primaries with Mib-1 {above[0]:.1f}% and {above[1]:.1f}%" in row["follows"]
    assert len(above) == 2 and (mib1 > 2).sum() == 9
    breaking = [v for v in above if v >= 3]  # G2 by Ki-67 under WHO 2010 and 2017
    assert breaking == [3.0]
    assert f"G1 primary with {breaking[0]:.1f}% contradicts" in row["follows"]
    assert "WHO 2010" in row["finding"] and row["flagged_ids"] == ""
    shown = audit_frame(audit, published).set_index(audit["id"])
    assert shown.at["definition_who_grade_vs_mib1_primary", "Left out of the score"].startswith(
        "none: no printed value is contradicted"
    )


def test_context_kinds_are_the_kinds_less_the_excluded_ones():
    assert CONTEXT_KINDS == KINDS - CONTEXT_EXCLUDED_KINDS
    assert CONTEXT_EXCLUDED_KINDS < KINDS
    assert {"count", "p_value", "context"} == CONTEXT_EXCLUDED_KINDS
    assert {"percent", "median", "km_survival", "rho"} <= CONTEXT_KINDS


def test_one_per_quantity_keeps_the_most_precise_printing(published):
    rows = published[published["label"] == "Age at recurrence, median"].rename(
        columns={"value": "published"}
    )
    assert sorted(rows["decimals"]) == [0, 1]  # 55 in the text, 55.0 in Table 2
    kept = one_per_quantity(rows)
    assert len(kept) == 1 and kept.iloc[0]["decimals"] == 1
    assert quantity_key("table2:age_at_recurrence_years@median") == quantity_key(
        "median:age_at_recurrence_years"
    )
    mib1 = published[published["spec"].map(quantity_key) == "median:mib1_primary_pct"]
    assert set(mib1["value"]) == {2.0, 1.75}
    best = one_per_quantity(mib1.rename(columns={"value": "published"})).iloc[0]
    assert best["published"] == 1.75 and best["source"].startswith("Table 1; ")


def test_equally_precise_printings_of_different_values_stay_apart():
    """14 of 32 operated (43.75%) is printed 43.7 (Table 2) and 43.8 (Abstract, Results),
    both at one decimal: neither is the "most precise", so the report keeps a row for each
    printing, and a chapter that leaves Table 2 out compares with the 43.8 row."""
    from nettx_utils.paper.comparison import one_per_quantity
    from nettx_utils.paper.context import context_frame, reported_printings

    values = load_published_values()
    spec = "table2:surgery_at_recurrence@percent"
    same = values["spec"] == spec
    assert sorted(values.loc[same, "value"].unique()) == [43.7, 43.8]
    scored = values.rename(columns={"value": "published"}).assign(
        reproduced=values["value"].where(~same, 100 * 14 / 32 - 1.42), flagged=False
    )
    assert sorted(reported_printings().loc[[spec], "published"]) == [43.7, 43.8]
    report = context_frame(one_per_quantity(scored))
    chapter = context_frame(scored[scored["source"] != "Table 2"])
    what = "surgery at recurrence|Operated with radical"
    rows = report[report["What"].str.contains(what)]
    assert rows[["Paper", "Difference"]].values.tolist() == [["43.7", "-1.37"], ["43.8", "-1.47"]]
    assert rows["Where"].tolist()[0] == "Table 2"
    assert "Table 2" not in rows["Where"].tolist()[1] and "Abstract" in rows["Where"].tolist()[1]
    rows = chapter[chapter["What"].str.contains(what)]
    assert rows[["Paper", "Difference"]].values.tolist() == [["43.8", "-1.47"]]

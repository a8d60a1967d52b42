"""The spec grammar and the dispatch of nettx_utils.paper.scoring, on small hand-made frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nettx_utils.errors import NettxError
from nettx_utils.paper import scoring
from nettx_utils.paper.comparison import score_line
from nettx_utils.paper.published import load_consistency_audit, load_published_values
from nettx_utils.paper.scoring import (
    Atom,
    derive,
    evaluate,
    parse_predicate,
    parse_spec,
    reproduce_published,
    score,
)
from nettx_utils.stats import association, survival


@pytest.fixture()
def cohort() -> pd.DataFrame:
    """Eight patients with the columns the specs below need (dtypes as load_cohort gives)."""
    b = lambda *v: pd.array(v, dtype="boolean")  # noqa: E731
    return pd.DataFrame(
        {
            "patient_id": [f"p{i}" for i in range(1, 9)],
            "months_lt_to_recurrence": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0],
            "months_recurrence_to_last_followup": [2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0],
            "died": b(True, False, True, False, True, False, False, True),
            "untreatable_progression": b(True, True, False, False, True, False, False, False),
            "months_recurrence_to_untreatable_progression": [1.0, 3.0, 6, 8, 9, 12, 14, 16],
            "surgery_at_recurrence": b(True, True, True, False, False, False, False, pd.NA),
            "mib1_primary_pct": [1.0, 2.0, 1.0, 2.0, 4.0, 1.0, 2.0, 3.0],
            "mib1_lt_pct": [2.0, 2.0, 3.0, 4.0, 4.0, 2.0, 6.0, 3.0],
            "mib1_recurrence_pct": [4.0, np.nan, 2.0, 10.0, 8.0, np.nan, 1.0, 30.0],
            "cga_recurrence_ng_ml": [50.0, 60.0, 70.0, 200.0, 150.0, 120.0, np.nan, 90.0],
            "primary_t_stage": pd.Categorical(
                ["T1_T2", "T3", "T4", "T3", None, "T3", "T1_T2", "T4"],
                categories=["T1_T2", "T3", "T4"],
            ),
            "recurrence_site_abdominal_ln": b(True, True, True, False, False, True, False, False),
            "recurrence_abdominal_ln_type": pd.Categorical(
                ["locoregional", "distant", "distant", None, None, "locoregional", None, None],
                categories=["locoregional", "distant"],
            ),
            "recurrence_site_thoracic_ln": b(False, False, False, True, False, False, False, False),
            "recurrence_site_peritoneum": b(False, False, False, False, True, False, False, False),
            "recurrence_site_liver": b(False, False, False, False, False, True, False, False),
            "recurrence_site_lung": b(False, False, False, False, False, False, True, False),
            "recurrence_site_bone": b(False, False, False, False, False, False, False, True),
            "recurrence_site_other": b(False, False, False, False, False, False, False, False),
        }
    )


def _published(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"id": [r[0] for r in rows], "spec": [r[1] for r in rows], "computable": True}
    )


def _value(cohort: pd.DataFrame, spec: str) -> float:
    return reproduce_published(cohort, _published(("x", spec)))["x"]


# ---------------------------------------------------------------- grammar


def test_every_computable_spec_parses():
    published = load_published_values()
    specs = published.loc[published["computable"], "spec"]
    assert len(specs) >= 150
    ops = {parse_spec(s).op for s in specs}
    assert {"table1", "table2", "count", "percent", "km", "logrank", "spearman"} <= ops


def test_parse_spec_pieces():
    s = parse_spec("table1:months_diagnosis_to_lt:le24@percent")
    assert (s.op, s.target, s.param, s.filter) == (
        "table1",
        "months_diagnosis_to_lt:le24",
        "percent",
        (),
    )
    s = parse_spec("logrank:os_recurrence~surgery_at_recurrence|mib1_recurrence_pct>2")
    assert s.target == "os_recurrence~surgery_at_recurrence"
    assert s.filter == ((Atom(">", "mib1_recurrence_pct", ("2",)),),)
    s = parse_spec("count:pre_lt_ssa+pre_lt_prrt&!died|primary_t_stage=T3,T4")
    assert s.filter == ((Atom("=", "primary_t_stage", ("T3", "T4")),),)
    assert parse_predicate(s.target) == (
        (Atom("true", "pre_lt_ssa"), Atom("true", "pre_lt_prrt")),
        (Atom("false", "died"),),
    )
    assert parse_predicate("?mib1_recurrence_pct")[0][0] == Atom("known", "mib1_recurrence_pct")
    assert parse_predicate("all") == ((Atom("all"),),)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "nonsense:x",
        "table1:sex=female",  # no field
        "table1:sex=female@mean",
        "table2:sex=female@n|died",  # tables take no filter
        "km:os_recurrence",  # no time
        "km:overall@60",  # unknown outcome
        "km:os_recurrence@soon",
        "logrank:os_recurrence",  # no group
        "spearman:a,b",  # no rho/p
        "spearman:a@rho",
        "mannwhitney:a",
        "count:died|",
        "count:died&",
        "count:x=",
        "count:x<abc",
        "median:a,b",
        "screen_significant:os_recurrence",  # no alpha
        "screen_significant:up@0.05",  # the screen is of post-recurrence OS
        "screen_significant:os_recurrence@5",
    ],
)
def test_parse_spec_rejects(bad: str):
    with pytest.raises(NettxError):
        parse_spec(bad)


# ---------------------------------------------------------------- predicates


def test_evaluate_predicates(cohort: pd.DataFrame):
    def count(text: str) -> int:
        return int(evaluate(cohort, parse_predicate(text)).sum())

    assert count("all") == 8
    assert count("died") == 4
    assert count("!died") == 4
    assert count("surgery_at_recurrence") == 3
    assert count("!surgery_at_recurrence") == 4  # missing is neither yes nor no
    assert count("?surgery_at_recurrence") == 7
    assert count("primary_t_stage=T3,T4") == 5
    assert count("primary_t_stage!=T3") == 4  # the missing stage is not "not T3"
    assert count("mib1_recurrence_pct>2") == 4
    assert count("mib1_recurrence_pct<=2") == 2
    assert count("?mib1_recurrence_pct") == 6
    assert count("died&surgery_at_recurrence") == 2
    assert count("died+surgery_at_recurrence") == 5
    assert count("died=yes") == 4 and count("died=no") == 4
    with pytest.raises(NettxError, match="no column 'nope'"):
        count("nope")
    with pytest.raises(NettxError, match="not a yes/no column"):
        count("mib1_lt_pct")


def test_derive(cohort: pd.DataFrame):
    frame = derive(cohort)
    assert list(frame["recurrence_timing"].astype(str)) == ["early"] * 2 + ["late"] * 6
    assert list(frame["recurrence_presentation"].astype(str)) == [
        "locoregional_ln",
        "distant_ln",
        "distant_ln",
        "distant_ln",  # thoracic nodes count as distant nodes
        "lung_or_peritoneum",
        "other_or_multiple",  # abdominal nodes + liver: two sites
        "lung_or_peritoneum",
        "other_or_multiple",
    ]
    assert frame["months_lt_to_last_followup"].iloc[0] == 12.0
    assert frame["mib1_change_primary_lt"].iloc[0] == pytest.approx(100.0)
    assert math.isnan(frame["mib1_change_lt_recurrence"].iloc[1])
    # a frame without the inputs simply lacks the derived column
    assert "recurrence_presentation" not in derive(cohort[["patient_id", "died"]]).columns


# ---------------------------------------------------------------- values


def test_counts_percents_and_quartiles(cohort: pd.DataFrame):
    assert _value(cohort, "count:all") == 8
    assert _value(cohort, "count:died|surgery_at_recurrence") == 2
    assert _value(cohort, "percent:died|surgery_at_recurrence") == pytest.approx(200 / 3)
    assert _value(cohort, "percent:primary_t_stage=T3,T4") == pytest.approx(62.5)
    assert _value(cohort, "count:all|recurrence_presentation=distant_ln") == 3
    values = cohort["cga_recurrence_ng_ml"].dropna().to_numpy()
    q1, med, q3 = np.quantile(values, [0.25, 0.5, 0.75], method="weibull")
    assert _value(cohort, "median:cga_recurrence_ng_ml") == pytest.approx(med)
    assert _value(cohort, "q1:cga_recurrence_ng_ml") == pytest.approx(q1)
    assert _value(cohort, "q3:cga_recurrence_ng_ml") == pytest.approx(q3)
    linear = reproduce_published(
        cohort, _published(("x", "q1:cga_recurrence_ng_ml")), quantile_method="linear"
    )["x"]
    assert linear == pytest.approx(np.quantile(values, 0.25))
    assert _value(cohort, "median:cga_recurrence_ng_ml|surgery_at_recurrence") == 60.0


def test_kaplan_meier_values(cohort: pd.DataFrame):
    # deaths at 2, 6, 10, 16; censored at 4, 8, 12, 14
    s = (7 / 8) * (5 / 6) * (3 / 4)  # just after 10 months
    assert _value(cohort, "km:os_recurrence@11") == pytest.approx(100 * s)
    assert _value(cohort, "km:os_recurrence@16") == pytest.approx(0.0)
    assert _value(cohort, "km:os_recurrence@60") == pytest.approx(0.0)  # ended at 0
    assert math.isnan(_value(cohort, "km:os_recurrence@60|!died"))  # ends censored
    assert _value(cohort, "km:os_recurrence@1|recurrence_timing=early") == 100.0
    # UP at 1, 3, 9; censored elsewhere
    s_up = (7 / 8) * (6 / 7) * (3 / 4)
    assert _value(cohort, "km_event:up@10") == pytest.approx(100 * (1 - s_up))
    assert _value(cohort, "km_median:os_recurrence") == 16.0
    frame = derive(cohort)
    d = frame["months_lt_to_last_followup"].to_numpy()
    e = frame["died"].astype(int).to_numpy()
    km = survival.fit_kaplan_meier(d, e)
    expected = float(km.survival_at([40.0])["survival"].iloc[0])
    assert _value(cohort, "km:os_lt@40") == pytest.approx(100 * expected)
    follow = survival.median_followup(cohort["months_recurrence_to_last_followup"], e)
    assert _value(cohort, "followup:os_recurrence") == follow.estimate


def test_tests_use_the_package_functions(cohort: pd.DataFrame):
    frame = derive(cohort)
    keep = frame["surgery_at_recurrence"].notna().to_numpy()
    expected = survival.logrank_test(
        frame["months_recurrence_to_last_followup"][keep],
        frame["died"][keep].astype(int),
        frame["surgery_at_recurrence"][keep].astype(str),
    ).p_value
    assert _value(cohort, "logrank:os_recurrence~surgery_at_recurrence") == pytest.approx(expected)
    mw = association.mann_whitney(cohort["mib1_primary_pct"], cohort["mib1_lt_pct"]).p_value
    assert _value(cohort, "mannwhitney:mib1_primary_pct,mib1_lt_pct") == pytest.approx(mw)
    sp = association.spearman(cohort["months_lt_to_recurrence"], cohort["mib1_recurrence_pct"])
    assert _value(cohort, "spearman:months_lt_to_recurrence,mib1_recurrence_pct@rho") == (
        pytest.approx(sp.rho)
    )
    assert _value(cohort, "spearman:months_lt_to_recurrence,mib1_recurrence_pct@p") == (
        pytest.approx(sp.p_value)
    )


def test_screen_significant_counts_characteristics_by_lifelines_logrank():
    """Count the screen's characteristics with p < alpha, each retested with lifelines.

    Two characteristics are made prognostic on purpose (a planted split that tracks
    death) so the count moves when they are, whatever the cohort's own numbers.
    """
    from lifelines.statistics import multivariate_logrank_test

    from nettx_utils.data.cohort import load_cohort
    from nettx_utils.paper.univariable import univariable_screen

    cohort = load_cohort()
    planted = cohort.copy()
    planted["sex"] = np.where(planted["died"].astype(bool), "male", "female")
    planted["sex"] = pd.Categorical(planted["sex"], categories=cohort["sex"].cat.categories)
    planted["carcinoid_syndrome"] = pd.array(planted["died"].astype(bool), dtype="boolean")
    months = "months_recurrence_to_last_followup"
    for frame in (cohort, planted):
        screen = univariable_screen(frame, merge_identical=True).drop_duplicates("variable")
        # the planted characteristics, retested with lifelines directly
        for column in ("sex", "carcinoid_syndrome"):
            lifelines_p = multivariate_logrank_test(
                frame[months], frame[column].astype(str), frame["died"].astype(int)
            ).p_value
            rows = screen.loc[screen["variable"] == column, "logrank_p"]
            if rows.empty:  # the same split as another characteristic: shown, counted once
                assert any(column in names for names in screen.attrs["aliases"].values())
                continue
            p = rows.item()
            assert p == pytest.approx(lifelines_p, rel=1e-9)
        counted = screen[screen["source"].isin(["Table 1", "Table 2"])]
        expected = int((counted["logrank_p"].dropna() < 0.05).sum())
        assert _value(frame, "screen_significant:os_recurrence@0.05") == expected
    base = _value(cohort, "screen_significant:os_recurrence@0.05")
    assert _value(planted, "screen_significant:os_recurrence@0.05") >= base + 1
    assert _value(cohort, "screen_significant:os_recurrence@0.5") >= base
    # a characteristic the screen adds beyond Tables 1 and 2 is not counted, however
    # prognostic it is made
    extra = cohort.copy()
    extra["cga_recurrence_elevated"] = pd.array(extra["died"].astype(bool), dtype="boolean")
    assert (
        univariable_screen(extra)
        .set_index("variable")
        .loc["cga_recurrence_elevated", "logrank_p"]
        .min()
        < 0.05
    )
    assert _value(extra, "screen_significant:os_recurrence@0.05") == base


def test_mann_whitney_by_group_is_the_papers_test(cohort, monkeypatch):
    """The paper's 'Wilcoxon test for independent samples' is Mann-Whitney, not signed-rank."""
    seen = []

    def spy(x, y, **kwargs):
        seen.append((sorted(pd.Series(x).dropna()), sorted(pd.Series(y).dropna())))
        return association.TestResult("spy", 0.0, 0.5, 0, "spy")

    monkeypatch.setattr(scoring.association, "mann_whitney", spy)
    monkeypatch.setattr(
        scoring.association, "wilcoxon_signed_rank", lambda *a, **k: pytest.fail("paired test")
    )
    assert _value(cohort, "mannwhitney:cga_recurrence_ng_ml~surgery_at_recurrence") == 0.5
    assert seen == [([120.0, 150.0, 200.0], [50.0, 60.0, 70.0])]  # False group, True group


def test_table_specs_read_the_table_rows(cohort, monkeypatch):
    calls = []

    def fake_table(frame, *, quantile_method="weibull"):
        calls.append(quantile_method)
        return pd.DataFrame(
            {
                "key": ["sex=female", "age_at_lt_years"],
                "n": pd.array([15, pd.NA], dtype="Int64"),
                "denominator": pd.array([32, 32], dtype="Int64"),
                "percent": [46.875, np.nan],
                "median": [np.nan, 49.5],
                "q1": [np.nan, 40.0],
                "q3": [np.nan, 57.0],
            }
        )

    monkeypatch.setattr(scoring.tables, "table1", fake_table)
    got = reproduce_published(
        cohort,
        _published(
            ("a", "table1:sex=female@n"),
            ("b", "table1:sex=female@percent"),
            ("c", "table1:age_at_lt_years@q3"),
            ("d", "table1:sex=female@median"),
            ("e", "table1:no_such_row@n"),
        ),
        quantile_method="linear",
    )
    assert got["a"] == 15 and got["b"] == 46.875 and got["c"] == 57.0
    assert math.isnan(got["d"]) and math.isnan(got["e"])
    assert calls == ["linear"]  # computed once, with the requested quartile rule


def test_value_the_cohort_cannot_give_is_nan_not_an_error(cohort: pd.DataFrame):
    # A user's cohort may lack a column or leave a group empty: the value is simply
    # not reproduced, and the book goes on.
    assert math.isnan(_value(cohort, "count:sex=female"))


def test_malformed_spec_names_the_published_id(cohort: pd.DataFrame):
    with pytest.raises(NettxError, match=r"published value x:"):
        _value(cohort, "nosuchop:all")


def test_non_computable_rows_are_skipped(cohort: pd.DataFrame):
    published = pd.DataFrame(
        {"id": ["a", "b"], "spec": ["count:all", ""], "computable": [True, False]}
    )
    assert reproduce_published(cohort, published) == {"a": 8.0}


def test_score_table(cohort: pd.DataFrame, tmp_path):
    published = load_published_values()
    keep = ["res_died_n", "res_died_pct", "res_up_n", "disc_os_rec_5y", "res_ctx_lt_os_5y"]
    part = published[published["id"].isin(keep)].reset_index(drop=True)
    audit = load_consistency_audit()
    table = score(cohort, part, audit).set_index("id")
    assert list(table.columns) == [
        "section",
        "source",
        "label",
        "published",
        "reproduced",
        "match",
        "flagged",
        "mark",
        "computable",
        "kind",
        "decimals",
        "bound",
        "unit",
        "spec",
    ]
    assert table.at["res_died_n", "reproduced"] == 4  # the toy cohort has 4 deaths, paper 11
    assert table.at["res_died_n", "mark"] == "✗"
    assert table.at["res_up_n", "reproduced"] == 3
    assert table.at["disc_os_rec_5y", "flagged"]
    assert table.at["disc_os_rec_5y", "mark"] == "–"
    assert table.at["res_ctx_lt_os_5y", "mark"] == "–"
    assert score_line(table.reset_index()) == (
        "reproduced 0 of 3 published values (1 flagged inconsistent)"
    )

"""The synthetic cohort: deterministic, seed-dependent, and every target recomputed.

The checks recompute each published number from the rows with numpy, scipy and
lifelines under the book's conventions; no stored result is read back.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from scipy import stats

from nettx_utils.data.cohort import load_cohort
from nettx_utils.errors import NettxError
from nettx_utils.paper import univariable
from nettx_utils.paper.comparison import score_line
from nettx_utils.paper.published import load_consistency_audit, load_published_values
from nettx_utils.paper.scoring import score
from nettx_utils.synth import base as synth_base
from nettx_utils.synth import generate as synth
from nettx_utils.synth.fast_stats import _fast_problems, _logrank_p
from nettx_utils.synth.search import search_ages
from nettx_utils.synth.verify import screen_balanced, screen_specs

ROOT = Path(__file__).resolve().parents[1]
OTHER_SEED = 7


@pytest.fixture(scope="module")
def default_cohort() -> pd.DataFrame:
    return synth.generate_cohort(synth.DEFAULT_SEED)


@pytest.fixture(scope="module")
def other_cohort() -> pd.DataFrame:
    return synth.generate_cohort(OTHER_SEED)


def as_read(cohort: pd.DataFrame, tmp_path: Path) -> pd.DataFrame:
    """The cohort as a reader of the CSV sees it (pandas' defaults)."""
    path = tmp_path / "cohort.csv"
    synth.write_cohort(cohort, path, seed=0)
    return pd.read_csv(path)


def printed(value: float, target: float, decimals: int) -> bool:
    return abs(value - target) <= 0.5 * 10.0**-decimals + 1e-9


def quartiles(x) -> np.ndarray:
    x = pd.to_numeric(pd.Series(x), errors="coerce").dropna().to_numpy(float)
    return np.quantile(x, [0.25, 0.5, 0.75], method="weibull")


def km_at(durations, events, t: float) -> float:
    kmf = KaplanMeierFitter().fit(np.asarray(durations, float), np.asarray(events, int))
    return 100 * float(kmf.survival_function_at_times(t).iloc[0])


def mann_whitney(x, y) -> float:
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    res = stats.mannwhitneyu(
        x, y, method="asymptotic", use_continuity=False, alternative="two-sided"
    )
    return float(res.pvalue)


def assert_reproduces_paper(c: pd.DataFrame) -> None:
    """Every target, recomputed directly (tables, text and survival)."""
    num = {name: pd.to_numeric(c[name], errors="coerce").to_numpy(float) for name in c.columns}
    flag = {name: np.nan_to_num(v).astype(bool) for name, v in num.items()}

    def count(name: str, code: str | None = None) -> int:
        if code is None:
            return int(flag[name].sum())
        return int((c[name].astype(str) == code).sum())

    assert len(c) == 32
    # --- Table 1 ------------------------------------------------------------------
    for name, want in {
        "age_at_lt_years": ((40.0, 1), (49.5, 1), (57.0, 1)),
        "mib1_primary_pct": ((1.0, 1), (2, 0), (2.8, 1)),
        "cga_lt_ng_ml": ((60.0, 1), (222.5, 1), (320.8, 1)),
        "n_pre_lt_lrt": ((1, 0), (2, 0), (3, 0)),
        "months_diagnosis_to_lt": ((14.1, 1), (22.6, 1), (72.4, 1)),
        "mib1_lt_pct": ((2.0, 1), (3.3, 1), (8.0, 1)),
        "age_at_recurrence_years": ((48.5, 1), (55.0, 1), (60.3, 1)),
        "months_lt_to_recurrence": ((32.5, 1), (82.9, 1), (118.8, 1)),
        "cga_recurrence_ng_ml": ((56.0, 1), (111.9, 1), (145.4, 1)),
        "mib1_recurrence_pct": ((2, 0), (9, 0), (18, 0)),
    }.items():
        got = quartiles(c[name])
        for g, (target, decimals) in zip(got, want, strict=True):
            assert printed(g, target, decimals), (name, got, want)
    # the text's values hold too: Mib-1 primary median 1.75, at LT 3.25 (2-8)
    np.testing.assert_allclose(quartiles(c["mib1_primary_pct"])[1], 1.75)
    np.testing.assert_allclose(quartiles(c["mib1_lt_pct"]), [2.0, 3.25, 8.0])
    counts = {
        ("sex", "female"): 15,
        ("primary_site", "ileum_cecum"): 20,
        ("primary_site", "pancreas"): 11,
        ("primary_site", "unknown"): 1,
        ("primary_functioning", None): 17,
        ("carcinoid_syndrome", None): 11,
        ("primary_t_stage", "T1_T2"): 8,
        ("primary_t_stage", "T3"): 21,
        ("primary_t_stage", "T4"): 3,
        ("primary_who_grade", "G1"): 25,
        ("primary_who_grade", "G2"): 7,
        ("primary_n_stage", "N0"): 5,
        ("primary_n_stage", "N1"): 27,
        ("primary_n_site", "locoregional"): 14,
        ("primary_n_site", "mesenteric_artery"): 15,
        ("primary_n_site", "splenic_celiac"): 1,
        ("primary_n_site", "portal_vein"): 2,
        ("synchronous_liver_metastases", None): 28,
        ("pre_lt_ssa", None): 30,
        ("pre_lt_liver_resection", None): 8,
        ("pre_lt_locoregional", None): 18,
        ("pre_lt_chemotherapy", None): 6,
        ("pre_lt_prrt", None): 1,
        ("pre_lt_response", "SD"): 24,
        ("pre_lt_response", "PR"): 6,
        ("pre_lt_response", "PD"): 2,
        ("milan_criteria", None): 25,
        ("lymph_nodes_at_lt", None): 21,
        ("acute_rejection", None): 4,
        ("immunosuppression", "tacrolimus"): 26,
        ("immunosuppression", "cyclosporine"): 6,
        # Table 2
        ("treatment_ssa", None): 20,
        ("treatment_chemotherapy", None): 4,
        ("treatment_prrt", None): 2,
        ("surgery_at_recurrence", None): 14,
        ("treatment_radiotherapy", None): 1,
        ("treatment_none", None): 3,
        ("predominant_treatment", "ssa"): 11,
        ("predominant_treatment", "chemotherapy"): 3,
        ("predominant_treatment", "prrt"): 2,
        ("predominant_treatment", "surgery"): 14,
        ("predominant_treatment", "follow_up"): 2,
        ("predominant_treatment_response", "CR"): 12,
        ("predominant_treatment_response", "PR"): 4,
        ("predominant_treatment_response", "SD"): 13,
        ("predominant_treatment_response", "PD"): 3,
        # Results text
        ("cga_recurrence_elevated", None): 12,
        ("died", None): 11,
        ("death_cause", "net_progression"): 7,
        ("death_cause", "other"): 4,
        ("disease_free_at_last_followup", None): 4,
        ("untreatable_progression", None): 11,
    }
    for (name, code), want in counts.items():
        assert count(name, code) == want, (name, code, count(name, code), want)
    assert int((num["months_diagnosis_to_lt"] <= 24).sum()) == 17
    tr = num["months_lt_to_recurrence"]
    assert int((tr <= 24).sum()) == 7 and not np.any(np.isclose(tr, 24))
    r = num["mib1_recurrence_pct"]
    assert int((~np.isnan(r)).sum()) == 21
    assert [int((r <= 2).sum()), int(((r > 2) & (r <= 20)).sum()), int((r > 20).sum())] == [
        7,
        10,
        4,
    ]
    # sites
    names = ["abdominal_ln", "thoracic_ln", "peritoneum", "liver", "lung", "bone", "other"]
    sites = np.column_stack([flag[f"recurrence_site_{n}"] for n in names])
    single = sites.sum(axis=1) == 1
    multiple = sites.sum(axis=1) > 1
    assert single.sum() == 26 and multiple.sum() == 6
    assert list(sites[single].sum(axis=0)) == [17, 2, 2, 0, 2, 1, 2]
    assert list(sites[multiple].sum(axis=0)) == [3, 2, 3, 1, 1, 2, 0]
    ln_type = c["recurrence_abdominal_ln_type"].astype(str).to_numpy()
    abd = sites[:, 0] & single
    loco = abd & (ln_type == "locoregional")
    distant = (abd & (ln_type == "distant")) | (sites[:, 1] & single)
    lung_per = (sites[:, 2] | sites[:, 4]) & single
    rest = ~(loco | distant | lung_per)
    surgery = flag["surgery_at_recurrence"]
    for mask, want in ((loco, (3, 6)), (distant, (5, 13)), (lung_per, (3, 4)), (rest, (3, 9))):
        assert (int((mask & surgery).sum()), int(mask.sum())) == want
    assert int((flag["surgery_complete_removal"] & surgery).sum()) == 13
    # everyone was treated while waiting for LT (SSA, LRT, chemotherapy or PRRT)
    waiting = ("pre_lt_ssa", "pre_lt_locoregional", "pre_lt_chemotherapy", "pre_lt_prrt")
    assert np.logical_or.reduce([flag[name] for name in waiting]).all()
    n_lrt = num["n_pre_lt_lrt"]
    assert ((~np.isnan(n_lrt)) == flag["pre_lt_locoregional"]).all()
    # outcome coherence
    died, up = flag["died"], flag["untreatable_progression"]
    assert int((up & died).sum()) == 9
    assert int((~died & ~flag["disease_free_at_last_followup"]).sum()) == 17
    assert not (flag["disease_free_at_last_followup"] & died).any()
    cause = c["death_cause"].fillna("").astype(str).replace("nan", "").to_numpy()
    assert ((cause != "") == died).all()
    T = num["months_recurrence_to_last_followup"]
    u = num["months_recurrence_to_untreatable_progression"]
    assert (u <= T + 1e-9).all() and (T >= 6).all()
    gap = num["age_at_recurrence_years"] - num["age_at_lt_years"] - tr / 12
    assert np.abs(gap).max() <= 0.26
    # --- Mib-1 variations, rank tests, correlations ------------------------------
    p, lt = num["mib1_primary_pct"], num["mib1_lt_pct"]
    v1 = 100 * (lt - p) / p
    ok2 = ~np.isnan(r)
    v2 = 100 * (r[ok2] - lt[ok2]) / lt[ok2]
    for got, want in zip(quartiles(v1), ((30, 0), (87.5, 1), (237.5, 1)), strict=True):
        assert printed(got, *want)
    for got, want in zip(quartiles(v2), ((0, 0), (108.3, 1), (350, 0)), strict=True):
        assert printed(got, *want)
    assert mann_whitney(p, lt) < 0.0001
    assert printed(mann_whitney(lt, r), 0.016, 3)
    assert printed(mann_whitney(v1, v2), 0.701, 3)
    dx = num["months_diagnosis_to_lt"]
    for x, y, rho, pv in (
        (dx, v1, -0.354, 0.047),
        (tr[ok2], v2, -0.155, 0.502),
        (dx, tr, -0.114, 0.536),
    ):
        res = stats.spearmanr(x, y)
        assert printed(res.statistic, rho, 3) and printed(res.pvalue, pv, 3)
    cga = num["cga_recurrence_ng_ml"]
    assert printed(np.median(cga[surgery]), 85.1, 1)
    assert printed(np.median(cga[~surgery]), 132.5, 1)
    assert printed(mann_whitney(cga[surgery], cga[~surgery]), 0.038, 3)
    # --- survival ---------------------------------------------------------------------
    d = died.astype(int)
    assert printed(km_at(tr + T, d, 60), 90.6, 1)
    assert printed(km_at(tr + T, d, 120), 79.6, 1)
    assert printed(km_at(T, d, 60), 76.3, 1)
    assert printed(km_at(T, d, 120), 45.5, 1)
    assert printed(KaplanMeierFitter().fit(T, d).median_survival_time_, 81, 0)
    assert printed(KaplanMeierFitter().fit(T, 1 - d).median_survival_time_, 73.7, 1)
    assert printed(100 - km_at(u, up.astype(int), 60), 57.2, 1)
    early = tr <= 24
    high, low = ok2 & (r > 2), ok2 & (r <= 2)
    for group, mask, s1, s0, pv in (
        (early, np.ones(32, bool), 0.0, 89.5, 0.001),
        (surgery, np.ones(32, bool), 90.9, 64.5, 0.062),
        (surgery, high, 87.5, 0.0, 0.011),
        (surgery, low, 100.0, 75.0, 0.225),
    ):
        a, b = mask & group, mask & ~group
        assert printed(km_at(T[a], d[a], 60), s1, 1)
        assert printed(km_at(T[b], d[b], 60), s0, 1)
        assert printed(logrank_test(T[a], T[b], d[a], d[b]).p_value, pv, 3)
    # only the time to recurrence is significant: not age, at LT or at recurrence
    for name in ("age_at_lt_years", "age_at_recurrence_years"):
        low = num[name] <= quartiles(num[name])[1]
        assert logrank_test(T[low], T[~low], d[low], d[~low]).p_value >= 0.05, name


def test_deterministic_for_a_seed(default_cohort: pd.DataFrame) -> None:
    again = synth.generate_cohort(synth.DEFAULT_SEED)
    pd.testing.assert_frame_equal(default_cohort, again)


def test_another_seed_gives_another_cohort(
    default_cohort: pd.DataFrame, other_cohort: pd.DataFrame
) -> None:
    assert not default_cohort.equals(other_cohort)
    a = default_cohort.sort_values("months_recurrence_to_last_followup")
    b = other_cohort.sort_values("months_recurrence_to_last_followup")
    assert not np.allclose(
        a["months_recurrence_to_last_followup"].to_numpy(float),
        b["months_recurrence_to_last_followup"].to_numpy(float),
    )


@pytest.mark.parametrize("which", ["default", "other"])
def test_reproduces_every_target(
    which: str, default_cohort: pd.DataFrame, other_cohort: pd.DataFrame, tmp_path: Path
) -> None:
    cohort = default_cohort if which == "default" else other_cohort
    assert_reproduces_paper(as_read(cohort, tmp_path))
    assert synth.check_cohort(cohort) == []


@pytest.mark.parametrize("which", ["default", "other"])
def test_scores_every_consistent_published_value(
    which: str, default_cohort: pd.DataFrame, other_cohort: pd.DataFrame, tmp_path: Path
) -> None:
    """The fidelity score, recomputed from the rows as the CLI does: K = N - M, no misses."""
    cohort = default_cohort if which == "default" else other_cohort
    path = tmp_path / "cohort.csv"
    synth.write_cohort(cohort, path, seed=0)
    table = score(
        load_cohort(path),
        load_published_values(ROOT / "data" / "published_values.csv"),
        load_consistency_audit(ROOT / "data" / "consistency_audit.csv"),
    )
    counted = table["computable"].astype(bool) & ~table["flagged"].astype(bool)
    missed = table.loc[counted & ~table["match"].fillna(False).astype(bool), "id"]
    assert list(missed) == []
    assert counted.sum() >= 150
    line = score_line(table)
    n = int(counted.sum())
    assert line.startswith(f"reproduced {n} of {n} published values")


def test_columns_follow_the_dictionary(default_cohort: pd.DataFrame) -> None:
    dictionary = yaml.safe_load((ROOT / "data" / "dictionary.yml").read_text(encoding="utf-8"))
    assert list(default_cohort.columns) == [c["name"] for c in dictionary["columns"]]
    assert list(default_cohort["patient_id"]) == [f"SYN-{i:02d}" for i in range(1, 33)]


def test_committed_cohort_is_the_default_seed(default_cohort: pd.DataFrame, tmp_path: Path) -> None:
    """The CSV byte for byte, and the descriptor's resource (hash, size, schema) and seed."""
    fresh = tmp_path / "cohort.csv"
    synth.write_cohort(default_cohort, fresh, seed=synth.DEFAULT_SEED)
    committed = ROOT / "data" / "cohort.csv"
    assert committed.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8")
    ours = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    theirs = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert ours["resources"] == theirs["resources"]
    assert ours["nettx"]["seed"] == theirs["nettx"]["seed"] == synth.DEFAULT_SEED


def test_the_csv_is_plain_and_its_descriptor_says_synthetic(
    default_cohort: pd.DataFrame, tmp_path: Path
) -> None:
    """Header first, no comment lines; datapackage.json beside it carries the notice, the
    generator, the seed and the file's SHA-256, with the same bytes when written again."""
    path = tmp_path / "c.csv"
    synth.write_cohort(default_cohort, path, seed=123)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(synth.COLUMNS)
    assert not [line for line in lines if line.startswith("#")]
    table = pd.read_csv(path)
    assert list(table.columns) == list(synth.COLUMNS) and len(table) == len(default_cohort)
    descriptor_file = tmp_path / "datapackage.json"
    first = descriptor_file.read_bytes()
    descriptor = json.loads(first)
    assert descriptor["nettx"]["notice"].startswith("SYNTHETIC DATA - not real patients")
    assert "(seed 123)" in descriptor["description"]
    assert descriptor["nettx"]["generator"] == "nettx_utils.synth"
    assert descriptor["nettx"]["seed"] == 123
    (resource,) = descriptor["resources"]
    assert resource["path"] == "c.csv"
    assert resource["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert resource["bytes"] == path.stat().st_size
    synth.write_cohort(default_cohort, path, seed=123)
    assert descriptor_file.read_bytes() == first


def test_is_synthetic_file_means_written_by_the_generator_and_unchanged(
    default_cohort: pd.DataFrame, tmp_path: Path
) -> None:
    """The descriptor beside the file must be the generator's and record the file's
    SHA-256 (CRLF read as LF); comment lines count for nothing."""
    path = tmp_path / "cohort.csv"
    synth.write_cohort(default_cohort, path, seed=5)
    assert synth.is_synthetic_file(path)
    text = path.read_bytes()
    path.write_bytes(text.replace(b"\n", b"\r\n"))
    assert synth.is_synthetic_file(path)
    path.write_bytes(text.replace(b"SYN-01,", b"SYN-99,"))
    assert not synth.is_synthetic_file(path)
    path.write_bytes(
        b"# SYNTHETIC DATA - not real patients, by nettx_utils.synth.generate\n" + text
    )
    assert not synth.is_synthetic_file(path)
    path.write_bytes(text)
    copy = tmp_path / "copy.csv"  # same content, another name: not the file described
    copy.write_bytes(text)
    assert synth.is_synthetic_file(path) and not synth.is_synthetic_file(copy)
    (tmp_path / "datapackage.json").unlink()
    assert not synth.is_synthetic_file(path)
    assert not synth.is_synthetic_file(tmp_path / "missing.csv")


def test_write_cohort_leaves_another_datapackage_alone(
    default_cohort: pd.DataFrame, tmp_path: Path
) -> None:
    """A datapackage.json the generator did not write is refused before anything is written."""
    foreign = tmp_path / "datapackage.json"
    foreign.write_text('{"name": "their-package", "resources": []}\n')
    with pytest.raises(NettxError, match="not written by nettx_utils"):
        synth.write_cohort(default_cohort, tmp_path / "cohort.csv", seed=1)
    assert foreign.read_text() == '{"name": "their-package", "resources": []}\n'
    assert not (tmp_path / "cohort.csv").exists()


def test_synth_command_overwrites_only_its_own_unchanged_output(
    default_cohort: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """``synth --out`` replaces a file it wrote (told by the descriptor, not by comment
    lines) and refuses a user's file, or its own file edited since, without --force."""
    from nettx_utils.build import cli

    monkeypatch.setattr(synth, "generate_cohort", lambda seed: default_cohort)
    out = tmp_path / "cohort.csv"
    out.write_text(
        "# SYNTHETIC DATA - not real patients, by nettx_utils.synth.generate\npatient_id\nA-1\n"
    )
    assert cli.main(["synth", "--seed", "4", "--out", str(out)]) != 0
    assert "refusing to overwrite" in capsys.readouterr().err
    assert cli.main(["synth", "--seed", "4", "--out", str(out), "--force"]) == 0
    assert synth.is_synthetic_file(out)
    assert cli.main(["synth", "--seed", "4", "--out", str(out)]) == 0
    out.write_text(out.read_text().replace("SYN-01,", "SYN-77,"))
    assert cli.main(["synth", "--seed", "4", "--out", str(out)]) != 0
    capsys.readouterr()


def test_fast_logrank_equals_lifelines() -> None:
    """The searches' k-group log-rank against lifelines' multivariate test (ties, left-outs)."""
    rng = np.random.default_rng(3)
    for k in (2, 3, 4):
        T = rng.integers(1, 25, 40).astype(float)  # many tied times
        died = (rng.random(40) < 0.5).astype(float)
        codes = rng.integers(-1, k, 40)  # -1: left out
        keep = codes >= 0
        ref = multivariate_logrank_test(T[keep], codes[keep], died[keep]).p_value
        assert _logrank_p(T, died, codes) == pytest.approx(ref, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("which", ["default", "other"])
def test_screen_finds_only_the_time_to_recurrence(
    which: str, default_cohort: pd.DataFrame, other_cohort: pd.DataFrame
) -> None:
    """The paper: only the time from LT to recurrence is significant at univariable analysis."""
    cohort = default_cohort if which == "default" else other_cohort
    screen = univariable.univariable_screen(cohort).drop_duplicates("variable")
    significant = screen.loc[screen["logrank_p"] < 0.05, "variable"].tolist()
    assert significant == ["months_lt_to_recurrence"]


def test_check_flags_a_significant_characteristic(default_cohort: pd.DataFrame) -> None:
    """Women = the 11 who died and 4 others: sex separates survival, and the checks say so."""
    c = default_cohort.copy()
    died = c["died"].astype(int).to_numpy().astype(bool)
    alive = np.flatnonzero(~died)[:4]
    female = died.copy()
    female[alive] = True
    c["sex"] = np.where(female, "female", "male")
    problems = synth.check_cohort(c)
    assert any(p.startswith("univariable screen: sex ") for p in problems), problems
    assert not screen_balanced(c, screen_specs(c))
    assert screen_balanced(default_cohort, screen_specs(default_cohort))


# --- the stored base solution, rebuilt ---------------------------------------------------

SURVIVAL_SEARCH_TR1 = 9.9  # slot 1's time to recurrence as search_survival left it


def assert_columns_equal(got: dict, want: dict, names) -> None:
    for name in names:
        np.testing.assert_array_equal(np.round(np.asarray(got[name], float), 2), want[name], name)


def test_outcome_columns_rebuild_the_stored_base() -> None:
    """From the survival search's result, 12 of the 16 stored columns come back exactly.

    The survival solution as the search left it (slot 1 at 9.9 months): the first
    finishing step ties it to slot 0, and the ages' search, which reads the times, then
    gives the stored ages. Without that step the same search gives other ages.
    """
    base = synth_base._base_state()
    survival = synth_base.survival_of(base)
    survival["tr"][1] = SURVIVAL_SEARCH_TR1
    columns, energies = synth_base.build_outcome_columns(survival)
    assert set(columns) == set(base) - set(synth_base.MIB1_COLUMNS)
    assert_columns_equal(columns, base, columns)
    assert all(e == 0 for e in energies.values()), energies
    untied, _ = search_ages(
        survival["tr"], survival["T"], survival["died"], synth_base.BASE_SEEDS["ages"]
    )
    assert not np.array_equal(np.round(untied["age_at_lt_years"], 2), base["age_at_lt_years"])


def test_finishing_steps_give_the_stored_base() -> None:
    """Each finishing step is needed (a target fails without it) and restores the base."""
    base = synth_base._base_state()
    assert _fast_problems(base) == []
    untied_times = {k: v.copy() for k, v in base.items()}
    untied_times["months_lt_to_recurrence"][1] = SURVIVAL_SEARCH_TR1
    untied_rises = {k: v.copy() for k, v in base.items()}
    untied_rises["mib1_recurrence_pct"][15] = 15.5
    high_primaries = {k: v.copy() for k, v in base.items()}
    high_primaries["mib1_primary_pct"][[22, 27]] = 2.1
    for state, missed in (
        (untied_times, "spearman.lt_to_recurrence_vs_change_lt_recurrence.rho"),
        (untied_rises, "spearman.lt_to_recurrence_vs_change_lt_recurrence.rho"),
        (high_primaries, "spearman.diagnosis_to_lt_vs_change_primary_lt.rho"),
    ):
        assert missed in _fast_problems(state)
        survival = synth_base.tie_recurrence_times(synth_base.survival_of(state))
        state = {**state, "months_lt_to_recurrence": np.array(survival["tr"])}
        done = synth_base.finish_mib1(state)
        assert_columns_equal(done, base, base)
        assert _fast_problems(done) == []
    # another solution, where slot 15 has no Mib-1 at recurrence: the tie step would
    # break targets there, so finish_mib1 leaves it out
    other = {k: v.copy() for k, v in base.items()}
    for name in ("mib1_lt_pct", "mib1_recurrence_pct"):
        other[name][[2, 15]] = other[name][[15, 2]]
    assert set(_fast_problems(synth_base.tie_mib1_rises(other))) - set(_fast_problems(other))
    assert np.isnan(synth_base.finish_mib1(other)["mib1_recurrence_pct"][15])


def test_attribute_draws_are_bounded_and_name_the_seed() -> None:
    """The redraws stop at the first balanced draw; past the limit the error names the seed."""
    seed = OTHER_SEED
    rng = np.random.default_rng(seed)
    state = synth._walk(synth_base._base_state(), rng, synth._WALK_STEPS)
    again = copy.deepcopy(rng)
    slots, draws = synth.draw_attributes(state, rng, seed)
    assert 1 < draws <= synth.ATTRIBUTE_DRAWS  # this seed's first draws are unbalanced
    assert screen_balanced(slots, screen_specs(slots))
    with pytest.raises(NettxError, match=f"seed {seed}: no draw .* in {draws - 1} "):
        synth.draw_attributes(state, again, seed, limit=draws - 1)


def test_module_docstring_names_every_search_of_the_base_chain():
    import inspect
    import re

    from nettx_utils.synth import base as synth_base
    from nettx_utils.synth import generate as synth

    called = set(re.findall(r"\b((?:search|fit)_\w+)\(", inspect.getsource(synth_base)))
    assert "search_cga_lt" in called
    missing = sorted(name for name in called if name not in synth.__doc__)
    assert not missing, missing
    # point 1 does not claim that every median is built from pinned order statistics
    assert "Every median and IQR is obtained" not in synth.__doc__

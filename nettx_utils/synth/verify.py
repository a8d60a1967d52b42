"""Verification of a synthetic cohort with the book's own conventions.

Recomputes every target from the rows with lifelines, scipy and numpy; nothing is read
from stored numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nettx_utils.paper import prognostic, univariable
from nettx_utils.synth.fast_stats import SCREEN_ALPHA, _logrank_p
from nettx_utils.synth.targets import COUNT_TARGETS, EXACT_TARGETS, TARGETS, N, matches

#: The one characteristic that the paper finds significant at univariable analysis.
SCREEN_SIGNIFICANT = "months_lt_to_recurrence"


def _flag(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").fillna(0).to_numpy(float).astype(bool)


def _num(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(float)


def _cat(series: pd.Series) -> np.ndarray:
    return series.astype("object").where(series.notna(), "").astype(str).to_numpy()


def reference_values(cohort: pd.DataFrame) -> dict[str, float]:
    """Every target of :data:`TARGETS`, recomputed with lifelines, scipy and numpy."""
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test
    from scipy import stats

    c = cohort
    v: dict[str, float] = {}

    def quart(key: str, x: np.ndarray) -> None:
        x = x[~np.isnan(x)]
        q1, q2, q3 = np.quantile(x, [0.25, 0.5, 0.75], method="weibull")
        v[f"{key}.q1"], v[f"{key}.q"], v[f"{key}.q3"] = float(q1), float(q2), float(q3)

    for key, name in (
        ("age_at_lt", "age_at_lt_years"),
        ("mib1_primary", "mib1_primary_pct"),
        ("cga_lt", "cga_lt_ng_ml"),
        ("n_pre_lt_lrt", "n_pre_lt_lrt"),
        ("diagnosis_to_lt", "months_diagnosis_to_lt"),
        ("mib1_lt", "mib1_lt_pct"),
        ("age_at_recurrence", "age_at_recurrence_years"),
        ("lt_to_recurrence", "months_lt_to_recurrence"),
        ("cga_recurrence", "cga_recurrence_ng_ml"),
        ("mib1_recurrence", "mib1_recurrence_pct"),
    ):
        quart(key, _num(c[name]))
    p, lt, r = _num(c["mib1_primary_pct"]), _num(c["mib1_lt_pct"]), _num(c["mib1_recurrence_pct"])
    tr, dx = _num(c["months_lt_to_recurrence"]), _num(c["months_diagnosis_to_lt"])
    ok1 = ~np.isnan(p) & ~np.isnan(lt)
    ok2 = ~np.isnan(lt) & ~np.isnan(r)
    v1 = 100 * (lt[ok1] - p[ok1]) / p[ok1]
    v2 = 100 * (r[ok2] - lt[ok2]) / lt[ok2]
    quart("mib1_change_primary_lt", v1)
    quart("mib1_change_lt_recurrence", v2)

    def mw(x: np.ndarray, y: np.ndarray) -> float:
        x, y = x[~np.isnan(x)], y[~np.isnan(y)]
        res = stats.mannwhitneyu(
            x, y, method="asymptotic", use_continuity=False, alternative="two-sided"
        )
        return float(res.pvalue)

    v["mw.mib1_primary_vs_lt.p"] = mw(p, lt)
    v["mw.mib1_lt_vs_recurrence.p"] = mw(lt, r)
    v["mw.mib1_changes.p"] = mw(v1, v2)
    for key, x, y in (
        ("diagnosis_to_lt_vs_change_primary_lt", dx[ok1], v1),
        ("lt_to_recurrence_vs_change_lt_recurrence", tr[ok2], v2),
        ("diagnosis_to_lt_vs_lt_to_recurrence", dx, tr),
    ):
        res = stats.spearmanr(x, y)
        v[f"spearman.{key}.rho"], v[f"spearman.{key}.p"] = float(res.statistic), float(res.pvalue)
    surgery = _flag(c["surgery_at_recurrence"])
    cga = _num(c["cga_recurrence_ng_ml"])
    v["cga_recurrence.surgery.q"] = float(np.nanmedian(cga[surgery]))
    v["cga_recurrence.no_surgery.q"] = float(np.nanmedian(cga[~surgery]))
    v["mw.cga_recurrence_surgery.p"] = mw(cga[surgery], cga[~surgery])

    T = _num(c["months_recurrence_to_last_followup"])
    died = _flag(c["died"]).astype(int)

    def km(durations: np.ndarray, events: np.ndarray, t: float) -> float:
        kmf = KaplanMeierFitter().fit(durations, events)
        return 100 * float(kmf.survival_function_at_times(t).iloc[0])

    v["os_lt.60"] = km(tr + T, died, 60)
    v["os_lt.120"] = km(tr + T, died, 120)
    v["os.60"] = km(T, died, 60)
    v["os.120"] = km(T, died, 120)
    v["os.median"] = float(KaplanMeierFitter().fit(T, died).median_survival_time_)
    v["followup.median"] = float(KaplanMeierFitter().fit(T, 1 - died).median_survival_time_)
    up = _flag(c["untreatable_progression"]).astype(int)
    v["up.rate60"] = 100 - km(_num(c["months_recurrence_to_untreatable_progression"]), up, 60)
    early = tr <= 24
    mib_measured = ~np.isnan(r)
    high = mib_measured & (r > 2)
    low = mib_measured & (r <= 2)
    for key, group, mask in (
        ("timing", early, np.ones(len(T), bool)),
        ("surgery", surgery, np.ones(len(T), bool)),
        ("mib_gt2", surgery, high),
        ("mib_le2", surgery, low),
    ):
        a, b = mask & group, mask & ~group
        res = logrank_test(T[a], T[b], died[a], died[b])
        v[f"logrank.{key}.p"] = float(res.p_value)
    v["os.early.60"] = km(T[early], died[early], 60)
    v["os.late.60"] = km(T[~early], died[~early], 60)
    v["os.surgery.60"] = km(T[surgery], died[surgery], 60)
    v["os.no_surgery.60"] = km(T[~surgery], died[~surgery], 60)
    v["os.mib_gt2.surgery.60"] = km(T[high & surgery], died[high & surgery], 60)
    v["os.mib_gt2.no_surgery.60"] = km(T[high & ~surgery], died[high & ~surgery], 60)
    v["os.mib_le2.surgery.60"] = km(T[low & surgery], died[low & surgery], 60)
    v["os.mib_le2.no_surgery.60"] = km(T[low & ~surgery], died[low & ~surgery], 60)
    return v


def _count(cohort: pd.DataFrame, key: str) -> int:
    if "=" in key:
        name, code = key.split("=")
        return int((_cat(cohort[name]) == code).sum())
    return int(_flag(cohort[key]).sum())


def check_cohort(cohort: pd.DataFrame) -> list[str]:
    """Unmet targets and broken plausibility rules (empty when the cohort is right).

    Recomputes everything from the rows with lifelines, scipy and numpy under
    the book's conventions; nothing is read from stored numbers.
    """
    c = cohort.reset_index(drop=True)
    out: list[str] = []
    if len(c) != N:
        return [f"expected {N} patients, got {len(c)}"]
    vals = reference_values(c)
    for key, (target, decimals) in TARGETS.items():
        if not matches(vals[key], target, decimals):
            out.append(f"{key}: {vals[key]:.4f}, printed {target}")
    for key, target in EXACT_TARGETS.items():
        if abs(vals[key] - target) > 1e-9:
            out.append(f"{key}: {vals[key]:.4f}, wanted exactly {target}")
    if not vals["mw.mib1_primary_vs_lt.p"] < 0.0001:
        out.append(
            f"mw.mib1_primary_vs_lt.p: {vals['mw.mib1_primary_vs_lt.p']:.5f}, printed <0.0001"
        )
    for key, target in COUNT_TARGETS.items():
        got = _count(c, key)
        if got != target:
            out.append(f"count {key}: {got}, printed {target}")
    out += _joint_problems(c)
    out += screen_problems(c)
    return out


def screen_problems(cohort: pd.DataFrame) -> list[str]:
    """Characteristics other than the time from LT to recurrence with log-rank p < 0.05.

    The book's own screen (:func:`nettx_utils.paper.univariable.univariable_screen`, default
    parameters); the paper finds only the time from LT to recurrence significant.
    """
    screen = univariable.univariable_screen(cohort).drop_duplicates("variable")
    hits = screen[(screen["logrank_p"] < SCREEN_ALPHA) & (screen["variable"] != SCREEN_SIGNIFICANT)]
    return [
        f"univariable screen: {row.variable} log-rank p = {row.logrank_p:.4f} < {SCREEN_ALPHA}"
        for row in hits.itertuples()
    ]


def screen_specs(cohort: pd.DataFrame) -> list[prognostic.ScreenSpec]:
    """The screen's characteristics except the significant one, Table 2's first.

    Table 2's (sites, treatments, responses) are the ones a draw of attributes most
    often makes significant, so :func:`screen_balanced` tries them first.
    """
    specs = [s for s in prognostic.default_screen(cohort) if s.key != SCREEN_SIGNIFICANT]
    return sorted(specs, key=lambda s: s.source != "Table 2")


def screen_balanced(cohort: pd.DataFrame, specs: list[prognostic.ScreenSpec]) -> bool:
    """Whether every characteristic of ``specs`` has log-rank p >= 0.05 (fast pre-check).

    The groups of the screen (``spec.groups``) with the fast log-rank of
    :mod:`~nettx_utils.synth.fast_stats`; stops at the first significant one.
    :func:`screen_problems` is the final check.
    """
    T = _num(cohort["months_recurrence_to_last_followup"])
    died = _flag(cohort["died"]).astype(float)
    for spec in specs:
        codes = spec.groups(cohort).cat.codes.to_numpy()
        if _logrank_p(T, died, codes) < SCREEN_ALPHA:
            return False
    return True


def _joint_problems(c: pd.DataFrame) -> list[str]:
    out: list[str] = []
    tr = _num(c["months_lt_to_recurrence"])
    if int((tr <= 24).sum()) != 7 or bool((np.abs(tr - 24) < 0.05).any()):
        out.append("early recurrences (<=24 months) are not 7, or a time is 24")
    dx = _num(c["months_diagnosis_to_lt"])
    if int((dx <= 24).sum()) != 17:
        out.append("diagnosis to LT <=24 months is not 17")
    r = _num(c["mib1_recurrence_pct"])
    measured = ~np.isnan(r)
    for label, mask, want in (
        ("measured", measured, 21),
        ("<=2", measured & (r <= 2), 7),
        ("2-20", measured & (r > 2) & (r <= 20), 10),
        (">20", measured & (r > 20), 4),
    ):
        if int(mask.sum()) != want:
            out.append(f"Mib-1 at recurrence {label}: {int(mask.sum())}, printed {want}")
    # sites
    names = ("abdominal_ln", "thoracic_ln", "peritoneum", "liver", "lung", "bone", "other")
    flags = np.column_stack([_flag(c[f"recurrence_site_{n}"]) for n in names])
    n_sites = flags.sum(axis=1)
    single, multiple = n_sites == 1, n_sites > 1
    ln_type = _cat(c["recurrence_abdominal_ln_type"])
    want_single = {"abdominal_ln": 17, "thoracic_ln": 2, "peritoneum": 2, "liver": 0}
    want_single |= {"lung": 2, "bone": 1, "other": 2}
    want_multi = {"abdominal_ln": 3, "thoracic_ln": 2, "peritoneum": 3, "liver": 1}
    want_multi |= {"lung": 1, "bone": 2, "other": 0}
    if int(single.sum()) != 26 or int(multiple.sum()) != 6:
        out.append("single/multiple recurrence not 26/6")
    for k, n in enumerate(names):
        if int((flags[:, k] & single).sum()) != want_single[n]:
            out.append(f"single-site {n} count")
        if int((flags[:, k] & multiple).sum()) != want_multi[n]:
            out.append(f"multiple-site {n} count")
    abd_single = flags[:, 0] & single
    if int((abd_single & (ln_type == "locoregional")).sum()) != 6:
        out.append("single-site locoregional lymph nodes not 6")
    if int((abd_single & (ln_type == "distant")).sum()) != 11:
        out.append("single-site distant abdominal lymph nodes not 11")
    surgery = _flag(c["surgery_at_recurrence"])
    groups = {
        "locoregional LN": abd_single & (ln_type == "locoregional"),
        "distant LN": (abd_single & (ln_type == "distant")) | (flags[:, 1] & single),
        "lung or peritoneum": (flags[:, 2] | flags[:, 4]) & single,
    }
    groups["other or multiple"] = ~(groups["locoregional LN"] | groups["distant LN"])
    groups["other or multiple"] &= ~groups["lung or peritoneum"]
    for (label, mask), (s_want, n_want) in zip(
        groups.items(), ((3, 6), (5, 13), (3, 4), (3, 9)), strict=True
    ):
        if int(mask.sum()) != n_want or int((mask & surgery).sum()) != s_want:
            out.append(f"surgery by presentation {label}: not {s_want}/{n_want}")
    complete = _flag(c["surgery_complete_removal"])
    if int((complete & surgery).sum()) != 13 or int((complete & ~surgery).sum()) != 0:
        out.append("complete removal not 13 of 14 surgical patients")
    pred = _cat(c["predominant_treatment"])
    if not ((pred == "surgery") == surgery).all():
        out.append("surgery is not the predominant treatment of exactly the surgical patients")
    # outcome coherence
    died = _flag(c["died"])
    cause = _cat(c["death_cause"])
    up = _flag(c["untreatable_progression"])
    dfree = _flag(c["disease_free_at_last_followup"])
    if ((cause != "") != died).any():
        out.append("death cause present exactly for the dead")
    if (dfree & died).any() or (dfree & up).any():
        out.append("disease-free patient who died or reached UP")
    if int((up & died).sum()) != 9:
        out.append("UP patients who died not 9")
    if int((~died & ~dfree).sum()) != 17:
        out.append("alive with disease not 17")
    if (_cat(c["predominant_treatment_response"]) == "").any():
        out.append("missing outcome of predominant treatment")
    T = _num(c["months_recurrence_to_last_followup"])
    u = _num(c["months_recurrence_to_untreatable_progression"])
    if (u > T + 1e-9).any() or (T < 6).any() or (u < 0).any():
        out.append("time to UP beyond follow-up, or follow-up < 6 months")
    a, b = _num(c["age_at_lt_years"]), _num(c["age_at_recurrence_years"])
    if (np.abs(b - a - tr / 12) > 0.26).any():
        out.append("age at recurrence not age at LT + time to recurrence (within 3 months)")
    if a.min() < 20 or b.max() > 75:
        out.append("age outside 20-75")
    for name in ("cga_lt_ng_ml", "cga_recurrence_ng_ml"):
        if (_num(c[name]) <= 0).any():
            out.append(f"{name} not positive")
    treated = np.zeros(len(c), bool)
    for name in ("pre_lt_ssa", "pre_lt_locoregional", "pre_lt_chemotherapy", "pre_lt_prrt"):
        treated |= _flag(c[name])
    if not treated.all():
        out.append(
            f"treated while waiting (SSA, LRT, chemotherapy or PRRT): {int(treated.sum())}, "
            "printed all 32"
        )
    return out

"""Non-numeric attributes of the synthetic cohort, drawn under plausibility rules.

Sites of recurrence, treatments and responses, outcomes, and the Table 1 variables,
as seeded draws that keep every published count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nettx_utils.synth.targets import _NUMERIC_STATE, BOOLEAN_COLUMNS, COLUMNS, N

# Recurrence presentations: code -> involved sites. Single-site codes name one site;
# multiple-site recurrences involve exactly two sites each (Table 2: 12 site mentions
# over 6 patients).
_SITES: dict[str, tuple[str, ...]] = {
    "LR": ("abdominal_ln",),  # locoregional abdominal lymph nodes
    "DA": ("abdominal_ln",),  # distant abdominal lymph nodes
    "DT": ("thoracic_ln",),
    "PE": ("peritoneum",),
    "LU": ("lung",),
    "BO": ("bone",),
    "OB": ("other",),  # breast
    "OR": ("other",),  # brain
    "M1": ("abdominal_ln", "peritoneum"),
    "M2": ("abdominal_ln", "peritoneum"),
    "M3": ("abdominal_ln", "bone"),
    "M4": ("thoracic_ln", "lung"),
    "M5": ("thoracic_ln", "bone"),
    "M6": ("peritoneum", "liver"),
}
# Surgery by presentation (Results): locoregional LN 3/6, distant LN 5/13,
# lung or peritoneum 3/4, other or multiple 3/9.
_SURGERY_SITES = ["LR"] * 3 + ["DA"] * 4 + ["DT", "PE", "LU", "LU", "OB", "OR", "M1"]
_OTHER_SITES = ["LR"] * 3 + ["DA"] * 7 + ["DT", "PE", "BO", "M2", "M3", "M4", "M5", "M6"]


def _pick(rng: np.random.Generator, pool: list[int], k: int, weight=None) -> list[int]:
    """k members of pool, drawn without replacement with optional positive weights."""
    pool = list(pool)
    if k <= 0:
        return []
    w = np.ones(len(pool)) if weight is None else np.array([weight(i) for i in pool], float)
    return [pool[i] for i in rng.choice(len(pool), size=k, replace=False, p=w / w.sum())]


def _attach(s: dict, rng: np.random.Generator) -> pd.DataFrame:
    """All columns for the 32 slots of a numeric state."""
    col: dict[str, list] = {c: [None] * N for c in COLUMNS}
    ssa = _attach_recurrence(s, rng, col)
    _attach_outcome(s, rng, col)
    _attach_primary_and_transplant(s, rng, col, ssa)
    for name in _NUMERIC_STATE:  # the measured values; flags and LRT counts are set above
        if name in BOOLEAN_COLUMNS or name == "n_pre_lt_lrt":
            continue
        col[name] = [None if np.isnan(x) else round(float(x), 2) for x in s[name]]
    frame = pd.DataFrame({c: col[c] for c in COLUMNS if c != "patient_id"})
    return frame


def _attach_recurrence(s: dict, rng: np.random.Generator, col: dict[str, list]) -> set[int]:
    """The recurrence's presentation, treatments and response into ``col``; returns the
    slots treated with somatostatin analogs (the functioning tumours are drawn among them)."""
    idx = list(range(N))
    died = s["died"].astype(bool)
    up = s["untreatable_progression"].astype(bool)
    dfree = s["disease_free_at_last_followup"].astype(bool)
    surgery = s["surgery_at_recurrence"].astype(bool)
    r = s["mib1_recurrence_pct"]
    surg = [i for i in idx if surgery[i]]
    rest = [i for i in idx if not surgery[i]]
    # the one incomplete removal (progressive disease): a surgical patient with UP
    failed_pool = [i for i in surg if up[i]] or [i for i in surg if not dfree[i]]
    failed = _pick(rng, failed_pool, 1)[0]
    sd_pool = [i for i in surg if i != failed and not dfree[i]]
    sd_pool = [i for i in sd_pool if up[i]] or sd_pool
    sd_surgery = _pick(rng, sd_pool, 1)[0]  # complete removal, outcome stable disease
    site = {}
    site[failed] = "M1"
    others = [x for x in _SURGERY_SITES if x != "M1"]
    rng.shuffle(others)
    for i, code in zip([i for i in surg if i != failed], others, strict=True):
        site[i] = code
    # non-surgical: predominant treatment and response
    up_rest = [i for i in rest if up[i]]
    pd_rest = _pick(rng, up_rest, 2, lambda i: 2.0 if died[i] else 1.0)
    calm = [i for i in rest if not up[i] and not died[i] and i not in pd_rest]
    follow_up = _pick(rng, calm, 2, lambda i: 3.0 if (np.isnan(r[i]) or r[i] <= 2) else 1.0)
    left = [i for i in rest if i not in follow_up]
    chemo = _pick(rng, left, 3, lambda i: 4.0 if (not np.isnan(r[i]) and r[i] > 20) else 1.0)
    left = [i for i in left if i not in chemo]
    prrt = _pick(rng, left, 2, lambda i: 3.0 if up[i] else 1.0)
    ssa_pred = [i for i in left if i not in prrt]
    pred = {i: "surgery" for i in surg}
    pred.update({i: "follow_up" for i in follow_up})
    pred.update({i: "chemotherapy" for i in chemo})
    pred.update({i: "prrt" for i in prrt})
    pred.update({i: "ssa" for i in ssa_pred})
    response = {i: "CR" for i in surg}
    response[failed] = "PD"
    response[sd_surgery] = "SD"
    response.update({i: "PD" for i in pd_rest})
    pr_pool = [i for i in rest if i not in pd_rest and i not in follow_up]
    pr = _pick(rng, pr_pool, 4, lambda i: 0.3 if up[i] else 1.0)
    for i in rest:
        response.setdefault(i, "PR" if i in pr else "SD")
    # radiotherapy: one chemotherapy patient, who carries the bone presentation M5
    rt = _pick(rng, chemo, 1)[0]
    site[rt] = "M5"
    others = [x for x in _OTHER_SITES if x != "M5"]
    rng.shuffle(others)
    for i, code in zip([i for i in rest if i != rt], others, strict=True):
        site[i] = code
    # somatostatin analogs: all SSA-predominant, both PRRT, 2 chemotherapy, 5 surgical
    ssa = set(ssa_pred) | set(prrt) | set(_pick(rng, chemo, 2))
    ssa |= set(_pick(rng, surg, 5, lambda i: 3.0 if i == failed else 1.0))
    none = set(follow_up) | set(_pick(rng, [i for i in surg if i != failed], 1))
    for i in idx:
        sites = _SITES[site[i]]
        for name in ("abdominal_ln", "thoracic_ln", "peritoneum", "liver", "lung", "bone", "other"):
            col[f"recurrence_site_{name}"][i] = int(name in sites)
        if "abdominal_ln" in sites:
            col["recurrence_abdominal_ln_type"][i] = (
                "locoregional" if site[i] == "LR" else "distant"
            )
        col["treatment_ssa"][i] = int(i in ssa)
        col["treatment_chemotherapy"][i] = int(i in chemo or i == failed)
        col["treatment_prrt"][i] = int(i in prrt)
        col["surgery_at_recurrence"][i] = int(surgery[i])
        col["treatment_radiotherapy"][i] = int(i == rt)
        col["treatment_none"][i] = int(i in none)
        col["predominant_treatment"][i] = pred[i]
        col["predominant_treatment_response"][i] = response[i]
        col["surgery_complete_removal"][i] = (int(i != failed)) if surgery[i] else None
    return ssa


def _attach_outcome(s: dict, rng: np.random.Generator, col: dict[str, list]) -> None:
    """Death and its cause, disease-free and progression flags, and elevated CgA into ``col``."""
    idx = list(range(N))
    died = s["died"].astype(bool)
    up = s["untreatable_progression"].astype(bool)
    dfree = s["disease_free_at_last_followup"].astype(bool)
    up_deaths = [i for i in idx if died[i] and up[i]]
    other_up = set(_pick(rng, up_deaths, 2))
    for i in idx:
        if died[i]:
            col["death_cause"][i] = "other" if (i in other_up or not up[i]) else "net_progression"
        col["died"][i] = int(died[i])
        col["disease_free_at_last_followup"][i] = int(dfree[i])
        col["untreatable_progression"][i] = int(up[i])
    cga = s["cga_recurrence_ng_ml"]
    top = set(np.argsort(-cga, kind="stable")[:12].tolist())
    for i in idx:
        col["cga_recurrence_elevated"][i] = int(i in top)


def _attach_primary_and_transplant(
    s: dict, rng: np.random.Generator, col: dict[str, list], ssa: set[int]
) -> None:
    """The primary tumour and the transplant (Table 1) into ``col``; ``ssa`` are the slots
    treated with somatostatin analogs at recurrence."""
    idx = list(range(N))
    p = s["mib1_primary_pct"]
    g2 = set(np.argsort(-p, kind="stable")[:7].tolist())  # the seven highest are G2
    functioning = set(_pick(rng, sorted(ssa), 17))
    func, nonfunc = sorted(functioning), [i for i in idx if i not in functioning]
    panc = set(_pick(rng, func, 2, lambda i: 4.0 if i in g2 else 1.0))
    panc |= set(_pick(rng, nonfunc, 9, lambda i: 4.0 if i in g2 else 1.0))
    unknown = _pick(rng, [i for i in nonfunc if i not in panc], 1)[0]
    ileal = [i for i in idx if i not in panc and i != unknown]
    carcinoid = set(_pick(rng, [i for i in ileal if i in functioning], 11))
    t_stage = ["T1_T2"] * 8 + ["T3"] * 21 + ["T4"] * 3
    rng.shuffle(t_stage)
    n0 = set(_pick(rng, idx, 5))
    n1 = [i for i in idx if i not in n0]
    n_site = {i: "locoregional" for i in n0}  # Table 1 lists an N site for all 32
    panc_n1 = [i for i in n1 if i in panc]
    for code, k in (("splenic_celiac", 1), ("portal_vein", 2)):
        for i in _pick(rng, [i for i in panc_n1 if i not in n_site], k):
            n_site[i] = code
    mesenteric = _pick(
        rng, [i for i in n1 if i not in n_site], 15, lambda i: 4.0 if i in ileal else 1.0
    )
    n_site.update({i: "mesenteric_artery" for i in mesenteric})
    for i in idx:
        n_site.setdefault(i, "locoregional")
    no_ssa_pre = set(_pick(rng, nonfunc, 2))
    chemo_pre = set(_pick(rng, idx, 6, lambda i: 4.0 if i in panc else 1.0))
    prrt_pre = set(_pick(rng, idx, 1))
    resection = set(_pick(rng, idx, 8))
    # every patient was treated while waiting (Results): the two without SSA had LRT,
    # chemotherapy or PRRT
    forced = sorted(no_ssa_pre - chemo_pre - prrt_pre)
    lrt = sorted(forced + _pick(rng, [i for i in idx if i not in forced], 18 - len(forced)))
    n_lrt = [1] * 5 + [2] * 5 + [3] * 5 + [int(x) for x in rng.integers(4, 7, 3)]
    rng.shuffle(n_lrt)
    n_lrt_of = dict(zip(lrt, n_lrt, strict=True))
    response_pre = {i: "SD" for i in idx}
    pd_pre = _pick(rng, idx, 2)
    response_pre.update({i: "PD" for i in pd_pre})
    response_pre.update({i: "PR" for i in _pick(rng, [i for i in idx if i not in pd_pre], 6)})
    not_milan = set(pd_pre) | set(_pick(rng, [i for i in idx if i not in pd_pre], 5))
    synchronous = set(_pick(rng, idx, 28))
    ln_lt = set(_pick(rng, idx, 21, lambda i: 3.0 if i in n1 else 1.0))
    rejection = set(_pick(rng, idx, 4))
    cyclosporine = set(_pick(rng, idx, 6))
    female = set(_pick(rng, idx, 15))
    for i in idx:
        col["sex"][i] = "female" if i in female else "male"
        col["primary_site"][i] = (
            "pancreas" if i in panc else "unknown" if i == unknown else "ileum_cecum"
        )
        col["primary_functioning"][i] = int(i in functioning)
        col["carcinoid_syndrome"][i] = int(i in carcinoid)
        col["primary_t_stage"][i] = t_stage[i]
        col["primary_who_grade"][i] = "G2" if i in g2 else "G1"
        col["primary_n_stage"][i] = "N0" if i in n0 else "N1"
        col["primary_n_site"][i] = n_site[i]
        col["synchronous_liver_metastases"][i] = int(i in synchronous)
        col["pre_lt_ssa"][i] = int(i not in no_ssa_pre)
        col["pre_lt_liver_resection"][i] = int(i in resection)
        col["pre_lt_locoregional"][i] = int(i in n_lrt_of)
        col["pre_lt_chemotherapy"][i] = int(i in chemo_pre)
        col["pre_lt_prrt"][i] = int(i in prrt_pre)
        col["n_pre_lt_lrt"][i] = n_lrt_of.get(i)
        col["pre_lt_response"][i] = response_pre[i]
        col["milan_criteria"][i] = int(i not in not_milan)
        col["lymph_nodes_at_lt"][i] = int(i in ln_lt)
        col["acute_rejection"][i] = int(i in rejection)
        col["immunosuppression"][i] = "cyclosporine" if i in cyclosporine else "tacrolimus"

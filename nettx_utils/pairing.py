"""Chapter 13's computations: the same Mib-1 measurements as two samples or as pairs.

The tests are :mod:`nettx_utils.association`'s; this module gathers what chapter
13 shows: which pairs the cohort has, the within-patient changes, both tests on
each comparison, how far the signed-rank test's normal approximation is from
its exact p, and a simulation of size and power of both tests as the two
measurements grow more correlated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from nettx_utils import association
from nettx_utils.errors import NettxError
from nettx_utils.prose import NOT_COMPUTABLE, Items, number_text, p_text

__all__ = [
    "COMPARISONS",
    "TIME_POINTS",
    "both_tests",
    "comparison_name",
    "exact_demo_items",
    "exact_vs_asymptotic",
    "lt_only_items",
    "p_value_items",
    "pair_counts",
    "simulate_paired_studies",
    "simulation_items",
    "within_patient_change",
]

TIME_POINTS = {
    "mib1_primary_pct": "primary tumour",
    "mib1_lt_pct": "metastases at LT",
    "mib1_recurrence_pct": "recurrence",
}
COMPARISONS = {
    "primary_lt": ("mib1_primary_pct", "mib1_lt_pct"),
    "lt_recurrence": ("mib1_lt_pct", "mib1_recurrence_pct"),
    "primary_recurrence": ("mib1_primary_pct", "mib1_recurrence_pct"),
}
_TESTS = {"mw": "Mann-Whitney", "sr": "signed-rank"}


def comparison_name(key: str) -> str:
    """A comparison's name in the tables (``primary_lt`` -> "primary tumour vs metastases at LT")."""
    a, b = COMPARISONS[key]
    return f"{TIME_POINTS[a]} vs {TIME_POINTS[b]}"


def _or_none(test: Callable[..., Any], *args: Any) -> Any:
    """A test's result, or None when the data cannot support it (said in the tables)."""
    try:
        return test(*args)
    except NettxError:
        return None


def pair_counts(cohort: pd.DataFrame) -> tuple[pd.DataFrame, Items]:
    """Per comparison: measurements at each time point, complete pairs, Spearman's rho.

    Returns the table and the items ``pairs_<key>`` and ``rho_<key>``.
    """
    rows, items = [], {}
    for key, (a, b) in COMPARISONS.items():
        x, y = cohort[a], cohort[b]
        both = x.notna() & y.notna()
        result = _or_none(association.spearman, x, y)
        rho = result.rho if result else math.nan
        rows.append(
            {
                "comparison": comparison_name(key),
                f"measured at {TIME_POINTS[a]}": int(x.notna().sum()),
                f"measured at {TIME_POINTS[b]}": int(y.notna().sum()),
                "complete pairs": int(both.sum()),
                "Spearman rho": rho,
            }
        )
        items[f"pairs_{key}"] = (int(both.sum()), None)
        items[f"rho_{key}"] = (rho, number_text(rho))
    return pd.DataFrame(rows), items


def within_patient_change(
    cohort: pd.DataFrame, key: str = "primary_lt"
) -> tuple[pd.DataFrame, pd.Series, Items]:
    """The two measurements of a comparison on the log2 scale, and each patient's change.

    Returns ``(log2_values, log2_change, items)``: the two columns in log2 (0 is
    missing), the log2 ratio second / first of the complete pairs, and the items
    ``sd_between`` (mean SD of the two columns), ``sd_change``, ``n_up``, ``n_down``.
    """
    a, b = COMPARISONS[key]
    pairs = cohort[[a, b]].dropna()
    change = np.log2(pairs[b].where(pairs[b] > 0) / pairs[a].where(pairs[a] > 0)).dropna()
    values = np.log2(cohort[[a, b]].where(cohort[[a, b]] > 0))
    sd_between = float(values.std().mean())
    sd_change = float(change.std())
    items: Items = {
        "sd_between": (sd_between, f"{sd_between:.2f}"),
        "sd_change": (sd_change, number_text(sd_change)),  # NaN below two pairs
        "n_up": (int((change > 0).sum()), None),
        "n_down": (int((change < 0).sum()), None),
    }
    return values, change, items


def both_tests(cohort: pd.DataFrame) -> pd.DataFrame:
    """Mann-Whitney and signed-rank on each comparison, one row per test
    (:func:`nettx_utils.association.paired_and_independent`)."""
    return pd.concat(
        [
            association.paired_and_independent(
                cohort[a], cohort[b], comparison=comparison_name(key)
            )
            for key, (a, b) in COMPARISONS.items()
        ],
        ignore_index=True,
    )


def p_value_items(tests: pd.DataFrame, alpha: float) -> Items:
    """``p_mw_<key>`` and ``p_sr_<key>`` of :func:`both_tests`, and ``disagree``: the
    comparisons where one test is below ``alpha`` and the other not."""
    items: Items = {}
    disagree = []
    for key in COMPARISONS:
        sub = tests[tests["comparison"] == comparison_name(key)]
        p = {}
        for short, test in _TESTS.items():
            hit = sub[sub["test"].str.contains(test)]
            p[short] = float(hit["p_value"].iloc[0]) if len(hit) else math.nan
            items[f"p_{short}_{key}"] = (p[short], p_text(p[short]))
        if all(np.isfinite(list(p.values()))) and (p["mw"] < alpha) != (p["sr"] < alpha):
            disagree.append(comparison_name(key))
    items["disagree"] = (disagree, ", ".join(disagree) if disagree else "none of the comparisons")
    return items


def lt_only_items(cohort: pd.DataFrame) -> Items:
    """Who is missing from the LT-recurrence pairs: patients with Mib-1 at LT but not at
    recurrence, their median against the paired patients', and Mann-Whitney on the pairs only."""
    a, b = COMPARISONS["lt_recurrence"]
    lt_only = cohort.loc[cohort[a].notna() & cohort[b].isna(), a]
    paired = cohort[[a, b]].dropna()
    pairs_only = association.result_or_note(association.mann_whitney, paired[a], paired[b])

    def median(values: pd.Series) -> tuple[float, str]:
        return (values.median(), f"{values.median():g}") if len(values) else (math.nan, NOT_COMPUTABLE)  # fmt: skip

    return {
        "n_lt_only": (len(lt_only), None),
        "median_lt_only": median(lt_only),
        "median_lt_paired": median(paired[a]),
        "p_mw_pairs_only": (pairs_only.p_value, p_text(pairs_only.p_value)),
    }


def exact_vs_asymptotic(
    seed: int | None, sizes: Sequence[int] = (6, 10, 15, 25, 40), shift: float = 0.6
) -> pd.DataFrame:
    """Exact and asymptotic signed-rank p on simulated pairs without ties, per number of pairs.

    Each study draws ``x ~ N(0, 1)`` and ``y = x + N(shift, 1)`` from one generator
    seeded with ``seed``; ``difference`` is asymptotic minus exact.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        x = rng.normal(0, 1, n)
        y = x + rng.normal(shift, 1, n)
        exact = association.wilcoxon_signed_rank(x, y, method="exact").p_value
        asymptotic = association.wilcoxon_signed_rank(x, y, method="asymptotic").p_value
        rows.append(
            {
                "pairs": n,
                "exact p": exact,
                "asymptotic p": asymptotic,
                "difference": asymptotic - exact,
            }
        )
    return pd.DataFrame(rows)


def exact_demo_items(demo: pd.DataFrame) -> Items:
    """The smallest and largest study of :func:`exact_vs_asymptotic`: pairs and the
    distance between the asymptotic and the exact p."""
    first, last = demo.iloc[0], demo.iloc[-1]
    return {
        "diff_small": (first["difference"], f"{abs(first['difference']):.4f}"),
        "diff_large": (last["difference"], f"{abs(last['difference']):.4f}"),
        "pairs_small": (int(first["pairs"]), None),
        "pairs_large": (int(last["pairs"]), None),
    }


def simulate_paired_studies(
    correlations: Sequence[float],
    *,
    shift: float,
    n_pairs: int,
    n_simulations: int,
    seed: int | None,
    alpha: float,
) -> pd.DataFrame:
    """Share of simulated studies with p < ``alpha``, signed-rank and Mann-Whitney.

    For each correlation ``rho`` and each true change (0: the size; ``shift``: the
    power), ``n_simulations`` studies of ``n_pairs`` standard-normal pairs with
    correlation ``rho``, the second shifted by the change. Both tests are scipy's
    vectorised asymptotic tests without continuity correction, which equal the
    book's (:mod:`nettx_utils.association`; checked on one simulated study here).
    """
    rng = np.random.default_rng(seed)
    rows = []
    first = second = p_sr = p_mw = None
    for rho in correlations:
        for change in (0.0, shift):
            first = rng.normal(0, 1, (n_simulations, n_pairs))
            noise = rng.normal(0, 1, (n_simulations, n_pairs))
            second = rho * first + math.sqrt(1 - rho**2) * noise + change
            p_sr = stats.wilcoxon(
                first - second, axis=1, correction=False, method="asymptotic"
            ).pvalue
            p_mw = stats.mannwhitneyu(
                first, second, axis=1, use_continuity=False, method="asymptotic"
            ).pvalue
            rows.append({"rho": rho, "true change": change,
                         "signed-rank": float((p_sr < alpha).mean()),
                         "Mann-Whitney": float((p_mw < alpha).mean())})  # fmt: skip
    if first is not None:
        check_sr = association.wilcoxon_signed_rank(first[0], second[0]).p_value
        check_mw = association.mann_whitney(first[0], second[0]).p_value
        assert math.isclose(check_sr, p_sr[0], rel_tol=1e-9), (check_sr, p_sr[0])
        assert math.isclose(check_mw, p_mw[0], rel_tol=1e-9), (check_mw, p_mw[0])
    return pd.DataFrame(rows)


def simulation_items(simulation: pd.DataFrame) -> Items:
    """Power and size of both tests at the lowest and highest correlation simulated."""
    power = simulation[simulation["true change"] > 0].set_index("rho")
    size = simulation[simulation["true change"] == 0].set_index("rho")
    items: Items = {}
    for key, rho in (("low", simulation["rho"].min()), ("high", simulation["rho"].max())):
        items[f"rho_{key}"] = (rho, f"{rho:g}")
        for short, test in (("sr", "signed-rank"), ("mw", "Mann-Whitney")):
            value = power.loc[rho, test]
            items[f"power_{short}_{key}"] = (value, f"{100 * value:.0f}%")
        for short, test in (("mw", "Mann-Whitney"), ("sr", "signed-rank")):
            value = size.loc[rho, test]
            items[f"size_{short}_{key}"] = (value, f"{100 * value:.1f}%")
    return items

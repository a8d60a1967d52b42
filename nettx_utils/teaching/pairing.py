"""Chapter 13's computations: the same Mib-1 measurements as two samples or as pairs.

The tests are :mod:`nettx_utils.stats.association`'s; this module gathers what chapter
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

from nettx_utils.errors import NettxError
from nettx_utils.pages.prose import (
    NOT_COMPUTABLE,
    Items,
    cohort_mark,
    counted,
    number_text,
    p_phrase,
    p_text,
    share_text,
)
from nettx_utils.paper.comparison import book_text
from nettx_utils.stats import association

__all__ = [
    "AUTO_EXACT_MAX",
    "AUTO_PERMUTATION_MAX",
    "COMPARISONS",
    "PAPER_MANN_WHITNEY",
    "TIME_POINTS",
    "auto_rule_items",
    "both_tests",
    "comparison_name",
    "counts_caption",
    "exact_demo_items",
    "exact_vs_asymptotic",
    "lt_only_items",
    "mann_whitney_p_text",
    "p_value_items",
    "pair_counts",
    "simulate_paired_studies",
    "simulation_items",
    "simulation_view",
    "view_of_tests",
    "within_patient_change",
    "zero_checks",
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


def _rho_sentence(rho: float, p: float, alpha: float = 0.05, mark: str = "") -> tuple[float, str]:
    """What the primary-LT correlation says, in words: a tendency only when Spearman's
    test (t approximation) finds it at ``alpha``; ``mark`` (:func:`cohort_mark`) labels
    its p-value where it stands.

    >>> _rho_sentence(0.5, 0.01, mark="synthetic")[1]
    "A patient with a high Mib-1 in one tumour tends to have a high Mib-1 in the other (Spearman's test, p = 0.010; synthetic)."
    """
    label = f"; {mark}" if mark else ""
    if not math.isfinite(rho):
        return rho, "With too few pairs, no correlation can be computed."
    if not p < alpha:
        return rho, (
            f"Spearman's test does not find this correlation at the {alpha:g} level "
            f"({p_phrase(p)}{label}): no clear tendency either way."
        )
    other = "high" if rho > 0 else "low"
    return rho, (
        f"A patient with a high Mib-1 in one tumour tends to have a {other} Mib-1 in the other "
        f"(Spearman's test, {p_phrase(p)}{label})."
    )


def pair_counts(cohort: pd.DataFrame, *, mark: str = "") -> tuple[pd.DataFrame, Items]:
    """Per comparison: measurements at its first and second time point, complete pairs,
    Spearman's rho over the complete pairs.

    Returns the table and the items ``pairs_<key>``, ``rho_<key>`` and ``rho_sentence``
    (whose p-value carries ``mark``, :func:`nettx_utils.pages.prose.cohort_mark`).
    """
    rows, items = [], {}
    rho_p: dict[str, float] = {}
    for key, (a, b) in COMPARISONS.items():
        x, y = cohort[a], cohort[b]
        both = x.notna() & y.notna()
        result = _or_none(association.spearman, x, y)
        rho = result.rho if result else math.nan
        rho_p[key] = result.p_value if result else math.nan
        rows.append(
            {
                "comparison": comparison_name(key),
                "measured, first": int(x.notna().sum()),
                "measured, second": int(y.notna().sum()),
                "complete pairs": int(both.sum()),
                "Spearman ρ": rho,
            }
        )
        items[f"pairs_{key}"] = (int(both.sum()), None)
        items[f"rho_{key}"] = (rho, number_text(rho))
    items["rho_sentence"] = _rho_sentence(
        items["rho_primary_lt"][0], rho_p["primary_lt"], mark=mark
    )
    return pd.DataFrame(rows), items


def counts_caption(
    counts: pd.DataFrame, *, synthetic: bool, published: pd.DataFrame | None = None
) -> str:
    """The caption of :func:`pair_counts`' table, with the label every number needs.

    On the synthetic cohort the measurements per time point are said to be the paper's
    only where they equal its printed numbers (``published``, the published values:
    ``t1_n_patients`` for the primary tumour and the metastases at LT, Table 1's whole
    cohort, and ``t2_mib1_recurrence_measured`` at recurrence); the complete pairs and
    Spearman's rho, which the paper does not print, are marked as properties of the
    generated cohort. On another cohort every number is that cohort's.

    Examples
    --------
    >>> counts = pd.DataFrame({"measured, first": [3, 3], "measured, second": [3, 2]})
    >>> published = pd.DataFrame({"id": ["t1_n_patients", "t2_mib1_recurrence_measured"],
    ...                           "value": [3.0, 2.0]})
    >>> "are the paper's (its 3 patients" in counts_caption(counts, synthetic=True,
    ...                                                  published=published)
    True
    >>> "paper's" in counts_caption(counts.assign(**{"measured, second": [3, 1]}),
    ...                             synthetic=True, published=published)
    False
    >>> counts_caption(counts, synthetic=False).endswith("(your cohort)")
    True
    """
    head = "Mib-1 measurements and complete pairs; Spearman ρ over the complete pairs"
    mark = cohort_mark(synthetic)
    if not synthetic:
        return f"{head} ({mark})"
    value = {}
    if published is not None:
        value = dict(zip(published["id"], published["value"], strict=True))
    n_all, n_rec = value.get("t1_n_patients"), value.get("t2_mib1_recurrence_measured")
    expected = {
        comparison_name(key): (n_all if a != "mib1_recurrence_pct" else n_rec,
                               n_all if b != "mib1_recurrence_pct" else n_rec)
        for key, (a, b) in COMPARISONS.items()
    }  # fmt: skip
    shown = list(zip(counts["measured, first"], counts["measured, second"], strict=True))
    agree = (
        n_all is not None
        and n_rec is not None
        and all(
            (first, second) == want
            for (first, second), want in zip(shown, expected.values(), strict=False)
        )
    )
    if agree:
        return (
            f"{head}. The numbers measured are the paper's (its {n_all:.0f} patients; Mib-1 "
            f"at recurrence in {n_rec:.0f}, Table 2); the complete pairs and every Spearman ρ "
            f"are not printed by the paper ({mark})"
        )
    return f"{head}. No number of this table is printed by the paper ({mark})"


def within_patient_change(
    cohort: pd.DataFrame, key: str = "primary_lt", *, mark: str = ""
) -> tuple[pd.DataFrame, pd.Series, Items]:
    """The two measurements of a comparison on the log2 scale, and each patient's change.

    Returns ``(log2_values, log2_change, items)``: the two columns in log2 (0 is
    missing), the log2 ratio second / first of the complete pairs, and the items
    ``sd_first`` and ``sd_second`` (SDs of the two log2 columns over the complete
    pairs), ``sd_independent`` = sqrt(sd_first^2 + sd_second^2), the SD a
    difference would have if the two measurements were independent (rho = 0),
    ``sd_change`` (the SD of the changes; ``sd_change^2 = sd_first^2 + sd_second^2 -
    2 cov`` exactly, sample moments on the same pairs), ``sd_ratio`` = sd_change /
    sd_independent, ``sd_sentence`` (its numbers labelled with ``mark``,
    :func:`nettx_utils.pages.prose.cohort_mark`), and ``n_up``, ``n_down``, ``n_same``.
    """
    a, b = COMPARISONS[key]
    values = np.log2(cohort[[a, b]].where(cohort[[a, b]] > 0))
    pairs = values.dropna()
    change = (pairs[b] - pairs[a]).rename("log2 change")
    sd_first, sd_second = (float(pairs[c].std()) for c in (a, b))
    sd_independent = math.sqrt(sd_first**2 + sd_second**2)
    sd_change = float(change.std())
    ratio = sd_change / sd_independent if sd_independent > 0 else math.nan
    if not math.isfinite(ratio):
        sentence = "On this cohort there are too few complete pairs to compare the spreads."
    else:
        relation = "smaller than" if ratio < 1 else "not smaller than"
        sentence = (
            f"the within-patient changes have a standard deviation of {sd_change:.2f}, "
            f"{relation} the {sd_independent:.2f} that independent measurements would give "
            f"(a ratio of {ratio:.2f}" + (f"; {mark})" if mark else ")")
        )
    items: Items = {
        "n_pairs_change": (len(change), None),
        "sd_first": (sd_first, number_text(sd_first)),
        "sd_second": (sd_second, number_text(sd_second)),
        "sd_independent": (sd_independent, number_text(sd_independent)),
        "sd_change": (sd_change, number_text(sd_change)),  # NaN below two pairs
        "sd_ratio": (ratio, number_text(ratio)),
        "sd_sentence": (ratio, sentence),
        "n_up": (int((change > 0).sum()), None),
        "n_down": (int((change < 0).sum()), None),
        "n_same": (int((change == 0).sum()), None),
    }
    return values, change, items


def both_tests(cohort: pd.DataFrame) -> pd.DataFrame:
    """Mann-Whitney and signed-rank on each comparison, one row per test
    (:func:`nettx_utils.stats.association.paired_and_independent`)."""
    return pd.concat(
        [
            association.paired_and_independent(
                cohort[a], cohort[b], comparison=comparison_name(key)
            )
            for key, (a, b) in COMPARISONS.items()
        ],
        ignore_index=True,
    )


#: The comparisons whose Mann-Whitney p the paper prints, with the id of that printed
#: value in ``data/published_values.csv``.
PAPER_MANN_WHITNEY = {
    "primary_lt": "res_mib1_primary_vs_lt_p",
    "lt_recurrence": "res_mib1_lt_vs_recurrence_p",
}


def mann_whitney_p_text(p: float, key: str, published: pd.DataFrame | None = None) -> str:
    """A Mann-Whitney p of comparison ``key`` as the page writes it.

    With ``published`` (the published values; pass them on the synthetic cohort only)
    and a comparison whose p the paper prints (:data:`PAPER_MANN_WHITNEY`), the p is
    written as the paper prints it when it reproduces it ("< 0.0001", not the book's
    "< 0.001"), by :func:`nettx_utils.paper.comparison.book_text`; otherwise as the book
    writes every p (:func:`nettx_utils.pages.prose.p_text`).

    Examples
    --------
    >>> paper = pd.DataFrame({"id": ["res_mib1_primary_vs_lt_p"], "value": [0.0001],
    ...                       "decimals": [4], "bound": ["<"]})
    >>> mann_whitney_p_text(3e-6, "primary_lt", paper), mann_whitney_p_text(3e-6, "primary_lt")
    ('< 0.0001', '< 0.001')
    >>> mann_whitney_p_text(3e-6, "primary_recurrence", paper)
    '< 0.001'
    """
    pid = PAPER_MANN_WHITNEY.get(key)
    if published is None or pid is None or not np.isfinite(p):
        return p_text(p)
    row = published.set_index("id").loc[pid]
    bound = row["bound"] if isinstance(row["bound"], str) and row["bound"].strip() else None
    return book_text(p, int(row["decimals"]), float(row["value"]), bound, "p_value")


def _phrase(text: str) -> str:
    """ "p = ..." or "p < ..." around a p already written (:func:`nettx_utils.pages.prose.p_phrase`)."""
    if text == NOT_COMPUTABLE:
        return f"p {text}"
    return f"p {text}" if text[0] in "<>" else f"p = {text}"


def p_value_items(
    tests: pd.DataFrame, alpha: float, published: pd.DataFrame | None = None
) -> Items:
    """``p_mw_<key>`` and ``p_sr_<key>`` of :func:`both_tests`, and ``disagree``: the
    comparisons where one test is below ``alpha`` and the other not. With ``published``
    (synthetic cohort only) the Mann-Whitney p-values the paper prints are written as it
    prints them (:func:`mann_whitney_p_text`)."""
    items: Items = {}
    disagree = []
    for key in COMPARISONS:
        sub = tests[tests["comparison"] == comparison_name(key)]
        p = {}
        for short, test in _TESTS.items():
            hit = sub[sub["test"].str.contains(test)]
            p[short] = float(hit["p_value"].iloc[0]) if len(hit) else math.nan
            text = (
                mann_whitney_p_text(p[short], key, published) if short == "mw" else p_text(p[short])
            )
            items[f"p_{short}_{key}"] = (p[short], text)
            items[f"p_{short}_{key}_eq"] = (p[short], _phrase(text))
        if all(np.isfinite(list(p.values()))) and (p["mw"] < alpha) != (p["sr"] < alpha):
            disagree.append(comparison_name(key))
    level = f"at the {alpha:g} level"
    if disagree:
        names = " and ".join(
            [", ".join(disagree[:-1]), disagree[-1]] if len(disagree) > 1 else disagree
        )
        sentence = f"The two tests reach different conclusions {level} for {names}."
        choice = f"On this cohort the choice of test changes the conclusion {level} for {names}."
    else:
        sentence = f"The two tests reach the same conclusion {level} for every comparison."
        choice = (
            f"On this cohort the choice of test changes no conclusion {level}; it changes "
            "the p-values."
        )
    items["disagree"] = (disagree, ", ".join(disagree) if disagree else "none of the comparisons")
    items["disagree_sentence"] = (disagree, sentence)
    items["disagree_choice"] = (disagree, choice)
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

    if len(lt_only):
        which = (
            f"Mann-Whitney also counts the {len(lt_only)} patients measured at LT but not at "
            f"recurrence (median Mib-1 at LT {median(lt_only)[1]}%, against "
            f"{median(paired[a])[1]}% in the patients with both measurements);"
        )
    else:
        which = (
            "here they use the same patients, since everyone measured at LT was also "
            "measured at recurrence;"
        )
    return {
        "lt_only_sentence": (len(lt_only), which),
        "n_lt_only": (len(lt_only), None),
        "median_lt_only": median(lt_only),
        "median_lt_paired": median(paired[a]),
        "p_mw_pairs_only": (pairs_only.p_value, p_text(pairs_only.p_value)),
        "p_mw_pairs_only_eq": (pairs_only.p_value, p_phrase(pairs_only.p_value)),
    }


def exact_vs_asymptotic(
    seed: int | None,
    sizes: Sequence[int] = (6, 10, 15, 25, 40),
    *,
    n_datasets: int = 200,
    shift: float = 0.0,
) -> pd.DataFrame:
    """How far the signed-rank test's asymptotic p lies from its exact p, per number of
    pairs, over ``n_datasets`` simulated data sets without ties for each size.

    Each data set draws ``x ~ N(0, 1)`` and ``y = x + N(shift, 1)`` from one generator
    seeded with ``seed``. With ``shift = 0`` (no true change, the default) the p-values
    spread over the same range at every size, so the error is compared at a like level
    of p rather than mixed with it (one data set per size would set a p of 0.8 beside
    one of 0.003). Columns: ``pairs``, ``data sets``, ``mean |difference|`` and
    ``largest |difference|`` of asymptotic minus exact p, and the ``median exact p``.

    Examples
    --------
    >>> demo = exact_vs_asymptotic(1, sizes=(6, 40), n_datasets=50)
    >>> bool(demo["mean |difference|"].iloc[0] > demo["mean |difference|"].iloc[1])
    True
    """
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        gaps, exacts = [], []
        for _ in range(n_datasets):
            x = rng.normal(0, 1, n)
            y = x + rng.normal(shift, 1, n)
            exact = association.wilcoxon_signed_rank(x, y, method="exact").p_value
            asymptotic = association.wilcoxon_signed_rank(x, y, method="asymptotic").p_value
            gaps.append(abs(asymptotic - exact))
            exacts.append(exact)
        rows.append(
            {
                "pairs": n,
                "data sets": n_datasets,
                "mean |difference|": float(np.mean(gaps)),
                "largest |difference|": float(np.max(gaps)),
                "median exact p": float(np.median(exacts)),
            }
        )
    return pd.DataFrame(rows)


def exact_demo_items(demo: pd.DataFrame) -> Items:
    """The smallest and largest number of pairs of :func:`exact_vs_asymptotic`: the
    mean distance between the asymptotic and the exact p over the data sets, and how
    many data sets each size has.

    >>> demo = pd.DataFrame({"pairs": [6, 40], "data sets": [200, 200],
    ...                      "mean |difference|": [0.0312, 0.0011],
    ...                      "largest |difference|": [0.09, 0.004],
    ...                      "median exact p": [0.5, 0.5]})
    >>> items = exact_demo_items(demo)
    >>> items["diff_small"][1], items["diff_large"][1], items["n_datasets"][0]
    ('0.0312', '0.0011', 200)
    """
    first, last = demo.iloc[0], demo.iloc[-1]
    return {
        "diff_small": (first["mean |difference|"], f"{first['mean |difference|']:.4f}"),
        "diff_large": (last["mean |difference|"], f"{last['mean |difference|']:.4f}"),
        "pairs_small": (int(first["pairs"]), None),
        "pairs_large": (int(last["pairs"]), None),
        "n_datasets": (int(first["data sets"]), None),
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
    book's (:mod:`nettx_utils.stats.association`; checked on one simulated study here).
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


def simulation_items(
    simulation: pd.DataFrame, *, alpha: float = 0.05, n_simulations: int | None = None
) -> Items:
    """Power and size of both tests at the lowest and highest correlation simulated, and
    two sentences: ``power_sentence`` (the powers) and ``size_sentence`` (whether the
    Mann-Whitney test's size at the highest correlation is below ``alpha`` beyond Monte
    Carlo error: the Clopper-Pearson 95% interval of the rejections among
    ``n_simulations`` studies lies below ``alpha``)."""
    power = simulation[simulation["true change"] > 0].set_index("rho")
    size = simulation[simulation["true change"] == 0].set_index("rho")
    items: Items = {}
    for key, rho in (("low", simulation["rho"].min()), ("high", simulation["rho"].max())):
        items[f"rho_{key}"] = (rho, f"{rho:g}")
        for short, test in (("sr", "signed-rank"), ("mw", "Mann-Whitney")):
            value = power.loc[rho, test]
            items[f"power_{short}_{key}"] = (value, share_text(value, 1))
        for short, test in (("mw", "Mann-Whitney"), ("sr", "signed-rank")):
            value = size.loc[rho, test]
            items[f"size_{short}_{key}"] = (value, share_text(value, 1))
    low, high = items["rho_low"][0], items["rho_high"][0]
    opening = "With uncorrelated measurements (ρ = 0)" if low == 0 else f"At ρ = {low:g}"
    sentence = (
        f"{opening} the signed-rank test detects the change in {items['power_sr_low'][1]} of "
        f"the studies and the Mann-Whitney test in {items['power_mw_low'][1]}."
    )
    if high != low:
        sentence += (
            f" At ρ = {high:g} the signed-rank test detects it in {items['power_sr_high'][1]} "
            f"and the Mann-Whitney test in {items['power_mw_high'][1]}."
        )
    items["power_sentence"] = (high, sentence)
    rejected = items["size_mw_high"][0]
    below = False
    if n_simulations:
        count = round(rejected * n_simulations)
        upper = stats.binomtest(count, n_simulations).proportion_ci(0.95, method="exact").high
        below = bool(upper < alpha)
    if below:
        size_text = (
            f"Without a true change, the Mann-Whitney test rejected in {items['size_mw_high'][1]} "
            f"of the studies at ρ = {high:g}, below the nominal {100 * alpha:g}% beyond simulation "
            "error: on positively correlated pairs it is conservative."
        )
    else:
        size_text = (
            f"Without a true change, the Mann-Whitney test rejected in {items['size_mw_high'][1]} "
            f"of the studies at ρ = {high:g}, not clearly below the nominal {100 * alpha:g}%."
        )
    items["size_sentence"] = (below, size_text)
    return items


#: The sample sizes of ``method="auto"`` in :func:`nettx_utils.stats.association.wilcoxon_signed_rank`
#: (scipy's rule): exact up to this many non-zero differences when there are neither ties
#: nor zeros ...
AUTO_EXACT_MAX = 50
#: ... and, with ties or zeros, every sign flip enumerated up to this many (2^13 = 8192
#: flips, fewer than scipy's 9999 resamples), else the normal approximation.
AUTO_PERMUTATION_MAX = 13


def auto_rule_items(x: Any, y: Any, *, name: str, mark: str = "") -> Items:
    """What ``method="auto"`` does for one comparison (``name`` in the prose), from the
    data: the non-zero differences, their tie groups, the zero differences, the method
    the rule picks, and one sentence stating the rule and its outcome; ``mark``
    (:func:`nettx_utils.pages.prose.cohort_mark`) labels the counts where they stand."""
    pairs = pd.DataFrame({"x": x, "y": y}).dropna()
    diff = (pairs["x"] - pairs["y"]).to_numpy(float)
    n_zero = int((diff == 0).sum())
    nonzero = diff[diff != 0]
    n = int(nonzero.size)
    tie_groups = int((np.unique(np.abs(nonzero), return_counts=True)[1] > 1).sum())
    n_pairs = int(diff.size)  # scipy's n: every complete pair, zero differences included
    if n == 0:
        method = NOT_COMPUTABLE
    elif n_pairs > AUTO_EXACT_MAX:
        method = "the normal approximation"
    elif not (tie_groups or n_zero):
        method = "the exact distribution"
    elif n_pairs <= AUTO_PERMUTATION_MAX:
        method = "the permutation distribution over every sign flip"
    else:
        method = "the normal approximation"
    rule = (
        'The automatic choice (method "auto", scipy\'s rule, which '
        "nettx_utils.stats.association follows) counts every complete pair, zero differences "
        f"included. With more than {AUTO_EXACT_MAX} pairs it uses the normal approximation. "
        f"Otherwise, without ties or zero differences, it uses the exact distribution of the "
        f"signed-rank statistic; with ties or zeros and at most {AUTO_PERMUTATION_MAX} pairs, "
        "it enumerates every sign flip of the non-zero differences (a permutation p-value, "
        "exact given the ties); with ties or zeros and more pairs, the normal approximation."
    )
    if n == 0:
        outcome = f" For {name} there is no non-zero difference, so there is no test."
    else:
        outcome = (
            f" For {name} there are {counted(n_pairs, 'complete pair')}: "
            f"{counted(n, 'non-zero difference')} (with "
            f"{counted(tie_groups, 'group of tied absolute values', 'groups of tied absolute values')}"
            f") and {counted(n_zero, 'zero difference')}"
            + (f" ({mark})" if mark else "")
            + f", so the automatic choice is {method}."
        )
    return {
        "auto_n": (n, None),
        "auto_ties": (tie_groups, None),
        "auto_zeros": (n_zero, None),
        "auto_method": (method, None),
        "auto_rule": (method, rule + outcome),
    }


EXACT_SIGN_FLIPS_UP_TO = 20
"""Up to this many non-zero differences, every sign flip is enumerated (2**20 at most)."""


def signed_rank_permutation_p(diff: np.ndarray) -> tuple[float, str]:
    """The two-sided signed-rank p-value from its permutation distribution given the ties
    (zeros dropped, average ranks), every sign flip enumerated, for up to
    :data:`EXACT_SIGN_FLIPS_UP_TO` non-zero differences; beyond that the normal
    approximation is close and the p-value is NaN. Returns the p-value and how it was
    obtained, in words.

    Examples
    --------
    >>> p, how = signed_rank_permutation_p(np.array([1, 2, 2, 3, -1, 4, 5, 0, 0.0]))
    >>> round(p, 6), how  # 7 non-zero differences: 2**7 = 128 sign flips, 6 as extreme
    (0.046875, 'all 128 sign flips')
    """
    diff = diff[diff != 0]  # dropped by the test anyway; flipping a zero's sign is wasted work
    nonzero = int(diff.size)
    if nonzero == 0:
        return math.nan, "no non-zero difference"
    if nonzero > EXACT_SIGN_FLIPS_UP_TO:  # the normal approximation serves; random flips
        return math.nan, "not needed"  # of a registry's pairs would cost minutes and memory
    method = stats.PermutationMethod(n_resamples=np.inf)
    return float(stats.wilcoxon(diff, method=method).pvalue), f"all {2**nonzero:,} sign flips"


def zero_checks(x: Any, y: Any, *, name: str, mark: str = "") -> Items:
    """Two checks of the signed-rank test for one comparison (``name`` in the prose) when
    zero differences are common: Pratt's handling of zeros and the sign test.

    The signed-rank test of the chapter (Wilcoxon's "wilcox" zero handling, as SPSS)
    drops zero differences and assumes the differences symmetric about zero under the
    null hypothesis. Pratt's method ranks the zeros with the other absolute differences
    and then leaves their ranks out of the statistic (scipy ``wilcoxon(d,
    zero_method="pratt", correction=False, method="approx")``: normal approximation,
    tie-corrected variance, no continuity correction); the sign test counts only the
    increases against the decreases (exact two-sided binomial test with probability
    1/2, ``scipy.stats.binomtest``) and does not assume symmetry. Items: ``zero_n`` (the
    complete pairs), ``zero_count``, ``zero_share``, ``pratt_p``, ``sign_p``, ``sign_decreases``
    (first above second), ``sign_increases`` and ``zero_sentence``; ``mark`` labels the numbers.

    Examples
    --------
    >>> items = zero_checks([3, 5, 2, 2, 8, 1, 4], [3, 1, 2, 1, 4, 0, 1], name="it")
    >>> items["zero_count"][0], items["sign_decreases"][0], items["sign_increases"][0]
    (2, 5, 0)
    >>> items["sign_p"][0] == 2 * 0.5**5
    True
    """
    pairs = pd.DataFrame({"x": x, "y": y}).dropna()
    diff = (pairs["x"] - pairs["y"]).to_numpy(float)
    n_pairs, n_zero = int(diff.size), int((diff == 0).sum())
    up, down = int((diff > 0).sum()), int((diff < 0).sum())
    if up + down == 0:
        pratt = sign = math.nan
    else:
        pratt = float(
            stats.wilcoxon(diff, zero_method="pratt", correction=False, method="approx").pvalue
        )
        sign = float(stats.binomtest(up, up + down, 0.5).pvalue)
    permutation, how = signed_rank_permutation_p(diff)
    share = n_zero / n_pairs if n_pairs else math.nan
    label = f"; {mark}" if mark else ""
    if up + down == 0:
        sentence = f"For {name} there is no non-zero difference, so neither check applies."
    else:
        sentence = (
            f"For {name}, {n_zero} of the {n_pairs} complete pairs ({share_text(share)}"
            f"{label}) have a zero difference, which the signed-rank test drops. Pratt's "
            "method, which ranks the zeros with the other differences and then leaves "
            f"their ranks out, gives {p_phrase(pratt)} (asymptotic); the sign test, which "
            f"counts only increases against decreases ({down} increases from the first "
            f"to the second time point against {up} decreases; exact binomial) and needs "
            f"no symmetry, gives {p_phrase(sign)}{' (' + mark + ')' if mark else ''}."
        )
        if math.isfinite(permutation):
            sentence += (
                " The signed-rank test itself, with its p-value from the permutation "
                f"distribution given the ties ({how}) instead of the normal approximation, "
                f"gives {p_phrase(permutation)}{' (' + mark + ')' if mark else ''}."
            )
    return {
        "zero_n": (n_pairs, None),
        "zero_count": (n_zero, None),
        "zero_share": (share, share_text(share)),
        "pratt_p": (pratt, p_text(pratt)),
        "sign_p": (sign, p_text(sign)),
        "signed_rank_permutation_p": (permutation, p_text(permutation)),
        "sign_decreases": (up, None),
        "sign_increases": (down, None),
        "zero_sentence": (share, sentence),
    }


def view_of_tests(tests: pd.DataFrame, published: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`both_tests` as the chapter shows it: readable headers, p as the book writes
    it (:func:`nettx_utils.pages.prose.p_text`; with ``published``, on the synthetic cohort, the
    Mann-Whitney p-values the paper prints as it prints them, :func:`mann_whitney_p_text`),
    no internal keys."""
    keys = {comparison_name(key): key for key in COMPARISONS}
    view = pd.DataFrame(
        {
            "comparison": tests["comparison"],
            "test": tests["test"],
            "values or non-zero pairs used": tests["n"],
            "statistic": tests["statistic"],
            "statistic is": tests["statistic_name"]
            if "statistic_name" in tests
            else ["" for _ in range(len(tests))],
            "p": [
                mann_whitney_p_text(p, keys.get(name, ""), published)
                if "Mann-Whitney" in test
                else p_text(p)
                for p, name, test in zip(
                    tests["p_value"], tests["comparison"], tests["test"], strict=True
                )
            ],
            "method": tests["method"],
        }
    )
    return view


def simulation_view(simulation: pd.DataFrame) -> pd.DataFrame:
    """:func:`simulate_paired_studies` with headers that say what the columns are."""
    return simulation.rename(
        columns={
            "rho": "correlation ρ",
            "true change": "true change (log2)",
            "signed-rank": "signed-rank: share p < α",
            "Mann-Whitney": "Mann-Whitney: share p < α",
        }
    )

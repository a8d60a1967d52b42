"""Chapter 13's computations: the same Mib-1 measurements as two samples or as pairs.

The tests are :mod:`nettx_utils.stats.association`'s; this module gathers what chapter
13 shows of the cohort: which pairs it has, the within-patient changes, both tests on
each comparison and their p-values as the chapter prints them. How the signed-rank
test gets its p-value (ties, zero differences) is
:mod:`nettx_utils.teaching.pairing_methods`; its behaviour on simulated pairs,
:mod:`nettx_utils.teaching.pairing_simulation`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from nettx_utils.errors import NettxError
from nettx_utils.pages.prose import (
    NOT_COMPUTABLE,
    Items,
    cohort_mark,
    number_text,
    p_phrase,
    p_text,
)
from nettx_utils.paper.comparison import book_text
from nettx_utils.stats import association

__all__ = [
    "COMPARISONS",
    "PAPER_MANN_WHITNEY",
    "TIME_POINTS",
    "both_tests",
    "comparison_name",
    "counts_caption",
    "lt_only_items",
    "mann_whitney_p_text",
    "p_value_items",
    "pair_counts",
    "view_of_tests",
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

"""Chapter 13: the signed-rank test on simulated pairs.

How far the signed-rank test's normal approximation lies from its exact p as the
number of pairs grows (:func:`exact_vs_asymptotic`), and a simulation of the size and
power of the signed-rank and Mann-Whitney tests as the two measurements of a patient
grow more correlated (:func:`simulate_paired_studies`), with the values and sentences
the chapter records and the table it shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from nettx_utils.pages.prose import (
    Items,
    share_text,
)
from nettx_utils.stats import association

__all__ = [
    "exact_demo_items",
    "exact_vs_asymptotic",
    "simulate_paired_studies",
    "simulation_items",
    "simulation_view",
]


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

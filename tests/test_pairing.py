"""Chapter 13's paired-versus-independent computations, against scipy and hand counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nettx_utils import association, pairing

NAN = float("nan")

HAND = pd.DataFrame(
    {
        "mib1_primary_pct": [1.0, 2.0, 4.0, 8.0, NAN, 3.0],
        "mib1_lt_pct": [2.0, 2.0, 1.0, 16.0, 5.0, 6.0],
        "mib1_recurrence_pct": [3.0, NAN, 2.0, 10.0, NAN, 1.0],
    }
)


def test_comparison_names():
    assert pairing.comparison_name("primary_lt") == "primary tumour vs metastases at LT"
    assert pairing.comparison_name("lt_recurrence") == "metastases at LT vs recurrence"


def test_pair_counts_by_hand():
    counts, items = pairing.pair_counts(HAND)
    first = counts.iloc[0]
    assert first["measured at primary tumour"] == 5 and first["measured at metastases at LT"] == 6
    assert first["complete pairs"] == 5
    assert items["pairs_lt_recurrence"][0] == 4
    both = HAND[["mib1_primary_pct", "mib1_lt_pct"]].dropna()
    rho = stats.spearmanr(both["mib1_primary_pct"], both["mib1_lt_pct"]).statistic
    assert first["Spearman rho"] == pytest.approx(rho)
    assert items["rho_primary_lt"] == (pytest.approx(rho), f"{rho:.2f}")
    none = HAND.assign(mib1_recurrence_pct=NAN)
    assert pairing.pair_counts(none)[1]["rho_lt_recurrence"][1] == "not computable"


def test_within_patient_change_by_hand():
    values, change, items = pairing.within_patient_change(HAND, "primary_lt")
    assert change.tolist() == [1.0, 0.0, -2.0, 1.0, 1.0]  # log2(lt / primary)
    assert items["n_up"][0] == 3 and items["n_down"][0] == 1
    assert items["sd_change"][0] == pytest.approx(np.std([1, 0, -2, 1, 1], ddof=1))
    sd_primary = np.std(np.log2([1, 2, 4, 8, 3]), ddof=1)
    sd_lt = np.std(np.log2([2, 2, 1, 16, 5, 6]), ddof=1)
    assert items["sd_between"][0] == pytest.approx((sd_primary + sd_lt) / 2)
    assert list(values.columns) == ["mib1_primary_pct", "mib1_lt_pct"]


def test_both_tests_and_their_p_values():
    tests = pairing.both_tests(HAND)
    assert len(tests) == 6
    items = pairing.p_value_items(tests, 0.05)
    x, y = HAND["mib1_primary_pct"], HAND["mib1_lt_pct"]
    assert items["p_mw_primary_lt"][0] == association.mann_whitney(x, y).p_value
    assert items["p_sr_primary_lt"][0] == association.wilcoxon_signed_rank(x, y).p_value


def test_disagree_names_the_comparisons_on_both_sides_of_alpha():
    rows = []
    for key, (mw, sr) in {
        "primary_lt": (0.2, 0.01),
        "lt_recurrence": (0.01, 0.02),
        "primary_recurrence": (NAN, 0.01),
    }.items():
        name = pairing.comparison_name(key)
        rows += [
            {"comparison": name, "test": association.MANN_WHITNEY, "p_value": mw},
            {"comparison": name, "test": association.SIGNED_RANK, "p_value": sr},
        ]
    items = pairing.p_value_items(pd.DataFrame(rows), 0.05)
    assert items["disagree"][0] == [pairing.comparison_name("primary_lt")]
    assert items["p_mw_primary_recurrence"][1] == "not computable"
    rows = [r for r in rows if r["comparison"] != pairing.comparison_name("primary_lt")]
    assert pairing.p_value_items(pd.DataFrame(rows), 0.05)["disagree"][1] == (
        "none of the comparisons"
    )


def test_lt_only_items_by_hand():
    items = pairing.lt_only_items(HAND)
    assert items["n_lt_only"][0] == 2  # patients 2 and 5 have LT but not recurrence
    assert items["median_lt_only"] == (3.5, "3.5")
    assert items["median_lt_paired"] == (4.0, "4")  # LT values 2, 1, 16, 6
    paired = HAND[["mib1_lt_pct", "mib1_recurrence_pct"]].dropna()
    expected = association.mann_whitney(paired.iloc[:, 0], paired.iloc[:, 1]).p_value
    assert items["p_mw_pairs_only"][0] == expected


def test_exact_vs_asymptotic_against_scipy():
    demo = pairing.exact_vs_asymptotic(11, sizes=(6, 30))
    rng = np.random.default_rng(11)
    for (_, row), n in zip(demo.iterrows(), (6, 30), strict=True):
        x = rng.normal(0, 1, n)
        y = x + rng.normal(0.6, 1, n)
        exact = stats.wilcoxon(x - y, method="exact").pvalue
        asymptotic = stats.wilcoxon(x - y, method="asymptotic", correction=False).pvalue
        assert row["pairs"] == n
        assert row["exact p"] == pytest.approx(exact, rel=1e-9)
        assert row["asymptotic p"] == pytest.approx(asymptotic, rel=1e-9)
        assert row["difference"] == pytest.approx(asymptotic - exact, rel=1e-9)
    items = pairing.exact_demo_items(demo)
    assert items["pairs_small"][0] == 6 and items["pairs_large"][0] == 30
    assert items["diff_small"][1] == f"{abs(demo['difference'].iloc[0]):.4f}"


def test_simulation_study_by_study():
    sim = pairing.simulate_paired_studies(
        [0.0, 0.8], shift=0.5, n_pairs=12, n_simulations=40, seed=3, alpha=0.05
    )
    assert sim[["rho", "true change"]].values.tolist() == [
        [0.0, 0.0], [0.0, 0.5], [0.8, 0.0], [0.8, 0.5]
    ]  # fmt: skip
    rng = np.random.default_rng(3)
    for _, row in sim.iterrows():  # each study tested one by one with the book's tests
        rho = row["rho"]
        first = rng.normal(0, 1, (40, 12))
        second = rho * first + math.sqrt(1 - rho**2) * rng.normal(0, 1, (40, 12))
        second = second + row["true change"]
        pairs = list(zip(first, second, strict=True))
        sr = [association.wilcoxon_signed_rank(a, b).p_value < 0.05 for a, b in pairs]
        mw = [association.mann_whitney(a, b).p_value < 0.05 for a, b in pairs]
        assert row["signed-rank"] == np.mean(sr) and row["Mann-Whitney"] == np.mean(mw)
    items = pairing.simulation_items(sim)
    power = sim[sim["true change"] > 0].set_index("rho")
    assert items["power_sr_high"] == (
        power.loc[0.8, "signed-rank"],
        f"{100 * power.loc[0.8, 'signed-rank']:.0f}%",
    )
    assert items["rho_low"][1] == "0" and items["rho_high"][1] == "0.8"
    size = sim[sim["true change"] == 0].set_index("rho")
    assert items["size_mw_low"][1] == f"{100 * size.loc[0.0, 'Mann-Whitney']:.1f}%"

"""Tests for nettx_utils.stats.association: hand computations of the SPSS-style statistics."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from nettx_utils.errors import NettxError
from nettx_utils.stats.association import (
    CorrelationResult,
    TestResult,
    mann_whitney,
    spearman,
    wilcoxon_signed_rank,
)


def _two_sided_normal_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


# --------------------------------------------------------------------------- Wilcoxon


def test_wilcoxon_asymptotic_by_hand_with_ties_and_zero():
    x = [10, 12, 9, 15, 11, 14, 8, 13, np.nan]
    y = [8, 12, 10, 11, 7, 12, 9, 9, 5]
    # Differences: 2, 0, -1, 4, 4, 2, -1, 4 (the last pair is incomplete and dropped).
    # Zero dropped -> n = 7. |d| = 2, 1, 4, 4, 2, 1, 4:
    #   1, 1    -> ranks 1, 2    -> 1.5 each
    #   2, 2    -> ranks 3, 4    -> 3.5 each
    #   4, 4, 4 -> ranks 5, 6, 7 -> 6 each
    # T+ = 3.5 + 6 + 6 + 3.5 + 6 = 25, T- = 1.5 + 1.5 = 3 (sum 28 = 7*8/2).
    t_plus, n = 25.0, 7
    mean = n * (n + 1) / 4  # 14
    ties = (2**3 - 2) + (2**3 - 2) + (3**3 - 3)  # 36
    var = n * (n + 1) * (2 * n + 1) / 24 - ties / 48  # 35 - 0.75 = 34.25
    z = (t_plus - mean) / math.sqrt(var)  # 1.8796
    res = wilcoxon_signed_rank(x, y)
    assert isinstance(res, TestResult)
    assert res.statistic == t_plus and res.n == n
    assert res.z == pytest.approx(z, rel=1e-12)
    assert res.p_value == pytest.approx(_two_sided_normal_p(z), rel=1e-10)
    assert res.p_value == pytest.approx(0.06016, abs=1e-5)
    assert res.method.startswith("asymptotic")
    assert "no continuity correction" in res.method
    assert "1 zero difference dropped" in res.method
    assert "1 incomplete pair dropped" in res.method
    assert res.alternative == "two-sided"


def test_wilcoxon_exact_vs_asymptotic_small_sample():
    # No ties, no zeros, n = 9 (the classic depression-scale example of Hollander & Wolfe).
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    d = np.subtract(x, y)
    ranks = stats.rankdata(np.abs(d))
    t_plus = ranks[d > 0].sum()  # 40
    # Exact: enumerate all 2^9 sign patterns of the ranks 1..9.
    sums = [
        sum(r for r, s in zip(range(1, 10), signs, strict=True) if s)
        for signs in itertools.product([0, 1], repeat=9)
    ]
    sums = np.array(sums)
    p_exact = min(1.0, 2 * min((sums >= t_plus).mean(), (sums <= t_plus).mean()))
    assert t_plus == 40 and p_exact == pytest.approx(20 / 512)

    exact = wilcoxon_signed_rank(x, y, method="exact")
    asym = wilcoxon_signed_rank(x, y, method="asymptotic")
    assert exact.p_value == pytest.approx(p_exact, rel=1e-12)
    z = (40 - 22.5) / math.sqrt(9 * 10 * 19 / 24)
    assert asym.p_value == pytest.approx(_two_sided_normal_p(z), rel=1e-10)
    assert exact.p_value != pytest.approx(asym.p_value, abs=1e-4)
    assert exact.method.startswith("exact") and asym.method.startswith("asymptotic")
    assert wilcoxon_signed_rank(x, y, method="auto").method.startswith("exact")


def test_wilcoxon_exact_refused_with_ties_and_auto_matches_scipy():
    x = [10, 12, 9, 15, 11, 14, 8, 13]
    y = [8, 12, 10, 11, 7, 12, 9, 9]
    with pytest.raises(NettxError, match="ties"):
        wilcoxon_signed_rank(x, y, method="exact")
    auto = wilcoxon_signed_rank(x, y, method="auto")
    assert auto.p_value == pytest.approx(stats.wilcoxon(x, y).pvalue, rel=1e-12)
    assert "permutation" in auto.method


@pytest.mark.parametrize(("n_nonzero", "n_zero"), [(10, 5), (13, 0), (12, 2), (45, 8)])
def test_wilcoxon_auto_counts_zero_differences_as_scipy(n_nonzero, n_zero):
    # scipy's "auto" compares the number of pairs INCLUDING zero differences with 13
    # and 50: 10 non-zero + 5 zeros is 15 pairs, hence asymptotic, not permutation
    rng = np.random.default_rng(n_nonzero + n_zero)
    d = np.concatenate([np.round(rng.normal(0.8, 1, n_nonzero), 1), np.zeros(n_zero)])
    d[d == 0] = 0.05 if n_zero == 0 else d[d == 0]
    y = np.full(d.size, 10.0)
    auto = wilcoxon_signed_rank(y + d, y, method="auto")
    assert auto.p_value == pytest.approx(stats.wilcoxon(y + d, y).pvalue, rel=1e-10)
    expected = "permutation" if n_nonzero + n_zero <= 13 else "asymptotic"
    assert expected in auto.method


def test_wilcoxon_bad_input():
    with pytest.raises(NettxError, match="equal lengths"):
        wilcoxon_signed_rank([1, 2, 3], [1, 2])
    with pytest.raises(NettxError, match="no non-zero"):
        wilcoxon_signed_rank([1, 2], [1, 2])
    with pytest.raises(NettxError, match="method"):
        wilcoxon_signed_rank([1, 2], [2, 1], method="approx")


# --------------------------------------------------------------------------- Mann-Whitney


def test_mann_whitney_asymptotic_by_hand_with_ties():
    x = [3, 5, 5, 8, 10, np.nan]
    y = [1, 2, 5, 6, 7, 9]
    # Pooled ranks: 1->1, 2->2, 3->3, (5, 5, 5)->5 each, 6->7, 7->8, 8->9, 9->10, 10->11.
    # R_x = 3 + 5 + 5 + 9 + 11 = 33, U_x = 33 - 5*6/2 = 18 (U_y = 30 - 18 = 12).
    n1, n2, big_n = 5, 6, 11
    u = 18.0
    ties = 3**3 - 3  # one tie group of 3
    var = n1 * n2 / 12 * ((big_n + 1) - ties / (big_n * (big_n - 1)))  # 29.4545
    z = (u - n1 * n2 / 2) / math.sqrt(var)  # 0.5528
    res = mann_whitney(x, y)
    assert res.statistic == u and res.n == 11
    assert res.z == pytest.approx(z, rel=1e-12)
    assert res.p_value == pytest.approx(_two_sided_normal_p(z), rel=1e-10)
    ref = stats.mannwhitneyu([3, 5, 5, 8, 10], y, use_continuity=False, method="asymptotic")
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.method.startswith("asymptotic") and "1 missing value dropped" in res.method
    with pytest.raises(NettxError, match="ties"):
        mann_whitney(x, y, method="exact")
    assert mann_whitney(x, y, method="auto").method.startswith("asymptotic")


def test_mann_whitney_exact_vs_asymptotic():
    x = [1.2, 3.4, 2.2, 5.0]
    y = [6.1, 4.4, 7.0]
    # R_x = 1 + 3 + 2 + 5 = 11 -> U = 11 - 10 = 1. Of the C(7, 3) = 35 equally likely rank
    # sets, U = 0 once and U = 1 once, so P(U <= 1) = 2/35, two-sided p = 4/35.
    exact = mann_whitney(x, y, method="exact")
    asym = mann_whitney(x, y)
    assert exact.statistic == 1.0
    assert exact.p_value == pytest.approx(4 / 35, rel=1e-12)
    z = (1 - 6) / math.sqrt(4 * 3 / 12 * 8)
    assert asym.p_value == pytest.approx(_two_sided_normal_p(z), rel=1e-10)
    assert abs(exact.p_value - asym.p_value) > 0.03
    assert exact.method.startswith("exact") and asym.method.startswith("asymptotic")
    assert mann_whitney(x, y, method="auto").p_value == pytest.approx(4 / 35)


def test_mann_whitney_bad_input():
    with pytest.raises(NettxError, match="both samples"):
        mann_whitney([np.nan], [1, 2])
    with pytest.raises(NettxError, match="identical"):
        mann_whitney([1, 1], [1, 1, 1])


# --------------------------------------------------------------------------- Spearman


def test_spearman_by_hand_and_scipy():
    x = [1, 2, 3, 4, 5, None, 6]
    y = [2, 1, 4, 3, 5, 7, np.nan]
    # Complete pairs: ranks x = 1..5, y = 2, 1, 4, 3, 5; d = -1, 1, -1, 1, 0, sum d^2 = 4.
    rho = 1 - 6 * 4 / (5 * (5**2 - 1))  # 0.8
    t = rho * math.sqrt((5 - 2) / (1 - rho**2))
    p = 2 * stats.t.sf(t, 5 - 2)
    res = spearman(x, y)
    assert isinstance(res, CorrelationResult)
    assert res.rho == pytest.approx(rho, rel=1e-12) and res.n == 5
    assert res.p_value == pytest.approx(p, rel=1e-10)
    assert "2 incomplete pairs dropped" in res.method


def test_spearman_with_ties_equals_scipy():
    x = [1, 2, 2, 3, 4, 5, 7]
    y = [3, 3, 1, 4, 6, 5, 2]
    ref = stats.spearmanr(x, y)
    res = spearman(x, y)
    assert res.rho == pytest.approx(ref.statistic, rel=1e-12)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-12)


def test_spearman_bad_input():
    with pytest.raises(NettxError, match="at least 3"):
        spearman([1, 2, np.nan], [1, 2, 3])
    with pytest.raises(NettxError, match="constant"):
        spearman([1, 1, 1], [1, 2, 3])


# --------------------------------------------------------------------------- the paper's tests


def test_mib1_comparisons_are_scipys_tests_on_the_cohort():
    """Each of the paper's Mib-1 comparisons, recomputed with scipy (SPSS's asymptotics)."""
    from nettx_utils.data.cohort import load_cohort
    from nettx_utils.stats.association import mib1_comparisons

    cohort = load_cohort()
    p, lt, r = (cohort[c].to_numpy(float) for c in
                ("mib1_primary_pct", "mib1_lt_pct", "mib1_recurrence_pct"))  # fmt: skip
    pairs = {"primary_lt": (p, lt), "lt_recurrence": (lt, r),
             "change": (100 * (lt - p) / p, 100 * (r - lt) / lt)}  # fmt: skip
    table = mib1_comparisons(cohort).set_index(["key", "test_key"])
    assert table["p_value"].notna().all()
    for key, (x, y) in pairs.items():
        mw = stats.mannwhitneyu(x[~np.isnan(x)], y[~np.isnan(y)], use_continuity=False,
                                method="asymptotic")  # fmt: skip
        assert table.loc[(key, "mann_whitney"), "p_value"] == pytest.approx(mw.pvalue, rel=1e-9)
        both = ~np.isnan(x) & ~np.isnan(y)
        sr = stats.wilcoxon(x[both], y[both], correction=False, method="approx")
        assert table.loc[(key, "signed_rank"), "p_value"] == pytest.approx(sr.pvalue, rel=1e-9)


def test_paper_correlations_are_scipys_spearman_and_tolerate_a_tiny_cohort():
    from nettx_utils.data.cohort import load_cohort
    from nettx_utils.stats.association import paper_correlations

    cohort = load_cohort()
    table = paper_correlations(cohort)
    rho, p = stats.spearmanr(cohort["months_diagnosis_to_lt"], cohort["months_lt_to_recurrence"])
    assert table["rho"].iloc[2] == pytest.approx(rho, rel=1e-9)
    assert table["p_value"].iloc[2] == pytest.approx(p, rel=1e-9)
    tiny = paper_correlations(cohort.head(2))
    assert tiny["rho"].isna().all()
    assert tiny["note"].str.contains("at least 3").all()


def test_each_rank_test_row_names_its_statistic_and_the_value_matches_the_name():
    from nettx_utils.paper.results import rank_tests_view
    from nettx_utils.stats.association import paired_and_independent

    # first - second = [2, 0, -1, 4, 4]: non-zero |d| = 2, 1, 4, 4 -> ranks 2, 1, 3.5, 3.5.
    # W+ (first - second) = 2 + 3.5 + 3.5 = 9; W- = 1, which scipy's wilcoxon reports.
    first, second = [10, 12, 9, 15, 11], [8, 12, 10, 11, 7]
    rows = paired_and_independent(first, second, comparison="A vs B").set_index("test_key")
    assert rows.at["signed_rank", "statistic_name"] == "W⁺ (first − second)"
    assert rows.at["signed_rank", "statistic"] == 9.0
    assert stats.wilcoxon(np.subtract(first, second)).statistic == 1.0
    # U of the first sample: each pair (x from first, y from second) counts 1 if x > y, 1/2 if tied.
    u = sum((a > b) + 0.5 * (a == b) for a in first for b in second)
    assert rows.at["mann_whitney", "statistic_name"] == "U of the first sample"
    assert rows.at["mann_whitney", "statistic"] == u
    shown = rank_tests_view(rows.reset_index(), "x", alpha=0.05).data
    assert shown["Statistic is"].tolist() == ["U of the first sample", "W⁺ (first − second)"]

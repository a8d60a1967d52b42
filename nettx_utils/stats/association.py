"""Rank tests and rank correlation with SPSS's default conventions.

The paper used SPSS 26. Our defaults reproduce SPSS's default output:

- **Wilcoxon signed-rank (paired)**: incomplete pairs dropped, zero differences dropped
  (Wilcoxon's method), normal approximation with the tie-corrected variance and no
  continuity correction ("Asymp. Sig. (2-tailed)").
- **Mann-Whitney (independent samples)**: missing values dropped in each sample,
  normal approximation, tie-corrected, no continuity correction ("Asymp. Sig.").
  R's ``wilcox.test`` differs on both points: it applies a continuity correction and
  goes exact for small samples without ties.
- **Spearman**: pairwise complete observations, p from the t approximation
  t = rho sqrt((n - 2) / (1 - rho^2)) on n - 2 df (scipy and SPSS agree).

All tests are two-sided. ``method="exact"`` uses scipy's exact null distribution, which
is exact only without ties (and, for the signed-rank test, without zero differences):
we refuse it in that case with :class:`~nettx_utils.errors.NettxError` rather than
return a silently approximate p. ``method="auto"`` applies scipy's rule and reports
which method it chose in ``TestResult.method``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from nettx_utils.data.derived import mib1_changes
from nettx_utils.errors import NettxError
from nettx_utils.stats.arrays import as_float_array

__all__ = [
    "CorrelationResult",
    "TestResult",
    "correlation_table",
    "mann_whitney",
    "mib1_comparisons",
    "paired_and_independent",
    "paper_correlations",
    "paper_test_column",
    "result_or_note",
    "spearman",
    "wilcoxon_signed_rank",
]

METHODS = ("asymptotic", "exact", "auto")
SIGNED_RANK = "Wilcoxon signed-rank (paired)"
MANN_WHITNEY = "Mann-Whitney U (independent samples)"
STATISTIC_NAMES = {
    SIGNED_RANK: "W⁺ (first − second)",
    MANN_WHITNEY: "U of the first sample",
}
"""What each test's ``statistic`` is, as a table names it: the sum of the ranks of the
positive differences first − second (scipy's ``wilcoxon`` reports min(W⁺, W⁻) instead),
and the Mann-Whitney U of the first sample (scipy's ``mannwhitneyu`` too)."""
_ASYMPTOTIC = "asymptotic: normal approximation, tie-corrected variance, no continuity correction"


@dataclass(frozen=True)
class TestResult:
    """A two-sample rank test.

    ``statistic`` is the rank statistic of the first sample (T+ for the signed-rank
    test, U of ``x`` for Mann-Whitney; R reports the same as V and W). ``z`` is the
    standardised statistic (tie-corrected, no continuity correction), positive when
    ``x`` tends to be larger; SPSS prints -|z|. ``method`` says how p was obtained and
    what was dropped.
    """

    __test__ = False  # not a pytest test class

    test: str
    statistic: float
    p_value: float
    n: int
    method: str
    alternative: str = "two-sided"
    z: float = math.nan


@dataclass(frozen=True)
class CorrelationResult:
    """A correlation coefficient with its two-sided p-value and the number of pairs used."""

    rho: float
    p_value: float
    n: int
    method: str


def _paired(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, int]:
    a, b = as_float_array(x, "x"), as_float_array(y, "y")
    if a.size != b.size:
        raise NettxError(f"paired data need equal lengths, got {a.size} and {b.size}")
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep], b[keep], int((~keep).sum())


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise NettxError(f"method must be one of {METHODS}, got {method!r}")


def _tie_sizes(values: np.ndarray) -> np.ndarray:
    return np.unique(values, return_counts=True)[1]


def _count(n: int, noun: str) -> str:
    """``n`` and ``noun`` in the right number (``1 tie group``, ``3 tie groups``)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _dropped(n: int, what: str) -> str:
    """``"; 4 zero differences dropped"`` (``what`` ends in "(s)"), or "" when none."""
    noun = what.replace("(s)", "" if n == 1 else "s")
    return f"; {n} {noun} dropped" if n else ""


def wilcoxon_signed_rank(x: Any, y: Any, *, method: str = "asymptotic") -> TestResult:
    """Wilcoxon signed-rank test for paired samples (differences ``x - y``), two-sided.

    Pairs with a missing value are dropped; zero differences are dropped before ranking
    (Wilcoxon's "wilcox" method, as SPSS). With n non-zero differences, T+ is the sum of
    the ranks of |d| over positive d and

        z = (T+ - n(n+1)/4) / sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48),

    t running over tie groups of |d|; p = 2 (1 - Phi(|z|)), no continuity correction.

    Parameters
    ----------
    method : {"asymptotic", "exact", "auto"}
        ``"asymptotic"`` (default) reproduces SPSS. ``"exact"`` uses the exact null
        distribution and raises NettxError if there are ties or zero differences.
        ``"auto"`` follows scipy's ``wilcoxon(method="auto")`` exactly, whose sample
        size counts every complete pair, zero differences included: asymptotic if
        there are more than 50 pairs; otherwise exact if there are no ties and no
        zeros; otherwise, with at most 13 pairs, the exact permutation distribution
        over all sign flips of the non-zero differences (conditional on the ties);
        otherwise asymptotic.

    Examples
    --------
    >>> res = wilcoxon_signed_rank([10, 12, 9, 15, 11], [8, 12, 10, 11, 7])
    >>> res.statistic, res.n
    (9.0, 4)
    """
    _check_method(method)
    a, b, n_incomplete = _paired(x, y)
    diff = a - b
    n_zero = int((diff == 0).sum())
    d = diff[diff != 0]
    n = int(d.size)
    if n == 0:
        raise NettxError("signed-rank test: no non-zero paired differences")
    ranks = stats.rankdata(np.abs(d))
    t_plus = float(ranks[d > 0].sum())
    ties = _tie_sizes(np.abs(d))
    var = n * (n + 1) * (2 * n + 1) / 24 - float((ties**3 - ties).sum()) / 48
    z = (t_plus - n * (n + 1) / 4) / math.sqrt(var)
    has_ties = bool((ties > 1).any())

    if method == "auto":  # scipy's rule: its n counts the zero differences too
        n_pairs = int(diff.size)
        if n_pairs > 50:
            method = "asymptotic"
        elif not (has_ties or n_zero):
            method = "exact"
        else:
            method = "permutation" if n_pairs <= 13 else "asymptotic"
    if method == "exact" and (has_ties or n_zero):
        raise NettxError(
            "exact signed-rank p needs no ties and no zero differences; found "
            + " and ".join(
                _count(k, noun)
                for k, noun in ((int((ties > 1).sum()), "tie group"), (n_zero, "zero difference"))
                if k
            )
            + ". "
            "Use method='asymptotic' (SPSS) or 'auto'."
        )
    if method == "asymptotic":
        res = stats.wilcoxon(d, correction=False, method="asymptotic")
        label = _ASYMPTOTIC
    elif method == "exact":
        res = stats.wilcoxon(d, method="exact")
        label = "exact: exact null distribution of T+"
    else:  # 2^13 = 8192 < 9999 resamples, so scipy enumerates every sign flip
        res = stats.wilcoxon(d, method=stats.PermutationMethod())
        label = "exact: permutation distribution over all sign flips (conditional on ties)"
    label += _dropped(n_zero, "zero difference(s)") + _dropped(n_incomplete, "incomplete pair(s)")
    return TestResult(
        test=SIGNED_RANK,
        statistic=t_plus,
        p_value=float(res.pvalue),
        n=n,
        method=label,
        z=z,
    )


def mann_whitney(x: Any, y: Any, *, method: str = "asymptotic") -> TestResult:
    """Mann-Whitney U (Wilcoxon rank-sum) test for two independent samples, two-sided.

    Missing values are dropped in each sample. U is the U statistic of ``x``,
    U = R_x - n1(n1+1)/2 with R_x the rank sum of ``x`` in the pooled sample, and

        z = (U - n1 n2 / 2) / sqrt(n1 n2 / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1)))),

    N = n1 + n2, t running over tie groups; p = 2 (1 - Phi(|z|)), no continuity correction.

    Parameters
    ----------
    method : {"asymptotic", "exact", "auto"}
        ``"asymptotic"`` (default) reproduces SPSS's "Asymp. Sig.". ``"exact"`` uses the
        exact null distribution and raises NettxError if there are ties. ``"auto"``
        follows scipy: exact if either sample has <= 8 values and there are no ties,
        otherwise asymptotic.

    Examples
    --------
    >>> res = mann_whitney([1.2, 3.4, 2.2, 5.0], [6.1, 4.4, 7.0])
    >>> res.statistic, res.n
    (1.0, 7)
    """
    _check_method(method)
    a, b = as_float_array(x, "x"), as_float_array(y, "y")
    n_missing = int((~np.isfinite(a)).sum() + (~np.isfinite(b)).sum())
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    n1, n2 = a.size, b.size
    if n1 == 0 or n2 == 0:
        raise NettxError(f"Mann-Whitney needs values in both samples, got {n1} and {n2}")
    pooled = np.concatenate([a, b])
    ties = _tie_sizes(pooled)
    if ties.size == 1:
        raise NettxError("Mann-Whitney: all values are identical, the test is undefined")
    big_n = n1 + n2
    u = float(stats.rankdata(pooled)[:n1].sum()) - n1 * (n1 + 1) / 2
    var = n1 * n2 / 12 * ((big_n + 1) - float((ties**3 - ties).sum()) / (big_n * (big_n - 1)))
    z = (u - n1 * n2 / 2) / math.sqrt(var)
    has_ties = bool((ties > 1).any())

    if method == "auto":
        method = "asymptotic" if (n1 > 8 and n2 > 8) or has_ties else "exact"
    if method == "exact" and has_ties:
        raise NettxError(
            f"exact Mann-Whitney p needs no ties; found {int((ties > 1).sum())} tie group(s). "
            "Use method='asymptotic' (SPSS) or 'auto'."
        )
    res = stats.mannwhitneyu(a, b, use_continuity=False, method=method)
    label = _ASYMPTOTIC if method == "asymptotic" else "exact: exact null distribution of U"
    return TestResult(
        test=MANN_WHITNEY,
        statistic=u,
        p_value=float(res.pvalue),
        n=int(big_n),
        method=label + _dropped(n_missing, "missing value(s)"),
        z=z,
    )


def spearman(x: Any, y: Any) -> CorrelationResult:
    """Spearman's rank correlation on pairwise-complete observations, two-sided p.

    rho is Pearson's correlation of the (average-tie) ranks; p from the t approximation
    on n - 2 degrees of freedom, as scipy and SPSS compute it. Needs at least 3 complete
    pairs and some variation in both variables.

    Examples
    --------
    >>> round(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]).rho, 4)
    0.8208
    """
    a, b, n_incomplete = _paired(x, y)
    n = int(a.size)
    if n < 3:
        raise NettxError(f"Spearman needs at least 3 complete pairs, got {n}")
    if np.unique(a).size == 1 or np.unique(b).size == 1:
        raise NettxError("Spearman: one variable is constant, rho is undefined")
    res = stats.spearmanr(a, b)
    return CorrelationResult(
        rho=float(res.statistic),
        p_value=float(res.pvalue),
        n=n,
        method="t approximation, n - 2 df, pairwise complete"
        + _dropped(n_incomplete, "incomplete pair(s)"),
    )


_TEST_NAMES: dict[Callable[..., TestResult], str] = {
    mann_whitney: MANN_WHITNEY,
    wilcoxon_signed_rank: SIGNED_RANK,
}


def result_or_note(test: Callable[..., TestResult], *args: Any, **kwargs: Any) -> TestResult:
    """Run a rank test; when the cohort cannot give it, a result of NaN that says why.

    For chapters that must run on any cohort: a moment measured in nobody, or
    one group empty, gives ``p_value`` NaN (shown as NA) and the reason in
    ``method`` instead of an error.

    Examples
    --------
    >>> result_or_note(mann_whitney, [1.0, 2.0], [None]).method
    'Mann-Whitney needs values in both samples, got 2 and 0'
    """
    try:
        return test(*args, **kwargs)
    except NettxError as exc:
        name = _TEST_NAMES.get(test, getattr(test, "__name__", "test"))
        return TestResult(test=name, statistic=math.nan, p_value=math.nan, n=0, method=str(exc))


def paired_and_independent(x: Any, y: Any, *, comparison: str, key: str = "") -> pd.DataFrame:
    """The same two measurements tested as independent samples and as pairs.

    The paper compared Mib-1 at two time points with the "Wilcoxon test for
    independent samples" (Mann-Whitney), although both values come from the same
    patient. The signed-rank test uses the pairing; this table shows both, so a
    reader can see whether the conclusion depends on the choice.

    Returns one row per test: ``key, comparison, test, test_key, n, statistic,
    statistic_name, p_value, method`` (``statistic_name`` from :data:`STATISTIC_NAMES`); ``test_key`` is ``mann_whitney`` or ``signed_rank`` and
    ``key`` the caller's short name of the comparison, for records.
    A test that a cohort cannot give (a moment measured in nobody, no non-zero
    difference) has NaN statistic and p, and ``method`` says why: a small or
    incomplete cohort gets a note, not an error.
    """
    results = {
        "mann_whitney": result_or_note(mann_whitney, x, y),
        "signed_rank": result_or_note(wilcoxon_signed_rank, x, y),
    }
    return pd.DataFrame(
        [
            {
                "key": key,
                "comparison": comparison,
                "test": result.test,
                "test_key": test_key,
                "n": result.n,
                "statistic": result.statistic,
                "statistic_name": STATISTIC_NAMES[result.test],
                "p_value": result.p_value,
                "method": result.method,
            }
            for test_key, result in results.items()
        ]
    )


def correlation_table(pairs: Mapping[str, tuple[Any, Any]]) -> pd.DataFrame:
    """Spearman's rho for each named pair of variables: ``correlation, n, rho, p_value, note``.

    A pair with fewer than 3 complete observations, or a constant variable, gets
    NaN and a note instead of an error, so a chapter still shows the others.

    Examples
    --------
    >>> pairs = {"a vs b": ([1, 2, 3, 4], [2, 1, 4, 3]), "a vs none": ([1, 2], [None, None])}
    >>> correlation_table(pairs)[["n", "rho"]].round(3).to_dict("list")
    {'n': [4, 0], 'rho': [0.6, nan]}
    """
    rows = []
    for label, (x, y) in pairs.items():
        try:
            result = spearman(x, y)
        except NettxError as exc:
            rows.append((label, 0, math.nan, math.nan, str(exc)))
            continue
        rows.append((label, result.n, result.rho, result.p_value, ""))
    return pd.DataFrame(rows, columns=["correlation", "n", "rho", "p_value", "note"])


def mib1_comparisons(cohort: pd.DataFrame) -> pd.DataFrame:
    """The paper's three Mib-1 comparisons, each as it tested them and as pairs.

    Primary vs LT, LT vs recurrence, and the two % changes against each other
    (keys ``primary_lt``, ``lt_recurrence``, ``change``); the columns are those of
    :func:`paired_and_independent`. The two changes of one patient share the LT
    value, so they are paired too.
    """
    changes = mib1_changes(cohort)
    pairs = [
        ("primary_lt", "Primary vs LT", cohort["mib1_primary_pct"], cohort["mib1_lt_pct"]),
        ("lt_recurrence", "LT vs recurrence", cohort["mib1_lt_pct"], cohort["mib1_recurrence_pct"]),
        ("change", "% change: primary→LT vs LT→recurrence", *changes.values()),
    ]
    return pd.concat(
        [paired_and_independent(x, y, comparison=label, key=key) for key, label, x, y in pairs],
        ignore_index=True,
    )


def paper_correlations(cohort: pd.DataFrame) -> pd.DataFrame:
    """The three Spearman correlations of the paper's Results (:func:`correlation_table`)."""
    changes = mib1_changes(cohort)
    return correlation_table(
        {
            "Time from diagnosis to LT vs % change of Mib-1, primary→LT": (
                cohort["months_diagnosis_to_lt"],
                changes["primary_lt"],
            ),
            "Time from LT to recurrence vs % change of Mib-1, LT→recurrence": (
                cohort["months_lt_to_recurrence"],
                changes["lt_recurrence"],
            ),
            "Time from diagnosis to LT vs time from LT to recurrence": (
                cohort["months_diagnosis_to_lt"],
                cohort["months_lt_to_recurrence"],
            ),
        }
    )


PUBLISHED_TESTS: dict[tuple[str, str], str] = {
    ("primary_lt", "mann_whitney"): "mannwhitney:mib1_primary_pct,mib1_lt_pct",
    ("lt_recurrence", "mann_whitney"): "mannwhitney:mib1_lt_pct,mib1_recurrence_pct",
    ("change", "mann_whitney"): "mannwhitney:mib1_change_primary_lt,mib1_change_lt_recurrence",
}
"""The rows of :func:`mib1_comparisons` whose p the paper prints, with the ``spec`` of that
published value; the paired (signed-rank) tests are the book's and are not published."""


def rank_tests_caption(title: str, synthetic: bool) -> str:
    """The caption of the rank-tests table: on the synthetic cohort it says which numbers
    the paper does not print (all but the Mann-Whitney p-values).

    Examples
    --------
    >>> rank_tests_caption("Mib-1 tests", False)
    'Mib-1 tests'
    >>> rank_tests_caption("Mib-1 tests", True).split(". ")[1][:60]
    'The paper prints only the Mann-Whitney p-values: the n colum'
    """
    from nettx_utils.formatting import SYNTHETIC_ONLY

    if not synthetic:
        return title
    return (
        f"{title}. The paper prints only the Mann-Whitney p-values: the n column, both "
        f"statistics and the signed-rank rows are {SYNTHETIC_ONLY}"
    )


def paper_test_column(
    tests: pd.DataFrame, scored: pd.DataFrame | None = None, *, synthetic: bool = True
) -> list[str] | None:
    """For each row of :func:`mib1_comparisons`, what the paper prints of it.

    Parameters
    ----------
    tests
        :func:`mib1_comparisons` output (``key`` and ``test_key`` name the row).
    scored
        :func:`nettx_utils.paper.scoring.score` output, given only when the chapter is
        comparable: the printed p then stands in the column.
    synthetic
        False for a user's cohort: every number is that cohort's and ``None`` is returned
        (no column).

    Returns
    -------
    list of str or None
        ``"P = 0.016"`` (or ``"printed by the paper"`` without ``scored``) for a published
        test; for the others, :data:`nettx_utils.formatting.SYNTHETIC_ONLY`.

    Examples
    --------
    >>> rows = pd.DataFrame({"key": ["change", "change"],
    ...                      "test_key": ["mann_whitney", "signed_rank"]})
    >>> paper_test_column(rows)[0]
    'Printed by the paper'
    >>> paper_test_column(rows, synthetic=False) is None
    True
    """
    from nettx_utils.formatting import SYNTHETIC_ONLY, printed

    if not synthetic:
        return None
    column = []
    for key, test_key in zip(tests["key"], tests["test_key"], strict=True):
        spec = PUBLISHED_TESTS.get((key, test_key))
        if spec is None:
            column.append(SYNTHETIC_ONLY.capitalize())
            continue
        found = None if scored is None else scored[scored["spec"] == spec]
        if found is None or found.empty:
            column.append("Printed by the paper")
            continue
        value = found.iloc[0]
        text = printed(value["published"], value["decimals"], value["bound"] or None)
        column.append(f"P {text}" if value["bound"] else f"P = {text}")
    return column

"""The log-rank test at many cut-offs at once, and the maximally selected log-rank statistic.

A continuous marker (time from LT to recurrence, Mib-1) is often split at a cut-off
c into ``marker <= c`` and ``marker > c`` and the two groups compared with the
log-rank test. If c was chosen by looking at the p-values, the smallest of them is
too small. Lausen & Schumacher (1992) take the largest standardised log-rank
statistic over the admissible cut-offs as *the* test statistic; its null
distribution is obtained here by permuting the marker (which keeps the survival
data and the group sizes of every cut-off fixed).

Everything is computed in numpy, for every cut-off and every permutation at once,
from the pooled risk sets of :func:`nettx_utils.stats.risk_sets.risk_set_counts`.
With distinct event times t_j (n_j at risk, d_j deaths) and group 1 = ``marker <= c``
(n_1j at risk, d_1j deaths),

    U = sum_j (d_1j - d_j n_1j / n_j),
    V = sum_j n_1j (n_j - n_1j) d_j (n_j - d_j) / (n_j^2 (n_j - 1)),
    z = U / sqrt(V),

and z^2 is the log-rank chi-square of lifelines' ``logrank_test`` and R's ``survdiff``
(ties: hypergeometric variance). ``z > 0`` means more deaths than expected in the
low group. U is linear in the group indicator, ``U = sum_{i in group 1} (e_i - H(d_i))``
with H the Nelson-Aalen cumulative hazard of the pooled sample, so only V needs the
numbers at risk per event time (counts of event-time bin and marker rank per permutation).

Conventions:

- Patients with a missing marker are left out before anything (as the log-rank
  screen of :mod:`nettx_utils.paper.prognostic` does).
- A cut-off is *admissible* when both groups hold at least ``min_group`` patients
  (default: 10% of the patients with a marker, rounded up, and at least 1).
  Permuting the marker does not change group sizes, so the admissible set is the
  same in every permutation.
- The permutation p-value is ``(1 + #{max_b >= max_observed}) / (1 + B)``, which is
  never 0 and is a valid p-value for any B (Phipson & Smyth 2010).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest, chi2, norm

from nettx_utils.errors import NettxError
from nettx_utils.stats.arrays import as_float_array
from nettx_utils.stats.risk_sets import risk_set_counts

__all__ = [
    "MaxSelectedResult",
    "count_reaching",
    "default_cutoffs",
    "lausen_schumacher_p",
    "logrank_z",
    "maximally_selected_logrank",
    "scan_cutoffs",
]

_BATCH = 1000  # permutations at most per batch
_BATCH_BYTES = 64 * 2**20  # memory of one batch's arrays: the batch shrinks as n grows
_REL_TOL = 1e-9  # a permuted maximum within this relative distance counts as a tie


@dataclass(frozen=True)
class _Prepared:
    """Survival data with the marker known, and where each patient stands among the event times."""

    durations: np.ndarray
    events: np.ndarray
    marker: np.ndarray
    tbin: (
        np.ndarray
    )  # (n,): event times <= d_i; patient i is at risk at event time j iff j < tbin_i
    score: np.ndarray  # (n,): e_i - H(d_i), the log-rank score of each patient
    weight: np.ndarray  # (J,): d_j (n_j - d_j) / (n_j^2 (n_j - 1)), 0 when n_j = 1
    n_at_risk: np.ndarray  # (J,)
    n_missing: int

    @property
    def below(self) -> np.ndarray:
        """(J,): patients with ``tbin <= j``, i.e. no longer at risk at event time j + 1."""
        return np.cumsum(np.bincount(self.tbin, minlength=self.weight.size + 1))[:-1]


def _prepare(durations: Any, events: Any, marker: Any) -> _Prepared:
    d_all = as_float_array(durations, "durations")
    e_all = as_float_array(events, "events")
    m_all = as_float_array(marker, "marker")
    if not d_all.size == e_all.size == m_all.size:
        raise NettxError(
            f"durations, events and marker have {d_all.size}, {e_all.size} and {m_all.size} values"
        )
    keep = np.isfinite(m_all)
    if not keep.any():
        raise NettxError("marker: every value is missing")
    d, e, m = d_all[keep], e_all[keep], m_all[keep]
    if not np.isfinite(d).all() or (d < 0).any():
        raise NettxError("durations must be finite numbers >= 0 (no missing values)")
    if not np.isin(e, (0.0, 1.0)).all():
        raise NettxError("events must be 0 (censored) or 1 (event), with no missing values")
    # The pooled risk sets at the death times, from the package's one core.
    all_times, at_risk, died, _ = risk_set_counts(d, e)
    death_time = died[:, 0] > 0
    times = all_times[death_time]
    n_j = at_risk[death_time, 0].astype(float)
    deaths = died[death_time, 0].astype(float)
    tbin = np.searchsorted(times, d, side="right")
    hazard = deaths / n_j
    cumulative = np.concatenate([[0.0], np.cumsum(hazard)])
    score = e - cumulative[tbin]  # e_i minus the cumulative hazard at d_i
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(n_j > 1, deaths * (n_j - deaths) / (n_j**2 * (n_j - 1)), 0.0)
    return _Prepared(d, e, m, tbin, score, weight, n_j, int((~keep).sum()))


def _z(prep: _Prepared, u: np.ndarray, n1: np.ndarray) -> np.ndarray:
    """z = U / sqrt(V) from U (..., K) and the numbers at risk in group 1, n1 (..., J, K)."""
    v = np.einsum("j,...jk->...k", prep.weight, n1 * (prep.n_at_risk[:, None] - n1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, u / np.sqrt(v), np.nan)


def _z_from_groups(prep: _Prepared, groups: np.ndarray) -> np.ndarray:
    """Standardised log-rank statistics for group indicators ``groups`` (n, K)."""
    u = prep.score @ groups
    order = np.argsort(prep.tbin, kind="stable")
    passed = np.cumsum(groups[order], axis=0)  # group 1 patients among the first by tbin
    passed = np.concatenate([np.zeros((1, groups.shape[1])), passed])
    n1 = passed[-1] - passed[prep.below]  # (J, K): at risk at each event time
    return _z(prep, u, n1)


def _cutoff_array(cutoffs: Any) -> np.ndarray:
    c = as_float_array(np.atleast_1d(cutoffs), "cutoffs")
    if c.size == 0 or not np.isfinite(c).all():
        raise NettxError("cutoffs must be one or more finite numbers")
    return c


def logrank_z(durations: Any, events: Any, marker: Any, cutoffs: Any) -> np.ndarray:
    """Standardised log-rank statistic of ``marker <= c`` vs ``marker > c`` for every c.

    ``z**2`` is the log-rank chi-square (1 df). NaN where a group is empty or the
    variance is 0 (no death while both groups are at risk).

    Examples
    --------
    >>> z = logrank_z([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [1, 2, 3, 4, 5, 6], [3, 4])
    >>> [round(float(v**2), 4) for v in z]
    [5.0517, 3.8633]
    """
    prep = _prepare(durations, events, marker)
    c = _cutoff_array(cutoffs)
    groups = (prep.marker[:, None] <= c[None, :]).astype(float)
    return _z_from_groups(prep, groups)


def default_cutoffs(marker: Any) -> np.ndarray:
    """Every distinct observed value of ``marker`` but the largest (which leaves no one above).

    Examples
    --------
    >>> default_cutoffs([2, 1, 2, 5, None]).tolist()
    [1.0, 2.0]
    """
    m = as_float_array(marker, "marker")
    return np.unique(m[np.isfinite(m)])[:-1]


def _min_group(n: int, min_group: int | None, min_fraction: float) -> int:
    if min_group is not None:
        if min_group < 1:
            raise NettxError(f"min_group must be at least 1, got {min_group}")
        return int(min_group)
    if not 0 <= min_fraction < 0.5:
        raise NettxError(f"min_fraction must be in [0, 0.5), got {min_fraction}")
    return max(1, math.ceil(min_fraction * n - 1e-9))


def scan_cutoffs(
    durations: Any,
    events: Any,
    marker: Any,
    cutoffs: Any = None,
    *,
    min_group: int | None = None,
    min_fraction: float = 0.1,
) -> pd.DataFrame:
    """The log-rank test at every cut-off: one row per cut-off.

    Parameters
    ----------
    cutoffs
        The cut-offs to try; default :func:`default_cutoffs` (every observed value).
    min_group, min_fraction
        Smallest admissible group: ``min_group`` patients if given, else
        ``ceil(min_fraction * n)`` (n = patients with a marker), at least 1.

    Returns
    -------
    pandas.DataFrame
        ``cutoff, n_low, n_high, deaths_low, deaths_high, z, chi2, p_value,
        admissible``; p is the usual (unadjusted) log-rank p on 1 df, NaN when the
        test is undefined. ``attrs`` holds ``min_group``, ``n`` and ``n_missing``.

    Examples
    --------
    >>> scan = scan_cutoffs([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [1, 2, 3, 4, 5, 6])
    >>> scan[["cutoff", "n_low", "admissible"]].to_dict("list")
    {'cutoff': [1.0, 2.0, 3.0, 4.0, 5.0], 'n_low': [1, 2, 3, 4, 5], 'admissible': [True, True, True, True, True]}
    """
    prep = _prepare(durations, events, marker)
    c = default_cutoffs(prep.marker) if cutoffs is None else _cutoff_array(cutoffs)
    n = prep.marker.size
    smallest = _min_group(n, min_group, min_fraction)
    low = prep.marker[:, None] <= c[None, :]
    z = _z_from_groups(prep, low.astype(float)) if c.size else np.array([], dtype=float)
    n_low = low.sum(axis=0)
    deaths_low = (low & (prep.events[:, None] == 1)).sum(axis=0)
    table = pd.DataFrame(
        {
            "cutoff": c,
            "n_low": n_low,
            "n_high": n - n_low,
            "deaths_low": deaths_low,
            "deaths_high": int(prep.events.sum()) - deaths_low,
            "z": z,
            "chi2": z**2,
            "p_value": chi2.sf(z**2, 1),
            "admissible": (n_low >= smallest) & (n - n_low >= smallest),
        }
    )
    table.attrs.update(min_group=smallest, n=n, n_missing=prep.n_missing)
    return table


@dataclass(frozen=True)
class MaxSelectedResult:
    """The maximally selected log-rank statistic and its permutation p-value.

    ``statistic`` is the largest chi-square (= z^2) over the admissible cut-offs and
    ``cutoff`` the first cut-off reaching it; ``p_value`` is the permutation p
    (``n_permutations`` permutations of the marker drawn with ``seed``);
    ``smallest_raw_p`` is the unadjusted log-rank p at that cut-off. ``null_max`` holds
    the maximum chi-square of each permutation, and ``table`` the scan of
    :func:`scan_cutoffs`. Everything is NaN when no cut-off is admissible or no
    admissible cut-off has a defined test (no deaths); ``note`` then says why.
    """

    statistic: float
    cutoff: float
    p_value: float
    smallest_raw_p: float
    n_cutoffs: int
    n_groupings: int
    min_group: int
    n_permutations: int
    seed: int | None
    table: pd.DataFrame = field(repr=False)
    null_max: np.ndarray = field(repr=False)
    note: str = ""

    def __repr__(self) -> str:
        """The fields a reader compares, at 4 significant digits (a notebook shows this).

        >>> r = MaxSelectedResult(16.257848, 37.0, 0.00349965, 5.528e-05, 46, 5, 4, 10_000,
        ...                       1, pd.DataFrame(), np.array([]))
        >>> r
        MaxSelectedResult(statistic=16.26, cutoff=37, p_value=0.0035, smallest_raw_p=5.528e-05, n_cutoffs=46, n_groupings=5, min_group=4, n_permutations=10000, seed=1)
        """
        fields = ", ".join(
            f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value!r}"
            for name, value in (
                ("statistic", self.statistic),
                ("cutoff", self.cutoff),
                ("p_value", self.p_value),
                ("smallest_raw_p", self.smallest_raw_p),
                ("n_cutoffs", self.n_cutoffs),
                ("n_groupings", self.n_groupings),
                ("min_group", self.min_group),
                ("n_permutations", self.n_permutations),
                ("seed", self.seed),
            )
        )
        note = f", note={self.note!r}" if self.note else ""
        return f"MaxSelectedResult({fields}{note})"

    @property
    def n_reaching(self) -> int:
        """Permutations whose maximum reaches the observed statistic (the p-value's count)."""
        return count_reaching(self.null_max, self.statistic)

    def monte_carlo_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Where the exact permutation p (over all permutations) lies, given the
        ``n_permutations`` drawn: the Clopper-Pearson interval of ``n_reaching`` out of
        ``n_permutations``. NaN when there is no statistic.

        >>> r = MaxSelectedResult(4.0, 1.0, 0.0, 0.0, 1, 1, 1, 4, None, pd.DataFrame(),
        ...                       np.array([1.0, 5.0, 4.0, 2.0]))
        >>> r.n_reaching, [round(v, 3) for v in r.monte_carlo_interval()]
        (2, [0.068, 0.932])
        """
        if self.null_max.size == 0 or not math.isfinite(self.statistic):
            return (math.nan, math.nan)
        ci = binomtest(self.n_reaching, self.null_max.size).proportion_ci(level, method="exact")
        return (float(ci.low), float(ci.high))

    @property
    def critical_value(self) -> float:
        """The 95th percentile of the permutation maxima: the chi-square a single
        cut-off must exceed for the search to keep a 5% false-positive rate."""
        if self.null_max.size == 0:
            return math.nan
        return float(np.quantile(self.null_max, 0.95))

    @property
    def fraction_null_significant(self) -> float:
        """Share of permutations in which at least one admissible cut-off has raw p < 0.05:
        the false-positive rate of "try every cut-off, keep the best"."""
        if self.null_max.size == 0:
            return math.nan
        return float((self.null_max >= chi2.isf(0.05, 1)).mean())


def _permuted_max(
    prep: _Prepared, cutoffs: np.ndarray, n_permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """The largest chi-square over ``cutoffs`` in each permutation of the marker.

    Group 1 is ``marker <= c``, so the groups of all cut-offs are nested: patient i
    is in group k when its marker's rank among the cut-offs, ``mbin``, is at most k.
    A permutation only moves the ranks, so the numbers at risk per group are counts
    of (event-time bin, marker rank) pairs, one ``bincount`` and two cumulative
    sums per permutation: memory and time grow with n + J K, not n J K.
    """
    n, k = prep.marker.size, cutoffs.size
    j = prep.weight.size
    mbin = np.searchsorted(np.sort(cutoffs), prep.marker, side="left")
    cell = prep.tbin * (k + 1)
    per_permutation = 8 * max(n, (j + 1) * (k + 1)) * 3
    batch = int(max(1, min(_BATCH, _BATCH_BYTES // per_permutation)))
    out = np.empty(n_permutations)
    for start in range(0, n_permutations, batch):
        size = min(batch, n_permutations - start)
        perms = rng.random((size, n)).argsort(axis=1)  # the same draws whatever the batch
        ranks = mbin[perms]  # (size, n): patient i gets the marker of patient perms[i]
        rows = np.arange(size)[:, None]
        counts = np.bincount(
            ((rows * (j + 1)) * (k + 1) + cell + ranks).ravel(), minlength=size * (j + 1) * (k + 1)
        ).reshape(size, j + 1, k + 1)
        low = np.cumsum(counts[:, :, :k], axis=2)  # (size, J + 1, K): tbin = t and mbin <= k
        n1 = np.cumsum(low[:, ::-1], axis=1)[:, ::-1][:, 1:]  # tbin > j: at risk at time j
        scores = np.bincount(
            (rows * (k + 1) + ranks).ravel(),
            weights=np.broadcast_to(prep.score, ranks.shape).ravel(),
            minlength=size * (k + 1),
        ).reshape(size, k + 1)
        u = np.cumsum(scores[:, :k], axis=1)
        z = _z(prep, u, n1.astype(float))
        out[start : start + size] = np.nanmax(z**2, axis=1, initial=0.0)
    return out


def maximally_selected_logrank(
    durations: Any,
    events: Any,
    marker: Any,
    cutoffs: Any = None,
    *,
    min_group: int | None = None,
    min_fraction: float = 0.1,
    n_permutations: int = 10_000,
    seed: int | None = 20210101,
) -> MaxSelectedResult:
    """Maximally selected log-rank statistic (Lausen & Schumacher 1992) with a permutation p.

    The cut-off with the largest log-rank chi-square among the admissible ones is
    "the best"; to judge it fairly, the marker is permuted ``n_permutations`` times,
    and each time the largest chi-square over the same cut-offs is recorded. The p-value
    is the share of permutations whose maximum reaches the observed one. Because the
    search is repeated on every permutation, the p-value accounts for it.

    Parameters
    ----------
    cutoffs, min_group, min_fraction
        As :func:`scan_cutoffs`; the maximum is over the admissible cut-offs only.
    n_permutations
        Number of permutations (at least 1).
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same p.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> months = rng.exponential(50, 40)
    >>> died = rng.integers(0, 2, 40)
    >>> marker = rng.normal(size=40)
    >>> res = maximally_selected_logrank(months, died, marker, n_permutations=999, seed=7)
    >>> res.p_value >= res.smallest_raw_p
    True
    """
    if n_permutations < 1:
        raise NettxError(f"n_permutations must be at least 1, got {n_permutations}")
    prep = _prepare(durations, events, marker)
    table = scan_cutoffs(
        prep.durations,
        prep.events,
        prep.marker,
        cutoffs,
        min_group=min_group,
        min_fraction=min_fraction,
    )
    table.attrs["n_missing"] = prep.n_missing
    usable = table[table["admissible"] & table["chi2"].notna()]
    smallest = int(table.attrs["min_group"])
    common = {
        "n_cutoffs": len(usable),
        "n_groupings": int(usable["n_low"].nunique()),
        "min_group": smallest,
        "n_permutations": n_permutations,
        "seed": seed,
        "table": table,
    }
    if usable.empty:
        why = (
            "no death among the patients"
            if prep.events.sum() == 0
            else f"no cut-off leaves at least {smallest} patients in each group"
        )
        return MaxSelectedResult(
            math.nan, math.nan, math.nan, math.nan, null_max=np.array([]), note=why, **common
        )
    best = usable["chi2"].idxmax()
    observed = float(usable.loc[best, "chi2"])
    c = usable["cutoff"].to_numpy()
    null_max = _permuted_max(prep, c, n_permutations, np.random.default_rng(seed))
    hits = count_reaching(null_max, observed)
    return MaxSelectedResult(
        statistic=observed,
        cutoff=float(usable.loc[best, "cutoff"]),
        p_value=(1 + hits) / (1 + n_permutations),
        smallest_raw_p=float(usable.loc[best, "p_value"]),
        null_max=null_max,
        **common,
    )


def count_reaching(null: Any, observed: float) -> int:
    """How many permutation statistics reach ``observed``: ``null >= observed``, a value
    within a relative 1e-9 below counting as a tie (the same statistic computed in
    another order). The permutation p-value is ``(1 + count) / (1 + len(null))``.

    Examples
    --------
    >>> count_reaching([1.0, 3.0, 3.0 * (1 - 1e-12), 2.9], 3.0)
    2
    """
    null = np.asarray(null, dtype=float)
    if not math.isfinite(observed):
        return 0
    return int((null >= observed * (1 - _REL_TOL)).sum())


def lausen_schumacher_p(statistic: float, lower: float = 0.1, upper: float = 0.9) -> float:
    """Approximate p of a maximally selected statistic (Lausen & Schumacher 1992, eq. 3.2).

    The Miller-Siegmund bound for the maximum of |z| over cut-offs between the
    ``lower`` and ``upper`` quantiles of the marker, with b = sqrt(statistic):

        p ~ phi(b) (b - 1/b) log(upper (1 - lower) / ((1 - upper) lower)) + 4 phi(b) / b,

    clipped to [0, 1] (1 when b <= 1). Asymptotic (many patients, a continuous marker); here only as a
    cross-check of the permutation p, which needs neither but assumes exchangeable
    patients under the null hypothesis. Pass the quantile range the admissible cut-offs
    actually span (:func:`nettx_utils.teaching.cutoff_search.quantile_range`), not a nominal one.

    Examples
    --------
    >>> round(lausen_schumacher_p(9.0), 4)
    0.0578
    """
    if not (0 < lower < upper < 1):
        raise NettxError(f"need 0 < lower < upper < 1, got {lower} and {upper}")
    if not np.isfinite(statistic):
        return math.nan
    if statistic <= 1:  # b <= 1: far from the tail the bound means nothing
        return 1.0
    b = math.sqrt(statistic)
    phi = float(norm.pdf(b))
    span = math.log(upper * (1 - lower) / ((1 - upper) * lower))
    return float(min(1.0, max(0.0, phi * (b - 1 / b) * span + 4 * phi / b)))

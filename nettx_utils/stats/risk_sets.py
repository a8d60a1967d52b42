"""The one numpy core of Kaplan-Meier and the log-rank test: risk sets, product limit, log-rank.

Every Kaplan-Meier estimate and log-rank test of the package takes its numbers from
here: :mod:`nettx_utils.stats.survival` (the book's estimates and tests),
:mod:`nettx_utils.stats.cutoffs` (the cut-off scans), the tables of
:mod:`nettx_utils.teaching.by_hand` and the generator's fast statistics
(:mod:`nettx_utils.synth.fast_stats`). Three steps, each one function:

- :func:`risk_set_counts`: per distinct time and per group, the numbers at risk
  (duration >= t), the deaths and all who leave (one sort and two ``bincount``);
- :func:`product_limit`: S(t) = prod (1 - d/n) and Greenwood's sum d / (n (n - d)),
  along any axis (one curve per group, or one per simulated trial);
- :func:`logrank_chi2`: the (weighted) log-rank chi-square of k groups from the
  risk sets, with observed and expected deaths per group.

Ties: deaths at *t* come before censorings at *t* (a patient censored at *t* is at
risk for the deaths at *t*), as in R ``survfit``/``survdiff`` and lifelines.
"""

from __future__ import annotations

import numpy as np

__all__ = ["logrank_chi2", "logrank_weights", "product_limit", "risk_set_counts"]


def risk_set_counts(
    durations: np.ndarray, events: np.ndarray, codes: np.ndarray | None = None, k: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct times and, per time and group, the numbers at risk, dying and leaving.

    ``codes`` (0 .. k - 1, one per patient) names each patient's group; without it
    everyone is in one group. Returns ``times`` (J,) sorted, and ``at_risk``,
    ``deaths``, ``leaving`` (J, k) integer counts: at risk is counted just before
    t (duration >= t), leaving counts deaths and censorings at t.

    Examples
    --------
    >>> times, at_risk, deaths, leaving = risk_set_counts(
    ...     np.array([2.0, 4, 4, 6]), np.array([1, 1, 0, 0]), np.array([0, 1, 0, 1]), 2
    ... )
    >>> times.tolist(), at_risk.tolist(), deaths.tolist()
    ([2.0, 4.0, 6.0], [[2, 2], [1, 2], [0, 1]], [[1, 0], [0, 1], [0, 0]])
    """
    times, inverse = np.unique(np.asarray(durations, dtype=float), return_inverse=True)
    j = times.size
    flat = inverse.ravel() if codes is None else inverse.ravel() * k + np.asarray(codes)
    leaving = np.bincount(flat, minlength=j * k).reshape(j, k)
    deaths = np.bincount(flat, weights=events, minlength=j * k).reshape(j, k).astype(np.int64)
    at_risk = leaving[::-1].cumsum(axis=0)[::-1]
    return times, at_risk, deaths, leaving


def product_limit(
    at_risk: np.ndarray, deaths: np.ndarray, axis: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier S(t) and Greenwood's running sum, along ``axis`` (time order).

    S is the running product of 1 - d/n over the times with a death (a time without
    death multiplies by exactly 1, also where nobody is at risk any more);
    Greenwood's sum is the running sum of d / (n (n - d)), Var(log S), infinite once
    S = 0.

    Examples
    --------
    >>> s, g = product_limit(np.array([5, 4, 2, 1]), np.array([1, 1, 1, 0]))
    >>> s.round(4).tolist(), g.round(4).tolist()
    ([0.8, 0.6, 0.3, 0.3], [0.05, 0.1333, 0.6333, 0.6333])
    """
    n = np.asarray(at_risk, dtype=float)
    d = np.asarray(deaths, dtype=float)
    died = d > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(died, 1.0 - d / n, 1.0)
        term = np.where(died, d / (n * (n - d)), 0.0)
    return np.cumprod(factor, axis=axis), np.cumsum(term, axis=axis)


def logrank_weights(
    at_risk: np.ndarray, deaths: np.ndarray, weighting: str, axis: int = 0
) -> np.ndarray:
    """The weight of each death time (along ``axis``): ``"logrank"`` 1, ``"wilcoxon"`` the
    number at risk n, ``"tarone-ware"`` sqrt(n), ``"peto"`` Peto-Peto's running product
    of 1 - d/(n + 1). ``at_risk`` and ``deaths`` are the totals over the groups."""
    n = np.asarray(at_risk, dtype=float)
    if weighting == "wilcoxon":
        return n
    if weighting == "tarone-ware":
        return np.sqrt(n)
    if weighting == "peto":
        return np.cumprod(1.0 - deaths / (n + 1), axis=axis)
    return np.ones_like(n)


def logrank_chi2(
    at_risk: np.ndarray, deaths: np.ndarray, weighting: str = "logrank"
) -> tuple[float, np.ndarray, np.ndarray]:
    """The (weighted) log-rank chi-square of k groups from their risk sets (J, k).

    The arithmetic of :func:`lifelines.statistics.multivariate_logrank_test`:
    observed minus expected deaths per group (weighted), their hypergeometric
    covariance, and a pseudo-inverse over the first k - 1 groups (k - 1 degrees of
    freedom). Times without a death add nothing and are dropped. Returns the
    chi-square, the deaths per group and the unweighted expected deaths per group.

    Examples
    --------
    >>> times, n, d, _ = risk_set_counts(
    ...     np.arange(1.0, 7), np.array([1, 1, 1, 1, 0, 1]), np.array([0, 0, 0, 1, 1, 1]), 2
    ... )
    >>> round(logrank_chi2(n, d)[0], 4)
    5.0517
    """
    k = at_risk.shape[1]
    with_death = deaths.sum(axis=1) > 0
    n_g, d_g = at_risk[with_death].astype(float), deaths[with_death]
    n, dead = n_g.sum(axis=1), d_g.sum(axis=1)
    expected = n_g * (dead / n)[:, None]
    w = logrank_weights(n, dead, weighting)
    z = (d_g * w[:, None]).sum(axis=0) - (expected * w[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n > 1, (n - dead) / (n - 1), 1.0)
    factor = ratio * dead / n**2
    rows = np.column_stack([n_g, n]) * (w * np.sqrt(factor))[:, None]
    v = -(rows.T @ rows)
    ix = np.arange(k)
    v[ix, ix] = v[ix, ix] - v[-1, ix]
    v = v[: k - 1, : k - 1]
    if k == 2:  # the pseudo-inverse of a 1 x 1 matrix, without an SVD (the same number)
        inverse = 1.0 / v[0, 0] if v[0, 0] != 0 else 0.0
        stat = float(z[0] * inverse * z[0])
    else:
        stat = float(z[:-1] @ np.linalg.pinv(v) @ z[:-1])
    return stat, d_g.sum(axis=0), expected.sum(axis=0)

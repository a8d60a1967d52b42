"""Does Mib-1 at recurrence modify the association of surgery with survival?

:func:`surgery_mib1_interaction` fits Cox models with and without the surgery × Mib-1
product and compares them by a likelihood-ratio test (:class:`InteractionTest`);
:func:`interaction_text` gives the test, the ratio of the surgery hazard ratios
and what they mean, in words.
The comparison within each stratum is :mod:`nettx_utils.paper.strata`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist

from nettx_utils.data import derived
from nettx_utils.paper.prognostic import DURATION, EVENT
from nettx_utils.stats.hazard import fit_problem, p_phrase, profile_interval

__all__ = [
    "InteractionTest",
    "interaction_text",
    "surgery_mib1_interaction",
]


@dataclass(frozen=True)
class InteractionTest:
    """Likelihood-ratio test of surgery x high Mib-1 in a Cox model (NaN: not computed).

    ``ratio`` is the interaction's hazard ratio (the surgery hazard ratio at high Mib-1
    divided by the one at low Mib-1) with its Wald 95% interval (``lower``, ``upper``)
    and its profile-likelihood 95% interval (``profile_lower``, ``profile_upper``;
    :func:`nettx_utils.stats.hazard.profile_interval`); ``note`` says why nothing was
    computed, or is empty.
    """

    n: int
    deaths: int
    chi2: float
    p: float
    ratio: float
    lower: float
    upper: float
    note: str
    profile_lower: float = float("nan")
    profile_upper: float = float("nan")


def surgery_mib1_interaction(
    cohort: pd.DataFrame, mib1_threshold_pct: float = 2
) -> InteractionTest:
    """Does the effect of surgery differ between Mib-1 strata? A test of interaction.

    Among patients with Mib-1 at recurrence, two Cox models of post-recurrence OS
    (lifelines ``CoxPHFitter``, Efron ties, no penalty): surgery + high Mib-1 (above
    ``mib1_threshold_pct``), and the same plus their product. Twice the gain in
    log-likelihood is the likelihood-ratio statistic, chi-squared with 1 degree of
    freedom (asymptotic). The interaction's hazard ratio gets a Wald (log scale) and a
    profile-likelihood 95% interval; the latter inverts the same likelihood-ratio test,
    so it leaves out 1 exactly when p < 0.05. When a stratum-by-treatment cell has no patient or no death,
    the likelihood has no finite maximum (separation): nothing is computed and ``note``
    says so; a non-converged fit is reported the same way.

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> test = surgery_mib1_interaction(load_cohort(), 2)
    >>> test.n, test.deaths, round(test.chi2, 2), test.note
    (21, 8, 1.97, '')
    >>> test.profile_lower < test.ratio < test.profile_upper
    True
    """
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceWarning

    mib1 = pd.to_numeric(cohort["mib1_recurrence_pct"], errors="coerce")
    known = mib1.notna() & cohort["surgery_at_recurrence"].notna()
    frame = pd.DataFrame(
        {
            "t": cohort.loc[known, DURATION].astype(float),
            "d": derived.event_flags(cohort.loc[known, EVENT]).astype(int),
            "surgery": cohort.loc[known, "surgery_at_recurrence"].astype(bool).astype(int),
            "high": (mib1[known] > mib1_threshold_pct).astype(int),
        }
    )
    frame["both"] = frame["surgery"] * frame["high"]
    n, deaths = len(frame), int(frame["d"].sum())
    nan = float("nan")
    cells = frame.groupby(["high", "surgery"])["d"].agg(["size", "sum"])
    cells = cells.reindex(pd.MultiIndex.from_product([[0, 1], [0, 1]]), fill_value=0)
    empty = cells[cells["sum"] == 0]
    if n == 0 or frame["d"].sum() == 0:
        why = "no patient has Mib-1 and treatment at recurrence" if n == 0 else "nobody died"
        return InteractionTest(n, deaths, nan, nan, nan, nan, nan, f"not computed: {why}")
    if len(empty):
        names = {(0, 0): "low Mib-1 without surgery", (0, 1): "low Mib-1 with surgery",
                 (1, 0): "high Mib-1 without surgery", (1, 1): "high Mib-1 with surgery"}  # fmt: skip
        which = "; ".join(
            f"no {'patient' if cells.loc[i, 'size'] == 0 else 'death'} in {names[i]}"
            for i in empty.index
        )
        note = (
            f"not computed: {which}, so the model's likelihood has no finite maximum (separation)"
        )
        return InteractionTest(n, deaths, nan, nan, nan, nan, nan, note)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            full = CoxPHFitter().fit(frame, "t", "d")
            reduced = CoxPHFitter().fit(frame.drop(columns="both"), "t", "d")
        except (ConvergenceWarning, ValueError, np.linalg.LinAlgError) as problem:
            note = f"not computed: the Cox model did not converge ({fit_problem(problem)})"
            return InteractionTest(n, deaths, nan, nan, nan, nan, nan, note)
    statistic = max(0.0, 2 * float(full.log_likelihood_ - reduced.log_likelihood_))
    row = full.summary.loc["both"]
    columns = list(full.params_.index)
    profile = profile_interval(
        frame[columns].to_numpy(dtype=float),
        frame["t"].to_numpy(),
        frame["d"].to_numpy(),
        columns.index("both"),
        full.params_.to_numpy(),
        float(full.log_likelihood_),
    )
    return InteractionTest(
        n=n,
        deaths=deaths,
        chi2=statistic,
        p=float(chi2_dist.sf(statistic, 1)),
        ratio=float(row["exp(coef)"]),
        lower=float(row["exp(coef) lower 95%"]),
        upper=float(row["exp(coef) upper 95%"]),
        note="",
        profile_lower=profile[0],
        profile_upper=profile[1],
    )


def interaction_text(test: InteractionTest, alpha: float = 0.05, label: str = "") -> str:
    """The test of interaction and what it means, in words; ``label`` follows the p-value
    and the ratio (numbers the paper does not print).

    Examples
    --------
    >>> test = InteractionTest(21, 8, 1.97, 0.16, 0.08, 0.003, 2.41, "", 0.002, 1.9)
    >>> interaction_text(test)[:75]
    'likelihood-ratio p = 0.160 (chi-squared 1.97, 1 degree of freedom; 21 patie'
    >>> "profile likelihood < 0.01 to 1.90" in interaction_text(test)
    True
    """
    if test.note:
        return f"{test.note} ({test.n} patients, {test.deaths} deaths)"
    from nettx_utils.stats.hazard import _ratio

    mark = f" [{label}]" if label else ""
    numbers = (
        f"likelihood-ratio {p_phrase(test.p)}{mark} (chi-squared {test.chi2:.2f}, 1 degree of "
        f"freedom; {test.n} patients, {test.deaths} deaths); ratio of the surgery hazard "
        f"ratios, high over low Mib-1, {_ratio(test.ratio)}{mark} (95% CI "
        f"{_ratio(test.lower)} to {_ratio(test.upper)}, Wald on the log scale; profile "
        f"likelihood {_ratio(test.profile_lower)} to {_ratio(test.profile_upper)})"
    )
    if test.p < alpha:
        meaning = (
            f"at the {alpha:g} level the hazard ratio of surgery (an association, open to the "
            "selection and immortal-time biases above) differs between the strata; as the "
            "paper does not say the strata were chosen in advance, that is a hypothesis to "
            "test in other patients"
        )
    else:
        meaning = (
            "the data cannot tell whether the hazard ratio of surgery differs between high "
            "and low Mib-1: a small p in one stratum and a large one in the other is not evidence "
            "of a difference between them, and the profile-likelihood interval of the "
            "ratio, which follows the likelihood where few deaths make the Wald interval "
            "unreliable, shows how large a difference the data still allow"
        )
    return f"{numbers}: {meaning}"

"""Chapter 12's computations: several Cox predictors on few deaths, and what it costs.

Builds the candidate predictors from the cohort, keeps the complete cases, fits
the Cox model with lifelines (unpenalised and ridge-penalised) and bootstraps
the fast :func:`nettx_utils.stats.cox.cox_fit` to show how unstable the estimates and
the "significant" predictors are with a handful of events per variable.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from nettx_utils.data import derived
from nettx_utils.pages.prose import NOT_COMPUTABLE, Items, counted, number_text, share_text
from nettx_utils.stats.cox import cox_fit

__all__ = [
    "HR_COLUMNS",
    "bootstrap_coefficients",
    "can_fit",
    "candidate_data",
    "candidate_labels",
    "check_fast_fit",
    "complete_cases",
    "conclusion_items",
    "early_factor_text",
    "epv_items",
    "epv_table",
    "hazard_ratio_items",
    "hazard_ratio_table",
    "lifelines_fit",
    "penalty_comparison",
    "stability_items",
    "stability_table",
]

HR_COLUMNS = ["predictor", "HR", "lower 95%", "upper 95%", "p"]
_BOOT_COLUMNS = [
    "resample",
    "predictor",
    "penalised_coef",
    "penalised_ok",
    "flipped",
    "converged",
    "selected",
]


def candidate_labels(early_recurrence_months: float) -> dict[str, str]:
    """The candidate predictors, column name -> label in the tables."""
    return {
        "early_recurrence": f"Recurrence ≤{early_recurrence_months:g} months after LT",
        "surgery": "Surgery at recurrence",
        "multiple_sites": "Recurrence at two or more sites",
        "age_per_10y": "Age at recurrence (per 10 years)",
        "log2_mib1_lt": "Mib-1 at LT (per doubling)",
    }


def early_factor_text(early_recurrence_months: float, published_months: float) -> str:
    """How the prose names the early-recurrence candidate: the paper's significant factor
    only when the run's cut-off is the paper's (``published_months``).

    Examples
    --------
    >>> early_factor_text(24, 24)
    "the paper's significant factor (recurrence at most 24 months after LT)"
    >>> early_factor_text(36, 24)
    "recurrence at most 36 months after LT (this run's cut-off; the paper's significant factor was recurrence at most 24 months after LT)"
    """
    if math.isclose(early_recurrence_months, published_months):
        return (
            "the paper's significant factor (recurrence at most "
            f"{published_months:g} months after LT)"
        )
    return (
        f"recurrence at most {early_recurrence_months:g} months after LT (this run's "
        "cut-off; the paper's significant factor was recurrence at most "
        f"{published_months:g} months after LT)"
    )


def candidate_data(cohort: pd.DataFrame, early_recurrence_months: float) -> pd.DataFrame:
    """Survival from recurrence (``months``, ``died``) and the candidates, one row per patient.

    Binary predictors are 0/1; age is per 10 years and Mib-1 at LT per doubling
    (log2; a value of 0 is missing, having no logarithm). Missing stays NaN.
    """
    extent = pd.Series(derived.recurrence_extent(cohort), index=cohort.index)
    early = cohort["months_lt_to_recurrence"] <= early_recurrence_months
    mib1 = cohort["mib1_lt_pct"]
    return pd.DataFrame(
        {
            "months": cohort["months_recurrence_to_last_followup"],
            "died": derived.event_flags(cohort["died"]),
            "early_recurrence": early.astype(float),
            "surgery": cohort["surgery_at_recurrence"].astype("Float64"),
            "multiple_sites": extent.map({"single": 0.0, "multiple": 1.0}).astype("Float64"),
            "age_per_10y": cohort["age_at_recurrence_years"] / 10,
            "log2_mib1_lt": np.log2(mib1.where(mib1 > 0)),
        }
    ).astype(float)


def complete_cases(
    data: pd.DataFrame, candidates: Sequence[str]
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The complete cases and which candidates they can estimate.

    Returns ``(complete, used, constant)``: a candidate that does not vary among
    the complete cases cannot be estimated and is left out (``constant``);
    ``complete`` keeps ``months``, ``died`` and the ``used`` candidates.
    """
    complete = data.dropna()
    constant = [name for name in candidates if complete[name].nunique() < 2]
    used = [name for name in candidates if name not in constant]
    return complete[["months", "died", *used]], used, constant


def can_fit(complete: pd.DataFrame, used: Sequence[str]) -> bool:
    """Whether a Cox model of ``used`` can be fitted: 2 deaths, a predictor, more patients
    than parameters plus one."""
    deaths = int(complete["died"].sum())
    return deaths >= 2 and len(used) >= 1 and len(complete) > len(used) + 1


def epv_items(
    complete: pd.DataFrame, used: Sequence[str], constant: Sequence[str], labels: Mapping[str, str],
    epv_rule: float,
) -> Items:  # fmt: skip
    """Patients, deaths, predictors, events per variable and the rule's maximum of predictors."""
    deaths = int(complete["died"].sum())
    epv = deaths / len(used) if used else math.nan
    return {
        "n_complete": (len(complete), None),
        "n_deaths": (deaths, None),
        "n_predictors": (len(used), None),
        "constant_text": (constant, ", ".join(labels[c] for c in constant) or "none"),
        "epv": (epv, number_text(epv, 1)),
        "max_predictors": (
            math.floor(deaths / epv_rule),
            counted(math.floor(deaths / epv_rule), "predictor"),
        ),
        "fit_ok": (can_fit(complete, used), None),
        "wald_reliability": (epv, wald_reliability_text(epv, epv_rule)),
    }


def wald_reliability_text(epv: float, epv_rule: float) -> str:
    """What the events per variable say about the Wald intervals and the hazard ratios.

    Examples
    --------
    >>> wald_reliability_text(2.2, 10)[:58]
    'With 2.2 events per variable, below the rule of thumb of 1'
    >>> "usually adequate" in wald_reliability_text(20.6, 10)
    True
    """
    if not math.isfinite(epv):
        return "With no predictor to fit, there is nothing to approximate."
    if epv < epv_rule:
        return (
            f"With {number_text(epv, 1)} events per variable, below the rule of thumb of "
            f"{epv_rule:g}, that approximation is unreliable, and the hazard ratios "
            "themselves may be biased in either direction"
        )
    return (
        f"With {number_text(epv, 1)} events per variable, not below the rule of thumb of "
        f"{epv_rule:g}, that approximation is usually adequate"
    )


def epv_table(deaths: int, n_candidates: int, epv_rule: float) -> pd.DataFrame:
    """Events per variable for 1 to ``n_candidates`` predictors, and whether each meets the rule."""
    table = pd.DataFrame({"predictors": range(1, n_candidates + 1)})
    table["events per variable"] = deaths / table["predictors"]
    table[f"meets the rule of {epv_rule:g}"] = np.where(
        table["events per variable"] >= epv_rule, "yes", "no"
    )
    return table


def lifelines_fit(frame: pd.DataFrame, penalty: float) -> tuple[Any, list[str]]:
    """lifelines' Cox model of ``died`` in ``months`` on the other columns of ``frame``.

    Returns the fitter and the first line of each warning it raised (convergence
    trouble is part of the lesson, so it is counted, not hidden).
    """
    from lifelines import CoxPHFitter

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitter = CoxPHFitter(penalizer=penalty).fit(frame, "months", "died")
    return fitter, [str(w.message).splitlines()[0] for w in caught]


def hazard_ratio_table(fitter: Any, labels: Mapping[str, str]) -> pd.DataFrame:
    """Hazard ratios, 95% intervals and p of a lifelines fit (None: an empty table)."""
    if fitter is None:
        return pd.DataFrame(columns=HR_COLUMNS)
    s = fitter.summary
    return pd.DataFrame(
        {
            "predictor": [labels[name] for name in s.index],
            "HR": s["exp(coef)"].to_numpy(),
            "lower 95%": s["exp(coef) lower 95%"].to_numpy(),
            "upper 95%": s["exp(coef) upper 95%"].to_numpy(),
            "p": s["p"].to_numpy(),
        }
    )


def penalty_comparison(
    plain: Any, ridge: Any, used: Sequence[str], labels: Mapping[str, str], penalizer: float
) -> pd.DataFrame:
    """Each predictor's hazard ratio without and with the ridge penalty (fits None: empty)."""
    columns = ["predictor", "HR, unpenalised", f"HR, penalised ({penalizer:g})"]
    if plain is None or ridge is None:
        return pd.DataFrame(columns=columns)
    used = list(used)
    return pd.DataFrame(
        {
            columns[0]: [labels[name] for name in used],
            columns[1]: np.exp(plain.params_[used].to_numpy()),
            columns[2]: np.exp(ridge.params_[used].to_numpy()),
        }
    )


def _arrays(complete: pd.DataFrame, used: Sequence[str]) -> tuple[np.ndarray, ...]:
    X = complete[list(used)].to_numpy(float)
    return X, complete["months"].to_numpy(float), complete["died"].to_numpy(int)


def check_fast_fit(complete: pd.DataFrame, used: Sequence[str], fits: Mapping[float, Any]) -> None:
    """Assert that :func:`cox_fit` reproduces each lifelines fit (penalty -> fitter):
    coefficients and standard errors to 0.1%. A fit without a finite estimate is skipped."""
    X, t, e = _arrays(complete, used)
    used = list(used)
    for penalty, reference in fits.items():
        coef, se, ok = cox_fit(X, t, e, penalty)
        if ok:
            np.testing.assert_allclose(
                coef, reference.params_[used].to_numpy(), rtol=1e-3, atol=1e-4
            )
            np.testing.assert_allclose(se, reference.standard_errors_[used].to_numpy(), rtol=1e-3)


def bootstrap_coefficients(
    complete: pd.DataFrame,
    used: Sequence[str],
    *,
    penalizer: float,
    n_bootstrap: int,
    seed: int | None,
    alpha: float,
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Refit the Cox model on ``n_bootstrap`` resamples of the patients.

    Returns ``(boot, full_coef)``: ``full_coef`` the penalised coefficients on all
    the data; ``boot`` one row per resample and predictor with the penalised
    coefficient, whether the penalised fit gave it as a finite estimate
    (``penalised_ok``: Newton settled and the coefficient is not NaN, as it is for a
    predictor that does not vary in the resample), whether its sign is opposite to
    the full data's (``flipped``, False wherever ``penalised_ok`` is False: a failed
    fit has no sign), whether the unpenalised fit converged to a finite coefficient
    (``converged``) and whether it gave
    p < ``alpha`` (``selected``). A resample without deaths is skipped. When the model cannot be
    fitted (:func:`can_fit`), ``boot`` is empty and ``full_coef`` None.
    """
    if not can_fit(complete, used):
        return pd.DataFrame(columns=_BOOT_COLUMNS), None
    X, t, e = _arrays(complete, used)
    rng = np.random.default_rng(seed)
    full_coef = cox_fit(X, t, e, penalizer)[0]
    rows = []
    for b in range(n_bootstrap):
        pick = rng.integers(0, len(complete), len(complete))
        if e[pick].sum() < 1:
            continue
        ridge_coef, _, ridge_ok = cox_fit(X[pick], t[pick], e[pick], penalizer)
        plain_coef, plain_se, ok = cox_fit(X[pick], t[pick], e[pick], 0.0)
        p_values = 2 * norm.sf(np.abs(plain_coef / plain_se))
        for j, name in enumerate(used):
            fitted = bool(ridge_ok and np.isfinite(ridge_coef[j]))
            rows.append(
                {
                    "resample": b,
                    "predictor": name,
                    "penalised_coef": ridge_coef[j],
                    "penalised_ok": fitted,
                    "flipped": bool(fitted and np.sign(ridge_coef[j]) == -np.sign(full_coef[j])),
                    "converged": bool(ok and np.isfinite(plain_coef[j])),
                    "selected": bool(ok and p_values[j] < alpha),
                }
            )
    return pd.DataFrame(rows, columns=_BOOT_COLUMNS), full_coef


def stability_table(
    boot: pd.DataFrame,
    full_coef: np.ndarray | None,
    used: Sequence[str],
    labels: Mapping[str, str],
    alpha: float,
) -> pd.DataFrame:
    """Per predictor: full-data hazard ratio, share of resamples with the sign flipped
    among those whose penalised fit gave the coefficient (a failed fit has no sign, so it
    is left out of the share, not counted as "not flipped"), the number of resamples whose
    penalised fit failed, the share with p < ``alpha`` among converged unpenalised fits,
    and the share without a finite unpenalised fit.

    Examples
    --------
    >>> boot = pd.DataFrame({"resample": [0, 1, 2], "predictor": ["a"] * 3,
    ...                      "penalised_coef": [-0.1, np.nan, 0.2],
    ...                      "penalised_ok": [True, False, True],
    ...                      "flipped": [True, False, False], "converged": [True] * 3,
    ...                      "selected": [False] * 3})
    >>> row = stability_table(boot, np.log([2.0]), ["a"], {"a": "A"}, 0.05).iloc[0]
    >>> float(row["sign flipped"]), int(row["penalised fit failed"])
    (0.5, 1)
    """
    significant = f"p < {alpha:g}"
    columns = ["predictor", "HR (penalised, full data)", "sign flipped", "penalised fit failed"]
    columns += [significant, "no finite estimate"]
    if not len(boot):
        return pd.DataFrame(columns=columns)
    boot = boot.assign(
        flipped=boot["flipped"].astype(bool) & boot["penalised_ok"].astype(bool),
        penalised_ok=boot["penalised_ok"].astype(bool),
    )
    stability = boot.groupby("predictor", sort=False).agg(
        flipped=("flipped", "sum"),
        penalised_ok=("penalised_ok", "sum"),
        selected=("selected", "sum"),
        converged=("converged", "sum"),
        resamples=("converged", "size"),
    )
    stability["selected"] = stability["selected"] / stability["converged"].where(
        stability["converged"] > 0
    )
    stability["no finite estimate"] = 1 - stability["converged"] / stability["resamples"]
    stability["flipped"] = stability["flipped"] / stability["penalised_ok"].where(
        stability["penalised_ok"] > 0
    )
    stability["penalised fit failed"] = stability["resamples"] - stability["penalised_ok"]
    stability = stability.reindex(list(used))
    stability.insert(0, "HR (penalised, full data)", np.exp(full_coef))
    stability.index = [labels[name] for name in stability.index]
    stability = stability.rename(columns={"flipped": "sign flipped", "selected": significant})
    stability = stability.drop(columns=["converged", "resamples", "penalised_ok"])
    return stability.rename_axis("predictor").reset_index()[columns]


def _diverged_sentence(diverged: float, stability: pd.DataFrame) -> str:
    """How often the unpenalised fit had no finite estimate: the share of resamples with at
    least one such coefficient, then the range of the per-predictor shares of the stability
    table (a range needs two predictors with different shares).

    Examples
    --------
    >>> table = pd.DataFrame({"no finite estimate": [0.31, 0.05, 0.12]})
    >>> _diverged_sentence(0.32, table)[-56:]
    'in 32% of the resamples (5% to 31% per predictor, table)'
    >>> _diverged_sentence(0.31, table.head(1))[-34:]
    '(31% for the one predictor, table)'
    """
    head = (
        "At least one unpenalised coefficient had no finite estimate in "
        f"{share_text(diverged)} of the resamples"
    )
    shares = stability["no finite estimate"].astype(float).dropna() if len(stability) else []
    if not len(shares):
        return head
    low, high = share_text(min(shares)), share_text(max(shares))
    if len(shares) == 1:
        return f"{head} ({high} for the one predictor, table)"
    if low == high:
        return f"{head} ({high} for every predictor, table)"
    return f"{head} ({low} to {high} per predictor, table)"


def stability_items(
    boot: pd.DataFrame, stability: pd.DataFrame, early_label: str, alpha: float
) -> Items:
    """The bootstrap in the prose: resamples, the most often flipped predictor and how often,
    the share of resamples without a finite unpenalised fit, the number whose penalised fit
    failed for some predictor (``ridge_failed``, left out of the sign-flip shares by
    :func:`stability_table`), and how often ``early_label`` had p < alpha."""
    flip = stability["sign flipped"].astype(float)
    max_flip = flip.max() if len(flip) else math.nan
    by_resample = boot.groupby("resample") if len(boot) else None
    diverged = 1 - by_resample["converged"].all().mean() if len(boot) else math.nan
    failed = int((~by_resample["penalised_ok"].all()).sum()) if len(boot) else 0
    early_selected = (
        stability.set_index("predictor")[f"p < {alpha:g}"].get(early_label, math.nan)
        if len(stability)
        else math.nan
    )
    flipped_most = (
        stability.loc[flip.idxmax(), "predictor"] if len(flip) and flip.notna().any() else "none"
    )
    return {
        "n_resamples": (int(boot["resample"].nunique()) if len(boot) else 0, None),
        "max_flip": (max_flip, share_text(max_flip)),
        "max_flip_name": (flipped_most, None),
        "max_flip_hr": (
            float(stability.loc[flip.idxmax(), "HR (penalised, full data)"])
            if flipped_most != "none"
            else math.nan,
            None,
        ),
        "diverged": (diverged, share_text(diverged)),
        "diverged_sentence": (diverged, _diverged_sentence(diverged, stability)),
        "ridge_failed": (failed, counted(failed, "resample")),
        "ridge_failed_sentence": (
            failed,
            f"The penalised fit left a coefficient unestimated in {counted(failed, 'resample')} "
            "(not counted in that predictor's share of sign changes)."
            if failed
            else "The penalised fit gave every coefficient in every resample.",
        ),
        "early_selected": (early_selected, share_text(early_selected)),
    }


def hazard_ratio_items(table: pd.DataFrame, fit_warnings: Sequence[str], alpha: float) -> Items:
    """The unpenalised fit in the prose: its warnings, the widest interval (upper / lower
    limit) and how many predictors have p < ``alpha``."""
    widest = (table["upper 95%"] / table["lower 95%"]).max() if len(table) else math.nan
    k = int((table["p"] < alpha).sum())
    reach = f"{counted(k, 'predictor')} {'reaches' if k == 1 else 'reach'} p < {alpha:g}."
    return {
        "plain_warnings": (len(fit_warnings), counted(len(fit_warnings), "convergence warning")),
        "widest_ratio": (widest, f"{widest:,.0f}" if np.isfinite(widest) else NOT_COMPUTABLE),
        "plain_significant": (k, reach[0].upper() + reach[1:]),
    }


def conclusion_items(
    epv: float,
    epv_rule: float,
    *,
    n_deaths: int,
    n_predictors: int,
    max_flip: float,
    flipped_most: str,
    flipped_hr: float = math.nan,
) -> Items:
    """What a reader may conclude, as it holds on this cohort: the events per variable
    against the rule of thumb, and what the bootstrap showed (``max_flip``: the largest
    share of resamples in which a penalised coefficient changed sign, ``flipped_hr`` that
    predictor's full-data penalised hazard ratio). ``outlook`` says what a larger cohort
    would allow, only as far as the events per variable here support it.

    Examples
    --------
    >>> items = conclusion_items(2.2, 10, n_deaths=11, n_predictors=5, max_flip=0.38,
    ...                          flipped_most="Mib-1")
    >>> items["epv_verdict"][1]
    'With 11 deaths, a model with 5 predictors has 2.2 events per variable, below the rule of thumb of 10.'
    >>> conclusion_items(20.6, 10, n_deaths=103, n_predictors=5, max_flip=0.0,
    ...                  flipped_most="none")["epv_verdict"][0]
    False
    """
    below = bool(math.isfinite(epv) and epv < epv_rule)
    if math.isfinite(epv):
        verdict = (
            f"With {n_deaths} deaths, a model with {n_predictors} predictors has "
            f"{number_text(epv, 1)} events per variable, {'below' if below else 'not below'} "
            f"the rule of thumb of {epv_rule:g}."
        )
    else:
        verdict = "On this cohort no model can be fitted, so there are no events per variable."
    if math.isfinite(max_flip) and max_flip > 0:
        stability = (
            f"In the bootstrap, the penalised coefficient of {flipped_most} changed sign in "
            f"{share_text(max_flip)} of the resamples: the direction of that adjusted effect "
            "depends on which patients happen to be in the sample. A coefficient close to "
            "zero changes sign often even in a stable model, so this share measures how "
            "close the effect is to none as much as how unstable the model is"
            + (
                f" (its full-data hazard ratio is {number_text(flipped_hr)})"
                if math.isfinite(flipped_hr)
                else ""
            )
            + "; the widths of the intervals above are the better measure of instability."
        )
    elif math.isfinite(max_flip):
        stability = "In the bootstrap, no penalised coefficient changed sign."
    else:
        stability = "The bootstrap could not be run on this cohort."
    decision = (
        "On a cohort with this few deaths, not reporting a multivariable model, as the paper "
        "did, is defensible."
        if below
        else "With this many deaths per predictor, a pre-specified multivariable model is "
        "possible, reported with its bootstrap stability."
    )
    adjusted = (
        "Without a reliable adjusted model, the univariable associations stay unadjusted: "
        "whether early recurrence matters independently of surgery or of the number of "
        "sites is not answered by an unstable model."
        if below
        else "With enough deaths per predictor, the adjusted hazard ratios above say what the "
        "univariable analysis cannot, within the limits of the model and of what it leaves out."
    )
    outlook = (
        "A reader may take the univariable findings as hypotheses for a larger, pooled "
        "cohort, where a pre-specified model with few predictors (or a penalised one, "
        "reported with its bootstrap stability) becomes possible."
        if below
        else "A reader may take the univariable findings as hypotheses; a pre-specified model "
        "like the one above, reported with its bootstrap stability, is the way to test them."
    )
    return {
        "outlook": (below, outlook),
        "epv_verdict": (below, verdict),
        "stability_verdict": (max_flip, stability),
        "decision": (below, decision),
        "adjusted_note": (below, adjusted),
    }

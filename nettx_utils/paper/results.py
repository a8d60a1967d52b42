"""The Results section's smaller tables and phrases, beside the paper's Tables 1 and 2.

Styled views of survival at landmarks (:func:`landmark_view`), rates by group
(:func:`rate_view`), rank tests (:func:`rank_tests_view`) and correlations
(:func:`correlations_view`), with their cell formats (:func:`percent_cell`,
:func:`number_cell`); and the phrases the prose uses for a time in months
(:func:`months_text`), a landmark table (:func:`describe_landmarks`) and a median with
its quartiles beside the paper's (:func:`quartiles_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from nettx_utils.formatting import (
    fixed,
    percent_text,
    styled,
    unpublished_mark,
)
from nettx_utils.stats.quartiles import Quartiles


def describe_landmarks(table: pd.DataFrame, *, decimals: int = 1) -> str:
    """A landmark table as a phrase for the prose, rounded as the tables are.

    ``table`` is :func:`nettx_utils.stats.survival.landmark_table` output.

    Examples
    --------
    >>> describe_landmarks(pd.DataFrame({"years": [1, 5, 10], "survival": [1, 0.8125, 0.59375]}))
    '100.0% at 1 year, 81.3% at 5 years and 59.4% at 10 years'
    """
    parts = [
        f"{percent_text(100 * row.survival, decimals)} at {row.years:g} "
        + ("year" if row.years == 1 else "years")
        for row in table.itertuples()
    ]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def quartiles_text(
    q: Quartiles,
    published: pd.DataFrame,
    ids: Mapping[str, str],
    *,
    synthetic: bool,
    decimals: int = 1,
    unit: str = "",
) -> str:
    """``median (Q1–Q3)`` for the prose, with no unpublished number left unmarked.

    ``ids`` maps ``"median"``, ``"q1"`` and ``"q3"`` to the ids of the paper's figures in
    ``published`` (``id, value, decimals``). On the synthetic cohort, when each of the
    three rounds (halves up) at the paper's precision to the paper's figure, the text is
    printed at that precision, so it shows only published numbers; otherwise it is the
    book's ``median (Q1–Q3)`` at ``decimals`` followed by :func:`unpublished_mark`. On a
    user's cohort: ``q.format(decimals)``. A ``unit`` follows the numbers, before any mark.

    Examples
    --------
    >>> paper = pd.DataFrame({"id": ["m", "a", "b"], "value": [87.5, 30.0, 237.5],
    ...                       "decimals": [1, 0, 1]})
    >>> ids = {"median": "m", "q1": "a", "q3": "b"}
    >>> quartiles_text(Quartiles(30.3, 87.5, 237.5, 32), paper, ids, synthetic=True)
    '87.5 (30–237.5)'
    >>> quartiles_text(Quartiles(31.0, 87.5, 237.5, 32), paper, ids, synthetic=True, unit="%")[:37]
    '87.5 (31.0–237.5) % (not printed by t'
    >>> quartiles_text(Quartiles(30.3, 87.5, 237.5, 32), paper, ids, synthetic=False)
    '87.5 (30.3–237.5)'
    """
    own = f"{q.format(decimals)} {unit}".rstrip()
    if not synthetic or q.n == 0:
        return own
    values = published.set_index("id")
    texts = {}
    for field, pid in ids.items():
        paper_decimals = int(values.at[pid, "decimals"])
        paper = fixed(float(values.at[pid, "value"]), paper_decimals)
        if fixed(getattr(q, field), paper_decimals) != paper:
            return f"{own} {unpublished_mark(True)}"
        texts[field] = paper
    return f"{texts['median']} ({texts['q1']}–{texts['q3']}) {unit}".rstrip()


def months_text(value: float, decimals: int = 0) -> str:
    """A time in months for the prose: ``81 months``, ``not reached`` (infinite) or
    ``not estimable`` (missing).

    Examples
    --------
    >>> months_text(81.2), months_text(float("inf")), months_text(float("nan"))
    ('81 months', 'not reached', 'not estimable')
    """
    if value is None or pd.isna(value):
        return "not estimable"
    if np.isinf(value):
        return "not reached"
    return f"{fixed(value, decimals)} months"


LANDMARK_HEADERS = {
    "years": "Years",
    "months": "Months",
    "survival": "Survival",
    "lower": "Lower limit",
    "upper": "Upper limit",
    "at_risk": "At risk",
}
"""Printed headers of a landmark table's columns."""


def percent_cell(decimals: int = 1) -> Callable[[float], str]:
    """A table formatter for a proportion printed as a percentage, halves rounded up as the
    prose rounds them (:func:`percent_text`; Python's ``"{:.1%}"`` prints 0.8125 as 81.2%).

    Examples
    --------
    >>> percent_cell()(0.8125), percent_cell(0)(0.125), percent_cell()(float("nan"))
    ('81.3%', '13%', '–')
    """

    def cell(value: float) -> str:
        if value is None or pd.isna(value) or not np.isfinite(value):
            return "–"
        return f"{fixed(100 * value, decimals)}%"

    return cell


def number_cell(decimals: int = 1) -> Callable[[float], str]:
    """A table formatter for a number at ``decimals``, halves rounded up as
    :func:`fixed` (and the prose) round them; a missing value prints "–".

    Examples
    --------
    >>> number_cell()(6.25), "{:.1f}".format(6.25), number_cell(0)(float("nan"))
    ('6.3', '6.2', '–')
    """
    return lambda value: fixed(value, decimals)


def landmark_view(landmarks: pd.DataFrame, caption: str) -> Styler:
    """A landmark table (:func:`nettx_utils.stats.survival.landmark_table`) as printed in a chapter:
    years, months, survival and its interval in % (one decimal, halves up as in the prose:
    :func:`describe_landmarks`), patients at risk, under readable headers.

    Examples
    --------
    >>> frame = pd.DataFrame({"years": [5], "months": [60.0], "survival": [0.8125],
    ...                       "lower": [0.6], "upper": [0.9], "at_risk": [20]})
    >>> landmark_view(frame, "c").to_string(delimiter=";").splitlines()[1]
    '5;60;81.3%;60.0%;90.0%;20'
    """
    formats: dict[str, Any] = {"Years": "{:g}", "Months": "{:.0f}", "At risk": "{:.0f}"}
    formats.update(dict.fromkeys(("Survival", "Lower limit", "Upper limit"), percent_cell()))
    return styled(landmarks.rename(columns=LANDMARK_HEADERS), caption, formats)


def rate_view(table: pd.DataFrame, caption: str, *, what: str, header: str) -> Styler:
    """:func:`rate_by_group` output as printed: group, patients, ``header`` (the column
    ``what``) and the percentage at one decimal (halves up, as the prose rounds)."""
    frame = table.rename(columns={"group": "Group", "n": "Patients", what: header, "percent": "%"})
    return styled(frame, caption, {"%": number_cell(1)})


def rank_tests_view(
    tests: pd.DataFrame, caption: str, *, alpha: float, paper: Sequence[str] | None = None
) -> Styler:
    """Rank tests (:func:`nettx_utils.stats.association.paired_and_independent` rows) as printed.

    Each row names its statistic (``statistic_name``: W⁺ of first − second for the
    signed-rank test, U of the first sample for Mann-Whitney; see
    :data:`nettx_utils.stats.association.STATISTIC_NAMES`) beside its value.
    p-values are written by :func:`nettx_utils.formatting.format_p` at four decimals, so a
    p below 0.0001 reads "< 0.0001" as the paper prints it. ``paper`` adds a column
    saying, row by row, what the paper prints (see
    :func:`nettx_utils.stats.association.paper_test_column`).

    Examples
    --------
    >>> rows = pd.DataFrame({"comparison": ["A vs B"], "test": ["T"], "n": [10],
    ...                      "statistic": [3.0], "statistic_name": ["U of the first sample"],
    ...                      "p_value": [0.00001]})
    >>> view = rank_tests_view(rows, "x", alpha=0.05)
    >>> view.data[["Statistic is", "P", "P < 0.05"]].iloc[0].tolist()
    ['U of the first sample', '< 0.0001', 'yes']
    """
    from nettx_utils.formatting import format_p

    p = tests["p_value"].astype(float)
    frame = pd.DataFrame(
        {
            "Comparison": tests["comparison"],
            "Test": tests["test"],
            "n": tests["n"],
            "Statistic is": tests["statistic_name"],
            "Statistic": tests["statistic"],
            "P": [format_p(value, 4) for value in p],
            f"P < {alpha:g}": np.where(p.isna(), "–", np.where(p < alpha, "yes", "no")),
        }
    )
    if paper is not None:
        frame["In the paper"] = list(paper)
    return styled(frame, caption, {"Statistic": "{:.1f}"})


def correlations_view(table: pd.DataFrame, caption: str) -> Styler:
    """Spearman correlations (:func:`nettx_utils.stats.association.correlation_table`) as printed:
    ρ and p at three decimals (p by :func:`nettx_utils.formatting.format_p`); the note column
    only when some correlation could not be computed."""
    from nettx_utils.formatting import format_p

    frame = pd.DataFrame(
        {
            "Correlation": table["correlation"],
            "Pairs": table["n"],
            "Spearman's ρ": table["rho"],
            "P": [format_p(value) for value in table["p_value"].astype(float)],
        }
    )
    if table["note"].astype(bool).any():
        frame["Why not computed"] = table["note"]
    return styled(frame, caption, {"Spearman's ρ": "{:.3f}"})

"""Words, numbers and table cells that the survival chapters (7 to 10) print.

Sentences built from a life table or a log-rank result, the formats of their table
cells, and the small summaries the prose quotes (who is known alive at a landmark,
the entry rule of a life table, the expected deaths per group, caveats of a p-value).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from nettx_utils.formatting import fixed
from nettx_utils.teaching.by_hand import (
    life_table,
    median_with_ci,
)

__all__ = [
    "chi2_caveat",
    "column_cell",
    "deaths_by_median",
    "decimals_for",
    "difference_text",
    "entry_rule_text",
    "expected_by_group",
    "logrank_sentence",
    "median_sentence",
    "months_text",
    "number_cell",
    "p_phrase",
    "paper_survival_months",
    "percent_cell",
    "permutation_p_text",
    "proportion_text",
    "significant_cell",
    "unpublished_note",
]


def proportion_text(value: float) -> str:
    """A proportion as text for the prose (``0.763`` -> ``76.3%``), rounded as the tables
    are (:func:`nettx_utils.formatting.fixed`: ``0.8125`` -> ``81.3%``); NaN means nobody was
    followed that long, and reads "not estimable"."""
    return "not estimable" if not math.isfinite(value) else f"{fixed(100 * value, 1)}%"


def months_text(value: float, decimals: int = 1) -> str:
    """A time in months as text for the prose; inf (a curve that never got there) reads
    "not reached", NaN "not estimable". ``decimals=0`` is the paper's precision for
    its median survival ("81 mo").

    Examples
    --------
    >>> months_text(81.35), months_text(81.35, 0), months_text(math.inf)
    ('81.4 months', '81 months', 'not reached')
    """
    if value == math.inf:
        return "not reached"
    if not math.isfinite(value):
        return "not estimable"
    return f"{fixed(value, decimals)} months"  # halves up, as the tables print them


def percent_cell(decimals: int = 1) -> Any:
    """A formatter for a table column of proportions, rounded as the prose rounds them.

    ``tables.styled(frame, caption, {"share": percent_cell()})`` prints ``0.8125`` as
    ``81.3%``, the text :func:`proportion_text` glues into the prose (Python's ``"{:.1%}"``
    would print ``81.2%``: it rounds the binary value, and halves to even); NaN prints "–".

    Examples
    --------
    >>> percent_cell()(26 / 32), proportion_text(26 / 32), percent_cell(0)(0.125)
    ('81.3%', '81.3%', '13%')
    >>> percent_cell()(float("nan"))
    '–'
    """

    def cell(value: float) -> str:
        finite = value is not None and math.isfinite(value)
        return f"{fixed(100 * value, decimals)}%" if finite else "–"

    return cell


def number_cell(decimals: int, *, signed: bool = False) -> Any:
    """A formatter for a table column of numbers: ``decimals`` decimals, halves rounded up
    (:func:`nettx_utils.formatting.fixed`); an exact zero prints ``0`` (not ``0.0000``), a
    value that does not exist (NaN, infinite) prints "–". ``signed`` adds ``+`` to positives.

    Examples
    --------
    >>> cell = number_cell(3, signed=True)
    >>> cell(0.7742), cell(-0.2083), cell(0.0), cell(float("inf"))
    ('+0.774', '-0.208', '0', '–')
    >>> number_cell(4)(0.00107527)
    '0.0011'
    """

    def cell(value: float) -> str:
        if value is None or not math.isfinite(value):
            return "–"
        if value == 0:
            return "0"
        text = fixed(value, decimals)
        return f"+{text}" if signed and value > 0 else text

    return cell


def deaths_by_median(table: pd.DataFrame) -> dict[str, float]:
    """The median survival and how many deaths it took to get there.

    ``table`` is a :func:`life_table`. Returns the ``median`` (``inf`` if the curve
    never falls to 0.5), ``deaths`` (deaths up to and including the median time; all
    deaths if it is not reached) and ``patients``. Under censoring the curve can fall to
    0.5 with far fewer than half the patients dead: each censored patient leaves the
    denominator of later factors, so each later death takes a larger step.

    Examples
    --------
    >>> deaths_by_median(life_table([1, 2, 3, 4, 5, 6], [1, 0, 0, 0, 1, 0]))
    {'median': 5.0, 'deaths': 2, 'patients': 6}
    """
    median = median_with_ci(table)[0]
    seen = table[table["time"] <= median]
    return {
        "median": median,
        "deaths": int(seen["events"].sum()),
        "patients": int(table["at_risk"].iloc[0]),
    }


def median_sentence(table: pd.DataFrame, decimals: int = 1) -> str:
    """Where the curve of a :func:`life_table` falls to 50%, and with how many deaths.

    Says whether fewer than half the patients had died by then, and how many had been
    censored before (:func:`deaths_by_median`). ``decimals``: of the median, in months.

    Examples
    --------
    >>> median_sentence(life_table([1, 2, 3, 4, 5, 6], [1, 0, 0, 0, 1, 0]))
    'the curve falls to 50% at 5.0 months, after 2 deaths among 6 patients: fewer than half of them, because 3 patients had been censored before that time'
    >>> median_sentence(life_table([1, 2, 3], [1, 1, 0]))
    'the curve falls to 50% at 2.0 months, after 2 deaths among 3 patients'
    >>> median_sentence(life_table([1, 2, 3], [1, 0, 0]))
    'the curve stays above 50% to the end of follow-up (1 death among 3 patients): the median is not reached'
    """
    found = deaths_by_median(table)
    deaths, patients = found["deaths"], found["patients"]
    counted = f"{deaths} death{'s' if deaths != 1 else ''} among {patients} patients"
    if not math.isfinite(found["median"]):
        return f"the curve stays above 50% to the end of follow-up ({counted}): the median is not reached"
    text = f"the curve falls to 50% at {months_text(found['median'], decimals)}, after {counted}"
    if 2 * deaths >= patients:
        return text
    censored = int(table.loc[table["time"] < found["median"], "censored"].sum())
    return (
        f"{text}: fewer than half of them, because {censored} patient"
        f"{'s' if censored != 1 else ''} had been censored before that time"
    )


def unpublished_note(synthetic: bool, what: str) -> str:
    """A one-line note for a section whose numbers the paper does not print.

    On the synthetic cohort it says, in bold, that ``what`` describes the generated
    cohort and is no finding about the study's patients; on another cohort, that it
    is computed from that cohort.

    Examples
    --------
    >>> unpublished_note(True, "the standard errors")
    "**Synthetic cohort:** the standard errors in this section are not printed in the paper; they describe the generated cohort, not the study's patients."
    >>> unpublished_note(False, "the standard errors")
    '*The standard errors in this section are computed from your cohort.*'
    """
    if synthetic:
        return (
            f"**Synthetic cohort:** {what} in this section are not printed in the paper; "
            "they describe the generated cohort, not the study's patients."
        )
    return f"*{what[0].upper()}{what[1:]} in this section are computed from your cohort.*"


def decimals_for(values: Any, significant: int = 2) -> int:
    """Decimals that show the smallest non-zero ``values`` with ``significant`` digits.

    One precision for a whole table column whose values shrink with the cohort's size
    (Greenwood's terms are about 1/n²): 0.0011 on 32 patients, 0.000011 on 300, where a
    fixed ``"{:.4f}"`` would print ``0.0000``. Zeros and non-finite values are ignored.

    Examples
    --------
    >>> decimals_for([0, 0.001075, 0.0128]), decimals_for([1.1e-5, 0.02]), decimals_for([3.5])
    (4, 6, 1)
    """
    array = np.abs(np.asarray(values, dtype=float))
    shown = array[np.isfinite(array) & (array > 0)]
    if not shown.size:
        return significant
    return max(0, significant - 1 - math.floor(math.log10(shown.min())))


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def significant_cell(figures: int = 2) -> Any:
    """A formatter writing every value with ``figures`` significant figures as a power of
    ten (``1.1 × 10⁻⁵``), halves rounded up (:func:`nettx_utils.formatting.fixed`); 0 prints
    ``0``, a value that does not exist prints "–".

    Examples
    --------
    >>> cell = significant_cell(2)
    >>> cell(1.1236e-5), cell(0.000995), cell(0.0128), cell(0.0), cell(float("nan"))
    ('1.1 × 10⁻⁵', '1.0 × 10⁻³', '1.3 × 10⁻²', '0', '–')
    """

    def cell(value: float) -> str:
        if value is None or not math.isfinite(value):
            return "–"
        if value == 0:
            return "0"
        exponent = math.floor(math.log10(abs(value)))
        mantissa = fixed(value / 10.0**exponent, figures - 1)
        if abs(float(mantissa)) >= 10:  # 9.96 -> 10: one power up
            exponent += 1
            mantissa = fixed(value / 10.0**exponent, figures - 1)
        return f"{mantissa} × 10{str(exponent).translate(_SUPERSCRIPT)}"

    return cell


def column_cell(values: Any, significant: int = 2, max_decimals: int = 4) -> Any:
    """One formatter for a whole table column whose values shrink with the cohort's size.

    Fixed decimals (:func:`number_cell`) enough to show the smallest non-zero value with
    ``significant`` digits (:func:`decimals_for`), as long as that takes at most
    ``max_decimals``; beyond, every value of the column with ``significant`` significant
    figures as a power of ten (:func:`significant_cell`), never six decimals. Greenwood's
    terms are about 1/n²: 0.0011 on 32 patients, 1.1 × 10⁻⁵ on 300.

    Examples
    --------
    >>> column_cell([0.001075, 0.0128])(0.0128), column_cell([1.1e-5, 0.02])(0.02)
    ('0.0128', '2.0 × 10⁻²')
    """
    decimals = decimals_for(values, significant)
    if decimals <= max_decimals:
        return number_cell(decimals)
    return significant_cell(significant)


def p_phrase(p: float) -> str:
    """A p value with its relation, for the prose: ``p = 0.001``, ``p < 0.001``, or
    "p not computable" (the number itself as :func:`nettx_utils.pages.prose.p_text` writes it).

    Examples
    --------
    >>> p_phrase(0.0011), p_phrase(1e-9), p_phrase(float("nan"))
    ('p = 0.001', 'p < 0.001', 'p not computable')
    """
    from nettx_utils.pages.prose import NOT_COMPUTABLE, p_text

    text = p_text(p)
    if text == NOT_COMPUTABLE:
        return f"p {NOT_COMPUTABLE}"
    return f"p {text}" if text.startswith(("<", ">")) else f"p = {text}"


def difference_text(difference: float, largest: bool = True) -> str:
    """How two computations of the same number compare, for the prose.

    ``largest``: ``difference`` is the largest of several differences (two curves
    compared time by time); False for the difference of one pair of numbers.

    Examples
    --------
    >>> difference_text(0.0), difference_text(6.66e-16)
    ('no difference at all', 'a largest difference of 6.7e-16, floating-point rounding')
    >>> difference_text(1.78e-15, largest=False)
    'a difference of 1.8e-15, floating-point rounding'
    >>> difference_text(float("nan"))
    'nothing to compare, since there is no result'
    """
    if not math.isfinite(difference):
        return "nothing to compare, since there is no result"
    if difference == 0:
        return "no difference at all"
    which = "a largest difference" if largest else "a difference"
    return f"{which} of {difference:.1e}, floating-point rounding"


def logrank_sentence(result: dict[str, float], group_1: str) -> str:
    """The log-rank test of :func:`logrank_by_hand` in words: observed and expected deaths
    of group 1, the variance, the statistic and its p value (:func:`p_phrase`); or that it
    cannot be computed.

    Examples
    --------
    >>> from nettx_utils.teaching.by_hand import logrank_by_hand
    >>> _, result = logrank_by_hand([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], list("aaabbb"))
    >>> logrank_sentence(result, "a")
    'In group 1 (a) 3 patients died where 1.15 deaths were expected if both groups shared one hazard. With a variance of 0.68 the statistic is 5.05, p = 0.025.'
    >>> logrank_sentence({"statistic": float("nan")}, "a")
    'On these data the statistic cannot be computed.'
    """
    if not math.isfinite(result["statistic"]):
        return "On these data the statistic cannot be computed."
    observed = int(result["observed_1"])
    return (
        f"In group 1 ({group_1}) {observed} patient{'s' if observed != 1 else ''} died where "
        f"{result['expected_1']:.2f} deaths were expected if both groups shared one hazard. "
        f"With a variance of {result['variance']:.2f} the statistic is "
        f"{result['statistic']:.2f}, {p_phrase(result['p_value'])}."
    )


def paper_survival_months() -> set[float]:
    """The months after recurrence at which the paper prints the whole cohort's survival
    (the published values whose spec is ``km:os_recurrence@<months>``, no subgroup).

    Examples
    --------
    >>> sorted(paper_survival_months())
    [60.0, 120.0]
    """
    from nettx_utils.paper.published import load_published_values

    specs = load_published_values()["spec"].dropna().astype(str)
    found = specs.str.extract(r"^km:os_recurrence@(\d+(?:\.\d+)?)$")[0].dropna()
    return {float(value) for value in found}


def _row_text(events: int, censored: int) -> str:
    """One life-table row's exits in words: "a censoring", "2 deaths and a censoring"."""

    def one(n: int, noun: str) -> str:
        return f"a {noun}" if n == 1 else f"{n} {noun}s"

    parts = [one(n, noun) for n, noun in ((events, "death"), (censored, "censoring")) if n]
    return " and ".join(parts)


def entry_rule_text(durations: Any, events: Any, months: float) -> str:
    """What a cohort holds before ``months`` after recurrence, the paper's minimum
    follow-up for inclusion: the life table's first row and first death when nobody
    left earlier (the curve cannot fall before ``months``), or how many died or were
    last seen before it.

    Examples
    --------
    >>> entry_rule_text([6, 7.2, 9, 12], [0, 1, 0, 1], 6)
    'nobody died or was last seen before 6 months: the first row of the life table is a censoring at 6.0 months and the first death comes at 7.2 months'
    >>> entry_rule_text([6, 6, 8], [0, 0, 0], 6)
    'nobody died or was last seen before 6 months: the first row of the life table is 2 censorings at 6.0 months and nobody died at all'
    >>> entry_rule_text([2, 3, 8], [1, 0, 1], 6)
    '1 patient died and 1 was last seen before 6 months, so the rule does not hold here and the curve can fall before then'
    >>> entry_rule_text([2, 3, 8], [1, 1, 1], 6)[:40]
    '2 patients died and none was last seen b'
    """
    from nettx_utils.pages.prose import value_text

    table = life_table(durations, events)
    early = table[table["time"] < months]
    when = f"{value_text(months)} months"
    if early.empty:
        first = table.iloc[0]
        deaths = table.loc[table["events"] > 0, "time"]
        death = (
            f"the first death comes at {months_text(float(deaths.iloc[0]))}"
            if len(deaths)
            else "nobody died at all"
        )
        return (
            f"nobody died or was last seen before {when}: the first row of the life table "
            f"is {_row_text(int(first['events']), int(first['censored']))} at "
            f"{months_text(float(first['time']))} and {death}"
        )
    dead, lost = int(early["events"].sum()), int(early["censored"].sum())
    lost_text = "none was" if lost == 0 else f"{lost} {'was' if lost == 1 else 'were'}"
    return (
        f"{dead} patient{'s' * (dead != 1)} died and {lost_text} "
        f"last seen before {when}, so the rule does not hold here and the curve can fall "
        "before then"
    )


def expected_by_group(table: pd.DataFrame) -> tuple[float, float]:
    """Expected deaths of group 1 and of group 2 in a :func:`logrank_table` (the sums of
    ``e1`` and of ``d - e1``), if both groups shared one hazard.

    Examples
    --------
    >>> from nettx_utils.teaching.by_hand import logrank_table
    >>> expected_by_group(logrank_table([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], list("aaabbb")))
    (1.15, 3.85)
    """
    e1 = float(table["e1"].sum())
    return round(e1, 12), round(float(table["d"].sum()) - e1, 12)


def permutation_p_text(permutation: Any) -> str:
    """A permutation p for the prose, to two significant figures (:func:`nettx_utils.pages.prose.
    p_significant`); when no shuffle reached the observed statistic it says so, with the
    p = 1 / (shuffles + 1) that follows and a power of ten above it.

    Examples
    --------
    >>> from nettx_utils.teaching.cutoff_fixed import fixed_cut_test
    >>> months, died, marker = [1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [1, 2, 3, 4, 5, 6]
    >>> permutation_p_text(fixed_cut_test(months, died, marker, 3, n_permutations=999, seed=1))
    'p = 0.10'
    >>> months, died = list(range(1, 41)), [1] * 40
    >>> none = fixed_cut_test(months, died, months, 20, n_permutations=9_999, seed=1)
    >>> none.n_reaching, permutation_p_text(none)
    (0, 'no shuffle of the 9,999 reached the observed statistic, so p = 1/10,000 < 0.001')
    """
    from nettx_utils.pages.prose import p_significant

    if permutation.n_reaching == 0:
        shuffles = permutation.n_permutations
        exponent = math.floor(math.log10(permutation.p_value)) + 1  # a power of ten above p
        bound = f"{10.0**exponent:.{max(0, -exponent)}f}"
        return (
            f"no shuffle of the {shuffles:,} reached the observed statistic, so "
            f"p = 1/{shuffles + 1:,} < {bound}"
        )
    return f"p = {p_significant(permutation.p_value)}"


def chi2_caveat(
    smaller_group: int, fewer_expected: float, asymptotic_p: float, permutation: Any, shuffled: str
) -> str:
    """The caveat on a log-rank p from the chi-square distribution, with the permutation p
    at the same cut-off (:func:`nettx_utils.teaching.cutoff_fixed.fixed_cut_test`) beside it.

    ``smaller_group``: patients in the smaller group; ``fewer_expected``: the smaller of
    the two groups' expected deaths (:func:`expected_by_group`); ``permutation``: the
    test's result (None when it cannot be computed); ``shuffled`` names what the
    permutations shuffle. Both p values carry two significant figures, the book's
    precision for a p compared with a permutation p (:func:`permutation_p_text`,
    :func:`nettx_utils.pages.prose.p_significant`), and the sentence says so; the Monte Carlo
    interval is Clopper-Pearson (:func:`nettx_utils.teaching.cutoff_fixed.interval_text`).

    Examples
    --------
    >>> from nettx_utils.teaching.cutoff_fixed import fixed_cut_test
    >>> months, died, marker = [1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [1, 2, 3, 4, 5, 6]
    >>> perm = fixed_cut_test(months, died, marker, 3, n_permutations=999, seed=1)
    >>> text = chi2_caveat(3, 1.15, 0.0246, perm, "marker values")
    >>> print(text)
    ... # doctest: +NORMALIZE_WHITESPACE, +ELLIPSIS
    The chi-square distribution only approximates the null distribution of the statistic, and
    the approximation can be poor when a group has few patients or few expected deaths: here
    the smaller group has 3 patients and the smaller expected number of deaths in a group is
    1.15. A permutation test at the same cut-off does without the approximation: shuffling
    the marker values 999 times, p = 0.10 (Monte Carlo 95% interval ..., Clopper-Pearson),
    against p = 0.025 from the chi-square distribution (both p values to two significant
    figures, the precision of a p compared with a permutation p).
    >>> chi2_caveat(9, 8.4, 3.4e-9, perm, "marker values").split("), ")[-1]
    'against p = 3.4 × 10⁻⁹ from the chi-square distribution (both p values to two significant figures, the precision of a p compared with a permutation p).'
    >>> chi2_caveat(3, 1.15, float("nan"), None, "marker values")
    'The log-rank test cannot be computed here, so neither can a permutation test.'
    """
    from nettx_utils.pages.prose import p_significant
    from nettx_utils.teaching.cutoff_fixed import interval_text

    usable = permutation is not None and math.isfinite(permutation.p_value)
    if not (usable and math.isfinite(asymptotic_p)):
        return "The log-rank test cannot be computed here, so neither can a permutation test."
    asymptotic = p_significant(asymptotic_p)
    relation = "" if asymptotic.startswith((">", "<")) else "= "
    return (
        "The chi-square distribution only approximates the null distribution of the "
        "statistic, and the approximation can be poor when a group has few patients or few "
        f"expected deaths: here the smaller group has {smaller_group} patient"
        f"{'s' if smaller_group != 1 else ''} and the smaller expected number of deaths in a "
        f"group is {fewer_expected:.2f}. A permutation test at the same cut-off does without "
        f"the approximation: shuffling the {shuffled} {permutation.n_permutations:,} times, "
        f"{permutation_p_text(permutation)} (Monte Carlo 95% interval "
        f"{interval_text(permutation)}, Clopper-Pearson), against p {relation}{asymptotic} "
        "from the chi-square distribution (both p values to two significant figures, the "
        "precision of a p compared with a permutation p)."
    )

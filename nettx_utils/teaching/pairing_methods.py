"""Chapter 13: how the signed-rank test gets its p-value on the cohort's pairs.

Which method scipy's automatic rule picks for a comparison, given its ties and zero
differences (:func:`auto_rule_items`), and two checks for when zero differences are
common: Pratt's handling of zeros and the sign test, beside the signed-rank p from
every sign flip (:func:`zero_checks`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from nettx_utils.pages.prose import (
    NOT_COMPUTABLE,
    Items,
    counted,
    p_phrase,
    p_text,
    share_text,
)

__all__ = [
    "AUTO_EXACT_MAX",
    "AUTO_PERMUTATION_MAX",
    "EXACT_SIGN_FLIPS_UP_TO",
    "auto_rule_items",
    "signed_rank_permutation_p",
    "zero_checks",
]


#: The sample sizes of ``method="auto"`` in :func:`nettx_utils.stats.association.wilcoxon_signed_rank`
#: (scipy's rule): exact up to this many non-zero differences when there are neither ties
#: nor zeros ...
AUTO_EXACT_MAX = 50


#: ... and, with ties or zeros, every sign flip enumerated up to this many (2^13 = 8192
#: flips, fewer than scipy's 9999 resamples), else the normal approximation.
AUTO_PERMUTATION_MAX = 13


def auto_rule_items(x: Any, y: Any, *, name: str, mark: str = "") -> Items:
    """What ``method="auto"`` does for one comparison (``name`` in the prose), from the
    data: the non-zero differences, their tie groups, the zero differences, the method
    the rule picks, and one sentence stating the rule and its outcome; ``mark``
    (:func:`nettx_utils.pages.prose.cohort_mark`) labels the counts where they stand."""
    pairs = pd.DataFrame({"x": x, "y": y}).dropna()
    diff = (pairs["x"] - pairs["y"]).to_numpy(float)
    n_zero = int((diff == 0).sum())
    nonzero = diff[diff != 0]
    n = int(nonzero.size)
    tie_groups = int((np.unique(np.abs(nonzero), return_counts=True)[1] > 1).sum())
    n_pairs = int(diff.size)  # scipy's n: every complete pair, zero differences included
    if n == 0:
        method = NOT_COMPUTABLE
    elif n_pairs > AUTO_EXACT_MAX:
        method = "the normal approximation"
    elif not (tie_groups or n_zero):
        method = "the exact distribution"
    elif n_pairs <= AUTO_PERMUTATION_MAX:
        method = "the permutation distribution over every sign flip"
    else:
        method = "the normal approximation"
    rule = (
        'The automatic choice (method "auto", scipy\'s rule, which '
        "nettx_utils.stats.association follows) counts every complete pair, zero differences "
        f"included. With more than {AUTO_EXACT_MAX} pairs it uses the normal approximation. "
        f"Otherwise, without ties or zero differences, it uses the exact distribution of the "
        f"signed-rank statistic; with ties or zeros and at most {AUTO_PERMUTATION_MAX} pairs, "
        "it enumerates every sign flip of the non-zero differences (a permutation p-value, "
        "exact given the ties); with ties or zeros and more pairs, the normal approximation."
    )
    if n == 0:
        outcome = f" For {name} there is no non-zero difference, so there is no test."
    else:
        outcome = (
            f" For {name} there are {counted(n_pairs, 'complete pair')}: "
            f"{counted(n, 'non-zero difference')} (with "
            f"{counted(tie_groups, 'group of tied absolute values', 'groups of tied absolute values')}"
            f") and {counted(n_zero, 'zero difference')}"
            + (f" ({mark})" if mark else "")
            + f", so the automatic choice is {method}."
        )
    return {
        "auto_n": (n, None),
        "auto_ties": (tie_groups, None),
        "auto_zeros": (n_zero, None),
        "auto_method": (method, None),
        "auto_rule": (method, rule + outcome),
    }


EXACT_SIGN_FLIPS_UP_TO = 20
"""Up to this many non-zero differences, every sign flip is enumerated (2**20 at most)."""


def signed_rank_permutation_p(diff: np.ndarray) -> tuple[float, str]:
    """The two-sided signed-rank p-value from its permutation distribution given the ties
    (zeros dropped, average ranks), every sign flip enumerated, for up to
    :data:`EXACT_SIGN_FLIPS_UP_TO` non-zero differences; beyond that the normal
    approximation is close and the p-value is NaN. Returns the p-value and how it was
    obtained, in words.

    Examples
    --------
    >>> p, how = signed_rank_permutation_p(np.array([1, 2, 2, 3, -1, 4, 5, 0, 0.0]))
    >>> round(p, 6), how  # 7 non-zero differences: 2**7 = 128 sign flips, 6 as extreme
    (0.046875, 'all 128 sign flips')
    """
    diff = diff[diff != 0]  # dropped by the test anyway; flipping a zero's sign is wasted work
    nonzero = int(diff.size)
    if nonzero == 0:
        return math.nan, "no non-zero difference"
    if nonzero > EXACT_SIGN_FLIPS_UP_TO:  # the normal approximation serves; random flips
        return math.nan, "not needed"  # of a registry's pairs would cost minutes and memory
    method = stats.PermutationMethod(n_resamples=np.inf)
    return float(stats.wilcoxon(diff, method=method).pvalue), f"all {2**nonzero:,} sign flips"


def zero_checks(x: Any, y: Any, *, name: str, mark: str = "") -> Items:
    """Two checks of the signed-rank test for one comparison (``name`` in the prose) when
    zero differences are common: Pratt's handling of zeros and the sign test.

    The signed-rank test of the chapter (Wilcoxon's "wilcox" zero handling, as SPSS)
    drops zero differences and assumes the differences symmetric about zero under the
    null hypothesis. Pratt's method ranks the zeros with the other absolute differences
    and then leaves their ranks out of the statistic (scipy ``wilcoxon(d,
    zero_method="pratt", correction=False, method="approx")``: normal approximation,
    tie-corrected variance, no continuity correction); the sign test counts only the
    increases against the decreases (exact two-sided binomial test with probability
    1/2, ``scipy.stats.binomtest``) and does not assume symmetry. Items: ``zero_n`` (the
    complete pairs), ``zero_count``, ``zero_share``, ``pratt_p``, ``sign_p``, ``sign_decreases``
    (first above second), ``sign_increases`` and ``zero_sentence``; ``mark`` labels the numbers.

    Examples
    --------
    >>> items = zero_checks([3, 5, 2, 2, 8, 1, 4], [3, 1, 2, 1, 4, 0, 1], name="it")
    >>> items["zero_count"][0], items["sign_decreases"][0], items["sign_increases"][0]
    (2, 5, 0)
    >>> items["sign_p"][0] == 2 * 0.5**5
    True
    """
    pairs = pd.DataFrame({"x": x, "y": y}).dropna()
    diff = (pairs["x"] - pairs["y"]).to_numpy(float)
    n_pairs, n_zero = int(diff.size), int((diff == 0).sum())
    up, down = int((diff > 0).sum()), int((diff < 0).sum())
    if up + down == 0:
        pratt = sign = math.nan
    else:
        pratt = float(
            stats.wilcoxon(diff, zero_method="pratt", correction=False, method="approx").pvalue
        )
        sign = float(stats.binomtest(up, up + down, 0.5).pvalue)
    permutation, how = signed_rank_permutation_p(diff)
    share = n_zero / n_pairs if n_pairs else math.nan
    label = f"; {mark}" if mark else ""
    if up + down == 0:
        sentence = f"For {name} there is no non-zero difference, so neither check applies."
    else:
        sentence = (
            f"For {name}, {n_zero} of the {n_pairs} complete pairs ({share_text(share)}"
            f"{label}) have a zero difference, which the signed-rank test drops. Pratt's "
            "method, which ranks the zeros with the other differences and then leaves "
            f"their ranks out, gives {p_phrase(pratt)} (asymptotic); the sign test, which "
            f"counts only increases against decreases ({down} increases from the first "
            f"to the second time point against {up} decreases; exact binomial) and needs "
            f"no symmetry, gives {p_phrase(sign)}{' (' + mark + ')' if mark else ''}."
        )
        if math.isfinite(permutation):
            sentence += (
                " The signed-rank test itself, with its p-value from the permutation "
                f"distribution given the ties ({how}) instead of the normal approximation, "
                f"gives {p_phrase(permutation)}{' (' + mark + ')' if mark else ''}."
            )
    return {
        "zero_n": (n_pairs, None),
        "zero_count": (n_zero, None),
        "zero_share": (share, share_text(share)),
        "pratt_p": (pratt, p_text(pratt)),
        "sign_p": (sign, p_text(sign)),
        "signed_rank_permutation_p": (permutation, p_text(permutation)),
        "sign_decreases": (up, None),
        "sign_increases": (down, None),
        "zero_sentence": (share, sentence),
    }

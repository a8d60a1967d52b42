"""The consistency audit: where the paper's printed numbers contradict themselves.

The GRIM test (:func:`grim_consistent`) asks of the paper what
:func:`nettx_utils.paper.rounding.rounds_to` asks of the book: can ``count /
denominator`` be printed as the published percentage? :func:`grim_audit` runs it over
every printed count and percentage, :func:`km_attainable` asks whether a Kaplan-Meier
estimate can take a printed value at all, and :func:`audit_frame` shows the curated
audit (``consistency_audit.csv``, read by
:func:`nettx_utils.paper.published.load_consistency_audit`) for the report.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import pandas as pd

from nettx_utils.errors import NettxError
from nettx_utils.paper.published import AUDIT_COLUMNS, split_ids
from nettx_utils.paper.rounding import rounds_to

__all__ = [
    "AUDIT_CHECK_LABELS",
    "audit_frame",
    "grim_audit",
    "grim_consistent",
    "grim_possible",
    "km_attainable",
    "percent_triples",
]


def grim_consistent(count: int, percent: float, denominator: int, decimals: int) -> bool:
    """GRIM test: can ``count / denominator`` be printed as ``percent`` at ``decimals``?

    Uses :func:`rounds_to`, so an exact half accepts both neighbours.

    Examples
    --------
    >>> grim_consistent(4, 1.5, 32, 1), grim_consistent(4, 12.5, 32, 1)
    (False, True)
    >>> grim_consistent(14, 43.7, 32, 1) and grim_consistent(14, 43.8, 32, 1)
    True
    """
    if denominator <= 0:
        raise NettxError(f"denominator must be positive, got {denominator}")
    return rounds_to(100 * count / denominator, percent, decimals)


def grim_possible(percent: float, denominator: int, decimals: int) -> list[int]:
    """The counts out of ``denominator`` that print as ``percent`` (empty list: impossible).

    For a percentage printed without its count.

    Examples
    --------
    >>> grim_possible(59.4, 32, 1)
    [19]
    >>> grim_possible(1.5, 32, 1)
    []
    """
    return [k for k in range(denominator + 1) if grim_consistent(k, percent, denominator, decimals)]


def percent_triples(published: pd.DataFrame) -> pd.DataFrame:
    """Every printed percentage with its denominator and, where printed, its count.

    Returns
    -------
    pandas.DataFrame
        Columns ``percent_id, count_id, count, percent, denominator, decimals, consistent,
        possible_counts``: ``consistent`` is the GRIM verdict (for a percentage without a
        printed count: whether any count out of the denominator prints as it).
    """
    by_id = published.set_index("id")
    rows = []
    for row in published.itertuples(index=False):
        if row.kind != "percent" or pd.isna(row.denominator):
            continue
        denominator = int(row.denominator)
        possible = grim_possible(row.value, denominator, row.decimals)
        if row.count_id:
            count = round(float(by_id.at[row.count_id, "value"]))
            consistent = grim_consistent(count, row.value, denominator, row.decimals)
        else:
            count = pd.NA
            consistent = bool(possible)
        rows.append(
            {
                "percent_id": row.id,
                "count_id": row.count_id,
                "count": count,
                "percent": row.value,
                "denominator": denominator,
                "decimals": row.decimals,
                "consistent": consistent,
                "possible_counts": possible,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "percent_id",
            "count_id",
            "count",
            "percent",
            "denominator",
            "decimals",
            "consistent",
            "possible_counts",
        ],
    )


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def grim_audit(published: pd.DataFrame, flagged_counts: Iterable[str] = ()) -> pd.DataFrame:
    """Audit rows (check ``grim``) for every percentage that fails the GRIM test.

    The rows are generated, never typed by hand: ``consistency_audit.csv`` holds exactly
    these grim rows, and a test recomputes them. Each flags the printed percentage (the
    count is kept: a count is printed once, a percentage derives from it).

    Parameters
    ----------
    published
        :func:`load_published_values` output.
    flagged_counts
        Ids that other rows of the audit flag. When the count of a failing percentage
        is one of them, the synthetic cohort follows neither printed value, and the row
        says so instead of naming the count.

    Examples
    --------
    >>> from nettx_utils.paper.published import load_published_values
    >>> rows = grim_audit(load_published_values())
    >>> rows.set_index("id").at["grim_t2_mib1_gt20_pct", "follows"]
    'the count 4 (percentage 19.0)'
    """
    flagged_counts = set(flagged_counts)
    rows = []
    for t in percent_triples(published).itertuples(index=False):
        if t.consistent:
            continue
        n, dec = t.denominator, t.decimals
        shown = _fmt(t.percent, dec)
        if t.count_id:
            exact = 100 * t.count / n
            near = [k for k in (t.count - 1, t.count + 1) if 0 <= k <= n]
            alternatives = "; ".join(f"{k}/{n} = {100 * k / n:.3f}" for k in near)
            finding = (
                f"{t.count}/{n} = {exact:.3f}% prints as {_fmt(round(exact, dec), dec)}, "
                f"not {shown} ({alternatives})"
            )
            follows = f"the count {t.count} (percentage {_fmt(round(exact, dec), dec)})"
            if t.count_id in flagged_counts:
                follows = (
                    f"neither printed value: the count {t.count} is itself flagged by another "
                    "row of this audit"
                )
            ids = f"{t.count_id};{t.percent_id}"
            reason = f"no rounding of {t.count}/{n} gives {shown}"
        else:
            finding = f"no count out of {n} prints as {shown}%"
            follows = "the other printed values"
            ids = t.percent_id
            reason = f"no integer count out of {n} gives {shown}%"
        rows.append(
            {
                "id": f"grim_{t.percent_id}",
                "published_ids": ids,
                "check": "grim",
                "finding": finding,
                "follows": follows,
                "flagged_ids": t.percent_id,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def km_attainable(
    percent: float, n: int, decimals: int, *, max_steps: int = 200_000
) -> Fraction | None:
    """A Kaplan-Meier product with at most ``n`` at risk that prints as ``percent``.

    A KM estimate is a product of factors ``(r_i - d_i) / r_i`` over event times, with
    risk sets ``n >= r_1 > r_2 > ...`` and ``r_{i+1} <= r_i - d_i``. The search returns the
    first such product (as a fraction) that prints as ``percent``, or None when none
    does, or when ``max_steps`` products have been tried without success (then the
    answer is unknown, not "impossible"; the search is exhaustive for small n).

    Examples
    --------
    >>> km_attainable(90.9, 14, 1)
    Fraction(10, 11)
    >>> km_attainable(87.5, 8, 1)
    Fraction(7, 8)
    """
    target_hi = (percent + 0.5 * 10**-decimals) / 100 + 1e-12
    target_lo = (percent - 0.5 * 10**-decimals) / 100 - 1e-12
    steps = 0

    def search(surv: Fraction, max_risk: int) -> Fraction | None:
        nonlocal steps
        steps += 1
        if steps > max_steps:
            return None
        if target_lo <= surv <= target_hi:
            return surv
        if surv < target_lo:
            return None
        for r in range(max_risk, 0, -1):
            for d in range(1, r + 1):
                nxt = surv * Fraction(r - d, r)
                if nxt < target_lo:
                    if d == 1:  # smaller risk sets only shrink the factor further
                        return None
                    break
                found = search(nxt, r - d)
                if found is not None:
                    return found
        return None

    return search(Fraction(1), n)


AUDIT_CHECK_LABELS = {
    "grim": "Percentage and count (GRIM)",
    "text_vs_table": "Text against table",
    "abstract_vs_table": "Abstract against table",
    "subtotal": "Subtotals",
    "rounding": "Rounding",
    "km_arithmetic": "Kaplan-Meier arithmetic",
    "definition": "Definition",
}
"""Readable names of the audit's checks (:data:`AUDIT_CHECKS`)."""


def audit_frame(
    audit: pd.DataFrame, published: pd.DataFrame, *, mode: str = "scored"
) -> pd.DataFrame:
    """The consistency audit as the report shows it: readable labels, no internal ids.

    Parameters
    ----------
    audit, published
        :func:`load_consistency_audit` and :func:`load_published_values` output.
    mode
        The report's mode (:func:`nettx_utils.pages.report.mode`): ``"scored"`` (synthetic
        cohort, the paper's choices), ``"changed"`` (synthetic cohort, other choices) or
        ``"context"`` (another cohort). Only the synthetic cohort has a column saying
        which value it follows; only a scored run has a score to leave values out of.

    Returns
    -------
    pandas.DataFrame
        Columns ``Check, Finding``, on the synthetic cohort ``The synthetic cohort
        follows``, and ``Left out of the score`` (scored run) or ``Left out of the
        comparison`` (other runs): the check by its :data:`AUDIT_CHECK_LABELS` name; the
        flagged values by where the paper prints them and their label (``Table 2: Ki-67
        above 20% at recurrence, percent``); "none" when the row flags nothing, followed
        by the row's reason where it gives one (why nothing is flagged).

    Examples
    --------
    >>> from nettx_utils.paper.published import load_consistency_audit, load_published_values
    >>> published = load_published_values()
    >>> audit = load_consistency_audit(published=published)
    >>> list(audit_frame(audit, published).columns)
    ['Check', 'Finding', 'The synthetic cohort follows', 'Left out of the score']
    >>> list(audit_frame(audit, published, mode="context").columns)
    ['Check', 'Finding', 'Left out of the comparison']
    """
    if mode not in ("scored", "changed", "context"):
        raise NettxError(f"mode must be 'scored', 'changed' or 'context', got {mode!r}")
    where = published.set_index("id")

    def labels(cell: str, reason: str) -> str:
        ids = split_ids(cell)
        if not ids:
            return f"none: {reason}" if reason else "none"
        return "; ".join(f"{where.at[i, 'source']}: {where.at[i, 'label']}" for i in ids)

    frame = pd.DataFrame(
        {
            "Check": [AUDIT_CHECK_LABELS[c] for c in audit["check"]],
            "Finding": audit["finding"].tolist(),
        }
    )
    if mode != "context":
        frame["The synthetic cohort follows"] = audit["follows"].tolist()
    left_out = "Left out of the score" if mode == "scored" else "Left out of the comparison"
    frame[left_out] = [
        labels(c, r) for c, r in zip(audit["flagged_ids"], audit["reason"], strict=True)
    ]
    return frame

"""The paper's values as context beside another cohort's (not the synthetic one).

On a cohort other than the synthetic one a match with the paper means nothing: the
chapter sets the cohort's values beside the paper's as context instead, one per
quantity, only of the kinds in :data:`CONTEXT_KINDS` (no counts, no p-values) and
never a value the consistency audit flags.
"""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from nettx_utils.formatting import printed
from nettx_utils.paper.comparison import one_per_quantity, quantity_key
from nettx_utils.paper.published import (
    KINDS,
    flagged_ids,
    load_consistency_audit,
    load_published_values,
)

__all__ = [
    "COHORT_COLUMN",
    "CONTEXT_EXCLUDED_KINDS",
    "CONTEXT_KINDS",
    "as_reported",
    "context_frame",
    "context_rows",
    "context_view",
    "reported_printings",
]

COHORT_COLUMN = "Your cohort"
"""Header of the values of a cohort that is not the synthetic one."""


CONTEXT_EXCLUDED_KINDS = frozenset({"count", "p_value", "context"})
"""Kinds never set beside another cohort's values: counts and p-values grow with the
number of patients, and a ``context`` value is not about the patients at all."""


CONTEXT_KINDS = KINDS - CONTEXT_EXCLUDED_KINDS
"""Kinds of value set beside the paper's on another cohort: every kind of :data:`KINDS`
except :data:`CONTEXT_EXCLUDED_KINDS` (derived, so that the two cannot drift apart)."""


def _signed(value: float, decimals: int) -> str:
    from nettx_utils.formatting import fixed

    text = fixed(abs(value), decimals)
    if float(text) == 0:
        return fixed(0.0, decimals)
    return ("+" if value > 0 else "-") + text


def context_frame(scored: pd.DataFrame, *, column: str = COHORT_COLUMN) -> pd.DataFrame:
    """Another cohort's values beside the paper's, as context: no score, no marks.

    Parameters
    ----------
    scored
        (A subset of) :func:`nettx_utils.paper.scoring.score` output for a cohort that is not
        the synthetic one.
    column
        Header of the cohort's values.

    Returns
    -------
    pandas.DataFrame
        Columns ``Where, What, Unit, Paper, <column>, Difference``: the cohort's value
        with one decimal more than the paper prints (so that a difference below the
        paper's last digit still shows: a median of 1.75 is not printed as the paper's
        2), and the cohort's unrounded value minus the paper's, at the same decimals
        (for percentages in percentage points). Only the kinds of
        :data:`CONTEXT_KINDS`; values the consistency audit flags are left out (the
        paper's own number is in doubt there); a quantity the paper prints in several
        places appears once, against its most precise printing, with every place in
        ``Where`` (:func:`one_per_quantity`), chosen among all the paper's printings, so
        that a chapter and the reproduction report compare it with the same printing
        (:func:`as_reported`). A value the cohort cannot give is "not estimable".
    """
    from nettx_utils.formatting import fixed

    rows = list(as_reported(one_per_quantity(context_rows(scored))).itertuples())
    missing = "not estimable"
    return pd.DataFrame(
        {
            "Where": [r.source for r in rows],
            "What": [r.label for r in rows],
            "Unit": [r.unit for r in rows],
            "Paper": [printed(r.published, r.decimals) for r in rows],
            column: [
                missing if pd.isna(r.reproduced) else fixed(r.reproduced, r.decimals + 1)
                for r in rows
            ],
            "Difference": [
                "–"
                if pd.isna(r.reproduced)
                else _signed(float(r.reproduced) - r.published, r.decimals + 1)
                for r in rows
            ],
        }
    )


def reported_printings(
    published: pd.DataFrame | None = None, audit: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The printing of each quantity that the reproduction report's context tables use.

    :func:`one_per_quantity` over every computable, unflagged published value of a
    context kind (the project's files by default), indexed by :func:`quantity_key`, with
    columns ``published``, ``decimals``, ``source`` and ``label``.
    """
    published = load_published_values() if published is None else published
    audit = load_consistency_audit(published=published) if audit is None else audit
    rows = published.rename(columns={"value": "published"}).assign(
        flagged=published["id"].isin(flagged_ids(audit))
    )
    chosen = one_per_quantity(context_rows(rows))
    columns = ["published", "decimals", "source", "label"]
    return chosen.set_index(chosen["spec"].map(quantity_key))[columns]


def as_reported(rows: pd.DataFrame, printings: pd.DataFrame | None = None) -> pd.DataFrame:
    """``rows`` (one per quantity) with the paper's printing that the report uses.

    A chapter's context table holds only the chapter's rows, so :func:`one_per_quantity`
    alone could pick another printing of a quantity than the report does (a median the
    Results print as 1.75 and Table 1 as 2, in a chapter that leaves the Results out).
    Each quantity takes the printing, decimals and places of :func:`reported_printings`
    (and its label): the one that prints the row's own value where the report keeps
    several (14 of 32 operated: 43.7 in Table 2, 43.8 in the Abstract), else the first;
    a quantity it does not know keeps its own.

    Examples
    --------
    >>> rows = pd.DataFrame({"spec": ["table2:x@percent", "y"], "published": [43.8, 1.0],
    ...                      "decimals": [1, 0], "source": ["Abstract", "Results"]})
    >>> printings = pd.DataFrame({"published": [43.7], "decimals": [1],
    ...     "source": ["Table 2; Abstract"]}, index=["table2:x@percent"])
    >>> as_reported(rows, printings)[["published", "source"]].values.tolist()
    [[43.7, 'Table 2; Abstract'], [1.0, 'Results']]
    """
    printings = reported_printings() if printings is None else printings
    out = rows.copy()
    columns = printings.columns.intersection(["published", "decimals", "source", "label"])
    for position, (key, value) in enumerate(
        zip(out["spec"].map(quantity_key), out["published"], strict=True)
    ):
        if key not in printings.index:
            continue
        options = printings.loc[[key]]  # two rows where equal precisions print two values
        same = options[options["published"] == value]
        pick = (same if len(same) else options).iloc[0]
        for column in columns:
            out.iloc[position, out.columns.get_loc(column)] = pick[column]
    out["decimals"] = out["decimals"].astype(int)
    return out


def context_rows(scored: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``scored`` a context table may show: computable, of a kind in
    :data:`CONTEXT_KINDS`, and not flagged by the consistency audit."""
    keep = (
        scored["computable"].astype(bool)
        & scored["kind"].isin(CONTEXT_KINDS)
        & ~scored["flagged"].astype(bool)
    )
    return scored[keep]


def context_view(scored: pd.DataFrame, caption: str, *, column: str = COHORT_COLUMN) -> Styler:
    """:func:`context_frame` as a captioned table for a chapter."""
    from nettx_utils.formatting import styled

    frame = context_frame(scored, column=column)
    noun = "value" if len(frame) == 1 else "values"
    title = f"{caption} ({len(frame)} {noun} beside the paper's, as context; no score)"
    return styled(frame, title)

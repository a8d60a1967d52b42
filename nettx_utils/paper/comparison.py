"""The book's values beside the paper's: matches, marks, tallies and comparison tables.

:func:`compare` sets recomputed values against the published ones (a match is a value
that prints as the paper's figure, :func:`nettx_utils.paper.rounding.rounds_to`);
:func:`side_by_side` puts the paper's figures beside a table of the book's;
:func:`one_per_quantity`, :func:`tally` and :func:`comparison_view` make a chapter's
comparison table; :func:`median_text` and :func:`book_text` write a value for the prose.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from nettx_utils.formatting import printed
from nettx_utils.paper.rounding import HALF_DOWN_MARK, half_down_only, rounds_to, shown

__all__ = [
    "SYNTHETIC_COLUMN",
    "book_text",
    "compare",
    "comparison_frame",
    "comparison_view",
    "median_text",
    "one_per_quantity",
    "quantity_key",
    "score_line",
    "side_by_side",
    "tally",
    "tally_text",
]


def median_text(
    quartiles: Any, published: pd.DataFrame, pid: str, *, synthetic: bool, decimals: int = 1
) -> str:
    """``median (Q1–Q3)`` for the prose, the median beside the paper's printed figure.

    On the synthetic cohort the median is printed at the paper's precision where that is
    finer (1.75, not 1.8), by :func:`shown`: a median that does not print as the paper's
    figure keeps the digits that show why (85.15, exactly on a half, beside the paper's
    85.1), and the paper's figure follows it, with the reason when the match rests on the
    paper rounding a half down (:func:`half_down_only`, the tables' (✓)). On a user's
    cohort: ``quartiles.format(decimals)``.

    Examples
    --------
    >>> from nettx_utils.stats.quartiles import Quartiles
    >>> paper = pd.DataFrame({"id": ["m", "p"], "value": [85.1, 1.75], "decimals": [1, 2],
    ...                       "kind": ["median", "median"]})
    >>> median_text(Quartiles(40.1, 85.15, 128.8, 14), paper, "m", synthetic=True)
    "85.15 (40.1–128.8; synthetic cohort: it matches the paper's 85.1 only if the paper rounded this half down)"
    >>> median_text(Quartiles(1.0, 1.75, 2.8, 32), paper, "p", synthetic=True)
    '1.75 (1.0–2.8)'
    >>> median_text(Quartiles(2.0, 9.0, 18.0, 21), paper.assign(value=9.0, decimals=0), "p",
    ...             synthetic=True)
    '9.0 (2.0–18.0)'
    >>> median_text(Quartiles(1.0, 1.75, 2.8, 32), paper, "p", synthetic=False)
    '1.8 (1.0–2.8)'
    """
    from nettx_utils.formatting import fixed

    if not synthetic or quartiles.n == 0:
        return quartiles.format(decimals)
    row = published.set_index("id").loc[pid]
    paper_decimals = int(row["decimals"])
    median = shown(quartiles.median, max(decimals, paper_decimals), row["value"])
    spread = f"{fixed(quartiles.q1, decimals)}–{fixed(quartiles.q3, decimals)}"
    paper = printed(row["value"], paper_decimals)
    if fixed(quartiles.median, paper_decimals) == paper:
        return f"{median} ({spread})"
    if half_down_only(quartiles.median, row["value"], paper_decimals, row.get("kind", "")):
        return (
            f"{median} ({spread}; synthetic cohort: it matches the paper's {paper} only if "
            "the paper rounded this half down)"
        )
    return f"{median} ({spread}; the paper prints {paper})"


def _mark(row: Any) -> str:
    """The comparison mark of one scored row (computable): ✓, (✓), ✗ or ⚑."""
    if row.flagged:
        return "⚑"
    if pd.isna(row.match) or not bool(row.match):
        return "✗"
    value, kind = getattr(row, "reproduced", None), getattr(row, "kind", "")
    if half_down_only(value, row.published, row.decimals, kind, row.bound or None):
        return HALF_DOWN_MARK
    return "✓"


def compare(
    published: pd.DataFrame,
    reproduced: Mapping[str, float],
    *,
    flagged: Iterable[str] = (),
) -> pd.DataFrame:
    """Put reproduced values next to the published ones.

    Parameters
    ----------
    published
        Published values (:func:`load_published_values`).
    reproduced
        Recomputed values by published id; ids absent or NaN count as not reproduced.
    flagged
        Ids the consistency audit excludes from the score (:func:`flagged_ids`).

    Returns
    -------
    pandas.DataFrame
        ``published`` plus ``reproduced`` (float), ``flagged`` (bool), ``match``
        (nullable boolean: NA for a value that is not computable) and ``match_mark``:
        ``"✓"`` reproduced, ``"✗"`` not reproduced, ``"–"`` not computable or flagged
        (a flagged value's ``match`` is still filled in, for information).
    """
    flagged_set = set(flagged)
    table = published.copy()
    table["reproduced"] = [float(reproduced.get(pid, math.nan)) for pid in table["id"]]
    table["flagged"] = table["id"].isin(flagged_set)
    matches: list[object] = []
    marks: list[str] = []
    for row in table.itertuples(index=False):
        if not row.computable:
            matches.append(pd.NA)
            marks.append("–")
            continue
        ok = rounds_to(row.reproduced, row.value, row.decimals, row.bound or None)
        matches.append(ok)
        marks.append("–" if row.flagged else ("✓" if ok else "✗"))
    table["match"] = pd.array(matches, dtype="boolean")
    table["match_mark"] = marks
    return table


def score_line(table: pd.DataFrame) -> str:
    """One line for the book: ``reproduced K of N published values (M flagged inconsistent)``.

    N counts the computable values that are not flagged, K those of them that match,
    M the flagged ones. Works on the output of :func:`compare` and of
    :func:`nettx_utils.paper.scoring.score`.
    """
    computable = (
        table["computable"].astype(bool) if "computable" in table else table["match"].notna()
    )
    flagged = table["flagged"].astype(bool)
    counted = computable & ~flagged
    k = int(table.loc[counted, "match"].fillna(False).astype(bool).sum())
    n = int(counted.sum())
    m = int((flagged & computable).sum())
    return f"reproduced {k} of {n} published values ({m} flagged inconsistent)"


def _shown_row(row: pd.Series, paper: dict[str, float]) -> str:
    """A descriptive table row at its decimals, halves shown where the paper rounded them down."""
    from nettx_utils.formatting import row_text

    return row_text(row, lambda value, decimals, field: shown(value, decimals, paper.get(field)))


def side_by_side(table: pd.DataFrame, scored: pd.DataFrame, table_name: str) -> pd.DataFrame:
    """Add the paper's printed value and a match mark to the rows of a descriptive table.

    Parameters
    ----------
    table
        :func:`nettx_utils.paper.tables.table1` or ``table2`` output (rows keyed by ``key``).
    scored
        :func:`nettx_utils.paper.scoring.score` output (it carries each value's ``spec``).
    table_name
        ``"table1"`` or ``"table2"``: the spec prefix of the rows' published values.

    Returns
    -------
    pandas.DataFrame
        ``table`` plus ``paper`` (``N (%)`` or ``median (Q1–Q3)`` as printed) and
        ``mark``: ``"✓"`` when every published part of the row is reproduced (``"(✓)"``
        when one of them only if the paper rounded an exact half down), ``"✗"``
        when one is not, ``"⚑"`` when the audit flags a part as inconsistent, empty
        when the paper prints no such row. ``display`` is rewritten with
        :func:`shown`: a value exactly on a rounding half that the paper rounded the
        other way carries its extra digit.
    """
    prefix = f"{table_name}:"
    source = {"table1": "Table 1", "table2": "Table 2"}[table_name]
    rows = scored[scored["spec"].str.startswith(prefix, na=False) & (scored["source"] == source)]
    rows = rows.copy()
    rows["key"] = rows["spec"].str.slice(len(prefix)).str.split("@").str[0]
    rows["field"] = rows["spec"].str.split("@").str[1].str.split("|").str[0]
    paper, marks, display = [], [], []
    for _, table_row in table.iterrows():
        key = table_row["key"]
        parts = rows[rows["key"] == key].drop_duplicates("field").set_index("field")
        if parts.empty or not key:
            paper.append("")
            marks.append("")
            display.append(table_row["display"])
            continue
        display.append(_shown_row(table_row, parts["published"].astype(float).to_dict()))

        def text(field: str, parts: pd.DataFrame = parts) -> str:
            if field not in parts.index:
                return "–"
            part = parts.loc[field]
            return printed(part["published"], part["decimals"], part["bound"] or None)

        if "median" in parts.index:
            paper.append(f"{text('median')} ({text('q1')}–{text('q3')})")
        else:
            paper.append(f"{text('n')} ({text('percent')})")
        if parts["flagged"].any():
            marks.append("⚑")
        elif not parts["match"].fillna(False).all():
            marks.append("✗")
        else:
            marks.append(
                HALF_DOWN_MARK
                if any(_mark(p) == HALF_DOWN_MARK for p in parts.itertuples())
                else "✓"
            )
    out = table.copy()
    out["display"] = display
    out["paper"] = paper
    out["mark"] = marks
    return out


SYNTHETIC_COLUMN = "This book (synthetic cohort)"
"""Header of the book's values beside the paper's on the synthetic cohort."""


_SUMMARY_FIELDS = frozenset({"median", "q1", "q3"})


def quantity_key(spec: str) -> str:
    """One key per quantity, whichever recipe the published values use to reach it.

    A median or quartile of a column is the same quantity whether its spec reads it
    from Table 1 or 2 (``table1:COL@median``) or computes it directly (``median:COL``);
    both give ``median:COL``. Any other spec is its own key.

    Examples
    --------
    >>> quantity_key("table1:months_diagnosis_to_lt@median")
    'median:months_diagnosis_to_lt'
    >>> quantity_key(" median:months_diagnosis_to_lt ")
    'median:months_diagnosis_to_lt'
    >>> quantity_key("table1:sex=female@percent")
    'table1:sex=female@percent'
    """
    text = str(spec).strip()
    head, sep, rest = text.partition("|")
    op, _, target = head.partition(":")
    if op in ("table1", "table2") and "@" in target:
        column, _, field = target.rpartition("@")
        if field in _SUMMARY_FIELDS and column.isidentifier():
            return f"{field}:{column}{sep}{rest}"
    return text


def one_per_quantity(scored: pd.DataFrame) -> pd.DataFrame:
    """One row per quantity (:func:`quantity_key`): the paper's most precise printing.

    Of the rows that print the same quantity, the one with the most decimals is kept
    (the first in the file among equals), in the place of the quantity's first row, so
    that it stays in the chapter where the paper first prints it; its ``source`` lists
    every place that prints the quantity (``Table 1; Results: opening paragraphs``).
    Equally precise printings of different values (14 of 32 printed 43.7 in Table 2 and
    43.8 in the Abstract) are both kept, one row per printed value, each with the places
    that print it (the less precise places go with the first).

    Examples
    --------
    >>> rows = pd.DataFrame({"id": ["t1", "res", "disc"], "section": ["a", "a", "b"],
    ...     "source": ["Table 1", "Results", "Discussion"],
    ...     "spec": ["table1:x@median", "median:x", "table1:x@median"],
    ...     "published": [2.0, 1.75, 1.75], "decimals": [0, 2, 2]})
    >>> one_per_quantity(rows)[["id", "section", "source", "published"]].values.tolist()
    [['res', 'a', 'Table 1; Results; Discussion', 1.75]]
    >>> tie = rows.assign(published=[43.7, 43.8, 43.8], decimals=[1, 1, 1])
    >>> one_per_quantity(tie)[["id", "source", "published"]].values.tolist()
    [['t1', 'Table 1', 43.7], ['res', 'Results; Discussion', 43.8]]
    """
    if scored.empty:
        return scored.copy()
    frame = scored.reset_index(drop=True)
    keys = frame["spec"].map(quantity_key)
    chosen, sections, sources = [], [], []
    for key in dict.fromkeys(keys):
        group = frame[keys == key]
        decimals = group["decimals"].astype(int)
        finest = group[decimals == decimals.max()]
        values = list(dict.fromkeys(finest["published"]))
        for i, value in enumerate(values):
            same = finest[finest["published"] == value]
            chosen.append(same.index[0])  # the first among equals
            sections.append(group.iloc[0]["section"])
            cells = group["source"] if len(values) == 1 else same["source"]
            if i == 0 and len(values) > 1:  # the less precise places go with the first
                cells = pd.concat([cells, group.loc[decimals < decimals.max(), "source"]])
            places = (place for cell in cells for place in str(cell).split("; "))
            sources.append("; ".join(dict.fromkeys(places)))
    out = frame.loc[chosen].reset_index(drop=True)
    return out.assign(section=sections, source=sources)


def book_text(
    value: float, decimals: int, paper: float, bound: str | None = None, kind: str = ""
) -> str:
    """The book's value as a comparison table prints it beside the paper's.

    Where the paper prints a bound (``P < 0.0001``) and the value lies within it, the
    value is printed in the paper's form. Other p-values go through the project's
    p formatter (:func:`nettx_utils.formatting.format_p`) at the paper's decimals, with one
    decimal more where the rounding would print the paper's bound itself; every other
    value through :func:`shown`.

    Examples
    --------
    >>> book_text(5.8e-5, 4, 0.0001, "<", "p_value")
    '< 0.0001'
    >>> book_text(1.2e-4, 4, 0.0001, "<", "p_value"), book_text(0.0004, 3, 0.001, "", "p_value")
    ('0.00012', '< 0.001')
    >>> book_text(0.061948, 3, 0.062, "", "p_value"), book_text(100 * 6 / 32, 1, 18.7)
    ('0.062', '18.75')
    >>> book_text(1.75, 0, 2.0, kind="median"), book_text(1.0, 0, 1.0, kind="q1")
    ('1.75', '1')
    """
    if value is None or pd.isna(value):
        return "–"
    if bound and rounds_to(value, paper, decimals, bound):
        return printed(paper, decimals, bound)
    if kind == "p_value":
        from nettx_utils.formatting import format_p

        digits = max(int(decimals), 1)
        text = format_p(float(value), digits)
        if bound and text == printed(paper, decimals):
            text = format_p(float(value), digits + 1)
        return text
    if kind in _SUMMARY_FIELDS and int(decimals) == 0 and float(value) != round(float(value)):
        decimals = 1  # as the book's tables show it: a median of 1.75 beside the paper's 2
    return shown(value, decimals, paper)


def tally(scored: pd.DataFrame) -> dict[str, int]:
    """How the computable values of a comparison divide: reproduced, flagged, not reproduced.

    ``values`` is the number of computable rows (the rows a comparison table shows);
    ``reproduced``, ``flagged`` and ``not_reproduced`` add up to it. A flagged value
    counts as flagged whether or not the cohort happens to give it. ``half_down`` counts
    the reproduced values that match only if the paper rounded an exact half down
    (:func:`half_down_only`); they are among the ``reproduced``.

    Examples
    --------
    >>> rows = pd.DataFrame({"computable": [True, True, True, True, False],
    ...                      "flagged": [False, True, False, False, False],
    ...                      "match": pd.array([True, False, False, True, pd.NA],
    ...                                        dtype="boolean"),
    ...                      "reproduced": [1.0, 2.0, 3.0, 22.65, 0.0],
    ...                      "published": [1.0, 1.0, 1.0, 22.6, 0.0],
    ...                      "decimals": [0, 0, 0, 1, 0],
    ...                      "kind": ["n", "n", "n", "median", "n"], "bound": [""] * 5})
    >>> tally(rows)
    {'values': 4, 'reproduced': 2, 'flagged': 1, 'not_reproduced': 1, 'half_down': 1}
    """
    computable = scored["computable"].astype(bool)
    flagged = scored["flagged"].astype(bool) & computable
    match = scored["match"].astype("boolean").fillna(False).astype(bool)
    counted = computable & ~flagged
    half = [
        bool(c and m)
        and half_down_only(r.reproduced, r.published, r.decimals, r.kind, r.bound or None)
        for c, m, r in zip(counted, match, scored.itertuples(), strict=True)
    ]
    return {
        "values": int(computable.sum()),
        "reproduced": int((counted & match).sum()),
        "flagged": int(flagged.sum()),
        "not_reproduced": int((counted & ~match).sum()),
        "half_down": int(sum(half)),
    }


def tally_text(counts: Mapping[str, int]) -> str:
    """A :func:`tally` as the header of a comparison table.

    Examples
    --------
    >>> tally_text({"values": 28, "reproduced": 22, "flagged": 6, "not_reproduced": 0})
    '28 values: 22 reproduced, 6 flagged by the audit, 0 not reproduced'
    >>> tally_text({"values": 1, "reproduced": 1, "flagged": 0, "not_reproduced": 0})
    '1 value: 1 reproduced, 0 flagged by the audit, 0 not reproduced'
    >>> tally_text({"values": 2, "reproduced": 2, "flagged": 0, "not_reproduced": 0,
    ...             "half_down": 1}).split("; ")[1]
    '(✓) 1 of the reproduced only if the paper rounded an exact half down'
    """
    noun = "value" if counts["values"] == 1 else "values"
    text = (
        f"{counts['values']} {noun}: {counts['reproduced']} reproduced, "
        f"{counts['flagged']} flagged by the audit, {counts['not_reproduced']} not reproduced"
    )
    half = counts.get("half_down", 0)
    if half:
        text += (
            f"; {HALF_DOWN_MARK} {half} of the reproduced only if the paper rounded an "
            "exact half down"
        )
    return text


def comparison_frame(scored: pd.DataFrame, *, column: str = SYNTHETIC_COLUMN) -> pd.DataFrame:
    """The computable values of ``scored`` beside the paper's, one row each, as text.

    Columns ``Where, What, Paper, <column>, Match``: the book's value is printed by
    :func:`book_text`; ``Match`` is ``✓`` (reproduced), ``(✓)`` (reproduced only if the
    paper rounded an exact half down, :func:`half_down_only`), ``✗`` (not reproduced)
    or ``⚑`` (flagged by the consistency audit).
    """
    computable = scored[scored["computable"].astype(bool)]
    rows = list(computable.itertuples())
    marks = [_mark(r) for r in rows]
    return pd.DataFrame(
        {
            "Where": [r.source for r in rows],
            "What": [r.label for r in rows],
            "Paper": [printed(r.published, r.decimals, r.bound or None) for r in rows],
            column: [
                book_text(r.reproduced, r.decimals, r.published, r.bound or None, r.kind)
                for r in rows
            ],
            "Match": marks,
        }
    )


def comparison_view(
    scored: pd.DataFrame, caption: str, *, column: str = SYNTHETIC_COLUMN
) -> Styler:
    """Published values beside the reproduced ones, as a captioned table for a chapter.

    ``scored`` is (a subset of) :func:`nettx_utils.paper.scoring.score` output. The
    reproduced value is printed at the paper's precision by :func:`book_text` (with one
    more digits wherever that does not give the paper's figure, see :func:`shown`; in the paper's form where the paper prints a bound); ``⚑``
    marks a value the consistency audit flags. The caption ends with the
    :func:`tally`: how many values the table shows and how they divide.
    """
    from nettx_utils.formatting import styled

    return styled(
        comparison_frame(scored, column=column), f"{caption} ({tally_text(tally(scored))})"
    )

"""The prose of the reproduction report (chapter 6) that depends on the run.

What the report may say depends on whose data it reads and with which choices:

- ``"scored"``: the synthetic cohort with the paper's choices; every published value
  is recomputed, marked and counted;
- ``"changed"``: the synthetic cohort with another analysis choice; nothing is
  compared (the paper's numbers answer another question);
- ``"context"``: any other cohort; the paper's values stand beside the cohort's as
  context, with no score and no marks.

Each function returns Markdown (MyST) for the report to glue into its page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from pandas.io.formats.style import Styler

from nettx_utils.paper.comparison import (
    comparison_frame,
    comparison_view,
    one_per_quantity,
    score_line,
    tally,
)
from nettx_utils.paper.context import context_frame, context_rows, context_view
from nettx_utils.paper.rounding import HALF_DOWN_MARK

if TYPE_CHECKING:
    from nettx_utils.pages.chapter import Chapter
    from nettx_utils.pages.record import NotebookRecord

__all__ = [
    "CONTEXT_NOTE",
    "MARK_COLUMN",
    "MARK_MEANINGS",
    "MODES",
    "SECTIONS",
    "audit_introduction",
    "context_kinds",
    "export_caption",
    "export_frame",
    "introduction",
    "mode",
    "opening",
    "record_score",
    "summary",
    "tables",
]

MODES = ("scored", "changed", "context")

_SCORE_MEANING = """\
**What the score shows, and what it does not.** The synthetic cohort was searched until
the book's analyses gave back the numbers the paper prints. A full score therefore shows
one thing: the published numbers can all hold at once, for one set of 32 patients,
except those that the consistency audit below flags (values that no set of patients can
give, or, where the audit says its flag is a judgement, can give only under one reading
of the paper), and provided that the paper rounded down the few exact halves marked (✓) (see *How a match
is judged*). It does
*not* show that the book computes each statistic as the paper did. Had the book used a
wrong convention (another quartile rule, another test), the search would have found
patients who give the printed numbers under that wrong convention, and the score would
be just as full. Nor does it show that the paper's analyses were right, that its
patients looked like these, or that its conclusions hold; and any relationship the paper
does not print (how Mib-1 relates to survival beyond the reported tests, say) is
whatever the generator happened to produce, not a finding.

**Why the computations can be trusted.** That evidence comes from the book's tests, which
run its functions on data other than this cohort and compare them with results obtained
independently:

- Kaplan-Meier survival, its standard error, R's default ("log") confidence interval,
  median survival and the log-rank test give the values that R's `survival` package
  prints (`survfit`, `survdiff`) for its `aml` leukaemia data, and those of a small
  example worked out by hand; the book's default log-log interval is checked against
  lifelines and its formula (`tests/test_survival.py`);
- the median follow-up (reverse Kaplan-Meier) and the cumulative incidence with death as
  a competing event (Aalen-Johansen) give the values of small examples worked out by hand
  (`tests/test_survival.py`);
- the Mann-Whitney and Wilcoxon signed-rank tests (with ties; asymptotic and exact) and
  Spearman's rho give hand-computed values and scipy's (`tests/test_association.py`);
- the quartiles follow SPSS's rule, checked on order statistics by hand
  (`tests/test_tables.py`).

Which convention the paper used is read from its Methods (SPSS 26, the Wilcoxon test for
independent samples, the reverse Kaplan-Meier method for follow-up
{cite:p}`sposito2021`); the score cannot confirm it.

**How a match is judged.** A value of the book matches when, printed with the paper's
number of decimals, it gives the paper's figure. A value that lies exactly halfway (14
of 32 is 43.75%) matches either neighbour, because the paper itself rounds halves both
ways (it prints both 6.2% and 6.3% for 2 of 32). That reason covers percentages of
counts, which no choice of patients moves off the half. It does not cover a median or a
quartile: the generator was free to place those anywhere, so where such a value of the
book lies exactly on a half that the paper printed rounded down, the match holds only if
the paper rounded that half down, and it is marked (✓) instead of ✓. Wherever the book's
value, printed as the paper prints it, is not the paper's figure (a half, a flagged or a
missed value), it is shown with more digits: exactly where one or two more digits make it
exact, otherwise with enough digits to show that it does not round to the paper's figure,
so that the book never shows a number that is neither its own nor the paper's. A bound such as P < 0.0001 matches any
value below it, and the book's value is then printed in the same form. The report
always computes each value as the paper defines it (the cut-offs of early recurrence
and of Mib-1 are part of each value's recipe), whatever parameters the other chapters
were run with."""

_CONTEXT_MEANING = """\
**No score on this cohort.** Your patients are not the paper's 32, so your numbers can
neither reproduce nor contradict the paper's: a difference can come from who was
treated, when and how, as much as from chance. This report therefore gives no score and
no marks. It sets each percentage, median or quartile, survival estimate and correlation
coefficient the paper prints beside the same quantity computed from your cohort as the
paper defines it, with one decimal more than the paper prints (so that a difference
smaller than the paper's last digit still shows) and the difference (your cohort's
unrounded value minus the paper's; for percentages in percentage points), as context. Counts and p-values are left out,
because they depend on how many patients a cohort has; a number the paper prints in
several places appears once, in the chapter where the paper first prints it, against the
paper's most precise printing of it, with every place that prints it; and values that the consistency audit below finds
inconsistent in the paper are left out."""


def mode(chapter: Chapter) -> str:
    """Which report this run gets: ``"scored"``, ``"changed"`` or ``"context"`` (see the module).

    Examples
    --------
    >>> from types import SimpleNamespace as run
    >>> mode(run(synthetic=True, differs={})), mode(run(synthetic=False, differs={}))
    ('scored', 'context')
    >>> mode(run(synthetic=True, differs={"quantile_method": ("linear", "weibull")}))
    'changed'
    """
    if not chapter.synthetic:
        return "context"
    return "changed" if chapter.differs else "scored"


_OPENINGS = {
    "scored": (
        "This chapter sets the numbers the paper publishes about its 32 patients, chapter by "
        "chapter, beside those the synthetic cohort gives, and marks whether each is "
        "reproduced."
    ),
    "context": (
        "This chapter sets the numbers the paper publishes about its 32 patients, chapter by "
        "chapter, beside the same quantities computed from your cohort, as context and not "
        "as a test of the paper."
    ),
    "changed": (
        "This chapter sets the numbers the paper publishes about its 32 patients beside the "
        "book's only when the book runs with the paper's analysis choices; this run changed "
        "them, so it sets none (see below)."
    ),
}

_AUDIT_ROWS = {
    "scored": (
        "Each row below shows the arithmetic or the contradiction, says which value the "
        "synthetic cohort follows, and names the printed values left out of the score."
    ),
    "changed": (
        "Each row below shows the arithmetic or the contradiction, says which value the "
        "synthetic cohort follows, and names the printed values that a run with the "
        "paper's choices leaves out of its comparison."
    ),
    "context": (
        "Each row below shows the arithmetic or the contradiction and names the printed "
        "values left out of the comparison with your cohort (the paper's own number is in "
        "doubt there)."
    ),
}

_AUDIT_RULE = (
    "A value is flagged for a stated reason: a percentage that no count out of the stated "
    "denominator gives {cite:p}`brown2017`, two places of the paper that print different "
    "values for the same quantity, or a subtotal that does not add up. Where the conflict "
    "holds only under one reading of the paper, the row says so and calls its flag a "
    "judgement. Being hard to reproduce is never a reason."
)


def opening(chapter: Chapter) -> str:
    """The first sentences of the report: what it does with the published values on this run.

    Examples
    --------
    >>> from types import SimpleNamespace as run
    >>> "as context" in opening(run(synthetic=False, differs={}))
    True
    >>> "synthetic cohort gives" in opening(run(synthetic=True, differs={}))
    True
    """
    return (
        f"{_OPENINGS[mode(chapter)]} It then lists the places where the paper's own numbers "
        "cannot all be true together."
    )


def audit_introduction(chapter: Chapter) -> str:
    """The paragraph above the consistency audit; it names the columns this run shows
    (:func:`nettx_utils.paper.consistency.audit_frame` with the same mode).

    Examples
    --------
    >>> from types import SimpleNamespace as run
    >>> text = audit_introduction(run(synthetic=False, differs={}))
    >>> "synthetic" in text, "score" in text
    (False, False)
    """
    return (
        "Some printed numbers cannot all be true at once. "
        f"{_AUDIT_ROWS[mode(chapter)]} {_AUDIT_RULE}"
    )


def introduction(chapter: Chapter) -> str:
    """What this run's report shows and what it cannot show, for the top of the page."""
    kind = mode(chapter)
    if kind == "scored":
        return _SCORE_MEANING
    if kind == "context":
        return _CONTEXT_MEANING
    return f"**Nothing compared on this run.** {chapter.comparison_note()}"


_CONTEXT_KINDS = (
    ("literature", "figures from other studies"),
    ("Kaplan-Meier from LT", "figures about all the patients transplanted in the period"),
    ("number of patients", "figures about all the patients transplanted in the period"),
    ("study dates", "dates of the study period"),
    ("definition", "analysis definitions of the paper"),
    ("two-sided threshold", "analysis definitions of the paper"),
    ("restatement of the", "analysis definitions of the paper"),
    ("inclusion criterion", "selection criteria or treatment rules"),
    ("protocol", "selection criteria or treatment rules"),
    ("approximate restatement", "rounded restatement of a median scored elsewhere"),
)
"""Each non-computable row's ``statistic`` (how it starts) and the kind of statement it is."""


def _context_kind(statistic: str) -> str:
    for start, kind in _CONTEXT_KINDS:
        if str(statistic).startswith(start):
            return kind
    return "other context"


def context_kinds(published: pd.DataFrame) -> str:
    """What the published values that no cohort can recompute are, counted by kind.

    Each row with ``computable`` false is classed by its ``statistic`` (see
    :data:`_CONTEXT_KINDS`; a statistic of no listed kind counts as "other context"),
    and the kinds are listed from the most to the least frequent.

    Examples
    --------
    >>> rows = pd.DataFrame({
    ...     "computable": [False, False, False, False, True],
    ...     "statistic": ["literature", "literature", "definition", "protocol", "median"],
    ... })
    >>> context_kinds(rows)
    '2 figures from other studies, 1 analysis definitions of the paper and 1 selection criteria or treatment rules'
    """
    rest = published.loc[~published["computable"].astype(bool), "statistic"]
    counts = rest.map(_context_kind).value_counts(sort=False)
    counts = counts.sort_values(ascending=False, kind="stable")
    parts = [f"{n} {kind}" for kind, n in counts.items()]
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def export_caption(chapter: Chapter) -> str:
    """The caption of the exported table of the paper's values beside the cohort's.

    Examples
    --------
    >>> from types import SimpleNamespace as run
    >>> export_caption(run(synthetic=False, differs={}))
    "The paper's values beside your cohort's, as context; no score"
    """
    if mode(chapter) == "context":
        return "The paper's values beside your cohort's, as context; no score"
    return (
        "The paper's values beside the synthetic cohort's, with whether each is "
        "reproduced (the synthetic cohort was generated to agree with the paper)"
    )


def summary(chapter: Chapter, published: pd.DataFrame, scored: pd.DataFrame | None) -> str:
    """The paragraph above the report's tables: the score, or what the context tables hold.

    Parameters
    ----------
    chapter
        The report's chapter (its :func:`mode` decides the paragraph).
    published
        The published values (:func:`nettx_utils.paper.published.load_published_values`).
    scored
        :func:`nettx_utils.paper.scoring.score` output for the cohort (all sections); needed
        for the ``"scored"`` mode only.
    """
    kind = mode(chapter)
    computable = published["computable"].astype(bool)
    about = (
        f"The project's table of published values (`data/published_values.csv`) records "
        f"{len(published)} statements of the paper. {int(computable.sum())} of them are "
        "about the 32 patients and can be recomputed from a cohort; the other "
        f"{int((~computable).sum())} are {context_kinds(published)}, and are kept only "
        "as context."
    )
    if kind == "changed":
        return f"{about} None of them is set beside this run's numbers (see above)."
    if kind == "context":
        return (
            f"{about} The tables below set those of them that do not depend on the number "
            "of patients beside your cohort's values, chapter by chapter."
        )
    counts = tally(scored)
    return (
        f"**Reproduced {counts['reproduced']} of "
        f"{counts['reproduced'] + counts['not_reproduced']} published values on the "
        f"synthetic cohort; {counts['flagged']} more are flagged by the consistency audit "
        f"and left out of the score; {counts['not_reproduced']} are not reproduced.** "
        f"{_half_down_sentence(counts['half_down'])}"
        f"{about} A value flagged by the audit contradicts another printed value or "
        "arithmetic (in a row that calls its flag a judgement, under the reading it states), "
        "so no cohort can give them all. Each table's caption counts its rows "
        "the same way."
    )


def _half_down_sentence(count: int) -> str:
    """The summary's sentence on the matches that rest on a half rounded down.

    Examples
    --------
    >>> _half_down_sentence(0)
    ''
    >>> _half_down_sentence(1).startswith("Of the reproduced values, 1 (a median or quartile")
    True
    """
    if not count:
        return ""
    noun = "a median or quartile" if count == 1 else "medians or quartiles"
    verb = "matches" if count == 1 else "match"
    return (
        f"Of the reproduced values, {count} ({noun}, marked (✓)) {verb} only if the paper "
        "rounded an exact half down; the synthetic cohort could have been generated off "
        "the half, so these matches are conditional. "
    )


SECTIONS = {
    "cohort": "Chapter 1, the cohort",
    "recurrence": "Chapter 2, the recurrences",
    "treatments": "Chapter 3, treatments",
    "outcomes": "Chapter 4, outcomes",
    "prognostic_factors": "Chapter 5, prognostic factors",
}
"""The report's tables, one per chapter, in the book's order."""


MARK_COLUMN = "Mark meaning"
"""Column of the exported comparison that spells out each row's mark."""

MARK_MEANINGS = {
    "✓": "✓ reproduced: the book's value, printed as the paper prints it, gives the paper's figure",
    HALF_DOWN_MARK: f"{HALF_DOWN_MARK} reproduced only if the paper rounded an exact half down",
    "✗": "✗ not reproduced: the book's value does not print as the paper's figure",
    "⚑": "⚑ flagged by the consistency audit: the paper's own numbers contradict each other "
    "here, so the value is left out of the score",
}
"""The legend of the comparison's marks, one sentence per mark (the export's
:data:`MARK_COLUMN`)."""

CONTEXT_NOTE = (
    "Computed from your cohort as the paper defines the value, beside the paper's figure as "
    "context: not a reproduction or a test of the paper"
)
"""What every row of an exported context table says about its numbers."""


def _per_chapter(chapter: Chapter, scored: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of each chapter's table. On another cohort a quantity the paper prints
    in several places (even in several chapters) appears once, in the chapter where the
    paper first prints it, against its most precise printing
    (:func:`nettx_utils.paper.comparison.one_per_quantity`)."""
    if mode(chapter) == "context":
        scored = one_per_quantity(context_rows(scored))
    return {key: scored[scored["section"] == key] for key in SECTIONS}


def tables(chapter: Chapter, scored: pd.DataFrame | None) -> list[Styler]:
    """The report's tables: scored with marks, context only, or none (see :func:`mode`)."""
    kind = mode(chapter)
    if kind == "changed" or scored is None:
        return []
    view = comparison_view if kind == "scored" else context_view
    rows = _per_chapter(chapter, scored)
    return [view(rows[key], title) for key, title in SECTIONS.items()]


def export_frame(chapter: Chapter, scored: pd.DataFrame | None) -> pd.DataFrame | None:
    """All of :func:`tables` in one frame with a ``Chapter`` column, for the download.

    On the synthetic cohort each row carries :data:`MARK_COLUMN`, the meaning of its
    mark in words (a column, not a comment line, so that every CSV reader keeps it; see
    :mod:`nettx_utils.pages.export`). On another cohort there are no marks, and a ``Note``
    column says on every row that the values are computed from the user's cohort, as
    context (:data:`CONTEXT_NOTE`).

    Examples
    --------
    >>> sorted(MARK_MEANINGS) == sorted(["✓", "(✓)", "✗", "⚑"])
    True
    """
    kind = mode(chapter)
    if kind == "changed" or scored is None:
        return None
    make = comparison_frame if kind == "scored" else context_frame
    rows = _per_chapter(chapter, scored)
    parts = [make(rows[key]).assign(Chapter=title) for key, title in SECTIONS.items()]
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[["Chapter", *[c for c in frame.columns if c != "Chapter"]]]
    if kind == "scored":
        return frame.assign(**{MARK_COLUMN: frame["Match"].map(MARK_MEANINGS)})
    return frame.assign(Note=CONTEXT_NOTE)


def record_score(record: NotebookRecord, published: pd.DataFrame, scored: pd.DataFrame) -> None:
    """Record the score's numbers (synthetic cohort, the paper's choices)."""
    counts = tally(scored)
    computable = int(published["computable"].astype(bool).sum())
    record("score_line", score_line(scored))
    record("n_published", len(published))
    record("n_computable", computable)
    record("n_context", len(published) - computable)
    record("n_flagged", counts["flagged"])
    record("n_reproduced", counts["reproduced"])
    record("n_not_reproduced", counts["not_reproduced"])
    record("n_half_down", counts["half_down"])

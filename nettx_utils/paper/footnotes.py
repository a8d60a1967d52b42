"""The notes under the book's tables and figures: what the paper prints, in the book's words.

:func:`table_notes` sets a table's footnotes and abbreviations (:data:`TABLE1_ABBREVIATIONS`,
:func:`table2_notes` with the paper's two footnotes to Table 2 and :func:`cutoff_reading`);
:func:`coarser_paper_notes` says where the paper prints a value more coarsely than the
book; :func:`flow_paths_note` and :func:`curve_shape_note` say which values of a figure
the paper prints and which shapes belong to the synthetic cohort only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from nettx_utils.formatting import (
    SYNTHETIC_ONLY,
    decimal_value,
)

TABLE1_ABBREVIATIONS = (
    "IQR, interquartile range; LRT, locoregional treatment; LT, liver transplantation; "
    "Mib-1, Ki-67 proliferation index (MIB-1 antibody staining); NET, neuroendocrine tumour; "
    "PD, progressive disease; PR, partial response; PRRT, peptide receptor radionuclide "
    "therapy; SD, stable disease; WHO, World Health Organization."
)
"""The abbreviations of Table 1, in the book's words."""


TABLE2_ABBREVIATIONS = (
    "CgA, chromogranin A; IQR, interquartile range; LT, liver transplantation; Mib-1, "
    "Ki-67 proliferation index (MIB-1 antibody staining); NET, neuroendocrine tumour; "
    "PRRT, peptide receptor radionuclide therapy; pts, patients."
)
"""The abbreviations of Table 2, in the book's words."""


def flow_paths_note(synthetic: bool, published: pd.DataFrame | None = None) -> str:
    """The sentence under the flow figure (the paper's Figure 2): which of its numbers the
    paper prints, and that the paths between the columns are the synthetic cohort's.

    The paper prints each column's totals (presentations, predominant treatments and
    their outcomes in Table 2, the status at last follow-up in its text) and how many
    patients of each presentation were operated on; the book takes no count of the
    paths from a treatment to a response or to a status from it.

    Examples
    --------
    >>> flow_paths_note(True)[:45]
    'The book checks against the paper only the to'
    >>> flow_paths_note(False)
    'The paths are those of your cohort.'
    """
    if not synthetic:
        return "The paths are those of your cohort."
    from nettx_utils.paper.published import load_published_values

    values = (load_published_values() if published is None else published).set_index("id")
    removed = values.at["res_surgery_complete_n", "value"]
    responded = values.at["t2_outcome_cr_n", "value"]
    return (
        "The book checks against the paper only the totals of each column and the number "
        "operated on in each presentation. The paper's text also says that surgery removed "
        f"every site with a complete response in {removed:g} of the operated patients, which "
        f"conflicts with Table 2's {responded:g} complete responses in all; the figure follows Table 2, "
        "and its band from surgery to stable disease is how the synthetic cohort resolves "
        "the conflict (see the consistency audit in the reproduction report). Which other "
        f"treatment group ended in which response and status is {SYNTHETIC_ONLY}."
    )


def curve_shape_note(synthetic: bool, printed: str, *, curves: bool = False) -> str:
    """A sentence under a survival figure: which of its values the paper prints, and that
    the rest of its shape describes the synthetic cohort only.

    ``printed`` names the values the paper prints; empty when it prints none of them
    at this run's choices. ``curves`` for a figure with more than one curve.

    Examples
    --------
    >>> curve_shape_note(True, "its median")[:40]
    'The paper prints its median; the shape o'
    >>> curve_shape_note(True, "", curves=True)
    "The paper prints none of this figure's values at this run's choices; the curves are a property of the synthetic cohort only, not a finding."
    >>> curve_shape_note(False, "its median"), curve_shape_note(False, "", curves=True)
    ('The curve is that of your cohort.', 'The curves are those of your cohort.')
    """
    if not synthetic:
        return (
            "The curves are those of your cohort."
            if curves
            else "The curve is that of your cohort."
        )
    shape = "curves" if curves else "curve"
    if not printed:
        return (
            "The paper prints none of this figure's values at this run's choices; the "
            f"{shape} {'are' if curves else 'is'} a property of the synthetic cohort only, "
            "not a finding."
        )
    return (
        f"The paper prints {printed}; the shape of the {shape} between and beyond those "
        "values is a property of the synthetic cohort only, not a finding."
    )


_PARTS = {"median": "median", "q1": "first quartile", "q3": "third quartile"}


def _decimals_of(text: str) -> int:
    """Decimals of a printed number: ``"2"`` -> 0, ``"2.8"`` -> 1."""
    return len(text.split(".")[1]) if "." in text else 0


def coarser_paper_notes(
    table: pd.DataFrame, published: pd.DataFrame, table_name: str = "table1"
) -> list[str]:
    """Notes for the rows where the paper's table prints a median or quartile with fewer
    decimals than the book shows: what is compared, and what the paper's text prints.

    ``table`` is :func:`nettx_utils.paper.comparison.side_by_side` output (with ``paper``);
    ``published`` the published values (``id, source, value, decimals, spec``). The
    book's value is compared at the precision the paper printed; where the paper's
    text prints the same statistic with more decimals, the note gives that figure and
    says whether the book's value rounds to it too.

    Examples
    --------
    >>> table = pd.DataFrame({"key": ["m"], "label": ["Mib-1 %"], "decimals": [1],
    ...     "median": [1.75], "q1": [1.0], "q3": [2.8], "paper": ["2 (1.0–2.8)"]})
    >>> published = pd.DataFrame({"id": ["t", "r", "d"],
    ...     "source": ["Table 1", "Results", "Discussion"], "value": [2.0, 1.75, 1.75],
    ...     "decimals": [0, 2, 2], "spec": ["table1:m@median"] * 3})
    >>> coarser_paper_notes(table, published)[0]  # doctest: +NORMALIZE_WHITESPACE
    "Mib-1 %: the paper's table prints the median as a whole number, 2; the book's
    median, 1.75, is compared at that precision and rounds to it. The paper's text
    prints this median as 1.75, and the book's value rounds to that too."
    """
    from nettx_utils.formatting import printed
    from nettx_utils.paper.rounding import rounds_to

    notes = []
    for row in table.itertuples():
        paper = getattr(row, "paper", "") or ""
        found = re.fullmatch(r"(\S+) \((\S+)–(\S+)\)", paper)
        if not found or pd.isna(row.median):
            continue
        own = 1 if pd.isna(row.decimals) else int(row.decimals)
        for field, text in zip(_PARTS, found.groups(), strict=True):
            coarse = _decimals_of(text)
            if coarse >= own or text == "–":
                continue
            value, name = float(getattr(row, field)), _PARTS[field]
            precision = "a whole number" if coarse == 0 else f"{coarse} decimal(s)"
            verdict = "rounds" if rounds_to(value, float(text), coarse) else "does not round"
            note = (
                f"{row.label}: the paper's table prints the {name} as {precision}, {text}; "
                f"the book's {name}, {shown_exact(value)}, is compared at that precision "
                f"and {verdict} to it."
            )
            finer = published[
                (published["spec"] == f"{table_name}:{row.key}@{field}")
                & (published["decimals"].astype(int) > coarse)
            ].drop_duplicates(["value", "decimals"])  # the Results and the Discussion agree
            for other in finer.itertuples():
                figure = printed(other.value, int(other.decimals))
                agrees = rounds_to(value, float(other.value), int(other.decimals))
                note += (
                    f" The paper's text prints this {name} as {figure}, and the book's value "
                    + ("rounds to that too." if agrees else "does not round to it.")
                )
            notes.append(note)
    return notes


def shown_exact(value: float) -> str:
    """A value with the digits it has (at most 12 significant), no trailing zeros.

    Examples
    --------
    >>> shown_exact(1.75), shown_exact(2.0), shown_exact(48.3 + 0.25 * 0.6)
    ('1.75', '2', '48.45')
    """
    return format(decimal_value(value).normalize(), "f")


def cutoff_reading(
    months: pd.Series, cutoff: float, *, paper_cutoff: float = 24, synthetic: bool = True
) -> str:
    """The note on the early/late cut-off under Table 2, true for this cohort and cut-off.

    The paper's Table 2 labels its groups "<24 mo" and "≥24 mo"; its abstract and
    Results say "≤24" and ">24" (its Discussion "<24"). The book follows the abstract
    and Results (:func:`derived.recurrence_timing` puts a recurrence at exactly the
    cut-off in the early group). The two readings
    differ only for recurrences at exactly the cut-off; the note counts them.

    Parameters
    ----------
    months
        Months from LT to recurrence, one value per patient (missing values ignored).
    cutoff
        The run's cut-off in months.
    paper_cutoff
        The paper's cut-off, named when the run uses another one.
    synthetic
        Whether ``months`` is the synthetic cohort (names the cohort in the note).

    Examples
    --------
    >>> cutoff_reading(pd.Series([10.0, 30.0]), 24)[-60:]
    'synthetic cohort, so both readings give the same two groups.'
    >>> "1 patient" in cutoff_reading(pd.Series([24.0, 30.0]), 24, synthetic=False)
    True
    """
    cut = f"{cutoff:g}"
    text = (
        f"The paper's Table 2 labels the groups “<{paper_cutoff:g} mo” and "
        f"“≥{paper_cutoff:g} mo”, while its abstract and Results say “≤{paper_cutoff:g}” "
        f"and “>{paper_cutoff:g}” (its Discussion, “<{paper_cutoff:g}”). The book follows "
        "the abstract and Results: a recurrence at exactly the cut-off counts as early. "
    )
    if cutoff != paper_cutoff:
        text += f"This run uses a cut-off of {cut} months instead of the paper's {paper_cutoff:g}. "
    who = "the synthetic cohort" if synthetic else "this cohort"
    at = int((pd.to_numeric(months, errors="coerce") == cutoff).sum())
    if at == 0:
        return text + (
            f"No recurrence came exactly {cut} months after LT in {who}, so both readings "
            "give the same two groups."
        )
    patients = "1 patient" if at == 1 else f"{at} patients"
    return text + (
        f"In {who}, {patients} recurred exactly {cut} months after LT: counted here as "
        f"early (≤{cut} mo), they would be late under the table's “≥{cut} mo” reading, so "
        "the two readings give different groups."
    )


def table_notes(*notes: str, abbreviations: str = "", remarks: Sequence[str] = ()) -> str:
    """Markdown for the lines under a table: lettered notes, unlettered remarks, then the
    abbreviations.

    Each note is ``"a: text"``; the letter is printed as a superscript, as in the paper.
    Each remark (such as a :func:`coarser_paper_notes` sentence) is a line of its own.

    Examples
    --------
    >>> print(table_notes("a: First note.", abbreviations="LT, liver transplantation."))
    <sup>a</sup> First note.<br>
    *Abbreviations.* LT, liver transplantation.
    >>> print(table_notes(remarks=["Age: as printed."]))
    Age: as printed.
    """
    lines = []
    for note in notes:
        letter, text = note.split(":", 1)
        lines.append(f"<sup>{letter.strip()}</sup> {text.strip()}")
    lines.extend(remarks)
    if abbreviations:
        lines.append(f"*Abbreviations.* {abbreviations}")
    return "<br>\n".join(lines)


TABLE2_NOTE_A = (
    "a: Locoregional lymph nodes are the lymph-node stations that drained the primary "
    "tumour (for a primary in the ileum, the mesenteric nodes); a recurrence there is "
    "counted apart from one in more distant abdominal nodes."
)


TABLE2_NOTE_B = (
    "b: The predominant treatment is the most aggressive one a patient received for the "
    "recurrence: a patient given both surgery and somatostatin analogs counts under "
    "surgery, so each patient appears once in that block."
)
"""The paper's two footnotes to Table 2, in the book's words."""


def table2_notes(
    months: pd.Series, early_recurrence_months: float, *, synthetic: bool = True
) -> str:
    """The notes under the book's Table 2: the paper's two footnotes (in the book's words),
    the cut-off note (:func:`cutoff_reading`) and the abbreviations."""
    return table_notes(
        TABLE2_NOTE_A,
        TABLE2_NOTE_B,
        "c: " + cutoff_reading(months, early_recurrence_months, synthetic=synthetic),
        abbreviations=TABLE2_ABBREVIATIONS,
    )

"""Descriptive tables in the layout of the paper's Tables 1 and 2.

Categorical rows print ``N (%)``; continuous rows print ``median (Q1–Q3)``.
Quartiles follow SPSS's default (the paper used SPSS 26): the weighted average
at position (n + 1)p, which is numpy's ``method="weibull"``. Every function
takes ``quantile_method`` so a reader can switch to another convention (numpy's
default ``"linear"`` is R's type 7).

Each row carries a stable ``key`` (``sex=female``, ``age_at_lt_years``,
``recurrence_timing=early``...) so that published values are matched to rows
by meaning, never by position.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from nettx_utils.data import derived
from nettx_utils.data.cohort import Dictionary, load_dictionary
from nettx_utils.formatting import (
    SYNTHETIC_ONLY,
    decimal_value,
    fixed,
    percent_text,
    row_text,
    styled,
    unpublished_mark,
)
from nettx_utils.stats.quartiles import SPSS_QUANTILES, Quartiles, quartiles

LOCOREGIONAL_MARK = "\u1d43"  # superscript a: the paper's footnote on locoregional nodes
PREDOMINANT_MARK = "\u1d47"  # superscript b: the paper's footnote on the predominant treatment
CUTOFF_MARK = "\u1d9c"  # superscript c: the book's note on the early/late cut-off
READING_MARK = "\u1d43"  # superscript a (Table 1): the book's reading of a denominator
TABLE1_NOTE_A = (
    "a: The paper prints no denominator for the number of pre-LT LRTs. The book counts it "
    "among the patients with at least one pre-LT LRT (their number is in the row's label): "
    "its reading, the only one under which the paper's median and quartiles are possible "
    "(chapter 6's consistency audit)."
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


TABLE_COLUMNS = [
    "key", "label", "indent", "n", "denominator", "percent", "median", "q1", "q3", "decimals",
]  # fmt: skip


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


def _count_row(key: str, label: str, mask: pd.Series, indent: int = 1) -> dict:
    """``N (%)`` of the rows where ``mask`` is True, out of the rows where it is not missing."""
    known = mask.notna()
    n = int(mask[known].astype(bool).sum())
    denominator = int(known.sum())
    percent = 100 * n / denominator if denominator else np.nan
    return {
        "key": key,
        "label": label,
        "indent": indent,
        "n": n,
        "denominator": denominator,
        "percent": percent,
    }


def _quartile_row(
    key: str, label: str, values: pd.Series, method: str, indent: int = 0, *, counts: bool = False
) -> dict:
    """``median (Q1–Q3)``; a count whose quartiles are whole numbers prints them as such
    (``2 (1–3)``, as the paper prints the number of treatments), else at one decimal."""
    q = quartiles(values, method)
    whole = all(float(v).is_integer() for v in (q.q1, q.median, q.q3) if pd.notna(v))
    return {
        "key": key,
        "label": label,
        "indent": indent,
        "denominator": q.n,
        "median": q.median,
        "q1": q.q1,
        "q3": q.q3,
        "decimals": 0 if counts and whole else 1,
    }


def _header_row(label: str, key: str = "", part: str | None = None) -> dict:
    row = {"key": key, "label": label, "indent": 0}
    if part:
        row["part"] = part
    return row


def _levels(series: pd.Series, column: str, dictionary: Dictionary, indent: int = 1) -> list[dict]:
    """One ``N (%)`` row per category level, in dictionary order.

    Levels no patient has are left out: the dictionary lists some the paper
    never prints (G3, a complete response before LT).
    """
    rows = []
    values = series.astype("object")
    known = values.notna()
    for code, label in dictionary[column].levels.items():
        mask = (values == code).where(known)
        row = _count_row(f"{column}={code}", label, mask, indent)
        if row["n"] > 0:
            rows.append(row)
    return rows


def _finish(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows).reindex(columns=TABLE_COLUMNS)
    table["n"] = table["n"].astype("Int64")
    table["denominator"] = table["denominator"].astype("Int64")
    table["display"] = [row_text(row) for row in table.to_dict("records")]
    return table


def table1(
    cohort: pd.DataFrame,
    *,
    quantile_method: str = SPSS_QUANTILES,
    diagnosis_to_lt_cutoff_months: float = 24,
    dictionary: Dictionary | None = None,
) -> pd.DataFrame:
    """Pre- and post-transplant characteristics, in the rows of the paper's Table 1.

    Returns one row per printed row with ``key, label, indent, n, denominator,
    percent, median, q1, q3, display``. Percentages are out of the patients
    with the value recorded (``denominator``).
    """
    d = dictionary or load_dictionary()
    q = quantile_method

    def yes(column: str, label: str, indent: int = 0) -> dict:
        return _count_row(column, label, cohort[column], indent)

    cut = f"{diagnosis_to_lt_cutoff_months:g}"
    to_lt = cohort["months_diagnosis_to_lt"]
    functioning = cohort["primary_functioning"]
    rows: list[dict] = [
        _count_row(
            "sex=female",
            "Gender (female)",
            (cohort["sex"] == "female").where(cohort["sex"].notna()),
            0,
        ),
        _quartile_row("age_at_lt_years", "Age at LT (y)", cohort["age_at_lt_years"], q),
        _header_row("Site of primary tumor"),
        *_levels(cohort["primary_site"], "primary_site", d),
        _header_row("Type of primary tumor"),
        _count_row("primary_functioning=yes", "Functioning", functioning),
        _count_row("primary_functioning=no", "Not functioning", ~functioning),
        yes("carcinoid_syndrome", "Carcinoid syndrome (yes)"),
        _header_row("T stage of primary tumor"),
        *_levels(cohort["primary_t_stage"], "primary_t_stage", d),
        _quartile_row(
            "mib1_primary_pct", "Mib-1 % of primary tumor", cohort["mib1_primary_pct"], q
        ),
        _header_row("WHO grading of primary tumor"),
        *_levels(cohort["primary_who_grade"], "primary_who_grade", d),
        _header_row("N stage of primary tumor"),
        *_levels(cohort["primary_n_stage"], "primary_n_stage", d),
        _header_row("N site of primary tumor"),
        *_levels(cohort["primary_n_site"], "primary_n_site", d),
        yes("synchronous_liver_metastases", "Synchronous liver metastases (yes)"),
        _quartile_row("cga_lt_ng_ml", "Serum chromogranin A (ng/mL)", cohort["cga_lt_ng_ml"], q),
        _header_row("Pre-LT liver treatment(s)"),
        yes("pre_lt_ssa", "Somatostatin analogs", 1),
        yes("pre_lt_liver_resection", "Liver resection", 1),
        yes("pre_lt_locoregional", "Locoregional treatment", 1),
        yes("pre_lt_chemotherapy", "Chemotherapy", 1),
        yes("pre_lt_prrt", "PRRT", 1),
        _quartile_row(
            "n_pre_lt_lrt",
            f"Number of pre-LT LRTs{READING_MARK}",
            cohort["n_pre_lt_lrt"],
            q,
            counts=True,
        ),
        _header_row("Response to pre-LT treatments"),
        *_levels(cohort["pre_lt_response"], "pre_lt_response", d),
        yes("milan_criteria", "Fulfilling Milan criteria for LT (yes)"),
        _quartile_row("months_diagnosis_to_lt", "Time from diagnosis of NET to LT (mo)", to_lt, q),
        _count_row(
            f"months_diagnosis_to_lt:le{cut}",
            f"≤{cut}",
            (to_lt <= diagnosis_to_lt_cutoff_months).where(to_lt.notna()),
        ),
        _count_row(
            f"months_diagnosis_to_lt:gt{cut}",
            f">{cut}",
            (to_lt > diagnosis_to_lt_cutoff_months).where(to_lt.notna()),
        ),
        yes("lymph_nodes_at_lt", "Metastatic lymph nodes at LT (yes)"),
        _quartile_row("mib1_lt_pct", "Mib-1 % liver metastases at LT", cohort["mib1_lt_pct"], q),
        yes("acute_rejection", "Acute graft rejection episodes"),
        _header_row("Immunosuppressive treatment"),
        *_levels(cohort["immunosuppression"], "immunosuppression", d),
    ]
    among = {"n_pre_lt_lrt": "with a pre-LT LRT"}
    return _finish([_with_denominator(row, len(cohort), among.get(row["key"])) for row in rows])


def _with_denominator(row: dict, total: int, among: str | None = None) -> dict:
    """The row with its denominator in the label when it is not every patient.

    A statistic computed on fewer patients than the table's heading counts says on
    how many: ``among`` names them (else "with a value").

    Examples
    --------
    >>> lrt = {"label": "Number of pre-LT LRTs", "denominator": 18, "median": 2.0}
    >>> _with_denominator(lrt, 32, "with a pre-LT LRT")["label"]
    'Number of pre-LT LRTs (18 patients with a pre-LT LRT)'
    >>> _with_denominator({"label": "Age at LT (y)", "denominator": 32}, 32)["label"]
    'Age at LT (y)'
    >>> _with_denominator({"label": "T3", "denominator": 1}, 32)["label"]
    'T3 (of 1 patient with a value)'
    """
    denominator = row.get("denominator")
    if denominator is None or pd.isna(denominator) or int(denominator) >= total:
        return row
    n = int(denominator)
    patients = "patient" if n == 1 else "patients"
    who = f"{patients} {among or 'with a value'}"
    label = f"{row['label']} ({n} {who})" if "median" in row else f"{row['label']} (of {n} {who})"
    return {**row, "label": label}


_PARTS = {"median": "median", "q1": "first quartile", "q3": "third quartile"}


def _decimals_of(text: str) -> int:
    """Decimals of a printed number: ``"2"`` -> 0, ``"2.8"`` -> 1."""
    return len(text.split(".")[1]) if "." in text else 0


def coarser_paper_notes(
    table: pd.DataFrame, published: pd.DataFrame, table_name: str = "table1"
) -> list[str]:
    """Notes for the rows where the paper's table prints a median or quartile with fewer
    decimals than the book shows: what is compared, and what the paper's text prints.

    ``table`` is :func:`nettx_utils.paper.published.side_by_side` output (with ``paper``);
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
    from nettx_utils.paper.published import rounds_to

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


def table2(
    cohort: pd.DataFrame,
    *,
    early_recurrence_months: float = 24,
    mib1_cuts: Sequence[float] = (2, 20),
    quantile_method: str = SPSS_QUANTILES,
    dictionary: Dictionary | None = None,
) -> pd.DataFrame:
    """Characteristics of recurrence and treatments, in the rows of the paper's Table 2.

    Early recurrence is ``months_lt_to_recurrence <= early_recurrence_months``
    (the text's "≤24 mo"). Site rows with no patient are left out. The column
    ``part`` says whether a row describes the recurrence (``"recurrence"``) or its
    treatment (``"treatment"``), the two halves of the paper's Table 2.
    """
    d = dictionary or load_dictionary()
    q = quantile_method
    timing = pd.Series(
        derived.recurrence_timing(cohort, early_recurrence_months), index=cohort.index
    )
    timing_labels = derived.timing_labels(early_recurrence_months)
    mib1 = pd.Series(
        derived.mib1_group(cohort["mib1_recurrence_pct"], mib1_cuts), index=cohort.index
    )
    extent = pd.Series(derived.recurrence_extent(cohort), index=cohort.index)
    flags = derived.site_flags(cohort)
    single = extent == "single"
    multiple = extent == "multiple"
    ln_type = cohort["recurrence_abdominal_ln_type"].astype("object")
    n_mib1 = int(mib1.notna().sum())

    def among(mask: pd.Series, subset: pd.Series) -> pd.Series:
        return mask.astype("boolean").where(subset)

    def treated(column: str, label: str) -> dict:
        return _count_row(column, label, cohort[column])

    site_rows: list[dict] = []
    for site, label in derived.RECURRENCE_SITES.items():
        site_rows.append(_count_row(f"single_site={site}", label, among(flags[site], single)))
        if site == "abdominal_ln":
            for kind in ("locoregional", "distant"):
                site_rows.append(
                    _count_row(
                        f"single_site=abdominal_ln_{kind}",
                        d.level_label("recurrence_abdominal_ln_type", kind)
                        + (LOCOREGIONAL_MARK if kind == "locoregional" else ""),
                        among(flags[site] & (ln_type == kind), single),
                        indent=2,
                    )
                )
    site_rows = [row for row in site_rows if row["n"] > 0]
    multiple_rows = [
        _count_row(f"multiple_site={site}", label, among(flags[site], multiple))
        for site, label in derived.RECURRENCE_SITES.items()
    ]
    multiple_rows = [row for row in multiple_rows if row["n"] > 0]

    rows: list[dict] = [
        _quartile_row(
            "age_at_recurrence_years", "Age at recurrence, y", cohort["age_at_recurrence_years"], q
        ),
        _quartile_row(
            "months_lt_to_recurrence",
            "Time from LT to recurrence (mo)",
            cohort["months_lt_to_recurrence"],
            q,
        ),
        *[
            _count_row(
                f"recurrence_timing={code}",
                label + CUTOFF_MARK,
                (timing == code).where(timing.notna()),
            )
            for code, label in timing_labels.items()
        ],
        _quartile_row(
            "cga_recurrence_ng_ml",
            "Serum CgA (ng/mL) at recurrence",
            cohort["cga_recurrence_ng_ml"],
            q,
        ),
        _header_row(f"Mib-1 % of recurrence ({n_mib1} pts)"),
        *[
            _count_row(f"mib1_recurrence_group={code}", label, (mib1 == code).where(mib1.notna()))
            for code, label in derived.mib1_group_labels(mib1_cuts).items()
        ],
        _header_row("Site of recurrence"),
        _count_row("recurrence_extent=single", "Single", single.where(extent.notna())),
        _count_row("recurrence_extent=multiple", "Multiple", multiple.where(extent.notna())),
        _header_row(f"Single-site recurrence locations ({int(single.sum())} pts)"),
        *site_rows,
        _header_row(f"Multiple site recurrence locations ({int(multiple.sum())} pts)"),
        *multiple_rows,
        _header_row("Treatment (total)", part="treatment"),
        treated("treatment_ssa", "Somatostatin analogs"),
        treated("treatment_chemotherapy", "Chemotherapy"),
        treated("treatment_prrt", "PRRT"),
        treated("surgery_at_recurrence", "Surgery"),
        treated("treatment_radiotherapy", "Radiotherapy"),
        treated("treatment_none", "Follow-up (no treatment)"),
        _header_row("Predominant treatment" + PREDOMINANT_MARK),
        *_levels(cohort["predominant_treatment"], "predominant_treatment", d),
        _header_row("Outcome of predominant treatment"),
        *_levels(cohort["predominant_treatment_response"], "predominant_treatment_response", d),
    ]
    table = _finish(rows)
    table["part"] = pd.Series([row.get("part") for row in rows]).ffill().fillna("recurrence")
    return table


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


def commonest_label(table: pd.DataFrame, prefix: str) -> str:
    """The label of the row with the most patients among the rows whose key starts with
    ``prefix`` and that are not sub-rows (indent 1), footnote marks removed; ``"none"``
    when no such row has a patient.

    Examples
    --------
    >>> t = pd.DataFrame({"key": ["s=a", "s=b", "s=b_x"], "label": ["A", "B", "Bx"],
    ...                   "indent": [1, 1, 2], "n": [2, 5, 9]})
    >>> commonest_label(t, "s=")
    'B'
    """
    rows = table[table["key"].str.startswith(prefix) & (table["indent"] == 1)]
    rows = rows[rows["n"].fillna(0) > 0]
    if rows.empty:
        return "none"
    label = str(rows.loc[rows["n"].astype(int).idxmax(), "label"])
    return label.rstrip(LOCOREGIONAL_MARK + PREDOMINANT_MARK + CUTOFF_MARK)


def site_summary(table: pd.DataFrame) -> str:
    """A clause on where the recurrences were, from :func:`table2` output: how many were at
    a single site and the commonest single site, or that none was.

    Examples
    --------
    >>> t = pd.DataFrame({"key": ["recurrence_extent=single", "single_site=lung"],
    ...                   "label": ["Single", "Lung"], "indent": [1, 1],
    ...                   "n": [3, 3], "denominator": [5, 3]})
    >>> site_summary(t)
    '3 of the 5 recurrences with a recorded site were at a single site, most often in the lung'
    >>> site_summary(t.assign(n=[0, 0]))
    'none of the 5 recurrences with a recorded site was at a single site'
    """
    single = row(table, "recurrence_extent=single")
    n, total = int(single["n"]), int(single["denominator"])
    if n == 0:
        return f"none of the {total} recurrences with a recorded site was at a single site"
    site = commonest_label(table, "single_site=").lower().replace("other (", "other sites (")
    article = "" if site.endswith("nodes") or site.startswith("other") else "the "
    return (
        f"{n} of the {total} recurrences with a recorded site were at a single site, "
        f"most often in {article}{site}"
    )


STATUS_PUBLISHED: dict[str, tuple[str, str | None]] = {
    "status=dead": ("res_died_n", "res_died_pct"),
    "death_cause=net_progression": ("res_death_progression_n", None),
    "death_cause=other": ("res_death_other_n", None),
    "status=alive_free": ("res_alive_disease_free_n", "res_alive_disease_free_pct"),
    "status=alive_with_disease": ("res_alive_with_disease_n", None),
}
"""The published ids (count, percentage or None) of each row of :func:`status_table`:
the paper prints the status at last follow-up in its Results, not in a table."""


def status_beside_paper(status: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """Add the paper's numbers and a match mark to :func:`status_table` rows.

    Parameters
    ----------
    status
        :func:`status_table` output.
    scored
        :func:`nettx_utils.paper.scoring.score` output (every section), with ``id``,
        ``published``, ``decimals``, ``bound``, ``match`` and ``flagged``.

    Returns
    -------
    pandas.DataFrame
        ``status`` plus ``paper`` (``N (%)``, or ``N`` alone where the paper prints no
        percentage) and ``mark`` (✓ reproduced, ✗ not, ⚑ flagged by the audit), the
        columns :func:`paper_layout` shows.
    """
    from nettx_utils.formatting import printed

    by_id = scored.set_index("id")
    paper, marks = [], []
    for key in status["key"]:
        ids = [pid for pid in STATUS_PUBLISHED.get(key, ()) if pid and pid in by_id.index]
        if not ids:
            paper.append("")
            marks.append("")
            continue
        parts = by_id.loc[ids]
        texts = [printed(r.published, r.decimals, r.bound or None) for r in parts.itertuples()]
        paper.append(texts[0] + (f" ({texts[1]})" if len(texts) > 1 else ""))
        if parts["flagged"].astype(bool).any():
            marks.append("⚑")
        else:
            marks.append("✓" if parts["match"].fillna(False).astype(bool).all() else "✗")
    out = status.copy()
    out["paper"] = paper
    out["mark"] = marks
    return out


def row(table: pd.DataFrame, key: str) -> pd.Series:
    """The row of a table with this ``key`` (KeyError naming the key when absent)."""
    found = table[table["key"] == key]
    if found.empty:
        raise KeyError(f"no row with key {key!r}")
    return found.iloc[0]


def paper_layout(table: pd.DataFrame, title: str, n: int, *, synthetic: bool = True) -> Styler:
    """The table as printed: indented labels and one value column, ready to display.

    The value column is headed "This book (synthetic cohort)", or "Your cohort" when
    ``synthetic`` is false. When ``table`` carries the paper's values
    (:func:`nettx_utils.paper.published.side_by_side`), they stand in a second column with the
    match mark.
    """
    from nettx_utils.paper.published import COHORT_COLUMN, SYNTHETIC_COLUMN

    labels = [
        "\u2003" * int(indent) + label
        for indent, label in zip(table["indent"], table["label"], strict=True)
    ]
    values = SYNTHETIC_COLUMN if synthetic else COHORT_COLUMN
    shown = {f"Characteristic ({n} patients)": labels, values: table["display"]}
    if "paper" in table:
        shown["Paper"] = table["paper"]
        shown["Match"] = table["mark"]
    return styled(pd.DataFrame(shown), title).set_properties(
        subset=list(shown)[1:], **{"text-align": "center"}
    )


def rate_by_group(
    groups: pd.Series, flag: pd.Series, labels: dict[str, str], *, what: str = "yes"
) -> pd.DataFrame:
    """How many patients of each group have ``flag``: ``group, n, {what}, percent``.

    Groups follow the order of ``labels`` (code -> printed label); a last row gives
    the total. Used for the paper's surgery-by-presentation statement.
    """
    groups = pd.Series(groups, index=flag.index).astype("object")
    flag = flag.fillna(False).astype(bool)
    rows = []
    for code, label in labels.items():
        members = groups == code
        n, k = int(members.sum()), int((flag & members).sum())
        rows.append({"group": label, "n": n, what: k, "percent": 100 * k / n if n else np.nan})
    n, k = int(groups.notna().sum()), int((flag & groups.notna()).sum())
    rows.append({"group": "All", "n": n, what: k, "percent": 100 * k / n if n else np.nan})
    return pd.DataFrame(rows)


def status_table(cohort: pd.DataFrame, dictionary: Dictionary | None = None) -> pd.DataFrame:
    """Status at last follow-up and causes of death, as ``N (%)`` rows of the whole cohort."""
    d = dictionary or load_dictionary()
    died = cohort["died"].fillna(False).astype(bool)
    free = cohort["disease_free_at_last_followup"].fillna(False).astype(bool) & ~died
    cause = cohort["death_cause"].astype("object")
    rows = [_count_row("status=dead", "Dead", died, 0)]
    rows += [
        _count_row(f"death_cause={code}", label, died & (cause == code), 1)
        for code, label in d["death_cause"].levels.items()
    ]
    rows += [
        _count_row("status=alive_free", "Alive and free of disease", free, 0),
        _count_row("status=alive_with_disease", "Alive with disease", ~died & ~free, 0),
    ]
    return _finish(rows)


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

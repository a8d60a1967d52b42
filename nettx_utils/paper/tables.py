"""Descriptive tables in the layout of the paper's Tables 1 and 2.

Categorical rows print ``N (%)``; continuous rows print ``median (Q1–Q3)``.
Quartiles follow SPSS's default (the paper used SPSS 26): the weighted average
at position (n + 1)p, which is numpy's ``method="weibull"``. Every function
takes ``quantile_method`` so a reader can switch to another convention (numpy's
default ``"linear"`` is R's type 7).

Each row carries a stable ``key`` (``sex=female``, ``age_at_lt_years``,
``recurrence_timing=early``...) so that published values are matched to rows
by meaning, never by position.

The module also builds the patients' status at last follow-up beside the paper's
(:func:`status_table`, :func:`status_beside_paper`) and rates by group
(:func:`rate_by_group`), and lays a table out as the paper does (:func:`paper_layout`).
The notes under the tables are :mod:`nettx_utils.paper.footnotes`; the Results' smaller
views and phrases are :mod:`nettx_utils.paper.results`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from nettx_utils.data import derived
from nettx_utils.data.dictionary import Dictionary, load_dictionary
from nettx_utils.formatting import row_text, styled
from nettx_utils.stats.quartiles import SPSS_QUANTILES, quartiles

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


TABLE_COLUMNS = [
    "key", "label", "indent", "n", "denominator", "percent", "median", "q1", "q3", "decimals",
]  # fmt: skip


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


def _site_rows(
    cohort: pd.DataFrame, extent: pd.Series, d: Dictionary
) -> tuple[list[dict], list[dict]]:
    """Table 2's rows of the single-site locations (abdominal lymph nodes split into
    locoregional and distant) and of the multiple-site locations; a location no patient
    has is left out."""
    flags = derived.site_flags(cohort)
    single = extent == "single"
    multiple = extent == "multiple"
    ln_type = cohort["recurrence_abdominal_ln_type"].astype("object")

    def among(mask: pd.Series, subset: pd.Series) -> pd.Series:
        return mask.astype("boolean").where(subset)

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
    return site_rows, multiple_rows


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
    single = extent == "single"
    multiple = extent == "multiple"
    n_mib1 = int(mib1.notna().sum())

    def treated(column: str, label: str) -> dict:
        return _count_row(column, label, cohort[column])

    site_rows, multiple_rows = _site_rows(cohort, extent, d)

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
    (:func:`nettx_utils.paper.comparison.side_by_side`), they stand in a second column with the
    match mark.
    """
    from nettx_utils.paper.comparison import SYNTHETIC_COLUMN
    from nettx_utils.paper.context import COHORT_COLUMN

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

"""Templates for a centre's own cohort, and a differently shaped example cohort.

``data/template.csv`` and ``data/template.xlsx`` are generated from the data
dictionary, so they always name its columns::

    .venv/bin/python -m nettx_utils.data.template          # rewrites data/template.*

:func:`example_cohort` makes a second synthetic cohort (more patients, other
column order, yes/no booleans, an extra column), for trying the book's
checks and analyses on a file that is not the project's own.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from nettx_utils.data.cohort import load_cohort
from nettx_utils.data.dictionary import Dictionary, load_dictionary
from nettx_utils.project import DATA_DIR, DEFAULT_COHORT

TEMPLATE_ROWS = 1000
"""Rows of the Excel template that get drop-down lists for categories and booleans."""


def template_frame(dictionary: Dictionary | None = None) -> pd.DataFrame:
    """An empty cohort table: the dictionary's columns, in order, and no rows."""
    dictionary = dictionary or load_dictionary()
    return pd.DataFrame(columns=dictionary.names)


def dictionary_frame(dictionary: Dictionary | None = None) -> pd.DataFrame:
    """One row per column of the dictionary: what to enter, for the template's second sheet."""
    dictionary = dictionary or load_dictionary()
    rows = []
    for c in dictionary.columns:
        if c.type == "boolean":
            allowed = "0 or 1 (also yes/no, true/false)"
        elif c.type == "category":
            allowed = "; ".join(f"{code} = {label}" for code, label in c.levels.items())
        elif c.type in {"number", "integer"}:
            bounds = [f"≥ {c.min:g}" if c.min is not None else "", f"≤ {c.max:g}" if c.max else ""]
            allowed = " and ".join(b for b in bounds if b) or "any number"
            allowed += " (whole number)" if c.type == "integer" else ""
        else:
            allowed = "pseudonymous code, unique per patient" if c.type == "id" else "text"
        rows.append(
            {
                "column": c.name,
                "description": c.label,
                "unit": c.unit or "",
                "allowed values": allowed,
                "may be empty": "yes" if c.missing else "no",
                "warning above": f"{c.warn_above:g}" if c.warn_above is not None else "",
                "feeds": c.feeds,
                "note": c.note,
            }
        )
    return pd.DataFrame(rows)


def write_templates(
    directory: str | Path = DATA_DIR, dictionary: Dictionary | None = None
) -> list[Path]:
    """Write ``template.csv`` (the header row) and ``template.xlsx`` into ``directory``.

    The workbook's first sheet, ``cohort``, has the header row, frozen, and
    drop-down lists for categories and booleans; its second sheet,
    ``dictionary``, explains every column.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    dictionary = dictionary or load_dictionary()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = directory / "template.csv", directory / "template.xlsx"
    template_frame(dictionary).to_csv(csv_path, index=False, lineterminator="\n")

    book = Workbook()
    sheet = book.active
    sheet.title = "cohort"
    sheet.append(dictionary.names)
    sheet.freeze_panes = "B2"
    for i, column in enumerate(dictionary.columns, start=1):
        letter = get_column_letter(i)
        sheet.cell(row=1, column=i).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(12, len(column.name) + 2)
        choices = {"boolean": ["0", "1"], "category": list(column.levels)}.get(column.type)
        if choices:
            rule = DataValidation(
                type="list", formula1='"' + ",".join(choices) + '"', allow_blank=column.missing
            )
            rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(rule)
    notes = book.create_sheet("dictionary")
    described = dictionary_frame(dictionary)
    notes.append(list(described.columns))
    for row in described.itertuples(index=False):
        notes.append(list(row))
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGH", (40, 50, 10, 60, 12, 12, 60, 80), strict=True):
        notes.column_dimensions[letter].width = width
    book.save(xlsx_path)
    return [csv_path, xlsx_path]


def _export(cohort: pd.DataFrame, dictionary: Dictionary) -> pd.DataFrame:
    """Typed cohort to cells as a spreadsheet user would type them (booleans as yes/no)."""
    out = pd.DataFrame(index=cohort.index)
    for column in dictionary.columns:
        values = cohort[column.name]
        if column.type == "boolean":
            values = values.map({True: "yes", False: "no"})
        out[column.name] = values.astype(object)
    return out.where(out.notna(), None)


def example_cohort(
    n: int = 300, seed: int = 1, *, source: str | Path = DEFAULT_COHORT
) -> pd.DataFrame:
    """A second synthetic cohort, shaped unlike ``data/cohort.csv``, that passes validation.

    Patients are drawn with replacement from the synthetic cohort and given new
    ids (``EX-0001``...); durations, ages, Mib-1 and CgA get a small random
    jitter that keeps every rule (untreatable progression never after the last
    follow-up, age at recurrence = age at LT + time to recurrence). The columns
    come in a shuffled order, booleans as ``yes``/``no``, with an extra column
    ``centre`` that the analysis does not use.

    Parameters
    ----------
    n
        Number of patients.
    seed
        Seed of the random draws; the same ``n`` and ``seed`` give the same cohort.
    source
        The cohort to resample.

    Examples
    --------
    >>> cohort = example_cohort(50, seed=2)
    >>> len(cohort), cohort["patient_id"].iloc[0]
    (50, 'EX-0001')
    """
    rng = np.random.default_rng(seed)
    dictionary = load_dictionary()
    base = load_cohort(source, allow_columns=())
    cohort = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True).copy()
    cohort["patient_id"] = [f"EX-{i:04d}" for i in range(1, n + 1)]

    def scaled(column: str, low: float, high: float, decimals: int = 1) -> pd.Series:
        return (cohort[column] * rng.uniform(low, high, n)).round(decimals)

    cohort["age_at_lt_years"] = (cohort["age_at_lt_years"] + rng.normal(0, 2, n)).clip(18, 75)
    cohort["age_at_lt_years"] = cohort["age_at_lt_years"].round(1)
    cohort["months_lt_to_recurrence"] = scaled("months_lt_to_recurrence", 0.9, 1.1)
    cohort["age_at_recurrence_years"] = (
        cohort["age_at_lt_years"] + cohort["months_lt_to_recurrence"] / 12
    ).round(1)
    cohort["months_diagnosis_to_lt"] = scaled("months_diagnosis_to_lt", 0.9, 1.1)
    factor = rng.uniform(0.9, 1.1, n)
    followup = (cohort["months_recurrence_to_last_followup"] * factor).round(1)
    progression = (cohort["months_recurrence_to_untreatable_progression"] * factor).round(1)
    cohort["months_recurrence_to_last_followup"] = followup
    cohort["months_recurrence_to_untreatable_progression"] = progression.clip(upper=followup)
    for column in ("mib1_primary_pct", "mib1_lt_pct", "mib1_recurrence_pct"):
        cohort[column] = scaled(column, 0.8, 1.2).clip(0, 100)
    for column in ("cga_lt_ng_ml", "cga_recurrence_ng_ml"):
        cohort[column] = scaled(column, 0.8, 1.2, 0)
    table = _export(cohort, dictionary)
    table["centre"] = "Example centre"
    order = list(rng.permutation(table.columns))
    return table[order]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nettx_utils.data.template [DIRECTORY]``: write the templates (default ``data/``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for path in write_templates(Path(argv[0]) if argv else DATA_DIR):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

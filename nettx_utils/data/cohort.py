"""Load a cohort file and check it against the data dictionary.

The dictionary is read by :mod:`nettx_utils.data.dictionary`, the file by
:mod:`nettx_utils.data.reading`; this module converts and checks the cells
(:func:`validate_cohort`, :func:`check_ages`) and joins the three in :func:`load_cohort`.

Every notebook, the pipeline and the command line read the cohort through
:func:`load_cohort`, so a malformed file fails in one place with one clear
message (file, column, first offending rows, what was expected) instead of a
traceback deep inside an analysis.

Accepted: CSV (comma, semicolon with decimal commas, tab; UTF-8 with or without
BOM, UTF-16, Windows-1252/latin-1) and Excel ``.xlsx``; columns in any order,
their names in any case; booleans as 0/1, yes/no, true/false in any case;
missing values as empty cells, NA, n/a, null...; category codes or labels in
any case, with stray spaces. Extra columns are kept and reported as unused;
columns that look like direct identifiers are refused unless allowed by name
(:mod:`nettx_utils.data.privacy`).

Types after loading: numbers are ``float64``, integers ``Int64``, booleans the
nullable ``boolean`` dtype, categories ``category`` with the dictionary's codes
as categories (in dictionary order), identifiers and extra columns ``string``.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from nettx_utils.data.dictionary import Column, Dictionary, _cached_dictionary
from nettx_utils.data.privacy import check_identifiers, looks_like_dates
from nettx_utils.data.reading import read_table
from nettx_utils.errors import CohortError
from nettx_utils.project import DEFAULT_COHORT, DEFAULT_DICTIONARY

TRUE_WORDS = frozenset({"1", "1.0", "yes", "y", "true", "t"})
FALSE_WORDS = frozenset({"0", "0.0", "no", "n", "false", "f"})
MISSING_WORDS = frozenset(
    {"", "na", "n/a", "n.a.", "#n/a", "nan", "nat", "none", "null", "missing", "nd", "n.d."}
    | {".", "-", "--", "—", "?", "not available"}
)
ALLOW_COLUMNS_ENV = "NETTX_ALLOW_COLUMNS"
"""Environment variable (a JSON list) with the identifier-like columns the user allows.

The pipeline sets it for the notebooks' kernels, as it sets ``NETTX_RECORD_DIR``."""
MAX_ROWS_SHOWN = 5
AGE_TOLERANCE_YEARS = 1.0
"""Largest accepted gap, in years, between the age at recurrence and the age at LT plus
the time from LT to recurrence; a larger gap gives a warning (:func:`check_ages`).

Ages recorded in completed years can miss the exact sum by anything short of 1 year
(an age at LT of 52 and a recurrence 7.9 years later can give 59 or 60), and rounding
each value to one decimal adds at most about 0.1 year; a gap of more than 1 year is
beyond both and points to a typing error or to a time counted from another date."""


class CohortWarning(UserWarning):
    """A suspicious but possible value: reported, and the run goes on."""


def _rows(index: Iterable[int]) -> str:
    """Spreadsheet row numbers (header is row 1) of the first offending rows, and how many.

    >>> _rows([0]), _rows(range(1_000_000))
    ('row 2', 'rows 2, 3, 4, 5, 6 and 999995 more')
    """
    index = index if hasattr(index, "__len__") and hasattr(index, "__getitem__") else list(index)
    count = len(index)
    shown = ", ".join(str(int(i) + 2) for i in index[:MAX_ROWS_SHOWN])
    more = f" and {count - MAX_ROWS_SHOWN} more" if count > MAX_ROWS_SHOWN else ""
    return f"row{'s' if count > 1 else ''} {shown}{more}"


def _file_name(source: str) -> str:
    """The file's name without its folder, for warnings.

    A warning goes on (into the executed notebooks that the book offers as downloads, as
    the pipeline leaves the cohort's folder out of them); an error stops the run and names
    the full path.

    >>> _file_name("/home/someone/share/my_cohort.csv"), _file_name("cohort")
    ('my_cohort.csv', 'cohort')
    """
    return Path(source).name or source


def _values(series: pd.Series) -> str:
    return ", ".join(repr(v) for v in series.iloc[:MAX_ROWS_SHOWN])


def _normalise_header(table: pd.DataFrame, dictionary: Dictionary, source: str) -> pd.DataFrame:
    """Rename ``Patient ID`` or ``PATIENT_ID`` to the dictionary's ``patient_id``."""
    known = {_key(name): name for name in dictionary.names}
    renamed = {
        c: known[_key(c)] for c in table.columns if c not in known.values() and _key(c) in known
    }
    table = table.rename(columns=renamed) if renamed else table.copy(deep=False)  # cells not copied
    repeated = sorted({n for n in table.columns if list(table.columns).count(n) > 1})
    if repeated:
        raise CohortError(
            f"{source}: column(s) {', '.join(map(repr, repeated))} appear twice under "
            "different spellings; expected each column once."
        )
    return table


def _key(name: str) -> str:
    return "_".join(re.split(r"[^a-z0-9]+", str(name).strip().lower())).strip("_")


def validate_cohort(
    table: pd.DataFrame,
    dictionary: Dictionary,
    *,
    source: str = "cohort",
    allow_columns: Iterable[str] = (),
) -> pd.DataFrame:
    """Convert text cells to typed columns and check every dictionary rule.

    Parameters
    ----------
    table
        Text cells, as from :func:`read_table`; ``attrs["decimal"]`` may be ``","``.
    dictionary
        The rules.
    source
        The file, named in every message.
    allow_columns
        Columns that look like direct identifiers but that the user allows
        (see :func:`nettx_utils.data.privacy.check_identifiers`).

    Returns
    -------
    pandas.DataFrame
        The dictionary's columns in its order, typed, then the extra columns as
        text; ``attrs["unused_columns"]`` lists the extra ones and
        ``attrs["allowed_identifiers"]`` the allowed identifier-like ones.

    Raises
    ------
    CohortError
        Naming ``source``, the column, the first offending rows and what was
        expected, for every column that breaks its rules (one line each); else
        for every rule across columns that is broken (:func:`_check_rules`).

    Warns
    -----
    UserWarning
        For suspicious but possible values (above a column's ``warn_above``).
    """
    decimal = table.attrs.get("decimal", ".")
    table = _normalise_header(table, dictionary, source)
    table.attrs = {}  # pandas deep-copies attrs on every operation: slow over 54 columns
    missing_columns = [c.name for c in dictionary.columns if c.required and c.name not in table]
    if missing_columns:
        raise CohortError(_missing_columns_message(missing_columns, table, dictionary, source))
    allowed = check_identifiers(
        table, expected=dictionary.names, allow_columns=allow_columns, source=source
    )
    cells = {c.name: _Cells(table[c.name]) for c in dictionary.columns if c.name in table}
    converted, errors = {}, []
    for column in dictionary.columns:
        if column.name in cells:
            try:
                converted[column.name] = _convert(cells[column.name], column, source, decimal)
            except CohortError as exc:  # every column is checked: one message lists them all
                errors.append(str(exc))
    if errors:
        raise CohortError("\n".join(errors))
    extra = [c for c in table.columns if c not in dictionary.names]
    converted.update({name: table[name].astype("string") for name in extra})
    out = pd.DataFrame(converted, index=table.index, copy=False)
    out.attrs["unused_columns"] = extra
    out.attrs["allowed_identifiers"] = allowed
    _check_rules(out, source, repeated_ids=cells["patient_id"].repeated())
    out.index = pd.RangeIndex(len(out))  # in place: reset_index would copy every column
    return out


def _missing_columns_message(
    missing: list[str], table: pd.DataFrame, dictionary: Dictionary, source: str
) -> str:
    present = [c for c in table.columns if c in dictionary.names]
    if len(present) < len(dictionary.columns) / 2:
        found = ", ".join(repr(c) for c in list(table.columns)[:4])
        return (
            f"{source}: missing required column(s): the header row names only {len(present)} "
            f"of the dictionary's {len(dictionary.columns)} columns (it starts {found}). "
            "Expected the first row to be the header, with the names of "
            f"{dictionary.path.name} (copy them from data/template.csv)."
        )
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, [c for c in table.columns if c not in present], 1)
        hints.append(f"{name} (the file has {close[0]!r}: rename it?)" if close else name)
    return (
        f"{source}: missing required column(s) {', '.join(hints)}; "
        f"the data dictionary ({dictionary.path.name}) lists every column."
    )


def _numbers(text: pd.Series, decimal: str) -> pd.Series:
    """Text to numbers; with ``decimal=","``, ``1.234,5`` and ``58,9`` are read too."""
    if decimal == ",":
        thousands = text.str.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+,\d+")
        text = text.mask(thousands, text.str.replace(".", "", regex=False))
        comma = text.str.fullmatch(r"[+-]?\d*,\d+")
        text = text.mask(comma, text.str.replace(",", ".", regex=False))
    return pd.to_numeric(text, errors="coerce")


class _Cells:
    """A column's text cells as its distinct values and, per row, which one it holds.

    Conversion and checks run once per distinct value (a column of 100 000
    patients holds a few thousand at most); :meth:`rows` maps the result back.
    """

    def __init__(self, raw: pd.Series) -> None:
        if isinstance(raw.dtype, pd.CategoricalDtype):
            # Drop the texts no row holds (the header's, rows dropped as empty), keeping
            # the others' order: one count and one renumbering of the codes.
            codes, uniques = raw.cat.codes.to_numpy(), raw.cat.categories.to_numpy(dtype=object)
            used = np.bincount(codes[codes >= 0], minlength=uniques.size) > 0
            if not used.all():
                renumber = np.append(np.cumsum(used) - 1, -1)  # code -1 stays -1
                codes, uniques = renumber[codes], uniques[used]
        else:
            codes, uniques = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=False)
        self.codes, self.index = codes, raw.index
        # numpy's string functions loop in C (pandas' .str calls Python per text): an
        # identifier column has as many distinct texts as rows.
        unstripped = np.asarray(uniques, dtype=object).astype(np.dtypes.StringDType())
        stripped = np.strings.strip(unstripped)
        self._strings, self._lengths = stripped, np.strings.str_len(stripped)
        self.text = pd.Series(stripped.astype(object), dtype=object)
        # The raw texts are distinct; stripped, they stay so unless stripping changed one.
        self.distinct = bool((stripped == unstripped).all()) or self.text.is_unique

    @functools.cached_property
    def missing(self) -> pd.Series:
        """Which distinct texts are a missing-value word (:data:`MISSING_WORDS`), in any case.

        Only texts as short as the longest word are lowered and looked up: an identifier
        column has as many distinct texts as rows.
        """
        short = self._lengths <= max(map(len, MISSING_WORDS))
        found = np.zeros(len(self.text), dtype=bool)
        lowered = np.strings.lower(self._strings[short]).astype(object)
        found[short] = pd.Series(lowered, dtype=object).isin(MISSING_WORDS).to_numpy(dtype=bool)
        return pd.Series(found, index=self.text.index)

    def repeated(self) -> np.ndarray:
        """Which rows hold the same (stripped) text as another row.

        >>> cells = _Cells(pd.Series(["a", "b ", " b", "c"], dtype="category"))
        >>> cells.repeated().tolist()
        [False, True, True, False]
        """
        codes = self.codes if self.distinct else pd.factorize(self.text)[0][self.codes]
        return np.bincount(codes, minlength=len(self.text))[codes] > 1

    def rows(self, values: pd.Series) -> pd.Series:
        """Per-distinct-value results, one per row of the column."""
        return pd.Series(values.array.take(self.codes), index=self.index)  # no index taken

    def where(self, bad: pd.Series) -> tuple[pd.Series, pd.Index]:
        """The text and the index of the rows whose distinct value is ``bad``."""
        rows = self.rows(bad).to_numpy(dtype=bool)
        return self.rows(self.text)[rows], self.index[rows]


def _convert(raw: pd.Series | _Cells, column: Column, source: str, decimal: str = ".") -> pd.Series:
    """One column's text cells typed by its dictionary entry; a broken rule raises."""
    cells = raw if isinstance(raw, _Cells) else _Cells(raw)
    text = cells.text
    is_missing = cells.missing
    if is_missing.any() and not column.missing:
        raise CohortError(
            f"{source}: column {column.name!r} has empty cells at "
            f"{_rows(cells.where(is_missing)[1])}; this column must be filled for every patient."
        )
    if column.type == "id":
        ids = pd.array(text.to_numpy(dtype=object)[cells.codes], dtype="string")
        return pd.Series(ids, index=cells.index)
    if column.type == "text":
        return cells.rows(text.mask(is_missing).astype("string"))
    if column.type == "boolean":
        lowered = text.str.lower()
        bad = ~(lowered.isin(TRUE_WORDS) | lowered.isin(FALSE_WORDS) | is_missing)
        if bad.any():
            shown, rows = cells.where(bad)
            raise CohortError(
                f"{source}: column {column.name!r} has {_values(shown)} at "
                f"{_rows(rows)}; expected 0/1 (or yes/no, true/false)."
            )
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values.loc[lowered.isin(TRUE_WORDS)] = True
        values.loc[lowered.isin(FALSE_WORDS)] = False
        return cells.rows(values)
    if column.type == "category":
        spelled = {label.lower(): code for code, label in column.levels.items()}
        spelled.update({code.lower(): code for code in column.levels})
        codes = text.str.lower().map(spelled)
        bad = codes.isna() & ~is_missing
        if bad.any():
            shown, rows = cells.where(bad)
            raise CohortError(
                f"{source}: column {column.name!r} has unknown value(s) {_values(shown)} at "
                f"{_rows(rows)}; expected one of {', '.join(column.levels)}."
            )
        categories = pd.Series(pd.Categorical(codes.mask(is_missing), list(column.levels)))
        return cells.rows(categories)
    numbers = _numbers(text.mask(is_missing, ""), decimal).mask(is_missing)
    bad = numbers.isna() & ~is_missing
    if bad.any():
        raise CohortError(_non_numeric_message(cells.where(bad)[0], column, source, decimal))
    if column.type == "integer":
        fractional = numbers.notna() & (numbers % 1 != 0)
        if fractional.any():
            shown, rows = cells.where(fractional)
            raise CohortError(
                f"{source}: column {column.name!r} has non-integer value(s) "
                f"{_values(shown)} at {_rows(rows)}; expected a whole number."
            )
    outside = pd.Series(False, index=numbers.index)
    if column.min is not None:
        outside |= numbers < column.min
    if column.max is not None:
        outside |= numbers > column.max
    if outside.any():
        shown, rows = cells.where(outside)
        limits = f"at least {column.min}" if column.max is None else f"{column.min} to {column.max}"
        raise CohortError(
            f"{source}: column {column.name!r} has value(s) {_values(shown)} at "
            f"{_rows(rows)}; expected {limits}"
            + (f" {column.unit}" if column.unit else "")
            + ("; a duration cannot be negative." if column.unit == "months" else ".")
        )
    if column.warn_above is not None and (numbers > column.warn_above).any():
        shown, rows = cells.where(numbers > column.warn_above)
        years = f" ({column.warn_above / 12:g} years)" if column.unit == "months" else ""
        warnings.warn(
            f"{_file_name(source)}: column {column.name!r} has unusually large value(s) "
            f"{_values(shown)} "
            f"at {_rows(rows)} (above {column.warn_above:g} {column.unit or ''}{years}); "
            "please check them. The run goes on.",
            CohortWarning,
            stacklevel=2,
        )
    numbers = numbers.astype("Int64") if column.type == "integer" else numbers.astype("float64")
    return cells.rows(numbers)


def _non_numeric_message(bad: pd.Series, column: Column, source: str, decimal: str) -> str:
    where = f"{source}: column {column.name!r} has"
    rows = _rows(bad.index)
    dates = looks_like_dates(bad)
    if dates.mean() >= 0.5:
        return (
            f"{where} calendar dates {_values(bad[dates])} at {rows}; expected a duration in "
            f"{column.unit or 'numbers'}. {column.label} is counted between two events: "
            "convert the two dates, e.g. in pandas months = (date_b - date_a).days / 30.4375, "
            "or in Excel =(B2-A2)/30.4375, and keep the dates out of the file."
        )
    if decimal == "." and bad.str.fullmatch(r"[+-]?\d*,\d+").any():
        return (
            f"{where} decimal commas {_values(bad)} at {rows}; expected a number with a "
            "decimal point (58.9). Decimal commas are read only in a CSV file with "
            "semicolons between columns, as European Excel saves it."
        )
    return (
        f"{where} non-numeric value(s) {_values(bad)} at {rows}; expected a number"
        + (f" in {column.unit}" if column.unit else "")
        + " (empty cells, NA or n/a for missing values)."
    )


def _check_rules(cohort: pd.DataFrame, source: str, repeated_ids: np.ndarray | None = None) -> None:
    """Rules that involve more than one cell: every broken one is listed in one message.

    ``repeated_ids`` marks the rows whose ``patient_id`` another row repeats, when the
    caller knows it (:meth:`_Cells.repeated`: no hashing of a million identifiers).
    """
    errors = []
    ids = cohort["patient_id"]
    duplicated = ids.duplicated(keep=False).to_numpy() if repeated_ids is None else repeated_ids
    if duplicated.any():
        errors.append(
            f"{source}: column 'patient_id' repeats {_values(ids[duplicated].drop_duplicates())} "
            f"at {_rows(ids.index[duplicated])}; expected one row per patient."
        )
    died = cohort["died"].fillna(False).to_numpy(dtype=bool)
    alive_with_cause = ~died & cohort["death_cause"].notna().to_numpy()
    if alive_with_cause.any():
        errors.append(
            f"{source}: column 'death_cause' is filled for patients with died = 0 at "
            f"{_rows(cohort.index[alive_with_cause])}; leave it empty for patients alive."
        )
    followup = cohort["months_recurrence_to_last_followup"].to_numpy()
    to_up = cohort["months_recurrence_to_untreatable_progression"].to_numpy()
    longer = to_up > followup + 1e-9
    if longer.any():
        errors.append(
            f"{source}: column 'months_recurrence_to_untreatable_progression' exceeds "
            f"'months_recurrence_to_last_followup' at {_rows(cohort.index[longer])}; "
            "untreatable progression cannot come after death or last contact."
        )
    free = cohort["disease_free_at_last_followup"].fillna(False).to_numpy(dtype=bool)
    free_and_dead = free & died
    if free_and_dead.any():
        errors.append(
            f"{source}: column 'disease_free_at_last_followup' is 1 for patients who died at "
            f"{_rows(cohort.index[free_and_dead])}; it describes patients alive at last contact."
        )
    if errors:
        raise CohortError("\n".join(errors))
    check_ages(cohort, source)


def age_gap_years(cohort: pd.DataFrame) -> pd.Series:
    """Age at recurrence minus (age at LT + months from LT to recurrence / 12), in years.

    Zero when the three columns agree exactly; rounding each of them to one decimal
    leaves at most about 0.1 year.

    Examples
    --------
    >>> rows = pd.DataFrame(
    ...     {
    ...         "age_at_lt_years": [50.0, 50.0],
    ...         "months_lt_to_recurrence": [24.0, 18.0],
    ...         "age_at_recurrence_years": [52.0, 52.0],
    ...     }
    ... )
    >>> age_gap_years(rows).round(2).tolist()
    [0.0, 0.5]
    """
    expected = cohort["age_at_lt_years"] + cohort["months_lt_to_recurrence"] / 12
    return (cohort["age_at_recurrence_years"] - expected).astype("float64")


def check_ages(
    cohort: pd.DataFrame, source: str = "cohort", tolerance: float = AGE_TOLERANCE_YEARS
) -> pd.Index:
    """Warn when the age at recurrence is off the age at LT plus the time to recurrence.

    A warning, not an error: real ages are rounded (often to completed years), so the
    three columns rarely add up exactly; a gap above ``tolerance`` years (by default
    :data:`AGE_TOLERANCE_YEARS`) is more than rounding explains.

    Returns
    -------
    pandas.Index
        The rows whose gap exceeds the tolerance (empty when none does).

    Warns
    -----
    CohortWarning
        Naming the file (without its folder), the first such rows (spreadsheet rows: the
        header is row 1) and their gaps.

    Examples
    --------
    >>> rows = pd.DataFrame(
    ...     {
    ...         "age_at_lt_years": [50.0, 50.0],
    ...         "months_lt_to_recurrence": [24.0, 18.0],
    ...         "age_at_recurrence_years": [52.0, 55.0],
    ...     }
    ... )
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     off = check_ages(rows, "my.csv")
    >>> list(off), str(caught[0].message)[:56]
    ([1], "my.csv: column 'age_at_recurrence_years' differs by +3.5")
    """
    gap = age_gap_years(cohort)
    off = cohort.index[(gap.abs() > tolerance).to_numpy(dtype=bool, na_value=False)]
    if len(off):
        gaps = ", ".join(f"{g:+.1f}" for g in gap[off].iloc[:MAX_ROWS_SHOWN])
        warnings.warn(
            f"{_file_name(source)}: column 'age_at_recurrence_years' differs by {gaps} years from "
            f"'age_at_lt_years' + 'months_lt_to_recurrence' / 12 at {_rows(off)} (more than "
            f"{tolerance:g} year{'s' if tolerance != 1 else ''}, beyond rounding); please "
            "check the ages and the time to recurrence. The run goes on.",
            CohortWarning,
            stacklevel=3,
        )
    return off


def allowed_columns_from_environment() -> tuple[str, ...]:
    """The allowed identifier-like columns passed by the pipeline in ``$NETTX_ALLOW_COLUMNS``."""
    raw = os.environ.get(ALLOW_COLUMNS_ENV, "").strip()
    if not raw:
        return ()
    try:
        names = json.loads(raw)
    except json.JSONDecodeError:
        names = raw.split(",")
    return tuple(str(n).strip() for n in names if str(n).strip())


def load_cohort(
    path: str | Path | None = None,
    *,
    dictionary: str | Path | Dictionary | None = None,
    allow_columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read a cohort file (CSV or Excel) and return it typed and validated.

    Parameters
    ----------
    path
        The cohort file; ``data/cohort.csv`` (the synthetic cohort) by default.
    dictionary
        The data dictionary, or its path; ``data/dictionary.yml`` by default.
    allow_columns
        Identifier-like columns to accept (``--allow-column``); ``None`` reads
        them from ``$NETTX_ALLOW_COLUMNS``, which the pipeline sets for the notebooks.

    Raises
    ------
    CohortError
        With one message naming the file, the column, the first offending rows
        and what was expected (see :func:`read_table` and :func:`validate_cohort`).

    Examples
    --------
    >>> cohort = load_cohort()
    >>> int(cohort["died"].sum())  # doctest: +SKIP
    11
    """
    path = Path(path) if path is not None else DEFAULT_COHORT
    if isinstance(dictionary, Dictionary):
        rules = dictionary
    else:
        rules = _cached_dictionary(Path(dictionary).resolve() if dictionary else DEFAULT_DICTIONARY)
    if allow_columns is None:
        allow_columns = allowed_columns_from_environment()
    cohort = validate_cohort(
        read_table(path), rules, source=str(path), allow_columns=tuple(allow_columns)
    )
    cohort.attrs["source"] = str(path)
    return cohort

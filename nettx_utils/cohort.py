"""Load a cohort file and check it against the data dictionary.

Every notebook, the pipeline and the command line read the cohort through
:func:`load_cohort`, so a malformed file fails in one place with one clear
message (file, column, first offending rows, what was expected) instead of a
traceback deep inside an analysis.

Types after loading: numbers are ``float64``, integers ``Int64``, booleans the
nullable ``boolean`` dtype, categories ``category`` with the dictionary's codes
as categories (in dictionary order), identifiers ``string``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from nettx_utils.errors import CohortError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_COHORT = DATA_DIR / "cohort.csv"
DEFAULT_DICTIONARY = DATA_DIR / "dictionary.yml"

TRUE_WORDS = frozenset({"1", "1.0", "yes", "y", "true", "t"})
FALSE_WORDS = frozenset({"0", "0.0", "no", "n", "false", "f"})
MISSING_WORDS = frozenset({"", "na", "n/a", "nan", "none", "null", "missing", ".", "-"})
TYPES = frozenset({"id", "number", "integer", "boolean", "category", "text"})
MAX_ROWS_SHOWN = 5


@dataclass(frozen=True)
class Column:
    """One column of the data dictionary."""

    name: str
    type: str
    label: str
    unit: str | None = None
    required: bool = True
    missing: bool = False
    min: float | None = None
    max: float | None = None
    warn_above: float | None = None
    levels: dict[str, str] = field(default_factory=dict)
    feeds: str = ""


@dataclass(frozen=True)
class Dictionary:
    """The data dictionary: the columns a cohort file must have, in order."""

    columns: tuple[Column, ...]
    path: Path

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def label(self, name: str) -> str:
        """The printed label of a column."""
        return self[name].label

    def level_label(self, name: str, code: str) -> str:
        """The printed label of one category code."""
        return self[name].levels.get(code, code)


def load_dictionary(path: str | Path | None = None) -> Dictionary:
    """Read the data dictionary (YAML) and check that it is well formed."""
    path = Path(path) if path is not None else DEFAULT_DICTIONARY
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CohortError(f"{path}: cannot read the data dictionary ({exc}).") from None
    return _parse_dictionary(raw, path)


@lru_cache(maxsize=4)
def _cached_dictionary(path: Path) -> Dictionary:
    return load_dictionary(path)


def _parse_dictionary(raw: object, path: Path) -> Dictionary:
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), list):
        raise CohortError(f"{path}: expected a mapping with a 'columns' list.")
    columns = []
    for i, entry in enumerate(raw["columns"], start=1):
        if not isinstance(entry, dict) or "name" not in entry or "type" not in entry:
            raise CohortError(f"{path}: column entry {i} needs at least 'name' and 'type'.")
        if entry["type"] not in TYPES:
            raise CohortError(
                f"{path}: column {entry['name']!r} has unknown type {entry['type']!r}; "
                f"expected one of {sorted(TYPES)}."
            )
        levels = {str(k): str(v) for k, v in (entry.get("levels") or {}).items()}
        if entry["type"] == "category" and not levels:
            raise CohortError(f"{path}: category column {entry['name']!r} lists no levels.")
        columns.append(
            Column(
                name=entry["name"],
                type=entry["type"],
                label=entry.get("label", entry["name"]),
                unit=entry.get("unit"),
                required=bool(entry.get("required", True)),
                missing=bool(entry.get("missing", False)),
                min=entry.get("min"),
                max=entry.get("max"),
                warn_above=entry.get("warn_above"),
                levels=levels,
                feeds=entry.get("feeds", ""),
            )
        )
    names = [c.name for c in columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise CohortError(f"{path}: columns listed twice: {', '.join(duplicated)}.")
    return Dictionary(columns=tuple(columns), path=path)


def _rows(index: Iterable[int]) -> str:
    """Spreadsheet row numbers (header is row 1) of the first offending rows."""
    rows = [int(i) + 2 for i in index]
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN])
    more = f" and {len(rows) - MAX_ROWS_SHOWN} more" if len(rows) > MAX_ROWS_SHOWN else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


def _values(series: pd.Series) -> str:
    return ", ".join(repr(v) for v in series.iloc[:MAX_ROWS_SHOWN])


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a cohort file as text cells, with comment lines (``# ...``) skipped.

    Everything is read as strings so that each column is converted, and its
    errors reported, by the dictionary rules in :func:`validate_cohort`.
    """
    path = Path(path)
    if not path.is_file():
        raise CohortError(f"{path}: no such file.")
    try:
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            table = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            table = pd.read_csv(
                path, dtype=str, keep_default_na=False, skiprows=_comment_lines(path)
            )
    except pd.errors.EmptyDataError:
        raise CohortError(
            f"{path}: the file is empty; expected a header row and patients."
        ) from None
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        raise CohortError(f"{path}: not a readable table ({exc}).") from None
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        raise CohortError(f"{path}: the file has a header but no patients.")
    return table


def _comment_lines(path: Path) -> int:
    """How many lines at the top of a CSV file are comments (``# ...``)."""
    skip = 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            skip += 1
    return skip


def validate_cohort(
    table: pd.DataFrame, dictionary: Dictionary, *, source: str = "cohort"
) -> pd.DataFrame:
    """Convert text cells to typed columns and check every dictionary rule.

    Raises
    ------
    CohortError
        On the first rule broken, naming ``source``, the column, the first
        offending rows and what was expected.
    """
    missing_columns = [c.name for c in dictionary.columns if c.required and c.name not in table]
    if missing_columns:
        raise CohortError(
            f"{source}: missing required column(s) {', '.join(missing_columns)}; "
            f"the data dictionary ({dictionary.path.name}) lists every column."
        )
    out = pd.DataFrame(index=table.index)
    for column in dictionary.columns:
        if column.name in table:
            out[column.name] = _convert(table[column.name], column, source)
    extra = [c for c in table.columns if c not in dictionary.names]
    for name in extra:
        out[name] = table[name]
    out.attrs["unused_columns"] = extra
    _check_rules(out, source)
    return out


def _convert(raw: pd.Series, column: Column, source: str) -> pd.Series:
    text = raw.astype(str).str.strip()
    is_missing = text.str.lower().isin(MISSING_WORDS)
    if is_missing.any() and not column.missing:
        raise CohortError(
            f"{source}: column {column.name!r} has empty cells at {_rows(text.index[is_missing])}; "
            "this column must be filled for every patient."
        )
    if column.type == "id":
        return text.astype("string")
    if column.type == "text":
        return text.mask(is_missing).astype("string")
    if column.type == "boolean":
        lowered = text.str.lower()
        bad = ~(lowered.isin(TRUE_WORDS) | lowered.isin(FALSE_WORDS) | is_missing)
        if bad.any():
            raise CohortError(
                f"{source}: column {column.name!r} has {_values(text[bad])} at "
                f"{_rows(text.index[bad])}; expected 0/1 (or yes/no, true/false)."
            )
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values[lowered.isin(TRUE_WORDS)] = True
        values[lowered.isin(FALSE_WORDS)] = False
        return values
    if column.type == "category":
        bad = ~(text.isin(column.levels) | is_missing)
        if bad.any():
            raise CohortError(
                f"{source}: column {column.name!r} has unknown value(s) {_values(text[bad])} at "
                f"{_rows(text.index[bad])}; expected one of {', '.join(column.levels)}."
            )
        return pd.Categorical(text.mask(is_missing), categories=list(column.levels))
    numbers = pd.to_numeric(text.mask(is_missing), errors="coerce")
    bad = numbers.isna() & ~is_missing
    if bad.any():
        raise CohortError(
            f"{source}: column {column.name!r} has non-numeric value(s) {_values(text[bad])} at "
            f"{_rows(text.index[bad])}; expected a number"
            + (f" in {column.unit}" if column.unit else "")
            + "."
        )
    if column.type == "integer":
        fractional = numbers.notna() & (numbers % 1 != 0)
        if fractional.any():
            raise CohortError(
                f"{source}: column {column.name!r} has non-integer value(s) "
                f"{_values(text[fractional])} at {_rows(text.index[fractional])}; expected a whole number."
            )
    outside = pd.Series(False, index=numbers.index)
    if column.min is not None:
        outside |= numbers < column.min
    if column.max is not None:
        outside |= numbers > column.max
    if outside.any():
        limits = f"at least {column.min}" if column.max is None else f"{column.min} to {column.max}"
        raise CohortError(
            f"{source}: column {column.name!r} has value(s) {_values(text[outside])} at "
            f"{_rows(text.index[outside])}; expected {limits}"
            + (f" {column.unit}" if column.unit else "")
            + ("; a duration cannot be negative." if column.unit == "months" else ".")
        )
    if column.warn_above is not None and (numbers > column.warn_above).any():
        high = numbers > column.warn_above
        warnings.warn(
            f"{source}: column {column.name!r} has unusually large value(s) {_values(text[high])} "
            f"at {_rows(text.index[high])} (above {column.warn_above} {column.unit or ''}); "
            "please check them. The run goes on.",
            stacklevel=2,
        )
    return numbers.astype("Int64") if column.type == "integer" else numbers.astype("float64")


def _check_rules(cohort: pd.DataFrame, source: str) -> None:
    """Rules that involve more than one cell."""
    ids = cohort["patient_id"]
    duplicated = ids.duplicated(keep=False)
    if duplicated.any():
        raise CohortError(
            f"{source}: column 'patient_id' repeats {_values(ids[duplicated].drop_duplicates())} "
            f"at {_rows(ids.index[duplicated])}; expected one row per patient."
        )
    died = cohort["died"].fillna(False)
    cause = cohort["death_cause"]
    alive_with_cause = ~died & cause.notna()
    if alive_with_cause.any():
        raise CohortError(
            f"{source}: column 'death_cause' is filled for patients with died = 0 at "
            f"{_rows(cohort.index[alive_with_cause])}; leave it empty for patients alive."
        )
    followup = cohort["months_recurrence_to_last_followup"]
    to_up = cohort["months_recurrence_to_untreatable_progression"]
    longer = to_up > followup + 1e-9
    if longer.any():
        raise CohortError(
            f"{source}: column 'months_recurrence_to_untreatable_progression' exceeds "
            f"'months_recurrence_to_last_followup' at {_rows(cohort.index[longer])}; "
            "untreatable progression cannot come after death or last contact."
        )
    free_and_dead = cohort["disease_free_at_last_followup"].fillna(False) & died
    if free_and_dead.any():
        raise CohortError(
            f"{source}: column 'disease_free_at_last_followup' is 1 for patients who died at "
            f"{_rows(cohort.index[free_and_dead])}; it describes patients alive at last contact."
        )


def load_cohort(
    path: str | Path | None = None, *, dictionary: str | Path | Dictionary | None = None
) -> pd.DataFrame:
    """Read a cohort file (CSV or Excel) and return it typed and validated.

    Parameters
    ----------
    path
        The cohort file; ``data/cohort.csv`` (the synthetic cohort) by default.
    dictionary
        The data dictionary, or its path; ``data/dictionary.yml`` by default.

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
    cohort = validate_cohort(read_table(path), rules, source=str(path))
    cohort.attrs["source"] = str(path)
    return cohort

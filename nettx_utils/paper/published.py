"""The paper's published numbers and its own inconsistencies, as two curated files.

Two curated files live in ``data/``:

- ``published_values.csv``: every quantitative statement of Sposito et al. (2021),
  one row each, with the printed value, its precision (:data:`KINDS`, ``decimals``),
  what it measures and a machine-readable recipe (``spec``, see
  :mod:`nettx_utils.paper.scoring`) to recompute it (:func:`load_published_values`);
- ``consistency_audit.csv``: the places where the paper contradicts itself or its
  own arithmetic, which printed value the synthetic cohort follows, and the ids that
  are therefore left out of the score, the "flagged" set (:func:`load_consistency_audit`,
  :func:`flagged_ids`).

Whether a value is reproduced is :mod:`nettx_utils.paper.rounding`; the checks of the
paper's own arithmetic are :mod:`nettx_utils.paper.consistency`; the book's values beside
the paper's are :mod:`nettx_utils.paper.comparison` and, on another cohort,
:mod:`nettx_utils.paper.context`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from nettx_utils.errors import NettxError
from nettx_utils.formatting import printed
from nettx_utils.project import DATA_DIR

__all__ = [
    "AUDIT_CHECKS",
    "AUDIT_COLUMNS",
    "KINDS",
    "PUBLISHED_COLUMNS",
    "SECTIONS",
    "flagged_ids",
    "inclusion_min_followup_months",
    "load_consistency_audit",
    "load_published_values",
    "paper_count_label",
    "source_mark",
    "split_ids",
]

DEFAULT_PUBLISHED = DATA_DIR / "published_values.csv"
DEFAULT_AUDIT = DATA_DIR / "consistency_audit.csv"

KINDS = frozenset(
    {
        "count",
        "percent",
        "median",
        "q1",
        "q3",
        "km_survival",
        "median_survival",
        "median_followup",
        "cumulative_incidence",
        "p_value",
        "rho",
        "context",
    }
)
"""What a published value is; ``context`` values describe something other than the 32 patients."""

SECTIONS = frozenset({"cohort", "recurrence", "treatments", "outcomes", "prognostic_factors"})
"""The book section (notebook) a value belongs to."""

BOUNDS = frozenset({"", "<", ">"})

PUBLISHED_COLUMNS = [
    "id",
    "section",
    "source",
    "location",
    "label",
    "value",
    "unit",
    "decimals",
    "bound",
    "kind",
    "population",
    "statistic",
    "computable",
    "spec",
    "count_id",
    "denominator",
]
"""Columns of ``published_values.csv``. ``count_id`` and ``denominator`` describe a
percentage: the id of the printed count it is a percentage of (empty when the count is
not printed) and the number of patients it is out of. Extra columns are kept."""

AUDIT_COLUMNS = ["id", "published_ids", "check", "finding", "follows", "flagged_ids", "reason"]
"""Columns of ``consistency_audit.csv``; ids in ``published_ids`` and ``flagged_ids`` are
separated by semicolons."""

AUDIT_CHECKS = frozenset(
    {
        "grim",
        "text_vs_table",
        "abstract_vs_table",
        "subtotal",
        "rounding",
        "km_arithmetic",
        "definition",
    }
)

_YES_NO = {"yes": True, "no": False}


# --------------------------------------------------------------------------- loading


def _fail(path: Path, line: int | None, column: str | None, message: str) -> NettxError:
    where = f"{path}"
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column {column!r}"
    return NettxError(f"{where}: {message}")


def _read_csv(path: Path, required: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise NettxError(f"{path}: file not found")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise NettxError(f"{path}: not a readable UTF-8 CSV file ({exc})") from None
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise _fail(path, None, None, f"missing column(s) {', '.join(missing)}")
    return table.apply(lambda col: col.str.strip())


def _printed_decimals(text: str) -> int:
    """Digits after the decimal point of a number as written (``"46.9"`` -> 1)."""
    return len(text.split(".", 1)[1]) if "." in text else 0


def inclusion_min_followup_months(published: pd.DataFrame | None = None) -> float:
    """The paper's inclusion rule: the shortest follow-up after recurrence (in months) a
    patient needed to enter the study (``meth_ctx_min_followup``), which makes every
    estimate from recurrence conditional on surviving that long.

    Examples
    --------
    >>> inclusion_min_followup_months()
    6.0
    """
    table = load_published_values() if published is None else published
    return float(table.set_index("id").at["meth_ctx_min_followup", "value"])


def load_published_values(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the published values.

    Parameters
    ----------
    path
        The CSV file; ``data/published_values.csv`` of the project by default.

    Returns
    -------
    pandas.DataFrame
        One row per published value with the columns of :data:`PUBLISHED_COLUMNS`:
        ``value`` as float, ``decimals`` as int, ``computable`` as bool, ``denominator``
        as nullable integer, text columns as str (empty where blank).

    Raises
    ------
    NettxError
        When a column is missing, an id is empty or repeated, or a cell is malformed
        (the message names the file, the line and the column).
    """
    path = Path(path) if path is not None else DEFAULT_PUBLISHED
    raw = _read_csv(path, PUBLISHED_COLUMNS)
    seen: dict[str, int] = {}
    values, decimals, computable, denominators = [], [], [], []
    for i, row in raw.iterrows():
        line = int(i) + 2  # header is line 1
        pid = row["id"]
        if not pid:
            raise _fail(path, line, "id", "empty id")
        if pid in seen:
            raise _fail(path, line, "id", f"id {pid!r} repeats line {seen[pid]}")
        seen[pid] = line
        if row["kind"] not in KINDS:
            raise _fail(path, line, "kind", f"unknown kind {row['kind']!r} (id {pid})")
        if row["section"] not in SECTIONS:
            raise _fail(path, line, "section", f"unknown section {row['section']!r} (id {pid})")
        if row["bound"] not in BOUNDS:
            raise _fail(path, line, "bound", f"bound must be empty, '<' or '>' (id {pid})")
        try:
            value = float(row["value"])
        except ValueError:
            raise _fail(
                path, line, "value", f"{row['value']!r} is not a number (id {pid})"
            ) from None
        if not math.isfinite(value):
            raise _fail(path, line, "value", f"value must be finite (id {pid})")
        try:
            dec = int(row["decimals"])
        except ValueError:
            raise _fail(
                path, line, "decimals", f"{row['decimals']!r} is not an integer (id {pid})"
            ) from None
        if dec < 0 or _printed_decimals(row["value"]) != dec:
            raise _fail(
                path,
                line,
                "decimals",
                f"value {row['value']!r} is written with {_printed_decimals(row['value'])} "
                f"decimal(s) but decimals is {dec} (id {pid})",
            )
        if row["computable"] not in _YES_NO:
            raise _fail(path, line, "computable", f"must be yes or no (id {pid})")
        is_computable = _YES_NO[row["computable"]]
        if is_computable and row["kind"] == "context":
            raise _fail(path, line, "computable", f"a context value is never computable ({pid})")
        if is_computable and not row["spec"]:
            raise _fail(path, line, "spec", f"a computable value needs a spec (id {pid})")
        den = row["denominator"]
        if den:
            try:
                den_value = int(den)
            except ValueError:
                raise _fail(
                    path, line, "denominator", f"{den!r} is not an integer ({pid})"
                ) from None
            if den_value <= 0:
                raise _fail(path, line, "denominator", f"must be positive (id {pid})")
            denominators.append(den_value)
        else:
            denominators.append(pd.NA)
        values.append(value)
        decimals.append(dec)
        computable.append(is_computable)

    for i, row in raw.iterrows():
        if row["count_id"] and row["count_id"] not in seen:
            raise _fail(
                path, int(i) + 2, "count_id", f"unknown id {row['count_id']!r} (id {row['id']})"
            )

    table = raw.copy()
    table["value"] = pd.Series(values, index=raw.index, dtype="float64")
    table["decimals"] = pd.Series(decimals, index=raw.index, dtype="int64")
    table["computable"] = pd.Series(computable, index=raw.index, dtype="bool")
    table["denominator"] = pd.Series(denominators, index=raw.index, dtype="Int64")
    table.attrs["source"] = str(path)
    return table


def split_ids(cell: str) -> list[str]:
    """The ids of an audit cell (``"a; b"``), in order, blanks dropped."""
    return [part.strip() for part in cell.split(";") if part.strip()]


def load_consistency_audit(
    path: str | Path | None = None, *, published: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Read and validate the consistency audit.

    Parameters
    ----------
    path
        The CSV file; ``data/consistency_audit.csv`` of the project by default.
    published
        The published values; when given, every id the audit names must exist there.

    Returns
    -------
    pandas.DataFrame
        The rows of the audit (columns :data:`AUDIT_COLUMNS`, all str).

    Raises
    ------
    NettxError
        On a missing column, an empty or repeated id, an unknown check, or (with
        ``published``) an id that is not a published value.
    """
    path = Path(path) if path is not None else DEFAULT_AUDIT
    table = _read_csv(path, AUDIT_COLUMNS)
    known = set(published["id"]) if published is not None else None
    seen: dict[str, int] = {}
    for i, row in table.iterrows():
        line = int(i) + 2
        aid = row["id"]
        if not aid:
            raise _fail(path, line, "id", "empty id")
        if aid in seen:
            raise _fail(path, line, "id", f"id {aid!r} repeats line {seen[aid]}")
        seen[aid] = line
        if row["check"] not in AUDIT_CHECKS:
            raise _fail(path, line, "check", f"unknown check {row['check']!r} (id {aid})")
        if not split_ids(row["published_ids"]):
            raise _fail(path, line, "published_ids", f"no published id named (id {aid})")
        flagged = split_ids(row["flagged_ids"])
        if flagged and not row["reason"]:
            raise _fail(path, line, "reason", f"flagged ids need a reason (id {aid})")
        if known is not None:
            for column in ("published_ids", "flagged_ids"):
                unknown = [pid for pid in split_ids(row[column]) if pid not in known]
                if unknown:
                    raise _fail(
                        path, line, column, f"unknown published id(s) {', '.join(unknown)} ({aid})"
                    )
    table.attrs["source"] = str(path)
    return table


def flagged_ids(audit: pd.DataFrame) -> set[str]:
    """The set M: every published id that the audit excludes from the score."""
    out: set[str] = set()
    for cell in audit["flagged_ids"]:
        out.update(split_ids(cell))
    return out


def paper_count_label(
    published: pd.DataFrame,
    count_id: str,
    percent_id: str,
    count: int,
    *,
    synthetic: bool,
    flagged: Iterable[str] = (),
) -> str:
    """The label beside a synthetic-cohort count that is not the paper's printed count.

    On the synthetic cohort a count the paper prints differently (because the cohort
    resolves a flag of the consistency audit) must say so next to the number. On a user's
    cohort, or where the count is the paper's, the label is empty.

    Parameters
    ----------
    published
        :func:`load_published_values` output.
    count_id, percent_id
        Ids of the paper's count and of its percentage.
    count
        The book's count.
    synthetic
        Whether the run uses the synthetic cohort.
    flagged
        Ids flagged by the consistency audit (:func:`flagged_ids`).

    Examples
    --------
    >>> values = pd.DataFrame({"id": ["n", "pct"], "value": [13.0, 92.8], "decimals": [0, 1],
    ...                        "bound": ["", ""]})
    >>> paper_count_label(values, "n", "pct", 12, synthetic=True, flagged={"n"})
    ' [synthetic cohort; the paper prints 13 (92.8%), flagged by the consistency audit]'
    >>> paper_count_label(values, "n", "pct", 13, synthetic=True, flagged={"n"})
    ''
    >>> paper_count_label(values, "n", "pct", 12, synthetic=False, flagged={"n"})
    ''
    """
    if not synthetic:
        return ""
    values = published.set_index("id")
    paper_n = values.at[count_id, "value"]
    if count == paper_n:
        return ""
    pct = printed(values.at[percent_id, "value"], int(values.at[percent_id, "decimals"]))
    flag = ", flagged by the consistency audit" if count_id in set(flagged) else ""
    return f" [synthetic cohort; the paper prints {paper_n:g} ({pct}%){flag}]"


def source_mark(published: pd.DataFrame, values: Mapping[str, float], *, synthetic: bool) -> str:
    """The parenthesis beside numbers that may or may not be the paper's printed ones.

    ``values`` maps published ids to the book's values. On the synthetic cohort, when
    every one equals the paper's figure the mark says the paper prints them; otherwise
    the synthetic-cohort mark (:func:`nettx_utils.formatting.unpublished_mark`), as on a
    user's cohort that cohort's.

    Examples
    --------
    >>> values = pd.DataFrame({"id": ["up_n"], "value": [11.0]})
    >>> source_mark(values, {"up_n": 11}, synthetic=True)
    '(as the paper prints)'
    >>> source_mark(values, {"up_n": 10}, synthetic=True)[:30]
    '(not printed by the paper; a p'
    >>> source_mark(values, {"up_n": 11}, synthetic=False)
    '(from your cohort)'
    """
    from nettx_utils.formatting import unpublished_mark

    paper = published.set_index("id")["value"]
    if synthetic and all(float(paper[key]) == float(v) for key, v in values.items()):
        return "(as the paper prints)"
    return unpublished_mark(synthetic)

"""The paper's published numbers, its own inconsistencies, and whether a value is reproduced.

Two curated files live in ``data/``:

- ``published_values.csv``: every quantitative statement of Sposito et al. (2021),
  one row each, with the printed value, its precision, what it measures and a
  machine-readable recipe (``spec``, see :mod:`nettx_utils.paper.scoring`) to recompute it;
- ``consistency_audit.csv``: the places where the paper contradicts itself or its
  own arithmetic, which printed value the synthetic cohort follows, and the ids that
  are therefore left out of the score (the "flagged" set).

A value is *reproduced* when the recomputed number, printed at the paper's precision,
gives the printed number (:func:`rounds_to`). The GRIM test (:func:`grim_consistent`)
asks the same question of the paper itself: can ``count / denominator`` be printed as
the published percentage?

**Exact halves.** When a value lies exactly half-way between two printable numbers
(14/32 = 43.75 % at one decimal), both neighbours count as a correct rounding. The
paper rounds such halves both ways (26/32 = 81.25 is printed 81.3 in Table 1 and
81.2 in Table 2; 2/32 = 6.25 is printed 6.3 and 6.2), so neither "round half up"
nor "round half to even" describes it, and neither should be held against it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from nettx_utils.errors import NettxError
from nettx_utils.formatting import printed
from nettx_utils.project import DATA_DIR

__all__ = [
    "AUDIT_CHECKS",
    "AUDIT_CHECK_LABELS",
    "AUDIT_COLUMNS",
    "COHORT_COLUMN",
    "CONTEXT_EXCLUDED_KINDS",
    "CONTEXT_KINDS",
    "DATA_DIR",
    "KINDS",
    "PUBLISHED_COLUMNS",
    "SECTIONS",
    "SHOWN_RULE",
    "SYNTHETIC_COLUMN",
    "audit_frame",
    "book_text",
    "compare",
    "comparison_frame",
    "comparison_view",
    "context_frame",
    "context_rows",
    "context_view",
    "flagged_ids",
    "grim_audit",
    "grim_consistent",
    "grim_possible",
    "inclusion_min_followup_months",
    "km_attainable",
    "load_consistency_audit",
    "load_published_values",
    "median_text",
    "one_per_quantity",
    "paper_count_label",
    "percent_triples",
    "printed",
    "quantity_key",
    "rounds_to",
    "score_line",
    "shown",
    "side_by_side",
    "source_mark",
    "tally",
    "tally_text",
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
_REL_TOL = 1e-9


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


def _split_ids(cell: str) -> list[str]:
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
        if not _split_ids(row["published_ids"]):
            raise _fail(path, line, "published_ids", f"no published id named (id {aid})")
        flagged = _split_ids(row["flagged_ids"])
        if flagged and not row["reason"]:
            raise _fail(path, line, "reason", f"flagged ids need a reason (id {aid})")
        if known is not None:
            for column in ("published_ids", "flagged_ids"):
                unknown = [pid for pid in _split_ids(row[column]) if pid not in known]
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
        out.update(_split_ids(cell))
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


# --------------------------------------------------------------------------- rounding


def rounds_to(reproduced: float, published: float, decimals: int, bound: str | None = None) -> bool:
    """Whether ``reproduced``, printed with ``decimals`` decimals, gives ``published``.

    Parameters
    ----------
    reproduced
        The recomputed value.
    published
        The value as printed (for a bound such as "P < 0.0001", the number 0.0001).
    decimals
        The number of decimals printed.
    bound
        ``"<"`` or ``">"`` when the paper prints a bound: then the test is simply
        ``reproduced < published`` (or ``>``). Empty or None for a printed value.

    Notes
    -----
    ``reproduced`` prints as ``published`` when it lies within half a unit of the last
    printed digit. An exact half accepts both neighbours, because the paper rounds
    halves both ways (see the module docstring). To absorb binary floating-point error
    (0.1 + 0.2 = 0.30000000000000004; 14/32*100 may land a hair off 43.75), the half
    unit is widened by 1e-9 relative.

    Examples
    --------
    >>> rounds_to(43.75, 43.7, 1), rounds_to(43.75, 43.8, 1), rounds_to(43.75, 43.9, 1)
    (True, True, False)
    >>> rounds_to(100 * 4 / 21, 19.1, 1)
    False
    >>> rounds_to(0.00003, 0.0001, 4, "<")
    True
    """
    if reproduced is None:
        return False
    try:
        value = float(reproduced)
    except (TypeError, ValueError):
        return False
    if math.isnan(value):
        return False
    if bound == "<":
        return value < published
    if bound == ">":
        return value > published
    if bound not in (None, ""):
        raise NettxError(f"bound must be '<', '>' or empty, got {bound!r}")
    if math.isinf(value):
        return False
    scale = 10 ** int(decimals)
    distance = abs(value * scale - published * scale)
    return distance <= 0.5 * (1 + _REL_TOL) + _REL_TOL * abs(published * scale)


def grim_consistent(count: int, percent: float, denominator: int, decimals: int) -> bool:
    """GRIM test: can ``count / denominator`` be printed as ``percent`` at ``decimals``?

    Uses :func:`rounds_to`, so an exact half accepts both neighbours.

    Examples
    --------
    >>> grim_consistent(4, 1.5, 32, 1), grim_consistent(4, 12.5, 32, 1)
    (False, True)
    >>> grim_consistent(14, 43.7, 32, 1) and grim_consistent(14, 43.8, 32, 1)
    True
    """
    if denominator <= 0:
        raise NettxError(f"denominator must be positive, got {denominator}")
    return rounds_to(100 * count / denominator, percent, decimals)


def grim_possible(percent: float, denominator: int, decimals: int) -> list[int]:
    """The counts out of ``denominator`` that print as ``percent`` (empty list: impossible).

    For a percentage printed without its count.

    Examples
    --------
    >>> grim_possible(59.4, 32, 1)
    [19]
    >>> grim_possible(1.5, 32, 1)
    []
    """
    return [k for k in range(denominator + 1) if grim_consistent(k, percent, denominator, decimals)]


def percent_triples(published: pd.DataFrame) -> pd.DataFrame:
    """Every printed percentage with its denominator and, where printed, its count.

    Returns
    -------
    pandas.DataFrame
        Columns ``percent_id, count_id, count, percent, denominator, decimals, consistent,
        possible_counts``: ``consistent`` is the GRIM verdict (for a percentage without a
        printed count: whether any count out of the denominator prints as it).
    """
    by_id = published.set_index("id")
    rows = []
    for row in published.itertuples(index=False):
        if row.kind != "percent" or pd.isna(row.denominator):
            continue
        denominator = int(row.denominator)
        possible = grim_possible(row.value, denominator, row.decimals)
        if row.count_id:
            count = round(float(by_id.at[row.count_id, "value"]))
            consistent = grim_consistent(count, row.value, denominator, row.decimals)
        else:
            count = pd.NA
            consistent = bool(possible)
        rows.append(
            {
                "percent_id": row.id,
                "count_id": row.count_id,
                "count": count,
                "percent": row.value,
                "denominator": denominator,
                "decimals": row.decimals,
                "consistent": consistent,
                "possible_counts": possible,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "percent_id",
            "count_id",
            "count",
            "percent",
            "denominator",
            "decimals",
            "consistent",
            "possible_counts",
        ],
    )


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def grim_audit(published: pd.DataFrame, flagged_counts: Iterable[str] = ()) -> pd.DataFrame:
    """Audit rows (check ``grim``) for every percentage that fails the GRIM test.

    The rows are generated, never typed by hand: ``consistency_audit.csv`` holds exactly
    these grim rows, and a test recomputes them. Each flags the printed percentage (the
    count is kept: a count is printed once, a percentage derives from it).

    Parameters
    ----------
    published
        :func:`load_published_values` output.
    flagged_counts
        Ids that other rows of the audit flag. When the count of a failing percentage
        is one of them, the synthetic cohort follows neither printed value, and the row
        says so instead of naming the count.

    Examples
    --------
    >>> rows = grim_audit(load_published_values())
    >>> rows.set_index("id").at["grim_t2_mib1_gt20_pct", "follows"]
    'the count 4 (percentage 19.0)'
    """
    flagged_counts = set(flagged_counts)
    rows = []
    for t in percent_triples(published).itertuples(index=False):
        if t.consistent:
            continue
        n, dec = t.denominator, t.decimals
        shown = _fmt(t.percent, dec)
        if t.count_id:
            exact = 100 * t.count / n
            near = [k for k in (t.count - 1, t.count + 1) if 0 <= k <= n]
            alternatives = "; ".join(f"{k}/{n} = {100 * k / n:.3f}" for k in near)
            finding = (
                f"{t.count}/{n} = {exact:.3f}% prints as {_fmt(round(exact, dec), dec)}, "
                f"not {shown} ({alternatives})"
            )
            follows = f"the count {t.count} (percentage {_fmt(round(exact, dec), dec)})"
            if t.count_id in flagged_counts:
                follows = (
                    f"neither printed value: the count {t.count} is itself flagged by another "
                    "row of this audit"
                )
            ids = f"{t.count_id};{t.percent_id}"
            reason = f"no rounding of {t.count}/{n} gives {shown}"
        else:
            finding = f"no count out of {n} prints as {shown}%"
            follows = "the other printed values"
            ids = t.percent_id
            reason = f"no integer count out of {n} gives {shown}%"
        rows.append(
            {
                "id": f"grim_{t.percent_id}",
                "published_ids": ids,
                "check": "grim",
                "finding": finding,
                "follows": follows,
                "flagged_ids": t.percent_id,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


# --------------------------------------------------------------------------- Kaplan-Meier


def km_attainable(
    percent: float, n: int, decimals: int, *, max_steps: int = 200_000
) -> Fraction | None:
    """A Kaplan-Meier product with at most ``n`` at risk that prints as ``percent``.

    A KM estimate is a product of factors ``(r_i - d_i) / r_i`` over event times, with
    risk sets ``n >= r_1 > r_2 > ...`` and ``r_{i+1} <= r_i - d_i``. The search returns the
    first such product (as a fraction) that prints as ``percent``, or None when none
    does, or when ``max_steps`` products have been tried without success (then the
    answer is unknown, not "impossible"; the search is exhaustive for small n).

    Examples
    --------
    >>> km_attainable(90.9, 14, 1)
    Fraction(10, 11)
    >>> km_attainable(87.5, 8, 1)
    Fraction(7, 8)
    """
    target_hi = (percent + 0.5 * 10**-decimals) / 100 + 1e-12
    target_lo = (percent - 0.5 * 10**-decimals) / 100 - 1e-12
    steps = 0

    def search(surv: Fraction, max_risk: int) -> Fraction | None:
        nonlocal steps
        steps += 1
        if steps > max_steps:
            return None
        if target_lo <= surv <= target_hi:
            return surv
        if surv < target_lo:
            return None
        for r in range(max_risk, 0, -1):
            for d in range(1, r + 1):
                nxt = surv * Fraction(r - d, r)
                if nxt < target_lo:
                    if d == 1:  # smaller risk sets only shrink the factor further
                        return None
                    break
                found = search(nxt, r - d)
                if found is not None:
                    return found
        return None

    return search(Fraction(1), n)


# --------------------------------------------------------------------------- comparison


HALF_DOWN_MARK = "(✓)"
"""Mark of a match that holds only if the paper rounded an exact half down (see
:func:`half_down_only`)."""

FORCED_HALF_KINDS = frozenset({"percent"})
"""Kinds whose exact halves come from counts (6 of 32 is 18.75%): no cohort of that size
can move them off the half, and the paper rounds such halves both ways."""


def half_down_only(
    reproduced: float, published: float, decimals: int, kind: str = "", bound: str | None = None
) -> bool:
    """Whether a match rests on the paper having rounded an exact half down.

    True when ``reproduced`` lies exactly on a half at ``decimals``, the paper printed
    the lower neighbour, and the value is not of a kind in :data:`FORCED_HALF_KINDS`:
    a median or quartile the synthetic cohort's generator was free to put anywhere.
    The paper's printing of percentage halves both ways (2 of 32 as 6.2 and 6.3) says
    nothing about how it rounded such a statistic, so the match is conditional.

    Examples
    --------
    >>> half_down_only(22.65, 22.6, 1, "median"), half_down_only(18.75, 18.7, 1, "percent")
    (True, False)
    >>> half_down_only(48.449999999999996, 48.5, 1, "q1"), half_down_only(22.66, 22.6, 1)
    (False, False)
    """
    if bound or kind in FORCED_HALF_KINDS or reproduced is None or pd.isna(reproduced):
        return False
    scaled = float(reproduced) * 10 ** int(decimals)
    lower = math.floor(scaled + 1e-9 * max(1.0, abs(scaled)))
    if abs(scaled - lower - 0.5) > 1e-6 * max(1.0, abs(scaled)):
        return False
    return abs(float(published) * 10 ** int(decimals) - lower) < 1e-6


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


SHOWN_RULE = (
    "A book value that does not print as the paper's figure is shown exactly where a digit "
    "or two more make it exact (6 of 32 is 18.75%, beside the paper's 18.7: a percentage "
    "half rounds to either neighbour, and the paper rounds such halves both ways), and "
    "otherwise with as many more digits as it takes to show that it does not round to the "
    "paper's figure (4 of 21 is 19.048%, beside the paper's 19.1: 19.05 would round to it). "
    "A median or quartile that the paper prints as a whole number and that is not whole in "
    "the book is shown with at least one decimal, as the book's tables show it (1.75 "
    "beside the paper's 2)."
)
"""The rule :func:`shown` follows, in words, for the notes beside the marks."""


def shown(value: float, decimals: int, paper: float | None = None) -> str:
    """``value`` at ``decimals``; with more digits wherever that text is not the paper's.

    At the paper's precision a value that rounds to the paper's figure is shown as the
    paper prints it. A value that does not (a mismatch, a value flagged by the audit, or
    a value exactly on a half that the paper rounded the other way, such as 18.75 = 6 of
    32 beside the paper's 18.7) is shown exactly when at most two more digits make it
    exact, and otherwise with the fewest more digits (one or two) whose text does not
    round, halves up, to the paper's figure; the page never shows the book's value
    rounded into a number that is neither the book's nor the paper's (a third quartile
    of 2.8 printed as 3 beside the paper's 2). :data:`SHOWN_RULE` says this in words.

    Examples
    --------
    >>> shown(18.75, 1, paper=18.7), shown(18.75, 1, paper=18.8), shown(18.75, 1)
    ('18.75', '18.8', '18.8')
    >>> shown(40.05, 1, paper=40.0), shown(22.66, 1, paper=22.6), shown(2.8, 0, paper=2)
    ('40.05', '22.66', '2.8')

    A count stays whole (3 beside the paper's 1), an exact value keeps no trailing zero
    (4 of 32 is 12.5%, beside a paper's 12.4), and a value just off a half keeps a
    second extra digit (4 of 21 = 19.048%, not a false half 19.05, beside 19.1):

    >>> shown(3.0, 0, paper=1), shown(12.5, 1, paper=12.4), shown(100 * 4 / 21, 1, paper=19.1)
    ('3', '12.5', '19.048')
    """
    from nettx_utils.formatting import decimal_value, fixed

    if value is None or pd.isna(value):
        return "–"
    rounded = fixed(value, int(decimals))
    if paper is None or pd.isna(paper) or fixed(paper, int(decimals)) == rounded:
        return rounded
    paper_text, exact = fixed(paper, int(decimals)), decimal_value(value)
    text = rounded
    for extra in (0, 1, 2):
        text = fixed(value, int(decimals) + extra)
        if Decimal(text) == exact:
            return text
        if extra and fixed(float(text), int(decimals)) != paper_text:
            return text
    return text


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

COHORT_COLUMN = "Your cohort"
"""Header of the values of a cohort that is not the synthetic one."""

CONTEXT_EXCLUDED_KINDS = frozenset({"count", "p_value", "context"})
"""Kinds never set beside another cohort's values: counts and p-values grow with the
number of patients, and a ``context`` value is not about the patients at all."""

CONTEXT_KINDS = KINDS - CONTEXT_EXCLUDED_KINDS
"""Kinds of value set beside the paper's on another cohort: every kind of :data:`KINDS`
except :data:`CONTEXT_EXCLUDED_KINDS` (derived, so that the two cannot drift apart)."""

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


AUDIT_CHECK_LABELS = {
    "grim": "Percentage and count (GRIM)",
    "text_vs_table": "Text against table",
    "abstract_vs_table": "Abstract against table",
    "subtotal": "Subtotals",
    "rounding": "Rounding",
    "km_arithmetic": "Kaplan-Meier arithmetic",
    "definition": "Definition",
}
"""Readable names of the audit's checks (:data:`AUDIT_CHECKS`)."""


def audit_frame(
    audit: pd.DataFrame, published: pd.DataFrame, *, mode: str = "scored"
) -> pd.DataFrame:
    """The consistency audit as the report shows it: readable labels, no internal ids.

    Parameters
    ----------
    audit, published
        :func:`load_consistency_audit` and :func:`load_published_values` output.
    mode
        The report's mode (:func:`nettx_utils.pages.report.mode`): ``"scored"`` (synthetic
        cohort, the paper's choices), ``"changed"`` (synthetic cohort, other choices) or
        ``"context"`` (another cohort). Only the synthetic cohort has a column saying
        which value it follows; only a scored run has a score to leave values out of.

    Returns
    -------
    pandas.DataFrame
        Columns ``Check, Finding``, on the synthetic cohort ``The synthetic cohort
        follows``, and ``Left out of the score`` (scored run) or ``Left out of the
        comparison`` (other runs): the check by its :data:`AUDIT_CHECK_LABELS` name; the
        flagged values by where the paper prints them and their label (``Table 2: Ki-67
        above 20% at recurrence, percent``); "none" when the row flags nothing, followed
        by the row's reason where it gives one (why nothing is flagged).

    Examples
    --------
    >>> published = load_published_values()
    >>> audit = load_consistency_audit(published=published)
    >>> list(audit_frame(audit, published).columns)
    ['Check', 'Finding', 'The synthetic cohort follows', 'Left out of the score']
    >>> list(audit_frame(audit, published, mode="context").columns)
    ['Check', 'Finding', 'Left out of the comparison']
    """
    if mode not in ("scored", "changed", "context"):
        raise NettxError(f"mode must be 'scored', 'changed' or 'context', got {mode!r}")
    where = published.set_index("id")

    def labels(cell: str, reason: str) -> str:
        ids = _split_ids(cell)
        if not ids:
            return f"none: {reason}" if reason else "none"
        return "; ".join(f"{where.at[i, 'source']}: {where.at[i, 'label']}" for i in ids)

    frame = pd.DataFrame(
        {
            "Check": [AUDIT_CHECK_LABELS[c] for c in audit["check"]],
            "Finding": audit["finding"].tolist(),
        }
    )
    if mode != "context":
        frame["The synthetic cohort follows"] = audit["follows"].tolist()
    left_out = "Left out of the score" if mode == "scored" else "Left out of the comparison"
    frame[left_out] = [
        labels(c, r) for c, r in zip(audit["flagged_ids"], audit["reason"], strict=True)
    ]
    return frame

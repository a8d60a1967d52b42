"""Recompute every computable published value from a cohort, and score the result.

Each row of ``data/published_values.csv`` carries a ``spec``: a small recipe that
names the package function computing the value, so that the score uses exactly
what the notebooks use (:mod:`nettx_utils.paper.tables`, :mod:`nettx_utils.stats.survival`,
:mod:`nettx_utils.stats.association`, :mod:`nettx_utils.data.derived`).

Spec grammar
------------
::

    spec      := head [ "|" filter ]            filter: the patients the value is about
    head      := op ":" target [ "@" param ]
    filter    := predicate
    predicate := clause ( "&" clause )*         AND of clauses
    clause    := atom ( "+" atom )*             OR of atoms
    atom      := "all"                          every patient
               | name                           boolean column is true
               | "!" name                       boolean column is false
               | "?" name                       value recorded (not missing)
               | name op value                  op: = != < <= > >=; "=" and "!=" take
                                                comma-separated codes (T3,T4)

A missing value makes an atom false (also under ``!`` and ``!=``). Names are cohort
columns or the derived columns of :func:`derive`.

========================  =====================================================  ==========
op: target@param          value                                                  function
========================  =====================================================  ==========
table1:KEY@FIELD          field (n, percent, denominator, median, q1, q3) of     tables.table1
table2:KEY@FIELD          the table row with that key                            tables.table2
count:PREDICATE           patients satisfying the predicate                      (pandas)
percent:PREDICATE         100 x count / patients passing the filter (all if      (pandas)
                          none); use ``?col`` in the filter for "of recorded"
median:COL, q1:COL,       quartiles of the non-missing values                    quartiles.quartiles
q3:COL
km:OUTCOME@MONTHS         100 x Kaplan-Meier survival at MONTHS                  survival.fit_kaplan_meier
km_event:OUTCOME@MONTHS   100 x (1 - survival) at MONTHS                         survival.fit_kaplan_meier
km_median:OUTCOME         median survival time, months                           survival.fit_kaplan_meier
followup:OUTCOME          median follow-up, reverse Kaplan-Meier                 survival.median_followup
logrank:OUTCOME~GROUP     log-rank p across the levels of GROUP                  survival.logrank_test
mannwhitney:A,B           Mann-Whitney p, column A vs column B                   association.mann_whitney
mannwhitney:COL~GROUP     Mann-Whitney p of COL between the two levels of GROUP  association.mann_whitney
spearman:A,B@rho, A,B@p  Spearman's rho or its p-value                          association.spearman
screen_significant:       characteristics of Tables 1 and 2 (the screen's rows    univariable.univariable_screen
os_recurrence@ALPHA       of source Table 1 or 2, a shared split once) with
                          recurrence OS log-rank p < ALPHA (paper's cut-offs)
========================  =====================================================  ==========

Outcomes (:data:`OUTCOMES`): ``os_recurrence`` (months from recurrence to death or last
contact, event death), ``os_lt`` (months from LT: time to recurrence + time after it,
event death), ``up`` (months from recurrence to untreatable progression, event UP,
censored at death or last contact).

Examples: ``table1:sex=female@percent``; ``km:os_recurrence@60|recurrence_timing=late``;
``count:surgery_at_recurrence|recurrence_presentation=locoregional_ln``;
``logrank:os_recurrence~surgery_at_recurrence|mib1_recurrence_pct>2``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nettx_utils.data import derived
from nettx_utils.errors import NettxError
from nettx_utils.paper import tables, univariable
from nettx_utils.paper.comparison import compare
from nettx_utils.paper.published import flagged_ids
from nettx_utils.stats import association, quartiles, survival

__all__ = [
    "OPS",
    "OUTCOMES",
    "Atom",
    "Spec",
    "derive",
    "evaluate",
    "parse_predicate",
    "parse_spec",
    "reproduce_published",
    "score",
]

OUTCOMES: dict[str, tuple[str, str]] = {
    "os_recurrence": ("months_recurrence_to_last_followup", "died"),
    "os_lt": ("months_lt_to_last_followup", "died"),
    "up": ("months_recurrence_to_untreatable_progression", "untreatable_progression"),
}
"""Outcome name -> (duration column, event column), after :func:`derive`."""

TABLE_FIELDS = frozenset({"n", "percent", "denominator", "median", "q1", "q3"})
OPS = frozenset(
    {
        "table1",
        "table2",
        "count",
        "percent",
        "median",
        "q1",
        "q3",
        "km",
        "km_event",
        "km_median",
        "followup",
        "logrank",
        "mannwhitney",
        "spearman",
        "screen_significant",
    }
)
_COMPARATORS = ("!=", "<=", ">=", "=", "<", ">")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TRUE = frozenset({"yes", "true", "1"})
_FALSE = frozenset({"no", "false", "0"})


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Atom:
    """One condition on one column: ``kind`` is ``all``, ``true``, ``false``, ``known`` or
    a comparator; ``values`` holds the codes or the number compared with."""

    kind: str
    name: str = ""
    values: tuple[str, ...] = ()


Predicate = tuple[tuple[Atom, ...], ...]
"""Clauses joined by AND, each an OR of atoms."""


@dataclass(frozen=True)
class Spec:
    """A parsed spec (see the module docstring)."""

    op: str
    target: str
    param: str = ""
    filter: Predicate = ()
    text: str = field(default="", compare=False)


def _parse_atom(text: str, spec: str) -> Atom:
    text = text.strip()
    if not text:
        raise NettxError(f"spec {spec!r}: empty condition")
    if text == "all":
        return Atom("all")
    if text[0] in "!?" and _NAME.match(text[1:]):
        return Atom("false" if text[0] == "!" else "known", text[1:])
    if _NAME.match(text):
        return Atom("true", text)
    for op in _COMPARATORS:
        if op in text:
            name, _, value = text.partition(op)
            name, value = name.strip(), value.strip()
            if not _NAME.match(name) or not value:
                break
            if op in ("=", "!="):
                codes = tuple(v.strip() for v in value.split(","))
                if not all(codes):
                    break
                return Atom(op, name, codes)
            try:
                float(value)
            except ValueError:
                raise NettxError(f"spec {spec!r}: {value!r} in {text!r} is not a number") from None
            return Atom(op, name, (value,))
    raise NettxError(f"spec {spec!r}: cannot read the condition {text!r}")


def parse_predicate(text: str, spec: str = "") -> Predicate:
    """Parse ``clause & clause ...`` where a clause is ``atom + atom ...`` (OR)."""
    return tuple(
        tuple(_parse_atom(atom, spec or text) for atom in clause.split("+"))
        for clause in text.split("&")
    )


def _names(pred: Predicate) -> list[str]:
    return [atom.name for clause in pred for atom in clause if atom.name]


def parse_spec(text: str) -> Spec:
    """Parse a spec string; raise NettxError naming the spec when it is malformed.

    Examples
    --------
    >>> s = parse_spec("km:os_recurrence@60|recurrence_timing=late")
    >>> s.op, s.target, s.param, s.filter[0][0].values
    ('km', 'os_recurrence', '60', ('late',))
    """
    if not isinstance(text, str) or not text.strip():
        raise NettxError("empty spec")
    text = text.strip()
    head, sep, filter_text = text.partition("|")
    if sep and not filter_text.strip():
        raise NettxError(f"spec {text!r}: empty filter after '|'")
    op, colon, rest = head.partition(":")
    op = op.strip()
    if not colon or op not in OPS:
        raise NettxError(f"spec {text!r}: unknown operation {op!r} (one of {sorted(OPS)})")
    target, _, param = rest.rpartition("@") if "@" in rest else (rest, "", "")
    target, param = target.strip(), param.strip()
    if not target:
        raise NettxError(f"spec {text!r}: nothing to compute after {op!r}")
    filt = parse_predicate(filter_text, text) if sep else ()
    spec = Spec(op, target, param, filt, text)
    _check(spec)
    return spec


def _check(spec: Spec) -> None:
    """Per-operation checks of target and parameter."""
    t, p, op = spec.target, spec.param, spec.op

    def bad(msg: str) -> NettxError:
        return NettxError(f"spec {spec.text!r}: {msg}")

    if op in ("table1", "table2"):
        if p not in TABLE_FIELDS:
            raise bad(f"table field must be one of {sorted(TABLE_FIELDS)}, got {p!r}")
        if spec.filter:
            raise bad("a table value takes no filter")
    elif op in ("count", "percent"):
        if p:
            raise bad(f"{op} takes no '@' parameter")
        parse_predicate(t, spec.text)
    elif op in ("median", "q1", "q3"):
        if p or not _NAME.match(t):
            raise bad(f"{op} takes one column name")
    elif op in ("km", "km_event"):
        if t not in OUTCOMES:
            raise bad(f"unknown outcome {t!r} (one of {sorted(OUTCOMES)})")
        try:
            months = float(p)
        except ValueError:
            raise bad(f"{op} needs '@months', got {p!r}") from None
        if months < 0:
            raise bad("time must be >= 0")
    elif op in ("km_median", "followup"):
        if t not in OUTCOMES or p:
            raise bad(f"{op} takes one outcome (one of {sorted(OUTCOMES)})")
    elif op == "logrank":
        outcome, tilde, group = t.partition("~")
        if not tilde or outcome not in OUTCOMES or not _NAME.match(group) or p:
            raise bad("logrank needs 'OUTCOME~GROUP'")
    elif op == "mannwhitney":
        if p:
            raise bad("mannwhitney takes no '@' parameter")
        parts = re.split(r"[~,]", t)
        if len(parts) != 2 or not all(_NAME.match(x) for x in parts):
            raise bad("mannwhitney needs 'A,B' or 'COL~GROUP'")
    elif op == "screen_significant":
        try:
            alpha = float(p)
        except ValueError:
            raise bad(f"screen_significant needs '@alpha', got {p!r}") from None
        if t != "os_recurrence" or not 0 < alpha < 1:
            raise bad("screen_significant needs 'os_recurrence@ALPHA' with 0 < ALPHA < 1")
    elif op == "spearman":
        parts = t.split(",")
        if len(parts) != 2 or not all(_NAME.match(x) for x in parts) or p not in ("rho", "p"):
            raise bad("spearman needs 'A,B@rho' or 'A,B@p'")


# --------------------------------------------------------------------------- evaluation


def derive(cohort: pd.DataFrame, *, early_recurrence_months: float = 24) -> pd.DataFrame:
    """The cohort plus the derived columns specs may name (existing columns are kept).

    Added: ``recurrence_timing`` (early/late), ``mib1_recurrence_group`` (le2/2to20/gt20),
    ``recurrence_extent`` (single/multiple), ``single_site``, ``recurrence_presentation``
    (the four groups of the surgery-by-presentation statement), ``months_lt_to_last_followup``
    (OS from LT), ``mib1_change_primary_lt`` and ``mib1_change_lt_recurrence`` (per-patient
    % change), all from :mod:`nettx_utils.data.derived`. A derived column whose inputs the
    frame lacks is left out (a spec naming it then fails with a clear message).
    """
    out = cohort.copy()
    idx = out.index
    sites = [f"recurrence_site_{site}" for site in derived.RECURRENCE_SITES]
    makers: dict[str, tuple[list[str], Callable[[], Any]]] = {
        "recurrence_timing": (
            ["months_lt_to_recurrence"],
            lambda: derived.recurrence_timing(out, early_recurrence_months),
        ),
        "mib1_recurrence_group": (
            ["mib1_recurrence_pct"],
            lambda: derived.mib1_group(out["mib1_recurrence_pct"]),
        ),
        "recurrence_extent": (sites, lambda: derived.recurrence_extent(out)),
        "single_site": (sites, lambda: derived.single_site(out)),
        "recurrence_presentation": (
            [*sites, "recurrence_abdominal_ln_type"],
            lambda: derived.presentation(out),
        ),
        "months_lt_to_last_followup": (
            ["months_lt_to_recurrence", "months_recurrence_to_last_followup"],
            lambda: derived.os_from_lt_months(out),
        ),
        "mib1_change_primary_lt": (
            ["mib1_primary_pct", "mib1_lt_pct"],
            lambda: derived.percent_change(out["mib1_primary_pct"], out["mib1_lt_pct"]),
        ),
        "mib1_change_lt_recurrence": (
            ["mib1_lt_pct", "mib1_recurrence_pct"],
            lambda: derived.percent_change(out["mib1_lt_pct"], out["mib1_recurrence_pct"]),
        ),
    }
    for name, (inputs, make) in makers.items():
        if name in out.columns or not all(column in out.columns for column in inputs):
            continue  # kept as given, or not derivable from this frame
        values = make()
        out[name] = values if isinstance(values, pd.Series) else pd.Series(values, index=idx)
    return out


def _column(frame: pd.DataFrame, name: str, spec: str) -> pd.Series:
    if name not in frame.columns:
        raise NettxError(f"spec {spec!r}: the cohort has no column {name!r}")
    return frame[name]


def _is_boolean(series: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(series.dtype)


def _atom_mask(frame: pd.DataFrame, atom: Atom, spec: str) -> np.ndarray:
    if atom.kind == "all":
        return np.ones(len(frame), dtype=bool)
    col = _column(frame, atom.name, spec)
    known = col.notna().to_numpy()
    if atom.kind == "known":
        return known
    if atom.kind in ("true", "false"):
        if not _is_boolean(col):
            raise NettxError(f"spec {spec!r}: {atom.name!r} is not a yes/no column")
        values = col.fillna(atom.kind == "false").astype(bool).to_numpy()
        return known & (values if atom.kind == "true" else ~values)
    if atom.kind in ("=", "!="):
        if _is_boolean(col):
            wanted = set()
            for code in atom.values:
                if code.lower() in _TRUE:
                    wanted.add(True)
                elif code.lower() in _FALSE:
                    wanted.add(False)
                else:
                    raise NettxError(f"spec {spec!r}: {code!r} is not yes/no for {atom.name!r}")
            hit = col.astype("object").isin(wanted).to_numpy()
        else:
            hit = col.astype("object").astype(str).isin(atom.values).to_numpy()
        return known & (hit if atom.kind == "=" else ~hit)
    number = float(atom.values[0])
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        result = {
            "<": values < number,
            "<=": values <= number,
            ">": values > number,
            ">=": values >= number,
        }[atom.kind]
    return known & result


def evaluate(frame: pd.DataFrame, predicate: Predicate, spec: str = "") -> np.ndarray:
    """Boolean mask of the rows of ``frame`` that satisfy ``predicate`` (empty: all rows)."""
    mask = np.ones(len(frame), dtype=bool)
    for clause in predicate:
        any_atom = np.zeros(len(frame), dtype=bool)
        for atom in clause:
            any_atom |= _atom_mask(frame, atom, spec)
        mask &= any_atom
    return mask


class _Reproducer:
    """Evaluates specs on one cohort, caching the tables."""

    def __init__(self, cohort: pd.DataFrame, quantile_method: str) -> None:
        self.frame = derive(cohort)
        self.quantile_method = quantile_method
        self._tables: dict[str, pd.DataFrame] = {}
        self._screens: dict[str, pd.DataFrame] = {}

    def table(self, which: str) -> pd.DataFrame:
        if which not in self._tables:
            make = tables.table1 if which == "table1" else tables.table2
            self._tables[which] = make(self.frame, quantile_method=self.quantile_method)
        return self._tables[which]

    def screen(self, spec: Spec) -> pd.DataFrame:
        """The univariable screen of the spec's patients, one row per characteristic."""
        key = spec.text.partition("|")[2]
        if key not in self._screens:
            screen = univariable.univariable_screen(
                self.subset(spec), quantile_method=self.quantile_method, merge_identical=True
            )
            self._screens[key] = screen.drop_duplicates("variable")
        return self._screens[key]

    def subset(self, spec: Spec) -> pd.DataFrame:
        return self.frame[evaluate(self.frame, spec.filter, spec.text)]

    def survival_data(self, frame: pd.DataFrame, outcome: str, spec: str):
        duration, event = OUTCOMES[outcome]
        d = pd.to_numeric(_column(frame, duration, spec), errors="coerce")
        e = derived.event_flags(_column(frame, event, spec))
        keep = d.notna().to_numpy()
        return d[keep].to_numpy(dtype=float), e[keep].to_numpy(dtype=int)

    def value(self, spec: Spec) -> float:
        op, t = spec.op, spec.target
        if op in ("table1", "table2"):
            tab = self.table(op)
            found = tab[tab["key"] == t]
            if found.empty:
                return math.nan
            v = found.iloc[0][spec.param]
            return math.nan if pd.isna(v) else float(v)
        sub = self.subset(spec)
        if op in ("count", "percent"):
            hits = int(evaluate(sub, parse_predicate(t, spec.text), spec.text).sum())
            if op == "count":
                return float(hits)
            return 100.0 * hits / len(sub) if len(sub) else math.nan
        if op in ("median", "q1", "q3"):
            q = quartiles.quartiles(_column(sub, t, spec.text), method=self.quantile_method)
            return float(getattr(q, op))
        if op in ("km", "km_event", "km_median", "followup"):
            d, e = self.survival_data(sub, t, spec.text)
            if d.size == 0:
                return math.nan
            if op == "followup":
                return float(survival.median_followup(d, e).estimate)
            km = survival.fit_kaplan_meier(d, e)
            if op == "km_median":
                return float(km.median_.estimate)
            s = _survival_at(km, float(spec.param), d, e)
            return 100.0 * (s if op == "km" else 1.0 - s)
        if op == "logrank":
            outcome, _, group = t.partition("~")
            groups = _column(sub, group, spec.text).astype("object")
            duration, _event = OUTCOMES[outcome]
            keep = groups.notna() & sub[duration].notna()
            if groups[keep].nunique() < 2:
                return math.nan
            d, e = self.survival_data(sub[keep], outcome, spec.text)
            labels = groups[keep].astype(str).to_numpy()
            return float(survival.logrank_test(d, e, labels).p_value)
        if op == "mannwhitney":
            if "~" in t:
                col, _, group = t.partition("~")
                groups = _column(sub, group, spec.text).astype("object")
                levels = sorted(groups.dropna().unique(), key=str)
                if len(levels) != 2:
                    return math.nan
                values = pd.to_numeric(_column(sub, col, spec.text), errors="coerce")
                x, y = values[groups == levels[0]], values[groups == levels[1]]
            else:
                a, b = t.split(",")
                x = pd.to_numeric(_column(sub, a, spec.text), errors="coerce")
                y = pd.to_numeric(_column(sub, b, spec.text), errors="coerce")
            return float(association.mann_whitney(x.to_numpy(), y.to_numpy()).p_value)
        if op == "spearman":
            a, b = t.split(",")
            res = association.spearman(
                pd.to_numeric(_column(sub, a, spec.text), errors="coerce").to_numpy(dtype=float),
                pd.to_numeric(_column(sub, b, spec.text), errors="coerce").to_numpy(dtype=float),
            )
            return float(res.rho if spec.param == "rho" else res.p_value)
        if op == "screen_significant":
            # the paper counts characteristics of its Tables 1 and 2 only: the screen's
            # additions (source "Results") are not counted; a shared split counts once
            screen = self.screen(spec)
            tables_1_2 = screen["source"].isin(["Table 1", "Table 2"])
            return float((screen.loc[tables_1_2, "logrank_p"] < float(spec.param)).sum())
        raise NettxError(f"spec {spec.text!r}: operation {op!r} is not implemented")


def _survival_at(km: survival.KaplanMeier, months: float, d: np.ndarray, e: np.ndarray) -> float:
    """S(months); past the last observation it is 0 if the curve ended at 0, else NaN."""
    s = float(km.survival_at([months])["survival"].iloc[0])
    if math.isnan(s) and months > d.max():
        last = float(km.survival_at([d.max()])["survival"].iloc[0])
        return 0.0 if last == 0.0 else math.nan
    return s


def reproduce_published(
    cohort: pd.DataFrame, published: pd.DataFrame, *, quantile_method: str = "weibull"
) -> dict[str, float]:
    """Recompute every computable published value from ``cohort``.

    Parameters
    ----------
    cohort
        A cohort as returned by :func:`nettx_utils.data.cohort.load_cohort`.
    published
        Published values (:func:`nettx_utils.paper.published.load_published_values`).
    quantile_method
        Quartile convention for medians and IQRs (numpy method; ``"weibull"`` is SPSS's).

    Returns
    -------
    dict
        Published id -> recomputed value (NaN when the cohort cannot give it, e.g. a
        Kaplan-Meier landmark beyond follow-up). Non-computable rows are left out.

    Raises
    ------
    NettxError
        When a spec is malformed (the message names the published id). A value the
        cohort cannot give (an empty group, a missing column) is NaN instead.
    """
    worker = _Reproducer(cohort, quantile_method)
    out: dict[str, float] = {}
    for row in published.itertuples(index=False):
        if not row.computable:
            continue
        try:
            spec = parse_spec(row.spec)
        except NettxError as exc:
            raise NettxError(f"published value {row.id}: {exc}") from None
        try:
            out[row.id] = worker.value(spec)
        except NettxError:
            # The cohort cannot give this value (an empty group, a column with no
            # values): it counts as not reproduced rather than stopping the book.
            out[row.id] = math.nan
    return out


def score(
    cohort: pd.DataFrame,
    published: pd.DataFrame,
    audit: pd.DataFrame,
    *,
    quantile_method: str = "weibull",
) -> pd.DataFrame:
    """The comparison table: each published value, what the cohort gives, and the verdict.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, section, source, label, published, reproduced, match, flagged, mark,
        computable, kind, decimals, bound, unit, spec``: ``mark`` is ``"✓"``/``"✗"``, or ``"–"`` for a value that is not
        computable or that the audit flags as inconsistent (its ``match`` is still shown).
        :func:`nettx_utils.paper.comparison.score_line` summarises it.
    """
    reproduced = reproduce_published(cohort, published, quantile_method=quantile_method)
    table = compare(published, reproduced, flagged=flagged_ids(audit))
    return table.rename(columns={"value": "published", "match_mark": "mark"})[
        [
            "id",
            "section",
            "source",
            "label",
            "published",
            "reproduced",
            "match",
            "flagged",
            "mark",
            "computable",
            "kind",
            "decimals",
            "bound",
            "unit",
            "spec",
        ]
    ]

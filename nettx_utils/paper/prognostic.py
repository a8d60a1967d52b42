"""Univariable screen of prognostic factors for survival after recurrence.

The paper tested "all the pre- and post-LT patient-related and tumor-related
characteristics summarized in Table 1 and Table 2" at univariate analysis for
post-recurrence overall survival (OS: ``months_recurrence_to_last_followup``,
event ``died``), and found only the time from LT to recurrence significant
(≤24 vs >24 months). This module repeats that screen, one log-rank test per
characteristic, with every grouping rule stated in the output:

- **Categories** (``"categories"``): one k-group log-rank over every level with at
  least one patient; patients with a missing value are left out (counted in
  ``n_missing``). Sparse levels are pooled only when asked
  (``pool_sparse_at_most``), and the row then says so.
- **Booleans** (``"yes/no"``): two groups, missing left out.
- **Continuous variables**: split at the paper's cut-off where it has one (time from
  diagnosis to LT at 24 months, time from LT to recurrence at
  ``early_recurrence_months``, Mib-1 at recurrence at ``mib1_threshold_pct``), all
  others at the cohort's median. The cut-off itself goes in the lower group
  (``≤``), as in the paper and :func:`nettx_utils.data.derived.split_at`.
- **Derived groupings** of Table 2 (single vs multiple sites, the single-site
  location, the Mib-1 categories, surgical vs non-surgical predominant treatment)
  come from :mod:`nettx_utils.data.derived`.

The landmark OS of each group is the Kaplan-Meier estimate of
:func:`nettx_utils.stats.survival.fit_kaplan_meier`; it is NaN when the group's follow-up
ends, censored, before the landmark, and 0 when the curve has already dropped to 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist

from nettx_utils.data import derived
from nettx_utils.data.cohort import load_dictionary
from nettx_utils.errors import NettxError
from nettx_utils.formatting import format_p
from nettx_utils.stats.hazard import fit_problem, p_phrase, profile_interval
from nettx_utils.stats.quartiles import quartiles
from nettx_utils.stats.survival import fit_kaplan_meier, logrank_test

__all__ = [
    "InteractionTest",
    "ScreenSpec",
    "default_screen",
    "identical_splits",
    "interaction_text",
    "mib1_missing_by_treatment_text",
    "published_screen_p",
    "same_split_as_paper",
    "same_split_text",
    "screen_caption",
    "screen_count_text",
    "screen_rows_note",
    "screen_summary",
    "screen_table",
    "strata_sizes_text",
    "strata_table",
    "surgery_mib1_interaction",
    "surgery_within_mib1_strata",
    "univariable_screen",
]

DURATION = "months_recurrence_to_last_followup"
EVENT = "died"
UNIT_SHORT = {"months": "mo", "years": "y", "%": "%", "ng/mL": "ng/mL", "count": ""}
DIAGNOSIS_TO_LT_CUTOFF_MONTHS = 24.0
# The paper's own cut-offs of the two run parameters (Figure 3C/Abstract; Figure 3/Table 2).
PAPER_EARLY_RECURRENCE_MONTHS = 24.0
PAPER_MIB1_THRESHOLD_PCT = 2.0
# The paper's landmark for survival by group (5-year OS in Figure 3 and the Results).
PAPER_LANDMARK_YEARS = 5.0
# Characteristics known only after time zero (the recurrence): the treatments of the
# recurrence and their outcome. Grouping by them credits a group with the time its
# patients had to survive to get there (immortal-time / guarantee-time bias).
POST_BASELINE = frozenset({
    "surgery_at_recurrence", "surgery_complete_removal", "predominant_treatment",
    "predominant_treatment_surgical", "predominant_treatment_response", "treatment_ssa",
    "treatment_chemotherapy", "treatment_prrt", "treatment_radiotherapy", "treatment_none",
})  # fmt: skip
POST_BASELINE_MARK = "†"
# Groups this small make the log-rank test's asymptotic chi-squared p unreliable.
SPARSE_GROUP_AT_MOST = 2
"""The paper's split of the time from diagnosis to LT (Table 1)."""
SITE_COLUMNS = tuple(f"recurrence_site_{site}" for site in derived.RECURRENCE_SITES)

Kind = Literal["categories", "boolean", "cutoff", "derived"]


@dataclass(frozen=True)
class ScreenSpec:
    """How one characteristic is grouped for the log-rank screen.

    Parameters
    ----------
    key
        Unique name of the characteristic (the cohort column, or a derived name).
    label
        Printed name of the characteristic.
    kind
        ``"categories"`` (levels of a category column), ``"boolean"`` (yes/no),
        ``"cutoff"`` (number split at ``cutoff``) or ``"derived"`` (``derive(cohort)``
        returns group codes).
    columns
        Cohort columns needed; if one is absent the characteristic is skipped with a note.
    source
        Where the characteristic is reported in the paper ("Table 1", "Table 2", "Results").
    levels
        ``(code, label)`` pairs in display order; for booleans the codes are ``"no"`` and
        ``"yes"``, for cut-offs ``"le"`` and ``"gt"``.
    cutoff, cutoff_rule
        The split of a ``"cutoff"`` characteristic and whether it is the paper's
        (``"paper"``) or the cohort's median (``"median"``).
    unit
        Unit printed after the cut-off (``"mo"``, ``"%"``...).
    derive
        For ``"derived"``: function of the cohort returning group codes (missing = left out).
    pool_sparse_at_most
        Levels with 1 to this many patients are pooled into one group (0: never).
    note
        Printed with every row (e.g. "among patients operated").
    rule
        Printed grouping rule of a ``"derived"`` characteristic (``split_rule``).

    Cut-off labels are rounded to 2 decimals; the split uses the exact value.
    """

    key: str
    label: str
    kind: Kind
    columns: tuple[str, ...]
    source: str
    levels: tuple[tuple[str, str], ...] = ()
    cutoff: float | None = None
    cutoff_rule: Literal["paper", "median"] | None = None
    unit: str = ""
    derive: Callable[[pd.DataFrame], object] | None = None
    pool_sparse_at_most: int = 0
    note: str = ""
    rule: str = ""
    paper_cutoff: float | None = None

    def __post_init__(self) -> None:
        if not self.levels:
            raise NettxError(f"screen spec {self.key!r} lists no groups (levels)")
        if self.kind == "derived" and self.derive is None:
            raise NettxError(f"derived screen spec {self.key!r} needs a derive function")
        if self.kind == "cutoff" and self.cutoff_rule not in ("paper", "median"):
            raise NettxError(f"cut-off screen spec {self.key!r} needs cutoff_rule paper or median")
        if self.kind != "derived" and len(self.columns) != 1:
            raise NettxError(f"screen spec {self.key!r} of kind {self.kind} needs one column")

    @property
    def split_rule(self) -> str:
        """The grouping rule as printed, e.g. ``"paper's cut-off 24 mo"`` or ``"median = 49.5 y"``."""
        if self.kind == "cutoff":
            if self.cutoff is None or not np.isfinite(self.cutoff):
                return f"{self.cutoff_rule or 'cut-off'} (no values)"
            cut = f"{_fmt(self.cutoff)}{_sep(self.unit)}{self.unit}"
            if self.cutoff_rule != "paper":
                return f"median = {cut}"
            if self.paper_cutoff is None or np.isclose(self.cutoff, self.paper_cutoff):
                return f"paper's cut-off {cut}"
            paper = f"{_fmt(self.paper_cutoff)}{_sep(self.unit)}{self.unit}"
            return f"this run's cut-off {cut} (the paper: {paper})"
        return self.rule or {"categories": "categories", "boolean": "yes/no"}.get(
            self.kind, "derived groups"
        )

    def groups(self, cohort: pd.DataFrame) -> pd.Series:
        """Group label of each patient (categorical in display order; missing = left out)."""
        column = cohort[self.columns[0]] if self.columns else None
        if self.kind == "categories":
            codes = pd.Series(column, index=cohort.index)
        elif self.kind == "boolean":
            flags = pd.Series(column, index=cohort.index).astype("boolean")
            yes = flags.to_numpy(dtype="int8", na_value=-1)  # -1 missing, 0 no, 1 yes
            codes = pd.Categorical.from_codes(yes, categories=["no", "yes"])
        elif self.kind == "cutoff":
            values = pd.to_numeric(column, errors="coerce").astype("float64")
            codes = derived.split_at(values, float(self.cutoff), ("le", "gt"))
        else:
            codes = self.derive(cohort)
        return pd.Series(_labelled(codes, dict(self.levels)), index=cohort.index)


def _labelled(codes: object, labels: dict[str, str]) -> pd.Categorical:
    """Group codes as their labels, a categorical in the order of ``labels``.

    Codes that ``labels`` does not list, and missing ones, become missing. The
    distinct codes are looked up once (a categorical's own categories, else
    :func:`pandas.factorize`), not once per patient.
    """
    if isinstance(getattr(codes, "dtype", None), pd.CategoricalDtype):
        categorical = pd.Categorical(codes)
        position, uniques = np.asarray(categorical.codes), categorical.categories
    else:
        position, uniques = pd.factorize(np.asarray(codes, dtype=object).ravel())
    order = {label: i for i, label in enumerate(labels.values())}
    recode = [-1 if pd.isna(u) else order.get(labels.get(u), -1) for u in uniques]
    new = np.asarray([*recode, -1])[position]  # position -1 (missing) picks the last -1
    return pd.Categorical.from_codes(new, categories=list(order))


def _fmt(x: float | None) -> str:
    return "NaN" if x is None or not np.isfinite(x) else f"{round(float(x), 2):g}"


def _sep(unit: str) -> str:
    return "" if unit in ("", "%") else " "


def _complete_removal_spec(source: str) -> ScreenSpec:
    """Complete removal at surgery as the paper defines it (every site removed *and* a
    complete response 3 months later; :func:`nettx_utils.data.derived.complete_removal`),
    among the operated patients: one definition for the screen and chapter 3."""

    def groups(cohort: pd.DataFrame) -> pd.Series:
        removal = derived.complete_removal(cohort)
        codes = np.where(removal["complete"], "yes", "no")
        return pd.Series(codes, index=cohort.index).where(removal["operated"])

    return ScreenSpec(
        "surgery_complete_removal",
        "Complete removal at surgery (every site removed and a complete response)",
        "derived",
        ("surgery_at_recurrence", "surgery_complete_removal", "predominant_treatment_response"),
        source,
        levels=(("no", "No"), ("yes", "Yes")),
        derive=groups,
        note="among patients operated at recurrence",
        rule="yes/no (the paper's definition)",
    )


def _lrt_count_spec(
    cohort: pd.DataFrame, label: str, source: str, quantile_method: str
) -> ScreenSpec:
    """Number of pre-LT locoregional treatments, an untreated patient counting 0
    (:func:`nettx_utils.data.derived.pre_lt_lrt_count`), split at the median of the treated
    patients (Table 1's median)."""
    columns = ("n_pre_lt_lrt", "pre_lt_locoregional")
    present = all(c in cohort for c in columns)
    counts = derived.pre_lt_lrt_count(cohort) if present else pd.Series(dtype="float64")
    treated = counts[counts > 0]
    cut = quartiles(treated.astype("float64"), quantile_method).median
    text = _fmt(cut)
    return ScreenSpec(
        "n_pre_lt_lrt",
        label,
        "derived",
        columns,
        source,
        levels=(("le", f"≤{text}"), ("gt", f">{text}")),
        derive=lambda c: derived.split_at(derived.pre_lt_lrt_count(c), cut, ("le", "gt")),
        rule=f"median of the treated = {text}; untreated count 0",
    )


def _cutoff_spec(
    key: str,
    label: str,
    source: str,
    cutoff: float,
    rule: str,
    unit: str,
    paper_cutoff: float | None = None,
) -> ScreenSpec:
    cut = f"{_fmt(cutoff)}{_sep(unit)}{unit}"
    return ScreenSpec(
        key, label, "cutoff", (key,), source,
        levels=(("le", f"≤{cut}"), ("gt", f">{cut}")),
        cutoff=cutoff, cutoff_rule=rule, unit=unit, paper_cutoff=paper_cutoff,
    )  # fmt: skip


def default_screen(
    cohort: pd.DataFrame,
    *,
    early_recurrence_months: float = 24,
    mib1_threshold_pct: float = 2,
    quantile_method: str = "weibull",
    pool_sparse_at_most: int = 0,
) -> list[ScreenSpec]:
    """Every characteristic of Tables 1 and 2, plus the recurrence treatments, as specs.

    Columns of the data dictionary whose ``feeds`` starts with "Table 1" or "Table 2"
    (in dictionary order), the derived groupings of Table 2, and three characteristics
    the Results describe (CgA above the reference limit at recurrence, complete removal
    at surgery, predominant treatment surgical vs not). Medians are taken on the given
    ``cohort`` with ``quantile_method`` (see :func:`nettx_utils.stats.quartiles.quartiles`).

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> specs = {s.key: s for s in default_screen(load_cohort(), early_recurrence_months=36)}
    >>> specs["months_lt_to_recurrence"].split_rule
    "this run's cut-off 36 mo (the paper: 24 mo)"
    >>> specs["months_diagnosis_to_lt"].split_rule
    "paper's cut-off 24 mo"
    """
    dictionary = load_dictionary()
    paper_cuts = {
        "months_diagnosis_to_lt": DIAGNOSIS_TO_LT_CUTOFF_MONTHS,
        "months_lt_to_recurrence": float(early_recurrence_months),
        "mib1_recurrence_pct": float(mib1_threshold_pct),
    }
    papers_own = {
        "months_diagnosis_to_lt": DIAGNOSIS_TO_LT_CUTOFF_MONTHS,
        "months_lt_to_recurrence": PAPER_EARLY_RECURRENCE_MONTHS,
        "mib1_recurrence_pct": PAPER_MIB1_THRESHOLD_PCT,
    }
    boolean_labels = {"primary_functioning": ("Not functioning", "Functioning")}
    notes = {
        "recurrence_abdominal_ln_type": "among patients with abdominal lymph-node recurrence",
    }
    extra_columns = ("cga_recurrence_elevated", "surgery_complete_removal")
    specs: list[ScreenSpec] = []
    for col in dictionary.columns:
        source = col.feeds.split(",")[0].strip()
        if not (source in ("Table 1", "Table 2") or col.name in extra_columns):
            continue
        if col.name == "surgery_complete_removal":
            specs.append(_complete_removal_spec(source))
            continue
        if col.name == "n_pre_lt_lrt":
            specs.append(_lrt_count_spec(cohort, col.label, source, quantile_method))
            continue
        if col.type == "category":
            specs.append(
                ScreenSpec(
                    col.name, col.label, "categories", (col.name,), source,
                    levels=tuple(col.levels.items()), pool_sparse_at_most=pool_sparse_at_most,
                    note=notes.get(col.name, ""),
                )
            )  # fmt: skip
        elif col.type == "boolean":
            no, yes = boolean_labels.get(col.name, ("No", "Yes"))
            specs.append(
                ScreenSpec(
                    col.name, col.label, "boolean", (col.name,), source,
                    levels=(("no", no), ("yes", yes)), note=notes.get(col.name, ""),
                )
            )  # fmt: skip
        elif col.type in ("number", "integer"):
            unit = UNIT_SHORT.get(col.unit or "", col.unit or "")
            if col.name in paper_cuts:
                cut, rule = paper_cuts[col.name], "paper"
            else:
                values = cohort[col.name] if col.name in cohort else pd.Series(dtype=float)
                cut, rule = quartiles(values.astype("float64"), quantile_method).median, "median"
            own = papers_own.get(col.name)
            specs.append(_cutoff_spec(col.name, col.label, source, cut, rule, unit, own))
        if col.name == "mib1_recurrence_pct":
            cuts = (2, 20)
            specs.append(
                ScreenSpec(
                    "mib1_recurrence_group", "Mib-1 % of recurrence (Table 2 categories)",
                    "derived", (col.name,), source,
                    levels=tuple(derived.mib1_group_labels(cuts).items()),
                    derive=lambda c, cuts=cuts: derived.mib1_group(c["mib1_recurrence_pct"], cuts),
                    rule="Table 2 cut-offs 2% and 20%",
                )
            )  # fmt: skip
            specs.append(
                ScreenSpec(
                    "recurrence_extent", "Site of recurrence (single vs multiple)", "derived",
                    SITE_COLUMNS, source, levels=(("single", "Single"), ("multiple", "Multiple")),
                    derive=derived.recurrence_extent, rule="1 site vs ≥2 sites",
                )
            )  # fmt: skip
            specs.append(
                ScreenSpec(
                    "single_site_location", "Single-site recurrence location", "derived",
                    SITE_COLUMNS, source, levels=tuple(derived.RECURRENCE_SITES.items()),
                    derive=derived.single_site, pool_sparse_at_most=pool_sparse_at_most,
                    note="among single-site recurrences", rule="categories",
                )
            )  # fmt: skip
        if col.name == "predominant_treatment":
            specs.append(
                ScreenSpec(
                    "predominant_treatment_surgical", "Predominant treatment surgical",
                    "derived", (col.name,), source,
                    levels=(("surgery", "Surgery"), ("other", "Non-surgical")),
                    derive=lambda c: c["predominant_treatment"].astype("object").map(
                        lambda v: v if pd.isna(v) else ("surgery" if v == "surgery" else "other")
                    ),
                    rule="surgery vs any other",
                )
            )  # fmt: skip
    return specs


def cutoff_text(value: float, paper_value: float, unit: str) -> str:
    """A run's cut-off for the prose: the paper's, or this run's with the paper's beside it.

    Examples
    --------
    >>> cutoff_text(24, PAPER_EARLY_RECURRENCE_MONTHS, " months")
    "24 months (the paper's cut-off)"
    >>> cutoff_text(5, PAPER_MIB1_THRESHOLD_PCT, "%")
    "5% (this run's cut-off; the paper's is 2%)"
    """
    if np.isclose(float(value), float(paper_value)):
        return f"{_fmt(value)}{unit} (the paper's cut-off)"
    return f"{_fmt(value)}{unit} (this run's cut-off; the paper's is {_fmt(paper_value)}{unit})"


def _pool(groups: pd.Series, at_most: int) -> tuple[pd.Series, str]:
    """Pool levels with 1..``at_most`` patients into one group; returns groups and a note."""
    counts = groups.value_counts()
    sparse = [g for g in groups.cat.categories if 0 < counts[g] <= at_most]
    if at_most <= 0 or len(sparse) < 2:
        return groups, ""
    pooled = "Pooled: " + ", ".join(sparse)
    kept = [g for g in groups.cat.categories if g not in sparse]
    out = groups.astype("object").replace(dict.fromkeys(sparse, pooled))
    note = f"levels with ≤{at_most} patients pooled ({', '.join(sparse)})"
    return pd.Series(pd.Categorical(out, categories=[*kept, pooled]), index=groups.index), note


def _landmark_pct(durations: np.ndarray, events: np.ndarray, months: float) -> float:
    """Kaplan-Meier survival at ``months`` in % (1 decimal); 0 once the curve is at 0."""
    km = fit_kaplan_meier(durations, events)
    value = float(km.survival_at([months])["survival"].iloc[0])
    if np.isnan(value) and km.table_["survival"].iloc[-1] == 0:
        value = 0.0  # every patient has died before the landmark: S stays 0
    return round(100 * value, 1)


def _partition(spec: ScreenSpec, cohort: pd.DataFrame) -> tuple | None:
    """The tested patients' partition as a comparable key (row positions of each non-empty
    group, sorted), or None when the characteristic is not tested as two or more groups.

    Two characteristics with the same key split the same patients the same way: the
    same log-rank test under two names, whatever their group labels.
    """
    if any(c not in cohort for c in spec.columns):
        return None
    groups, _ = _pool(spec.groups(cohort), spec.pool_sparse_at_most)
    codes = groups.cat.codes.to_numpy()
    blocks = [tuple(np.flatnonzero(codes == k)) for k in np.unique(codes[codes >= 0])]
    return tuple(sorted(blocks)) if len(blocks) >= 2 else None


def identical_splits(cohort: pd.DataFrame, specs: list[ScreenSpec]) -> dict[str, list[str]]:
    """Characteristics that repeat another's test: kept key -> the keys it stands for.

    Specs whose groups split the same patients the same way (:func:`_partition`) are
    one test. The one kept is a cohort column rather than a derived grouping, then the
    first in ``specs``; only keys with aliases are listed.

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> cohort = load_cohort()
    >>> identical_splits(cohort, default_screen(cohort))
    {'surgery_at_recurrence': ['predominant_treatment_surgical']}
    """
    by_partition: dict[tuple, list[ScreenSpec]] = {}
    for spec in specs:
        key = _partition(spec, cohort)
        if key is not None:
            by_partition.setdefault(key, []).append(spec)
    out = {}
    for same in by_partition.values():
        if len(same) > 1:
            kept = min(same, key=lambda s: (s.kind == "derived", specs.index(s)))
            out[kept.key] = [s.key for s in same if s is not kept]
    return out


def _screen_one(
    spec: ScreenSpec, cohort: pd.DataFrame, months: float, by_time: dict[str, np.ndarray]
) -> list[dict]:
    base = {"variable": spec.key, "characteristic": spec.label, "source": spec.source,
            "split_rule": spec.split_rule}  # fmt: skip
    absent = [c for c in spec.columns if c not in cohort]
    if absent:
        note = f"skipped: column {', '.join(absent)} not in this cohort"
        return [{**base, "group": None, "logrank_p": np.nan, "note": note}]
    groups = spec.groups(cohort)
    notes = [spec.note] if spec.note else []
    groups, pool_note = _pool(groups, spec.pool_sparse_at_most)
    notes += [pool_note] if pool_note else []
    # Everything below in the screen's one time order (by_time): each fit and test
    # then sorts data that are already sorted, and gives the same numbers.
    labels = groups.cat.categories
    codes = groups.cat.codes.to_numpy()[by_time["order"]]
    durations, events = by_time["durations"], by_time["events"]
    known = codes >= 0
    n_missing = int((~known).sum())
    if n_missing:
        notes.append(f"{n_missing} patient{'s' * (n_missing != 1)} with no value left out")
    rows = []
    for i, group in enumerate(labels):
        m = codes == i
        n, deaths = int(m.sum()), int(events[m].sum())
        os_pct = _landmark_pct(durations[m], events[m], months) if n else np.nan
        rows.append({**base, "group": group, "n": n, "deaths": deaths, "os_pct": os_pct})
    empty = [r["group"] for r in rows if r["n"] == 0]
    p = np.nan
    if len(rows) - len(empty) < 2:
        if empty:  # why the test cannot run; a level with no patient otherwise goes unsaid
            notes.append(f"no patient in {', '.join(empty)}")
        one = len(rows) - len(empty) == 1
        notes.append(
            ("only one group" if one else "no patient with a value") + " in this cohort: no test"
        )
    elif events[known].sum() == 0:
        notes.append("no deaths among these patients: no test")
    else:
        in_groups = pd.Categorical.from_codes(codes[known], categories=labels)
        p = logrank_test(durations[known], events[known], in_groups).p_value
    # A level with no patient is not a group of this cohort: it gets no row.
    kept = [row for row in rows if row["n"] > 0] or [{**base, "group": None, "n": 0, "deaths": 0}]
    for row in kept:
        row.update(n_missing=n_missing, logrank_p=p, note="; ".join(notes))
    return kept


def univariable_screen(
    cohort: pd.DataFrame,
    specs: list[ScreenSpec] | None = None,
    *,
    landmark_years: float = 5,
    alpha: float = 0.05,
    merge_identical: bool = False,
    **default_screen_kwargs: object,
) -> pd.DataFrame:
    """Log-rank test of post-recurrence OS for each characteristic, with its groups.

    Parameters
    ----------
    cohort
        A cohort as returned by :func:`nettx_utils.data.cohort.load_cohort`.
    specs
        The characteristics; :func:`default_screen` (given ``default_screen_kwargs``) if None.
    landmark_years
        Landmark of the Kaplan-Meier OS column, in years (the data are in months).
    alpha
        Significance level of the ``significant`` column.
    merge_identical
        Show a split once when several characteristics split the same patients the same
        way (:func:`identical_splits`): the others' rows are dropped, their names listed
        in the kept row's ``aliases`` and ``note``. Without it every characteristic has
        its rows (``aliases`` empty).

    Returns
    -------
    pandas.DataFrame
        One row per characteristic and group: ``variable, characteristic, source,
        split_rule, group, n, deaths, os_<landmark>y_pct, n_missing, logrank_p,
        significant, aliases, note``. ``attrs`` hold ``n_characteristics`` (specs
        screened) and ``n_tests`` (distinct tests with a p-value). Characteristics are kept together and sorted by
        ``logrank_p`` (untestable ones last, with the reason in ``note``). A
        characteristic whose column is absent is one row with ``group`` missing.

    Examples
    --------
    The whole screen is ``univariable_screen(cohort)``; here two characteristics only:

    >>> from nettx_utils.data.cohort import load_cohort
    >>> cohort = load_cohort()
    >>> keys = {"months_lt_to_recurrence", "sex"}
    >>> screen = univariable_screen(cohort, [s for s in default_screen(cohort) if s.key in keys])
    >>> screen.loc[screen["variable"] == "months_lt_to_recurrence", "group"].tolist()
    ['≤24 mo', '>24 mo']
    """
    for name in (DURATION, EVENT):
        if name not in cohort:
            raise NettxError(f"the cohort has no column {name!r}: post-recurrence OS needs it")
    if specs is None:
        specs = default_screen(cohort, **default_screen_kwargs)  # type: ignore[arg-type]
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise NettxError("two screen specs have the same key")
    months = 12 * float(landmark_years)
    # One sort of the durations for the whole screen (stable: ties keep the file's order).
    durations = cohort[DURATION].to_numpy(dtype=float)
    order = np.argsort(durations, kind="stable")
    by_time = {
        "order": order,
        "durations": durations[order],
        "events": derived.event_flags(cohort[EVENT]).to_numpy()[order],
    }
    aliases = identical_splits(cohort, specs) if merge_identical else {}
    merged = {key for keys_ in aliases.values() for key in keys_}
    label = {s.key: s.label for s in specs}
    rows = []
    for spec in specs:
        if spec.key in merged:
            continue
        also = [label[k] for k in aliases.get(spec.key, [])]
        for row in _screen_one(spec, cohort, months, by_time):
            if also:
                same = f"same split of the same patients as: {', '.join(also)} (one test)"
                row["note"] = "; ".join(filter(None, [row.get("note", ""), same]))
            rows.append({**row, "aliases": ", ".join(also)})
    os_col = f"os_{landmark_years:g}y_pct"
    columns = ["variable", "characteristic", "source", "split_rule", "group", "n", "deaths",
               "os_pct", "n_missing", "logrank_p", "aliases", "note"]  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=columns).rename(columns={"os_pct": os_col})
    for col in ("n", "deaths", "n_missing"):
        table[col] = table[col].astype("Int64")
    table[os_col] = table[os_col].astype("float64")
    table["logrank_p"] = table["logrank_p"].astype("float64")
    significant = pd.array(table["logrank_p"] < alpha, dtype="boolean")
    significant[table["logrank_p"].isna().to_numpy()] = pd.NA
    table.insert(table.columns.get_loc("logrank_p") + 1, "significant", significant)
    order = {key: i for i, key in enumerate(keys)}
    table["_order"] = table["variable"].map(order)
    table = table.sort_values(["logrank_p", "_order"], na_position="last", kind="stable")
    table = table.drop(columns="_order").reset_index(drop=True)
    tested = table.drop_duplicates("variable")["logrank_p"].notna().sum()
    table.attrs.update(
        landmark_years=landmark_years, alpha=alpha, os_column=os_col,
        n_characteristics=len(specs), n_tests=int(tested), aliases=aliases,
    )  # fmt: skip
    return table


def screen_summary(screen: pd.DataFrame) -> pd.DataFrame:
    """One row per characteristic, for the book: groups, n, deaths and OS as "a vs b".

    Empty groups are left out of the "vs" strings (the note names them). OS not
    estimable (follow-up too short) prints as ``n.e.``. ``mark`` is ``*`` where
    p < alpha.

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> cohort = load_cohort()
    >>> specs = [s for s in default_screen(cohort) if s.key == "months_lt_to_recurrence"]
    >>> summary = screen_summary(univariable_screen(cohort, specs))
    >>> summary.loc[0, ["groups", "split_rule"]].tolist()
    ['≤24 mo vs >24 mo', "paper's cut-off 24 mo"]
    """
    os_col = screen.attrs.get("os_column") or next(
        c for c in screen.columns if c.startswith("os_") and c.endswith("y_pct")
    )
    out = []
    for key, rows in screen.groupby("variable", sort=False):
        shown = rows[rows["n"].fillna(0) > 0]
        os_text = ["n.e." if pd.isna(v) else f"{v:.1f}%" for v in shown[os_col]]
        first = rows.iloc[0]
        significant = rows["significant"].iloc[0]
        out.append(
            {
                "variable": key,
                "characteristic": first["characteristic"],
                "split_rule": first["split_rule"],
                "groups": " vs ".join(map(str, shown["group"])),
                "n": " vs ".join(str(v) for v in shown["n"]),
                "deaths": " vs ".join(str(v) for v in shown["deaths"]),
                os_col: " vs ".join(os_text),
                "logrank_p": first["logrank_p"],
                "mark": "*" if pd.notna(significant) and bool(significant) else "",
                "note": first["note"],
            }
        )
    return pd.DataFrame(out)


def screen_table(screen: pd.DataFrame, paper: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The screen as a clinical table: one row per group, the characteristic, its split
    and its p-value printed on the first row of each block only.

    Columns: ``Characteristic, Split, Group, n, Deaths, <landmark> OS (%), Log-rank p,
    Note``; a characteristic known only after the recurrence (:data:`POST_BASELINE`)
    ends in ``†``; a tested block with a group of 1 to :data:`SPARSE_GROUP_AT_MOST`
    patients says in its note that the asymptotic p is unreliable; OS not estimable prints as ``n.e.``, p as ``–`` when untested (else by
    :func:`nettx_utils.formatting.format_p`), and a ``*`` follows a p below the screen's alpha.
    With ``paper`` (characteristic key -> text, e.g. from :func:`published_screen_p`), a
    column ``In the paper`` carries that text on the block's first row; a merged
    characteristic (``screen.attrs["aliases"]``) takes the text of any of its names.

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> cohort = load_cohort()
    >>> specs = [s for s in default_screen(cohort) if s.key == "months_lt_to_recurrence"]
    >>> table = screen_table(univariable_screen(cohort, specs), {"months_lt_to_recurrence": "yes"})
    >>> table[["Group", "Log-rank p", "In the paper"]].values.tolist()
    [['≤24 mo', '0.001 *', 'yes'], ['>24 mo', '', '']]
    """
    os_col = screen.attrs.get("os_column") or next(
        c for c in screen.columns if c.startswith("os_") and c.endswith("y_pct")
    )
    years = os_col.removeprefix("os_").removesuffix("y_pct")
    aliases = screen.attrs.get("aliases", {})
    rows = []
    for key, block in screen.groupby("variable", sort=False):
        names = [key, *aliases.get(key, [])]
        paper_text = next((paper[k] for k in names if paper and k in paper), "")
        mark = f" {POST_BASELINE_MARK}" if set(names) & POST_BASELINE else ""
        sizes = pd.to_numeric(block["n"], errors="coerce")
        sparse = bool(block["logrank_p"].notna().any()) and bool(
            sizes.between(1, SPARSE_GROUP_AT_MOST).any()
        )
        for i, row in enumerate(block.itertuples(index=False)):
            first = i == 0
            p = row.logrank_p
            p_text = "–" if pd.isna(p) else format_p(p)
            if pd.notna(row.significant) and bool(row.significant):
                p_text += " *"
            os_value = getattr(row, os_col)
            out = {
                "Characteristic": f"{row.characteristic}{mark}" if first else "",
                "Split": row.split_rule if first else "",
                "Group": row.group,
                "n": row.n,
                "Deaths": row.deaths,
                f"{years}-y OS (%)": "n.e." if pd.isna(os_value) else f"{os_value:.1f}",
                "Log-rank p": p_text if first else "",
            }
            if paper is not None:
                out["In the paper"] = paper_text if first else ""
            note = row.note if isinstance(row.note, str) else ""
            if sparse:
                small = (
                    f"a group of {SPARSE_GROUP_AT_MOST} or fewer patients: the asymptotic "
                    "chi-squared p is unreliable"
                )
                note = f"{note}; {small}" if note else small
            out["Note"] = note if first else ""
            rows.append(out)
    return pd.DataFrame(rows)


def published_screen_p(
    published: pd.DataFrame, early_recurrence_months: float = 24
) -> dict[str, float]:
    """The paper's log-rank p-values of whole-cohort screen rows: screen key -> p.

    Published values whose spec is ``logrank:os_recurrence~<grouping>`` (no subgroup).
    The paper's timing grouping (``recurrence_timing``) is the screen's time from LT to
    recurrence only at the paper's cut-off (``abs_ctx_late_cutoff``); at another cut-off
    that row is not the paper's test and is left out.

    Examples
    --------
    >>> from nettx_utils.paper.published import load_published_values
    >>> published = load_published_values()
    >>> sorted(published_screen_p(published))
    ['months_lt_to_recurrence', 'surgery_at_recurrence']
    >>> sorted(published_screen_p(published, early_recurrence_months=36))
    ['surgery_at_recurrence']
    """
    prefix = "logrank:os_recurrence~"
    cut = published.loc[published["id"] == "abs_ctx_late_cutoff", "value"]
    paper_cut = float(cut.iloc[0]) if len(cut) else float("nan")
    out: dict[str, float] = {}
    for row in published.itertuples(index=False):
        if not row.spec.startswith(prefix) or "|" in row.spec:
            continue
        key = row.spec.removeprefix(prefix)
        if key == "recurrence_timing":
            if float(early_recurrence_months) != paper_cut:
                continue
            key = "months_lt_to_recurrence"
        out.setdefault(key, float(row.value))
    return out


def screen_count_text(screen: pd.DataFrame) -> str:
    """How many distinct tests the screen ran, and how many to expect below alpha by chance.

    Counts from ``screen.attrs`` (:func:`univariable_screen`): characteristics screened,
    those that only repeat another's split of the same patients, and distinct tests
    with a p-value. ``alpha`` times the number of tests is the expected number of
    false alarms if no characteristic mattered.

    Examples
    --------
    >>> frame = pd.DataFrame()
    >>> frame.attrs.update(n_characteristics=51, n_tests=50, alpha=0.05, aliases={"a": ["b"]})
    >>> screen_count_text(frame)
    '51 characteristics were screened; 1 of them only repeats the split of another and is counted once: the screen ran 50 distinct tests. At the 0.05 level, about 2.5 of 50 tests would fall below it by chance alone even if no characteristic mattered'
    """
    n_char, n_tests = screen.attrs["n_characteristics"], screen.attrs["n_tests"]
    alpha = screen.attrs["alpha"]
    n_alias = sum(len(v) for v in screen.attrs.get("aliases", {}).values())
    untested = n_char - n_alias - n_tests
    parts = [f"{n_char} characteristics were screened"]
    if n_alias:
        verb = (
            "repeats the split of another and is"
            if n_alias == 1
            else "repeat the split of another and are"
        )
        parts.append(f"{n_alias} of them only {verb} counted once")
    if untested:
        parts.append(f"{untested} could not be tested on this cohort (see the notes)")
    return (
        "; ".join(parts) + f": the screen ran {n_tests} distinct tests. At the {alpha:g} "
        f"level, about {n_tests * alpha:.1f} of {n_tests} tests would fall below it by "
        "chance alone even if no characteristic mattered"
    )


def screen_caption(alpha: float, synthetic: bool) -> str:
    """The caption of the univariable screen, complete in itself for the exported files.

    It explains ``*``, ``n.e.`` and :data:`POST_BASELINE_MARK` in the caption (an exported
    file has no note below it) and, on the synthetic cohort, says that the rows the paper
    does not print are properties of the synthetic cohort only.

    Examples
    --------
    >>> "synthetic" in screen_caption(0.05, False), "synthetic cohort" in screen_caption(0.05, True)
    (False, True)
    >>> screen_caption(0.05, False).endswith("from the recurrence on risks immortal-time bias)")
    True
    """
    caption = (
        "Univariable screen for overall survival after recurrence, sorted by log-rank p "
        f"(* p < {alpha:g}; n.e. not estimable; {POST_BASELINE_MARK} known only after the "
        "recurrence: comparing them from the recurrence on risks immortal-time bias)"
    )
    if synthetic:
        caption += (
            ". Rows without an entry under In the paper: not printed by the paper; a "
            "property of the synthetic cohort only, not a finding"
        )
    return caption


def screen_rows_note(synthetic: bool) -> str:
    """Whose findings the screen's rows are: the sentence printed under the table.

    Examples
    --------
    >>> screen_rows_note(False)[:40]
    'Every row is computed from your cohort. '
    """
    if synthetic:
        from nettx_utils.paper.published import load_published_values

        values = load_published_values().set_index("id")["value"]
        complete = values["res_surgery_complete_n"]
        return (
            "Only the rows with an entry under *In the paper* are tests the paper reports; "
            "the paper also reports that no characteristic other than the time from LT to "
            "recurrence reached significance. The deaths, survival and p-values of the "
            "other rows, and the group sizes of the splits at a cohort median, at a "
            "cut-off other than the paper's, or by complete removal (the paper prints "
            f"{complete:g} complete removals, a count the consistency audit flags), are "
            "properties of the **synthetic cohort**, generated to agree with the paper's "
            "published numbers: they are not findings about the paper's patients. The other "
            "group sizes are printed by the paper (Tables 1 and 2, Results) or follow from "
            "its counts."
        )
    return (
        "Every row is computed from your cohort. *In the paper* marks the tests the paper "
        "reports for its own patients."
    )


def strata_sizes_text(
    stratified: pd.DataFrame, count_label: str = "", death_label: str = ""
) -> str:
    """Patients and deaths of each stratum of :func:`surgery_within_mib1_strata`, in words.

    ``count_label`` follows the numbers of patients, ``death_label`` the numbers of deaths,
    so that a label sits next to the numbers it describes (the paper's Table 2 prints
    the patients in each Mib-1 stratum, not their deaths).

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> strata_sizes_text(surgery_within_mib1_strata(load_cohort(), 2), "", " [x]")
    'Mib-1 ≤2%: 7 patients; Mib-1 >2%: 14 patients; deaths in them: 3 and 5 [x]'
    """
    sums = stratified.groupby("stratum", sort=False)[["n", "deaths"]].sum()
    counts = "; ".join(
        f"{stratum}: {int(row.n)} patient{'s' * (row.n != 1)}" for stratum, row in sums.iterrows()
    )
    deaths = " and ".join(str(int(d)) for d in sums["deaths"])
    return f"{counts}{count_label}; deaths in them: {deaths}{death_label}"


def printed_group_values(same_split: bool, same_landmark: bool, landmark_years: float) -> str:
    """What the paper prints of a two-group survival figure, at this run's choices.

    The paper prints, for its own split of the patients, each group's size and the
    log-rank p, and each group's survival at its landmark (5 years). ``same_split``
    says whether this figure splits the paper's patients as the paper does (the
    synthetic cohort at the paper's cut-off), ``same_landmark`` whether the landmark
    is the paper's. An empty string: none of the figure's values.

    Examples
    --------
    >>> printed_group_values(True, True, 5)
    "each group's size, its survival at 5 years and the log-rank p"
    >>> printed_group_values(True, False, 3)
    "each group's size and the log-rank p"
    >>> printed_group_values(False, True, 5)
    ''
    """
    if not same_split:
        return ""
    survival = f", its survival at {landmark_years:g} years" if same_landmark else ""
    return f"each group's size{survival} and the log-rank p"


def same_split_as_paper(cohort: pd.DataFrame, mib1_threshold_pct: float) -> bool:
    """True when Mib-1 at recurrence split at ``mib1_threshold_pct`` gives the very groups of
    the paper's cut-off (:data:`PAPER_MIB1_THRESHOLD_PCT`): no measured value lies between
    the two thresholds (above the lower, at most the higher).

    Examples
    --------
    >>> frame = pd.DataFrame({"mib1_recurrence_pct": [1.0, 2.0, 8.0, None]})
    >>> same_split_as_paper(frame, 5), same_split_as_paper(frame, 10)
    (True, False)
    """
    mib1 = pd.to_numeric(cohort["mib1_recurrence_pct"], errors="coerce").dropna()
    low, high = sorted((float(mib1_threshold_pct), PAPER_MIB1_THRESHOLD_PCT))
    return not ((mib1 > low) & (mib1 <= high)).any()


def same_split_text(cohort: pd.DataFrame, mib1_threshold_pct: float) -> str:
    """A sentence saying that this run's Mib-1 threshold splits the patients exactly as the
    paper's does, when it does and differs from the paper's; "" otherwise.

    Examples
    --------
    >>> frame = pd.DataFrame({"mib1_recurrence_pct": [1.0, 2.0, 8.0, None]})
    >>> same_split_text(frame, 5)[:62]
    'No patient of this cohort has a Mib-1 at recurrence above 2% a'
    >>> same_split_text(frame, 10), same_split_text(frame, 2)
    ('', '')
    """
    paper = PAPER_MIB1_THRESHOLD_PCT
    if float(mib1_threshold_pct) == paper or not same_split_as_paper(cohort, mib1_threshold_pct):
        return ""
    low, high = sorted((float(mib1_threshold_pct), paper))
    return (
        f"No patient of this cohort has a Mib-1 at recurrence above {low:g}% and at most "
        f"{high:g}%, so this run's threshold of {mib1_threshold_pct:g}% puts every patient "
        f"in the same stratum as the paper's {paper:g}%: the Mib-1 groups, and every test "
        "on them, are those of the paper's cut-off."
    )


def mib1_missing_by_treatment_text(cohort: pd.DataFrame, label: str = "") -> str:
    """How often Mib-1 at recurrence is missing among operated and other patients, in words.

    The strata of :func:`surgery_within_mib1_strata` hold only patients with a Mib-1 at
    recurrence; when it is missing more often in one treatment group, the stratified
    comparison keeps a different share of each group than the whole-cohort comparison.
    ``label`` follows the counts. Patients with no recorded treatment are left out.

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> mib1_missing_by_treatment_text(load_cohort())[:73]
    'Mib-1 at recurrence is missing for 3 of the 14 operated patients and 8 of'
    """
    operated = cohort["surgery_at_recurrence"].astype("boolean")
    missing = pd.to_numeric(cohort["mib1_recurrence_pct"], errors="coerce").isna()
    counts = {}
    for name, flag in (("operated", True), ("other", False)):
        members = (operated == flag).fillna(False).to_numpy(dtype=bool)
        counts[name] = (int(missing[members].sum()), int(members.sum()))
    (m1, n1), (m0, n0) = counts["operated"], counts["other"]
    numbers = (
        f"Mib-1 at recurrence is missing for {m1} of the {n1} operated patients and "
        f"{m0} of the {n0} others{label}"
    )
    if not n1 or not n0:
        return f"{numbers}; with one treatment group empty there is nothing to compare"
    if not m1 and not m0:
        return f"Mib-1 at recurrence is known for every patient with a recorded treatment{label}"
    if m1 * n0 == m0 * n1:
        return f"{numbers}: equally often in both groups, so the strata keep the same share of each"
    more = "operated patients" if m1 * n0 > m0 * n1 else "other patients"
    return (
        f"{numbers}: it is missing more often among the {more}, so the strata keep a "
        "different share of each treatment group than the whole-cohort comparison does, "
        "and if Mib-1 was measured more often in patients with a certain course (for "
        "example in resected specimens), the patients within each stratum are not a "
        "random part of their treatment group"
    )


def strata_support_text(
    cohort: pd.DataFrame, mib1_threshold_pct: float, landmark_months: float
) -> str:
    """What each Kaplan-Meier estimate of :func:`surgery_within_mib1_strata` at the landmark
    rests on (:func:`nettx_utils.stats.landmark.support_text`), stratum by stratum.

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> "carries the 0%" in strata_support_text(load_cohort(), 2, 60)
    True
    """
    from nettx_utils.stats.landmark import curve_support, support_text

    mib1 = pd.to_numeric(cohort["mib1_recurrence_pct"], errors="coerce")
    operated = cohort["surgery_at_recurrence"].astype("boolean")
    months = cohort[DURATION].astype(float).to_numpy()
    died = derived.event_flags(cohort[EVENT]).to_numpy(dtype=int)
    parts = []
    for stratum, members in (
        (f"Mib-1 ≤{mib1_threshold_pct:g}%", mib1 <= mib1_threshold_pct),
        (f"Mib-1 >{mib1_threshold_pct:g}%", mib1 > mib1_threshold_pct),
    ):
        for name, flag in (("surgery", True), ("no-surgery", False)):
            mask = (members & (operated == flag)).fillna(False).to_numpy(dtype=bool)
            if mask.any():
                support = curve_support(months[mask], died[mask], landmark_months)
                parts.append(support_text(support, landmark_months, f"{stratum} {name}"))
    return "; ".join(parts) if parts else "no stratum has patients"


def strata_contrast_text(stratified: pd.DataFrame, alpha: float = 0.05) -> str:
    """Why two per-stratum p-values do not answer the interaction question, in words that
    match the p-values of :func:`surgery_within_mib1_strata`.

    Examples
    --------
    >>> frame = pd.DataFrame({"stratum": ["a", "a", "b", "b"], "logrank_p": [0.2, 0.2, 0.01, 0.01]})
    >>> strata_contrast_text(frame)[:60]
    'a p-value below the threshold in one stratum but not in the '
    >>> strata_contrast_text(frame.assign(logrank_p=0.0001))[:45]
    'p-values below the threshold in both strata d'
    """
    p = stratified.groupby("stratum", sort=False)["logrank_p"].first().to_numpy(dtype=float)
    if len(p) != 2 or np.isnan(p).any():
        return (
            "separate p-values in each stratum (not computable in every stratum here) "
            "cannot show whether surgery works differently in the two"
        )
    below = int((p < alpha).sum())
    if below == 1:
        return (
            "a p-value below the threshold in one stratum but not in the other does not "
            "show that surgery works differently in the two"
        )
    where = "below" if below == 2 else "above"
    return (
        f"p-values {where} the threshold in both strata do not show that surgery works "
        "alike in the two"
    )


def strata_table(stratified: pd.DataFrame) -> pd.DataFrame:
    """:func:`surgery_within_mib1_strata` as a clinical table: a ``Stratum`` column, then
    :func:`screen_table`'s columns, surgery groups named "Surgery" and "No surgery".

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> table = strata_table(surgery_within_mib1_strata(load_cohort(), 2))
    >>> table[["Stratum", "Group", "Log-rank p"]].values.tolist()[:2]
    [['Mib-1 ≤2%', 'No surgery', '0.225'], ['', 'Surgery', '']]
    """
    parts = []
    for stratum, block in stratified.groupby("stratum", sort=False):
        table = screen_table(block.drop(columns="stratum").reset_index(drop=True))
        table = table.drop(columns=["Characteristic", "Split"])
        names = {"No": "No surgery", "Yes": "Surgery"}
        table["Group"] = table["Group"].map(names)
        for old, new in names.items():  # the screen's notes name the groups too
            table["Note"] = table["Note"].str.replace(rf"\bin {old}\b", f"in {new}", regex=True)
        table.insert(0, "Stratum", [stratum] + [""] * (len(table) - 1))
        parts.append(table)
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class InteractionTest:
    """Likelihood-ratio test of surgery x high Mib-1 in a Cox model (NaN: not computed).

    ``ratio`` is the interaction's hazard ratio (the surgery hazard ratio at high Mib-1
    divided by the one at low Mib-1) with its Wald 95% interval (``lower``, ``upper``)
    and its profile-likelihood 95% interval (``profile_lower``, ``profile_upper``;
    :func:`nettx_utils.stats.hazard.profile_interval`); ``note`` says why nothing was
    computed, or is empty.
    """

    n: int
    deaths: int
    chi2: float
    p: float
    ratio: float
    lower: float
    upper: float
    note: str
    profile_lower: float = float("nan")
    profile_upper: float = float("nan")


def surgery_mib1_interaction(
    cohort: pd.DataFrame, mib1_threshold_pct: float = 2
) -> InteractionTest:
    """Does the effect of surgery differ between Mib-1 strata? A test of interaction.

    Among patients with Mib-1 at recurrence, two Cox models of post-recurrence OS
    (lifelines ``CoxPHFitter``, Efron ties, no penalty): surgery + high Mib-1 (above
    ``mib1_threshold_pct``), and the same plus their product. Twice the gain in
    log-likelihood is the likelihood-ratio statistic, chi-squared with 1 degree of
    freedom (asymptotic). The interaction's hazard ratio gets a Wald (log scale) and a
    profile-likelihood 95% interval; the latter inverts the same likelihood-ratio test,
    so it leaves out 1 exactly when p < 0.05. When a stratum-by-treatment cell has no patient or no death,
    the likelihood has no finite maximum (separation): nothing is computed and ``note``
    says so; a non-converged fit is reported the same way.

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> test = surgery_mib1_interaction(load_cohort(), 2)
    >>> test.n, test.deaths, round(test.chi2, 2), test.note
    (21, 8, 1.97, '')
    >>> test.profile_lower < test.ratio < test.profile_upper
    True
    """
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceWarning

    mib1 = pd.to_numeric(cohort["mib1_recurrence_pct"], errors="coerce")
    known = mib1.notna() & cohort["surgery_at_recurrence"].notna()
    frame = pd.DataFrame(
        {
            "t": cohort.loc[known, DURATION].astype(float),
            "d": derived.event_flags(cohort.loc[known, EVENT]).astype(int),
            "surgery": cohort.loc[known, "surgery_at_recurrence"].astype(bool).astype(int),
            "high": (mib1[known] > mib1_threshold_pct).astype(int),
        }
    )
    frame["both"] = frame["surgery"] * frame["high"]
    n, deaths = len(frame), int(frame["d"].sum())
    nan = float("nan")
    cells = frame.groupby(["high", "surgery"])["d"].agg(["size", "sum"])
    cells = cells.reindex(pd.MultiIndex.from_product([[0, 1], [0, 1]]), fill_value=0)
    empty = cells[cells["sum"] == 0]
    if n == 0 or frame["d"].sum() == 0:
        why = "no patient has Mib-1 and treatment at recurrence" if n == 0 else "nobody died"
        return InteractionTest(n, deaths, nan, nan, nan, nan, nan, f"not computed: {why}")
    if len(empty):
        names = {(0, 0): "low Mib-1 without surgery", (0, 1): "low Mib-1 with surgery",
                 (1, 0): "high Mib-1 without surgery", (1, 1): "high Mib-1 with surgery"}  # fmt: skip
        which = "; ".join(
            f"no {'patient' if cells.loc[i, 'size'] == 0 else 'death'} in {names[i]}"
            for i in empty.index
        )
        note = (
            f"not computed: {which}, so the model's likelihood has no finite maximum (separation)"
        )
        return InteractionTest(n, deaths, nan, nan, nan, nan, nan, note)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            full = CoxPHFitter().fit(frame, "t", "d")
            reduced = CoxPHFitter().fit(frame.drop(columns="both"), "t", "d")
        except (ConvergenceWarning, ValueError, np.linalg.LinAlgError) as problem:
            note = f"not computed: the Cox model did not converge ({fit_problem(problem)})"
            return InteractionTest(n, deaths, nan, nan, nan, nan, nan, note)
    statistic = max(0.0, 2 * float(full.log_likelihood_ - reduced.log_likelihood_))
    row = full.summary.loc["both"]
    columns = list(full.params_.index)
    profile = profile_interval(
        frame[columns].to_numpy(dtype=float),
        frame["t"].to_numpy(),
        frame["d"].to_numpy(),
        columns.index("both"),
        full.params_.to_numpy(),
        float(full.log_likelihood_),
    )
    return InteractionTest(
        n=n,
        deaths=deaths,
        chi2=statistic,
        p=float(chi2_dist.sf(statistic, 1)),
        ratio=float(row["exp(coef)"]),
        lower=float(row["exp(coef) lower 95%"]),
        upper=float(row["exp(coef) upper 95%"]),
        note="",
        profile_lower=profile[0],
        profile_upper=profile[1],
    )


def surgery_within_mib1_strata(
    cohort: pd.DataFrame,
    mib1_threshold_pct: float = 2,
    *,
    landmark_years: float = 5,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Surgery at recurrence vs not, tested separately at low and at high Mib-1.

    The paper's stratified comparison: patients with Mib-1 at recurrence at most
    ``mib1_threshold_pct``, then above it (patients with no Mib-1 at recurrence are
    in neither stratum). Each stratum is the screen's surgery row
    (:func:`univariable_screen`) with a ``stratum`` column naming it, so an empty
    group or a stratum with no deaths gets the screen's note instead of an error.
    """
    mib1 = cohort["mib1_recurrence_pct"]
    strata = {
        f"Mib-1 ≤{mib1_threshold_pct:g}%": mib1 <= mib1_threshold_pct,
        f"Mib-1 >{mib1_threshold_pct:g}%": mib1 > mib1_threshold_pct,
    }
    surgery = [s for s in default_screen(cohort) if s.key == "surgery_at_recurrence"]
    parts = [
        univariable_screen(
            cohort[members], surgery, landmark_years=landmark_years, alpha=alpha
        ).assign(stratum=stratum)
        for stratum, members in strata.items()
    ]
    return pd.concat(parts, ignore_index=True)


def interaction_text(test: InteractionTest, alpha: float = 0.05, label: str = "") -> str:
    """The test of interaction and what it means, in words; ``label`` follows the p-value
    and the ratio (numbers the paper does not print).

    Examples
    --------
    >>> test = InteractionTest(21, 8, 1.97, 0.16, 0.08, 0.003, 2.41, "", 0.002, 1.9)
    >>> interaction_text(test)[:75]
    'likelihood-ratio p = 0.160 (chi-squared 1.97, 1 degree of freedom; 21 patie'
    >>> "profile likelihood < 0.01 to 1.90" in interaction_text(test)
    True
    """
    if test.note:
        return f"{test.note} ({test.n} patients, {test.deaths} deaths)"
    from nettx_utils.stats.hazard import _ratio

    mark = f" [{label}]" if label else ""
    numbers = (
        f"likelihood-ratio {p_phrase(test.p)}{mark} (chi-squared {test.chi2:.2f}, 1 degree of "
        f"freedom; {test.n} patients, {test.deaths} deaths); ratio of the surgery hazard "
        f"ratios, high over low Mib-1, {_ratio(test.ratio)}{mark} (95% CI "
        f"{_ratio(test.lower)} to {_ratio(test.upper)}, Wald on the log scale; profile "
        f"likelihood {_ratio(test.profile_lower)} to {_ratio(test.profile_upper)})"
    )
    if test.p < alpha:
        meaning = (
            f"at the {alpha:g} level the hazard ratio of surgery (an association, open to the "
            "selection and immortal-time biases above) differs between the strata; as the "
            "paper does not say the strata were chosen in advance, that is a hypothesis to "
            "test in other patients"
        )
    else:
        meaning = (
            "the data cannot tell whether the hazard ratio of surgery differs between high "
            "and low Mib-1: a small p in one stratum and a large one in the other is not evidence "
            "of a difference between them, and the profile-likelihood interval of the "
            "ratio, which follows the likelihood where few deaths make the Wald interval "
            "unreliable, shows how large a difference the data still allow"
        )
    return f"{numbers}: {meaning}"

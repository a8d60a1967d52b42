"""The prognostic factors the paper screened: its cut-offs, and how each is grouped.

The paper tested "all the pre- and post-LT patient-related and tumor-related
characteristics summarized in Table 1 and Table 2" at univariate analysis for
post-recurrence overall survival (OS: :data:`DURATION`, event :data:`EVENT`), and found
only the time from LT to recurrence significant (≤24 vs >24 months). This module says
how each characteristic is grouped for that screen (:class:`ScreenSpec`,
:func:`default_screen`), every grouping rule stated in the output:

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

It also holds the paper's own cut-offs and landmark, and the sentences that set a run's
choices beside them (:func:`cutoff_text`, :func:`printed_group_values`,
:func:`same_split_text`). The screen itself is :mod:`nettx_utils.paper.univariable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from nettx_utils.data import derived
from nettx_utils.data.dictionary import load_dictionary
from nettx_utils.errors import NettxError
from nettx_utils.stats.quartiles import quartiles

__all__ = [
    "ScreenSpec",
    "cutoff_text",
    "default_screen",
    "printed_group_values",
    "same_split_as_paper",
    "same_split_text",
]

DURATION = "months_recurrence_to_last_followup"
EVENT = "died"
UNIT_SHORT = {"months": "mo", "years": "y", "%": "%", "ng/mL": "ng/mL", "count": ""}
DIAGNOSIS_TO_LT_CUTOFF_MONTHS = 24.0
"""The paper's split of the time from diagnosis to LT (Table 1)."""
# The paper's own cut-offs of the two run parameters (Figure 3C/Abstract; Figure 3/Table 2).
PAPER_EARLY_RECURRENCE_MONTHS = 24.0
PAPER_MIB1_THRESHOLD_PCT = 2.0
# The paper's landmark for survival by group (5-year OS in Figure 3 and the Results).
PAPER_LANDMARK_YEARS = 5.0
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


def _mib1_and_site_specs(column: str, source: str, pool_sparse_at_most: int) -> list[ScreenSpec]:
    """The derived groupings of Table 2 that follow Mib-1 at recurrence in the dictionary:
    the Mib-1 categories, single vs multiple sites, and the single-site location."""
    cuts = (2, 20)
    return [
        ScreenSpec(
            "mib1_recurrence_group", "Mib-1 % of recurrence (Table 2 categories)",
            "derived", (column,), source,
            levels=tuple(derived.mib1_group_labels(cuts).items()),
            derive=lambda c, cuts=cuts: derived.mib1_group(c["mib1_recurrence_pct"], cuts),
            rule="Table 2 cut-offs 2% and 20%",
        ),
        ScreenSpec(
            "recurrence_extent", "Site of recurrence (single vs multiple)", "derived",
            SITE_COLUMNS, source, levels=(("single", "Single"), ("multiple", "Multiple")),
            derive=derived.recurrence_extent, rule="1 site vs ≥2 sites",
        ),
        ScreenSpec(
            "single_site_location", "Single-site recurrence location", "derived",
            SITE_COLUMNS, source, levels=tuple(derived.RECURRENCE_SITES.items()),
            derive=derived.single_site, pool_sparse_at_most=pool_sparse_at_most,
            note="among single-site recurrences", rule="categories",
        ),
    ]  # fmt: skip


def _surgical_treatment_spec(column: str, source: str) -> ScreenSpec:
    """Predominant treatment surgical vs any other (a derived grouping of Table 2)."""
    return ScreenSpec(
        "predominant_treatment_surgical", "Predominant treatment surgical",
        "derived", (column,), source,
        levels=(("surgery", "Surgery"), ("other", "Non-surgical")),
        derive=lambda c: c["predominant_treatment"].astype("object").map(
            lambda v: v if pd.isna(v) else ("surgery" if v == "surgery" else "other")
        ),
        rule="surgery vs any other",
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
            specs.extend(_mib1_and_site_specs(col.name, source, pool_sparse_at_most))
        if col.name == "predominant_treatment":
            specs.append(_surgical_treatment_spec(col.name, source))
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

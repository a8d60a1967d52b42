"""The univariable screen: one log-rank test per characteristic, and its table.

:func:`univariable_screen` runs the screen over the specs of
:func:`nettx_utils.paper.prognostic.default_screen` (the paper tested every
characteristic of Tables 1 and 2 for post-recurrence overall survival and found only
the time from LT to recurrence significant). Sparse levels are pooled only when asked,
and the row then says so; characteristics that split the patients identically are
tested once (:func:`identical_splits`). :func:`screen_table` and its caption and notes
show the result beside the paper's p-values, marking characteristics known only after
the recurrence (:data:`POST_BASELINE`) and groups too small for the log-rank test's
asymptotic p (:data:`SPARSE_GROUP_AT_MOST`).

The landmark OS of each group is the Kaplan-Meier estimate of
:func:`nettx_utils.stats.survival.fit_kaplan_meier`; it is NaN when the group's follow-up
ends, censored, before the landmark, and 0 when the curve has already dropped to 0.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from nettx_utils.data import derived
from nettx_utils.errors import NettxError
from nettx_utils.formatting import format_p
from nettx_utils.paper.prognostic import DURATION, EVENT, ScreenSpec, default_screen
from nettx_utils.stats.survival import fit_kaplan_meier, logrank_test

__all__ = [
    "POST_BASELINE",
    "POST_BASELINE_MARK",
    "SPARSE_GROUP_AT_MOST",
    "identical_splits",
    "published_screen_p",
    "screen_caption",
    "screen_count_text",
    "screen_rows_note",
    "screen_summary",
    "screen_table",
    "univariable_screen",
]

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

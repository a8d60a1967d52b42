"""A sweep's numbers without running it: chapter 5's timing cut-offs computed in-process.

:func:`timing_preview` computes, with the functions chapter 5 calls, five of the numbers
that ``sweep 05 -p early_recurrence_months VALUES`` tabulates; :func:`preview` formats
them for the page on parameters. Running the sweep itself is :mod:`nettx_utils.build.sweep`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from nettx_utils import project
from nettx_utils.build.sweep import resolve_notebook
from nettx_utils.pages.parameters import parameter_defaults


def _group_comparison(
    months: pd.Series, died: pd.Series, groups: pd.Series, keys: Sequence[str], at: float
) -> dict[str, float]:
    """Chapter 5's record of one group comparison (what
    :meth:`~nettx_utils.pages.record.NotebookRecord.km_comparison` stores from
    :func:`~nettx_utils.figures.plots.km_figure`): the log-rank p, NaN when a group is empty,
    and each group's Kaplan-Meier survival at ``at`` months in %, NaN for an empty group
    and past the group's follow-up (:meth:`~nettx_utils.stats.survival.KaplanMeier.survival_at`)."""
    from nettx_utils.stats.survival import fit_kaplan_meier, logrank_test

    labels = pd.Series(groups).reset_index(drop=True)
    d, e = months.to_numpy(float), died.to_numpy(float)
    row: dict[str, float] = {}
    for key in keys:
        mask = (labels == key).fillna(False).to_numpy(bool)
        row[key] = (
            100 * float(fit_kaplan_meier(d[mask], e[mask]).survival_at([at])["survival"].iloc[0])
            if mask.any()
            else math.nan
        )
    present = labels.notna().to_numpy(bool)
    both = all(((labels == key).fillna(False)).any() for key in keys)
    row["p"] = logrank_test(d[present], e[present], labels[present]).p_value if both else math.nan
    return row


def timing_preview(
    values: Sequence[float],
    *,
    cohort: pd.DataFrame | None = None,
    notebook_dir: Path = project.NOTEBOOK_DIR,
) -> pd.DataFrame:
    """Five of the numbers that ``sweep 05 -p early_recurrence_months VALUES`` tabulates,
    computed in this process with the functions chapter 5 calls, in a fraction of a second.

    For each cut-off: the patients with an early recurrence (``n_early``), the log-rank p
    of early against late recurrence (``timing_p``), the Kaplan-Meier survival of each
    group at the chapter's first landmark in % (``os_early_landmark``,
    ``os_late_landmark``), and the log-rank p of surgery against other treatment
    (``surgery_p``, which does not depend on the cut-off). The landmark is the first of
    chapter 5's default ``landmark_years``, read from its parameters cell, as in the
    sweep's runs. The cohort is the synthetic one unless ``cohort`` is given (the sweep
    runs on the chapter's default cohort unless given ``--data``). ``tests/test_sweep.py`` checks
    the values against a real sweep's ``sweep.csv``.

    Examples
    --------
    >>> table = timing_preview([24])
    >>> table.columns.tolist()
    ['early_recurrence_months', 'n_early', 'timing_p', 'os_early_landmark', 'os_late_landmark', 'surgery_p']
    >>> int(table.loc[0, "n_early"]), float(table.loc[0, "os_early_landmark"])
    (7, 0.0)
    """
    from nettx_utils.data import derived
    from nettx_utils.data.cohort import load_cohort

    landmark = _first_landmark_months(notebook_dir)
    cohort = load_cohort() if cohort is None else cohort
    months = cohort["months_recurrence_to_last_followup"]
    died = derived.event_flags(cohort["died"])
    surgery_groups = (
        cohort["surgery_at_recurrence"].astype("boolean").map({True: "surgery", False: "other"})
    )
    surgery = _group_comparison(months, died, surgery_groups, ["surgery", "other"], landmark)
    rows = []
    for value in values:
        timing = pd.Series(derived.recurrence_timing(cohort, value))
        comparison = _group_comparison(months, died, timing, ["early", "late"], landmark)
        rows.append(
            {
                "early_recurrence_months": value,
                "n_early": int((timing == "early").sum()),
                "timing_p": comparison["p"],
                "os_early_landmark": comparison["early"],
                "os_late_landmark": comparison["late"],
                "surgery_p": surgery["p"],
            }
        )
    return pd.DataFrame(rows)


def _first_landmark_months(notebook_dir: Path = project.NOTEBOOK_DIR) -> float:
    """Chapter 5's first landmark in months: its first default ``landmark_years``."""
    years = parameter_defaults(resolve_notebook("05", notebook_dir))["landmark_years"]
    return 12 * (list(years) if isinstance(years, list | tuple) else [years])[0]


@dataclass(frozen=True)
class Preview:
    """:func:`timing_preview` as a page shows it: a table and the sentences about it."""

    table: pd.DataFrame
    view: Any
    texts: dict[str, str]


_PREVIEW_HEADERS = {
    "early_recurrence_months": "Cut-off (months)",
    "n_early": "Early recurrences (n)",
    "timing_p": "Log-rank p, early vs late",
    "os_early_landmark": "Early group: survival at landmark (%)",
    "os_late_landmark": "Late group: survival at landmark (%)",
    "surgery_p": "Log-rank p, surgery vs other",
}


def _words(values: Sequence[object]) -> str:
    """``12, 24 and 36``."""
    texts = [f"{v:g}" if isinstance(v, int | float) else str(v) for v in values]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def preview(values: Sequence[float] = (12, 24, 36)) -> Preview:
    """:func:`timing_preview` of chapter 5's default cohort, formatted for the page on
    parameters: a captioned table (p-values by :func:`~nettx_utils.formatting.format_p`,
    survival at one decimal, "–" where there is no value) and the sentences about it.

    ``texts`` holds ``values`` (the cut-offs in words), ``landmark`` (its months),
    ``reading`` (which cut-offs leave a group empty, and where p is smallest) and
    ``caption_data`` (whose patients these are).

    Examples
    --------
    >>> shown = preview([24, 36])
    >>> shown.texts["values"], shown.texts["landmark"]
    ('24 and 36', '60')
    """
    from nettx_utils.data.datapackage import is_synthetic
    from nettx_utils.formatting import format_p, styled
    from nettx_utils.pages.provenance import SYNTHETIC_CAPTION
    from nettx_utils.project import DEFAULT_COHORT

    table = timing_preview(values)
    landmark = _first_landmark_months()
    synthetic = is_synthetic(DEFAULT_COHORT)
    caption_data = (
        SYNTHETIC_CAPTION
        + " The values at cut-offs other than the paper's are properties of this one "
        "generated cohort, not findings."
        if synthetic
        else "Computed from the cohort in data/cohort.csv, which is not the synthetic one."
    )
    p = lambda value: format_p(value) if math.isfinite(value) else "–"  # noqa: E731
    view = styled(
        table.rename(columns=_PREVIEW_HEADERS),
        f"The cut-off, the early recurrences and four columns of sweep.csv for chapter 5, at "
        f"{_words(values)} "
        f"months; survival at {landmark:g} months. {caption_data}",
        {
            _PREVIEW_HEADERS["timing_p"]: p,
            _PREVIEW_HEADERS["surgery_p"]: p,
            _PREVIEW_HEADERS["os_early_landmark"]: "{:.1f}",
            _PREVIEW_HEADERS["os_late_landmark"]: "{:.1f}",
            _PREVIEW_HEADERS["early_recurrence_months"]: "{:g}",
        },
    )
    return Preview(
        table,
        view,
        {
            "values": _words(values),
            "landmark": f"{landmark:g}",
            "reading": _reading(table),
            "caption_data": caption_data,
        },
    )


def _reading(table: pd.DataFrame) -> str:
    """Sentences about :func:`timing_preview`: empty groups, and where p is smallest."""
    from nettx_utils.formatting import format_p

    sentences = []
    cut = table["early_recurrence_months"]
    no_early = cut[table["n_early"] == 0].tolist()
    if no_early:
        sentences.append(
            f"At {_words(no_early)} months no patient had an early recurrence: there is "
            "nothing to compare, so the p-value and the early group's survival are empty "
            "(empty cells in the CSV)."
        )
    tested = table.dropna(subset=["timing_p"])
    if len(tested) > 1:
        best = tested.loc[tested["timing_p"].idxmin()]
        printed = tested["timing_p"].map(format_p)
        level = tested[printed == format_p(best["timing_p"])]
        if len(level) > 1:  # equal at the printed precision: say which is smaller, and by how much
            values = ", ".join(
                f"{p:#.2g} at {c:g} months"
                for c, p in zip(level["early_recurrence_months"], level["timing_p"], strict=True)
            )
            where = (
                f"{_p_phrase(format_p(best['timing_p']))} at "
                f"{_words(level['early_recurrence_months'].tolist())} months alike; unrounded "
                f"{values}"
            )
        else:
            where = f"{_p_phrase(format_p(best['timing_p']))}"
        sentences.append(
            f"Of the {len(tested)} cut-offs in the table that split the cohort in two, the "
            f"early-versus-late p-value is smallest at {best['early_recurrence_months']:g} "
            f"months (p {where}); chapter 11 sweeps many more cut-offs, and its smallest "
            "p-value can lie at another one. On the "
            "synthetic cohort this is a property of the generated patients, not a finding: "
            "the paper prints the p-value at its own cut-off only."
        )
    return " ".join(sentences)


def _p_phrase(text: str) -> str:
    """``= 0.012`` or ``< 0.001``, for a p written by :func:`~nettx_utils.formatting.format_p`."""
    return text if text[0] in "<>" else f"= {text}"

"""Figure 2: presentation of recurrence -> predominant treatment -> status at last follow-up.

:func:`flow_counts` counts the patients on every path through the three
stages; :func:`flow_figure` draws them as a static alluvial diagram: three
columns of boxes whose heights are proportional to the number of patients,
joined by bands whose widths are proportional to the patients they carry.
Bands keep the colour of the presentation group they start from, so a
presentation can be followed to the status at last follow-up.

Groupings come from :mod:`nettx_utils.derived` (presentation) and the data
dictionary (treatment labels); this module only counts and draws.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from nettx_utils import derived
from nettx_utils.cohort import load_dictionary
from nettx_utils.errors import NettxError
from nettx_utils.plots import BOOK_RC, PALETTE

__all__ = ["STATUSES", "flow_counts", "flow_figure"]

#: Status at last follow-up, in display order.
STATUSES: tuple[str, ...] = (
    "Alive, free of disease",
    "Alive with disease",
    "Dead of NET",
    "Dead, other cause",
    "Dead, cause unknown",
    "Dead",
)
_DEATH_CAUSES = {"net_progression": "Dead of NET", "other": "Dead, other cause"}
_STAGES = ("presentation", "predominant_treatment", "status")
_HEADERS = ("Presentation of recurrence", "Predominant treatment", "Status at last follow-up")
_NODE_COLOUR = "#4D4D4D"
_NODE_WIDTH = 0.045  # in column units (columns sit at x = 0, 1, 2)
_GAP_SHARE = 0.45  # share of N given to the gaps of the column with most boxes


def _require(cohort: pd.DataFrame, columns: list[str]) -> None:
    """Raise a NettxError naming the first missing column, or on an empty cohort."""
    if not isinstance(cohort, pd.DataFrame):
        raise NettxError(f"flow_counts: cohort must be a DataFrame, got {type(cohort).__name__}")
    missing = [c for c in columns if c not in cohort.columns]
    if missing:
        raise NettxError(
            f"flow_counts: the cohort has no column {missing[0]!r} (missing: {missing})"
        )
    if len(cohort) == 0:
        raise NettxError("flow_counts: the cohort is empty (0 patients)")


def _status(cohort: pd.DataFrame, split_death: bool) -> pd.Series:
    """Status at last follow-up of each patient (see :func:`flow_counts`)."""
    for column in ("died", "disease_free_at_last_followup"):
        bad = cohort[column].isna() & (column == "died" or ~cohort["died"].astype(bool))
        if bad.any():
            raise NettxError(
                f"flow_counts: column {column!r} is missing for {int(bad.sum())} patient(s) "
                f"(rows {list(cohort.index[bad][:5])}); the status at last follow-up is unknown"
            )
    died = cohort["died"].astype(bool).to_numpy()
    free = cohort["disease_free_at_last_followup"].fillna(False).astype(bool).to_numpy()
    dead = pd.Series("Dead", index=cohort.index, dtype="object")
    if split_death:
        dead = (
            cohort["death_cause"].astype("object").map(_DEATH_CAUSES).fillna("Dead, cause unknown")
        )
    status = np.where(died, dead, np.where(free, STATUSES[0], STATUSES[1]))
    return pd.Series(status, index=cohort.index, dtype="object")


def flow_counts(cohort: pd.DataFrame, *, split_death: bool = True) -> pd.DataFrame:
    """Count the patients on each path presentation -> predominant treatment -> status.

    Presentation is :func:`nettx_utils.derived.presentation`; predominant
    treatment is the column ``predominant_treatment``; status at last
    follow-up is "Dead" for a patient who died, otherwise "Alive, free of
    disease" when ``disease_free_at_last_followup`` is true, else "Alive with
    disease". With ``split_death`` the dead are split by ``death_cause`` into
    "Dead of NET" and "Dead, other cause" ("Dead, cause unknown" when the cause
    is missing).

    Parameters
    ----------
    cohort : DataFrame
        The cohort, as from :func:`nettx_utils.cohort.load_cohort`.
    split_death : bool, default True
        Split the dead by cause of death.

    Returns
    -------
    DataFrame
        One row per path with at least one patient: ``presentation`` and
        ``predominant_treatment`` (codes, categorical in dictionary order),
        ``presentation_label``, ``treatment_label``, ``status`` (categorical
        in :data:`STATUSES` order) and ``n``; sorted by the three stages.

    Raises
    ------
    NettxError
        An empty cohort, a missing column (named), a missing treatment, or a
        status that cannot be decided (``died`` missing, or
        ``disease_free_at_last_followup`` missing for a living patient).

    Examples
    --------
    >>> from nettx_utils.cohort import load_cohort
    >>> counts = flow_counts(load_cohort())
    >>> int(counts["n"].sum()) == len(load_cohort())
    True
    """
    site_columns = [f"recurrence_site_{site}" for site in derived.RECURRENCE_SITES]
    needed = [
        *site_columns,
        "recurrence_abdominal_ln_type",
        "predominant_treatment",
        "died",
        "disease_free_at_last_followup",
    ]
    _require(cohort, needed + (["death_cause"] if split_death else []))
    treatment = cohort["predominant_treatment"]
    if treatment.isna().any():
        rows = list(cohort.index[treatment.isna()][:5])
        raise NettxError(f"flow_counts: column 'predominant_treatment' is missing in rows {rows}")

    levels = load_dictionary()["predominant_treatment"].levels
    codes = list(levels) + [c for c in pd.unique(treatment.astype("object")) if c not in levels]
    frame = pd.DataFrame(
        {
            "presentation": pd.Categorical(
                derived.presentation(cohort), categories=list(derived.PRESENTATIONS)
            ),
            "predominant_treatment": pd.Categorical(treatment.astype("object"), categories=codes),
            "status": pd.Categorical(_status(cohort, split_death), categories=list(STATUSES)),
        },
        index=cohort.index,
    )
    counts = frame.groupby(list(_STAGES), observed=True).size().rename("n").reset_index()
    counts = counts[counts["n"] > 0].sort_values(list(_STAGES)).reset_index(drop=True)
    counts.insert(1, "presentation_label", counts["presentation"].map(derived.PRESENTATIONS))
    counts.insert(
        3, "treatment_label", counts["predominant_treatment"].map(lambda c: levels.get(c, str(c)))
    )
    counts["presentation_label"] = counts["presentation_label"].astype("object")
    counts["treatment_label"] = counts["treatment_label"].astype("object")
    counts["n"] = counts["n"].astype(int)
    return counts


def _layout(totals: list[pd.Series], gap: float, height: float) -> list[dict]:
    """Top y of each box, per column, each column centred in ``height``."""
    tops = []
    for column in totals:
        span = column.sum() + gap * (len(column) - 1)
        y = (height - span) / 2
        tops.append({})
        for key, n in column.items():
            tops[-1][key] = y
            y += n + gap
    return tops


def _band(ax: Axes, x0: float, y0: float, x1: float, y1: float, n: float, colour: str) -> None:
    """A band of thickness ``n`` from (x0, y0..y0+n) to (x1, y1..y1+n), S-shaped."""
    xm = (x0 + x1) / 2
    vertices = [
        (x0, y0),
        (xm, y0),
        (xm, y1),
        (x1, y1),
        (x1, y1 + n),
        (xm, y1 + n),
        (xm, y0 + n),
        (x0, y0 + n),
        (x0, y0),
    ]
    codes = [Path.MOVETO, *[Path.CURVE4] * 3, Path.LINETO, *[Path.CURVE4] * 3, Path.CLOSEPOLY]
    patch = PathPatch(Path(vertices, codes), facecolor=colour, edgecolor="none", alpha=0.45)
    patch.set_gid("flow-band")
    ax.add_patch(patch)


def flow_figure(
    cohort: pd.DataFrame,
    *,
    title: str | None = None,
    split_death: bool = True,
    width: float = 7.0,
    height: float = 4.4,
) -> Figure:
    """Alluvial diagram of presentation -> predominant treatment -> status (Figure 2).

    Boxes are stacked in three columns (presentation in :data:`derived.PRESENTATIONS`
    order, treatments in dictionary order, statuses in :data:`STATUSES` order;
    categories without patients are left out), with heights proportional to
    their number of patients; bands between columns have widths proportional
    to the patients on each path and keep the colour of the presentation they
    start from (:data:`~nettx_utils.plots.PALETTE`).

    Parameters
    ----------
    cohort : DataFrame
        The cohort, as from :func:`nettx_utils.cohort.load_cohort`.
    title : str, optional
        Left-aligned title above the column headers.
    split_death : bool, default True
        Split the dead by cause of death (see :func:`flow_counts`).
    width, height : float
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Outside pyplot's registry (display or glue it to show it); saves to
        PNG or SVG. ``fig.flow_counts`` is the table from :func:`flow_counts`.
        Artists carry gids ``flow-node``, ``flow-band``, ``flow-label``.

    Raises
    ------
    NettxError
        As :func:`flow_counts`.

    Examples
    --------
    >>> from nettx_utils.cohort import load_cohort
    >>> fig = flow_figure(load_cohort())
    >>> int(fig.flow_counts["n"].sum())
    32
    """
    counts = flow_counts(cohort, split_death=split_death)
    total = int(counts["n"].sum())
    labels = [
        dict(zip(counts["presentation"], counts["presentation_label"], strict=True)),
        dict(zip(counts["predominant_treatment"], counts["treatment_label"], strict=True)),
        {s: s for s in counts["status"]},
    ]
    totals = [counts.groupby(stage, observed=True)["n"].sum() for stage in _STAGES]
    totals = [t[t > 0] for t in totals]
    colours = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(derived.PRESENTATIONS)}
    gap = _GAP_SHARE * total / max(max(len(t) for t in totals) - 1, 1)
    height_units = total + gap * (max(len(t) for t in totals) - 1)
    tops = _layout(totals, gap, height_units)

    with mpl.rc_context(BOOK_RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.add_subplot()
        ax.set_axis_off()
        half = _NODE_WIDTH / 2
        # bands, stage 1: (presentation, treatment); stage 2: the full path
        stage1 = counts.groupby(["presentation", "predominant_treatment"], observed=True)["n"].sum()
        stage1 = stage1[stage1 > 0]
        out_y = dict(tops[0])
        order = list(totals[0].index)
        for (p, t), n in stage1.sort_index(level=[0, 1]).items():
            earlier = order[: order.index(p)]
            target = tops[1][t] + sum(stage1.get((q, t), 0) for q in earlier)
            _band(ax, half, out_y[p], 1 - half, target, n, colours[p])
            out_y[p] += n
        out_y = dict(tops[1])
        in_y = dict(tops[2])
        by_source = counts.sort_values(["predominant_treatment", "status", "presentation"])
        offsets: dict[tuple, float] = {}
        for row in by_source.itertuples():
            offsets[(row.presentation, row.predominant_treatment, row.status)] = out_y[
                row.predominant_treatment
            ]
            out_y[row.predominant_treatment] += row.n
        for row in counts.sort_values(
            ["status", "predominant_treatment", "presentation"]
        ).itertuples():
            start = offsets[(row.presentation, row.predominant_treatment, row.status)]
            _band(ax, 1 + half, start, 2 - half, in_y[row.status], row.n, colours[row.presentation])
            in_y[row.status] += row.n

        # boxes and their labels
        for x, (column, top) in enumerate(zip(totals, tops, strict=True)):
            for key, n in column.items():
                colour = colours[key] if x == 0 else _NODE_COLOUR
                box = Rectangle((x - half, top[key]), _NODE_WIDTH, n, color=colour, lw=0, zorder=3)
                box.set_gid("flow-node")
                ax.add_patch(box)
                text = f"{labels[x][key]} (n = {n})"
                if x == 0:
                    kw = {"x": -half - 0.03, "y": top[key] + n / 2, "ha": "right", "va": "center"}
                elif x == 2:
                    kw = {"x": 2 + half + 0.03, "y": top[key] + n / 2, "ha": "left", "va": "center"}
                else:
                    kw = {"x": 1, "y": top[key] - 0.08 * gap, "ha": "center", "va": "bottom"}
                    kw["bbox"] = {
                        "boxstyle": "round,pad=0.15",
                        "fc": "white",
                        "ec": "none",
                        "alpha": 0.85,
                    }
                ax.text(s=text, fontsize=8.5, color="#222222", gid="flow-label", zorder=4, **kw)
        for x, ha in zip((half, 1.0, 2 - half), ("right", "center", "left"), strict=True):
            ax.text(
                x,
                -0.07 * height_units,
                _HEADERS[round(x)],
                ha=ha,
                va="bottom",
                fontsize=9.5,
                fontweight="bold",
                color="#222222",
            )
        ax.text(
            1,
            height_units * 1.04,
            f"N = {total} patients with recurrence; band widths "
            "proportional to the number of patients",
            ha="center",
            va="top",
            fontsize=8,
            color="#444444",
        )
        ax.set_xlim(-0.62, 2.62)
        ax.set_ylim(height_units * 1.1, -0.14 * height_units)
        if title:
            ax.set_title(title)
    fig.flow_counts = counts
    return fig

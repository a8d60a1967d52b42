"""Figure 2: presentation of recurrence -> predominant treatment -> response -> status.

:func:`flow_counts` counts the patients on every path through the four stages
of the paper's Figure 2 (presentation of the recurrence, predominant treatment,
the outcome of that treatment as CR, PR, SD or PD, as in the paper's Table 2,
and the status at last follow-up); :func:`flow_figure` draws them as a static
alluvial diagram: columns of boxes whose heights are proportional to the number
of patients, joined by bands whose widths are proportional to the patients they
carry. Bands keep the colour of the presentation group they start from, so a
presentation can be followed to the status at last follow-up. Each box's name
and count are written inside the box, where no band runs.

Groupings come from :mod:`nettx_utils.data.derived` (presentation) and the data
dictionary (treatment and response labels); this module only counts and draws.
"""

from __future__ import annotations

import textwrap
from itertools import pairwise

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from nettx_utils.data import derived
from nettx_utils.data.dictionary import load_dictionary
from nettx_utils.errors import NettxError
from nettx_utils.figures.style import BOOK_RC, PALETTE

__all__ = ["NOT_ASSESSED", "STATUSES", "flow_counts", "flow_figure", "response_text"]

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
NOT_ASSESSED = "Not assessed"
"""Response label of a patient whose response to the predominant treatment is missing."""
_HEADERS = {
    "presentation": "Presentation\nof recurrence",
    "predominant_treatment": "Predominant\ntreatment",
    "response": "Response to\npredominant treatment",
    "status": "Status at last\nfollow-up",
}
_NODE_COLOUR = "#E4E4E4"
_NODE_EDGE = "#555555"
_NODE_WIDTH = 0.56  # in column units (columns sit at x = 0, 1, 2, ...)
_GAP_SHARE = 0.5  # share of N given to the gaps of the column with most boxes
_WRAP = 13  # characters per line of a box label
_FONT_SIZES = (8.0, 7.5, 7.0, 6.5)  # tried in turn until every label fits its box's width


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


def flow_counts(
    cohort: pd.DataFrame, *, split_death: bool = True, response: bool = True
) -> pd.DataFrame:
    """Count the patients on each path presentation -> treatment -> response -> status.

    Presentation is :func:`nettx_utils.data.derived.presentation`; predominant
    treatment is the column ``predominant_treatment``; response is the outcome
    of the predominant treatment, ``predominant_treatment_response`` (CR, PR,
    SD, PD; :data:`NOT_ASSESSED` where missing); status at last follow-up is
    "Dead" for a patient who died, otherwise "Alive, free of disease" when
    ``disease_free_at_last_followup`` is true, else "Alive with disease". With
    ``split_death`` the dead are split by ``death_cause`` into "Dead of NET" and
    "Dead, other cause" ("Dead, cause unknown" when the cause is missing).

    Parameters
    ----------
    cohort : DataFrame
        The cohort, as from :func:`nettx_utils.data.cohort.load_cohort`.
    split_death : bool, default True
        Split the dead by cause of death.
    response : bool, default True
        Include the response stage (the paper's Figure 2 shows it).

    Returns
    -------
    DataFrame
        One row per path with at least one patient: ``presentation`` and
        ``predominant_treatment`` (codes, categorical in dictionary order),
        ``presentation_label``, ``treatment_label``, with ``response`` ``response``
        (code, categorical in dictionary order, then :data:`NOT_ASSESSED`) and
        ``response_label``, ``status`` (categorical in :data:`STATUSES` order)
        and ``n``; sorted by the stages.

    Raises
    ------
    NettxError
        An empty cohort, a missing column (named), a missing treatment, or a
        status that cannot be decided (``died`` missing, or
        ``disease_free_at_last_followup`` missing for a living patient).

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> counts = flow_counts(load_cohort())
    >>> int(counts["n"].sum()) == len(load_cohort())
    True
    >>> counts.groupby("response_label", observed=True)["n"].sum().to_dict()
    {'Complete response': 12, 'Partial response': 4, 'Progressive disease': 3, 'Stable disease': 13}
    """
    site_columns = [f"recurrence_site_{site}" for site in derived.RECURRENCE_SITES]
    needed = [
        *site_columns,
        "recurrence_abdominal_ln_type",
        "predominant_treatment",
        "died",
        "disease_free_at_last_followup",
    ]
    needed += ["death_cause"] if split_death else []
    needed += ["predominant_treatment_response"] if response else []
    _require(cohort, needed)
    treatment = cohort["predominant_treatment"]
    if treatment.isna().any():
        rows = list(cohort.index[treatment.isna()][:5])
        raise NettxError(f"flow_counts: column 'predominant_treatment' is missing in rows {rows}")

    dictionary = load_dictionary()
    levels = dictionary["predominant_treatment"].levels
    codes = list(levels) + [c for c in pd.unique(treatment.astype("object")) if c not in levels]
    columns = {
        "presentation": pd.Categorical(
            derived.presentation(cohort), categories=list(derived.PRESENTATIONS)
        ),
        "predominant_treatment": pd.Categorical(treatment.astype("object"), categories=codes),
    }
    if response:
        answers = cohort["predominant_treatment_response"].astype("object").fillna(NOT_ASSESSED)
        response_levels = dict(dictionary["predominant_treatment_response"].levels)
        found = [c for c in pd.unique(answers) if c not in response_levels]
        response_codes = list(response_levels) + sorted(found, key=lambda c: c == NOT_ASSESSED)
        columns["response"] = pd.Categorical(answers, categories=response_codes)
    columns["status"] = pd.Categorical(_status(cohort, split_death), categories=list(STATUSES))
    frame = pd.DataFrame(columns, index=cohort.index)
    stages = list(columns)
    counts = frame.groupby(stages, observed=True).size().rename("n").reset_index()
    counts = counts[counts["n"] > 0].sort_values(stages).reset_index(drop=True)
    counts.insert(1, "presentation_label", counts["presentation"].map(derived.PRESENTATIONS))
    counts.insert(
        3, "treatment_label", counts["predominant_treatment"].map(lambda c: levels.get(c, str(c)))
    )
    if response:
        counts.insert(
            5,
            "response_label",
            counts["response"].map(lambda c: response_levels.get(c, str(c))).astype("object"),
        )
    counts["presentation_label"] = counts["presentation_label"].astype("object")
    counts["treatment_label"] = counts["treatment_label"].astype("object")
    counts["n"] = counts["n"].astype(int)
    return counts


def _stages(counts: pd.DataFrame) -> list[str]:
    """The stage columns of a :func:`flow_counts` table, in order."""
    return [
        c for c in ("presentation", "predominant_treatment", "response", "status") if c in counts
    ]


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


def _bands(ax: Axes, counts: pd.DataFrame, stages: list[str], tops: list[dict], colours: dict):
    """Draw the bands between each pair of adjacent columns, coloured by presentation.

    At a box, the bands leaving it are stacked in the order of the boxes they go
    to, and the bands arriving in the order of the boxes they come from (then by
    presentation), which keeps crossings few."""
    half = _NODE_WIDTH / 2
    rank = {stage: {k: i for i, k in enumerate(counts[stage].cat.categories)} for stage in stages}
    for x, (a, b) in enumerate(pairwise(stages)):
        keys = ["presentation", b] if a == "presentation" else ["presentation", a, b]
        flows = counts.groupby(keys, observed=True)["n"].sum()
        flows = flows[flows > 0].reset_index()
        flows = pd.DataFrame(
            {
                "colour": flows["presentation"],
                "source": flows[a],
                "target": flows[b],
                "n": flows["n"],
                "p_rank": flows["presentation"].map(rank["presentation"]),
                "a_rank": flows[a].map(rank[a]),
                "b_rank": flows[b].map(rank[b]),
            }
        )
        out_y, in_y, start = dict(tops[x]), dict(tops[x + 1]), {}
        for row in flows.sort_values(["b_rank", "p_rank"]).itertuples(index=False):
            start[(row.colour, row.source, row.target)] = out_y[row.source]
            out_y[row.source] += row.n
        for row in flows.sort_values(["a_rank", "p_rank"]).itertuples(index=False):
            y0 = start[(row.colour, row.source, row.target)]
            _band(ax, x + half, y0, x + 1 - half, in_y[row.target], row.n, colours[row.colour])
            in_y[row.target] += row.n


def _box_labels(name: str, n: int) -> list[str]:
    """Ways to write a box's name and count, most lines first (see :func:`_fit_labels`)."""
    variants = []
    for width in (_WRAP, 2 * _WRAP, 4 * _WRAP):
        lines = textwrap.wrap(name, width, break_long_words=False) or [""]
        for option in ([*lines, f"n = {n}"], [*lines[:-1], f"{lines[-1]}, n = {n}"]):
            text = "\n".join(option)
            if text not in variants:
                variants.append(text)
    return sorted(variants, key=lambda v: -v.count("\n"))


def flow_figure(
    cohort: pd.DataFrame,
    *,
    title: str | None = None,
    split_death: bool = True,
    response: bool = True,
    width: float = 7.2,
    height: float = 5.4,
) -> Figure:
    """Alluvial diagram of presentation -> treatment -> response -> status (Figure 2).

    Boxes are stacked in one column per stage (presentation in
    :data:`derived.PRESENTATIONS` order, treatments and responses in dictionary
    order, statuses in :data:`STATUSES` order; categories without patients are
    left out), with heights proportional to their number of patients; bands
    between columns have widths proportional to the patients on each path and
    keep the colour of the presentation they start from
    (:data:`~nettx_utils.figures.style.PALETTE`). Each box carries its name and count
    inside it, where no band runs, in the largest of 8, 7.5, 7 and 6.5 pt at
    which every label fits its box (only a box too small for one line at 6.5 pt
    lets its text overhang into the empty gap above and below it).

    Parameters
    ----------
    cohort : DataFrame
        The cohort, as from :func:`nettx_utils.data.cohort.load_cohort`.
    title : str, optional
        Left-aligned title above the column headers.
    split_death : bool, default True
        Split the dead by cause of death (see :func:`flow_counts`).
    response : bool, default True
        Show the response to the predominant treatment (CR, PR, SD, PD) between
        treatment and status, as the paper's Figure 2 does.
    width, height : float
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Outside pyplot's registry (display or glue it to show it); saves to
        PNG or SVG. ``fig.flow_counts`` is the table from :func:`flow_counts`.
        Artists carry gids ``flow-node``, ``flow-band``, ``flow-label`` (one
        per box), ``flow-header`` (one per column) and ``flow-note``.

    Raises
    ------
    NettxError
        As :func:`flow_counts`.

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> fig = flow_figure(load_cohort())
    >>> int(fig.flow_counts["n"].sum()), len(fig.flow_stages)
    (32, 4)
    """
    counts = flow_counts(cohort, split_death=split_death, response=response)
    stages = _stages(counts)
    total = int(counts["n"].sum())
    labels = _column_labels(counts, stages)
    totals = [counts.groupby(stage, observed=True)["n"].sum() for stage in stages]
    totals = [t[t > 0] for t in totals]
    colours = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(derived.PRESENTATIONS)}
    most = max(len(t) for t in totals)
    gap = _GAP_SHARE * total / max(most - 1, 1)
    height_units = total + gap * (most - 1)
    tops = _layout(totals, gap, height_units)
    half = _NODE_WIDTH / 2
    last = len(stages) - 1

    with mpl.rc_context(BOOK_RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.add_subplot()
        ax.set_axis_off()
        _bands(ax, counts, stages, tops, colours)
        texts, boxes = _draw_boxes(ax, totals, tops, labels, colours)
        _headers_and_note(ax, stages, height_units, total)
        ax.set_xlim(-half - 0.03, last + half + 0.03)
        ax.set_ylim(height_units * 1.09, -0.16 * height_units)
        if title:
            ax.set_title(title)
        _fit_labels(fig, texts, boxes)
    fig.flow_counts = counts
    fig.flow_stages = stages
    return fig


def _column_labels(counts: pd.DataFrame, stages: list[str]) -> list[dict]:
    """Per stage, the display label of each category (a status is its own label)."""
    label_columns = {
        "presentation": "presentation_label",
        "predominant_treatment": "treatment_label",
        "response": "response_label",
    }
    return [
        dict(zip(counts[stage], counts[label_columns[stage]], strict=True))
        if stage in label_columns
        else {s: s for s in counts[stage]}
        for stage in stages
    ]


def _draw_boxes(ax, totals: list, tops: list, labels: list[dict], colours: dict) -> tuple:
    """The boxes of every column with their labels; returns ``(texts, boxes)`` for
    :func:`_fit_labels`."""
    half = _NODE_WIDTH / 2
    texts, boxes = [], []
    for x, (column, top) in enumerate(zip(totals, tops, strict=True)):
        for key, n in column.items():
            face = colours[key] if x == 0 else _NODE_COLOUR
            box = Rectangle(
                (x - half, top[key]),
                _NODE_WIDTH,
                n,
                facecolor=face,
                alpha=0.35 if x == 0 else 1.0,
                edgecolor="none",
                zorder=3,
            )
            box.set_gid("flow-node")
            ax.add_patch(box)
            ax.add_patch(  # the edge at full strength, also over a tinted box
                Rectangle(
                    (x - half, top[key]),
                    _NODE_WIDTH,
                    n,
                    fill=False,
                    edgecolor=colours[key] if x == 0 else _NODE_EDGE,
                    lw=0.8,
                    zorder=3,
                )
            )
            texts.append(
                ax.text(
                    x,
                    top[key] + n / 2,
                    _box_labels(str(labels[x][key]), int(n))[0],
                    ha="center",
                    va="center",
                    fontsize=_FONT_SIZES[0],
                    linespacing=1.1,
                    color="#111111",
                    gid="flow-label",
                    zorder=4,
                )
            )
            boxes.append((box, _box_labels(str(labels[x][key]), int(n))))
    return texts, boxes


def _headers_and_note(ax, stages: list[str], height_units: float, total: int) -> None:
    """The bold header over each column and the note on what the sizes mean."""
    for x, stage in enumerate(stages):
        ax.text(
            x,
            -0.03 * height_units,
            _HEADERS[stage],
            ha="center",
            va="bottom",
            fontsize=9,
            fontweight="bold",
            color="#222222",
            gid="flow-header",
        )
    ax.text(
        (len(stages) - 1) / 2,
        height_units * 1.03,
        f"N = {total} patients with recurrence; box heights and band widths "
        "proportional to the number of patients;\nbands coloured by the presentation "
        "they start from",
        ha="center",
        va="top",
        fontsize=8,
        color="#444444",
        gid="flow-note",
    )


def response_text(counts: pd.DataFrame) -> str:
    """The responses a flow figure shows, in its order, for the caption.

    Only the responses with patients appear (a "not assessed" box only where a
    response is missing).

    Examples
    --------
    >>> from nettx_utils.data.cohort import load_cohort
    >>> response_text(flow_counts(load_cohort()))
    'complete response (CR), partial response (PR), stable disease (SD) or progressive disease (PD)'
    """
    sizes = counts.groupby("response", observed=True)["n"].sum()
    labels = counts.drop_duplicates("response").set_index("response")["response_label"]
    present = [code for code in counts["response"].cat.categories if sizes.get(code, 0) > 0]
    names = [
        f"{_RESPONSE_NAMES[code]} ({code})"
        if code in _RESPONSE_NAMES
        else str(labels[code]).lower()
        for code in present
    ]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


_RESPONSE_NAMES = {
    "CR": "complete response",
    "PR": "partial response",
    "SD": "stable disease",
    "PD": "progressive disease",
}


def _fit_labels(fig: Figure, texts: list, boxes: list) -> None:
    """Write each box's label inside its box, where no band runs.

    For each font size of :data:`_FONT_SIZES` in turn, each label takes the
    first of its variants (:func:`_box_labels`, most lines first) that fits its
    box's width and height; the first size at which every label fits is kept.
    If none is, the smallest size is kept with, per label, the variant of fewest
    lines that fits the width: the text then overhangs the box into the empty
    gap above and below it, never onto a band.
    """
    fig.draw_without_rendering()  # the layout, hence the boxes' size on the page
    renderer = fig._get_renderer()
    sizes = [box.get_window_extent(renderer) for box, _ in boxes]

    def fits(text, box, wide_only=False):
        extent = text.get_window_extent(renderer)
        return extent.width <= 0.92 * box.width and (
            wide_only or extent.height <= 0.96 * box.height
        )

    for size in _FONT_SIZES:
        ok = True
        for text, (_, variants), box in zip(texts, boxes, sizes, strict=True):
            text.set_fontsize(size)
            for variant in variants:
                text.set_text(variant)
                if fits(text, box):
                    break
            else:
                ok = False
        if ok:
            return
    for text, (_, variants), box in zip(texts, boxes, sizes, strict=True):
        for variant in reversed(variants):  # fewest lines first
            text.set_text(variant)
            if fits(text, box, wide_only=True):
                break
        else:
            text.set_text(variants[0])

"""Figure 1 of the paper: one value per patient at successive time points.

:func:`trajectories_figure` draws Mib-1 at primary resection, at LT and at
recurrence: a thin line per patient and the median and IQR at each point
(:func:`nettx_utils.stats.quartiles.quartiles`), or a violin per time point for
a cohort above :data:`~nettx_utils.figures.style.PER_PATIENT_LIMIT` patients.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter
from scipy.stats import gaussian_kde

from nettx_utils.errors import NettxError
from nettx_utils.figures.style import BOOK_RC, PALETTE, PER_PATIENT_LIMIT
from nettx_utils.stats.quartiles import quartiles

#: Mib-1 columns of the cohort in time order, with the x labels of Figure 1.
MIB1_TIME_POINTS: dict[str, str] = {
    "mib1_primary_pct": "Primary tumor",
    "mib1_lt_pct": "Liver metastases\nat LT",
    "mib1_recurrence_pct": "Recurrence",
}


_LOG_TICKS = (0, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


_SUMMARY_SHIFT = 0.14  # x offset of the median/IQR bar from the patients' points


def _scale_label(ylabel: str, log_scale: bool, positive: bool) -> str:
    """The y label with the scale said in words (a logarithmic axis must not pass for linear).

    Examples
    --------
    >>> _scale_label("Mib-1 (%)", True, True)
    'Mib-1 (%), logarithmic scale'
    >>> _scale_label("Mib-1 (%)", True, False)
    'Mib-1 (%), linear scale to 1, logarithmic above'
    >>> _scale_label("Mib-1 (%)", False, True)
    'Mib-1 (%)'
    """
    if not log_scale:
        return ylabel
    return (
        f"{ylabel}, logarithmic scale"
        if positive
        else f"{ylabel}, linear scale to 1, logarithmic above"
    )


def _numeric_frame(values: pd.DataFrame, who: str) -> pd.DataFrame:
    """``values`` as float columns; a NettxError names any non-numeric column."""
    if not isinstance(values, pd.DataFrame):
        raise NettxError(f"{who}: values must be a DataFrame, got {type(values).__name__}")
    if values.shape[1] == 0 or values.shape[0] == 0:
        raise NettxError(
            f"{who}: values is empty ({values.shape[0]} rows, {values.shape[1]} columns)"
        )
    out = {}
    for column in values.columns:
        try:
            out[column] = pd.to_numeric(values[column], errors="raise").astype("float64")
        except (TypeError, ValueError) as exc:
            raise NettxError(f"{who}: column {column!r} is not numeric: {exc}") from None
    frame = pd.DataFrame(out, index=values.index)
    if frame.notna().sum().sum() == 0:
        raise NettxError(f"{who}: every value is missing in columns {list(values.columns)}")
    return frame


def _violin(ax: Axes, x: float, values: np.ndarray, width: float, colour: str) -> None:
    """A violin at ``x``, estimated on the y axis' own scale (linear or symlog)."""
    forward = ax.yaxis.get_transform()
    t = forward.transform(values.reshape(-1, 1)).ravel()
    if t.size < 2 or np.ptp(t) == 0:
        return
    grid = np.linspace(t.min(), t.max(), 200)
    density = gaussian_kde(t)(grid)
    half = 0.5 * width * density / density.max()
    y = forward.inverted().transform(grid.reshape(-1, 1)).ravel()
    ax.fill_betweenx(
        y, x - half, x + half, color=colour, alpha=0.25, lw=0, gid="trajectory-violin", zorder=1
    )


def trajectories_figure(
    values: pd.DataFrame,
    *,
    labels: Sequence[str] | None = None,
    ylabel: str = "Mib-1 (%)",
    quantile_method: str = "weibull",
    max_lines: int = PER_PATIENT_LIMIT,
    log_scale: bool = True,
    width: float = 4.6,
    height: float = 3.6,
) -> Figure:
    """Per-patient values at successive time points, with median and IQR (Figure 1).

    Each patient measured at two or more time points is a thin line joining
    the points measured (a missing middle point is bridged); a patient
    measured once is a single dot. At each time point a bold marker gives the
    median and a bar the interquartile range, both computed by
    :func:`nettx_utils.stats.quartiles.quartiles`; the x tick labels give n measured.
    With more than ``max_lines`` patients the lines are replaced by a violin
    per time point and a note says so.

    Parameters
    ----------
    values : DataFrame
        One row per patient, one numeric column per time point, in time order;
        missing values allowed. For the book:
        ``cohort[list(MIB1_TIME_POINTS)]``.
    labels : sequence of str, optional
        x label per column; default the column names.
    ylabel : str, default "Mib-1 (%)"
    quantile_method : str, default "weibull"
        Quantile convention for the median and IQR (SPSS's by default).
    max_lines : int, default 200
        Largest number of patients drawn as individual lines.
    log_scale : bool, default True
        A logarithmic y axis, which separates values of 1-3% and still shows
        40%; the y label says so ("..., logarithmic scale"). With a value of 0
        or below (not drawable on a log axis) the axis is symmetric-log, linear
        up to 1 and logarithmic above, and the label says that. False gives a
        linear axis from 0.
    width, height : float
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Outside pyplot's registry (display or glue it to show it).
        ``fig.trajectory_summary`` is a DataFrame ``time_point, label, n, q1,
        median, q3`` (one row per column of ``values``); the key (one patient,
        median and IQR) is a figure legend above the axes. Artists carry gids:
        ``trajectory-line`` (one per patient with >= 2 values),
        ``trajectory-point`` (patients with one value), ``trajectory-median``,
        ``trajectory-iqr``, ``trajectory-violin`` and ``trajectory-note``.

    Raises
    ------
    NettxError
        ``values`` empty or all missing, a non-numeric column, ``labels`` of
        the wrong length, or a negative ``max_lines``.

    Examples
    --------
    >>> values = pd.DataFrame({"primary": [1.0, 2.0, 3.0], "lt": [2.0, None, 8.0]})
    >>> fig = trajectories_figure(values, labels=["Primary", "LT"])
    >>> fig.trajectory_summary[["time_point", "n", "median"]].to_dict("list")
    {'time_point': ['primary', 'lt'], 'n': [3, 2], 'median': [2.0, 5.0]}
    """
    who = "trajectories_figure"
    frame = _numeric_frame(values, who)
    names = [str(c) for c in frame.columns] if labels is None else [str(x) for x in labels]
    if len(names) != frame.shape[1]:
        raise NettxError(f"{who}: {len(names)} labels for {frame.shape[1]} columns")
    if max_lines < 0:
        raise NettxError(f"{who}: max_lines must be >= 0, got {max_lines}")

    x = np.arange(frame.shape[1], dtype=float)
    summary = _summary(frame, names, quantile_method)
    n_patients = int(frame.notna().any(axis=1).sum())
    show_lines = n_patients <= max_lines

    with mpl.rc_context(BOOK_RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.add_subplot()
        data = frame.to_numpy()
        positive = bool(np.nanmin(data) > 0)
        if log_scale and positive:
            ax.set_yscale("log")
        elif log_scale:
            ax.set_yscale("symlog", linthresh=1.0, linscale=0.5)
        if show_lines:
            _draw_patients(ax, x, data)
        else:
            _draw_violins(ax, x, frame, n_patients, max_lines)
        _draw_summary(ax, x, summary, _SUMMARY_SHIFT if show_lines else 0.0)
        _key_legend(fig, show_lines)
        _x_axis(ax, x, names, summary["n"])
        _y_axis(ax, data, log_scale, positive)
        ax.set_ylabel(_scale_label(ylabel, log_scale, positive))
    fig.trajectory_summary = summary
    return fig


def _summary(frame: pd.DataFrame, names: list[str], quantile_method: str) -> pd.DataFrame:
    """``time_point, label, n, q1, median, q3`` of each column (:func:`quartiles`)."""
    rows = []
    for column, label in zip(frame.columns, names, strict=True):
        q = quartiles(frame[column], method=quantile_method)
        rows.append(
            {
                "time_point": column,
                "label": label,
                "n": q.n,
                "q1": q.q1,
                "median": q.median,
                "q3": q.q3,
            }
        )
    return pd.DataFrame(rows)


def _draw_patients(ax: Axes, x: np.ndarray, data: np.ndarray) -> None:
    """A thin line per patient measured twice or more, a dot per patient measured once."""
    for row in data:
        seen = ~np.isnan(row)
        if seen.sum() >= 2:
            ax.plot(
                x[seen],
                row[seen],
                color=PALETTE[0],
                lw=0.8,
                alpha=0.35,
                marker="o",
                ms=2.5,
                gid="trajectory-line",
                zorder=2,
            )
        elif seen.sum() == 1:
            ax.plot(
                x[seen],
                row[seen],
                ls="none",
                color=PALETTE[0],
                alpha=0.5,
                marker="o",
                ms=2.5,
                gid="trajectory-point",
                zorder=2,
            )


def _draw_violins(
    ax: Axes, x: np.ndarray, frame: pd.DataFrame, n_patients: int, max_lines: int
) -> None:
    """A violin per time point, and the note that says why no patient's line is drawn."""
    for xi, column in zip(x, frame.columns, strict=True):
        _violin(ax, xi, frame[column].dropna().to_numpy(), 0.55, PALETTE[0])
    note = ax.set_title(
        (
            f"N = {n_patients}: per-patient lines are not drawn above {max_lines} "
            "patients;\nshaded violins show the distribution at each time point"
            if max_lines > 0
            else f"N = {n_patients}: per-patient lines are not drawn for this cohort;"
            "\nshaded violins show the distribution at each time point"
        ),
        loc="left",
        fontsize=8,
        fontweight="normal",
        color="#444444",
    )
    note.set_gid("trajectory-note")


def _draw_summary(ax: Axes, x: np.ndarray, summary: pd.DataFrame, shift: float) -> None:
    """The IQR bar (with caps) and the median marker at each time point measured."""
    for xi, r in zip(x, summary.itertuples(), strict=True):
        if r.n == 0:
            continue
        ax.plot(
            [xi + shift] * 2,
            [r.q1, r.q3],
            color="#111111",
            lw=2.2,
            solid_capstyle="butt",
            gid="trajectory-iqr",
            zorder=4,
        )
        for y in (r.q1, r.q3):
            ax.plot(
                [xi + shift - 0.05, xi + shift + 0.05],
                [y, y],
                color="#111111",
                lw=1.4,
                gid="trajectory-iqr",
                zorder=4,
            )
        ax.plot(
            xi + shift,
            r.median,
            marker="o",
            ms=7,
            mfc="white",
            mec="#111111",
            mew=2.0,
            ls="none",
            gid="trajectory-median",
            zorder=5,
        )


def _key_legend(fig: Figure, show_lines: bool) -> None:
    """The key (one patient, median and IQR) as a figure legend above the axes."""
    key = [Line2D([], [], color="#111111", lw=2.2, marker="o", ms=6, mfc="white", mew=1.8)]
    names_key = ["Median (IQR)"]
    if show_lines:
        key.insert(0, Line2D([], [], color=PALETTE[0], lw=0.8, alpha=0.6, marker="o", ms=2.5))
        names_key.insert(0, "One patient")
    fig.legend(  # outside the plotting area: it can cover no patient's line
        key,
        names_key,
        loc="outside upper left",
        ncols=len(key),
        handlelength=1.8,
        frameon=False,
    )


def _x_axis(ax: Axes, x: np.ndarray, names: list[str], n: pd.Series) -> None:
    """One tick per time point, labelled with its name and the number measured."""
    ax.set_xlim(-0.35, x[-1] + 0.45)
    ax.xaxis.set_major_locator(FixedLocator(x))
    ax.set_xticklabels([f"{lab}\nn = {k}" for lab, k in zip(names, n, strict=True)])
    ax.tick_params(axis="x", length=0)


def _y_axis(ax: Axes, data: np.ndarray, log_scale: bool, positive: bool) -> None:
    """The y limits and ticks: round values on a logarithmic axis, else linear from 0."""
    top = float(np.nanmax(data))
    if log_scale:
        ceiling = next((t for t in _LOG_TICKS if t >= top), top * 1.1)
        if positive:
            low = float(np.nanmin(data))
            floor = max((t for t in _LOG_TICKS if 0 < t <= low), default=low / 1.1)
            ticks = [t for t in _LOG_TICKS if floor <= t <= ceiling]
            ax.set_ylim(floor / 1.15, ceiling * 1.05)
        else:
            ticks = [t for t in _LOG_TICKS if t <= ceiling]
            ax.set_ylim(min(0.0, float(np.nanmin(data))), max(ceiling, 1.0))
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_minor_locator(FixedLocator([]))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    else:
        ax.set_ylim(min(0.0, float(np.nanmin(data))), top * 1.08 if top > 0 else 1.0)

"""Run one chapter notebook once per value of a parameter and compare what each run recorded.

``python -m nettx_utils sweep 05 -p early_recurrence_months 12 24 36`` executes
``notebooks/05_prognostic_factors.ipynb`` three times with papermill (several at
once when cores allow), each into its own folder::

    results/sweeps/05_prognostic_factors-early_recurrence_months/
        early_recurrence_months=12/05_prognostic_factors.ipynb   executed copy
        early_recurrence_months=12/05_prognostic_factors.json    its recorded numbers
        ...
        sweep.csv   one row per value, one column per recorded scalar
        sweep.png   chosen recorded numbers (default: every p-value) against the value

Each chapter records its key numbers with :class:`~nettx_utils.record.NotebookRecord`;
the sweep reads those JSON files (:func:`~nettx_utils.record.read_record`), never the
notebooks' HTML. Nothing is written into ``data/`` or ``notebooks/``.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pandas as pd

from nettx_utils import execution, pipeline
from nettx_utils.cohort import DATA_DIR, PROJECT_ROOT
from nettx_utils.errors import NettxError, NotebookFailed
from nettx_utils.record import read_record

__all__ = ["SweepResult", "default_out", "resolve_notebook", "run_sweep", "sweep_table"]

SWEEP_DIR = PROJECT_ROOT / "results" / "sweeps"


@dataclass(frozen=True)
class SweepResult:
    """What a sweep produced: the table (also as CSV), the figure, each run's folder."""

    table: pd.DataFrame
    csv: Path
    figure: Path | None
    runs: dict[str, Path]
    seconds: dict[str, float] = field(default_factory=dict)


def resolve_notebook(name: str | Path, notebook_dir: Path = pipeline.NOTEBOOK_DIR) -> Path:
    """The source notebook called ``name``: ``05``, ``05_prognostic_factors``, its file
    name, or a path to a notebook file.

    Examples
    --------
    >>> resolve_notebook("05").name
    '05_prognostic_factors.ipynb'
    """
    text = str(name)
    path = Path(text)
    if path.suffix == ".ipynb" and path.is_file():
        return path.resolve()
    stem = path.name.removesuffix(".ipynb")
    notebooks = pipeline.source_notebooks(notebook_dir)
    matches = [nb for nb in notebooks if stem in (nb.stem, nb.stem.split("_", 1)[0])]
    if len(matches) != 1:
        raise NettxError(
            f"{text}: no such notebook; choose from {', '.join(nb.stem for nb in notebooks)}."
        )
    return matches[0]


def default_out(notebook: Path, parameter: str) -> Path:
    """``results/sweeps/<notebook>-<parameter>/`` in the project."""
    return SWEEP_DIR / f"{notebook.stem}-{parameter}"


def _slug(value: object) -> str:
    """A folder-name-safe text for a parameter value (``24``, ``5,10``, ``log``)."""
    text = ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    return re.sub(r"[^A-Za-z0-9._,+-]", "_", text) or "_"


def _check_out(out: Path) -> None:
    resolved = out.resolve()
    for inputs in (DATA_DIR, pipeline.NOTEBOOK_DIR):
        if resolved.is_relative_to(inputs.resolve()):
            raise NettxError(
                f"{out}: {inputs.name}/ holds the book's inputs; write the sweep elsewhere."
            )


def _execute(job: tuple[Path, Path, dict[str, object], str]) -> float:
    """One run in a worker process; returns its seconds (raises NotebookFailed)."""
    notebook, output, parameters, kernel = job
    start = time.perf_counter()
    execution.execute_notebook(notebook, output, parameters, kernel=kernel)
    return time.perf_counter() - start


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str)


def sweep_table(
    parameter: str, values: Sequence[object], records: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """One row per value, the parameter first, then one column per recorded scalar.

    Lists and dicts in a record are left out; the keys left out are listed in
    ``table.attrs["skipped"]``. Numbers recorded as ``"inf"``/``"-inf"`` (JSON has no
    infinity) become floats again.

    Examples
    --------
    >>> table = sweep_table("cut", [12, 24], [{"p": 0.2, "groups": [1, 2]}, {"p": 0.04}])
    >>> table.to_dict("list"), table.attrs["skipped"]
    ({'cut': [12, 24], 'p': [0.2, 0.04]}, ['groups'])
    """
    rows, skipped = [], []
    for value, record in zip(values, records, strict=True):
        row: dict[str, Any] = {parameter: _slug(value) if isinstance(value, list) else value}
        for key, item in record.items():
            if key == parameter:
                key = f"recorded_{key}"
            if item in ("inf", "-inf"):
                item = float(item)
            if _is_scalar(item):
                row[key] = item
            elif key not in skipped:
                skipped.append(key)
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["skipped"] = [k for k in skipped if k not in table.columns]
    return table


def _p_value_columns(table: pd.DataFrame, parameter: str) -> list[str]:
    numeric = [
        c
        for c in table.columns
        if c != parameter
        and pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
    ]
    p_values = [c for c in numeric if c == "p" or c.endswith("_p") or "p_value" in c]
    if p_values:
        return p_values
    return [c for c in numeric if table[c].nunique(dropna=True) > 1][:8]


def sweep_figure(table: pd.DataFrame, parameter: str, keys: Sequence[str]) -> Any:
    """Each of ``keys`` against the parameter, one small panel per key.

    A key whose name looks like a p-value (``*_p``, ``p_value``) gets a log axis and a
    dashed line at 0.05. Non-numeric parameter values are spaced evenly.
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from nettx_utils.plots import BOOK_RC, PALETTE

    numeric_x = pd.api.types.is_numeric_dtype(table[parameter])
    x = table[parameter] if numeric_x else pd.Series(range(len(table)))
    n = len(keys)
    columns = min(3, n)
    rows = math.ceil(n / columns)
    with mpl.rc_context(BOOK_RC):
        fig = Figure(figsize=(3.2 * columns, 2.5 * rows), layout="constrained")
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax, key in zip(axes, keys, strict=False):
            y = pd.to_numeric(table[key], errors="coerce")
            ax.plot(x, y, marker="o", color=PALETTE[0])
            is_p = key == "p" or key.endswith("_p") or "p_value" in key
            if is_p and (y > 0).any():
                ax.set_yscale("log")
                ax.axhline(0.05, color="#666666", lw=0.9, ls="--")
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_title(key, fontsize=9.5)
            ax.set_xlabel(parameter)
            if not numeric_x or len(table) <= 12:
                ax.set_xticks(list(x), [str(v) for v in table[parameter]])
        for ax in axes[n:]:
            ax.set_visible(False)
    return fig


def run_sweep(
    notebook: str | Path,
    parameter: str,
    values: Sequence[object],
    *,
    out: Path | None = None,
    jobs: int | None = None,
    plot: Sequence[str] = (),
    report: Callable[[str], None] = print,
    notebook_dir: Path = pipeline.NOTEBOOK_DIR,
) -> SweepResult:
    """Execute ``notebook`` once per value of ``parameter``; tabulate and plot the records.

    Parameters
    ----------
    notebook
        ``05``, ``05_prognostic_factors`` or a path to a notebook.
    parameter, values
        A parameter the notebook's ``parameters`` cell declares, and its values
        (already parsed, e.g. by :func:`nettx_utils.pipeline.parse_parameters`).
    out
        Folder of the runs, the CSV and the PNG; default :func:`default_out`.
    jobs
        Runs at once; default ``min(len(values), os.cpu_count())``.
    plot
        Recorded keys to draw against the parameter; default every p-value
        (keys named ``*_p`` or ``*p_value*``), else the numbers that vary.

    Raises
    ------
    NettxError
        Unknown notebook or parameter (before anything runs), repeated values, an
        output folder in ``data/`` or ``notebooks/``, or an unknown ``plot`` key.
    NotebookFailed
        When a run fails; the other runs finish first, and the table holds them.
    """
    path = resolve_notebook(notebook, notebook_dir)
    values = list(values)
    if not values:
        raise NettxError("sweep: give at least one value after the parameter's name.")
    pipeline.plan_parameters([path], {parameter: values[0]})
    slugs = [f"{parameter}={_slug(v)}" for v in values]
    if len(set(slugs)) != len(slugs):
        raise NettxError(f"sweep: the values of {parameter} repeat: {values!r}.")
    out = Path(out) if out is not None else default_out(path, parameter)
    _check_out(out)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(values)))
    kernel = execution.kernel_name()

    work = {}
    for slug, value in zip(slugs, values, strict=True):
        folder = out / slug
        if folder.exists():
            shutil.rmtree(folder)  # no stale record from an earlier sweep
        folder.mkdir(parents=True)
        work[slug] = (path, folder / path.name, {parameter: value}, kernel)

    report(f"Sweeping {parameter} over {len(values)} value(s) of {path.stem}, {jobs} at a time ...")
    seconds: dict[str, float] = {}
    failures: dict[str, str] = {}

    def finished(slug: str, outcome: float | BaseException) -> None:
        done = len(seconds) + len(failures) + 1
        if isinstance(outcome, BaseException):
            failures[slug] = str(outcome)
            report(f"[{done}/{len(work)}] {slug}: FAILED")
        else:
            seconds[slug] = outcome
            report(f"[{done}/{len(work)}] {slug}: done in {outcome:.1f} s")

    if jobs == 1:
        for slug, job in work.items():
            try:
                finished(slug, _execute(job))
            except NotebookFailed as exc:
                finished(slug, exc)
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
            futures = {pool.submit(_execute, job): slug for slug, job in work.items()}
            for future in as_completed(futures):
                exc = future.exception()
                if exc is not None and not isinstance(exc, NotebookFailed):
                    raise exc
                finished(futures[future], exc if exc is not None else future.result())

    done = [(s, v) for s, v in zip(slugs, values, strict=True) if s in seconds]
    records = []
    for slug, _ in done:
        try:
            records.append(read_record(out / slug, path.stem))
        except FileNotFoundError:
            raise NettxError(
                f"{path.name} ran but recorded nothing in {out / slug}: does it call "
                "chapter.finish()?"
            ) from None
    table = sweep_table(parameter, [v for _, v in done], records)
    csv = out / "sweep.csv"
    table.to_csv(csv, index=False)
    report(f"Table: {csv}")
    if table.attrs["skipped"]:
        report(f"  (not scalars, left out of the table: {', '.join(table.attrs['skipped'])})")

    figure = None
    keys = list(plot) or _p_value_columns(table, parameter)
    unknown = [k for k in keys if k not in table.columns]
    if unknown:
        raise NettxError(
            f"--plot {', '.join(unknown)}: not a recorded scalar; choose from "
            f"{', '.join(c for c in table.columns if c != parameter)}."
        )
    if keys and len(table):
        figure = out / "sweep.png"
        sweep_figure(table, parameter, keys).savefig(figure, dpi=150)
        report(f"Figure: {figure}")
    runs = {slug: out / slug / path.name for slug, _ in done}
    if failures:
        lines = "\n".join(f"  {slug}: {message}" for slug, message in failures.items())
        raise NotebookFailed(
            f"{len(failures)} of {len(work)} run(s) failed (their executed copies, with the "
            f"traceback, are in {out}):\n{lines}"
        )
    return SweepResult(table, csv, figure, runs, seconds)

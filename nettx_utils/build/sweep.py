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

Each chapter records its key numbers with :class:`~nettx_utils.pages.record.NotebookRecord`;
the sweep reads those JSON files (:func:`~nettx_utils.pages.record.read_record`), never the
notebooks' HTML. Nothing is written into ``data/`` or ``notebooks/``.
"""

from __future__ import annotations

import json
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

from nettx_utils import project
from nettx_utils.build import execution, pipeline
from nettx_utils.errors import NettxError, NotebookFailed
from nettx_utils.pages.figure_export import add_footer
from nettx_utils.pages.record import read_record
from nettx_utils.pages.table_export import SOURCE_COLUMN
from nettx_utils.project import DATA_DIR, PROJECT_ROOT

__all__ = [
    "SweepResult",
    "default_out",
    "resolve_notebook",
    "run_sweep",
    "sweep_table",
]

SWEEP_DIR = PROJECT_ROOT / "results" / "sweeps"


@dataclass(frozen=True)
class SweepResult:
    """What a sweep produced: the table (also as CSV), the figure, each run's folder."""

    table: pd.DataFrame
    csv: Path
    figure: Path | None
    runs: dict[str, Path]
    seconds: dict[str, float] = field(default_factory=dict)


def resolve_notebook(name: str | Path, notebook_dir: Path = project.NOTEBOOK_DIR) -> Path:
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
    notebooks = project.source_notebooks(notebook_dir)
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
    for inputs in (DATA_DIR, project.NOTEBOOK_DIR):
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
    varying = [c for c in numeric if table[c].nunique(dropna=True) > 1]
    return [c for c in varying if not _repeats_parameter(table, c, parameter)][:8]


def _repeats_parameter(table: pd.DataFrame, column: str, parameter: str) -> bool:
    """Whether ``column`` only repeats the parameter's values (``24.0`` for ``24``)."""
    if table[column].equals(table[parameter]):
        return True
    values = pd.to_numeric(table[column], errors="coerce")
    swept = pd.to_numeric(table[parameter], errors="coerce")
    return bool(values.notna().all() and (values == swept).all())


def sweep_figure(table: pd.DataFrame, parameter: str, keys: Sequence[str]) -> Any:
    """Each of ``keys`` against the parameter, one small panel per key.

    A key whose name looks like a p-value (``*_p``, ``p_value``) gets a log axis and a
    dashed line at 0.05. Non-numeric parameter values are spaced evenly.
    """
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from nettx_utils.figures.style import BOOK_RC, PALETTE

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


"""The label of a sweep's CSV and figure when the runs read a cohort that is not the
synthetic one (the words of a chapter's figure captions on such a cohort)."""

_COUNT_WORDS = re.compile(
    r"(^|_)(n|count|counts|deaths?|events?|observed|expected|sizes?|hits|exits|patients)(_|$)"
)


def disclosive_columns(table: pd.DataFrame, parameter: str) -> list[str]:
    """The columns of a sweep's table that a sweep of a real cohort must leave out.

    A count that changes from one value of the parameter to the next (patients or
    deaths in a group at each cut-off) gives, by differencing neighbouring values,
    the recurrence month and the outcome of single patients. Left out: every column
    whose values vary across the runs and either are all whole numbers or are named
    like a count (``n_*``, ``*_n``, ``*deaths*``, ``*events*``, ``observed_*``,
    ``expected_*``, ``*size*``, ``*hits*``, ``*patients*``). Kept: the parameter, a
    column that only repeats it, and every column that is the same in all runs (it
    is what one run of the book shows).

    Examples
    --------
    >>> table = pd.DataFrame({"cut": [12, 24], "n_early": [3, 7], "p": [0.2, 0.01],
    ...                       "expected_1": [1.5, 2.25], "cutoff": [12.0, 24.0], "n_patients": [32, 32]})
    >>> disclosive_columns(table, "cut")
    ['n_early', 'expected_1']
    """
    left_out = []
    for column in table.columns:
        values = table[column]
        if column == parameter or values.nunique(dropna=False) <= 1:
            continue
        if _repeats_parameter(table, column, parameter):
            continue
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        whole = numeric and bool(((values.dropna() % 1) == 0).all())
        if whole or _COUNT_WORDS.search(str(column).lower()):
            left_out.append(column)
    return left_out


def _data_label(cohort_path: Path) -> str:
    """The label of the sweep's CSV and figure: whose patients the runs read, as every
    exported file says it (:func:`nettx_utils.pages.provenance.data_label`: the file's name only)."""
    from nettx_utils.data.datapackage import is_synthetic
    from nettx_utils.pages.provenance import data_label

    return data_label(is_synthetic(cohort_path), cohort_path)


def _checked_cohort(
    data_path: Path | None, out: Path, allow_columns: Sequence[str], report: Callable[[str], None]
) -> Path:
    """The cohort the runs read, validated as ``run --data`` validates it
    (:func:`nettx_utils.build.pipeline._checked_cohort`); refused inside ``out``, whose run
    folders each sweep replaces."""
    from nettx_utils.project import DEFAULT_COHORT

    if data_path is None:
        return DEFAULT_COHORT
    cohort_path = Path(data_path).resolve()
    if cohort_path.is_relative_to(out.resolve()):
        raise NettxError(
            f"{cohort_path.name}: the cohort file is inside the sweep's folder {out}, whose "
            "runs each sweep replaces; move the file out of it first."
        )
    pipeline._checked_cohort(cohort_path, out, allow_columns, report)
    return cohort_path


def run_sweep(
    notebook: str | Path,
    parameter: str,
    values: Sequence[object],
    *,
    out: Path | None = None,
    jobs: int | None = None,
    plot: Sequence[str] = (),
    report: Callable[[str], None] = print,
    notebook_dir: Path = project.NOTEBOOK_DIR,
    data_path: Path | None = None,
    allow_columns: Sequence[str] = (),
) -> SweepResult:
    """Execute ``notebook`` once per value of ``parameter``; tabulate and plot the records.

    Parameters
    ----------
    notebook
        ``05``, ``05_prognostic_factors`` or a path to a notebook.
    parameter, values
        A parameter the notebook's ``parameters`` cell declares, and its values
        (already parsed, e.g. by :func:`nettx_utils.pages.parameters.parse_parameters`).
    out
        Folder of the runs, the CSV and the PNG; default :func:`default_out`.
    jobs
        Runs at once; default ``min(len(values), os.cpu_count())``.
    plot
        Recorded keys to draw against the parameter; default every p-value
        (keys named ``*_p`` or ``*p_value*``), else the numbers that vary.
    data_path
        Another cohort file, as ``run --data``: checked against the data dictionary
        before any run starts, never written to. On a cohort that is not the
        synthetic one the table and the figure are labelled "computed from your
        cohort", the table leaves out the counts that vary with the parameter
        (:func:`disclosive_columns`), and the folders of the runs that succeeded
        (executed copies, records, exported tables and figures, which show those
        counts) are deleted once tabulated.
    allow_columns
        Identifier-like columns of the cohort to accept, as ``run --allow-column``.

    Raises
    ------
    ParameterError
        A value out of the parameter's range or of the wrong type
        (:mod:`nettx_utils.pages.parameters`), or ``data_path`` as the swept parameter.
    NettxError
        Unknown notebook or parameter (before anything runs), repeated values, an
        output folder in ``data/`` or ``notebooks/``, a cohort that breaks the
        dictionary, or an unknown ``plot`` key.
    NotebookFailed
        When a run fails; the other runs finish first, and the table holds them.
    """
    from nettx_utils.data.datapackage import is_synthetic

    path = resolve_notebook(notebook, notebook_dir)
    values, slugs = _checked_values(path, parameter, values)
    out = Path(out) if out is not None else default_out(path, parameter)
    _check_out(out)
    cohort_path = _checked_cohort(data_path, out, allow_columns, report)
    synthetic = is_synthetic(cohort_path)
    given = {"data_path": str(cohort_path)} if data_path is not None else {}
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(values)))
    work = _prepare_runs(path, out, parameter, dict(zip(slugs, values, strict=True)), given)

    report(f"Sweeping {parameter} over {len(values)} value(s) of {path.stem}, {jobs} at a time ...")
    seconds, failures = _execute_runs(work, jobs, allow_columns, report)

    done = [(s, v) for s, v in zip(slugs, values, strict=True) if s in seconds]
    table = _tabulate(path, out, parameter, done)
    if not synthetic:
        table = _leave_out_private(table, out, parameter, done, report)
    csv = out / "sweep.csv"
    label = _data_label(cohort_path)
    table.assign(**{SOURCE_COLUMN: label}).to_csv(csv, index=False)
    report(f"Table: {csv}")
    if table.attrs["skipped"]:
        report(f"  (not scalars, left out of the table: {', '.join(table.attrs['skipped'])})")

    figure = _draw(table, parameter, plot, out, label, report)
    runs = {slug: out / slug / path.name for slug, _ in done} if synthetic else {}
    if failures:
        lines = "\n".join(f"  {slug}: {message}" for slug, message in failures.items())
        raise NotebookFailed(
            f"{len(failures)} of {len(work)} run(s) failed (their executed copies, with the "
            f"traceback, are in {out}):\n{lines}"
        )
    return SweepResult(table, csv, figure, runs, seconds)


def _checked_values(
    path: Path, parameter: str, values: Sequence[object]
) -> tuple[list[object], list[str]]:
    """The swept values, checked against the notebook's declaration, and their folders' names
    (``parameter=value``); refused when empty, out of range or repeated."""
    from nettx_utils.pages import parameters as declared

    values = list(values)
    if not values:
        raise NettxError("sweep: give at least one value after the parameter's name.")
    declared.refuse_data_path({parameter: values[0]})
    pipeline.plan_parameters([path], {parameter: values[0]})
    values = [declared.check_parameters({parameter: v})[parameter] for v in values]
    slugs = [f"{parameter}={_slug(v)}" for v in values]
    if len(set(slugs)) != len(slugs):
        raise NettxError(f"sweep: the values of {parameter} repeat: {values!r}.")
    return values, slugs


def _prepare_runs(
    path: Path,
    out: Path,
    parameter: str,
    values: Mapping[str, object],
    given: Mapping[str, object],
) -> dict[str, tuple]:
    """Each run's papermill job by its folder's name; each folder emptied first, so that no
    stale record from an earlier sweep remains."""
    kernel = execution.kernel_name()
    work = {}
    for slug, value in values.items():
        folder = out / slug
        if folder.exists():
            shutil.rmtree(folder)  # no stale record from an earlier sweep
        folder.mkdir(parents=True)
        work[slug] = (path, folder / path.name, {**given, parameter: value}, kernel)
    return work


def _execute_runs(
    work: Mapping[str, tuple],
    jobs: int,
    allow_columns: Sequence[str],
    report: Callable[[str], None],
) -> tuple[dict[str, float], dict[str, str]]:
    """Execute the runs, ``jobs`` at once; each run's seconds, and each failed run's message."""
    from nettx_utils.data.cohort import ALLOW_COLUMNS_ENV

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

    with execution.environment_variable(ALLOW_COLUMNS_ENV, json.dumps(list(allow_columns))):
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
    return seconds, failures


def _tabulate(
    path: Path, out: Path, parameter: str, done: Sequence[tuple[str, object]]
) -> pd.DataFrame:
    """The records of the runs that succeeded, as :func:`sweep_table`."""
    records = []
    for slug, _ in done:
        try:
            records.append(read_record(out / slug, path.stem))
        except FileNotFoundError:
            raise NettxError(
                f"{path.name} ran but recorded nothing in {out / slug}: does it call "
                "chapter.finish()?"
            ) from None
    return sweep_table(parameter, [v for _, v in done], records)


def _leave_out_private(
    table: pd.DataFrame,
    out: Path,
    parameter: str,
    done: Sequence[tuple[str, object]],
    report: Callable[[str], None],
) -> pd.DataFrame:
    """A sweep of the user's cohort: the table without the counts that vary with the
    parameter (:func:`disclosive_columns`), and the runs' folders deleted."""
    left_out = disclosive_columns(table, parameter)
    table = table.drop(columns=left_out)
    table.attrs["left_out"] = left_out
    for slug, _ in done:  # each shows the counts at its value: together, by differencing
        shutil.rmtree(out / slug)
    if left_out:
        report(
            "Your cohort: the counts that vary with the parameter are left out of the "
            f"table ({', '.join(left_out)}); by differencing neighbouring values they "
            "would give single patients' times and outcomes."
        )
    report(
        "Your cohort: the runs' folders (executed notebooks, records, exported tables "
        "and figures) were deleted once tabulated, for the same reason; run the book with "
        "one value to see a chapter."
    )
    return table


def _draw(
    table: pd.DataFrame,
    parameter: str,
    plot: Sequence[str],
    out: Path,
    label: str,
    report: Callable[[str], None],
) -> Path | None:
    """``sweep.png``: the ``plot`` keys (default: every p-value) against the parameter; None
    when there is nothing to draw. An unknown or left-out key is refused."""
    figure = None
    keys = list(plot) or _p_value_columns(table, parameter)
    unknown = [k for k in keys if k not in table.columns]
    private = [k for k in unknown if k in table.attrs.get("left_out", [])]
    if private:
        raise NettxError(
            f"--plot {', '.join(private)}: left out of a sweep of your cohort, as a count that "
            "varies with the parameter (it would give single patients' times by differencing)."
        )
    if unknown:
        raise NettxError(
            f"--plot {', '.join(unknown)}: not a recorded scalar; choose from "
            f"{', '.join(c for c in table.columns if c != parameter)}."
        )
    if keys and len(table):
        figure = out / "sweep.png"
        drawn = sweep_figure(table, parameter, keys)
        add_footer(drawn, label)
        drawn.savefig(figure, dpi=150, bbox_inches="tight")
        report(f"Figure: {figure}")
    elif len(table):
        report("No figure: no recorded number but the parameter itself varies across the runs.")
    return figure

"""Execute notebooks with papermill, each in a fresh kernel, one or several at once.

:func:`execute_notebook` runs one notebook into an output path, in a kernel of its
own, and tidies it for the book; :func:`execute_all` runs a set of them, in worker
processes when there are several, and stops at the first failure. The pipeline
(:mod:`nettx_utils.build.pipeline`) and ``sweep`` use them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

from nettx_utils.errors import NotebookFailed
from nettx_utils.pages.record import RECORD_DIR_ENV

KERNEL_NAME = "nettx"


def kernel_name() -> str:
    """The project's kernel (``make`` installs it into ``.venv``), else the current Python's."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL_NAME if KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: Mapping[str, object],
    *,
    kernel: str,
) -> None:
    """Run one notebook with papermill into ``output``, in a fresh kernel, then tidy it
    for the book. papermill writes the executed copy once, at the end (or on a failure).

    Raises
    ------
    NotebookFailed
        Naming the notebook, the failing cell and the error.
    """
    import papermill

    manager = ipc_kernel_manager(kernel)
    try:
        with environment_variable(RECORD_DIR_ENV, str(output.parent)):
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=dict(parameters),
                kernel_name=kernel,
                cwd=str(output.parent),
                progress_bar=False,
                log_output=False,
                # Written once at the end (and on a failure), not after every cell: a
                # chapter's figures made the per-cell saves cost a second a notebook.
                request_save_on_cell_execute=False,
                km=manager,
            )
    except papermill.PapermillExecutionError as exc:
        raise NotebookFailed(
            f"notebook {notebook.name} failed in cell {exc.cell_index} "
            f"(execution count {exc.exec_count}): {exc.ename}: {exc.evalue}"
        ) from None
    finally:
        # papermill leaves running a kernel whose manager it did not make
        if manager.has_kernel:
            from jupyter_core.utils import run_sync

            run_sync(manager.shutdown_kernel)(now=True)
    tidy_executed(output, notebook, parameters)


def ipc_kernel_manager(kernel: str):
    """A kernel manager whose kernel talks to it over local (IPC) sockets.

    Over TCP, the default, every kernel logs "Kernel is running over TCP without
    encryption" to the terminal; sockets in the user's Jupyter runtime folder are
    both private and quiet. Their path is absolute (the kernel runs in the notebook's
    folder, the client in the caller's) and unique to this kernel; the manager
    removes them when the kernel shuts down.
    """
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.paths import jupyter_runtime_dir

    runtime = Path(jupyter_runtime_dir())
    runtime.mkdir(parents=True, exist_ok=True)
    prefix = runtime / f"nettx-{uuid.uuid4().hex[:12]}"
    return AsyncKernelManager(kernel_name=kernel, transport="ipc", ip=str(prefix))


@contextmanager
def environment_variable(name: str, value: str) -> Iterator[None]:
    """Set one environment variable (inherited by the kernel) for the duration of a block."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def hide_injected_parameters(path: Path) -> None:
    """Tag papermill's injected-parameters cell ``remove-cell`` so the book does not show it."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    _hide_injected(notebook)
    nbformat.write(notebook, path)


def _hide_injected(notebook) -> None:
    for cell in notebook.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")


def _keep_only_the_file_name(notebook, data_path: object) -> None:
    """Leave the cohort file's folder out of the executed notebook, which the book offers
    as a download: the injected cell names the file only, and papermill's record of the
    run's paths and parameters is dropped (a folder often names a person or a share)."""
    papermill_record = notebook.metadata.get("papermill", {})
    for key in ("parameters", "input_path", "output_path"):
        papermill_record.pop(key, None)
    if not isinstance(data_path, str | Path) or Path(data_path).name == str(data_path):
        return
    folder_path, name = str(data_path), Path(data_path).name
    for cell in notebook.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace(folder_path, name)


USED_VALUES_TAG = "nettx-used-values"
"""The tag of the box, under the parameters cell, that lists the values a run used."""


def tidy_executed(path: Path, source: Path, parameters: Mapping[str, object]) -> None:
    """Ready an executed notebook for the book, in one read and write: hide papermill's
    injected-parameters cell, and show under the parameters cell the values this run
    used (:func:`used_values_markdown`), since the cell itself shows the defaults."""
    import nbformat
    import papermill

    notebook = nbformat.read(path, as_version=4)
    _hide_injected(notebook)
    _keep_only_the_file_name(notebook, parameters.get("data_path"))
    defaults = {
        name: info["default"] for name, info in papermill.inspect_notebook(str(source)).items()
    }
    if defaults:
        tags = [cell.metadata.get("tags", []) for cell in notebook.cells]
        after = max(
            i for i, t in enumerate(tags) if "parameters" in t or "injected-parameters" in t
        )
        box = nbformat.v4.new_markdown_cell(
            used_values_markdown(defaults, parameters), metadata={"tags": [USED_VALUES_TAG]}
        )
        notebook.cells.insert(after + 1, box)
    nbformat.write(notebook, path)


def _literal(text: str) -> object:
    """A parameter default (its source text, from ``papermill.inspect_notebook``) as a value."""
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _same(a: object, b: object) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return a == b


def _shown(value: object) -> str:
    """A parameter value for the box, as Python writes it: ``36``, ``[5, 10]``,
    ``"weibull"``, ``None``."""
    if value is None:
        return "`None`"
    if isinstance(value, tuple):
        value = list(value)
    return f"`{value!r}`".replace("'", '"')


def _cohort_path(default: object, used: object) -> Path:
    """The cohort file a run read: the synthetic cohort unless ``data_path`` was changed."""
    from nettx_utils.project import DEFAULT_COHORT

    return DEFAULT_COHORT if used is None or used == default else Path(str(used))


def _data_line(path: Path) -> str:
    """The box's line on the data, decided as the chapters decide it: by the file's
    checksum (:func:`nettx_utils.data.datapackage.is_synthetic`), not by its path."""
    from nettx_utils.data.datapackage import is_synthetic
    from nettx_utils.project import DEFAULT_COHORT

    if is_synthetic(path):
        where = "the default" if path == DEFAULT_COHORT else f"the file `{path.name}`"
        return f"- data: the synthetic cohort ({where})"
    return f"- data: the cohort file `{path.name}` (not the synthetic cohort)"


def _per_patient_line(default: object, used: object, path: Path) -> str:
    """The box's line on ``per_patient_figures``: the value, and what it meant for this
    run's cohort, resolved as the chapters resolve it
    (:func:`nettx_utils.pages.chapter.per_patient_allowed`)."""
    from nettx_utils.data.datapackage import is_synthetic
    from nettx_utils.figures.style import PER_PATIENT_LIMIT
    from nettx_utils.pages.chapter import per_patient_allowed

    synthetic = is_synthetic(path)
    value = "automatic" if used is None else _shown(used)
    if used is None:
        why = "the synthetic cohort" if synthetic else "not the synthetic cohort"
    else:
        why = "opted in" if used is True else "not opted in"
    if per_patient_allowed(used, synthetic):
        meant = (
            f"yes, one line per patient ({why}; distributions above {PER_PATIENT_LIMIT} patients)"
        )
    else:
        meant = f"no, distributions instead of per-patient lines ({why})"
    line = f"- `per_patient_figures` = {value}: {meant}"
    if not _same(used, default):
        line += f" (default {'automatic' if default is None else _shown(default)})"
    return line


def used_values_markdown(defaults: Mapping[str, str], parameters: Mapping[str, object]) -> str:
    """Markdown for the box that lists the parameter values a run used, with the
    default beside each value that differs from it; for ``data_path``, the cohort
    file's name only (never its folder or content); for ``per_patient_figures``, what
    the value meant for this run's cohort (``None`` reads "automatic", then whether
    figures drew one line per patient).

    ``defaults`` are the parameters cell's names and default source texts (as
    ``papermill.inspect_notebook`` gives them); ``parameters`` are the run's values
    that differ from the cell (papermill's injected parameters).

    Examples
    --------
    >>> print(used_values_markdown({"cut": "24", "years": "[5, 10]"}, {"cut": 36}))
    :::{admonition} The values this run used
    :class: note
    - `cut` = `36` (default `24`)
    - `years` = `[5, 10]`
    :::
    """
    lines = [":::{admonition} The values this run used", ":class: note"]
    path = _cohort_path(_literal(defaults.get("data_path", "None")), parameters.get("data_path"))
    for name, text in defaults.items():
        default = _literal(text)
        if name == "data_path":
            lines.append(_data_line(path))
        elif name == "per_patient_figures":
            lines.append(_per_patient_line(default, parameters.get(name, default), path))
        elif name in parameters and not _same(parameters[name], default):
            lines.append(f"- `{name}` = {_shown(parameters[name])} (default {_shown(default)})")
        else:
            lines.append(f"- `{name}` = {_shown(default)}")
    lines.append(":::")
    return "\n".join(lines)


def _execute_job(job: tuple[Path, Path, dict[str, object], str]) -> float:
    """Execute one notebook (:func:`execute_notebook`); returns the seconds it took."""
    notebook, output, parameters, kernel = job
    start = time.perf_counter()
    execute_notebook(notebook, output, parameters, kernel=kernel)
    return time.perf_counter() - start


def execute_all(
    notebooks: Sequence[Path],
    computed: Path,
    plan: Mapping[str, Mapping[str, object]],
    *,
    kernel: str,
    jobs: int | None,
    report: Callable[[str], None],
    outputs: Mapping[str, Path] | None = None,
) -> dict[str, float]:
    """Execute notebooks, each in a fresh kernel, ``jobs`` at once in worker processes
    (one after the other in this process when ``jobs`` is 1); stop at the first failure.

    ``outputs``: where a notebook's executed copy goes instead of ``computed``, by its
    stem. Returns the seconds each notebook took, by stem.
    """
    jobs = worker_count(jobs, len(notebooks))
    outputs = outputs or {}
    work = {
        nb.stem: (nb, outputs.get(nb.stem, computed / nb.name), dict(plan[nb.stem]), kernel)
        for nb in notebooks
    }
    seconds: dict[str, float] = {}
    if jobs == 1:
        for stem, job in work.items():
            report(f"{stem}: executing ...")
            seconds[stem] = _execute_job(job)
            report(f"{stem}: done in {seconds[stem]:.1f} s")
        return seconds
    report(f"Executing {len(work)} notebook(s), {jobs} at a time ...")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
        futures = {pool.submit(_execute_job, job): stem for stem, job in work.items()}
        try:
            for future in as_completed(futures):
                stem = futures[future]
                seconds[stem] = future.result()
                report(f"{stem}: done in {seconds[stem]:.1f} s")
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return seconds


def worker_count(jobs: int | None, notebooks: int) -> int:
    """Notebooks executed at once: ``jobs``, by default the cores (at most 4), never more
    than there are notebooks."""
    return max(1, min(jobs or min(os.cpu_count() or 1, 4), notebooks or 1))

"""Execute the notebooks with papermill, then build the book with Jupyter Book.

The data flow goes one way, in CUPiD's two steps (papermill, then a plain Jupyter
Book build):

1. a fresh *staging* copy of the book's sources (``_config.yml``, ``_toc.yml``,
   ``book/``) is assembled inside the build folder;
2. papermill executes each source notebook of ``notebooks/`` into
   ``book/computed/`` of that staging copy, with the run's parameters, each in a
   fresh kernel, several at once in worker processes (:mod:`nettx_utils.build.execution`);
   a notebook whose inputs did not change (:func:`notebook_key`) is copied from the
   previous run instead;
3. ``jupyter-book build`` builds the staging copy with execution off and warnings
   as errors (:mod:`nettx_utils.build.htmlbuild`), starting from the previous build's
   Sphinx state, so that Sphinx reads and writes again only the changed pages;
4. only when every step succeeded, the staging copy becomes ``source/`` and its
   HTML becomes ``html/``, replacing the previous ones by a rename.

A failing notebook or build therefore leaves the previous book untouched. Nothing
is written into ``data/``, ``notebooks/`` or the user's cohort file.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import time
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nettx_utils import fingerprint
from nettx_utils.build import execution, htmlbuild
from nettx_utils.build.reuse import (
    COMPUTED,
    _keys,
    _previous_keys,
    _recorded_keys,
    _refuse_mixed_cohorts,
    _reuse_or_run,
    _write_run_record,
)
from nettx_utils.data import datapackage, privacy
from nettx_utils.data.cohort import ALLOW_COLUMNS_ENV, load_cohort
from nettx_utils.errors import NettxError, NotebookFailed
from nettx_utils.pages.parameters import parse_parameters as parse_parameters  # the -p parser
from nettx_utils.project import (
    DATA_DIR,
    DEFAULT_COHORT,
    NOTEBOOK_DIR,
    PROJECT_ROOT,
    source_notebooks,
)

if TYPE_CHECKING:
    import pandas as pd

PAGES = Path("book")  # prose pages; a page written as a notebook (*.ipynb) is executed too
BOOK_SOURCES = ("_config.yml", "_toc.yml", "book")
DEFAULT_BUILD_DIR = PROJECT_ROOT / "book" / "_build"
SKIPPED_IN_STAGING = ("_build", "computed")


@dataclass(frozen=True)
class RunResult:
    """What a pipeline run produced."""

    html_dir: Path
    executed: tuple[str, ...]
    reused: tuple[str, ...]
    seconds: dict[str, float] = field(default_factory=dict)
    pages_executed: tuple[str, ...] = ()
    pages_reused: tuple[str, ...] = ()
    """The pages written as notebooks (:func:`page_notebooks`); ``executed`` and
    ``reused`` name the chapters."""

    @property
    def index(self) -> Path:
        return self.html_dir / "index.html"


def page_notebooks(project_root: Path = PROJECT_ROOT) -> list[Path]:
    """The prose pages written as notebooks (``book/*.ipynb``): a page that shows what a
    command computes runs that computation when the book is built, so what it shows
    is the build's output. They are executed like the chapters (cheap, a second at
    most), in place in the staged book."""
    return sorted((project_root / PAGES).glob("*.ipynb"))


def declared_parameters(notebook: Path) -> dict[str, object]:
    """The names and defaults of a notebook's ``parameters`` cell."""
    import papermill

    return {
        name: info["default"] for name, info in papermill.inspect_notebook(str(notebook)).items()
    }


def checked_parameters(parameters: Mapping[str, object]) -> dict[str, object]:
    """The run's parameters checked against their declarations
    (:func:`nettx_utils.pages.parameters.check_parameters`) before anything runs; ``data_path``
    is refused, the cohort comes with ``--data``.

    Raises
    ------
    ParameterError
        Naming the parameter, the value given and the values allowed (exit status 2).
    """
    from nettx_utils.pages import parameters as declared

    declared.refuse_data_path(parameters)
    return declared.check_parameters(parameters)


def plan_parameters(
    notebooks: Sequence[Path], parameters: Mapping[str, object]
) -> dict[str, dict[str, object]]:
    """Each notebook gets the parameters its ``parameters`` cell declares.

    Raises
    ------
    NettxError
        When no notebook declares one of ``parameters`` (naming the notebook and its
        parameters when there is one notebook, as in a sweep).
    """
    declared = {nb.stem: declared_parameters(nb) for nb in notebooks}
    unknown = [name for name in parameters if not any(name in d for d in declared.values())]
    if unknown:
        known = sorted({name for d in declared.values() for name in d})
        if len(declared) == 1:  # a sweep's notebook
            raise NettxError(
                f"{notebooks[0].stem} declares no parameter {', '.join(unknown)}; "
                f"its parameters are: {', '.join(known)}."
            )
        raise NettxError(
            f"no notebook declares parameter(s) {', '.join(unknown)}; "
            f"the notebooks' parameters are: {', '.join(known)}."
        )
    return {
        stem: {name: value for name, value in parameters.items() if name in names}
        for stem, names in declared.items()
    }


def assemble_sources(staging: Path, project_root: Path = PROJECT_ROOT) -> None:
    """Copy the book's configuration and prose pages into ``staging``."""
    for name in BOOK_SOURCES:
        source = project_root / name
        if source.is_dir():
            shutil.copytree(
                source, staging / name, ignore=shutil.ignore_patterns(*SKIPPED_IN_STAGING)
            )
        else:
            shutil.copy2(source, staging / name)
    (staging / COMPUTED).mkdir(parents=True, exist_ok=True)


def _swap(new: Path, target: Path) -> None:
    """Replace ``target`` by ``new`` with renames, so a reader never sees half a book."""
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old)


def run(
    *,
    build_dir: Path = DEFAULT_BUILD_DIR,
    data_path: Path | None = None,
    parameters: Mapping[str, object] | None = None,
    only: Sequence[str] = (),
    notebook_dir: Path = NOTEBOOK_DIR,
    project_root: Path = PROJECT_ROOT,
    report: Callable[[str], None] = print,
    allow_columns: Sequence[str] = (),
    jobs: int | None = None,
    use_cache: bool = True,
) -> RunResult:
    """Execute the notebooks and build the HTML book into ``build_dir``.

    Parameters
    ----------
    build_dir
        Receives ``source/`` (the executed book sources) and ``html/``; a run that
        fails leaves its executed copies in ``failed/``, which the next successful run
        removes.
    data_path
        Another cohort file; checked against the dictionary before any notebook
        starts, then passed as ``data_path`` to the notebooks that declare it.
    parameters
        papermill parameters, each passed to every notebook that declares it.
    only
        Notebook names (``01_cohort`` or ``01``) to execute; the others reuse
        their executed copies from the previous run when there is one.
    allow_columns
        Identifier-like columns of the cohort to accept (``--allow-column``);
        passed to the notebooks in ``$NETTX_ALLOW_COLUMNS``.
    jobs
        Notebooks executed at once (they do not depend on each other); default:
        the number of cores, at most 4.
    use_cache
        Reuse a notebook's executed copy from the previous run when its key
        (:func:`notebook_key`) is unchanged, the published-value score the
        chapters share when the data and the package are
        (:func:`nettx_utils.pages.chapter.shared_score`), and the previous build's Sphinx
        state (:func:`nettx_utils.build.htmlbuild.seed_sphinx_state`); ``False`` computes
        all three again.

    Raises
    ------
    ParameterError
        When a parameter is unknown or its value is not allowed
        (:mod:`nettx_utils.pages.parameters`): before anything is read or written.
    CohortError
        When the cohort breaks a dictionary rule: before any notebook starts.
    NettxError
        When the built book of a non-synthetic cohort shows a patient id
        (:func:`nettx_utils.data.privacy.assert_no_patient_ids`); the previous book
        is then unchanged.
    """
    parameters = checked_parameters(parameters or {})
    allow_columns = tuple(allow_columns)
    cohort_path = Path(data_path).resolve() if data_path is not None else DEFAULT_COHORT
    cohort = _checked_cohort(cohort_path, Path(build_dir), allow_columns, report)
    synthetic = datapackage.is_synthetic(cohort_path)
    if data_path is not None:
        parameters["data_path"] = str(cohort_path)
    chapters = source_notebooks(notebook_dir)
    pages = page_notebooks(project_root)
    notebooks = chapters + pages
    selected = _select(notebooks, only)
    plan = plan_parameters(notebooks, parameters)
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    previous = build_dir / "source" / COMPUTED
    kernel = execution.kernel_name()
    environment, staging, inputs = _enter_run(build_dir, cohort_path, allow_columns, use_cache)
    executed, reused, seconds = [], [], {}
    try:
        assemble_sources(staging, project_root)
        keys = _keys(chapters, pages, plan, cohort_path, allow_columns, inputs)
        previous_keys = _previous_keys(previous) if use_cache else {}
        cohort_sha = datapackage.file_sha256(cohort_path)
        _refuse_mixed_cohorts(previous, cohort_sha, selected, notebooks)
        outputs = {page.stem: staging / PAGES / page.name for page in pages}
        to_run = _reuse_or_run(
            notebooks, selected, keys, previous_keys, previous, staging, outputs, reused, report
        )
        if use_cache:
            htmlbuild.seed_sphinx_state(build_dir, staging)
        executed = _execute(to_run, staging, plan, kernel, jobs, outputs, seconds, report)
        recorded = _recorded_keys(notebooks, selected, reused, keys, previous_keys)
        _write_run_record(staging, plan, executed, recorded, pages=outputs, cohort=cohort_sha)
        html = _build_html(staging, seconds, report)
        if not synthetic:
            _scan_for_patient_ids(html, staging / COMPUTED / "results", cohort, report)
        _publish(html, staging, build_dir, report)
    except NotebookFailed as exc:
        raise _failed_run(exc, staging, build_dir) from None
    finally:
        environment.close()
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return _result(build_dir, executed, reused, seconds, outputs)


def _enter_run(
    build_dir: Path, cohort_path: Path, allow_columns: Sequence[str], use_cache: bool
) -> tuple[ExitStack, Path, str]:
    """Start a run: hold the build folder's lock, empty the staging folder, and set the
    kernels' environment (allowed columns, the shared score's cache).

    Returns the context to close when the run ends, the staging folder, and the inputs'
    digest (:func:`nettx_utils.fingerprint.inputs_digest`).
    """
    environment = ExitStack()
    environment.enter_context(_one_run_at_a_time(build_dir))
    staging = build_dir / "staging"  # one path, so that Sphinx can build incrementally
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    environment.enter_context(
        execution.environment_variable(ALLOW_COLUMNS_ENV, json.dumps(list(allow_columns)))
    )
    inputs = fingerprint.inputs_digest(cohort_path)  # the cohort, data files and package, once
    score_cache = _score_cache(build_dir, inputs, keep=use_cache)
    environment.enter_context(
        execution.environment_variable(fingerprint.SCORE_CACHE_ENV, str(score_cache))
    )
    return environment, staging, inputs


def _execute(
    to_run: Sequence[Path],
    staging: Path,
    plan: Mapping[str, Mapping[str, object]],
    kernel: str,
    jobs: int | None,
    outputs: Mapping[str, Path],
    seconds: dict[str, float],
    report: Callable[[str], None],
) -> list[str]:
    """Execute ``to_run`` into ``staging`` (:func:`nettx_utils.build.execution.execute_all`);
    their seconds go into ``seconds``. Returns their names."""
    seconds.update(
        execution.execute_all(
            to_run,
            staging / COMPUTED,
            plan,
            kernel=kernel,
            jobs=jobs,
            report=report,
            outputs=outputs,
        )
    )
    return [nb.stem for nb in to_run]


def _failed_run(exc: NotebookFailed, staging: Path, build_dir: Path) -> NotebookFailed:
    """The error of a run whose notebook failed, once its executed copies are kept in
    ``failed/`` (:func:`_keep_failed`)."""
    failed = _keep_failed(staging, build_dir)
    return NotebookFailed(
        f"{exc}\nThe executed copy, with the traceback, is in {failed}. "
        "The previous book is unchanged."
    )


def _build_html(staging: Path, seconds: dict[str, float], report: Callable[[str], None]) -> Path:
    """Jupyter Book's HTML of ``staging``; its seconds go into ``seconds``."""
    report("Building the HTML with Jupyter Book ...")
    start = time.perf_counter()
    html = htmlbuild.build_html(staging)
    seconds["jupyter-book"] = time.perf_counter() - start
    return html


def _result(
    build_dir: Path,
    executed: Sequence[str],
    reused: Sequence[str],
    seconds: Mapping[str, float],
    pages: Collection[str],
) -> RunResult:
    """The run's summary: chapters, then pages, executed and reused."""
    return RunResult(
        build_dir / "html",
        tuple(stem for stem in executed if stem not in pages),
        tuple(stem for stem in reused if stem not in pages),
        seconds,
        tuple(stem for stem in executed if stem in pages),
        tuple(stem for stem in reused if stem in pages),
    )


def _scan_for_patient_ids(
    html: Path, exports: Path, cohort: pd.DataFrame, report: Callable[[str], None]
) -> None:
    """Refuse a book of the user's cohort, or its exports, that shows a patient id
    (:func:`nettx_utils.data.privacy.assert_no_patient_ids`)."""
    scan = privacy.assert_no_patient_ids(html, cohort["patient_id"])
    files = scan.files
    if exports.is_dir():  # the tables and figures for manuscripts, gathered below
        files += privacy.assert_no_patient_ids(exports, cohort["patient_id"]).files
    report(f"Privacy scan: no patient id in the {files} files of the book and exports.")
    if scan.unscannable:
        report(
            f"warning: {len(scan.unscannable)} patient id(s) are plain numbers or "
            "shorter than 3 characters, which the privacy scan cannot tell from the "
            "book's numbers; prefer codes like C-001."
        )


def _publish(html: Path, staging: Path, build_dir: Path, report: Callable[[str], None]) -> None:
    """Put the new book, its sources and Sphinx state in place of the previous ones, gather
    the exported results, and remove the copies of an earlier failed run."""
    new_html = build_dir / "html.new"
    if new_html.exists():
        shutil.rmtree(new_html)
    html.rename(new_html)
    _swap(staging / "_build", build_dir / htmlbuild.SPHINX_STATE)
    _swap(staging, build_dir / "source")
    _swap(new_html, build_dir / "html")
    _gather_results(build_dir / "source" / COMPUTED / "results", _results_dir(build_dir))
    if _drop_failed(build_dir):
        report(f"Removed {build_dir / 'failed'}: the copies of an earlier failed run.")


@contextmanager
def _one_run_at_a_time(build_dir: Path) -> Iterator[None]:
    """Refuse a second run into the same build folder while one is running."""
    with (build_dir / "run.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NettxError(
                f"{build_dir}: another run is building the book there; wait for it to end."
            ) from None
        yield


def _score_cache(build_dir: Path, inputs: str, *, keep: bool) -> Path:
    """The folder of the chapters' shared score (:func:`nettx_utils.pages.chapter.shared_score`),
    emptied of the scores of other ``inputs`` (their digest), and of every score unless
    ``keep``."""
    folder = build_dir / "cache"
    folder.mkdir(exist_ok=True)
    current = f"score-{inputs[:24]}"
    for path in folder.glob("score-*"):
        if path.stem != current or not keep:
            path.unlink(missing_ok=True)
    return folder


def _results_dir(build_dir: Path) -> Path:
    """Where the tables and figures for manuscripts go: the project's ``results/`` for the
    default build, a ``results/`` inside any other build folder."""
    if build_dir.resolve() == DEFAULT_BUILD_DIR.resolve():
        return PROJECT_ROOT / "results"
    return build_dir / "results"


def _gather_results(source: Path, results: Path) -> None:
    """Copy the chapters' exported tables and figures into ``results`` (a build product)."""
    for kind in ("tables", "figures"):
        if (results / kind).exists():
            shutil.rmtree(results / kind)
        if (source / kind).is_dir():
            shutil.copytree(source / kind, results / kind)


def _select(notebooks: Sequence[Path], only: Sequence[str]) -> set[Path]:
    if not only:
        return set(notebooks)
    selected = set()
    for name in only:
        matches = [nb for nb in notebooks if nb.stem == name or nb.stem.split("_", 1)[0] == name]
        if not matches:
            raise NettxError(
                f"--only {name}: no such notebook; choose from {', '.join(nb.stem for nb in notebooks)}."
            )
        selected.update(matches)
    return selected


def _drop_failed(build_dir: Path) -> bool:
    """Remove ``failed/`` after a successful run (True if there was one): its copies
    belong to an earlier run whose failure this run's book no longer has."""
    failed = build_dir / "failed"
    if not failed.exists():
        return False
    shutil.rmtree(failed)
    return True


def _keep_failed(staging: Path, build_dir: Path) -> Path:
    """Keep the executed copies of a failed run in ``failed/`` for inspection."""
    failed = build_dir / "failed"
    if failed.exists():
        shutil.rmtree(failed)
    shutil.copytree(staging / COMPUTED, failed)
    return failed


def _checked_cohort(
    cohort_path: Path,
    build_dir: Path,
    allow_columns: Sequence[str],
    report: Callable[[str], None],
) -> pd.DataFrame:
    """Validate the cohort before anything runs; refuse a layout that could lose a file.

    Warnings (suspicious but possible values) are reported and the run goes on.
    """
    build = build_dir.resolve()
    if build.is_relative_to(DATA_DIR.resolve()):
        raise NettxError(f"{build_dir}: data/ holds the inputs; build the book elsewhere.")
    if cohort_path.is_relative_to(build):
        raise NettxError(
            f"{cohort_path}: the cohort file is inside the build folder {build_dir}, which "
            "each run replaces; move the file out of it first."
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cohort = load_cohort(cohort_path, allow_columns=allow_columns)
    for warning in caught:
        report(f"warning: {warning.message}")
    return cohort

"""The execution cache, the shared score, warm kernels and parallel execution of the pipeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nettx_utils import fingerprint, project
from nettx_utils.build import execution, pipeline
from nettx_utils.build.kernels import WarmKernel
from nettx_utils.data.cohort import load_cohort
from nettx_utils.errors import NettxError
from nettx_utils.pages import chapter
from nettx_utils.pages.record import read_record
from nettx_utils.project import DEFAULT_COHORT


@pytest.fixture
def notebook(tmp_path) -> Path:
    path = tmp_path / "01_cohort.ipynb"
    shutil.copy2(project.NOTEBOOK_DIR / "01_cohort.ipynb", path)
    return path


@pytest.fixture
def cohort(tmp_path) -> Path:
    path = tmp_path / "cohort.csv"
    shutil.copy2(DEFAULT_COHORT, path)
    return path


def test_key_is_stable_when_nothing_changes(notebook, cohort):
    assert pipeline.notebook_key(notebook, {"a": 1}, cohort) == pipeline.notebook_key(
        notebook, {"a": 1}, cohort
    )


def test_key_changes_with_source_parameters_cohort_and_package(notebook, cohort, monkeypatch):
    base = pipeline.notebook_key(notebook, {"a": 1}, cohort)
    assert pipeline.notebook_key(notebook, {"a": 2}, cohort) != base

    with cohort.open("a") as handle:
        handle.write("\n")
    changed_cohort = pipeline.notebook_key(notebook, {"a": 1}, cohort)
    assert changed_cohort != base

    original = notebook.read_text()
    notebook.write_text(original.replace("1. The cohort", "1. The cohort!"))
    assert pipeline.notebook_key(notebook, {"a": 1}, cohort) != changed_cohort
    notebook.write_text(original)
    assert pipeline.notebook_key(notebook, {"a": 1}, cohort) == changed_cohort

    import nettx_utils

    monkeypatch.setattr(nettx_utils, "__version__", "99.0.0")
    assert pipeline.notebook_key(notebook, {"a": 1}, cohort) != changed_cohort


def test_key_changes_with_a_module_of_the_package(notebook, cohort, tmp_path, monkeypatch):
    base = pipeline.notebook_key(notebook, {}, cohort)
    package = tmp_path / "package"
    shutil.copytree(Path(fingerprint.__file__).parent, package)
    monkeypatch.setattr(fingerprint, "__file__", str(package / "fingerprint.py"))
    assert pipeline.notebook_key(notebook, {}, cohort) == base
    with (package / "stats" / "survival.py").open("a") as handle:
        handle.write("\n# a change\n")
    assert pipeline.notebook_key(notebook, {}, cohort) != base


def test_key_changes_with_the_version_of_a_computing_library(notebook, cohort, monkeypatch):
    """Upgrading lifelines (or another library that computes) invalidates every chapter."""
    import importlib.metadata

    base = pipeline.notebook_key(notebook, {}, cohort)
    installed = importlib.metadata.version

    def upgraded(name):
        return "99.0" if name == "lifelines" else installed(name)

    monkeypatch.setattr(importlib.metadata, "version", upgraded)
    assert "lifelines==99.0" in fingerprint.library_versions()
    assert pipeline.notebook_key(notebook, {}, cohort) != base


def test_key_changes_with_the_other_data_files_and_allowed_columns(
    notebook, cohort, tmp_path, monkeypatch
):
    base = pipeline.notebook_key(notebook, {}, cohort)
    assert pipeline.notebook_key(notebook, {}, cohort, ["hospital"]) != base
    copies = []
    for path in fingerprint.data_files():
        copies.append(tmp_path / path.name)
        shutil.copy2(path, copies[-1])
    monkeypatch.setattr(fingerprint, "data_files", lambda: copies)
    assert pipeline.notebook_key(notebook, {}, cohort) == base
    dictionary = next(p for p in copies if p.name == "dictionary.yml")
    dictionary.write_text(dictionary.read_text() + "\n# a change\n")
    assert pipeline.notebook_key(notebook, {}, cohort) != base


def test_parameter_order_does_not_matter(notebook, cohort):
    assert pipeline.notebook_key(notebook, {"a": 1, "b": 2}, cohort) == pipeline.notebook_key(
        notebook, {"b": 2, "a": 1}, cohort
    )


def test_shared_score_is_computed_once_per_input_and_read_back_exactly(
    cohort, tmp_path, monkeypatch
):
    calls = []
    compute = chapter._score

    def counting(frame: pd.DataFrame) -> pd.DataFrame:
        calls.append(len(frame))
        return compute(frame)

    monkeypatch.setattr(chapter, "_score", counting)
    monkeypatch.setenv(fingerprint.SCORE_CACHE_ENV, str(tmp_path))
    frame = load_cohort(cohort)
    first = chapter.shared_score(frame, cohort)
    again = chapter.shared_score(frame, cohort)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(again, first)
    pd.testing.assert_frame_equal(again, compute(frame))

    with cohort.open("a") as handle:
        handle.write("\n")
    chapter.shared_score(load_cohort(cohort), cohort)
    assert len(calls) == 2

    monkeypatch.delenv(fingerprint.SCORE_CACHE_ENV)
    chapter.shared_score(frame, cohort)
    assert len(calls) == 3


def _write(path: Path, *sources: str) -> Path:
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)
    return path


def test_warm_kernel_gives_each_notebook_a_clean_slate(tmp_path):
    """A notebook that changes the kernel's state, then one that checks it is pristine."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    messy = _write(
        tmp_path / "messy.ipynb",
        "import os, sys, warnings, random\nimport numpy as np\nimport matplotlib as mpl\n"
        "leftover = 1\nos.environ['NETTX_LEFTOVER'] = '1'\nsys.path.append('/nowhere')\n"
        "warnings.simplefilter('error')\nmpl.rcParams['lines.linewidth'] = 9\n"
        "np.random.seed(1)\nrandom.seed(1)\nnp.seterr(all='ignore')\nos.chdir('/')",
        "import matplotlib.pyplot as plt\nplt.figure()",
    )
    # The check imports the chapter module, as every chapter does: the warm kernel
    # imported it before its snapshot, so the filters that scipy and numpy add on
    # import are in both kernels.
    check = _write(
        tmp_path / "check.ipynb",
        "import nettx_utils.pages.chapter\nimport os, sys, warnings, json\nimport matplotlib as mpl\nimport numpy as np\n"
        "import matplotlib.pyplot as plt\n"
        "state = {'leftover': 'leftover' in globals(), 'env': 'NETTX_LEFTOVER' in os.environ,\n"
        "         'path': '/nowhere' in sys.path, 'cwd': os.getcwd(),\n"
        "         'record': os.environ['NETTX_RECORD_DIR'],\n"
        "         'filters': [str(f) for f in warnings.filters],\n"
        "         'linewidth': mpl.rcParams['lines.linewidth'], 'figures': plt.get_fignums(),\n"
        "         'numpy_errors': np.geterr()}\n"
        "print(json.dumps(state))",
    )
    kernel = WarmKernel(execution.kernel_name(), tmp_path)
    try:
        execution.execute_notebook(
            messy, first / "messy.ipynb", {}, kernel=kernel.kernel_name, warm=kernel
        )
        execution.execute_notebook(
            check, second / "check.ipynb", {}, kernel=kernel.kernel_name, warm=kernel
        )
        fresh = tmp_path / "fresh"
        fresh.mkdir()
        execution.execute_notebook(check, fresh / "check.ipynb", {}, kernel=execution.kernel_name())
    finally:
        kernel.shutdown()
    assert kernel.starts == 1

    def state(path: Path) -> dict:
        cells = nbformat.read(path, as_version=4).cells
        text = "".join(o.get("text", "") for o in cells[-1].outputs if o.get("name") == "stdout")
        assert "ERROR!" not in text  # IPython's history complains when a session is reused
        line = next(x for x in text.splitlines() if x.startswith("{"))
        return json.loads(line), [c.execution_count for c in cells]

    warm, counts = state(second / "check.ipynb")
    assert counts == [1]  # not 3: the messy notebook ran two cells before
    assert (warm["cwd"], warm["record"]) == (str(second), str(second))
    cold, _ = state(fresh / "check.ipynb")
    assert {**warm, "cwd": None, "record": None} == {**cold, "cwd": None, "record": None}
    assert not cold["leftover"] and not cold["env"] and not cold["path"]
    assert cold["linewidth"] != 9 and cold["figures"] == []
    assert set(cold["numpy_errors"].values()) != {"ignore"}
    assert "('error', None, <class 'Warning'>, None, 0)" not in warm["filters"]


def test_warm_kernel_prints_nothing_of_its_own_into_the_next_notebooks(tmp_path):
    """Numbering cells from 1 again in the same IPython history session makes IPython print
    "ERROR! Session/line number was not unique" into a later notebook's output, which the
    book would show; a new history session per notebook prints nothing."""
    source = _write(
        tmp_path / "cells.ipynb",
        *[f"value_{i} = {i}\nimport time\ntime.sleep(0.05)\nprint(value_{i})" for i in range(6)],
    )
    kernel = WarmKernel(execution.kernel_name(), tmp_path)
    outputs = []
    try:
        for run in range(5):
            folder = tmp_path / f"run{run}"
            folder.mkdir()
            execution.execute_notebook(
                source, folder / "cells.ipynb", {}, kernel=kernel.kernel_name, warm=kernel
            )
            cells = nbformat.read(folder / "cells.ipynb", as_version=4).cells
            outputs.append("".join(o.get("text", "") for c in cells for o in c.outputs))
    finally:
        kernel.shutdown()
    assert outputs == ["".join(f"{i}\n" for i in range(6))] * 5


@pytest.fixture
def own_book(default_book, tmp_path) -> Path:
    """A copy of the session's default book, to rebuild without touching the shared one."""
    build_dir = tmp_path / "book"
    shutil.copytree(default_book.html_dir.parent, build_dir, symlinks=True)
    return build_dir


@pytest.mark.slow
def test_rebuild_executes_only_what_changed(own_book):
    keys = json.loads((own_book / "source" / pipeline.COMPUTED / "run.json").read_text())["keys"]
    stems = {nb.stem for nb in project.source_notebooks()}
    assert set(keys) == stems
    unchanged = pipeline.run(build_dir=own_book, report=lambda line: None)
    assert unchanged.executed == () and set(unchanged.reused) == stems

    result = pipeline.run(
        build_dir=own_book, parameters={"landmark_years": [5, 10]}, report=lambda line: None
    )
    # landmark_years equals its default in every notebook that declares it, but is now
    # injected: those notebooks' parameters changed, and only those execute again.
    declared = {
        nb.stem
        for nb in project.source_notebooks()
        if "landmark_years" in pipeline.declared_parameters(nb)
    }
    assert set(result.executed) == declared
    assert set(result.reused) == stems - declared


@pytest.mark.slow
def test_a_notebook_left_out_by_only_is_executed_when_selected_later(own_book):
    """Run 1 changes a parameter with --only 01: chapter 4 is reused from the default run
    although its parameters changed. Run 2 selects chapter 4 with the same parameter: its
    copy is stale, so it executes (it was served as "unchanged" before the fix)."""
    changed = {"landmark_years": [3, 10]}
    first = pipeline.run(
        build_dir=own_book, parameters=changed, only=["01_cohort"], report=lambda line: None
    )
    assert first.executed == ("01_cohort",) and "04_outcomes" in first.reused
    second = pipeline.run(
        build_dir=own_book, parameters=changed, only=["04_outcomes"], report=lambda line: None
    )
    assert second.executed == ("04_outcomes",)


@pytest.mark.slow
def test_serial_parallel_warm_and_fresh_kernels_record_identical_numbers(default_book, tmp_path):
    """The default book ran two workers, each with a warm kernel. Serially, in one warm
    kernel and in the other order, or each in a fresh kernel, the records are the same."""
    computed = default_book.html_dir.parent / "source" / pipeline.COMPUTED
    notebooks = [
        project.NOTEBOOK_DIR / "04_outcomes.ipynb",
        project.NOTEBOOK_DIR / "01_cohort.ipynb",
        project.NOTEBOOK_DIR / "11_cutoff_problem.ipynb",
    ]
    plan = {nb.stem: {} for nb in notebooks}
    for reuse in (True, False):
        out = tmp_path / ("warm" if reuse else "fresh")
        out.mkdir()
        execution.execute_all(
            notebooks,
            out,
            plan,
            kernel=execution.kernel_name(),
            jobs=1,
            report=lambda line: None,
            reuse_kernels=reuse,
        )
        for nb in notebooks:
            assert read_record(out, nb.stem) == read_record(computed, nb.stem), (nb.stem, reuse)


def test_warm_kernel_reports_a_kernel_that_dies_and_starts_a_new_one(tmp_path):
    """A kernel that dies while it is being prepared is reported in one message, not after
    a minute's wait; the next notebook gets a new kernel."""
    kernel = WarmKernel(execution.kernel_name(), tmp_path, timeout=600)
    try:
        kernel.launch()  # returns before the kernel has even started
        # "died", not the timeout's "did not answer": the death is seen, not waited out
        with pytest.raises(NettxError, match="died"):
            kernel._wait(kernel._send("import os\nos._exit(1)"))
        notebook = _write(tmp_path / "after.ipynb", "print(6 * 7)")
        execution.execute_notebook(
            notebook, tmp_path / "out.ipynb", {}, kernel=kernel.kernel_name, warm=kernel
        )
    finally:
        kernel.shutdown()
    assert kernel.starts == 2
    assert "42" in (tmp_path / "out.ipynb").read_text()

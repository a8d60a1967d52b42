"""The execution cache, the shared score, fresh kernels and parallel execution of the pipeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nettx_utils import fingerprint, project
from nettx_utils.build import execution, pipeline, reuse
from nettx_utils.data.cohort import load_cohort
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
    assert reuse.notebook_key(notebook, {"a": 1}, cohort) == reuse.notebook_key(
        notebook, {"a": 1}, cohort
    )


def test_key_changes_with_source_parameters_cohort_and_package(notebook, cohort, monkeypatch):
    base = reuse.notebook_key(notebook, {"a": 1}, cohort)
    assert reuse.notebook_key(notebook, {"a": 2}, cohort) != base

    with cohort.open("a") as handle:
        handle.write("\n")
    changed_cohort = reuse.notebook_key(notebook, {"a": 1}, cohort)
    assert changed_cohort != base

    original = notebook.read_text()
    notebook.write_text(original.replace("1. The cohort", "1. The cohort!"))
    assert reuse.notebook_key(notebook, {"a": 1}, cohort) != changed_cohort
    notebook.write_text(original)
    assert reuse.notebook_key(notebook, {"a": 1}, cohort) == changed_cohort

    import nettx_utils

    monkeypatch.setattr(nettx_utils, "__version__", "99.0.0")
    assert reuse.notebook_key(notebook, {"a": 1}, cohort) != changed_cohort


def test_key_changes_with_a_module_of_the_package(notebook, cohort, tmp_path, monkeypatch):
    base = reuse.notebook_key(notebook, {}, cohort)
    package = tmp_path / "package"
    shutil.copytree(Path(fingerprint.__file__).parent, package)
    monkeypatch.setattr(fingerprint, "__file__", str(package / "fingerprint.py"))
    assert reuse.notebook_key(notebook, {}, cohort) == base
    with (package / "survival.py").open("a") as handle:
        handle.write("\n# a change\n")
    assert reuse.notebook_key(notebook, {}, cohort) != base
    changed = reuse.notebook_key(notebook, {}, cohort)
    (package / "sub").mkdir()
    (package / "sub" / "helpers.py").write_text("# a module of a subpackage\n")
    assert reuse.notebook_key(notebook, {}, cohort) != changed


def test_key_changes_with_the_version_of_a_computing_library(notebook, cohort, monkeypatch):
    """Upgrading lifelines (or another library that computes) invalidates every chapter."""
    import importlib.metadata

    base = reuse.notebook_key(notebook, {}, cohort)
    installed = importlib.metadata.version

    def upgraded(name):
        return "99.0" if name == "lifelines" else installed(name)

    monkeypatch.setattr(importlib.metadata, "version", upgraded)
    assert "lifelines==99.0" in fingerprint.library_versions()
    assert reuse.notebook_key(notebook, {}, cohort) != base


def test_key_changes_with_the_other_data_files_and_allowed_columns(
    notebook, cohort, tmp_path, monkeypatch
):
    base = reuse.notebook_key(notebook, {}, cohort)
    assert reuse.notebook_key(notebook, {}, cohort, ["hospital"]) != base
    copies = []
    for path in fingerprint.data_files():
        copies.append(tmp_path / path.name)
        shutil.copy2(path, copies[-1])
    monkeypatch.setattr(fingerprint, "data_files", lambda: copies)
    assert reuse.notebook_key(notebook, {}, cohort) == base
    dictionary = next(p for p in copies if p.name == "dictionary.yml")
    dictionary.write_text(dictionary.read_text() + "\n# a change\n")
    assert reuse.notebook_key(notebook, {}, cohort) != base


def test_parameter_order_does_not_matter(notebook, cohort):
    assert reuse.notebook_key(notebook, {"a": 1, "b": 2}, cohort) == reuse.notebook_key(
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


def test_each_notebook_starts_from_a_clean_slate(tmp_path):
    """Two notebooks executed one after the other by the same worker: the second sees
    nothing the first changed (names, environment, working directory, warning filters,
    pandas options, matplotlib settings, random state), since each has a kernel of its own."""
    messy = _write(
        tmp_path / "messy.ipynb",
        "import os, sys, warnings, random\nimport numpy as np\nimport pandas as pd\n"
        "import matplotlib as mpl\nleftover = 1\nos.environ['NETTX_LEFTOVER'] = '1'\n"
        "sys.path.append('/nowhere')\nwarnings.simplefilter('error')\n"
        "pd.set_option('display.precision', 1)\nmpl.rcParams['lines.linewidth'] = 9\n"
        "np.random.seed(1)\nrandom.seed(1)\nnp.seterr(all='ignore')\nos.chdir('/')",
    )
    check = _write(
        tmp_path / "check.ipynb",
        "import os, sys, warnings, json\nimport matplotlib as mpl\nimport numpy as np\n"
        "import pandas as pd\n"
        "state = {'leftover': 'leftover' in globals(), 'env': 'NETTX_LEFTOVER' in os.environ,\n"
        "         'path': '/nowhere' in sys.path, 'cwd': os.getcwd(),\n"
        "         'record': os.environ['NETTX_RECORD_DIR'],\n"
        "         'error_filter': any(f[0] == 'error' and f[2] is Warning for f in warnings.filters),\n"
        "         'precision': pd.get_option('display.precision'),\n"
        "         'linewidth': mpl.rcParams['lines.linewidth'],\n"
        "         'numpy_errors': np.geterr()}\n"
        "print(json.dumps(state))",
    )
    out = tmp_path / "out"
    out.mkdir()
    plan = {"messy": {}, "check": {}}
    execution.execute_all(
        [messy, check], out, plan, kernel=execution.kernel_name(), jobs=1, report=lambda _: None
    )
    cells = nbformat.read(out / "check.ipynb", as_version=4).cells
    text = "".join(o.get("text", "") for o in cells[-1].outputs if o.get("name") == "stdout")
    state = json.loads(next(x for x in text.splitlines() if x.startswith("{")))
    assert [c.execution_count for c in cells] == [1]
    assert (state["cwd"], state["record"]) == (str(out), str(out))
    assert not state["leftover"] and not state["env"] and not state["path"]
    assert not state["error_filter"]
    assert state["precision"] == 6 and state["linewidth"] != 9
    assert set(state["numpy_errors"].values()) != {"ignore"}


@pytest.fixture
def own_book(default_book, tmp_path) -> Path:
    """A copy of the session's default book, to rebuild without touching the shared one."""
    build_dir = tmp_path / "book"
    shutil.copytree(default_book.html_dir.parent, build_dir, symlinks=True)
    return build_dir


@pytest.mark.slow
def test_rebuild_executes_only_what_changed(own_book):
    keys = json.loads((own_book / "source" / reuse.COMPUTED / "run.json").read_text())["keys"]
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
def test_serial_and_parallel_execution_record_identical_numbers(default_book, tmp_path):
    """The default book ran two workers at once; serially, in another order, the
    records are the same."""
    computed = default_book.html_dir.parent / "source" / reuse.COMPUTED
    notebooks = [
        project.NOTEBOOK_DIR / "04_outcomes.ipynb",
        project.NOTEBOOK_DIR / "01_cohort.ipynb",
        project.NOTEBOOK_DIR / "11_cutoff_problem.ipynb",
    ]
    plan = {nb.stem: {} for nb in notebooks}
    execution.execute_all(
        notebooks, tmp_path, plan, kernel=execution.kernel_name(), jobs=1, report=lambda _: None
    )
    for nb in notebooks:
        assert read_record(tmp_path, nb.stem) == read_record(computed, nb.stem), nb.stem

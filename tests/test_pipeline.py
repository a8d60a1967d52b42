"""The whole pipeline: papermill executes every notebook, Jupyter Book builds the HTML.

These tests build the real book into temporary folders (about 20 s a build).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_notebook

from nettx_utils import project
from nettx_utils.build import pipeline, reuse
from nettx_utils.errors import NettxError, NotebookFailed

pytestmark = pytest.mark.slow
NOTEBOOKS = project.source_notebooks()


@pytest.fixture(scope="module")
def built(default_book) -> pipeline.RunResult:
    return default_book


def test_every_notebook_executes(built):
    assert list(built.executed) == [nb.stem for nb in NOTEBOOKS]
    assert list(built.pages_executed) == [page.stem for page in pipeline.page_notebooks()]
    for notebook in NOTEBOOKS:
        executed = built.html_dir.parent / "source" / reuse.COMPUTED / notebook.name
        cells = nbformat.read(executed, as_version=4).cells
        errors = [
            o for c in cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
        ]
        assert not errors, f"{notebook.name} has error outputs"
        streams = "".join(
            o.get("text", "") for c in cells if c.cell_type == "code" for o in c.outputs
        )
        assert "ERROR!" not in streams, f"{notebook.name}: {streams[:200]}"  # e.g. IPython history


def _figures_in(notebook: Path) -> int:
    """Images a notebook's executed copy holds (shown or glued for a figure directive)."""
    cells = nbformat.read(notebook, as_version=4).cells
    return sum(
        any(mime.endswith("image/png") for mime in output.get("data", {}))
        for cell in cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def test_index_and_every_chapter_page_exist_with_their_figures(built):
    assert built.index.is_file()
    total = 0
    for notebook in NOTEBOOKS:
        page = built.html_dir / "book" / "computed" / f"{notebook.stem}.html"
        assert page.is_file(), f"missing page for {notebook.stem}"
        html = page.read_text(encoding="utf-8")
        assert "Traceback" not in html
        executed = built.html_dir.parent / "source" / reuse.COMPUTED / notebook.name
        figures = _figures_in(executed)
        assert html.count("<img") >= figures, f"{notebook.stem} shows fewer images than it made"
        assert "&lt;Figure size" not in html, f"{notebook.stem} shows a figure as text"
        total += figures
    assert total >= 6, "the chapters should show the paper's figures 1, 2 and 3A-D"


def test_injected_parameters_cell_is_hidden_and_the_used_values_are_shown(tmp_path):
    from nettx_utils.data.template import example_cohort

    cohort = example_cohort(40, seed=3)
    cohort["patient_id"] = [f"CENTRE-{i:04d}" for i in range(1, 41)]
    (tmp_path / "private").mkdir()
    data = tmp_path / "private" / "centre_cohort.csv"
    cohort.to_csv(data, index=False)
    build_dir = tmp_path / "b"
    result = pipeline.run(
        build_dir=build_dir,
        data_path=data,
        parameters={"landmark_years": [3, 10]},
        only=["01"],
        report=lambda line: None,
    )
    executed = nbformat.read(build_dir / "source" / reuse.COMPUTED / "01_cohort.ipynb", 4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "remove-cell" in injected[0].metadata["tags"]
    assert "landmark_years = [3, 10]" in injected[0].source
    page = (result.html_dir / "book" / "computed" / "01_cohort.html").read_text(encoding="utf-8")
    assert "injected" not in page.lower()
    # the parameters cell shows the defaults; the box under it, the values this run used
    box = BeautifulSoup(page, "html.parser").find(string="The values this run used")
    assert box is not None
    used = " ".join(box.find_parent(class_="admonition").get_text(" ").split())
    assert "landmark_years = [3, 10] (default [5, 10]" in used
    assert "data: the cohort file centre_cohort.csv (not the synthetic cohort)" in used
    assert "private" not in used  # the file's name, not its folder
    # nor does the executed notebook, which the book offers as a download
    downloaded = (build_dir / "source" / reuse.COMPUTED / "01_cohort.ipynb").read_text()
    assert str(data.parent) not in downloaded and "centre_cohort.csv" in downloaded
    # --only on another cohort would keep this cohort's other chapters: refused
    with pytest.raises(NettxError, match="another cohort"):
        pipeline.run(build_dir=build_dir, only=["01"], report=lambda line: None)
    assert (result.html_dir / "book" / "computed" / "01_cohort.html").exists()


def _broken_notebook_dir(tmp_path: Path) -> Path:
    notebook_dir = tmp_path / "notebooks"
    notebook_dir.mkdir()
    for notebook in NOTEBOOKS:
        shutil.copy2(notebook, notebook_dir / notebook.name)
    broken = new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("raise ValueError('boom')")])
    nbformat.write(broken, notebook_dir / "99_broken.ipynb")
    return notebook_dir


def test_failing_notebook_leaves_previous_html_untouched(built, tmp_path):
    index_before = built.index.read_bytes()
    pages_before = sorted(p.relative_to(built.html_dir) for p in built.html_dir.rglob("*.html"))
    with pytest.raises(NotebookFailed) as info:
        pipeline.run(
            build_dir=built.html_dir.parent,
            notebook_dir=_broken_notebook_dir(tmp_path),
            only=["99"],
            report=lambda line: None,
        )
    message = str(info.value)
    assert "99_broken.ipynb" in message and "ValueError: boom" in message and "cell 1" in message
    assert built.index.read_bytes() == index_before
    assert (
        sorted(p.relative_to(built.html_dir) for p in built.html_dir.rglob("*.html"))
        == pages_before
    )
    kept = (built.html_dir.parent / "failed" / "99_broken.ipynb").read_text()
    assert "boom" in kept and "Traceback" in kept  # papermill saves it once, with the error
    # the next successful run removes the failed run's copies, and says so
    lines: list[str] = []
    pipeline.run(build_dir=built.html_dir.parent, only=["01"], report=lines.append)
    assert not (built.html_dir.parent / "failed").exists()
    assert any("the copies of an earlier failed run" in line for line in lines)
    assert built.index.is_file()


def test_unknown_parameter_is_refused_before_anything_runs(tmp_path):
    with pytest.raises(NettxError, match="no notebook declares parameter"):
        pipeline.run(build_dir=tmp_path, parameters={"no_such_parameter": 1})
    assert not (tmp_path / "html").exists()


def test_cli_reports_errors_without_traceback(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "nettx_utils",
            "run",
            "--build-dir",
            str(tmp_path),
            "-p",
            "nope",
            "1",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert "no notebook declares parameter(s) nope" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_parameters_are_parsed_as_yaml():
    assert pipeline.parse_parameters([("a", "36"), ("b", "[5, 10]"), ("c", "log")]) == {
        "a": 36,
        "b": [5, 10],
        "c": "log",
    }

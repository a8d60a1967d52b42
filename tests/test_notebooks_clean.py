"""Source notebooks are committed without outputs, and each declares its parameters."""

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_no_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name} cell {i} has stored outputs"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_one_parameters_cell(path):
    notebook = nbformat.read(path, as_version=4)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: expected one cell tagged 'parameters'"


# The paper chapters (1-6) and the book's own notebook pages show no code: the reader
# sees parameters, prose, figures and tables. The survival-methods chapters (7-13) show
# some code on purpose (worked library calls and the exercises), so they are not held to it.
PAPER_CHAPTERS = [p for p in NOTEBOOKS if p.name[:2] in {"01", "02", "03", "04", "05", "06"}]
BOOK_PAGES = sorted((Path(__file__).resolve().parents[1] / "book").glob("*.ipynb"))
HIDDEN = {"hide-input", "remove-input", "remove-cell"}


@pytest.mark.parametrize("path", PAPER_CHAPTERS + BOOK_PAGES, ids=lambda p: p.stem)
def test_paper_chapters_hide_every_code_cell_but_the_parameters(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "code" and "parameters" not in tags:
            assert tags & HIDDEN, f"{path.name} cell {cell.id} shows its source"


@pytest.mark.parametrize("path", PAPER_CHAPTERS, ids=lambda p: p.stem)
def test_only_the_comparison_with_the_paper_sits_under_beside_the_paper(path):
    notebook = nbformat.read(path, as_version=4)
    section = None
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            headings = [line for line in cell.source.splitlines() if line.startswith("## ")]
            section = headings[-1] if headings else section
        elif section == "## Beside the paper":
            assert cell.source.startswith("chapter.beside_the_paper("), (
                f"{path.name} cell {cell.id} sits under 'Beside the paper'"
            )

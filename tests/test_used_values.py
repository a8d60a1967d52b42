"""The box under a notebook's parameters cell lists the values its run used
(:func:`nettx_utils.build.execution.tidy_executed`)."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nettx_utils.build import execution


def _notebook(path):
    parameters = new_code_cell(
        'data_path = None  # None reads the synthetic cohort\ncut = 24\nyears = [5, 10]\nmethod = "weibull"'
    )
    parameters.metadata["tags"] = ["parameters"]
    notebook = new_notebook(cells=[parameters, new_code_cell("total = cut + 1")])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.write(notebook, path)
    return path


def test_the_box_lists_used_values_defaults_that_differ_and_only_the_file_name():
    text = execution.used_values_markdown(
        {"data_path": "None", "cut": "24", "years": "[5, 10]", "method": '"weibull"'},
        {"cut": 36.0, "data_path": "/home/someone/secret_folder/centre.csv"},
    )
    lines = text.splitlines()
    assert lines[0] == ":::{admonition} The values this run used"
    assert "- data: the cohort file `centre.csv` (not the synthetic cohort)" in text
    assert "secret_folder" not in text
    assert "- `cut` = `36.0` (default `24`)" in lines
    assert "- `years` = `[5, 10]`" in lines
    assert '- `method` = `"weibull"`' in lines


def test_a_value_equal_to_the_default_shows_no_default():
    text = execution.used_values_markdown({"cut": "24"}, {"cut": 24.0})
    assert "- `cut` = `24`" in text and "default" not in text


def test_defaults_only_say_the_synthetic_cohort():
    text = execution.used_values_markdown({"data_path": "None"}, {})
    assert "- data: the synthetic cohort (the default)" in text


@pytest.mark.slow
def test_an_executed_notebook_shows_the_box_under_its_parameters(tmp_path):
    source = _notebook(tmp_path / "nb.ipynb")
    output = tmp_path / "out" / "nb.ipynb"
    output.parent.mkdir()
    used = {"cut": 36, "data_path": str(tmp_path / "my_cohort.csv")}
    execution.execute_notebook(source, output, used, kernel=execution.kernel_name())
    cells = nbformat.read(output, as_version=4).cells
    tags = [cell.metadata.get("tags", []) for cell in cells]
    injected = next(i for i, t in enumerate(tags) if "injected-parameters" in t)
    box = cells[injected + 1]
    assert execution.USED_VALUES_TAG in box.metadata["tags"] and box.cell_type == "markdown"
    assert "- `cut` = `36` (default `24`)" in box.source
    assert "`my_cohort.csv`" in box.source and str(tmp_path) not in box.source
    assert nbformat.read(source, as_version=4).cells[0].source.startswith("data_path = None")


def test_only_true_opts_a_real_cohort_into_per_patient_figures(tmp_path):
    """The box shows an unset per_patient_figures as `None`; typed back as a word (YAML reads
    "none" as a string) it must not switch per-patient lines on for a real cohort."""
    import pandas as pd

    from nettx_utils.build.pipeline import parse_parameters
    from nettx_utils.pages.chapter import open_chapter
    from nettx_utils.project import DEFAULT_COHORT

    copy = pd.read_csv(DEFAULT_COHORT)
    copy["patient_id"] = [f"C{i:03d}" for i in range(len(copy))]
    path = tmp_path / "centre.csv"
    copy.to_csv(path, index=False)
    chapter = open_chapter("02_recurrence", data_path=path, glue=False)
    for typed in ("none", "None", "null"):
        opt_in = parse_parameters([["per_patient_figures", typed]])["per_patient_figures"]
        assert chapter.per_patient_lines(opt_in) == 0, typed
    assert chapter.per_patient_lines(True) > 0


def test_an_unset_per_patient_flag_shows_what_it_meant_for_the_run(tmp_path):
    """`per_patient_figures = None` is not what the reader sees: the box says whether the
    run drew per-patient lines, as the chapters decided it."""
    import pandas as pd

    from nettx_utils.project import DEFAULT_COHORT

    defaults = {"data_path": "None", "per_patient_figures": "None"}
    synthetic = execution.used_values_markdown(defaults, {})
    assert "- `per_patient_figures` = automatic: yes, one line per patient" in synthetic
    assert "(the synthetic cohort; distributions above 200 patients)" in synthetic
    assert "None" not in synthetic

    copy = pd.read_csv(DEFAULT_COHORT)
    copy["patient_id"] = [f"C{i:03d}" for i in range(len(copy))]
    centre = tmp_path / "centre.csv"
    copy.to_csv(centre, index=False)
    other = execution.used_values_markdown(defaults, {"data_path": str(centre)})
    assert (
        "- `per_patient_figures` = automatic: no, distributions instead of per-patient "
        "lines (not the synthetic cohort)"
    ) in other
    opted = execution.used_values_markdown(
        defaults, {"data_path": str(centre), "per_patient_figures": True}
    )
    assert "- `per_patient_figures` = `True`: yes, one line per patient (opted in;" in opted
    assert opted.splitlines()[-2].endswith("(default automatic)")
    declined = execution.used_values_markdown(defaults, {"per_patient_figures": False})
    assert "= `False`: no, distributions instead of per-patient lines (not opted in)" in declined

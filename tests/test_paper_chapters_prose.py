"""The prose of the paper chapters (1-5): every figure caption ends by saying whose data
the figure shows, and no number the prose depends on is typed in where a glue belongs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PAPER_CHAPTERS = [
    "01_cohort", "02_recurrence", "03_treatments", "04_outcomes", "05_prognostic_factors"
]  # fmt: skip
FIGURE = re.compile(r"```\{glue:figure\}[^\n]*\n(.*?)```", re.S)


def markdown(name: str) -> str:
    cells = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


@pytest.mark.parametrize("name", PAPER_CHAPTERS)
def test_every_figure_caption_ends_with_the_data_caption(name):
    captions = FIGURE.findall(markdown(name))
    assert captions, f"{name} has no glued figure"
    for caption in captions:
        assert caption.rstrip().endswith("{glue:text}`data_caption`"), caption[-120:]


def test_the_caption_check_fails_on_a_caption_without_it():
    text = "```{glue:figure} fig\n:name: f\n\nA curve.\n```"
    (caption,) = FIGURE.findall(text)
    assert not caption.rstrip().endswith("{glue:text}`data_caption`")


@pytest.mark.parametrize("name", PAPER_CHAPTERS)
def test_no_cohort_claim_is_typed_into_the_prose(name):
    """Sentences the review found false on other cohorts stay out of the prose."""
    text = markdown(name)
    for claim in (
        "the synthetic cohort has no recurrence at exactly the cut-off",
        "With few deaths",
        "Most recurrences came years after",
        "Mib-1 rose from the primary tumour",
        "5- and 10-year",
    ):
        assert claim not in text, claim


# A code cell's bare last expression is displayed; these are the ones meant to be seen
# (glue returns None, so a glue call shows nothing).
SHOWN = {"view", "chapter.beside_the_paper", "chapter.downloads", "display", "glue"}
SHOWN |= {"up_view", "screen_styled", "landmark_styled", "strata_styled"}  # styled tables


def displayed_expressions(source: str) -> list[str]:
    """The bare last expression of a code cell, if the cell displays it (no trailing ``;``)."""
    import ast

    tree = ast.parse(source)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr) or source.rstrip().endswith(";"):
        return []
    value = tree.body[-1].value
    return [ast.unparse(value.func if isinstance(value, ast.Call) else value)]


@pytest.mark.parametrize("name", PAPER_CHAPTERS)
def test_no_code_cell_displays_a_value_by_accident(name):
    cells = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "code":
            for shown in displayed_expressions("".join(cell["source"])):
                assert shown in SHOWN, f"{name}: a cell displays {shown}(...)"


def test_the_display_check_catches_a_bare_record_call():
    assert displayed_expressions('x = 1\nrecord("k", "text")') == ["record"]
    assert displayed_expressions('record("k", "text");') == []
    assert displayed_expressions("view") == ["view"]


def test_chapter_4_states_the_level_and_method_of_the_median_interval():
    cells = json.loads((NOTEBOOKS / "04_outcomes.ipynb").read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    record = code[code.index('"os_rec_median_ci"') :][:400]
    assert "100 * (1 - alpha)" in record and "ci_type" in record


def code_of(name: str) -> str:
    cells = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def section(text: str, start: str, stop: str) -> str:
    return text[text.index(start) : text.index(stop, text.index(start))]


def test_chapter_5_strata_carry_the_cautions_of_the_surgery_comparison():
    strata = section(markdown("05_prognostic_factors"), "### Surgery within Mib-1", "### CgA")
    for needed in (
        "{ref}`sec-immortal-time`",  # the landmark section, linked
        "immortal time",
        "{glue:text}`paper_min_followup`",  # the paper's inclusion rule, glued
        "{glue:text}`mib1_missing`",  # Mib-1 missing by treatment, computed
        "{glue:text}`mib1_same_split`",  # a threshold that splits as the paper's 2%
    ):
        assert needed in strata, needed
    assert "mib1_missing_by_treatment_text" in code_of("05_prognostic_factors")


def test_chapter_4_draws_aalen_johansen_beside_one_minus_kaplan_meier():
    text = markdown("04_outcomes")
    (caption,) = [c for c in FIGURE.findall(text) if "fig-up-incidence" in c]
    assert "Aalen-Johansen" in caption and "one minus the Kaplan-Meier" in caption
    assert "{glue:text}`up_curves_label`" in caption  # synthetic label on the curves
    assert "incidence = cumulative_incidence_figure(" in code_of("04_outcomes")


@pytest.mark.parametrize("name", ["04_outcomes", "05_prognostic_factors"])
def test_chapters_4_and_5_export_the_tables_they_show(name):
    """Each exported table is the styled view the page shows (headers, rounding), not a frame."""
    code = code_of(name)
    exported = re.findall(r"chapter\.export\(\s*\"[^\"]+\",\s*(\w+)\s*\)", code)
    assert exported
    for variable in exported:
        made = re.search(rf"^{variable} = ([\w.]+)\(", code, re.M)
        assert made, variable
        assert made.group(1) in {
            "formatting.styled", "results.landmark_view", "km_figure",
            "cumulative_incidence_figure",
        }, (variable, made.group(1))  # fmt: skip

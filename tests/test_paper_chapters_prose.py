"""The prose of the paper chapters (1-4): every figure caption ends by saying whose data
the figure shows, and no number the prose depends on is typed in where a glue belongs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PAPER_CHAPTERS = ["01_cohort", "02_recurrence", "03_treatments", "04_outcomes"]
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

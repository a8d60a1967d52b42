"""The exercises of the survival chapters: checking an answer, and checking that each
exercise of a notebook is laid out as the book expects (question, answer, check, solution).
"""

from __future__ import annotations

import ast
import math
import re
from typing import Any

import numpy as np

__all__ = [
    "EXERCISE_INTRO",
    "check_answer",
    "exercise_problems",
]


def check_answer(answer: Any, solution: Any, *, tolerance: float = 1e-4) -> str:
    """Compare an exercise's answer with its solution, in one line of text.

    An answer still ``None`` is not checked: the exercise is simply not done yet. An
    answer passes ("Correct.") when each value is within ``tolerance`` of the solution
    relative to it (``|answer - solution| <= tolerance * |solution|``, plus 1e-12 so that
    a solution of 0 can be met): relative, so that a p-value of 5.5e-5 is not matched by
    0 or by the p-value of another split; loose enough for a reader who uses the rounded
    quantile 1.96 for ``norm.ppf(0.975)`` (a change in the sixth decimal of an interval
    limit), strict enough to catch a wrong formula or a misread row. A wrong answer
    gets one line, "Not quite: expected about X (to within Y).", never an error
    traceback; so does an answer of the wrong shape or one that is not a number.

    Examples
    --------
    >>> check_answer(None, 3.0)
    'Not answered yet: replace None with your answer and run this cell again.'
    >>> check_answer(0.1 + 0.2, 0.3)
    'Correct.'
    >>> check_answer(2 * 1.96 * 0.05, 2 * 1.959964 * 0.05)  # the rounded z passes
    'Correct.'
    >>> check_answer(3.7, 11 / 3)  # read off a table at one decimal
    'Not quite: expected about 3.6667 (to within 0.00037).'
    >>> check_answer(0.0, 5.53e-5)  # a small p-value is not matched by 0
    'Not quite: expected about 5.53e-05 (to within 5.5e-09).'
    >>> check_answer([1.0, 2.0], [1.0, 2.0, 3.0])
    'Not quite: expected 3 values, about [1, 2, 3].'
    """
    if answer is None:
        return "Not answered yet: replace None with your answer and run this cell again."
    expected = np.asarray(solution, dtype=float)
    try:
        given = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return f"Not quite: expected a number, about {_about(expected)}, got {answer!r}."
    if given.shape != expected.shape:
        many = f"{expected.size} values" if expected.ndim else "one number"
        return f"Not quite: expected {many}, about {_about(expected)}."
    if np.allclose(given, expected, rtol=tolerance, atol=1e-12, equal_nan=True):
        return "Correct."
    margin = tolerance * np.nanmax(np.abs(expected)) if expected.size else tolerance
    return f"Not quite: expected about {_about(expected)} (to within {margin:.2g})."


def _about(values: np.ndarray) -> str:
    """Values for :func:`check_answer`'s message: 5 significant figures, "[a, b]" for
    several, "not computable" for NaN.

    >>> _about(np.asarray(0.0123456)), _about(np.asarray([1.0, float("nan")]))
    ('0.012346', '[1, not computable]')
    """
    texts = [f"{v:.5g}" if math.isfinite(v) else "not computable" for v in values.ravel()]
    return texts[0] if values.ndim == 0 else f"[{', '.join(texts)}]"


EXERCISE_INTRO = (
    "Each exercise has an answer cell (replace `None`), a hidden solution (click to show "
    "it) and a check cell that says whether your answer matches."
)
"""The sentence under the "## Exercises" heading of every teaching chapter."""


def exercise_problems(cells: list[dict]) -> list[str]:
    """What breaks the teaching chapters' exercise format in a notebook's cells.

    The format: a markdown cell ``## Exercises`` followed by :data:`EXERCISE_INTRO`
    (and nothing else; line breaks may differ); then for each exercise N = 1, 2, ... four cells in order: a
    markdown cell starting ``**Exercise N.**``; a code cell ``answer_N = None`` (a
    comment may follow); a code cell tagged ``hide-cell`` that starts ``# Solution``,
    assigns ``solution_N`` and ends with an assignment (so it displays nothing); and a
    code cell ``print(check_answer(answer_N, solution_N))``. A question that asks for a
    reason ("why", "explain") is answered in words too: comment lines in the solution
    cell after ``# Solution`` (the check can compare only the number). ``cells`` is a
    notebook's ``"cells"`` list (nbformat JSON). Returns one message per problem (empty:
    all well).
    """

    def text(cell: dict) -> str:
        source = cell.get("source", "")
        return ("".join(source) if isinstance(source, list) else source).strip()

    intro = f"## Exercises\n\n{EXERCISE_INTRO}"
    starts = [i for i, cell in enumerate(cells) if text(cell).startswith("## Exercises")]
    if len(starts) != 1:
        return [f"expected one '## Exercises' cell, found {len(starts)}"]
    same = " ".join(text(cells[starts[0]]).split()) == " ".join(intro.split())
    problems = [] if same else ["the Exercises cell is not the heading and intro"]
    number, i = 1, starts[0] + 1
    while i < len(cells) and text(cells[i]).startswith(f"**Exercise {number}.**"):
        block = cells[i + 1 : i + 4]
        if len(block) < 3 or any(c["cell_type"] != "code" for c in block):
            return [*problems, f"exercise {number}: expected three code cells after the question"]
        answer, solution, check = (text(c) for c in block)
        if not re.fullmatch(rf"answer_{number} = None(\s*#.*)?", answer):
            problems.append(f"exercise {number}: the answer cell is not 'answer_{number} = None'")
        if "hide-cell" not in block[1].get("metadata", {}).get("tags", []):
            problems.append(f"exercise {number}: the solution cell is not tagged hide-cell")
        if not solution.startswith("# Solution") or f"solution_{number} =" not in solution:
            problems.append(f"exercise {number}: the solution cell does not set solution_{number}")
        elif isinstance(ast.parse(solution).body[-1], ast.Expr):  # Jupyter would display it
            problems.append(f"exercise {number}: the solution cell displays a value")
        asks_why = re.search(r"\b(why|explain)\b", text(cells[i]), re.IGNORECASE)
        comments = [line for line in solution.splitlines()[1:] if line.strip().startswith("#")]
        if asks_why and not comments:
            problems.append(f"exercise {number}: asks why, but the solution answers in no comment")
        if check != f"print(check_answer(answer_{number}, solution_{number}))":
            problems.append(f"exercise {number}: the check cell is not the standard one")
        number, i = number + 1, i + 4
    if number == 1:
        problems.append("no '**Exercise 1.**' cell after the Exercises heading")
    elif i < len(cells) and "**Exercise" in text(cells[i]):
        problems.append(f"exercise {number}: not in the standard format")
    return problems

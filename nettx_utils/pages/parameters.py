"""The notebooks' parameters: one declaration of each one's type and allowed range.

Every name a notebook's ``parameters`` cell assigns is declared once here, in
:data:`PARAMETERS`, with the values it accepts. The command line checks the values
given with ``-p NAME VALUE`` against these declarations before any notebook starts
(:func:`check_parameters`), so a value out of range stops the run with one message
(exit status 2) and leaves the previous book as it was; a notebook run by hand can
check its own values with the same call. ``tests/test_parameters.py`` checks that
the declarations cover exactly the names the notebooks declare, and that every
notebook's defaults pass them. A notebook can check its own values with
:func:`check_namespace` (``check_namespace(globals())``).

``data_path`` is declared too (a file name or None), but the command line takes
the cohort with ``--data FILE``, which validates the file first; ``-p data_path``
is refused (:func:`refuse_data_path`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nettx_utils.errors import NettxError

__all__ = [
    "PARAMETERS",
    "QUANTILE_METHODS",
    "Parameter",
    "ParameterError",
    "check_namespace",
    "check_parameter",
    "check_parameters",
    "parse_parameters",
    "refuse_data_path",
]

QUANTILE_METHODS = (
    "inverted_cdf",
    "averaged_inverted_cdf",
    "closest_observation",
    "interpolated_inverted_cdf",
    "hazen",
    "weibull",
    "linear",
    "median_unbiased",
    "normal_unbiased",
    "lower",
    "higher",
    "midpoint",
    "nearest",
)
"""The methods of :func:`numpy.quantile` (``"weibull"`` is SPSS's, ``"linear"`` numpy's
and R's default)."""


CI_TYPES = ("log-log", "log", "plain")
"""The scales of a Kaplan-Meier interval (:data:`nettx_utils.stats.survival.CI_TYPES`; a test
holds them equal: this module imports no statistics, so that a check costs nothing)."""


class ParameterError(NettxError):
    """A parameter's value is of the wrong type or out of its range (exit status 2)."""


@dataclass(frozen=True)
class Parameter:
    """What one parameter accepts.

    ``kind`` is ``"number"``, ``"integer"``, ``"choice"`` (one of ``choices``),
    ``"numbers"`` (a non-empty list of numbers, each in the range),
    ``"flag"`` (True, False or None) or ``"file"`` (a file name or None).
    ``low``/``high`` bound a number (or each number of a list); ``low_open``
    and ``high_open`` exclude the bound itself.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    example: str = "[5, 10]"

    def describe(self) -> str:
        """The allowed values in words.

        Examples
        --------
        >>> Parameter("number", 0, 1, low_open=True, high_open=True).describe()
        'a number greater than 0 and less than 1'
        >>> Parameter("integer", 1).describe()
        'a whole number of at least 1'
        >>> Parameter("numbers", 0, low_open=True).describe()
        'a list of one or more numbers, each greater than 0, e.g. [5, 10]'
        """
        if self.kind == "choice":
            return "one of " + ", ".join(f'"{c}"' for c in self.choices)
        if self.kind == "flag":
            return "True, False or None"
        if self.kind == "file":
            return "a cohort file (given with --data FILE) or None"
        bounds = []
        if self.low is not None:
            bounds.append(f"{'greater than' if self.low_open else 'at least'} {self.low:g}")
        if self.high is not None:
            bounds.append(f"{'less than' if self.high_open else 'at most'} {self.high:g}")
        if self.kind == "numbers":
            each = f", each {' and '.join(bounds)}" if bounds else ""
            return f"a list of one or more numbers{each}, e.g. {self.example}"
        noun = "a whole number" if self.kind == "integer" else "a number"
        if not bounds:
            return f"{noun} (finite)"
        joined = " and ".join(bounds)
        return f"{noun} {'of ' if joined.startswith('at ') else ''}{joined}"

    def _in_range(self, x: float) -> bool:
        if not math.isfinite(x):
            return False
        if self.low is not None and (x <= self.low if self.low_open else x < self.low):
            return False
        return self.high is None or (x < self.high if self.high_open else x <= self.high)

    def normalise(self, value: Any) -> Any:
        """``value`` as the notebook receives it (``1e4`` becomes ``10000`` for a whole
        number), or :class:`ValueError` when the value is not allowed."""
        if self.kind == "choice":
            if value in self.choices:
                return value
            raise ValueError
        if self.kind == "flag":
            if value is None or isinstance(value, bool):
                return value
            raise ValueError
        if self.kind == "file":
            if value is None or isinstance(value, str):
                return value
            raise ValueError
        if self.kind == "numbers":
            if not isinstance(value, list | tuple) or not value:
                raise ValueError
            return [self._number(x) for x in value]
        number = self._number(value)
        if self.kind == "integer":
            if not float(number).is_integer():
                raise ValueError
            return int(number)
        return number

    def _number(self, value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError
        if not self._in_range(float(value)):
            raise ValueError
        return value


def _number(low=None, high=None, **open_bounds: bool) -> Parameter:
    return Parameter("number", low, high, **open_bounds)


def _integer(low: int) -> Parameter:
    return Parameter("integer", low)


PARAMETERS: dict[str, Parameter] = {
    "data_path": Parameter("file"),
    "alpha": _number(0, 1, low_open=True, high_open=True),
    "ci_type": Parameter("choice", choices=CI_TYPES),
    "quantile_method": Parameter("choice", choices=QUANTILE_METHODS),
    "landmark_years": Parameter("numbers", 0, low_open=True),
    "early_recurrence_months": _number(0),
    "mib1_threshold_pct": _number(0, 100),
    "per_patient_figures": Parameter("flag"),
    "surgery_landmarks_months": Parameter("numbers", 0, low_open=True, example="[3, 6, 12]"),
    "ci_month": _number(0, low_open=True),
    "landmark_month": _number(0, low_open=True),
    "n_simulations": _integer(1),
    "n_resamples": _integer(2),
    "sweep_from_months": _number(0),
    "sweep_to_months": _number(0, low_open=True),
    "sweep_step_months": _number(0, low_open=True),
    "min_group_fraction": _number(0, 0.5, high_open=True),
    "n_permutations": _integer(1),
    "n_permutations_fixed": _integer(1),
    "seed": _integer(0),
    "penalizer": _number(0),
    "n_bootstrap": _integer(2),
    "epv_rule": _number(0, low_open=True),
    "n_pairs": _integer(2),
    "shift_log2": _number(),
    "correlations": Parameter(
        "numbers", -1, 1, low_open=True, high_open=True, example="[0.0, 0.3, 0.6]"
    ),
}
"""Each notebook parameter's type and allowed values, by name."""


def parse_parameters(pairs: Sequence[Sequence[str]]) -> dict[str, object]:
    """``-p NAME VALUE`` pairs to Python values; VALUE is read as YAML (``36``, ``[5, 10]``,
    ``log``), and ``None`` as Python's None (YAML would read it as a word); a word that
    is a number for Python (``1e4``, ``nan``) becomes that number. The values are checked
    by :func:`check_parameters`.

    Examples
    --------
    >>> parse_parameters([["per_patient_figures", "None"], ["cut", "36"], ["n", "1e4"]])
    {'per_patient_figures': None, 'cut': 36, 'n': 10000.0}
    """
    import yaml

    parameters: dict[str, object] = {}
    for name, text in pairs:
        if text.strip() == "None":
            parameters[name] = None
            continue
        try:
            parameters[name] = yaml.safe_load(text)
        except yaml.YAMLError:
            parameters[name] = text
        if isinstance(parameters[name], str):  # YAML reads 1e4 and nan as words
            with suppress(ValueError):
                parameters[name] = float(text)
    return parameters


def _shown(value: Any) -> str:
    """A value as the user typed it: ``7``, ``"abc"``, ``[5, 10]``, ``None``."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def unknown_message(names: list[str]) -> str:
    """The message for parameter names no notebook declares."""
    return (
        f"no notebook declares parameter(s) {', '.join(names)}; "
        f"the notebooks' parameters are: {', '.join(sorted(PARAMETERS))}."
    )


def check_parameter(name: str, value: Any, *, cli: bool = True) -> Any:
    """``value`` checked against :data:`PARAMETERS` and normalised.

    The message names the value as the command line takes it (``-p alpha 7``), or,
    with ``cli=False``, as a notebook's parameters cell assigns it (``alpha = 7``).

    Raises
    ------
    ParameterError
        Naming the parameter, the value given and the values allowed.

    Examples
    --------
    >>> check_parameter("n_permutations", 1e4)
    10000
    >>> check_parameter("alpha", 7)
    Traceback (most recent call last):
    ...
    nettx_utils.pages.parameters.ParameterError: -p alpha 7: alpha must be a number greater than 0 and less than 1.
    """
    if name not in PARAMETERS:
        raise ParameterError(unknown_message([name]))
    declared = PARAMETERS[name]
    try:
        return declared.normalise(value)
    except ValueError:
        given = f"-p {name} {_shown(value)}" if cli else f"{name} = {_shown(value)}"
        raise ParameterError(f"{given}: {name} must be {declared.describe()}.") from None


def check_parameters(values: Mapping[str, Any], *, cli: bool = True) -> dict[str, Any]:
    """Every value of ``values`` checked (:func:`check_parameter`), and the rules that tie
    two parameters together (the sweep of chapter 11 runs from ``sweep_from_months`` up
    to ``sweep_to_months``); returns the normalised values.

    Raises
    ------
    ParameterError
        For the first value not allowed, or a name no notebook declares.

    Examples
    --------
    >>> check_parameters({"early_recurrence_months": 36, "landmark_years": [5]})
    {'early_recurrence_months': 36, 'landmark_years': [5]}
    """
    unknown = [name for name in values if name not in PARAMETERS]
    if unknown:
        raise ParameterError(unknown_message(unknown))
    checked = {name: check_parameter(name, value, cli=cli) for name, value in values.items()}
    if {"sweep_from_months", "sweep_to_months"} & set(checked):
        given = {
            name: (checked[name], "") if name in checked else (_default(name), " (its default)")
            for name in ("sweep_from_months", "sweep_to_months")
        }
        (start, start_note), (stop, stop_note) = given.values()
        if start > stop:
            raise ParameterError(
                f"sweep_from_months {start:g}{start_note} is after sweep_to_months "
                f"{stop:g}{stop_note}: the sweep's first cut-off must be at most its last."
            )
    return checked


def check_namespace(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The check a notebook makes of its own parameters: every name of
    :data:`PARAMETERS` that ``namespace`` (the notebook's ``globals()``, after its
    parameters cell and papermill's injected one) assigns, checked as the command line
    checks it (:func:`check_parameters`); returns the checked values.

    Raises
    ------
    ParameterError
        Naming the parameter as the cell assigns it (``alpha = 7``) and the values allowed.

    Examples
    --------
    >>> check_namespace({"alpha": 0.05, "months": 3, "ci_type": "log"})
    {'alpha': 0.05, 'ci_type': 'log'}
    >>> check_namespace({"alpha": 7})
    Traceback (most recent call last):
    ...
    nettx_utils.pages.parameters.ParameterError: alpha = 7: alpha must be a number greater than 0 and less than 1.
    """
    return check_parameters({k: v for k, v in namespace.items() if k in PARAMETERS}, cli=False)


def _default(name: str) -> Any:
    """A parameter's default in the notebooks that declare it (chapter 11's sweep)."""
    from nettx_utils.project import source_notebooks

    for notebook in source_notebooks():
        defaults = parameter_defaults(notebook)
        if name in defaults:
            return defaults[name]
    raise KeyError(name)


def refuse_data_path(values: Mapping[str, Any]) -> None:
    """``-p data_path`` would bypass the cohort's checks: the cohort comes with ``--data``.

    Raises
    ------
    ParameterError
        When ``values`` holds ``data_path``.
    """
    if "data_path" in values:
        raise ParameterError(
            f"-p data_path {_shown(values['data_path'])}: give the cohort with --data FILE "
            "instead, which checks the file against the data dictionary before any notebook "
            "starts."
        )


def parameter_defaults(notebook: Path) -> dict[str, Any]:
    """The literal defaults of a notebook's ``parameters`` cell, by name.

    What :func:`nettx_utils.build.pipeline.declared_parameters` (papermill's
    ``inspect_notebook``) reads, as values, for the assignments of a literal
    (``x = 24``, ``years = [5, 10]``); without importing papermill, which costs a
    page that runs in a kernel more than its computation.
    """
    import ast
    import json

    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    source = next(
        "".join(cell["source"])
        for cell in cells
        if "parameters" in cell.get("metadata", {}).get("tags", [])
    )
    defaults = {}
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                defaults[target.id] = ast.literal_eval(statement.value)
    return defaults

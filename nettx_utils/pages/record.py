"""A notebook's key numbers: glued into its prose, and saved as JSON beside it.

The prose of a chapter never types a number: it cites a glued value
(``{glue:text}`key```). The same values are written to ``<notebook>.json`` next
to the executed notebook, so tests and parameter sweeps read numbers, not HTML.
The pipeline says where with the ``NETTX_RECORD_DIR`` environment variable;
a notebook run by hand in JupyterLab glues but writes nothing.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

RECORD_DIR_ENV = "NETTX_RECORD_DIR"


def _plain(value: Any) -> Any:
    """A JSON-ready copy of numbers, strings, and lists or dicts of them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


class NotebookRecord:
    """Collects the key numbers of one notebook.

    Examples
    --------
    >>> record = NotebookRecord("01_cohort", glue=False)
    >>> record("n_patients", 32)
    32
    >>> record.values
    {'n_patients': 32}
    """

    def __init__(self, notebook: str, *, glue: bool = True) -> None:
        self.notebook = notebook
        self.values: dict[str, Any] = {}
        self._glue = glue

    def __call__(self, key: str, value: Any, text: str | None = None) -> Any:
        """Record ``value`` under ``key`` and glue ``text`` (default ``str(value)``) for the prose."""
        self.values[key] = _plain(value)
        if self._glue:
            from myst_nb import glue

            glue(key, value if text is None else text, display=False)
        return value

    def landmarks(self, prefix: str, table: Any) -> None:
        """Record a landmark table: ``<prefix>_<years>y`` in % for each row, and
        ``<prefix>_landmarks`` (the survival list, glued as one phrase for the prose).

        ``table`` is :func:`nettx_utils.stats.survival.landmark_table` output.
        """
        from nettx_utils.formatting import percent_text
        from nettx_utils.paper.results import describe_landmarks

        for row in table.itertuples():
            value = 100 * row.survival
            self(f"{prefix}_{row.years:g}y", value, percent_text(value))
        self(f"{prefix}_landmarks", table["survival"].tolist(), describe_landmarks(table))

    def km_comparison(self, p_key: str, landmark_key: str, figure: Any, months: float) -> None:
        """Record a group comparison drawn by :func:`nettx_utils.figures.km.km_figure`.

        ``p_key`` gets the log-rank p; ``landmark_key.format(group=key)`` gets each
        group's Kaplan-Meier survival at ``months``, in %. A group the figure left out
        for having no patient is recorded as NaN with a text that says so, and the p
        as NaN "not computable", so the prose still reads on such a cohort.
        """
        from nettx_utils.formatting import format_p, percent_text

        logrank = figure.km_logrank
        if logrank is None:
            self(p_key, math.nan, "not computable (a group has no patient)")
        else:
            self(p_key, logrank.p_value, format_p(logrank.p_value))
        for label, fit in figure.km_fits.items():
            value = 100 * float(fit.survival_at([months])["survival"].iloc[0])
            key = figure.km_group_keys[label]
            self(landmark_key.format(group=key), value, percent_text(value))
        for key in figure.km_empty.values():
            self(
                landmark_key.format(group=key), math.nan, "not estimable (no patient in this group)"
            )

    def save(self, directory: str | Path | None = None) -> Path | None:
        """Write ``<notebook>.json`` into ``directory`` (default: ``$NETTX_RECORD_DIR``, else nothing)."""
        directory = directory or os.environ.get(RECORD_DIR_ENV)
        if not directory:
            return None
        path = Path(directory) / f"{self.notebook}.json"
        path.write_text(json.dumps(self.values, indent=2, sort_keys=True), encoding="utf-8")
        return path


def read_record(directory: str | Path, notebook: str) -> dict[str, Any]:
    """The numbers a notebook recorded in ``directory``."""
    return json.loads((Path(directory) / f"{notebook}.json").read_text(encoding="utf-8"))

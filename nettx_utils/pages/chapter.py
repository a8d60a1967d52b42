"""What every chapter notebook does first and last, written once.

A chapter opens with :func:`open_chapter`: the book's plot style, the cohort
(checked against the dictionary), a :class:`~nettx_utils.pages.record.NotebookRecord`
for its key numbers, and whether its parameters are the paper's. Published
values are scored only on the synthetic cohort with the paper's parameters: with
another cut-off, the paper's numbers answer a different question, and on another
cohort (other patients) they are shown beside the cohort's as context, unscored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from nettx_utils.data.cohort import load_cohort
from nettx_utils.data.datapackage import is_synthetic
from nettx_utils.figures import style
from nettx_utils.fingerprint import SCORE_CACHE_ENV, inputs_digest
from nettx_utils.pages.provenance import SYNTHETIC_CAPTION
from nettx_utils.pages.record import RECORD_DIR_ENV, NotebookRecord
from nettx_utils.project import DEFAULT_COHORT, PROJECT_ROOT

PAPER_PARAMETERS: dict[str, Any] = {
    "early_recurrence_months": 24,
    "mib1_threshold_pct": 2,
    "landmark_years": [5, 10],
    "quantile_method": "weibull",
}
"""The analysis choices of Sposito et al. 2021 that change a published number."""

SYNTHETIC_NOTE = (
    "The patients in this chapter are **synthetic**: a generated cohort on which the "
    "book's analyses give back the paper's published numbers. It describes no real "
    "person (see the page on the synthetic cohort)."
)


OTHER_COHORT_NOTE = (
    "Your cohort's numbers stand beside the paper's as context, not as a test: your "
    "patients are not the paper's, so a number can neither reproduce nor contradict the "
    "paper's, and the book gives no score and no marks. Each value is computed as the "
    "paper defines it and printed with one decimal more than the paper prints; the "
    "difference is your cohort's unrounded value minus the paper's (for percentages in "
    "percentage points). Counts and p-values are left out, because "
    "they depend on how many patients a cohort has; a number the paper prints in several "
    "places appears once; and values that the consistency audit finds inconsistent in the "
    "paper are left out."
)
"""What a comparison with the paper shows on a cohort that is not the synthetic one."""


def per_patient_allowed(opt_in: bool | None, synthetic: bool) -> bool:
    """Whether a figure may draw one line per patient, given ``per_patient_figures``:
    ``None`` (automatic) allows it on the synthetic cohort only, ``True`` opts in on any
    cohort, anything else (``False``, a word typed for None) does not allow it.

    Examples
    --------
    >>> per_patient_allowed(None, True), per_patient_allowed(None, False)
    (True, False)
    >>> per_patient_allowed(True, False), per_patient_allowed("none", False)
    (True, False)
    """
    return opt_in is True or (opt_in is None and synthetic)


@dataclass
class Chapter:
    """A chapter's cohort, record and parameters."""

    name: str
    cohort: pd.DataFrame
    record: NotebookRecord
    parameters: dict[str, Any]
    data_path: Path
    differs: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    synthetic: bool = True
    exported: list[Path] = field(default_factory=list)

    @property
    def comparable(self) -> bool:
        """True on the synthetic cohort when every parameter that changes a published
        number is the paper's: only then does a match with the paper mean something."""
        return self.synthetic and not self.differs

    def data_note(self) -> str:
        """Markdown for the top of a chapter: whose patients these numbers describe."""
        if self.synthetic:
            return SYNTHETIC_NOTE
        return (
            f"The numbers in this chapter are computed from **your cohort** "
            f"({len(self.cohort)} patients), not from the paper's patients and not from "
            "the project's synthetic cohort."
        )

    def data_caption(self) -> str:
        """A sentence for the end of every figure caption: whose data the figure shows."""
        if self.synthetic:
            return SYNTHETIC_CAPTION
        return "Computed from your cohort, not from the paper's patients."

    def comparison_note(self) -> str:
        """Markdown saying how the published values are shown on this run, or an empty
        string on the synthetic cohort with the paper's parameters (scored, with marks)."""
        if self.comparable:
            return ""
        if not self.synthetic:
            return OTHER_COHORT_NOTE
        changes = "; ".join(
            f"`{name}` = {value!r} (the paper: {paper!r})"
            for name, (value, paper) in self.differs.items()
        )
        return (
            "The published values are not shown beside this chapter's numbers, because "
            f"this run changed the paper's analysis choices: {changes}. "
            "Rerun with the defaults to see the comparison."
        )

    @cached_property
    def published(self) -> pd.DataFrame:
        """Every published value of this chapter's section, scored against the cohort.

        The score covers every section and costs about a second, so the chapters of
        one pipeline run compute it once: the first chapter that needs it writes it
        to ``$NETTX_SCORE_CACHE`` under a key of the cohort file's content, the data
        files and the package (:func:`nettx_utils.fingerprint.inputs_digest`), and
        the others read it. Without the variable it is computed here.
        """
        table = self.score
        return table[table["section"] == self.section]

    @cached_property
    def score(self) -> pd.DataFrame:
        """Every published value, recomputed from the cohort (all sections; see
        :attr:`published` for how a build computes it once)."""
        return shared_score(self.cohort, self.data_path)

    @property
    def section(self) -> str:
        return self.name.split("_", 1)[1]

    def comparison_text(self) -> str:
        """One sentence for the prose: how the paper's numbers are shown, or why they are not."""
        from nettx_utils.paper.rounding import SHOWN_RULE

        if self.comparable:
            return (
                "Beside each number stands the one the paper prints, with a mark: ✓ when the "
                "book's value, computed from the synthetic cohort, rounds to it, ✗ when it "
                "does not, ⚑ when the paper's own "
                "numbers contradict each other there (see the consistency audit), and (✓) "
                "for a median or quartile that lies exactly on a half the paper printed "
                "rounded down: it matches only if the paper rounded that half down. " + SHOWN_RULE
            )
        if not self.synthetic:
            return (
                "The paper's values are not set beside the rows of this table: your patients "
                "are not the paper's, so a match or a mismatch would mean nothing. The "
                "section *Beside the paper* at the end of the chapter shows percentages, "
                "medians, survival estimates and correlations of your cohort beside the paper's, as "
                "context, without marks."
            )
        return self.comparison_note()

    def per_patient_lines(self, opt_in: bool | None) -> int:
        """How many per-patient lines a figure may draw: up to
        :data:`nettx_utils.figures.style.PER_PATIENT_LIMIT` on the synthetic cohort, or where the
        reader opted in (``per_patient_figures=True``); none on any other cohort."""
        from nettx_utils.figures.style import PER_PATIENT_LIMIT

        return PER_PATIENT_LIMIT if per_patient_allowed(opt_in, self.synthetic) else 0

    def listing(
        self, frame: pd.DataFrame, caption: str, formats: dict | None = None, shown: str = ""
    ) -> Any:
        """A table with one row per patient: shown for the synthetic cohort only.

        On any other cohort the page says why the rows are left out, so a book built
        on a centre's patients carries no row-level listing (see "Using your own data").
        ``shown`` names what the page does show of single patients instead (for example
        life tables whose rows are distinct event times), so that the notice stays true.
        """
        from IPython.display import Markdown

        from nettx_utils.formatting import styled

        if self.synthetic:
            return styled(frame, caption, formats)
        return Markdown(
            f"*{caption}: not shown. This table lists single patients, one row each, and "
            "this cohort is not the synthetic one." + (f" {shown}" if shown else "") + "*"
        )

    def beside_the_paper(
        self, caption: str, *, exclude_sources: tuple[str, ...] = ("Table 1", "Table 2")
    ) -> Any:
        """The chapter's published values beside the cohort's.

        On the synthetic cohort with the paper's parameters: scored, with marks
        (:func:`~nettx_utils.paper.comparison.comparison_view`). On another cohort: the
        context view, no score and no marks
        (:func:`~nettx_utils.paper.context.context_view`), after a note saying why. On the
        synthetic cohort with other parameters: only the note why nothing is compared.
        Values printed in ``exclude_sources`` are left out (the chapter's tables show them).
        """
        from IPython.display import Markdown, display

        from nettx_utils.paper.comparison import comparison_view
        from nettx_utils.paper.context import context_view

        if self.comparable or not self.synthetic:
            rows = self.published[~self.published["source"].isin(exclude_sources)]
            if self.comparable:
                return comparison_view(rows, caption)
            display(Markdown(self.comparison_note()))
            return context_view(rows, caption)
        return Markdown(self.comparison_note())

    def export(
        self,
        name: str,
        item: Any,
        *,
        caption: str | None = None,
        simulation_seed: int | None = None,
    ) -> None:
        """Save a table or a figure as files for a manuscript.

        Pass a table as the page shows it (the Styler of
        :func:`nettx_utils.formatting.styled` or a view built on it): the files then hold
        its displayed headers and rounded numbers (see
        :func:`nettx_utils.pages.table_export.shown_table`) and its caption (``caption`` replaces
        the Styler's; a DataFrame has none otherwise), followed, where the table shows
        the marks ✓ ✗ ⚑ on a scored run, by what the marks mean. Files go to
        ``results/`` beside the executed notebook (so the page can link them, and the
        pipeline gathers them into the project's ``results/``); a notebook run by hand
        writes to the project's ``results/`` directly. Every file says inside itself
        where its numbers come from: the synthetic cohort, or the name (never the
        path) of the user's cohort file and the nettx version (see
        :mod:`nettx_utils.pages.export`). Pass ``simulation_seed`` for an item computed from
        simulated studies only (no patient data), e.g. chapter 13's power figure: its
        files then say so and name the seed, on every cohort.
        """
        from matplotlib.figure import Figure

        from nettx_utils.pages.figure_export import save_figure
        from nettx_utils.pages.table_export import save_table

        directory = self._results_dir()
        where = {
            "synthetic": self.synthetic,
            "cohort_file": None if self.synthetic else self.data_path.name,
            "simulation_seed": simulation_seed,
        }
        if isinstance(item, Figure):
            if caption is not None:
                raise TypeError("Chapter.export: a figure's files carry no caption.")
            files = save_figure(item, f"{self.name[:2]}_{name}", directory, **where)
        else:
            legend = self.comparison_text() if self.comparable else None
            files = save_table(
                item,
                f"{self.name[:2]}_{name}",
                directory,
                caption=caption,
                marks_legend=legend,
                **where,
            )
        self.exported.extend(files)

    def downloads(self) -> Any:
        """Markdown links to every file :meth:`export` wrote, for the end of a chapter."""
        from IPython.display import Markdown

        from nettx_utils.pages.export import links_markdown

        if not self.exported:
            return Markdown("This chapter saved no files.")
        base = self._results_dir().parent
        return Markdown(links_markdown(self.exported, base=base))

    def _results_dir(self) -> Path:
        record_dir = os.environ.get(RECORD_DIR_ENV)
        return Path(record_dir) / "results" if record_dir else PROJECT_ROOT / "results"

    def finish(self) -> Path | None:
        """Save the recorded numbers beside the executed notebook (see :mod:`nettx_utils.pages.record`)."""
        return self.record.save()


def _score(cohort: pd.DataFrame) -> pd.DataFrame:
    from nettx_utils.paper.published import load_consistency_audit, load_published_values
    from nettx_utils.paper.scoring import score

    return score(cohort, load_published_values(), load_consistency_audit())


def shared_score(cohort: pd.DataFrame, data_path: Path) -> pd.DataFrame:
    """The published-value score of ``cohort`` (read from ``data_path``), computed once
    per build: see :attr:`Chapter.published`."""
    directory = os.environ.get(SCORE_CACHE_ENV)
    if not directory:
        return _score(cohort)
    path = Path(directory) / f"score-{inputs_digest(data_path)[:24]}.pkl"
    import fcntl  # POSIX only, and needed only where a build shares the score

    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second chapter waits for the first one's score
        if path.exists():
            return pd.read_pickle(path)
        table = _score(cohort)
        partial = path.with_suffix(".partial")
        table.to_pickle(partial)
        partial.replace(path)
    return table


def open_chapter(
    name: str, *, data_path: str | Path | None = None, glue: bool = True, **parameters: Any
) -> Chapter:
    """Set up a chapter notebook.

    Parameters
    ----------
    name
        The notebook's name, e.g. ``"04_outcomes"``; its section is the part after
        the number (``outcomes``).
    data_path
        The cohort file; ``None`` for the synthetic cohort.
    **parameters
        The notebook's parameters; those in :data:`PAPER_PARAMETERS` decide whether
        published values are compared.
    """
    style.use_book_style()
    _show_figures_inline()
    _check_notebook_parameters(parameters)
    path = Path(data_path) if data_path is not None else DEFAULT_COHORT
    cohort = _load_quietly(path) if os.environ.get(RECORD_DIR_ENV) else load_cohort(path)
    differs = {
        key: (value, PAPER_PARAMETERS[key])
        for key, value in parameters.items()
        if key in PAPER_PARAMETERS and _normal(value) != _normal(PAPER_PARAMETERS[key])
    }
    record = NotebookRecord(name, glue=glue)
    record("n_patients", len(cohort))
    synthetic = is_synthetic(path)
    chapter = Chapter(name, cohort, record, dict(parameters), path, differs, synthetic)
    if glue:
        from IPython.display import Markdown
        from myst_nb import glue as glue_value

        glue_value("data_note", Markdown(chapter.data_note()), display=False)
        glue_value("comparison_text", Markdown(chapter.comparison_text()), display=False)
        glue_value("data_caption", chapter.data_caption(), display=False)
    return chapter


def _check_notebook_parameters(parameters: Mapping[str, Any]) -> None:
    """Check a notebook's parameters as the command line does
    (:func:`nettx_utils.pages.parameters.check_namespace`): those passed to
    :func:`open_chapter` and, in a kernel, every parameter the notebook assigned
    (IPython's public ``user_ns``), so that a notebook run by hand with ``alpha = 7``
    stops here with one message, not deep inside a statistic."""
    from nettx_utils.pages.parameters import check_namespace

    check_namespace(parameters)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        return
    shell = get_ipython()
    if shell is not None:
        check_namespace(shell.user_ns)


def _load_quietly(path: Path) -> pd.DataFrame:
    """The cohort, its warnings silenced: the pipeline has already shown them once
    before any notebook started, and in a kernel they would land as raw stderr in the
    downloadable notebooks."""
    import warnings

    from nettx_utils.data.cohort import CohortWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CohortWarning)
        return load_cohort(path)


def _show_figures_inline() -> None:
    """Let a kernel display and glue matplotlib figures as images.

    The plotting functions build figures outside pyplot, so the inline backend,
    which registers the image formatters, must be switched on explicitly.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        return
    shell = get_ipython()
    if shell is not None:
        shell.run_line_magic("matplotlib", "inline")


def _normal(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    if isinstance(value, int | float):
        return float(value)
    return value


def parameter_table(parameters: Mapping[str, Any]) -> pd.DataFrame:
    """The run's parameters beside the paper's, for the top of a chapter."""
    return pd.DataFrame(
        {
            "parameter": list(parameters),
            "this run": [repr(v) for v in parameters.values()],
            "the paper": [repr(PAPER_PARAMETERS.get(k, "—")) for k in parameters],
        }
    )

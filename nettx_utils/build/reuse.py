"""Which notebooks a run executes and which it reuses from the previous run.

Each notebook has a key (:func:`notebook_key`): a hash of what its executed copy depends
on. The run record (``run.json`` beside the executed notebooks) stores the keys; a
notebook whose key is unchanged, or that ``--only`` leaves out, is carried over from
the previous run (its executed copy, record and exported files). Running them is
:mod:`nettx_utils.build.pipeline`'s job.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from nettx_utils import fingerprint
from nettx_utils.errors import NettxError

if TYPE_CHECKING:
    pass


COMPUTED = Path("book") / "computed"


def _keys(
    chapters: Sequence[Path],
    pages: Sequence[Path],
    plan: Mapping[str, Mapping[str, object]],
    cohort_path: Path,
    allow_columns: Sequence[str],
    inputs: str,
) -> dict[str, str]:
    """Each notebook's key (:func:`notebook_key`) by its name.

    A page may read the chapters' sources (the parameters page reads chapter 5's
    defaults): its key includes them.
    """
    keys = {
        nb.stem: notebook_key(nb, plan[nb.stem], cohort_path, allow_columns, inputs=inputs)
        for nb in [*chapters, *pages]
    }
    chapters_source = fingerprint.digest(*(nb.read_bytes() for nb in chapters))
    for page in pages:
        keys[page.stem] = fingerprint.digest(keys[page.stem].encode(), chapters_source.encode())
    return keys


def _reuse_or_run(
    notebooks: Sequence[Path],
    selected: Sequence[Path],
    keys: Mapping[str, str],
    previous_keys: Mapping[str, str],
    previous: Path,
    staging: Path,
    outputs: Mapping[str, Path],
    reused: list[str],
    report: Callable[[str], None],
) -> list[Path]:
    """The notebooks to execute; the others' previous copies are copied into ``staging``
    and their names appended to ``reused``.

    A notebook is reused when it has a previous copy and is not selected or its key is
    unchanged.
    """
    to_run = []
    for notebook in notebooks:
        is_page = notebook.stem in outputs
        previous_copy = (previous.parent if is_page else previous).joinpath(notebook.name)
        if previous_copy.exists() and (
            notebook not in selected or previous_keys.get(notebook.stem) == keys[notebook.stem]
        ):
            if is_page:
                shutil.copy2(previous_copy, outputs[notebook.stem])
            else:
                _reuse(previous, staging / COMPUTED, notebook.stem)
            reused.append(notebook.stem)
            why = "not selected" if notebook not in selected else "unchanged"
            report(f"{notebook.stem}: {why}, reused the previous run")
        else:
            to_run.append(notebook)
            if notebook not in selected:  # --only, but no previous copy to reuse
                report(f"{notebook.stem}: not selected, but no previous run to reuse: executing")
    return to_run


def _recorded_keys(
    notebooks: Sequence[Path],
    selected: Sequence[Path],
    reused: Sequence[str],
    keys: Mapping[str, str],
    previous_keys: Mapping[str, str],
) -> dict[str, str]:
    """The keys the run record stores.

    A notebook reused because --only left it out keeps the key of the copy it reuses (the
    previous run's), not this run's: a later run that selects it must see that its
    parameters changed.
    """
    return {
        nb.stem: previous_keys.get(nb.stem, "")
        if nb not in selected and nb.stem in reused
        else keys[nb.stem]
        for nb in notebooks
    }


def notebook_key(
    notebook: Path,
    parameters: Mapping[str, object],
    cohort_path: Path,
    allow_columns: Sequence[str] = (),
    *,
    inputs: str | None = None,
) -> str:
    """What an executed notebook depends on, as one hash: its source, its parameters,
    the cohort file's content, the other data files it reads (dictionary, published
    values, audit), the package (:func:`~nettx_utils.fingerprint.package_digest`) and
    the accepted columns. ``inputs`` is :func:`~nettx_utils.fingerprint.inputs_digest`
    of ``cohort_path`` when the caller has it already (one run hashes them once)."""
    return fingerprint.digest(
        notebook.read_bytes(),
        json.dumps(dict(parameters), sort_keys=True, default=str).encode(),
        (inputs or fingerprint.inputs_digest(cohort_path)).encode(),
        json.dumps(sorted(allow_columns)).encode(),
    )


def _reuse(previous: Path, computed: Path, stem: str) -> None:
    """Carry a notebook's executed copy, its record and its exported files into a new run."""
    for name in (f"{stem}.ipynb", f"{stem}.json"):
        if (previous / name).exists():
            shutil.copy2(previous / name, computed / name)
    prefix = stem[:2] + "_"
    for kind in ("tables", "figures"):
        for path in (previous / "results" / kind).glob(prefix + "*"):
            (computed / "results" / kind).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, computed / "results" / kind / path.name)


def _write_run_record(
    staging: Path,
    plan: Mapping[str, Mapping[str, object]],
    executed: Sequence[str],
    keys: Mapping[str, str],
    pages: Collection[str] = (),
    cohort: str = "",
) -> None:
    """Record the parameters and cache keys of the run beside the executed notebooks
    (``keys`` of the chapters, ``page_keys`` of the ``pages``), and the checksum of the
    cohort the chapters read."""
    record = {
        "cohort": cohort,
        "parameters": plan,
        "executed": list(executed),
        "keys": {stem: key for stem, key in keys.items() if stem not in pages},
        "page_keys": {stem: key for stem, key in keys.items() if stem in pages},
    }
    (staging / COMPUTED / "run.json").write_text(json.dumps(record, indent=2, default=str))


def _refuse_mixed_cohorts(
    previous: Path, cohort_sha: str, selected: Collection[Path], notebooks: Sequence[Path]
) -> None:
    """``--only`` keeps the other chapters of the previous run; refuse when that run read
    another cohort, so a book never mixes two cohorts' chapters (and exports)."""
    if len(selected) == len(notebooks) or not (previous / "run.json").exists():
        return
    try:
        before = json.loads((previous / "run.json").read_text()).get("cohort", "")
    except (OSError, ValueError):
        before = ""
    if before != cohort_sha:
        raise NettxError(
            "--only keeps the other chapters of the previous run, which read another cohort "
            "(or an older version of it); run once without --only to build every chapter "
            "on this cohort."
        )


def _previous_keys(previous: Path) -> dict[str, str]:
    try:
        record = json.loads((previous / "run.json").read_text())
        return {**record.get("keys", {}), **record.get("page_keys", {})}
    except (OSError, ValueError):
        return {}

"""Where the project folder is: the data, the notebooks and the book's configuration.

The package is usually installed editable from the project (``pip install -e .``), and
then the folder above the package is the project. A plain ``pip install .`` puts the
package in ``site-packages``, away from the data: then the project is the folder named
by ``NETTX_PROJECT``, or the current folder or one of its parents. The statistics need
none of this; only reading the default cohort, the published values and building the
book do.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from nettx_utils.errors import NettxError

PROJECT_ENV = "NETTX_PROJECT"
MARKERS = ("_config.yml", "data/dictionary.yml")


def is_project(folder: Path) -> bool:
    """Whether ``folder`` holds the book's configuration and the data dictionary."""
    return all((folder / marker).is_file() for marker in MARKERS)


def find_project_root(candidates: Iterable[Path] | None = None) -> Path:
    """The first candidate that :func:`is_project`; by default the folder named by
    ``NETTX_PROJECT``, the folder above the package, then the current folder and its
    parents. Falls back to the folder above the package (the statistics do not need it).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     root = Path(tmp)
    ...     (root / "data").mkdir()
    ...     _ = (root / "_config.yml").write_text("")
    ...     _ = (root / "data" / "dictionary.yml").write_text("")
    ...     find_project_root([root / "elsewhere", root / "data", root]) == root
    True
    """
    beside_package = Path(__file__).resolve().parents[1]
    if candidates is None:
        here = Path.cwd().resolve()
        named = [Path(os.environ[PROJECT_ENV])] if os.environ.get(PROJECT_ENV) else []
        candidates = [*named, beside_package, here, *here.parents]
    for folder in candidates:
        if is_project(folder):
            return folder
    return beside_package


PROJECT_ROOT = find_project_root()
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_COHORT = DATA_DIR / "cohort.csv"
DEFAULT_DICTIONARY = DATA_DIR / "dictionary.yml"


NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"


def source_notebooks(notebook_dir: Path = NOTEBOOK_DIR) -> list[Path]:
    """The book's notebooks, in chapter order (their file names start ``01_``, ``02_``...)."""
    notebooks = sorted(notebook_dir.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise NettxError(f"{notebook_dir}: no notebooks named like 01_name.ipynb.")
    return notebooks

"""Hashes of what a computed result depends on, for the pipeline's caches.

A notebook's executed copy, and the published-value score the chapters share, are
reused only while their inputs are byte for byte the same: the cohort file, the
other data files (dictionary, published values, audit), and the package (its
version and the source of its modules). Kept apart from :mod:`nettx_utils.build.pipeline`
so that a chapter kernel can use it without importing papermill.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from nettx_utils.project import DATA_DIR

SCORE_CACHE_ENV = "NETTX_SCORE_CACHE"
"""Environment variable naming the folder where the chapters of one build share the
published-value score (set by the pipeline; see :attr:`nettx_utils.pages.chapter.Chapter.published`)."""


def digest(*parts: bytes) -> str:
    """One SHA-256 of several byte strings (each hashed first, so boundaries count)."""
    total = hashlib.sha256()
    for part in parts:
        total.update(hashlib.sha256(part).digest())
    return total.hexdigest()


COMPUTING_LIBRARIES = (
    "numpy",
    "pandas",
    "scipy",
    "lifelines",
    "matplotlib",
    "papermill",
    "myst-nb",
    "jupyter-book",
)
"""The libraries whose version can change what a chapter computes or shows."""


def library_versions() -> str:
    """The installed versions of :data:`COMPUTING_LIBRARIES`, one ``name==version`` a line."""
    from importlib.metadata import PackageNotFoundError, version

    lines = []
    for name in COMPUTING_LIBRARIES:
        try:
            lines.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            lines.append(f"{name}==absent")
    return "\n".join(lines)


def package_digest() -> str:
    """The package's version, the content of its modules (those of its subpackages
    too) and the versions of the libraries that compute (:func:`library_versions`): a
    change to any of them can change what a notebook computes."""
    from nettx_utils import __version__

    sources = sorted(Path(__file__).parent.rglob("*.py"))
    return digest(
        __version__.encode(),
        library_versions().encode(),
        *(path.read_bytes() for path in sources),
    )


def data_files() -> list[Path]:
    """The project's data files a chapter may read besides the cohort (the descriptor
    ``datapackage.json`` included: it decides whether a cohort is the synthetic one)."""
    return (
        sorted(DATA_DIR.glob("*.csv"))
        + sorted(DATA_DIR.glob("*.yml"))
        + sorted(DATA_DIR.glob("*.json"))
    )


def inputs_digest(cohort_path: Path) -> str:
    """The cohort file's content, the other data files and the package, as one hash."""
    return digest(
        Path(cohort_path).read_bytes(),
        *(path.read_bytes() for path in data_files()),
        package_digest().encode(),
    )

"""Hashes of what a computed result depends on, for the pipeline's caches.

A notebook's executed copy, and the published-value score the chapters share, are
reused only while their inputs are byte for byte the same: the cohort file, the
other data files (dictionary, published values, audit), and the package (its
version and the source of its modules). Kept apart from :mod:`nettx_utils.pipeline`
so that a chapter kernel can use it without importing papermill.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from nettx_utils.cohort import DATA_DIR

SCORE_CACHE_ENV = "NETTX_SCORE_CACHE"
"""Environment variable naming the folder where the chapters of one build share the
published-value score (set by the pipeline; see :attr:`nettx_utils.chapter.Chapter.published`)."""


def digest(*parts: bytes) -> str:
    """One SHA-256 of several byte strings (each hashed first, so boundaries count)."""
    total = hashlib.sha256()
    for part in parts:
        total.update(hashlib.sha256(part).digest())
    return total.hexdigest()


def package_digest() -> str:
    """The package's version and the content of its modules: a change to either
    can change what a notebook computes."""
    from nettx_utils import __version__

    sources = sorted(Path(__file__).parent.glob("*.py"))
    return digest(__version__.encode(), *(path.read_bytes() for path in sources))


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

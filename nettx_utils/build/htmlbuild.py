"""Build the staged book's HTML with Jupyter Book's command line, execution off.

:func:`build_html` runs ``jupyter-book build`` as a child process, once every notebook
is executed, and reports Jupyter Book's warnings when it fails (warnings are errors).

A rebuild starts from the previous build's Sphinx state (:func:`seed_sphinx_state`):
Sphinx keeps its environment in ``_build/.doctrees`` and reads again only the sources
whose modification time changed, which is its own, documented incremental build.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from nettx_utils.errors import NettxError

SPHINX_STATE = "sphinx"  # the last build's _build/ but the HTML: doctrees, images, for a rebuild
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def jupyter_book_command() -> list[str]:
    """The ``jupyter-book`` command of the running Python's environment (its console script
    beside the interpreter), else the one on the ``PATH``."""
    beside = Path(sys.executable).parent / "jupyter-book"
    found = str(beside) if beside.exists() else shutil.which("jupyter-book")
    if found is None:
        raise NettxError(
            "jupyter-book is not installed in this environment (pip install jupyter-book)."
        )
    return [found]


def build_html(staging: Path) -> Path:
    """Build the book in ``staging`` with Jupyter Book (warnings as errors); returns the
    HTML folder, ``staging/_build/html``.

    Raises
    ------
    NettxError
        With Jupyter Book's warnings and errors (at most 25 lines), when the build fails.
    """
    staging = Path(staging)
    command = [
        *jupyter_book_command(),
        "build",
        str(staging),
        "--path-output",
        str(staging),
        "--warningiserror",
        "--keep-going",
        "--quiet",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        log = _ANSI.sub("", completed.stdout + completed.stderr).strip().splitlines()
        log = [line for line in log if "WARNING" in line or "ERROR" in line] or log[-25:]
        raise NettxError(
            "Jupyter Book could not build the book; the previous HTML is unchanged.\n"
            + "\n".join(log[:25])
        )
    return staging / "_build" / "html"


def seed_sphinx_state(build_dir: Path, staging: Path) -> None:
    """Give Sphinx the previous build's pages, doctrees and notebook images, so that it
    reads and writes only the pages whose sources changed.

    The staging folder has the same path in every run (Sphinx starts afresh when the
    source folder moves), and every unchanged source keeps its modification time
    (copies are made with ``copy2``), which is what Sphinx compares.
    """
    state, html = build_dir / SPHINX_STATE, build_dir / "html"
    if state.is_dir() and html.is_dir():
        shutil.copytree(state, staging / "_build")
        shutil.copytree(html, staging / "_build" / "html")

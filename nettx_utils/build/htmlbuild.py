"""Build the staged book's HTML with Jupyter Book, in a process started ahead of time.

Most of a rebuild's Jupyter Book time is not spent on the changed page: starting
Python, importing Sphinx and its extensions, setting them up and loading the previous
build's environment take about 1.3 s before Sphinx looks at a single source. None of
that depends on the executed notebooks, so :class:`JupyterBookBuild` starts the build
process while the notebooks execute (the kernel uses one core, this process the
other) and holds it just before Sphinx reads the sources: ``Sphinx.build`` waits
for a line on its standard input. :meth:`JupyterBookBuild.finish` sends it, once
every notebook is in place; :meth:`JupyterBookBuild.cancel` (or leaving the
``with`` block without finishing) stops the process without building anything.

Sphinx decides what to read again inside ``build``, from the sources' modification
times, so a notebook written after the process started is still seen as changed. But
the list of sources is made when the process starts (``only_build_toc_files`` excludes
the files that are not in the table of contents at that moment): every source must
exist by then, if only as an empty file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from nettx_utils.build import startup
from nettx_utils.errors import NettxError

SPHINX_STATE = "sphinx"  # the last build's _build/ but the HTML: doctrees, images, for a rebuild
GO = "build"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# The build process: jupyter-book's command line with Sphinx.build held until the
# pipeline says GO (anything else, or a closed pipe, ends the process unbuilt).
_HELD_BUILD = (
    startup.HIDE_SLOW_OPTIONAL_MODULES
    + f"""
import os
import sys
from sphinx.application import Sphinx
_build = Sphinx.build
def _build_when_told(self, *args, **kwargs):
    if sys.stdin.readline().strip() != {GO!r}:
        os._exit(0)
    return _build(self, *args, **kwargs)
Sphinx.build = _build_when_told
from jupyter_book.cli.main import main
main()
"""
)


class JupyterBookBuild:
    """One Jupyter Book build of ``staging`` (execution off, warnings as errors).

    Start it once the book's configuration and the previous Sphinx state are staged
    (:func:`seed_sphinx_state`); the notebooks may still be executing.
    """

    def __init__(self, staging: Path) -> None:
        self.staging = Path(staging)
        command = [
            sys.executable,
            "-c",
            _HELD_BUILD,
            "build",
            str(self.staging),
            "--path-output",
            str(self.staging),
            "--warningiserror",
            "--keep-going",
            "--quiet",
        ]
        self._process: subprocess.Popen[str] | None = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(self) -> Path:
        """Let Sphinx read and write the book; returns the HTML folder.

        Raises
        ------
        NettxError
            With Jupyter Book's warnings and errors, when the build fails.
        """
        if self._process is None:
            raise NettxError("this Jupyter Book build was cancelled or has finished already.")
        process, self._process = self._process, None
        try:
            stdout, stderr = process.communicate(f"{GO}\n")
        except BrokenPipeError:  # the process ended before it was told to build
            stdout, stderr = process.communicate()
        if process.returncode != 0:
            log = _ANSI.sub("", stdout + stderr).strip().splitlines()
            log = [line for line in log if "WARNING" in line or "ERROR" in line] or log[-25:]
            raise NettxError(
                "Jupyter Book could not build the book; the previous HTML is unchanged.\n"
                + "\n".join(log[:25])
            )
        return self.staging / "_build" / "html"

    def cancel(self) -> None:
        """Stop the process without building (safe to call twice)."""
        if self._process is None:
            return
        process, self._process = self._process, None
        process.kill()
        for stream in (process.stdin, process.stdout, process.stderr):
            stream.close()  # what it printed is not wanted; closing twice is fine
        process.wait()

    def __enter__(self) -> JupyterBookBuild:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.cancel()


def build_html(staging: Path) -> Path:
    """Build the staged book with Jupyter Book now; returns the HTML folder."""
    with JupyterBookBuild(staging) as build:
        return build.finish()


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

"""The Jupyter Book build started ahead of time, and the processes started without
rfc3987_syntax (:mod:`nettx_utils.build.htmlbuild`, :mod:`nettx_utils.build.startup`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nettx_utils.build import htmlbuild
from nettx_utils.errors import NettxError

pytestmark = pytest.mark.slow


def _tiny_book(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text(
        'title: "Tiny"\nonly_build_toc_files: true\nexecute:\n  execute_notebooks: "off"\n'
    )
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: page\n")
    (folder / "intro.md").write_text("# Intro\n\nThe first page.\n")
    (folder / "page.md").write_text(f"# Page\n\n{text}\n")
    return folder


def test_a_page_written_after_the_build_started_is_the_one_built(tmp_path):
    """The process sets Sphinx up while the notebooks execute; what it builds is what the
    sources are when it is told to go, both on a first build and on an incremental one."""
    book = _tiny_book(tmp_path / "book", "first words")
    html = htmlbuild.build_html(book)
    assert "first words" in (html / "page.html").read_text()

    with htmlbuild.JupyterBookBuild(book) as build:
        time.sleep(3)  # long enough for the process to be waiting, set up
        assert build._process.poll() is None
        (book / "page.md").write_text("# Page\n\nwords written while it waited\n")
        html = build.finish()
    assert "words written while it waited" in (html / "page.html").read_text()
    assert "first words" not in (html / "page.html").read_text()


def test_a_cancelled_build_writes_nothing_and_ends_its_process(tmp_path):
    book = _tiny_book(tmp_path / "book", "never built")
    build = htmlbuild.JupyterBookBuild(book)
    process = build._process
    build.cancel()
    build.cancel()  # twice is fine
    assert process.poll() is not None
    assert not (book / "_build" / "html" / "page.html").exists()
    with pytest.raises(NettxError, match="cancelled or has finished"):
        build.finish()


def test_leaving_the_block_without_finishing_cancels(tmp_path):
    book = _tiny_book(tmp_path / "book", "never built")
    with pytest.raises(RuntimeError), htmlbuild.JupyterBookBuild(book) as build:
        process = build._process
        raise RuntimeError("a notebook failed")
    assert process.poll() is not None
    assert not (book / "_build" / "html").exists()


def test_a_failing_build_names_the_warning(tmp_path):
    book = _tiny_book(tmp_path / "book", "{ref}`no-such-label`")
    with pytest.raises(NettxError) as info:
        htmlbuild.build_html(book)
    message = str(info.value)
    assert message.startswith("Jupyter Book could not build the book")
    assert "no-such-label" in message and "WARNING" in message


def _imports(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    ).stdout.strip()


def test_the_pipeline_process_skips_rfc3987_syntax_and_still_validates_notebooks():
    check = (
        "import sys\n{setup}\nimport nbformat\n"
        "nb = nbformat.v4.new_notebook()\nnbformat.validate(nb)\n"
        "print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is not None)"
    )
    assert _imports(check.format(setup="import nettx_utils.build.pipeline")) == "False"
    # a plain library import of the package leaves a user's process as it was: jsonschema
    # imports the module where it is installed (JupyterLab's dependencies bring it; the
    # book's own requirements do not)
    installed = _imports(  # in a fresh process: this one may have hidden it already
        "import importlib.util; print(importlib.util.find_spec('rfc3987_syntax') is not None)"
    )
    plain = _imports(check.format(setup="import nettx_utils, nettx_utils.pages.chapter"))
    assert plain == installed


def test_a_book_that_fails_before_sphinx_starts_is_reported(tmp_path):
    """jupyter-book stops before it would wait (no table of contents): the build reports
    it instead of waiting for the process."""
    book = _tiny_book(tmp_path / "book", "text")
    (book / "_toc.yml").unlink()
    with pytest.raises(NettxError, match="Jupyter Book could not build the book"):
        htmlbuild.build_html(book)


def test_the_waiting_process_ends_unbuilt_when_the_pipeline_goes_away(tmp_path):
    """If the pipeline dies (its end of the pipe closes), the held build does not wait
    for ever: it ends without building."""
    book = _tiny_book(tmp_path / "book", "never built")
    build = htmlbuild.JupyterBookBuild(book)
    process = build._process
    process.stdin.close()
    assert process.wait(timeout=60) == 0
    assert not (book / "_build" / "html" / "page.html").exists()
    build.cancel()

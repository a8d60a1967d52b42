"""The Jupyter Book build of the staged book (:mod:`nettx_utils.build.htmlbuild`)."""

from __future__ import annotations

import shutil
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


def test_a_rebuild_from_the_previous_sphinx_state_shows_the_changed_page(tmp_path):
    """The pipeline's incremental build: a new staging folder at the same path, seeded
    with the previous build's Sphinx state and HTML; the page changed since is the one
    shown, and the unchanged one is still there."""
    book = _tiny_book(tmp_path / "staging", "first words")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n- file: page\n- file: other\n"
    )
    (book / "other.md").write_text("# Other\n\nunchanged words\n")
    html = htmlbuild.build_html(book)
    assert "first words" in (html / "page.html").read_text()
    build_dir = tmp_path / "build"
    build_dir.mkdir()
    (book / "_build" / "html").rename(build_dir / "html")
    (book / "_build").rename(build_dir / htmlbuild.SPHINX_STATE)
    sources = tmp_path / "sources"
    shutil.copytree(book, sources, copy_function=shutil.copy2)
    shutil.rmtree(book)
    shutil.copytree(sources, book, copy_function=shutil.copy2)  # unchanged times
    (book / "page.md").write_text("# Page\n\nwords of the second run\n")
    htmlbuild.seed_sphinx_state(build_dir, book)
    html = htmlbuild.build_html(book)
    assert "words of the second run" in (html / "page.html").read_text()
    assert "first words" not in (html / "page.html").read_text()
    assert "unchanged words" in (html / "other.html").read_text()


def test_a_failing_build_names_the_warning(tmp_path):
    book = _tiny_book(tmp_path / "book", "{ref}`no-such-label`")
    with pytest.raises(NettxError) as info:
        htmlbuild.build_html(book)
    message = str(info.value)
    assert message.startswith("Jupyter Book could not build the book")
    assert "no-such-label" in message and "WARNING" in message


def test_a_book_without_a_table_of_contents_is_reported(tmp_path):
    """jupyter-book stops before Sphinx starts (no table of contents): reported too."""
    book = _tiny_book(tmp_path / "book", "text")
    (book / "_toc.yml").unlink()
    with pytest.raises(NettxError, match="Jupyter Book could not build the book"):
        htmlbuild.build_html(book)

"""The code's licence and the book's citation file agree with the project's metadata."""

from __future__ import annotations

import re
import tomllib

import yaml

from nettx_utils.project import PROJECT_ROOT


def test_the_licence_file_is_the_licence_pyproject_declares():
    declared = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["license"]
    text = (PROJECT_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert declared["text"] == "MIT"
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_citation_file_cites_the_book_and_the_paper_it_reproduces():
    """CITATION.cff names the book, its licence and version, and the reproduced paper with
    the DOI that the book's bibliography gives."""
    citation = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    assert citation["cff-version"] == "1.2.0"
    assert citation["license"] == project["license"]["text"]
    assert citation["version"] == project["version"]
    assert "synthetic" in citation["message"]
    (paper,) = citation["references"]
    bibliography = (PROJECT_ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    entry = re.search(r"@\w+\{sposito2021,(.*?)\n\}", bibliography, re.S)
    assert entry, "references.bib has no sposito2021 entry"
    doi = re.search(r"doi\s*=\s*\{([^}]*)\}", entry.group(1), re.I)
    assert doi and paper["doi"].lower() == doi.group(1).lower()
    assert paper["authors"][0]["family-names"] == "Sposito" and paper["year"] == 2021

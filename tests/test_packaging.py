"""pyproject.toml declares every third-party package the code imports, and only those.

The imports are read from the source (``ast``), so a new ``import foo`` without a
declaration fails here, and so does a declaration that nothing imports any more.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The build runs jupyter-book's command line in a child process (nettx_utils.build.htmlbuild),
# which ast cannot see as an import.
IMPORTED_IN_A_CHILD_PROCESS = {"jupyter-book"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(requirements: list[str]) -> set[str]:
    return {_normal(re.split(r"[<>=!~; \[]", item, maxsplit=1)[0]) for item in requirements}


def _imported_distributions(folder: Path) -> set[str]:
    """The distributions that provide the top-level modules ``folder``'s code imports."""
    modules = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    local = {"nettx_utils", "tests", "bench", "__future__"}
    third_party = modules - set(sys.stdlib_module_names) - local
    providers = importlib.metadata.packages_distributions()
    missing = sorted(m for m in third_party if m not in providers)
    assert not missing, f"imported but not installed: {missing}"
    return {_normal(providers[m][0]) for m in third_party}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_package_declares_exactly_what_it_imports():
    declared = _declared(_project()["dependencies"])
    imported = _imported_distributions(ROOT / "nettx_utils") | IMPORTED_IN_A_CHILD_PROCESS
    assert imported - declared == set(), "imported, not declared in pyproject.toml"
    assert declared - imported == set(), "declared in pyproject.toml, imported nowhere"


def test_tests_and_benchmark_import_only_declared_packages():
    extras = _project()["optional-dependencies"]
    runtime = _declared(_project()["dependencies"])
    assert _imported_distributions(ROOT / "tests") <= runtime | _declared(extras["test"])
    assert _imported_distributions(ROOT / "bench") <= runtime | _declared(extras["bench"])


def test_the_pins_cover_the_declarations():
    """Every declared package (and extra) has an exact pin in a requirements file."""
    pins = set()
    for name in ("requirements.txt", "requirements-dev.txt", "requirements-lab.txt"):
        for line in (ROOT / name).read_text().splitlines():
            if line and not line.startswith(("#", "-")):
                pins.add(_normal(line.split("==")[0]))
    project = _project()
    declared = _declared(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared |= _declared(extra)
    assert declared == pins

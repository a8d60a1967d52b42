"""The package's architecture as the README draws it: layers without import cycles.

Every ``import`` of a package module counts, also one inside a function or under
``TYPE_CHECKING``: an import placed in a function to dodge a cycle is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nettx_utils"

# Bottom to top: a module may import from its own layer and the layers before it.
LAYERS = ["(foundation)", "data", "stats", "figures", "paper", "pages", "teaching", "build"]
FOUNDATION = {"errors", "project", "formatting", "fingerprint", "__init__"}
ENTRY_POINT = "nettx_utils.__main__"  # `python -m nettx_utils`: above every layer
# The generator stands beside the layers: it may use the data, statistics and the paper's
# values, and only the command line (build) may import it.
SYNTH_MAY_IMPORT = {"(foundation)", "data", "stats", "paper", "synth"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if module == ENTRY_POINT:
        return "build"
    if len(parts) == 1 or parts[1] in FOUNDATION:
        return "(foundation)"
    return parts[1]


def imports_of(path: Path, modules: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m != "nettx_utils"}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {m: imports_of(p, modules) - {m} for m, p in paths.items()}


def test_no_relative_imports():
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if any(
            isinstance(n, ast.ImportFrom) and n.level > 0
            for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        )
    ]
    assert offenders == []


def test_every_module_lies_in_a_layer(graph):
    assert {layer(m) for m in graph} <= set(LAYERS) | {"synth"}


def test_layers_import_only_downwards(graph):
    wrong = []
    for module, targets in graph.items():
        if module == ENTRY_POINT:
            continue
        here = layer(module)
        for target in targets:
            there = layer(target)
            if here == "synth":
                ok = there in SYNTH_MAY_IMPORT
            elif there == "synth":
                ok = module == "nettx_utils.build.cli"
            else:
                ok = LAYERS.index(there) <= LAYERS.index(here)
            if not ok:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_finds_a_planted_cycle():
    planted = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(planted) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles(graph):
    assert cycles(graph) == []


MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 100  # as ast counts them: the signature and docstring included


def sizes() -> tuple[list[str], list[str]]:
    long_modules, long_functions = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = module_name(path)
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long_modules.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append(f"{name}.{node.name}: {length} lines")
    return long_modules, long_functions


def test_no_module_over_600_lines_and_no_function_over_100():
    long_modules, long_functions = sizes()
    assert long_modules == []
    assert long_functions == []

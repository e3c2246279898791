"""The house rules of the source tree, read from its syntax (no import of the code itself).

* Dependencies point one way: no module of ``yima`` takes part in an import cycle (counting
  imports inside functions too), so no two feature services import each other, directly or
  through others.
* No import of a ``yima`` module hides inside a function (the usual way to dodge a cycle).
* Nothing is loaded by name (``importlib.import_module``, ``__import__``): the composition root
  imports every feature, and the layers contract (``lint-imports``) sees every arrow.
* A test that drives chromium carries the ``browser`` marker (``conftest.pytest_runtest_setup``).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest

from web.browser import unmarked_browser_test

# One worker takes the whole module: its rules share one parse of the source tree (``_tree``).
pytestmark = pytest.mark.xdist_group("house")

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "yima"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, wherever it stands (a function's import still makes
    its module depend on the other), except those only type checkers read (``if TYPE_CHECKING:``)."""
    skipped = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node)
               for stmt in node.body for inner in ast.walk(stmt)}
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped]


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The ``yima`` modules an import statement loads: the module named and the packages above it,
    except the importing module's own ancestors (a submodule is always loaded with its package)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
            base = ".".join([*package[: len(package) - node.level + 1], *([base] if base else [])])
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    own_ancestors = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
    loaded: set[str] = set()
    for name in names:
        parts = name.split(".")
        prefixes = {".".join(parts[:i]) for i in range(2, len(parts))} - own_ancestors
        loaded.update(m for m in {name, *prefixes} if m in MODULES)
    return loaded - {module}


@cache
def _tree(module: str) -> ast.Module:
    """A module's syntax tree, parsed once per process for every rule here (the checks only read
    it): parsing the ~400 files was about 2.5 CPU s, which each of four tests paid."""
    return ast.parse(MODULES[module].read_text("utf-8"))


@cache
def _graph() -> dict[str, frozenset[str]]:
    return {module: frozenset(set().union(*(_targets(module, n) for n in _imports(_tree(module)))))
            for module in MODULES}


def _cycles(graph: Mapping[str, AbstractSet[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_checker_finds_a_cycle_and_a_hidden_import() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    tree = ast.parse("def f():\n    from yima.audit import service\n")
    assert [n.lineno for n in _hidden_imports(tree)] == [2]


def test_no_module_takes_part_in_an_import_cycle() -> None:
    graph = _graph()
    assert graph["yima.audit.service"] >= {"yima.keys.service"}  # the graph is read, not empty
    assert _cycles(graph) == []


def test_no_feature_service_imports_one_that_imports_it_back() -> None:
    graph = _graph()
    services = [m for m in graph if m.endswith(".service")]
    both_ways = [(a, b) for a in services for b in graph[a] if b in services and a in _reachable(graph, b)]
    assert both_ways == []


def _reachable(graph: Mapping[str, AbstractSet[str]], start: str) -> set[str]:
    seen: set[str] = set()
    pending = [start]
    while pending:
        for successor in graph.get(pending.pop(), ()):
            if successor not in seen:
                seen.add(successor)
                pending.append(successor)
    return seen


def _hidden_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    hidden: list[ast.Import | ast.ImportFrom] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import) and any(a.name.split(".")[0] == "yima" for a in inner.names):
                    hidden.append(inner)
                elif isinstance(inner, ast.ImportFrom) and (inner.level
                                                            or (inner.module or "").split(".")[0] == "yima"):
                    hidden.append(inner)
    return hidden


def test_no_import_of_a_yima_module_hides_in_a_function() -> None:
    found = sorted({f"{path.relative_to(SRC)}:{node.lineno}" for module, path in MODULES.items()
                    for node in _hidden_imports(_tree(module))})
    assert found == []


def test_a_test_that_drives_chromium_unmarked_is_caught() -> None:
    def item(fixtures: list[str], marked: bool) -> SimpleNamespace:
        return SimpleNamespace(fixturenames=fixtures,
                               get_closest_marker=lambda name: object() if marked and name == "browser" else None)

    assert unmarked_browser_test(item(["db", "page"], marked=False))  # type: ignore[arg-type]
    assert unmarked_browser_test(item(["browser"], marked=False))  # type: ignore[arg-type]
    assert not unmarked_browser_test(item(["db", "page"], marked=True))  # type: ignore[arg-type]
    assert not unmarked_browser_test(item(["db", "server"], marked=False))  # type: ignore[arg-type]


def _loads_by_name(tree: ast.Module) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "__import__"):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "importlib" and any(
                alias.name == "import_module" for alias in node.names):
            lines.append(node.lineno)
    return lines


def test_nothing_is_loaded_by_name() -> None:
    assert _loads_by_name(ast.parse("import importlib\nimportlib.import_module('yima.x')\n")) == [2]
    found = {module: lines for module in MODULES if (lines := _loads_by_name(_tree(module)))}
    assert found == {}

"""The source scans behind the owned-state tests: which modules of the package an AST probe finds
something in (a literal state spelled out, a writer of a state), and which templates a pattern
matches. Migrations are never scanned: they freeze the values as they were."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TypeVar

SRC = Path(__file__).resolve().parents[1] / "src" / "yima"
T = TypeVar("T")


def scan(probe: Callable[[ast.AST], T], *, mentions: str = "", under: Path = SRC,
         skip: Path | None = None) -> dict[str, T]:
    """``probe``'s non-empty findings by module (relative to the package), over the modules below
    ``under`` whose text matches the regular expression ``mentions`` (the parse is what costs),
    leaving out ``skip`` (the module that defines the names)."""
    found: dict[str, T] = {}
    for path in sorted(under.rglob("*.py")):
        if "migrations" in path.parts or path == skip:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(mentions, text) and (hit := probe(ast.parse(text))):
            found[str(path.relative_to(SRC))] = hit
    return found


def pages(pattern: str, under: Path = SRC) -> set[str]:
    """The templates below ``under`` in which ``pattern`` occurs."""
    return {str(p.relative_to(SRC)) for p in sorted(under.rglob("*.html")) if re.search(pattern, p.read_text("utf-8"))}


def writers(attrs: Collection[str], asks: Collection[str], *, owner: str = "",
            updates: bool = False) -> Callable[[ast.AST], dict[str, set[str]]]:
    """A probe: the functions assigning ``<row>.<attr>`` for an attribute in ``attrs`` (where the
    regular expression ``owner``, if given, matches ``<row>``'s source) — with ``updates``, also
    those setting it in an UPDATE's ``.values(<attr>=...)`` — each with the functions of ``asks``
    it calls (a writer that asks nothing maps to the empty set)."""

    def assigns(target: ast.expr) -> bool:
        return (isinstance(target, ast.Attribute) and target.attr in attrs
                and (not owner or re.search(owner, ast.unparse(target.value)) is not None))

    def sets(node: ast.AST) -> bool:
        return (updates and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "values" and any(k.arg in attrs for k in node.keywords))

    def probe(tree: ast.AST) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                targets = node.targets if isinstance(node, ast.Assign) else []
                if sets(node) or any(assigns(e) for t in targets
                                     for e in (t.elts if isinstance(t, ast.Tuple) else [t])):
                    found[func.name] = {c.func.id for c in ast.walk(func) if isinstance(c, ast.Call)
                                        and isinstance(c.func, ast.Name) and c.func.id in asks}
        return found

    return probe

"""The package-level import graph of ``yima``, drawn with grimp as a Markdown table.

    python tools/import_graph.py [SRC]   (default: src)

Each row is a package (or top-level module) of ``yima``, its layer in the import-linter contract
(``pyproject.toml``), the packages it imports, and those of them that sit above it (upward
arrows, marked ↑). Packages that reach each other through imports (strongly connected
components, cycles) are listed after the table. README "Layout" shows this table for the tree
before and after the composition root.
"""

from __future__ import annotations

import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    contract = config["tool"]["importlinter"]["contracts"][0]
    return [[name.strip() for name in layer.replace(":", "|").split("|")] for layer in contract["layers"]]


def package_graph(src: Path) -> dict[str, set[str]]:
    sys.path.insert(0, str(src))
    graph = grimp.build_graph("yima", include_external_packages=False)
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        here = module.split(".")[1] if "." in module else None
        if here is None:
            continue
        edges.setdefault(here, set())
        for imported in graph.find_modules_directly_imported_by(module):
            there = imported.split(".")[1] if "." in imported else None
            if there and there != here:
                edges[here].add(there)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    reach = {node: _reachable(edges, node) for node in edges}
    seen: set[str] = set()
    found = []
    for node in sorted(edges):
        if node in seen:
            continue
        component = sorted({node} | {other for other in reach[node] if node in reach.get(other, set())})
        seen.update(component)
        if len(component) > 1:
            found.append(component)
    return found


def _reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    pending = [start]
    while pending:
        for successor in edges.get(pending.pop(), ()):
            if successor not in seen:
                seen.add(successor)
                pending.append(successor)
    return seen


def table(edges: dict[str, set[str]]) -> str:
    rank = {name: i for i, layer in enumerate(layers()) for name in layer}
    unknown = len(rank)
    lines = ["| package | layer | imports (↑ = from a layer above) |", "|---|---|---|"]
    upward = 0
    for package in sorted(edges, key=lambda p: (rank.get(p, unknown), p)):
        shown = []
        for target in sorted(edges[package], key=lambda p: (rank.get(p, unknown), p)):
            up = rank.get(target, unknown) < rank.get(package, unknown)
            upward += up
            shown.append(f"**↑{target}**" if up else target)
        layer = rank.get(package)
        lines.append(f"| {package} | {'' if layer is None else layer + 1} | {', '.join(shown)} |")
    found = cycles(edges)
    lines.append("")
    lines.append(f"{sum(len(t) for t in edges.values())} package-level arrows, {upward} of them upward; "
                 + (f"{len(found)} cycle(s): " + "; ".join(" ⇄ ".join(c) for c in found) if found else "no cycle")
                 + ".")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(package_graph(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "src").resolve())))

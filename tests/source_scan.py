"""The source scans behind the owned-state tests: which modules of the package an AST probe finds
something in (a literal state spelled out, a writer of a state), and which templates a pattern
matches. Migrations are never scanned: they freeze the values as they were."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
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

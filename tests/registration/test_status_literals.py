"""Nobody compares an application's status with a bare string: code and pages use ``Status``."""

from __future__ import annotations

import ast
import re

from source_scan import pages, scan
from yima.registration.status import Status

_VALUES = {s.value for s in Status}
_SUSPECT = re.compile("[\"'](?:" + "|".join(_VALUES) + ")[\"']")


def _bare(tree: ast.AST) -> list[int]:
    """``<x>.status`` (or a ``status`` variable) compared with a bare status value."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            words = {c.value for s in sides for c in ast.walk(s) if isinstance(c, ast.Constant)}
            if words & _VALUES and any((isinstance(s, ast.Attribute) and s.attr == "status")
                                       or (isinstance(s, ast.Name) and s.id == "status") for s in sides):
                found.append(node.lineno)
    return found


def test_the_probe_finds_what_it_looks_for():
    assert _bare(ast.parse('app.status == "approved"\nstatus != "rejected"\nx.status in ("lapsed",)')) == [1, 2, 3]
    assert _bare(ast.parse('s["step"] != "forwarded"\nrect.state != "withdrawn"')) == []


def test_no_application_status_is_compared_with_a_bare_string():
    assert scan(_bare, mentions=_SUSPECT.pattern) == {}
    assert pages(r"\bstatus\s*(?:==|!=)\s*'(?:" + "|".join(_VALUES) + ")'") == set()

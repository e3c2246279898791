"""A seal set's and a seal's states: the one table of their moves (pure, no database), their one
writer each, the stored values and v1 JSON they keep since v1, and nobody spelling them bare."""

from __future__ import annotations

import ast
import json
from datetime import timedelta

import pytest
from seal_helpers import establish
from sqlalchemy import text

from factories import NOW
from source_scan import SRC, pages, scan, writers
from yima.seals import service
from yima.seals.api import seal_out
from yima.seals.status import (
    SEAL_MOVES,
    SET_MOVES,
    SealSetStatus,
    SealStatus,
    in_force,
    seal_may_move,
    seals_moving_to,
    set_may_move,
)


def test_the_stored_values_are_the_v1_strings():
    assert [s.value for s in SealSetStatus] == ["pending", "issued", "revoked"]
    assert [s.value for s in SealStatus] == ["active", "revoked"]
    assert SealStatus("revoked") is SealStatus.REVOKED and SealSetStatus.ISSUED == "issued"


def test_a_set_is_issued_once_and_nothing_comes_back_from_revoked():
    assert set_may_move(None, SealSetStatus.PENDING) and not set_may_move(None, SealSetStatus.ISSUED)
    assert set_may_move("pending", SealSetStatus.ISSUED) and set_may_move("pending", SealSetStatus.REVOKED)
    assert set_may_move("issued", SealSetStatus.REVOKED)
    assert not set_may_move("issued", SealSetStatus.ISSUED)  # issued once: a second issuer drops its seals
    assert not set_may_move("issued", SealSetStatus.PENDING)
    for target in SealSetStatus:
        assert not set_may_move("revoked", target)
    assert not set_may_move("lost", SealSetStatus.REVOKED)  # an unknown stored value moves nowhere
    assert SET_MOVES[SealSetStatus.REVOKED] == frozenset()
    assert {t for targets in SET_MOVES.values() for t in targets} == set(SealSetStatus)


def test_a_seal_is_made_active_and_revoked_once():
    assert seal_may_move(None, SealStatus.ACTIVE) and not seal_may_move(None, SealStatus.REVOKED)
    assert seal_may_move("active", SealStatus.REVOKED) and not seal_may_move("active", SealStatus.ACTIVE)
    assert not seal_may_move("revoked", SealStatus.ACTIVE) and not seal_may_move("revoked", SealStatus.REVOKED)
    assert seals_moving_to(SealStatus.REVOKED) == (SealStatus.ACTIVE,)  # what revoking a set selects
    assert seals_moving_to(SealStatus.ACTIVE) == ()
    assert SEAL_MOVES[SealStatus.REVOKED] == frozenset()
    assert in_force("active") and not in_force("revoked") and not in_force(None)


# --- nothing else spells the states or writes the columns ----------------------------------------------

_SET_WORDS = {s.value for s in SealSetStatus}
_SEAL_WORDS = {s.value for s in SealStatus}
_MADE = ("Seal", "SealSet")


def _about_a_seal(node: ast.AST) -> bool:
    """A seal's or a seal set's ``status`` (``seal.status``, ``SealSet.status``, ``s.status`` of a
    seal view, ``seal_status``), not an enterprise's, a permit's or an application's."""
    if isinstance(node, ast.Name):
        return node.id == "seal_status"
    if not (isinstance(node, ast.Attribute) and node.attr in ("status", "seal_status")):
        return False
    owner = ast.unparse(node.value).lower()
    return "seal" in owner or owner in ("s", "row", "found", "check", "c")


def _words(nodes: list[ast.expr]) -> set[object]:
    return {c.value for n in nodes for c in ast.walk(n) if isinstance(c, ast.Constant)}


def _bare_uses(tree: ast.AST) -> list[int]:
    """A seal's or a set's status compared with (or filtered by) a bare literal, or a ``Seal(status=...)``
    / ``SealSet(status=...)`` made with one."""
    found = []
    words = _SET_WORDS | _SEAL_WORDS
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if _words(sides) & words and any(map(_about_a_seal, sides)):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "in_":
            if _words(node.args) & words and _about_a_seal(node.func.value):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _MADE:
            if any(k.arg == "status" for k in node.keywords):
                found.append(node.lineno)
    return found


def test_the_probe_finds_what_it_looks_for():
    probe = ('seal.status == "active"\nSealSet.status != "pending"\nSeal.status.in_(("active",))\n'
             'SealSet(uscc=u, status=PENDING)\nif s.status == "revoked": pass\nseal_status == "revoked"\n')
    assert sorted(_bare_uses(ast.parse(probe))) == [1, 2, 3, 4, 5, 6]
    others = ('permit.status != "pending"\nenterprise.status == "revoked"\napp.status == "pending"\n'
              'key.status == "active"\nSealSet.status == SealSetStatus.PENDING\n')
    assert _bare_uses(ast.parse(others)) == []


_SUSPECT = r"[\"'](?:pending|issued|revoked|active)[\"']|Seal(?:Set)?\("


def test_nobody_spells_a_seal_s_or_a_set_s_status():
    assert scan(_bare_uses, mentions=_SUSPECT, skip=SRC / "seals" / "status.py") == {}
    assert pages(r"\bs\.status\s*(?:[!=]=|in)\s*\(?'") == set()  # the seals page compares with SealStatus


def test_only_the_seals_service_writes_a_status_and_only_after_asking_the_table():
    # every module that can reach a seal row names its table (others' ``status`` is their own)
    probe = writers({"status"}, {"set_may_move", "seal_may_move", "seals_moving_to"}, updates=True)
    assert scan(probe, mentions=r"\bSeal(?:Set)?\b") == {
        "seals/service.py": {"_move_set": {"set_may_move"}, "_move_seal": {"seal_may_move"},
                             "_revoke_seals": {"seals_moving_to"}}}


# --- what is stored and what the v1 API answers stays byte for byte ----------------------------------

@pytest.mark.db
def test_stored_values_and_the_json_are_the_v1_strings(db, people, standard):
    alice = people["alice"]
    uscc = establish(db, standard, alice)
    with db.read() as session:
        assert session.execute(text("SELECT status FROM seal_sets WHERE uscc = :u"), {"u": uscc}).scalar() == "pending"
    seals = service.list_seals(db, alice, uscc, NOW)  # the owner's first look issues the set
    answered = [json.loads(seal_out(s, None).model_dump_json())["status"] for s in seals]
    assert answered == ["active"] * 5
    with db.write() as session:
        service.revoke_enterprise_seals(session, uscc, NOW + timedelta(days=1), "注销 / cancelled")
    with db.read() as session:
        [(stored_set,)] = session.execute(text("SELECT status FROM seal_sets WHERE uscc = :u"), {"u": uscc}).all()
        stored = session.execute(text("SELECT s.status FROM seals s JOIN seal_sets t ON t.id = s.set_id "
                                      "WHERE t.uscc = :u"), {"u": uscc}).scalars().all()
    assert stored_set == "revoked" and type(stored_set) is str
    assert stored == ["revoked"] * 5 and {type(s) for s in stored} == {str}
    after = service.list_seals(db, alice, uscc, NOW + timedelta(days=1))
    assert [json.loads(seal_out(s, None).model_dump_json())["status"] for s in after] \
        == ["revoked"] * 5


def test_the_writer_probe_finds_assignments_updates_and_what_each_asks():
    code = ast.parse("def a(s):\n    s.status = X\n"
                     "def b(s):\n    if seal_may_move(s.status, T):\n        s.status, s.at = T, now\n"
                     "def c():\n    update(Seal).values(status='revoked')\n"
                     "def d(s, n):\n    s.other = 1\n    n.status == 'active'\n"
                     "def e(p):\n    p.permit.status = Y\n")
    assert writers({"status"}, {"seal_may_move"}, updates=True)(code) == {
        "a": set(), "b": {"seal_may_move"}, "c": set(), "e": set()}
    assert writers({"status"}, {"seal_may_move"}, owner=r"^s$")(code) == {"a": set(), "b": {"seal_may_move"}}

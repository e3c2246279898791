"""A permit's status: its one transition table (pure, no database), its one writer, the stored values,
history and v1 JSON it keeps since v1, and nobody spelling it bare."""

from __future__ import annotations

import ast
import json

import pytest
from sqlalchemy import text

from factories import CATERING, HOTEL, NOW, application_body
from source_scan import SRC, pages, scan
from yima.errors import Conflict
from yima.licences import service
from yima.licences.payload import PermitStatus as SignedPermitStatus
from yima.licences.status import (
    DECIDED_AS,
    TRANSITIONS,
    PermitStatus,
    PermitStep,
    allowed,
    in_force,
    leads_to,
    on_licence,
    sources,
)
from yima.registration import service as registration
from yima.registration import views
from yima.registration.model import ApplicationIn


def test_the_stored_values_are_the_v1_strings():
    assert [s.value for s in PermitStatus] == ["pending", "active", "filed", "rejected", "revoked", "cancelled"]
    assert PermitStatus("filed") is PermitStatus.FILED and PermitStatus.REJECTED == "rejected"
    # the licence carries every permit but a refused one, each as a word of its signed payload
    carried = {s.value for s in PermitStatus if on_licence(s)}
    assert carried == {s.value for s in PermitStatus} - {"rejected"}
    assert carried <= {s.value for s in SignedPermitStatus}


def test_a_permit_is_decided_once_and_nothing_comes_back_from_an_end():
    assert TRANSITIONS[PermitStep.DECIDE].targets == {PermitStatus.ACTIVE, PermitStatus.FILED, PermitStatus.PENDING}
    assert allowed(PermitStep.DECIDE, None) and not allowed(PermitStep.DECIDE, "pending")
    assert DECIDED_AS == {PermitStep.APPROVE: PermitStatus.ACTIVE, PermitStep.REJECT: PermitStatus.REJECTED}
    for step in (PermitStep.APPROVE, PermitStep.REJECT):
        assert allowed(step, "pending")  # a stored value is a str
        assert not any(allowed(step, s) for s in ("active", "filed", "rejected", "revoked", "cancelled", None))
    assert leads_to(PermitStep.FIND_FALSE, "active", PermitStatus.REVOKED)
    assert not leads_to(PermitStep.FIND_FALSE, "filed", PermitStatus.REVOKED)
    assert not leads_to(PermitStep.FIND_FALSE, "active", PermitStatus.CANCELLED)
    assert leads_to(PermitStep.RENEW, "active", PermitStatus.ACTIVE) and not allowed(PermitStep.RENEW, "pending")
    assert sources(PermitStep.END) == (PermitStatus.PENDING, PermitStatus.ACTIVE, PermitStatus.FILED)
    for ended in ("rejected", "revoked", "cancelled"):
        assert not any(allowed(step, ended) for step in PermitStep)  # ended for good
    assert not allowed(PermitStep.END, "suspended")  # an unknown stored value takes no step
    assert {t for move in TRANSITIONS.values() for t in move.targets} == set(PermitStatus)
    assert in_force("active") and in_force("filed") and not in_force("pending") and not in_force("revoked")


# --- nothing else spells the states or writes the column ----------------------------------------------

_WORDS = {s.value for s in PermitStatus}


def _about_a_permit(node: ast.AST) -> bool:
    """A permit's (or a permit decision's) ``status``: ``permit.status``, ``Permit.status``,
    ``d.status`` of a decision, ``now_status``; not an enterprise's, a seal's or an application's."""
    if isinstance(node, ast.Name):
        return node.id in ("now_status", "permit_status")
    if not (isinstance(node, ast.Attribute) and node.attr == "status"):
        return False
    owner = ast.unparse(node.value).lower()
    return "permit" in owner or "decision" in owner or owner in ("d", "p")


def _words(nodes: list[ast.expr]) -> set[object]:
    return {c.value for n in nodes for c in ast.walk(n) if isinstance(c, ast.Constant)}


def _bare_uses(tree: ast.AST) -> list[int]:
    """A permit's status compared with (or filtered by) a bare literal, a ``Permit(status=...)`` made
    with one, or a ``PermitDecision`` given one."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if _words(sides) & _WORDS and any(map(_about_a_permit, sides)):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "in_":
            if _words(node.args) & _WORDS and _about_a_permit(node.func.value):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Permit":
            if any(k.arg == "status" for k in node.keywords):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "PermitDecision":
            given = [*node.args[2:3], *(k.value for k in node.keywords if k.arg == "status")]
            if any(isinstance(v, ast.Constant) for v in given):
                found.append(node.lineno)
    return found


def test_the_probe_finds_what_it_looks_for():
    probe = ('permit.status != "pending"\nPermit.status == "active"\nPermit.status.in_(("active", "filed"))\n'
             'Permit(uscc=u, status=s)\nif d.status == "pending": pass\n'
             'PermitDecision(t, items, "filed", "filing", today, None, None)\n')
    assert sorted(_bare_uses(ast.parse(probe))) == [1, 2, 3, 4, 5, 6]
    others = ('enterprise.status == "revoked"\nseal.status == "active"\napp.status == "pending"\n'
              'Permit.status == PermitStatus.PENDING\nPermitDecision(t, items, PermitStatus.FILED, "filing")\n')
    assert _bare_uses(ast.parse(others)) == []


_SUSPECT = r"[\"'](?:pending|active|filed|rejected|revoked|cancelled)[\"']|Permit\("


def test_nobody_spells_a_permit_s_status():
    assert scan(_bare_uses, mentions=_SUSPECT, skip=SRC / "licences" / "status.py") == {}
    # the licence and verification pages ask permit_in_force and name PermitStatus
    assert pages(r"(?<![\w.])(?:p\.status|now_status)\s*(?:[!=]=|in)\s*\(?'") == set()


def _status_writers(tree: ast.AST) -> dict[str, bool]:
    """The functions assigning ``<permit>.status``, each with whether it asks ``leads_to`` first."""
    writers = {}
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        for node in ast.walk(func):
            targets = node.targets if isinstance(node, ast.Assign) else []
            flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            if any(isinstance(t, ast.Attribute) and t.attr == "status" and "permit" in ast.unparse(t.value).lower()
                   for t in flat):
                writers[func.name] = any(isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
                                         and c.func.id == "leads_to" for c in ast.walk(func))
    return writers


def test_only_the_licences_service_writes_a_permit_s_status_and_only_after_asking_the_table():
    assert scan(_status_writers, mentions="Permit") == {"licences/service.py": {"_move": True}}


# --- what is stored and what the v1 API answers stays byte for byte ----------------------------------

def _establish(db, standard, actor, **body) -> str:
    app_id = registration.submit(db, standard, actor, ApplicationIn.model_validate(application_body(**body)), NOW)
    uscc = views.get_application(db, actor, app_id, NOW).uscc
    assert uscc
    return uscc


def _stored(db, uscc: str) -> list[tuple[str, list[str]]]:
    with db.read() as session:
        rows = session.execute(text("SELECT status, history FROM permits WHERE uscc = :u ORDER BY id"),
                               {"u": uscc}).all()
    assert {type(status) for status, _ in rows} == {str}
    return [(status, [h["status"] for h in (json.loads(h) if isinstance(h, str) else h)]) for status, h in rows]


@pytest.mark.db
def test_stored_values_history_and_the_json_are_the_v1_strings(db, standard, people):
    alice, officer = people["alice"], people["officer-cq"]
    food, hotel = _establish(db, standard, alice, **CATERING), _establish(db, standard, alice, **HOTEL)
    [pending] = service.pending_permits(db, officer).items
    assert json.loads(pending.model_dump_json())["status"] == "pending"
    service.decide_permit(db, standard, officer, pending.id, "reject", "场所不符合要求", NOW)
    with pytest.raises(Conflict) as again:  # the table: a rejected permit is decided for good
        service.decide_permit(db, standard, officer, pending.id, "approve", "", NOW)
    assert again.value.finding.rule == "permit.state"
    assert _stored(db, food) == [("rejected", ["pending", "rejected"])]
    # the licence signed after the refusal verifies, and carries no refused permit
    licence, _, permits = service.licence_record(db, food)
    assert [json.loads(service.permit_view(p).model_dump_json())["status"] for p in permits] == ["rejected"]
    assert licence.version == 2 and licence.permit_count == 0
    assert service.verify_scanned(db, standard, licence.qr_text, NOW).as_json()["licence"]["permits"] == []
    service.revoke_enterprise(db, standard, officer, hotel, "虚假登记", NOW)  # its permit ends with it
    assert _stored(db, hotel) == [("revoked", ["active", "revoked"])]
    assert _stored(db, food) == [("rejected", ["pending", "rejected"])]  # untouched: food is still active

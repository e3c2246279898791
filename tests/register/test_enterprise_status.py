"""An enterprise's status on the register: its one transition table (pure, no database), its one
writer, and the stored values and v1 JSON it keeps since v1."""

from __future__ import annotations

import ast
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from factories import HOTEL, NOW, application_body
from yima.actors import Actor
from yima.errors import Conflict
from yima.licences import service as licences
from yima.licences.payload import EnterpriseStatus as PayloadStatus
from yima.register import service as register
from yima.register.rules import may_revoke
from yima.register.status import (
    ENDS_AS,
    TRANSITIONS,
    EnterpriseStatus,
    EnterpriseStep,
    allowed,
    entry_status,
    in_existence,
    leads_to,
)
from yima.register.tables import Enterprise
from yima.registration import service as registration
from yima.registration import views
from yima.registration.model import ApplicationIn

SRC = Path(__file__).resolve().parents[2] / "src" / "yima"
OFFICER = Actor(1, "officer", "officer", "cq-gxq")


def test_the_stored_values_are_the_v1_strings():
    assert [s.value for s in EnterpriseStatus] == ["active", "revoked", "cancelled"]
    assert EnterpriseStatus("revoked") is EnterpriseStatus.REVOKED and EnterpriseStatus.CANCELLED == "cancelled"
    # a licence carries the register's status as signed: every status has its payload value
    assert {s.value for s in EnterpriseStatus} <= {s.value for s in PayloadStatus}


def test_an_enterprise_ends_once_from_active_and_nothing_brings_it_back():
    for step in (EnterpriseStep.CANCEL, EnterpriseStep.REVOKE):
        assert allowed(step, EnterpriseStatus.ACTIVE) and allowed(step, "active")  # a stored value is a str
        for ended in (EnterpriseStatus.REVOKED, EnterpriseStatus.CANCELLED, None):
            assert not allowed(step, ended)
    assert leads_to(EnterpriseStep.CANCEL, "active", EnterpriseStatus.CANCELLED)
    assert not leads_to(EnterpriseStep.CANCEL, "active", EnterpriseStatus.REVOKED)
    assert leads_to(EnterpriseStep.REVOKE, "active", EnterpriseStatus.REVOKED)
    sources = {source for move in TRANSITIONS.values() for source in move.sources}
    assert sources == {None, EnterpriseStatus.ACTIVE}  # no step leaves revoked or cancelled (no reinstatement)
    assert {t for move in TRANSITIONS.values() for t in move.targets} == set(EnterpriseStatus)
    assert ENDS_AS == {EnterpriseStep.CANCEL: EnterpriseStatus.CANCELLED,
                       EnterpriseStep.REVOKE: EnterpriseStatus.REVOKED}


def test_an_enterprise_enters_the_register_active_or_imported_as_the_earlier_register_has_it():
    assert entry_status(EnterpriseStep.ESTABLISH) is EnterpriseStatus.ACTIVE
    assert entry_status(EnterpriseStep.IMPORT) is EnterpriseStatus.ACTIVE
    assert entry_status(EnterpriseStep.IMPORT, cancelled=True) is EnterpriseStatus.CANCELLED
    with pytest.raises(ValueError):
        entry_status(EnterpriseStep.ESTABLISH, cancelled=True)  # only an import brings a cancelled one
    with pytest.raises(ValueError):
        entry_status(EnterpriseStep.REVOKE)
    assert in_existence("active") and not in_existence("revoked") and not in_existence(None)


def _enterprise(status: str = "active") -> Enterprise:
    made = datetime(2026, 1, 1, tzinfo=UTC)
    return Enterprise(uscc="91500107MA5U000011", zone_id="cq-gxq", name="重庆云帆科技有限公司", entity_type="llc",
                      industry_code="I6513", registered_capital=Decimal("100"), established_on=date(2026, 1, 1),
                      status=status, created_at=made, updated_at=made)


def test_the_writer_consults_the_table_and_dates_a_cancellation_in_china_standard_time():
    late = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 2 March, 01:30 in China
    cancelled = _enterprise()
    assert register.end(cancelled, EnterpriseStep.CANCEL, late) is EnterpriseStatus.CANCELLED
    assert (cancelled.status, cancelled.cancelled_on, cancelled.updated_at) == ("cancelled", date(2026, 3, 2), late)
    revoked = _enterprise()
    assert register.end(revoked, EnterpriseStep.REVOKE, late) is EnterpriseStatus.REVOKED
    assert (revoked.status, revoked.cancelled_on) == ("revoked", None)
    for ended, step in ((cancelled, EnterpriseStep.REVOKE), (revoked, EnterpriseStep.CANCEL),
                        (revoked, EnterpriseStep.REVOKE), (_enterprise(), EnterpriseStep.ESTABLISH)):
        before = ended.status
        with pytest.raises(Conflict) as refused:
            register.end(ended, step, late)
        assert refused.value.finding.rule == "enterprise.not_active" and refused.value.finding.field == "uscc"
        assert ended.status == before


def test_who_may_revoke_asks_the_table():
    assert may_revoke(OFFICER, "cq-gxq", "active")
    assert not may_revoke(OFFICER, "cq-gxq", "revoked") and not may_revoke(OFFICER, "cq-gxq", "cancelled")


# --- nothing else spells the states or writes the column ----------------------------------------------

_LITERALS = {s.value for s in EnterpriseStatus}


def _about_an_enterprise(node: ast.AST) -> bool:
    return "enterprise" in ast.unparse(node).lower()


def _bare_uses(tree: ast.AST) -> list[tuple[int, str]]:
    """Comparisons of an enterprise's status with a bare literal, writes of ``<enterprise>.status``,
    and ``Enterprise(status="...")``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if (any(isinstance(s, ast.Constant) and s.value in _LITERALS for s in sides)
                    and any(_about_an_enterprise(s) for s in sides)):
                found.append((node.lineno, "compares with a literal"))
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            flat = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            if any(isinstance(t, ast.Attribute) and t.attr == "status" and _about_an_enterprise(t.value)
                   for t in flat):
                found.append((node.lineno, "writes the status"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Enterprise":
            if any(k.arg == "status" and isinstance(k.value, ast.Constant) for k in node.keywords):
                found.append((node.lineno, "makes an enterprise with a literal status"))
    return found


def test_the_probe_finds_what_it_looks_for():
    probe = ast.parse('enterprise.status = "revoked"\nif e.enterprise_status != "active": pass\n'
                      'x = Enterprise(uscc=u, status="active")\n_ENTERPRISES.c.status == "cancelled"\n'
                      'enterprise.status, enterprise.cancelled_on = "cancelled", today\n')
    assert sorted(line for line, _ in _bare_uses(probe)) == [1, 2, 3, 4, 5]
    assert _bare_uses(ast.parse('permit.status == "active"\nseal.status = "revoked"')) == []


_SUSPECT = re.compile(r"[\"'](?:active|revoked|cancelled)[\"']|\.status\b")


def test_only_the_register_writes_an_enterprise_status_and_nobody_spells_it():
    writer = SRC / "register" / "service.py"
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts or path.parent == SRC / "register" and path.name == "status.py":
            continue
        source = path.read_text(encoding="utf-8")
        if not _SUSPECT.search(source):  # nothing to parse for (the parse is what costs)
            continue
        uses = _bare_uses(ast.parse(source))
        if path == writer:
            assert [why for _, why in uses] == ["writes the status"]  # the one writer
        elif uses:
            found[str(path.relative_to(SRC))] = uses
    assert found == {}


_TEMPLATE_LITERAL = re.compile(r"([\w.]+)\s*(?:==|!=|in)\s*\(?'(active|revoked|cancelled)'")


def test_pages_compare_an_enterprise_s_status_with_the_enum():
    """No page compares a status with ``'active'``, ``'revoked'`` or ``'cancelled'``: an enterprise's
    through EnterpriseStatus, a permit's and a seal's through their own (their tests check those)."""
    assert _TEMPLATE_LITERAL.search("{% if l.status == 'revoked' %}")  # the probe finds what it looks for
    compared = {(str(path.relative_to(SRC)), m[1], m[2])
                for path in SRC.rglob("*.html") for m in _TEMPLATE_LITERAL.finditer(path.read_text(encoding="utf-8"))}
    assert compared == set()


# --- what is stored and what the v1 API answers stays byte for byte ----------------------------------

@pytest.mark.db
def test_stored_values_permit_history_and_the_json_are_the_v1_strings(db, standard, people):
    alice, officer = people["alice"], people["officer-cq"]
    made = [registration.submit(db, standard, alice, ApplicationIn.model_validate(application_body(**body)), NOW)
            for body in ({}, HOTEL)]
    cancelled, revoked = (views.get_application(db, alice, app_id, NOW).uscc for app_id in made)
    assert cancelled and revoked
    cancel = {"zone": "cq-gxq", "matter": "cancel", "uscc": cancelled,
              "materials": ["application_form", "liquidation_report", "tax_clearance"]}
    app_id = registration.submit(db, standard, alice, ApplicationIn.model_validate(cancel), NOW)
    registration.decide(db, standard, officer, app_id, "approve", "", NOW)
    licences.revoke_enterprise(db, standard, officer, revoked, "虚假登记", NOW)
    with pytest.raises(Conflict):  # the table: nothing leaves revoked
        licences.revoke_enterprise(db, standard, officer, revoked, "again", NOW)
    with db.read() as session:
        stored = dict(session.execute(text("SELECT uscc, status FROM enterprises")).all())
        [(permit, history)] = session.execute(text("SELECT status, history FROM permits WHERE uscc = :u"),
                                              {"u": revoked}).all()
    assert stored == {cancelled: "cancelled", revoked: "revoked"} and {type(s) for s in stored.values()} == {str}
    assert permit == "revoked"  # the permit ends with the enterprise, as the same word
    assert (json.loads(history) if isinstance(history, str) else history)[-1]["status"] == "revoked"
    public = {uscc: json.loads(views.get_enterprise(db, standard, uscc).model_dump_json())["status"]
              for uscc in (cancelled, revoked)}
    assert public == {cancelled: "cancelled", revoked: "revoked"}
    answered = {views.get_application(db, alice, a, NOW).as_json()["enterprise_status"] for a in made}
    assert answered == {"cancelled", "revoked"}

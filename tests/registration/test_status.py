"""The application's status and its one transition table: pure, no database."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from yima.actors import Actor
from yima.register.rules import may_revoke
from yima.registration import status as st
from yima.registration.appview import ApplicationView, PartnerCase
from yima.registration.status import DECISIONS, PENDING, Party, Status, Step, allowed, leads_to, offered
from yima.registration.views import offered_steps

SRC = Path(__file__).resolve().parents[2] / "src" / "yima"


def test_stored_values_are_the_v1_strings():
    assert [s.value for s in Status] == ["submitted", "under_review", "awaiting_materials", "approved", "rejected",
                                         "withdrawn", "lapsed", "forwarded"]
    assert Status("approved") is Status.APPROVED and Status.APPROVED == "approved"


def test_officers_decide_only_what_is_under_review_or_awaiting_materials():
    staff = {Party.STAFF}
    assert offered(Status.UNDER_REVIEW, staff) & set(DECISIONS) == set(DECISIONS)
    assert offered(Status.AWAITING_MATERIALS, staff) & set(DECISIONS) == {Step.REJECT}
    for final in (Status.APPROVED, Status.REJECTED, Status.WITHDRAWN, Status.LAPSED, Status.FORWARDED):
        assert not offered(final, staff) & set(DECISIONS)
    assert not offered(Status.UNDER_REVIEW, {Party.APPLICANT}) & set(DECISIONS)


def test_only_the_applicant_withdraws_and_only_while_pending():
    for state in PENDING:
        assert Step.WITHDRAW in offered(state, {Party.APPLICANT})
        assert Step.WITHDRAW not in offered(state, {Party.STAFF})
    assert not allowed(Step.WITHDRAW, Status.APPROVED)
    assert not allowed(Step.WITHDRAW, Status.FORWARDED)  # the partner zone is asked instead


def test_materials_are_supplied_while_queued_and_completing_them_returns_to_review():
    assert allowed(Step.SUPPLY, Status.AWAITING_MATERIALS) and allowed(Step.SUPPLY, Status.UNDER_REVIEW)
    assert not allowed(Step.SUPPLY, Status.REJECTED)
    assert leads_to(Step.COMPLETE_MATERIALS, Status.AWAITING_MATERIALS, Status.UNDER_REVIEW)
    assert not leads_to(Step.COMPLETE_MATERIALS, Status.UNDER_REVIEW, Status.UNDER_REVIEW)


def test_the_table_refuses_moves_it_does_not_list():
    assert leads_to(Step.EVALUATE, Status.SUBMITTED, Status.APPROVED)
    assert not leads_to(Step.APPROVE, Status.AWAITING_MATERIALS, Status.APPROVED)
    assert not leads_to(Step.LAPSE, Status.UNDER_REVIEW, Status.LAPSED)
    assert leads_to(Step.SUBMIT, None, Status.SUBMITTED) and leads_to(Step.FORWARD, None, Status.FORWARDED)
    assert not leads_to(Step.SUBMIT, Status.SUBMITTED, Status.SUBMITTED)


OFFICER = Actor(1, "officer", "officer", "cq-gxq")
APPLICANT = Actor(2, "alice", "applicant", None)


def _view(status: str, partner: PartnerCase | None = None) -> ApplicationView:
    return ApplicationView(id=1, zone="gz-gxq", matter="establish", entity_type="llc", channel="online", name="云帆",
                           status=status, uscc=None, findings=[], missing_materials=[], materials_due_on=None,
                           submitted_at=None, decided_at=None, statutory_due_at=None, time_left_hours=None,
                           overdue=False, partner=partner)


@dataclass(frozen=True)
class _Case:
    """A partner's case as a feature above registration types it (federation's ``CaseView``)."""

    role: str

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role}


def test_a_forwarded_application_offers_its_applicant_one_withdrawal_request_and_its_officers_no_decision():
    accepting = PartnerCase("cq-gxq", _Case("accepting"), accepting=True)
    forwarded = _view("forwarded", accepting)
    assert offered_steps(forwarded, APPLICANT) == {Step.WITHDRAW}
    asked = _view("forwarded", PartnerCase("cq-gxq", _Case("accepting"), accepting=True, withdrawal="requested"))
    assert offered_steps(asked, APPLICANT) == frozenset()
    reviewing = _view("under_review", accepting)
    assert offered_steps(reviewing, OFFICER) == {Step.SUPPLY}
    assert offered_steps(reviewing, APPLICANT) == {Step.SUPPLY, Step.WITHDRAW}
    assert offered_steps(_view("under_review"), OFFICER) == {*DECISIONS, Step.SUPPLY}


def _status_writes(path: Path) -> list[int]:
    """Lines assigning ``<x>.status`` or passing ``status=`` to ``Application(...)``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "status" and isinstance(t.value, ast.Name)
                   and t.value.id == "app" for t in targets):
                found.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Application":
            found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", sorted(p for p in SRC.rglob("*.py") if "demo" not in p.parts
                                        and "bench" not in p.parts), ids=lambda p: str(p.relative_to(SRC)))
def test_only_registrations_service_writes_an_applications_status(path):
    if path == SRC / "registration" / "service.py":
        assert _status_writes(path)  # the owner does write it
    else:
        assert _status_writes(path) == []


def test_the_table_names_every_status_it_reaches():
    reached = {target for move in st.TRANSITIONS.values() for target in move.targets}
    assert reached == set(Status) - set()


def test_who_may_revoke_a_licence_is_one_rule_of_the_register():
    assert may_revoke(OFFICER, "cq-gxq", "active") and may_revoke(Actor(3, "root", "admin", None), "gz-gxq", "active")
    assert not may_revoke(OFFICER, "gz-gxq", "active")  # another zone's officer
    assert not may_revoke(OFFICER, "cq-gxq", "revoked") and not may_revoke(APPLICANT, "cq-gxq", "active")
    assert not may_revoke(None, "cq-gxq", "active")
    template = (SRC / "registration" / "templates" / "enterprise.html").read_text(encoding="utf-8")
    assert "{% if may_revoke %}" in template and "actor.role" not in template  # the page only shows the answer

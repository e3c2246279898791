"""Federation's own states: a case's role and an outbox message's state, with the one table of a
message's moves (pure, no database), the v1 values they keep, and nobody spelling them bare."""

from __future__ import annotations

import ast
import json
import re
from datetime import timedelta
from typing import get_args, get_type_hints

import pytest
from sqlalchemy import text

from factories import NOW, application_body
from source_scan import SRC, pages, scan, writers
from yima.errors import Conflict
from yima.federation import api, delivery, service, views
from yima.federation.rules import WITHDRAWAL_REQUESTED, WITHDRAWAL_TOO_LATE, withdrawal_state
from yima.federation.states import MESSAGE_MOVES, UNDELIVERED, CaseRole, MessageState, may_move
from yima.registration import service as registration
from yima.registration.appview import Withdrawal
from yima.registration.model import ApplicationIn


def test_the_stored_values_are_the_v1_strings():
    assert [r.value for r in CaseRole] == ["accepting", "issuing"]
    assert [s.value for s in MessageState] == ["pending", "delivered", "dead", "expired"]
    assert UNDELIVERED == ("dead", "expired")
    # the message log's v1 filter names exactly these states
    [literal, _] = get_args(get_args(get_type_hints(api.list_messages, include_extras=True)["state"])[0])
    assert get_args(literal) == tuple(MessageState)


def test_a_message_settles_once_and_only_a_dead_letter_goes_back_to_pending():
    assert may_move(None, MessageState.PENDING) and not may_move(None, MessageState.DELIVERED)
    for target in (MessageState.DELIVERED, MessageState.DEAD, MessageState.EXPIRED):
        assert may_move("pending", target)
        assert not may_move("delivered", target) and not may_move("dead", target) and not may_move("expired", target)
    assert may_move("dead", MessageState.PENDING) and may_move("expired", MessageState.PENDING)
    assert not may_move("delivered", MessageState.PENDING) and not may_move("pending", MessageState.PENDING)
    assert not may_move("lost", MessageState.PENDING)  # an unknown stored value moves nowhere
    assert MESSAGE_MOVES[MessageState.DELIVERED] == frozenset()


def test_settling_is_only_to_dead_or_expired():
    with pytest.raises(ValueError):
        delivery.settle(None, "m", MessageState.DELIVERED, delivery.refusal_words(None, "x", "x", "x"), NOW)  # type: ignore[arg-type]


_ROLES = {r.value for r in CaseRole}
_STATES = {s.value for s in MessageState}


def _is_state(node: ast.AST) -> bool:
    """A message's ``state`` (``row.state``, ``OutboxMessage.state``, a ``state`` variable)."""
    return (isinstance(node, ast.Attribute) and node.attr == "state") or (isinstance(node, ast.Name)
                                                                          and node.id == "state")


def _is_role(node: ast.AST) -> bool:
    """A case's ``role`` (``case.role``, ``Case.role``): not an actor's or a certificate's."""
    return isinstance(node, ast.Attribute) and node.attr == "role" and "case" in ast.unparse(node.value).lower()


_MADE = ("Case", "OutboxMessage")


def _words(nodes: list[ast.expr]) -> set[object]:
    return {c.value for n in nodes for c in ast.walk(n) if isinstance(c, ast.Constant)}


def _bare_uses(tree: ast.AST) -> list[int]:
    """A case's ``role`` or a message's ``state`` compared with (or filtered by) a bare literal, or
    a ``Case(role=...)`` / ``OutboxMessage(state=...)`` made with one."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if ((_words(sides) & _ROLES and any(map(_is_role, sides)))
                    or (_words(sides) & _STATES and any(map(_is_state, sides)))):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "in_":
            if _words(node.args) & _STATES and _is_state(node.func.value):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _MADE:
            for k in node.keywords:
                if k.arg in ("role", "state") and isinstance(k.value, ast.Constant):
                    found.append(node.lineno)
    return found


def test_the_probe_finds_what_it_looks_for():
    probe = ('case.role == "accepting"\nrow.state != "pending"\nOutboxMessage.state.in_(("dead", "expired"))\n'
             'Case(role="issuing")\nrow.state not in ("dead", "expired")\n')
    assert sorted(_bare_uses(ast.parse(probe))) == [1, 2, 3, 4, 5]
    others = ('permit.status != "pending"\nraise _refuse("expired", 422)\nappeal_state != "pending"\n'
              'Notification.email_state == "pending"\nZoneCertificate.role == "issuing"\nactor.role == "officer"\n')
    assert _bare_uses(ast.parse(others)) == []


_SUSPECT = r"[\"'](?:accepting|issuing|pending|delivered|dead|expired)[\"']"


def test_nobody_spells_a_case_role_or_a_message_state():
    assert scan(_bare_uses, mentions=_SUSPECT, skip=SRC / "federation" / "states.py") == {}
    assert pages(r"role\s*[!=]=\s*'(accepting|issuing)'") == set()


@pytest.mark.db
def test_a_dead_letter_resent_is_stored_and_answered_as_before(db, people, standard, guangzhou):
    body = application_body(zone="gz-gxq", name="广州云帆科技有限公司",
                            addresses=[{"text": "广州市天河区科韵路16号", "proof": "commitment"}])
    with service.sending_paused():
        app_id = registration.submit_with_view(db, standard, people["alice"], ApplicationIn.model_validate(body),
                                               NOW).id
        with db.read() as session:
            [(message_id, role)] = session.execute(text(
                "SELECT m.id, c.role FROM federation_outbox m JOIN federation_cases c ON c.application_id = "
                "m.application_id WHERE m.application_id = :a"), {"a": app_id}).all()
        assert role == "accepting" and type(role) is str
        refused = delivery.refusal_words(None, "federation.bad_signature", "签名无效", "The signature is not valid")
        delivery.settle(db, message_id, MessageState.DEAD, refused, NOW)
        delivery.settle(db, message_id, MessageState.EXPIRED, refused, NOW)  # settled once: no move from dead
        logged = json.loads(json.dumps(views.messages(db, people["officer-cq"], state="dead")[0].as_json()))
        assert logged["state"] == "dead"
        delivery.resend(db, standard, people["officer-cq"], message_id, NOW + timedelta(minutes=1))
        with pytest.raises(Conflict):  # pending now: nothing to send again
            delivery.resend(db, standard, people["officer-cq"], message_id, NOW + timedelta(minutes=2))
    with db.read() as session:
        stored = session.execute(text("SELECT state FROM federation_outbox WHERE id = :m"), {"m": message_id}).scalar()
        actions = list(session.execute(text("SELECT action FROM audit_log WHERE action LIKE 'federation.message_%' "
                                            "ORDER BY id")).scalars())
    assert stored == "pending" and type(stored) is str
    assert actions == ["federation.message_queued", "federation.message_dead", "federation.message_resent"]


def test_only_delivery_moves_a_message_and_only_after_asking_the_table():
    # every module that can reach a message row names its table (other packages' ``state`` is their own)
    assert scan(writers({"state"}, {"may_move"}), mentions="OutboxMessage") == {
        "federation/delivery.py": {"settle": {"may_move"}, "_delivered": {"may_move"}, "resend": {"may_move"}}}


def test_a_withdrawal_asked_of_the_partner_is_read_off_the_case_and_named_by_its_enum():
    assert [w.value for w in Withdrawal] == ["requested", "confirmed", "too_late"]  # the v1 JSON's words
    asked = [{"step": WITHDRAWAL_REQUESTED}]
    assert withdrawal_state([], "submitted") is None
    assert withdrawal_state(asked, "submitted") is Withdrawal.REQUESTED
    assert withdrawal_state(asked, "approved") is Withdrawal.TOO_LATE
    assert withdrawal_state([*asked, {"step": WITHDRAWAL_TOO_LATE}], "submitted") is Withdrawal.TOO_LATE
    assert withdrawal_state(asked, "withdrawn") is Withdrawal.CONFIRMED
    spelled = {str(p.relative_to(SRC)) for p in [*SRC.rglob("*.py"), *SRC.rglob("*.html")]
               if "migrations" not in p.parts
               and re.search(r"withdrawal\s*(?:[!=]=|in)\s*\(?[\"'](?:requested|confirmed|too_late)[\"']",
                             p.read_text(encoding="utf-8"))}
    assert spelled == set()

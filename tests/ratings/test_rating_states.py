"""A rectification item's state and a rating's appeal state: the one table of their moves (pure, no
database), their one writer each, the stored values and v1 JSON they keep since v1, and nobody
spelling them bare."""

from __future__ import annotations

import ast
import json

import pytest
from sqlalchemy import text

from factories import NOW, PASSWORD, application_body
from source_scan import SRC, pages, scan, writers
from yima.accounts.service import add_user, authenticate
from yima.errors import Conflict
from yima.ratings import rules, service
from yima.ratings.api import RectificationOut
from yima.ratings.states import (
    APPEAL_MOVES,
    RECTIFICATION_MOVES,
    WAITING,
    AppealState,
    RectificationState,
    RectificationStep,
    appeal_may_move,
    step_allowed,
    step_leads_to,
)
from yima.registration import service as registration
from yima.registration.model import ApplicationIn


def test_the_stored_values_are_the_v1_strings():
    assert [s.value for s in RectificationState] == ["open", "called_back", "put_right", "withdrawn"]
    assert [s.value for s in AppealState] == ["pending", "upheld", "rejected"]
    assert set(rules.RECTIFICATION_STATES) == set(RectificationState)
    assert set(rules.APPEAL_STATES) == set(AppealState)
    assert WAITING == ("open", "called_back")


def test_an_item_is_called_back_and_put_right_or_withdrawn_once():
    assert step_leads_to("open", None, RectificationState.OPEN) and not step_allowed("call_back", None)
    assert step_leads_to(RectificationStep.CALL_BACK, "open", "called_back")
    assert not step_allowed(RectificationStep.CALL_BACK, "called_back")  # called back once
    for waiting in ("open", "called_back"):  # put right without a call back reached the person too
        assert step_leads_to(RectificationStep.PUT_RIGHT, waiting, "put_right")
        assert step_leads_to(RectificationStep.WITHDRAW, waiting, "withdrawn")
    for done in ("put_right", "withdrawn"):
        assert not any(step_allowed(step, done) for step in RectificationStep)
    assert not step_allowed("put_right", "lost") and not step_allowed("fly", "open")  # unknown: nothing
    assert {t for move in RECTIFICATION_MOVES.values() for t in move.targets} == set(RectificationState)


def test_a_rating_is_appealed_once_and_decided_once():
    assert appeal_may_move(None, AppealState.PENDING) and not appeal_may_move(None, AppealState.UPHELD)
    assert appeal_may_move("pending", AppealState.UPHELD) and appeal_may_move("pending", AppealState.REJECTED)
    for decided in ("upheld", "rejected"):
        assert not any(appeal_may_move(decided, t) for t in AppealState)
    assert not appeal_may_move("pending", AppealState.PENDING)
    assert APPEAL_MOVES[AppealState.UPHELD] == frozenset()


# --- nothing else spells the states or writes the columns ----------------------------------------------

_WORDS = {s.value for s in RectificationState} | {s.value for s in AppealState}


def _is_state(node: ast.AST) -> bool:
    """An item's ``state`` or a rating's ``appeal_state`` (``rect.state``, ``Rectification.state``,
    ``item.state``, ``rating.appeal_state``, an ``appeal_state`` argument)."""
    return ((isinstance(node, ast.Attribute) and node.attr in ("state", "appeal_state"))
            or (isinstance(node, ast.Name) and node.id == "appeal_state"))


def _words(nodes: list[ast.expr]) -> set[object]:
    return {c.value for n in nodes for c in ast.walk(n) if isinstance(c, ast.Constant)}


def _bare_uses(tree: ast.AST) -> list[int]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if _words(sides) & _WORDS and any(map(_is_state, sides)):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "in_":
            if _words(node.args) & _WORDS and _is_state(node.func.value):
                found.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
                "Rectification", "Rating") and any(k.arg in ("state", "appeal_state") for k in node.keywords):
            found.append(node.lineno)
    return found


def test_the_probe_finds_what_it_looks_for():
    probe = ('rect.state == "open"\nRectification.state.in_(("open", "called_back"))\n'
             'rating.appeal_state != "pending"\nRectification(rating_id=r, state="open")\n'
             'if appeal_state != "pending": pass\n'
             'rect.state in ("open", "called_back")\n')
    assert sorted(_bare_uses(ast.parse(probe))) == [1, 2, 3, 4, 5, 6]
    others = 'rect.state == RectificationState.OPEN\nactor.role == "reform_office"\nkind == "fix_overdue"\n'
    assert _bare_uses(ast.parse(others)) == []


def test_nobody_spells_an_item_s_or_an_appeal_s_state():
    assert scan(_bare_uses, under=SRC / "ratings", skip=SRC / "ratings" / "states.py") == {}
    # the ledger asks rectification_may which steps to offer
    assert pages(r"state\s*(?:[!=]=|in)\s*\(?'", under=SRC / "ratings") == set()


def test_only_the_ratings_service_writes_a_state_and_only_after_asking_the_table():
    probe = writers({"state", "appeal_state"}, {"step_leads_to", "appeal_may_move"}, owner=r"rect|item|rating")
    assert scan(probe, mentions=r"\b(?:Rectification|Rating)\b") == {
        "ratings/service.py": {"_move_item": {"step_leads_to"}, "_move_appeal": {"appeal_may_move"}}}


# --- what is stored and what the v1 API answers stays byte for byte ----------------------------------

@pytest.mark.db
def test_stored_values_and_the_json_are_the_v1_strings(db, standard, people):
    add_user(db, "office-cq", "reform_office", PASSWORD, NOW, zone_id="cq-gxq")
    office = authenticate(db, "office-cq", PASSWORD)
    app_id = registration.submit(db, standard, people["alice"], ApplicationIn.model_validate(application_body()), NOW)
    rating_id = service.rate_application(db, people["alice"], app_id, 1, ["time_limit"], "", NOW)
    item = service.rectifications(db, office)[0]
    service.call_back(db, office, item.id, "已回访", NOW)
    with pytest.raises(Conflict) as again:  # the table: called back once
        service.call_back(db, office, item.id, "再次回访", NOW)
    assert again.value.finding.rule == "rectification.call_back.state"
    service.appeal(db, people["officer-cq"], rating_id, "评价内容与办件无关", NOW)
    service.decide_appeal(db, office, rating_id, True, "核实属实", NOW)  # withdraws the item
    with pytest.raises(Conflict) as decided:
        service.decide_appeal(db, office, rating_id, False, "", NOW)
    assert decided.value.finding.rule == "appeal.none_pending"
    with db.read() as session:
        stored = session.execute(text("SELECT r.appeal_state, i.state FROM service_ratings r JOIN "
                                      "rating_rectifications i ON i.rating_id = r.id WHERE r.id = :r"),
                                 {"r": rating_id}).one()
    assert tuple(stored) == ("upheld", "withdrawn") and {type(s) for s in stored} == {str}
    answered = json.loads(RectificationOut.model_validate(service.get_rectification(db, office, item.id).as_json())
                          .model_dump_json())
    assert answered["state"] == "withdrawn" and answered["rating"]["appeal"]["state"] == "upheld"

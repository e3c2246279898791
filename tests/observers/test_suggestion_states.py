"""A suggestion's state and its extension request's state: the one table of what each action may do
(pure, no database), their one writer each, the stored values and v1 JSON they keep since v1, and
nobody spelling them bare."""

from __future__ import annotations

import ast
import json

import pytest
from observer_helpers import at, build_zone
from sqlalchemy import text

from source_scan import SRC, pages, scan, writers
from yima.errors import Conflict
from yima.observers import rules, service, views
from yima.observers.api import SuggestionOut
from yima.observers.states import (
    EXTENSION_MOVES,
    OPEN,
    TRANSITIONS,
    Action,
    ExtensionState,
    SuggestionState,
    allowed,
    extension_may_move,
    leads_to,
)


def test_the_stored_values_are_the_v1_strings():
    assert [s.value for s in SuggestionState] == ["submitted", "accepted", "assigned", "replied", "reopened",
                                                  "closed", "merged", "declined"]
    assert [s.value for s in ExtensionState] == ["requested", "granted", "refused"]
    assert set(rules.STATES) == set(SuggestionState)  # every state has its words, nothing else has
    assert OPEN == ("submitted", "accepted", "assigned", "reopened")


def test_the_table_of_actions():
    assert leads_to("submit", None, SuggestionState.SUBMITTED) and not allowed(Action.ACCEPT, None)
    assert leads_to(Action.ACCEPT, "submitted", SuggestionState.ACCEPTED)
    for action, target in ((Action.MERGE, SuggestionState.MERGED), (Action.DECLINE, SuggestionState.DECLINED)):
        assert leads_to(action, "submitted", target) and leads_to(action, "accepted", target)
        assert not allowed(action, "assigned") and not allowed(action, "merged")
    assert leads_to(Action.ASSIGN, "accepted", "assigned") and leads_to(Action.ASSIGN, "reopened", "assigned")
    assert leads_to(Action.PUBLISH_REPLY, "assigned", "replied") and not allowed(Action.PUBLISH_REPLY, "replied")
    assert leads_to(Action.RATE, "replied", "closed") and leads_to(Action.RATE, "replied", "reopened")
    assert leads_to(Action.TAKE_BACK, "assigned", "accepted") and leads_to(Action.TAKE_BACK, "assigned", "reopened")
    for stays in (Action.DRAFT_REPLY, Action.REQUEST_EXTENSION, Action.DECIDE_EXTENSION, Action.TRANSFER,
                  Action.URGE, Action.ATTACH, Action.NOTE):
        assert TRANSITIONS[stays].targets == frozenset()  # the state stays as it is
    for final in ("closed", "merged", "declined"):  # only a note is added to a finished one
        assert [a for a in Action if allowed(a, final)] == [Action.NOTE]
    assert [a for a in Action if allowed(a, "replied")] == [Action.RATE, Action.NOTE]
    assert not allowed(Action.NOTE, "lost") and not allowed("accept", "lost")  # an unknown stored value
    assert {t for move in TRANSITIONS.values() for t in move.targets} == set(SuggestionState)
    assert rules.after_rating("dissatisfied", 1) is SuggestionState.REOPENED


def test_an_extension_is_asked_for_once_and_decided_once():
    assert extension_may_move(None, ExtensionState.REQUESTED) and not extension_may_move(None, "granted")
    assert extension_may_move("requested", ExtensionState.GRANTED) and extension_may_move("requested", "refused")
    assert extension_may_move("requested", None)  # withdrawn by a transfer or taking back
    assert not extension_may_move(None, None)
    for decided in ("granted", "refused"):
        assert not any(extension_may_move(decided, t) for t in (*ExtensionState, None))
    assert EXTENSION_MOVES[None] == {ExtensionState.REQUESTED}


# --- nothing else spells the states or writes the columns ----------------------------------------------

_WORDS = {s.value for s in SuggestionState} | {s.value for s in ExtensionState}


def _is_state(node: ast.AST) -> bool:
    """A suggestion's ``state`` or ``extension_state`` (``suggestion.state``, ``Suggestion.state``,
    ``row.state``, ``extension.state``, ``filters.state``, a ``state`` variable) in observers' code."""
    return ((isinstance(node, ast.Attribute) and node.attr in ("state", "extension_state"))
            or (isinstance(node, ast.Name) and node.id == "state"))


def _words(nodes: list[ast.expr]) -> set[object]:
    return {c.value for n in nodes for c in ast.walk(n) if isinstance(c, ast.Constant)}


def _bare_uses(tree: ast.AST) -> list[int]:
    """A state compared with a bare literal, ``Suggestion(state=...)`` made with one, or a ``state=``
    given one (``replace(filters, state="assigned")``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if _words(sides) & _WORDS and any(map(_is_state, sides)):
                found.append(node.lineno)
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id == "Suggestion" and any(
                    k.arg == "state" for k in node.keywords):
                found.append(node.lineno)
            elif any(k.arg in ("state", "extension_state") and isinstance(k.value, ast.Constant)
                     and k.value.value in _WORDS for k in node.keywords):
                found.append(node.lineno)
    return found


def test_the_probe_finds_what_it_looks_for():
    probe = ('suggestion.state == "assigned"\nSuggestion.state == "assigned"\nrow.state != "merged"\n'
             'Suggestion(title=t, state="submitted")\nreplace(filters, state="assigned")\n'
             'suggestion.extension_state != "requested"\nif state == "assigned": pass\n')
    assert sorted(_bare_uses(ast.parse(probe))) == [1, 2, 3, 4, 5, 6, 7]
    others = ('suggestion.state == SuggestionState.ASSIGNED\nreply.rating == "dissatisfied"\n'
              '_step(session, suggestion, actor, "accepted", now)\n')
    assert _bare_uses(ast.parse(others)) == []


def test_nobody_spells_a_suggestion_s_state():
    assert scan(_bare_uses, under=SRC / "observers", skip=SRC / "observers" / "states.py") == {}
    # the pages name the enums and ask suggestion_may which forms to offer
    assert pages(r"state\s*(?:[!=]=|in)\s*\(?'", under=SRC / "observers") == set()


def test_only_the_service_writes_a_state_and_only_after_asking_the_table():
    probe = writers({"state", "extension_state"}, {"leads_to", "allowed", "extension_may_move"})
    assert scan(probe, mentions="Suggestion") == {
        "observers/service.py": {"_move": {"leads_to"}, "_move_extension": {"extension_may_move"}}}


# --- what is stored and what the v1 API answers stays byte for byte ----------------------------------

@pytest.mark.db
def test_stored_values_and_the_json_are_the_v1_strings(db):
    gz = build_zone(db, at("2024-12-01"))
    sid = service.submit(db, gz.xie, "开办企业刻章仍需跑现场", "建议电子印章同步发放。", "registration",
                         at("2025-09-25"))
    service.accept(db, gz.office, sid, at("2025-09-25"))
    service.assign(db, gz.office, sid, gz.market_id, 5, at("2025-09-25"))
    service.request_extension(db, gz.market, sid, 3, "需会同税务局研究", at("2025-09-26"))
    with pytest.raises(Conflict) as once:
        service.request_extension(db, gz.market, sid, 3, "再次申请", at("2025-09-26"))
    assert once.value.finding.rule == "extension.once"
    service.take_back(db, gz.office, sid, "改由他部门办理", at("2025-09-29"))  # withdraws the request
    with pytest.raises(Conflict) as refused:  # the table: a suggestion in the ledger is not rated
        service.rate(db, gz.xie, sid, "satisfied", "", at("2025-09-29"))
    assert refused.value.finding.rule == "suggestion.rate.state"
    with db.read() as session:
        [(state, extension)] = session.execute(text("SELECT state, extension_state FROM suggestions WHERE id = :s"),
                                               {"s": sid}).all()
        steps = session.execute(text("SELECT state FROM suggestion_steps WHERE suggestion_id = :s ORDER BY id"),
                                {"s": sid}).scalars().all()
    assert (state, extension) == ("accepted", None) and type(state) is str
    assert steps == ["submitted", "accepted", "assigned", "assigned", "accepted"]
    answered = json.loads(SuggestionOut.model_validate(views.get_suggestion(db, gz.office, sid, at("2025-09-29"))
                                                       .as_json()).model_dump_json())
    assert answered["state"] == "accepted" and [s["state"] for s in answered["steps"]] == steps

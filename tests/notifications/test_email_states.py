"""A notification's email state: the one table of its moves (pure, no database), its one writer,
and nobody spelling it bare (the stored values and JSON are checked with a real SMTP server in
``test_notifications.py``)."""

from __future__ import annotations

import ast
import re

from source_scan import SRC, scan, writers
from yima.notifications.states import EMAIL_MOVES, EmailState, email_may_move


def test_the_stored_values_are_the_v1_strings_and_a_pending_email_is_sent_once():
    assert [s.value for s in EmailState] == ["none", "pending", "sent"]
    assert email_may_move(None, EmailState.NONE) and email_may_move(None, EmailState.PENDING)
    assert not email_may_move(None, EmailState.SENT)
    assert email_may_move("pending", EmailState.SENT)
    for settled in ("none", "sent", "lost"):  # never emailed, emailed, or an unknown stored value
        assert not any(email_may_move(settled, t) for t in EmailState)
    assert EMAIL_MOVES[EmailState.PENDING] == {EmailState.SENT}


def _bare_uses(tree: ast.AST) -> list[int]:
    words = {s.value for s in EmailState}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if ({c.value for s in sides for c in ast.walk(s) if isinstance(c, ast.Constant)} & words
                    and any(isinstance(s, ast.Attribute) and s.attr == "email_state" for s in sides)):
                found.append(node.lineno)
        elif isinstance(node, ast.Assign):
            flat = [e for t in node.targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            if any(isinstance(t, ast.Attribute) and t.attr == "email_state" for t in flat) and any(
                    isinstance(c, ast.Constant) and c.value in words for c in ast.walk(node.value)):
                found.append(node.lineno)
    return found


def test_the_probe_finds_what_it_looks_for():
    probe = ('Notification.email_state == "pending"\nstored.email_state, stored.sent_at = "sent", now\n'
             'n.email_state != "none"\n')
    assert sorted(_bare_uses(ast.parse(probe))) == [1, 2, 3]
    assert _bare_uses(ast.parse('Notification.email_state == EmailState.PENDING\nmodification = "none"\n')) == []


def test_nobody_spells_an_email_state_and_only_the_service_writes_one_after_asking_the_table():
    assert scan(_bare_uses, mentions="email_state") == {}
    service = ast.parse((SRC / "notifications" / "service.py").read_text("utf-8"))
    assert set(writers({"email_state"}, ())(service)) == {"_sent"}
    source = (SRC / "notifications" / "service.py").read_text("utf-8")
    # a new notification's state is made in SQL only through the table's entry states
    assert not re.search(r"[\"'](?:none|pending|sent)[\"']", source)

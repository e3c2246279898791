"""Revision 0038: an audit entry may be pending (no seq, no hashes yet). A chain of an earlier
release, and a head taken from it as a checkpoint would be, verify after the upgrade, and the
chain grows from its old head."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from previous_release import previous_release

from yima.audit import service as audit
from yima.audit.rules import GENESIS, AuditEvent, link, passes_through
from yima.db import Database
from yima.db.migrate import upgrade

AT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def test_an_earlier_releases_chain_and_checkpoint_verify_after_the_upgrade_and_the_chain_grows(tmp_path) -> None:
    url, engine = previous_release(tmp_path, "0037")
    events = [AuditEvent("cq-gxq", AT + timedelta(seconds=i), 1 if i % 2 else None, "officer" if i % 2 else "system",
                         "application.approved", f"application:{i}", {"reason": "秒批", "n": i}) for i in range(5)]
    entries = link(GENESIS, 0, events)
    with engine.begin() as conn:  # as the earlier release stored them: linked in the transaction
        for e in entries:
            conn.execute(sa.text("INSERT INTO audit_log (chain, seq, at, actor_id, actor_role, action, subject, "
                                 "detail, prev_hash, hash) VALUES (:chain, :seq, :at, :actor, :role, :action, "
                                 ":subject, :detail, :prev, :hash)"),
                         {"chain": "cq-gxq", "seq": e.seq, "at": e.event.at.replace(tzinfo=None).isoformat(" "),
                          "actor": e.event.actor_id, "role": e.event.actor_role, "action": e.event.action,
                          "subject": e.event.subject, "detail": json.dumps(dict(e.event.detail), ensure_ascii=False),
                          "prev": e.prev_hash, "hash": e.hash})
        conn.execute(sa.text("INSERT INTO audit_heads (chain, seq, hash) VALUES ('cq-gxq', 5, :hash)"),
                     {"hash": entries[-1].hash})
    engine.dispose()
    upgrade(url)
    db = Database(url)
    try:
        check = audit.verify_chain(db, "cq-gxq")
        assert check.ok and check.entries == 5 and check.head == entries[-1].hash
        with db.write() as session:
            audit.record(session, [AuditEvent("cq-gxq", AT + timedelta(days=1), None, "system", "zone.updated",
                                              "zone:cq-gxq", {})])
        check = audit.verify_chain(db, "cq-gxq")
        assert check.ok and check.entries == 6
        assert passes_through(audit._entries(db, "cq-gxq"), 3, entries[2].hash)  # an old checkpoint's head
        with db.read() as session:
            assert [r.seq for r in session.execute(sa.text("SELECT seq FROM audit_log ORDER BY id"))] == \
                [1, 2, 3, 4, 5, 6]
    finally:
        db.dispose()

"""Revision 0017 (the federation message log): a delivered message becomes ``delivered`` with its
receipt's digest, any other ``pending`` with an expiry 72 hours after it was written; a received
message gets its receipt's digest; nothing else of a record changes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa
from previous_release import previous_release

from yima.db.migrate import upgrade

AT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def test_messages_before_the_log_keep_what_they_were(tmp_path) -> None:
    url, engine = previous_release(tmp_path, "0016")
    outbox = ("INSERT INTO federation_outbox (id, sender, recipient, kind, payload, application_id, created_at, "
              "attempts, next_attempt_at, last_error, delivered_at, receipt) VALUES (:id, 'cq-gxq', 'cd-gxq', "
              "'application.forwarded', :payload, NULL, :at, :attempts, :at, :error, :delivered, :receipt)")
    with engine.begin() as conn:
        conn.execute(sa.text(outbox), {"id": "done", "payload": b"p1", "at": AT.isoformat(), "attempts": 2,
                                       "error": "", "delivered": AT.isoformat(), "receipt": b"r1"})
        conn.execute(sa.text(outbox), {"id": "waiting", "payload": b"p2", "at": AT.isoformat(), "attempts": 5,
                                       "error": "HTTP 503", "delivered": None, "receipt": None})
        conn.execute(sa.text("INSERT INTO federation_inbox (id, sender, recipient, kind, sha256, received_at, "
                             "receipt) VALUES ('in', 'cd-gxq', 'cq-gxq', 'application.decided', :sha, :at, :r)"),
                     {"sha": "ab" * 32, "at": AT.isoformat(), "r": b"r2"})
    upgrade(url)
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(sa.text(
            "SELECT id, state, expires_at, receipt_sha256, sha256, payload, attempts, last_error, closed_at "
            "FROM federation_outbox")).all()}
        received = conn.execute(sa.text("SELECT sha256, receipt_sha256, message FROM federation_inbox")).one()
    engine.dispose()
    assert rows["done"].state == "delivered" and rows["done"].receipt_sha256 == hashlib.sha256(b"r1").hexdigest()
    assert rows["done"].closed_at is not None and rows["done"].payload == b"p1" and rows["done"].attempts == 2
    assert rows["waiting"].state == "pending" and rows["waiting"].receipt_sha256 == ""
    assert str(rows["waiting"].expires_at).startswith("2026-11-04 02:00")
    assert rows["waiting"].last_error == "HTTP 503" and rows["waiting"].sha256 == ""
    assert received.sha256 == "ab" * 32 and received.receipt_sha256 == hashlib.sha256(b"r2").hexdigest()
    assert received.message is None

"""``Prepared``: a Core statement run on the driver's cursor reads and writes what SQLAlchemy would:
lists of constants (enum members among them) expanded once, typed values converted by the types'
own processors, rows touched counted."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import sqlite

from factories import NOW
from yima.db import Database
from yima.db.base import table_of
from yima.db.prepared import Prepared, _sqlite_datetime
from yima.registration.status import PENDING, Status
from yima.registration.tables import Application

pytestmark = pytest.mark.db
_APPS = table_of(Application)


def test_constants_enums_and_typed_values(db: Database, people: dict) -> None:
    with db.write() as session:
        for status in (Status.SUBMITTED, Status.APPROVED):
            session.add(Application(zone_id="cq-gxq", applicant_id=people["alice"].id, matter="establish",
                                    entity_type="llc", channel="online", name=f"重庆{status}科技有限公司",
                                    status=status, body={"名": "值"}, statutory_due_at=NOW, submitted_at=NOW,
                                    standard_digest="0" * 64))
    pending = Prepared(select(_APPS.c.name, _APPS.c.id).where(_APPS.c.zone_id == bindparam("zone"),
                                                              _APPS.c.status.in_(PENDING)))
    set_due = Prepared(update(_APPS).where(_APPS.c.status.in_(PENDING)).values(statutory_due_at=bindparam("due")))
    with db.write() as session:
        assert [name for name, _ in pending.run(session, {"zone": "cq-gxq"})] == ["重庆submitted科技有限公司"]
        assert pending.run(session, {"zone": "cd-gxq"}) == []
        assert set_due.count(session, {"due": NOW.replace(year=2030)}) == 1
    with db.read() as session:
        due = dict(session.execute(select(Application.status, Application.statutory_due_at)).all())
    assert due[Status.SUBMITTED].year == 2030 and due[Status.APPROVED].year == NOW.year


def test_statements_sent_together_return_their_rows_and_raise_their_errors(db: Database, people: dict) -> None:
    """``send_many`` in a ``pipeline`` block (on PostgreSQL queued and sent together; elsewhere at
    once): each statement's RETURNING rows come back in order, read in the block or after it; a
    statement that fails raises SQLAlchemy's ``IntegrityError`` by the block's end at the latest,
    and its transaction stores nothing."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from yima.db.prepared import pipeline

    add = Prepared(insert(_APPS).returning(_APPS.c.id, _APPS.c.name))

    def row(name: str, zone: str = "cq-gxq") -> dict:
        return {"zone_id": zone, "applicant_id": people["alice"].id, "matter": "establish", "entity_type": "llc",
                "channel": "online", "name": name, "status": "submitted", "body": {}, "findings": [],
                "missing_materials": [], "statutory_due_at": NOW, "submitted_at": NOW, "standard_digest": "0" * 64}

    with db.write() as session, pipeline(session):
        first = add.send_many(session, [row("重庆甲科技有限公司")])
        assert [name for _, name in first.rows()] == ["重庆甲科技有限公司"]  # read in the block
        later = add.send_many(session, [row("重庆乙科技有限公司"), row("重庆丙科技有限公司")])
    assert [name for _, name in later.rows()] == ["重庆乙科技有限公司", "重庆丙科技有限公司"]  # read after it
    assert first.rows()[0][0] < later.rows()[0][0] < later.rows()[1][0]
    with pytest.raises(IntegrityError), db.write() as session:
        with pipeline(session):
            add.send_many(session, [row("重庆丁科技有限公司"), row("重庆戊科技有限公司", zone="no-such-zone")])
    with db.read() as session:
        names = set(session.scalars(select(_APPS.c.name)))
    assert names == {"重庆甲科技有限公司", "重庆乙科技有限公司", "重庆丙科技有限公司"}


def test_many_rows_are_inserted_by_few_statements_with_their_values(db: Database) -> None:
    """``run_many`` of an ``INSERT`` stores every row with its typed values, on both databases as
    one statement of many rows (up to ``MAX_VALUES`` values a statement), not one a row, also when
    sent in a ``pipeline`` block (PostgreSQL's ``executemany`` would send a command a row); a
    duplicate key fails the statement as a whole."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from yima.audit.tables import AuditEntry
    from yima.db.prepared import MAX_VALUES, pipeline

    entries = table_of(AuditEntry)
    add = Prepared(insert(entries))
    columns = ("chain", "seq", "at", "actor_role", "action", "subject", "detail", "prev_hash", "hash")
    rows = [{"chain": "many", "seq": i, "at": NOW, "actor_role": "system", "action": "test", "subject": f"s:{i}",
             "detail": {"i": i, "名": "值"}, "prev_hash": "0" * 64, "hash": f"{i:064d}"} for i in range(1, 251)]
    ran: list[str] = []
    with db.write() as session:
        raw = session.connection().connection.driver_connection
        with _statements_counted(raw, ran, db.is_sqlite):
            add.run_many(session, rows[:200], columns)
            with pipeline(session):
                add.send_many(session, rows[200:], columns)
    per_statement = MAX_VALUES // len(columns)
    assert len(ran) == -(-200 // per_statement) + 1 and ran[0].count("), (") == per_statement - 1
    assert "RETURNING" not in ran[0] and ran[-1].count("), (") == 49
    with db.read() as session:
        stored = session.execute(select(entries.c.seq, entries.c.at, entries.c.detail)
                                 .where(entries.c.chain == "many").order_by(entries.c.seq)).all()
    assert [(seq, detail) for seq, _, detail in stored] == [(i, {"i": i, "名": "值"}) for i in range(1, 251)]
    assert stored[0][1].replace(tzinfo=None) == NOW.replace(tzinfo=None)
    with pytest.raises(IntegrityError), db.write() as session:
        add.run_many(session, [{**rows[0], "seq": 300, "hash": "x" * 64}, rows[1]], columns)  # (many, 2) again
    with db.read() as session:
        assert session.scalar(select(entries.c.seq).where(entries.c.seq == 300)) is None


@contextmanager
def _statements_counted(raw: Any, ran: list[str], sqlite: bool) -> Iterator[None]:
    """Every statement the driver connection ``raw`` runs meanwhile, appended to ``ran``: SQLite's
    trace callback; on psycopg a cursor class that notes what it is asked to execute."""
    if sqlite:
        raw.set_trace_callback(ran.append)
        try:
            yield
        finally:
            raw.set_trace_callback(None)
        return
    before = raw.cursor_factory

    class Counting(before):  # type: ignore[misc, valid-type]
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            ran.append(str(query))
            return super().execute(query, params, **kwargs)

        def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> Any:
            params_seq = list(params_seq)
            ran.extend([str(query)] * len(params_seq))
            return super().executemany(query, params_seq, **kwargs)

    raw.cursor_factory = Counting
    try:
        yield
    finally:
        raw.cursor_factory = before


def test_sqlite_times_are_written_as_sqlalchemy_writes_them() -> None:
    """The quicker processor of SQLite's ``DATETIME`` writes SQLAlchemy's text for every time (naive,
    UTC or another offset, any year, with and without microseconds, the same moment twice running);
    a date goes to SQLAlchemy's own."""
    dialect = sqlite.dialect()
    theirs = sqlite.DATETIME().bind_processor(dialect)
    assert theirs is not None
    ours = _sqlite_datetime(theirs)
    pick = random.Random(7)
    for _ in range(5_000):
        moment = datetime(pick.randint(1, 9999), pick.randint(1, 12), pick.randint(1, 28), pick.randint(0, 23),
                          pick.randint(0, 59), pick.randint(0, 59), pick.choice([0, pick.randint(0, 999_999)]),
                          tzinfo=pick.choice([None, UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]))
        assert ours(moment) == theirs(moment) == ours(moment)
    assert ours(date(2026, 12, 6)) == theirs(date(2026, 12, 6)) == "2026-12-06 00:00:00.000000"
    assert ours(None) is None
    assert Prepared(select(_APPS.c.id).where(_APPS.c.submitted_at > bindparam("at"))) \
        .compiled(dialect).binds[0][3].__qualname__ == _sqlite_datetime(theirs).__qualname__

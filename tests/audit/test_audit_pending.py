"""Entries stored pending and linked after their commit (PostgreSQL), or linked in their
transaction (SQLite): the same chain either way, nothing lost, nothing shown as linked before it is."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from factories import NOW
from yima.audit import service as audit
from yima.audit.rules import GENESIS, AuditEvent, check_chain, link, sequence
from yima.audit.tables import AuditEntry, AuditHead


def _events(n: int, chain: str = "cq-gxq", subject: str = "thing:1") -> list[AuditEvent]:
    return [AuditEvent(chain, NOW + timedelta(microseconds=i), None, "system", f"thing.step{i}", subject,
                       {"i": i, "名称": "一码"}) for i in range(n)]


# --- the sequencing rule, without a database --------------------------------------------------------

def test_pending_entries_are_linked_in_the_order_of_their_ids_whatever_order_they_are_read_in():
    events = _events(5)
    placed = sequence(GENESIS, 0, [(40, events[3]), (7, events[0]), (12, events[1]), (41, events[4]),
                                   (30, events[2])])
    assert [id_ for id_, _ in placed] == [7, 12, 30, 40, 41]
    assert [entry for _, entry in placed] == link(GENESIS, 0, events)  # the hashes of linking at once


def test_linking_in_batches_gives_the_chain_linking_at_once_gives():
    events = _events(7)
    first = sequence(GENESIS, 0, list(enumerate(events[:3], start=1)))
    head = first[-1][1]
    second = sequence(head.hash, head.seq, list(enumerate(events[3:], start=4)))
    chain = [entry for _, entry in first + second]
    assert chain == link(GENESIS, 0, events)
    assert check_chain("cq-gxq", chain, (7, chain[-1].hash)).ok


def test_an_entry_pending_twice_or_of_another_chain_is_refused():
    events = _events(2)
    with pytest.raises(ValueError, match="twice"):
        sequence(GENESIS, 0, [(1, events[0]), (1, events[1])])
    with pytest.raises(ValueError, match="another chain"):
        sequence(GENESIS, 0, [(1, events[0]), (2, _events(1, chain="cd-gxq")[0])])


# --- on both databases ------------------------------------------------------------------------------

def _rows(db, chain: str) -> list[AuditEntry]:
    with db.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.chain == chain).order_by(AuditEntry.id)))


def _pending(db, chain: str = "cq-gxq") -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.chain == chain, AuditEntry.seq.is_(None))) or 0)


@pytest.mark.db
def test_a_transaction_never_waits_for_the_chain_and_its_entries_are_linked_by_the_holder(db, zone_cq):
    """On PostgreSQL a transaction that finds the chain held (here by an open transaction of the
    same thread, which waiting would deadlock) stores its entries pending and commits at once;
    the holder links them after its own commit. On SQLite the writer links them in its
    transaction. Either way the chain ends in commit order, and a rolled back transaction leaves
    nothing."""
    before = len(_rows(db, "cq-gxq"))
    if db.is_sqlite:
        for subject in ("thing:1", "thing:2"):
            with db.write() as session:
                audit.record(session, _events(3, subject=subject))
    else:
        with db.write() as holder:
            audit.record(holder, _events(3, subject="thing:1"))  # takes the chain: linked now
            with db.write() as other:
                other.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
                audit.record(other, _events(3, subject="thing:2"))
            assert _pending(db) == 3  # committed, not linked: the chain is held
        # the holder looked again after its commit
    assert _pending(db) == 0
    rows = sorted(_rows(db, "cq-gxq"), key=lambda r: r.seq)
    assert [(r.subject, r.action) for r in rows[before:]] == [
        (f"thing:{n}", f"thing.step{i}") for n in (1, 2) for i in range(3)]
    with pytest.raises(RuntimeError), db.write() as session:
        audit.record(session, _events(2, subject="thing:3"))
        raise RuntimeError("the use case fails")
    assert len(_rows(db, "cq-gxq")) == before + 6
    check = audit.verify_chain(db, "cq-gxq")
    assert check.ok and check.entries == before + 6


@pytest.mark.db
def test_entries_left_pending_are_linked_before_any_read_and_by_the_job(db, people):
    """What a crash between the commit and its integrator leaves: committed pending entries. Every
    reader links them first; the jobs do too."""
    def leave_pending(chain: str, n: int) -> None:
        with db.write() as session:
            session.execute(sa.insert(AuditEntry), [
                {"chain": e.chain, "at": e.at, "actor_id": None, "actor_role": e.actor_role, "action": e.action,
                 "subject": e.subject, "detail": dict(e.detail)} for e in _events(n, chain=chain)])

    leave_pending("cq-gxq", 2)
    newest = audit.recent_entries(db, people["admin"], "cq-gxq", limit=2)
    assert [e.action for e in newest] == ["thing.step1", "thing.step0"]
    assert newest[0].seq == newest[1].seq + 1 and len(newest[0].hash) == 64
    leave_pending("cq-gxq", 1)
    page, total = audit.entries_page(db, people["admin"], "cq-gxq", subject="thing")
    assert total == 3 and [e.action for e in page] == ["thing.step0", "thing.step1", "thing.step0"]
    leave_pending("brand-new", 2)  # a chain whose first entries are pending has no head yet
    assert "brand-new" in audit.chains(db)
    leave_pending("cq-gxq", 4)
    assert audit.integrate_pending_job(db, NOW) == ["linked 4 pending audit entries into their chains"]
    assert audit.integrate_pending_job(db, NOW) == ["linked 0 pending audit entries into their chains"]
    for chain in ("cq-gxq", "brand-new"):
        assert audit.verify_chain(db, chain).ok
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_(None))) == 0
        assert session.get(AuditHead, "brand-new").seq == 2


@pytest.mark.db
def test_concurrent_transactions_in_one_chain_lose_nothing_and_keep_each_ones_order(db, zone_cq):
    before = len(_rows(db, "cq-gxq"))

    def one(n: int) -> None:
        with db.write() as session:
            audit.record(session, _events(3, subject=f"thing:{n}"))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(40)))
    audit.integrate_all(db)
    rows = [r for r in _rows(db, "cq-gxq")[before:]]
    assert len(rows) == 120 and all(r.seq is not None for r in rows)
    for n in range(40):
        mine = sorted((r for r in rows if r.subject == f"thing:{n}"), key=lambda r: r.seq)
        assert [r.action for r in mine] == ["thing.step0", "thing.step1", "thing.step2"]
    assert sorted(r.seq for r in _rows(db, "cq-gxq")) == list(range(1, before + 121))
    check = audit.verify_chain(db, "cq-gxq")
    assert check.ok and check.entries == before + 120

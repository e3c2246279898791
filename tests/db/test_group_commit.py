"""Group commit (``Database.write_grouped``): on SQLite units of work that wait at the same time
share one transaction and one commit, each in its own savepoint; one that raises gets its own error
and leaves nothing, the others are committed; every caller returns after the commit. On
PostgreSQL each unit commits alone (no deadlock between two processes' groups)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from factories import NOW
from yima.audit.tables import AuditEntry, AuditHead
from yima.db import Database

pytestmark = pytest.mark.db


def _add(chain: str, fail: bool = False):
    def work(session: Session) -> str:
        session.execute(sa.insert(AuditHead).values(chain=chain, seq=0, hash="x"))
        if fail:
            raise ValueError(f"{chain} refused")
        return chain
    return work


def test_waiting_units_share_one_commit_and_a_refused_one_leaves_nothing(db: Database) -> None:
    release, running = threading.Event(), threading.Event()

    def first(session: Session) -> str:  # holds the leader until the others wait behind it
        running.set()  # its group is taken: whoever comes now waits for the next commit
        session.execute(sa.insert(AuditHead).values(chain="first", seq=0, hash="x"))
        release.wait(30)
        return "first"

    commits: list[int] = []

    def count(_connection: object) -> None:
        commits.append(1)

    sa.event.listen(db.engine, "commit", count)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            leader = pool.submit(db.write_grouped, first)
            assert running.wait(30)
            others = [pool.submit(db.write_grouped, _add(name, fail=name == "c"))
                      for name in ("b", "c", "d")]
            if db.is_sqlite:
                while len(db._queue) < 3:
                    time.sleep(0.01)
            else:  # each unit its own transaction: the others commit while the first is open
                assert others[0].result(timeout=60) == "b"
            release.set()
            assert leader.result() == "first"
            assert others[0].result() == "b" and others[2].result() == "d"
            with pytest.raises(ValueError, match="c refused"):
                others[1].result()
    finally:
        sa.event.remove(db.engine, "commit", count)
    # SQLite: the leader's own, then b, c and d together; PostgreSQL: first, b and d each alone
    assert len(commits) == (2 if db.is_sqlite else 3)
    with db.read() as session:
        assert set(session.scalars(sa.select(AuditHead.chain))) == {"first", "b", "d"}


def test_a_database_error_reaches_the_caller_whose_unit_caused_it(db: Database) -> None:
    with db.write() as session:
        session.execute(sa.insert(AuditHead).values(chain="taken", seq=0, hash="x"))
    assert db.write_grouped(_add("alone")) == "alone"

    def fresh_then_taken(session: Session) -> None:
        session.execute(sa.insert(AuditHead).values(chain="fresh", seq=0, hash="x"))
        session.execute(sa.insert(AuditHead).values(chain="taken", seq=0, hash="x"))

    with pytest.raises(sa.exc.IntegrityError):
        db.write_grouped(fresh_then_taken)  # alone in its group: its whole transaction is rolled back
    with db.read() as session:
        assert set(session.scalars(sa.select(AuditHead.chain))) == {"taken", "alone"}


def test_units_that_come_while_another_writer_holds_the_lock_join_the_next_commit(db: Database) -> None:
    """The group is taken once the writer lock is held: what came meanwhile shares that commit."""
    commits: list[int] = []
    sa.event.listen(db.engine, "commit", lambda _connection: commits.append(1))
    with ThreadPoolExecutor(max_workers=3) as pool:
        with db.write() as session:  # another writer holds the lock
            session.execute(sa.insert(AuditHead).values(chain="writer", seq=0, hash="x"))
            units = [pool.submit(db.write_grouped, _add(name)) for name in ("a", "b", "c")]
            deadline = time.monotonic() + 10
            while db.is_sqlite and (len(db._queue) < 3 or not db._leader.locked()) and time.monotonic() < deadline:
                time.sleep(0.01)
            if not db.is_sqlite:  # no writer lock there: each unit commits alone, not waiting
                assert [unit.result(timeout=60) for unit in units] == ["a", "b", "c"]
        assert [unit.result(timeout=60) for unit in units] == ["a", "b", "c"]
    # SQLite: the writer's commit, then a, b and c in one; PostgreSQL: each its own
    assert len(commits) == (2 if db.is_sqlite else 4)
    with db.read() as session:
        assert set(session.scalars(sa.select(AuditHead.chain))) == {"writer", "a", "b", "c"}


def test_other_threads_give_way_to_the_writer_until_its_commit(db: Database) -> None:
    """``give_way``: while a grouped transaction holds SQLite's writer lock, another thread of the
    process waits (at most its timeout) until the commit; the writer itself never waits."""
    inside, release = threading.Event(), threading.Event()
    own_wait: list[float] = []

    def work(session: Session) -> str:
        session.execute(sa.insert(AuditHead).values(chain="writer", seq=0, hash="x"))
        inside.set()
        release.wait(30)
        started = time.monotonic()
        db.give_way(timeout=10)
        own_wait.append(time.monotonic() - started)
        return "written"

    with ThreadPoolExecutor(max_workers=2) as pool:
        writer = pool.submit(db.write_grouped, work)
        assert inside.wait(30)
        started = time.monotonic()
        db.give_way(timeout=0.2)
        waited = time.monotonic() - started
        if db.is_sqlite:
            assert waited >= 0.2  # the writer still holds the lock: the timeout bounds the wait
            waiting = pool.submit(db.give_way, 30)
            time.sleep(0.1)
            assert not waiting.done()
        else:
            assert waited < 0.2  # each unit its own transaction: nothing to give way to
            waiting = pool.submit(db.give_way, 30)
        release.set()
        waiting.result(timeout=30)
        assert writer.result(timeout=30) == "written"
    assert own_wait[0] < 5
    with db.read() as session:
        assert session.scalar(sa.select(AuditHead.chain).where(AuditHead.chain == "writer")) == "writer"


def _queued(db: Database, n: int) -> None:
    deadline = time.monotonic() + 30
    while db.is_sqlite and (len(db._queue) < n or not db._leader.locked()) and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_groups_audit_entries_chain_as_singles_and_a_refused_units_leave_nothing(db: Database) -> None:
    """In one grouped transaction the audit chain's head is read once and moved once before the
    commit (``group_state``); a unit that records entries and then fails leaves none of them, and
    the head goes back to where the unit before it left it: the chain verifies, without a gap."""
    from yima.audit import service as audit
    from yima.audit.rules import AuditEvent

    def unit(name: str, entries: int, fail: bool = False):
        def work(session: Session) -> str:
            audit.record(session, [AuditEvent("group-chain", NOW, None, "system", f"test.{name}", f"unit:{name}:{i}")
                                   for i in range(entries)])
            if fail:
                raise ValueError(f"{name} refused")
            return name
        return work

    assert db.write_grouped(unit("alone", 1)) == "alone"  # the head exists, as after any earlier commit
    with ThreadPoolExecutor(max_workers=4) as pool:
        with db._writer_lock:  # the units queue behind it and then share one transaction (SQLite)
            first = pool.submit(db.write_grouped, unit("a", 2))
            _queued(db, 1)
            refused = pool.submit(db.write_grouped, unit("b", 3, fail=True))
            _queued(db, 2)
            last = pool.submit(db.write_grouped, unit("c", 2))
            _queued(db, 3)
        assert first.result(timeout=60) == "a" and last.result(timeout=60) == "c"
        with pytest.raises(ValueError, match="b refused"):
            refused.result(timeout=60)
    check = audit.verify_chain(db, "group-chain")
    assert check.ok and check.entries == 5
    with db.read() as session:
        subjects = list(session.scalars(sa.select(AuditEntry.subject).where(AuditEntry.chain == "group-chain")
                                        .order_by(AuditEntry.seq)))
        head = session.scalar(sa.select(AuditHead.seq).where(AuditHead.chain == "group-chain"))
    expected = ["unit:alone:0", "unit:a:0", "unit:a:1", "unit:c:0", "unit:c:1"]
    # SQLite: in the group's order; PostgreSQL: no writer lock to queue behind, each commits alone
    assert subjects == expected if db.is_sqlite else sorted(subjects) == sorted(expected)
    assert head == 5
    assert db.write_grouped(unit("after", 1)) == "after"  # the next transaction reads the moved head
    assert audit.verify_chain(db, "group-chain").entries == 6


def test_group_state_goes_back_when_a_unit_fails_and_runs_its_finishers_once(db: Database) -> None:
    from yima.db.engine import BEFORE_COMMIT, group_state

    finished: list[dict] = []

    def unit(name: str, fail: bool = False):
        def work(session: Session) -> str:
            state = group_state(session.connection())
            if state is not None:
                state[("seen", name)] = True
                state[(BEFORE_COMMIT, "test")] = lambda _connection, st: finished.append(dict(st))
            if fail:
                raise ValueError(name)
            return name
        return work

    with ThreadPoolExecutor(max_workers=3) as pool:
        with db._writer_lock:
            units = [pool.submit(db.write_grouped, unit("a"))]
            _queued(db, 1)
            units.append(pool.submit(db.write_grouped, unit("b", fail=True)))
            _queued(db, 2)
            units.append(pool.submit(db.write_grouped, unit("c")))
            _queued(db, 3)
        assert units[0].result(timeout=60) == "a" and units[2].result(timeout=60) == "c"
        with pytest.raises(ValueError):
            units[1].result(timeout=60)
    if db.is_sqlite:
        assert len(finished) == 1 and {k for k in finished[0] if k[0] == "seen"} == {("seen", "a"), ("seen", "c")}
    else:  # no group: each unit its own transaction and no state
        assert finished == []


def test_many_threads_each_return_once_their_own_unit_is_committed_or_refused(db: Database) -> None:
    """Threads woken by the leader that carried their units (not queueing for its lock): under a
    crowd of writers, some refused, every caller returns with its own answer and nothing is lost
    (on PostgreSQL, where each unit commits alone, the same holds)."""
    answers: dict[str, str] = {}

    def caller(k: int) -> None:
        for i in range(12):
            chain, fail = f"crowd-{k}-{i}", (k + i) % 7 == 0
            try:
                answers[chain] = db.write_grouped(_add(chain, fail))
            except ValueError as err:
                answers[chain] = str(err)

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a caller was never woken"
    refused = {f"crowd-{k}-{i}" for k in range(16) for i in range(12) if (k + i) % 7 == 0}
    assert answers == {chain: f"{chain} refused" if chain in refused else chain for chain in answers}
    assert len(answers) == 16 * 12
    with db.read() as session:
        stored = set(session.scalars(sa.select(AuditHead.chain).where(AuditHead.chain.like("crowd-%"))))
    assert stored == set(answers) - refused
    assert not db._queue  # no unit left behind

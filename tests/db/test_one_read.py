"""``Database.one_read``: every read of the block is one read transaction on one connection (a
page's figures from many features: two round trips fewer per read on PostgreSQL); outside the
block, and for another database, reads are their own again."""

from __future__ import annotations

import threading

import pytest

from yima.db import Database

pytestmark = pytest.mark.db


def test_reads_in_the_block_share_one_transaction_and_others_do_not(db, tmp_path):
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with db.read() as first, db.read() as second:
            assert first is not second  # without the block: a transaction each
        with db.one_read():
            with db.read() as first:
                outer = first.connection()
                with db.read() as nested:
                    assert nested is first
            with db.read() as later, other.read() as elsewhere:
                assert later is first and later.connection() is outer
                assert elsewhere is not first  # another database reads on its own
            with db.one_read(), db.read() as inner:  # a block within a block is the same block
                assert inner is first
            seen: list[object] = []
            thread = threading.Thread(target=lambda: seen.append(_session_of(db)))
            thread.start()
            thread.join()
            assert seen and seen[0] is not first  # another thread is not in the block
        with db.read() as after:
            assert after is not first
    finally:
        other.dispose()


def _session_of(db: Database) -> object:
    with db.read() as session:
        return session


def test_a_glance_runs_its_statement_without_a_transaction_of_its_own_on_postgresql(db):
    """``Database.glance``: on PostgreSQL no ``BEGIN``/``ROLLBACK`` around the statement (each
    statement is a transaction of its own, so two see two transaction times); elsewhere, and inside
    ``one_read``, a read transaction as ``read``; and the connection goes back to the pool able to
    run transactions again."""
    from sqlalchemy import text

    if db.is_sqlite:
        with db.glance() as session:
            assert session.execute(text("SELECT 1")).scalar_one() == 1
        return
    stamp = text("SELECT now()")
    with db.glance() as session:
        first = session.execute(stamp).scalar_one()
        assert session.execute(stamp).scalar_one() > first  # a second transaction: not inside one
    with db.read() as session:
        first = session.execute(stamp).scalar_one()
        assert session.execute(stamp).scalar_one() == first  # a read is one transaction
    with db.one_read(), db.glance() as session, db.read() as shared:
        assert session is shared
    with db.write() as session:  # the pooled connections run transactions again
        first = session.execute(stamp).scalar_one()
        assert session.execute(stamp).scalar_one() == first


def test_a_serial_block_plans_without_parallel_workers_on_postgresql_and_only_in_its_transaction(db):
    def workers() -> str | None:
        with db.read() as session:
            return session.connection().exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar() \
                if db.engine.dialect.name == "postgresql" else None

    before = workers()
    with db.one_read(serial=True):
        inside = workers()
    if db.engine.dialect.name == "postgresql":
        assert inside == "0" and before != "0" and workers() == before  # SET LOCAL: the transaction only
    else:
        assert inside is None  # SQLite has no parallel plans: nothing to set

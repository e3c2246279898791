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

"""PostgreSQL connections are not pinged at every checkout; a connection PostgreSQL dropped (as a
restart drops them all) fails once with a disconnect error, the pool is invalidated, and the next
units of work run on new connections."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.exc import DBAPIError

from yima.app.web import create_app
from yima.config import Settings
from yima.db import Database
from yima.db.migrate import upgrade


def _backend_pids(db: Database, n: int) -> set[int]:
    """Check out ``n`` connections at once (so the pool holds ``n``) and return their backends."""
    connections = [db.engine.connect() for _ in range(n)]
    try:
        return {conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() for conn in connections}
    finally:
        for conn in connections:
            conn.close()


def test_dropped_connections_are_replaced_without_a_ping_per_checkout(postgres_url: str) -> None:
    upgrade(postgres_url)  # the session's PostgreSQL database, as the `db` fixture migrates it
    db = Database(postgres_url)
    admin = sa.create_engine(db.url, poolclass=sa.pool.NullPool)
    try:
        assert db.engine.pool._pre_ping is False  # type: ignore[attr-defined]
        before = _backend_pids(db, 3)
        with admin.connect() as conn:  # what a restarted server does to every connection
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                         {"pids": list(before)})
        with pytest.raises(DBAPIError) as failed:
            with db.read() as session:
                session.execute(sa.text("SELECT 1"))
        assert failed.value.connection_invalidated
        with db.write() as session:  # the pool was invalidated: every later checkout is a new connection
            assert session.execute(sa.text("SELECT 1")).scalar_one() == 1
        after = _backend_pids(db, 3)
        assert not after & before
        app = create_app(Settings(database_url=postgres_url), db)
        with TestClient(app) as client:  # over HTTP: 503 with Retry-After, then served again
            assert client.get("/api/v1/zones").status_code == 200
            with admin.connect() as conn:
                conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE pid = ANY(:pids)"), {"pids": list(_backend_pids(db, 3))})
            lost = client.get("/api/v1/zones")
            assert lost.status_code == 503 and lost.headers["retry-after"] == "1"
            assert lost.json()["error"] == "database.reconnecting"
            assert client.get("/api/v1/zones").status_code == 200
    finally:
        admin.dispose()
        db.dispose()

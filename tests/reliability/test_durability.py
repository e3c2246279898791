"""An acknowledged commit survives power loss: SQLite fsyncs every commit (``synchronous=FULL``
in WAL mode); PostgreSQL sessions run ``synchronous_commit=on`` even where the database's default
was lowered."""

from __future__ import annotations

import psycopg
from sqlalchemy import text

from reliability.serve_process import fresh_database
from yima.app.web import create_app
from yima.config import Settings
from yima.db import Database

FULL, NORMAL = 2, 1  # PRAGMA synchronous answers with numbers


def test_sqlite_commits_are_synced_before_they_are_acknowledged(sqlite_url):
    db = Database(sqlite_url)
    try:
        for engine in (db.engine, db.read_engine):
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == FULL
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        db.dispose()
    app = create_app(Settings(database_url=sqlite_url))  # what `yima serve` builds from its settings
    with app.state.db.write() as session:
        assert session.execute(text("PRAGMA synchronous")).scalar() == FULL
    app.state.db.dispose()


def test_normal_is_only_what_the_benchmark_asks_for(sqlite_url):
    assert Settings().sqlite_synchronous == "FULL"
    app = create_app(Settings(database_url=sqlite_url, sqlite_synchronous="NORMAL"))
    with app.state.db.write() as session:
        assert session.execute(text("PRAGMA synchronous")).scalar() == NORMAL
    app.state.db.dispose()


def test_postgresql_sessions_keep_synchronous_commit_on_even_when_the_database_says_off(postgres_url, tmp_path):
    with fresh_database("postgresql", postgres_url, tmp_path) as url:
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            database = conn.info.dbname
            conn.execute(f'ALTER DATABASE "{database}" SET synchronous_commit = off')
        with psycopg.connect(plain) as conn:  # a connection that does not ask gets the lowered default
            assert conn.execute("SHOW synchronous_commit").fetchone() == ("off",)
        db = Database(url)
        try:
            with db.write() as session:
                assert session.execute(text("SHOW synchronous_commit")).scalar() == "on"
            with db.read() as session:
                assert session.execute(text("SHOW synchronous_commit")).scalar() == "on"
        finally:
            db.dispose()

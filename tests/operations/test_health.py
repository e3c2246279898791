"""``/healthz`` says the process is alive; ``/readyz`` says it can serve — the database answers
and its schema is at the newest migration — and answers 503 with the reason otherwise."""

from __future__ import annotations

import httpx
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reliability.serve_process import ServeProcess, fresh_database
from yima.db.engine import normalise_url
from yima.db.migrate import alembic_config


def test_readyz_is_503_while_the_schema_is_behind_the_newest_migration(own_database, tmp_path):
    config = alembic_config(own_database)
    head = ScriptDirectory.from_config(config).get_current_head()
    previous = ScriptDirectory.from_config(config).get_revision(head).down_revision
    with ServeProcess(own_database, tmp_path) as server:
        ready = httpx.get(f"{server.base}/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "database": "ok", "revision": head, "head": head, "reason": ""}
        command.stamp(config, previous)  # as if the database were restored from before the last upgrade
        behind = httpx.get(f"{server.base}/readyz")
        assert behind.status_code == 503 and behind.json()["status"] == "unavailable"
        assert behind.json()["revision"] == previous and behind.json()["head"] == head
        assert "yima init" in behind.json()["reason"]
        alive = httpx.get(f"{server.base}/healthz")
        assert alive.status_code == 200 and alive.json()["status"] == "ok" and len(alive.json()["standard"]) == 64
        command.stamp(config, head)
        assert httpx.get(f"{server.base}/readyz").status_code == 200


def test_readyz_is_503_when_postgresql_does_not_answer(postgres_url, tmp_path):
    with fresh_database("postgresql", postgres_url, tmp_path) as url:
        with ServeProcess(url, tmp_path) as server:
            assert httpx.get(f"{server.base}/readyz").status_code == 200
            admin = create_engine(normalise_url(postgres_url), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:  # the database goes away under the running server
                conn.execute(text(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)'))
            admin.dispose()
            gone = httpx.get(f"{server.base}/readyz", timeout=30)
            assert gone.status_code == 503
            assert gone.json()["database"] == "unreachable" and gone.json()["reason"].startswith("数据库无法连接")
            assert httpx.get(f"{server.base}/healthz").status_code == 200  # alive all the same

"""Two zones' instances as real processes: Chongqing on SQLite, Chengdu on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from instances import Instance
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from yima.db.engine import normalise_url


@pytest.fixture(scope="module")
def chengdu_postgres_url() -> Iterator[str]:
    admin_url = normalise_url(os.environ.get("YIMA_TEST_POSTGRES_URL",
                                             "postgresql://postgres:postgres@127.0.0.1:5432/postgres"))
    name = f"yima_fed_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:
        if os.environ.get("YIMA_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL unreachable: {err}")
        pytest.skip(f"PostgreSQL unreachable: {err.__class__.__name__}")
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, chengdu_postgres_url: str) -> Iterator[tuple[Instance, Instance]]:
    """Chongqing accepts (SQLite), Chengdu issues (PostgreSQL); partners of each other."""
    home_a, home_b = tmp_path_factory.mktemp("cq"), tmp_path_factory.mktemp("cd")
    chongqing = Instance("cq-gxq", f"sqlite:///{Path(home_a) / 'cq.db'}", Path(home_a))
    chengdu = Instance("cd-gxq", chengdu_postgres_url, Path(home_b))
    chongqing.set_up([("alice", "applicant", None), ("officer-cq", "officer", "cq-gxq")])
    chengdu.set_up([("officer-cd", "officer", "cd-gxq")])
    chongqing.start()
    chengdu.start()
    try:
        chongqing.cli("partners", "add", "cd-gxq", "--url", chengdu.url, "--trust-list",
                      chengdu.url + "/.well-known/yima/trust-list.json")
        chengdu.cli("partners", "add", "cq-gxq", "--url", chongqing.url, "--trust-list",
                    chongqing.url + "/.well-known/yima/trust-list.json")
        yield chongqing, chengdu
    finally:
        chongqing.stop()
        chengdu.stop()

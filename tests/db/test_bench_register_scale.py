"""``yima bench register --register N``: the zone's register holds N synthetic enterprises before the
runs, and the benchmark's applications are still approved at once (their 字号 are none of the
register's), so the runs measure 秒批 against a province's register, not officers' reviews."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func, select, text

from factories import NOW
from federation.instances import throwaway_postgres
from yima.bench.register import _register, body, settle
from yima.db import Database
from yima.register.tables import Enterprise
from yima.registration import service
from yima.registration.model import ApplicationIn
from yima.standard import load_standard

pytestmark = pytest.mark.db


def test_the_register_is_grown_and_the_applications_are_still_approved_at_once(db: Database, zone_cq,
                                                                               people) -> None:
    console = Console(record=True, width=200)
    assert _register(console, db, 1_500, NOW) == 1_500
    with db.read() as session:
        held = session.scalar(select(func.count()).select_from(Enterprise)
                              .where(Enterprise.zone_id == "cq-gxq", Enterprise.source == "synthetic"))
    assert held == 1_500 and "1,500 synthetic enterprises" in console.export_text()
    standard = load_standard()
    for n in range(0, 400, 20):
        view = service.submit_with_view(db, standard, people["alice"], ApplicationIn.model_validate(body(n)), NOW)
        assert view.status == "approved", (body(n)["name"], view.findings)



@pytest.fixture(params=["sqlite", "postgresql"])
def settle_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database of the test's own: statistics gathered on a worker's shared database would change
    the plans of the tests after it."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'settle.db'}")
        yield database
        database.dispose()
        return
    for url in throwaway_postgres("yima_settle"):
        database = Database(url)
        yield database
        database.dispose()


def test_the_timed_run_starts_on_a_database_with_the_statistics_a_running_zone_has(settle_database: Database) -> None:
    """After the warm-up (``settle``), PostgreSQL's tables have statistics, as autovacuum gives a
    running zone's (and their update makes the servers' sessions plan their prepared statements
    again); SQLite is left as a zone's is (Yima never runs ``ANALYZE`` there)."""
    with settle_database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE applications (id INTEGER PRIMARY KEY, name VARCHAR(100))")
        connection.execute(text("INSERT INTO applications (id, name) VALUES (:id, :name)"),
                           [{"id": n, "name": f"重庆{n}科技有限公司"} for n in range(1, 61)])
    settle(settle_database)
    with settle_database.engine.connect() as connection:
        if settle_database.is_sqlite:
            assert connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar_one() == 0
        else:
            assert connection.exec_driver_sql(
                "SELECT last_analyze IS NOT NULL, reltuples FROM pg_stat_user_tables JOIN pg_class "
                "ON pg_class.oid = relid WHERE pg_class.relname = 'applications'").one() == (True, 60)

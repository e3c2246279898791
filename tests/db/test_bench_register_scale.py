"""``yima bench register --register N``: the zone's register holds N synthetic enterprises before the
runs, and the benchmark's applications are still approved at once (their 字号 are none of the
register's), so the runs measure 秒批 against a province's register, not officers' reviews."""

from __future__ import annotations

import pytest
from rich.console import Console
from sqlalchemy import func, select

from factories import NOW
from yima.bench.register import _register, _settle, body
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


def test_the_timed_run_starts_on_a_database_with_the_statistics_a_running_zone_has(db: Database, zone_cq,
                                                                                    people) -> None:
    """After the warm-up (``_settle``), PostgreSQL's tables have statistics, as autovacuum gives a
    running zone's (and their update makes the servers' sessions plan their prepared statements
    again); SQLite is left as a zone's is (Yima never runs ``ANALYZE`` there)."""
    standard = load_standard()
    for n in range(60):
        service.submit(db, standard, people["alice"], ApplicationIn.model_validate(body(n)), NOW)
    _settle(db)
    with db.engine.connect() as connection:
        if db.is_sqlite:
            assert connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar_one() == 0
            return
        analysed = dict(connection.exec_driver_sql(
            "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
            "WHERE relname IN ('applications', 'enterprises')").all())
        assert analysed == {"applications": True, "enterprises": True}

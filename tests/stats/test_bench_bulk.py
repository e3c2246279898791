"""``yima bench pages`` seeds a register of millions by copying its first million in SQL under
other district codes (``yima.bench.bulk``): every copied credit code is valid and new, the copies'
domiciles come along, and the register's counts (day, month and year) equal a recount from the
rows, on both databases. Shown here on a first block of 40 entities."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from yima.bench.bulk import copy_register
from yima.register.tables import Enterprise, EnterpriseAddress
from yima.registration.codes import is_valid_uscc
from yima.stats import queries
from yima.stats.importer import load_entities
from yima.stats.rules import Period
from yima.stats.synthetic import BENCH_DIVISIONS, synthetic_register

pytestmark = pytest.mark.db
NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
TODAY = date(2026, 12, 5)


def test_copies_of_the_first_block_are_valid_new_entities_and_counted(db, zone_cq):
    load_entities(db, zone_cq, synthetic_register(40, TODAY, 90_000_000), NOW, source="synthetic")
    assert copy_register(db, zone_cq, 130, block=40) == 120  # whole copies only
    with db.read() as session:
        codes = list(session.scalars(select(Enterprise.uscc).where(Enterprise.zone_id == zone_cq)))
        homes = session.scalar(select(func.count()).select_from(EnterpriseAddress)) or 0
        conn = session.connection()
        period = Period(date(2026, 1, 1), TODAY)
        new_counted = queries.counted_registrations_by_month(conn, zone_cq, period)
        new_recounted = queries.new_registrations_by_month(conn, zone_cq, period)
        earlier = TODAY - timedelta(days=365)
        active_counted = queries.counted_active_by_type_and_division(conn, zone_cq, TODAY, earlier)
        active_recounted = queries.active_by_type_and_division(conn, zone_cq, TODAY, earlier)
    assert len(codes) == len(set(codes)) == 120 and homes == 120
    assert all(is_valid_uscc(code) for code in codes)
    assert {code[2:8] for code in codes} == set(BENCH_DIVISIONS[:3])
    assert new_counted == new_recounted
    assert _nonzero(active_counted) == _nonzero(active_recounted) and sum(g.active for g in active_counted) > 0
    assert copy_register(db, zone_cq, 120, block=40) == 120  # a kept database is not copied again
    if db.engine.dialect.name == "postgresql":  # the counts laid out in the order of their key
        with db.read() as session:
            clustered = set(session.scalars(text(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE i.indisclustered")))
        assert {"register_day_counts", "register_month_counts", "register_year_counts"} <= clustered


def _nonzero(groups: list[queries.ActiveGroup]) -> dict[tuple[str, str], tuple[int, int]]:
    return {(g.entity_type, g.division): (g.active, g.active_year_earlier) for g in groups
            if g.active or g.active_year_earlier}

"""The register's counts (by day and month kept by triggers on ``enterprises``, by year by triggers
on the month counts) equal a recount from the rows after any sequence of changes: registrations,
cancellations (also dated before the establishment, as bad data may be), corrections of type,
industry, dates, capital or commitment, a zone moved, a row deleted; made through the ORM and
through plain UPDATE/DELETE statements alike (both databases). And the report's figures read from
the counts equal those counted from the rows."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update

from yima.register.tables import Enterprise
from yima.registration.codes import make_uscc
from yima.stats import queries
from yima.stats.importer import load_entities
from yima.stats.rows import EntityRow
from yima.stats.rules import Period
from yima.stats.tables import RegisterCountsState, RegisterDayCount, RegisterMonthCount, RegisterYearCount

pytestmark = pytest.mark.db
NOW = datetime(2024, 6, 1, tzinfo=UTC)
FIRST = date(2022, 11, 20)
TYPES = ("llc", "individual_business", "foreign_enterprise", "partnership")
INDUSTRIES = ("I6513", "I6520", "C3011", "A0111")
ZONES = ("cq-gxq", "cd-gxq")

days = st.integers(0, 600).map(lambda n: FIRST + timedelta(days=n))
capital = st.decimals(0, 10_000_000, places=2, allow_nan=False, allow_infinity=False)
register = st.fixed_dictionaries({"type": st.sampled_from(TYPES), "industry": st.sampled_from(INDUSTRIES),
                                  "on": days, "capital": capital, "commitment": st.booleans(),
                                  "zone": st.sampled_from(ZONES)})
change = st.one_of(
    st.tuples(st.just("register"), register),
    st.tuples(st.just("cancel"), st.integers(0, 99), days),
    st.tuples(st.just("uncancel"), st.integers(0, 99)),
    st.tuples(st.just("correct"), st.integers(0, 99), register),
    st.tuples(st.just("delete"), st.integers(0, 99)),
)


def _apply(db: Any, changes: list[tuple[Any, ...]]) -> None:
    serial = 0
    for step, (kind, *args) in enumerate(changes):
        with db.write() as session:
            codes = list(session.scalars(select(Enterprise.uscc).order_by(Enterprise.uscc)))
            if kind == "register":
                serial += 1
                row = args[0]
                session.add(Enterprise(uscc=f"91500000T{serial:09d}", zone_id=row["zone"], name=f"主体{serial}",
                                       entity_type=row["type"], industry_code=row["industry"],
                                       registered_capital=row["capital"], established_on=row["on"],
                                       address_commitment=row["commitment"], created_at=NOW, updated_at=NOW))
                continue
            if not codes:
                continue
            uscc = codes[args[0] % len(codes)]
            plain = step % 2 == 0  # half through plain statements, half through the ORM
            if kind == "delete":
                if plain:
                    session.execute(delete(Enterprise).where(Enterprise.uscc == uscc))
                else:
                    session.delete(session.get(Enterprise, uscc))
                continue
            values: dict[str, Any] = {}
            if kind == "cancel":
                values = {"cancelled_on": args[1], "status": "cancelled"}
            elif kind == "uncancel":
                values = {"cancelled_on": None, "status": "active"}
            else:
                row = args[1]
                values = {"entity_type": row["type"], "industry_code": row["industry"], "established_on": row["on"],
                          "registered_capital": row["capital"], "address_commitment": row["commitment"],
                          "zone_id": row["zone"]}
            if plain:
                session.execute(update(Enterprise).where(Enterprise.uscc == uscc).values(**values))
            else:
                enterprise = session.get(Enterprise, uscc)
                for key, value in values.items():
                    setattr(enterprise, key, value)


def _recount(db: Any) -> tuple[dict[tuple[Any, ...], tuple[int, int, Decimal, int]], ...]:
    """The counts worked out in Python from the rows: by day, by month and by year."""
    tables: list[dict[tuple[Any, ...], list[Any]]] = [defaultdict(lambda: [0, 0, Decimal(0), 0]) for _ in range(3)]
    grains = (lambda day: day, lambda day: day.isoformat()[:7], lambda day: day.isoformat()[:4])
    with db.read() as session:
        rows = session.scalars(select(Enterprise)).all()
    for e in rows:
        for table, grain in zip(tables, grains, strict=True):
            counts = table[(e.zone_id, grain(e.established_on), e.entity_type, e.industry_code[:3])]
            counts[0] += 1
            counts[2] += Decimal(e.registered_capital)
            counts[3] += int(e.address_commitment)
            if e.cancelled_on is not None:
                ended = max(e.established_on, e.cancelled_on)
                table[(e.zone_id, grain(ended), e.entity_type, e.industry_code[:3])][1] += 1
    return tuple({k: (v[0], v[1], v[2].quantize(Decimal("0.01")), v[3]) for k, v in table.items() if any(v)}
                 for table in tables)


def _kept(db: Any) -> tuple[dict[tuple[Any, ...], tuple[int, int, Decimal, int]], ...]:
    kept = []
    with db.read() as session:
        for table, grain in ((RegisterDayCount, RegisterDayCount.day), (RegisterMonthCount, RegisterMonthCount.month),
                             (RegisterYearCount, RegisterYearCount.year)):
            # the slots of a key added up (on PostgreSQL concurrent transactions keep theirs apart)
            rows = session.execute(select(table.zone_id, grain, table.entity_type, table.division,
                                          func.sum(table.established), func.sum(table.cancelled),
                                          func.sum(table.capital), func.sum(table.address_commitment))
                                   .group_by(table.zone_id, grain, table.entity_type, table.division))
            kept.append({tuple(r[:4]): (r[4], r[5], Decimal(str(r[6])).quantize(Decimal("0.01")), r[7])
                         for r in rows if r[4] or r[5] or r[6] or r[7]})
    return tuple(kept)


def _nonzero(groups: list[queries.ActiveGroup]) -> Counter[tuple[str, str]]:
    return Counter({(g.entity_type, g.division): (g.active, g.active_year_earlier) for g in groups
                    if g.active or g.active_year_earlier})


ROW = {"type": "llc", "industry": "I6513", "on": date(2023, 5, 1), "capital": Decimal("12.34"), "commitment": True,
       "zone": "cq-gxq"}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(change, min_size=1, max_size=25))
@example(changes=[("register", ROW), ("register", {**ROW, "type": "partnership"}), ("cancel", 0, date(2023, 1, 1)),
                  ("correct", 0, {**ROW, "on": date(2023, 6, 2), "industry": "C3011"}),
                  ("cancel", 1, date(2024, 2, 29)), ("delete", 1)])
def test_the_counts_equal_a_recount_from_the_rows_after_any_changes(db, zone_cq, changes):
    with db.write() as session:  # each example starts from an empty register
        session.execute(delete(Enterprise))
        session.execute(delete(RegisterDayCount))
        session.execute(delete(RegisterMonthCount))
        session.execute(delete(RegisterYearCount))  # after the months, whose triggers keep it
    _apply(db, changes)
    assert _kept(db) == _recount(db)
    with db.read() as session:
        conn = session.connection()
        for zone in ZONES:
            for period in (Period(date(2023, 1, 1), date(2023, 12, 31)), Period(date(2024, 2, 10), date(2024, 3, 9)),
                           Period(date(2022, 11, 20), date(2024, 7, 12))):
                assert queries.counted_registrations_by_month(conn, zone, period) == \
                    queries.new_registrations_by_month(conn, zone, period)
                for day in (period.start, period.end, date(2024, 2, 29)):
                    earlier = day - timedelta(days=365)
                    assert _nonzero(queries.counted_active_by_type_and_division(conn, zone, day, earlier)) == \
                        _nonzero(queries.active_by_type_and_division(conn, zone, day, earlier))


def test_a_bulk_import_adds_the_counts_of_what_it_loaded_and_leaves_the_triggers_on(db, zone_cq):
    """The importer (on SQLite: the triggers paused in its own transaction, the counts added per
    batch) counts what it inserted, not the rows already registered that it skipped."""
    rows = [EntityRow(make_uscc("llc", "500107", n, 0), f"主体{n}", "llc" if n % 3 else "individual_business",
                      INDUSTRIES[n % 4], Decimal(n * 1000) + Decimal("0.5"), FIRST + timedelta(days=n * 7),
                      FIRST + timedelta(days=n * 5) if n % 4 == 0 else None, f"科城路{n}号", n % 2 == 0)
             for n in range(1, 40)]
    load_entities(db, zone_cq, rows[:20], NOW)
    summary = load_entities(db, zone_cq, rows, NOW)  # again, with 19 more
    assert (summary.loaded, summary.existing) == (19, 20)
    assert _kept(db) == _recount(db)
    with db.read() as session:
        assert session.scalar(select(RegisterCountsState.paused)) in (0, None)  # never paused on PostgreSQL
    _apply(db, [("cancel", 3, date(2024, 1, 5)), ("delete", 7), ("register", ROW)])  # the triggers run again
    assert _kept(db) == _recount(db)


def test_concurrent_registrations_of_one_kind_and_day_do_not_wait_for_each_others_commit(db, zone_cq):
    """On PostgreSQL each transaction adds to the slot of its transaction id, so a second one
    registering the same zone, day, type and division goes through while the first is still open
    (it used to wait on the first's count row until that committed); the counts add up. On SQLite
    (one writer at a time) every count is in slot 0."""
    def enterprise(serial: int) -> Enterprise:
        return Enterprise(uscc=f"91500000S{serial:09d}", zone_id="cq-gxq", name=f"主体{serial}", entity_type="llc",
                          industry_code="I6513", registered_capital=Decimal(1), established_on=date(2024, 5, 1),
                          address_commitment=True, created_at=NOW, updated_at=NOW)

    if db.is_sqlite:
        for serial in (1, 2):
            with db.write() as session:
                session.add(enterprise(serial))
    else:
        with db.write() as first:
            first.add(enterprise(1))
            first.flush()  # its counts' rows are written (and locked until its commit)
            with db.write() as second:
                second.execute(text("SET LOCAL lock_timeout = '2s'"))
                second.add(enterprise(2))  # committed while the first is open: no wait
    assert _kept(db) == _recount(db)
    with db.read() as session:
        slots = set(session.scalars(select(RegisterDayCount.slot).where(RegisterDayCount.day == date(2024, 5, 1))))
    assert slots == {0} if db.is_sqlite else len(slots) == 2


def test_an_import_racing_with_registrations_leaves_counts_equal_to_a_recount(db, zone_cq):
    """The import adds its counts itself (on PostgreSQL with the counts' and the years' triggers
    paused in its own transaction, one grouped statement per table) while registrations of the
    same days, types and divisions go on through the triggers: on PostgreSQL each batch is
    followed, its transaction still open, by a registration and a cancellation another connection
    commits (SQLite has one writer: there they come between two imports). Afterwards the day,
    month and year counts equal a recount, and a registration after the import is counted by the
    triggers again."""
    from yima.stats.importer import store_batches
    from yima.stats.tally import tally

    def row(n: int) -> tuple[Any, ...]:
        return (make_uscc("llc", "500107", 10_000 + n, 0), f"导入{n}", "llc", INDUSTRIES[n % 4], f"{n}.25",
                (FIRST + timedelta(days=n % 9)).isoformat(),
                (FIRST + timedelta(days=30 + n % 5)).isoformat() if n % 3 == 0 else None, f"科城路{n}号", n % 2 == 0)

    registered = 0

    def register_elsewhere() -> None:
        nonlocal registered
        registered += 1
        with db.write() as session:  # committed at once, through the triggers
            session.add(Enterprise(uscc=f"91500000R{registered:09d}", zone_id=zone_cq, name=f"登记{registered}",
                                   entity_type="llc", industry_code=INDUSTRIES[registered % 4],
                                   registered_capital=Decimal("3.50"),
                                   established_on=FIRST + timedelta(days=registered % 9),
                                   address_commitment=True, created_at=NOW, updated_at=NOW))
        with db.write() as session:
            session.execute(update(Enterprise).where(Enterprise.uscc == f"91500000R{registered:09d}")
                            .values(cancelled_on=FIRST + timedelta(days=31), status="cancelled"))

    def batches(first: int, racing: bool) -> Any:
        for start in range(first, first + 60, 20):
            good = [row(n) for n in range(start, start + 20)]
            yield good, [], start + 20, None if db.is_sqlite else tally(good)
            if racing:
                register_elsewhere()

    racing = not db.is_sqlite
    assert store_batches(db, zone_cq, batches(0, racing), NOW).loaded == 60
    register_elsewhere()
    assert store_batches(db, zone_cq, batches(40, racing), NOW).loaded == 40  # 20 of them already there
    assert _kept(db) == _recount(db)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Enterprise)) == 100 + registered
    _apply(db, [("register", {**ROW, "zone": zone_cq, "on": FIRST + timedelta(days=3)})])
    assert _kept(db) == _recount(db)

"""The report's figures computed in the database: aggregates only, never rows loaded into Python.

Each function is one SQL statement that returns a handful of grouped rows; ``service`` turns
them into ``rules.ZoneFigures``. The definitions are those of ``yima.stats.rules`` (active on a
day, new in a period, domestic enterprise ...). Dates of the register are calendar dates; the
times of applications are UTC instants, so a period of China Standard Time days becomes the
half-open UTC interval ``[start 00:00 CST, end + 1 day 00:00 CST)``. Applications are read
through registration's statements (``yima.registration.records``), never its tables. The indexes
these queries use are created by migration 0002 and declared on the tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, bindparam, case, func, literal, or_, select, union_all

from yima.clock import china_days
from yima.register.tables import Enterprise
from yima.registration.records import approval_instants, decided_applications
from yima.stats.rules import DECIDED_STATUSES, DOMESTIC_ENTERPRISE_TYPES, Period, division_key, next_month, whole_months
from yima.stats.tables import INDUSTRY_DIVISION, RegisterDayCount, RegisterMonthCount, RegisterYearCount

E = Enterprise.__table__.c
D = RegisterDayCount.__table__.c
M = RegisterMonthCount.__table__.c
Y = RegisterYearCount.__table__.c


def utc_bounds(period: Period) -> tuple[datetime, datetime]:
    """The UTC instants that bound a period of China Standard Time days (end exclusive)."""
    return china_days(period.start, period.end)


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _month(conn: Connection, column: Any) -> ColumnElement[str]:
    if _is_sqlite(conn):
        return func.substr(column, 1, 7)  # SQLite keeps a Date as 'YYYY-MM-DD' text
    return func.to_char(column, "YYYY-MM")


def _seconds(conn: Connection, later: Any, earlier: Any) -> ColumnElement[Any]:
    if _is_sqlite(conn):
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


def _one(value: Any) -> int:
    return int(value or 0)


def _domestic() -> ColumnElement[bool]:
    return E.entity_type.in_(DOMESTIC_ENTERPRISE_TYPES)


@dataclass(frozen=True)
class MonthSums:
    new_domestic: int
    new_domestic_capital: Decimal
    new_market_entities: int
    address_commitment: int


def new_registrations_by_month(conn: Connection, zone_id: str, period: Period) -> dict[str, MonthSums]:
    """Entities established in the period, per month: domestic enterprises and their capital, all
    entities, and those registered with an address commitment (住所申报承诺制). Counted from the
    rows: the report reads ``counted_registrations_by_month``; this is the recount that checks it."""
    month = _month(conn, E.established_on).label("month")
    domestic = _domestic()
    query = (select(month,
                    func.sum(case((domestic, 1), else_=0)),
                    func.sum(case((domestic, E.registered_capital), else_=0)),
                    func.count(),
                    func.sum(case((E.address_commitment.is_(True), 1), else_=0)))
             .where(E.zone_id == zone_id, E.established_on.between(period.start, period.end))
             .group_by(month))
    return {row[0]: MonthSums(_one(row[1]), Decimal(row[2] or 0).quantize(Decimal("0.01")), _one(row[3]),
                              _one(row[4]))
            for row in conn.execute(query)}


@dataclass(frozen=True)
class ActiveGroup:
    entity_type: str
    division: str
    active: int
    active_year_earlier: int


def active_by_type_and_division(conn: Connection, zone_id: str, on: Any, year_earlier_on: Any) -> list[ActiveGroup]:
    """Entities active on ``on`` and on ``year_earlier_on``, grouped by entity type and GB/T 4754
    division (``I65``), in one pass over the entities established by ``on``. Counted from the rows:
    the report reads ``counted_active_by_type_and_division``; this is the recount that checks it."""
    division = INDUSTRY_DIVISION.label("division")
    alive_on = and_(E.established_on <= on, or_(E.cancelled_on.is_(None), E.cancelled_on > on))
    alive_then = and_(E.established_on <= year_earlier_on,
                      or_(E.cancelled_on.is_(None), E.cancelled_on > year_earlier_on))
    query = (select(E.entity_type, division, func.sum(case((alive_on, 1), else_=0)),
                    func.sum(case((alive_then, 1), else_=0)))
             .where(E.zone_id == zone_id)
             .group_by(E.entity_type, division))
    return [ActiveGroup(row[0], division_key(row[1]), _one(row[2]), _one(row[3])) for row in conn.execute(query)]


def counted_registrations_by_month(conn: Connection, zone_id: str, period: Period) -> dict[str, MonthSums]:
    """``new_registrations_by_month`` read from the register's counts: the months wholly inside the
    period from the month counts (``RegisterMonthCount``), the days of a month it covers in part from
    the day counts (``RegisterDayCount``) — a few hundred rows a month, however large the register."""
    months = whole_months(period)
    day_ranges = [(period.start, period.end)]
    values: dict[str, Any] = {"zone": zone_id}
    if months is not None:
        first, last = months
        day_ranges = [(start, end) for start, end in ((period.start, first - timedelta(days=1)),
                                                      (next_month(last), period.end)) if start <= end]
        values.update(first_month=first.isoformat()[:7], last_month=last.isoformat()[:7])
    for i, (start, end) in enumerate(day_ranges):
        values.update({f"start{i}": start, f"end{i}": end})
    query = _registrations_statement(conn.dialect.name, months is not None, len(day_ranges))
    return {row[0]: MonthSums(_one(row[1]), Decimal(row[2] or 0).quantize(Decimal("0.01")), _one(row[3]),
                              _one(row[4]))
            for row in conn.execute(query, values) if row[3] or row[1]}


@cache
def _registrations_statement(dialect: str, whole_months: bool, day_ranges: int) -> Any:
    """``counted_registrations_by_month``'s one statement (its parts cover different months: on
    PostgreSQL one round trip, not three) for a period of this shape, built once: its values are
    bound parameters (a dashboard's forty statements took more of its time to build in Python than
    the database took to answer them)."""
    queries: list[Any] = []
    if whole_months:
        domestic_m = M.entity_type.in_(DOMESTIC_ENTERPRISE_TYPES)
        queries.append(select(M.month, func.sum(case((domestic_m, M.established), else_=0)),
                              func.sum(case((domestic_m, M.capital), else_=0)), func.sum(M.established),
                              func.sum(M.address_commitment))
                       .where(M.zone_id == bindparam("zone"),
                              M.month.between(bindparam("first_month"), bindparam("last_month")))
                       .group_by(M.month))
    month = (func.substr(D.day, 1, 7) if dialect == "sqlite" else func.to_char(D.day, "YYYY-MM")).label("month")
    domestic = D.entity_type.in_(DOMESTIC_ENTERPRISE_TYPES)
    for i in range(day_ranges):
        queries.append(select(month, func.sum(case((domestic, D.established), else_=0)),
                              func.sum(case((domestic, D.capital), else_=0)), func.sum(D.established),
                              func.sum(D.address_commitment))
                       .where(D.zone_id == bindparam("zone"),
                              D.day.between(bindparam(f"start{i}"), bindparam(f"end{i}")))
                       .group_by(month))
    return queries[0] if len(queries) == 1 else union_all(*queries)


def counted_active_by_type_and_division(conn: Connection, zone_id: str, on: date,
                                        year_earlier_on: date) -> list[ActiveGroup]:
    """``active_by_type_and_division`` read from the register's counts: active on a day is what was
    established minus what ended up to that day, summed over the whole years before it (the year
    counts), the whole months of its year before its month (the month counts) and the days of its
    own month (the day counts): a few thousand counts, however long the register's history."""
    values: dict[str, Any] = {"zone": zone_id}
    for index, day in enumerate((on, year_earlier_on)):
        first = day.replace(day=1)
        values.update({f"year{index}": f"{day.year:04d}", f"january{index}": f"{day.year:04d}-01",
                       f"month{index}": first.isoformat()[:7], f"first{index}": first, f"day{index}": day})
    totals: dict[tuple[str, str], list[int]] = {}
    for index, entity_type, division, count in conn.execute(_active_statement(), values):
        counts = totals.setdefault((entity_type, division), [0, 0])
        for which in YEAR_DAYS.get(int(index), (int(index),)):
            counts[which] += _one(count)
    return [ActiveGroup(entity_type, division_key(division), now, then)
            for (entity_type, division), (now, then) in sorted(totals.items()) if now or then]


#: What the first column of a row of ``_active_statement`` says: the days (0, 1) it counts for.
#: A month or day count row names its day; a year count row one of these codes.
YEAR_FIRST, YEAR_SECOND, YEAR_BOTH = 10, 11, 12
YEAR_DAYS = {YEAR_FIRST: (0,), YEAR_SECOND: (1,), YEAR_BOTH: (0, 1)}


@cache
def _active_statement() -> Any:
    """``counted_active_by_type_and_division``'s one statement (the years, months and days before
    each of the two days: one round trip), built once with its values as bound parameters."""
    zone: Any = bindparam("zone")
    # the year counts read once for both days: a row's first column says which days it counts for
    # (``YEAR_DAYS``: the years before the earlier day count for both)
    year0: Any = bindparam("year0")
    year1: Any = bindparam("year1")
    days = case((and_(Y.year < year0, Y.year < year1), literal(YEAR_BOTH)), (Y.year < year0, literal(YEAR_FIRST)),
                else_=literal(YEAR_SECOND)).label("days")
    parts: list[Any] = [
        select(days, Y.entity_type, Y.division, func.sum(Y.established - Y.cancelled))
        .where(Y.zone_id == zone, or_(Y.year < year0, Y.year < year1))
        .group_by(days, Y.entity_type, Y.division)]
    for index in (0, 1):
        parts += [
            select(literal(index), M.entity_type, M.division, func.sum(M.established - M.cancelled))
            .where(M.zone_id == zone, M.month >= bindparam(f"january{index}"), M.month < bindparam(f"month{index}"))
            .group_by(M.entity_type, M.division),
            select(literal(index), D.entity_type, D.division, func.sum(D.established - D.cancelled))
            .where(D.zone_id == zone, D.day.between(bindparam(f"first{index}"), bindparam(f"day{index}")))
            .group_by(D.entity_type, D.division)]
    return union_all(*parts)


def matters_decided(conn: Connection, zone_id: str, period: Period) -> dict[tuple[str, str], int]:
    """Registration matters decided in the period, counted by (status, channel)."""
    decided = decided_applications(zone_id=zone_id, decided=utc_bounds(period), statuses=DECIDED_STATUSES).subquery()
    query = select(decided.c.status, decided.c.channel, func.count()).group_by(decided.c.status, decided.c.channel)
    return {(row[0], row[1]): _one(row[2]) for row in conn.execute(query)}


@dataclass(frozen=True)
class ApprovalSums:
    matter: str
    approved: int
    mean_seconds: float | None
    median_seconds: float | None
    within_limit: int


def approval_times(conn: Connection, zone_id: str, period: Period,
                   statutory_days: Mapping[str, int]) -> list[ApprovalSums]:
    """Per matter, for the applications approved in the period: how many, the mean and median time
    from the ``submitted`` transition to the ``approved`` one, and how many within the statutory
    limit. The median is the middle row (or the mean of the two middle rows) by window functions,
    which both SQLite and PostgreSQL have."""
    per_app = approval_instants(zone_id=zone_id, decided=utc_bounds(period)).subquery("per_app")
    seconds = _seconds(conn, per_app.c.approved_at, per_app.c.submitted_at)
    timed = (select(per_app.c.matter.label("matter"), seconds.label("seconds"))
             .where(per_app.c.submitted_at.is_not(None), per_app.c.approved_at.is_not(None))).subquery("timed")
    ranked = select(timed.c.matter, timed.c.seconds,
                    func.row_number().over(partition_by=timed.c.matter, order_by=timed.c.seconds).label("rn"),
                    func.count().over(partition_by=timed.c.matter).label("n")).subquery("ranked")
    limit = case(*((ranked.c.matter == matter, literal(days * 86400.0)) for matter, days in statutory_days.items()),
                 else_=literal(None)) if statutory_days else literal(None)
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    query = (select(ranked.c.matter, func.count(), func.avg(ranked.c.seconds),
                    func.avg(case((middle, ranked.c.seconds))),
                    func.sum(case((ranked.c.seconds <= limit, 1), else_=0)))
             .group_by(ranked.c.matter).order_by(ranked.c.matter))
    return [ApprovalSums(row[0], _one(row[1]), _float(row[2]), _float(row[3]), _one(row[4]))
            for row in conn.execute(query)]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)

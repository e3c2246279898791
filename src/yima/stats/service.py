"""Use case: the figures of one zone and period , from the register and the applications.

All counting happens in SQL (``queries``), inside one read transaction so that the figures agree
with each other; the few grouped rows are turned into ``rules.ZoneFigures`` here. Figures owned
by other features (one-code licences, seal sets, cross-region licences, the bundled-licence
reductions) come from ``Sources``: each is a number or a function of ``(db, zone_id, period)``
that a feature adds to ``FIGURE_SOURCES`` and the composition root plugs in with ``use``; one left
out is reported as null, not as 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from yima.actors import Actor
from yima.clock import local_date, utcnow
from yima.db import Database
from yima.errors import DomainError, NotFound
from yima.registration.status import Status
from yima.registry import Registry, Slot
from yima.standard.model import MatterStandard
from yima.stats import queries, sources
from yima.stats.rules import (
    CATEGORY_NAMES,
    WITHOUT_VISIT_CHANNEL,
    ApprovalTime,
    BundledReduction,
    MattersProcessed,
    Period,
    YearOnYear,
    ZoneFigures,
    check_may_see_zone,
    is_domestic_enterprise,
    may_see_zone,
    merge_months,
    parse_period,
    same_day_year_earlier,
    sections_from_divisions,
    sectors_from_divisions,
    statistical_category,
)
from yima.stats.sections import compute_sections
from yima.zones.service import ZoneView, list_zones
from yima.zones.tables import Zone

CountSource = Callable[[Database, str, Period], int]
ReductionSource = Callable[[Database, MatterStandard, str, Period], BundledReduction | None]


@dataclass(frozen=True)
class Sources:
    """Figures other features keep: a fixed number, or a function of ``(db, zone_id, period)``.

    ``one_code_licences`` — 一码通行 licences issued in the period (licences feature);
    ``cross_region_licences`` — 跨省异地办照 licences delivered (federation feature);
    ``seal_sets`` — free e-seal sets issued (seals feature; savings use ``seal_set_price_yuan``);
    ``bundled_reduction`` — materials and days of bundled licences against separate processing.
    """

    one_code_licences: int | CountSource | None = None
    cross_region_licences: int | CountSource | None = None
    seal_sets: int | CountSource | None = None
    bundled_reduction: BundledReduction | ReductionSource | None = None


Provider = int | CountSource | BundledReduction | ReductionSource
#: ``(name, provider)``: a feature supplies the ``Sources`` figure of that name, e.g.
#: ``registry.add(FIGURE_SOURCES, ("cross_region_licences", figures.licences_delivered))``.
FIGURE_SOURCES: Slot[tuple[str, Provider]] = Slot("figure sources")
_registered: dict[str, object] = {}


def use(registry: Registry) -> None:
    """Plug in the sources features added (the composition root calls this at start); a name that
    is not one of the ``Sources`` figures stops the start."""
    chosen = dict(registry.items(FIGURE_SOURCES))
    for name in chosen:
        if name not in Sources.__dataclass_fields__:
            raise ValueError(f"unknown figure source {name!r}; one of {', '.join(Sources.__dataclass_fields__)}")
    _registered.clear()
    _registered.update(chosen)


def registered_sources() -> Sources:
    """What features registered, else the figures read from the licence and seal records."""
    defaults: dict[str, object] = {"one_code_licences": sources.one_code_licences, "seal_sets": sources.seal_sets,
                                   "bundled_reduction": sources.bundled_reduction}
    return Sources(**{**defaults, **_registered})  # type: ignore[arg-type]


def _count(source: int | CountSource | None, db: Database, zone_id: str, period: Period) -> int | None:
    if source is None or isinstance(source, int):
        return source
    return int(source(db, zone_id, period))


def _reduction(source: BundledReduction | ReductionSource | None, db: Database, standard: MatterStandard,
               zone_id: str, period: Period) -> BundledReduction | None:
    if source is None or isinstance(source, BundledReduction):
        return source
    return source(db, standard, zone_id, period)


def compute_figures(db: Database, zone_id: str, period: Period, standard: MatterStandard, *,
                    seal_set_price_yuan: int = 0, sources: Sources | None = None) -> ZoneFigures:
    sources = sources or registered_sources()
    base = period.year_earlier()
    limits = {matter.id: matter.statutory_days for matter in standard.matters.values()}
    order = {matter_id: i for i, matter_id in enumerate(standard.matters)}
    with db.read() as session:
        zone = session.get(Zone, zone_id)
        if zone is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")
        zone_name, zone_name_en, residents = zone.name, zone.name_en, zone.residents
        conn = session.connection()
        # the register's counts, kept with every change (``tables.RegisterDayCount``): the report
        # reads a few thousand counts however many entities the register holds
        months_now = queries.counted_registrations_by_month(conn, zone_id, period)
        months_then = queries.counted_registrations_by_month(conn, zone_id, base)
        groups = queries.counted_active_by_type_and_division(conn, zone_id, period.end,
                                                             same_day_year_earlier(period.end))
        decided = queries.matters_decided(conn, zone_id, period)
        timings = queries.approval_times(conn, zone_id, period, limits)

    by_category = {category: 0 for category in CATEGORY_NAMES}
    for group in groups:
        by_category[statistical_category(group.entity_type)] += group.active
    domestic = [(g.division, g.active) for g in groups if is_domestic_enterprise(g.entity_type)]
    monthly = merge_months(
        period,
        {m: (s.new_domestic, s.new_domestic_capital, s.new_market_entities) for m, s in months_now.items()},
        {m: (s.new_domestic, s.new_domestic_capital, s.new_market_entities) for m, s in months_then.items()})
    return ZoneFigures(
        zone_id=zone_id, zone_name=zone_name, zone_name_en=zone_name_en, residents=residents, period=period,
        new_domestic=YearOnYear(sum(s.new_domestic for s in months_now.values()),
                                sum(s.new_domestic for s in months_then.values())),
        new_domestic_capital=YearOnYear(_money_sum(months_now), _money_sum(months_then)),
        market_entities=YearOnYear(sum(g.active for g in groups), sum(g.active_year_earlier for g in groups)),
        market_entities_by_category=by_category,
        domestic_active=sum(count for _, count in domestic),
        domestic_by_sector=sectors_from_divisions(domestic),
        domestic_by_section=sections_from_divisions(domestic),
        matters=MattersProcessed(
            approved=sum(n for (status, _), n in decided.items() if status == Status.APPROVED),
            rejected=sum(n for (status, _), n in decided.items() if status == Status.REJECTED),
            online=sum(n for (_, channel), n in decided.items() if channel == WITHOUT_VISIT_CHANNEL)),
        approval_times=sorted((_approval_time(t, standard) for t in timings), key=lambda t: order.get(t.matter, 99)),
        address_commitment=sum(s.address_commitment for s in months_now.values()),
        monthly=monthly,
        one_code_licences=_count(sources.one_code_licences, db, zone_id, period),
        cross_region_licences=_count(sources.cross_region_licences, db, zone_id, period),
        seal_sets=_count(sources.seal_sets, db, zone_id, period),
        seal_set_price_yuan=seal_set_price_yuan,
        bundled=_reduction(sources.bundled_reduction, db, standard, zone_id, period),
        sections=compute_sections(db, zone_id, period),
    )


def _money_sum(months: dict[str, queries.MonthSums]) -> Decimal:
    return sum((s.new_domestic_capital for s in months.values()), Decimal(0))


def _approval_time(sums: queries.ApprovalSums, standard: MatterStandard) -> ApprovalTime:
    matter = standard.matter(sums.matter)

    def hours(seconds: float | None) -> float | None:
        return None if seconds is None else seconds / 3600.0

    return ApprovalTime(
        matter=sums.matter, name_zh=matter.name.zh if matter else sums.matter,
        name_en=matter.name.en if matter else sums.matter,
        statutory_days=matter.statutory_days if matter else 0, approved=sums.approved,
        mean_hours=hours(sums.mean_seconds), median_hours=hours(sums.median_seconds),
        within_limit=sums.within_limit)


def zone_figures(db: Database, standard: MatterStandard, actor: Actor, zone_id: str | None, start: str | None,
                 end: str | None, *, seal_set_price_yuan: int = 0, sources: Sources | None = None) -> ZoneFigures:
    """The figures an actor asked for by zone and ``from``/``to`` text: checked, then computed."""
    if not zone_id:
        raise DomainError("stats.zone_required", "zone", "请指定开发区（zone）", "The parameter 'zone' is required")
    period = parse_period(start, end)
    check_may_see_zone(actor.role, actor.zone_id, zone_id)
    return compute_figures(db, zone_id, period, standard, seal_set_price_yuan=seal_set_price_yuan, sources=sources)


def zones_for(db: Database, actor: Actor | None) -> list[ZoneView]:
    """The zones whose figures ``actor`` may see (the dashboard's choice of zone)."""
    if actor is None:
        return []
    return [z for z in list_zones(db) if may_see_zone(actor.role, actor.zone_id, z.id)]


#: How long ``warm_figures`` may take at start-up before it leaves the other zones to their first visit.
WARM_UP_SECONDS = 3.0


def warm_figures(db: Database, standard: MatterStandard) -> None:
    """At start-up (``yima.web.app.WARM_UPS``): compute the dashboard's figures of this year to date
    once for each zone, the zones in order until ``WARM_UP_SECONDS`` have passed, and drop them.
    The first visit of the dashboard then finds its forty-odd statements compiled and the
    database's pages in memory; it still computes its figures from the database, as every visit
    does (nothing computed here is kept)."""
    today = local_date(utcnow())
    period = Period(date(today.year, 1, 1), today)
    started = time.monotonic()
    with db.read() as session:
        zones = list(session.scalars(select(Zone.id).order_by(Zone.id)))
    for zone_id in zones:
        with db.one_read():
            compute_figures(db, zone_id, period, standard)
        if time.monotonic() - started > WARM_UP_SECONDS:
            break

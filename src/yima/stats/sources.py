"""Figures other features keep, read from their records: one-code licences (一码通行), seal sets
(电子印章), and the bundled-licence reductions (一业一证) against separate processing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from yima.clock import as_utc
from yima.db import Database
from yima.licences.permits import compare_with_separate
from yima.licences.tables import Licence, Permit
from yima.registration.records import decided_applications
from yima.registration.status import Status
from yima.seals.service import seal_sets_issued
from yima.standard.model import MatterStandard
from yima.stats.queries import utc_bounds
from yima.stats.rules import BundledReduction, Period


def one_code_licences(db: Database, zone_id: str, period: Period) -> int:
    """Enterprises whose first licence carrying a permit was issued in the period."""
    start, end = utc_bounds(period)
    first = (select(Licence.uscc, func.min(Licence.issued_at).label("first_at"))
             .where(Licence.zone_id == zone_id, Licence.permit_count > 0).group_by(Licence.uscc).subquery())
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(first)
                                  .where(first.c.first_at >= start, first.c.first_at < end)) or 0)


def seal_sets(db: Database, zone_id: str, period: Period) -> int:
    with db.read() as session:
        return seal_sets_issued(session, zone_id, period.start, period.end)[0]


@dataclass
class _Case:
    """An establishment with bundled permits: done when the licence and every permit are decided."""

    entity_type: str
    submitted: datetime
    done: datetime
    types: list[str] = field(default_factory=list)
    open: bool = False


def bundled_reduction(db: Database, standard: MatterStandard, zone_id: str, period: Period) -> BundledReduction | None:
    """For establishments approved in the period with bundled permits: the materials and statutory
    days of separate processes (from the standard) against the bundled materials and the measured
    time until the licence and every permit were decided."""
    approved = decided_applications(zone_id=zone_id, decided=utc_bounds(period), statuses=(Status.APPROVED,),
                                    matter="establish").subquery()
    with db.read() as session:
        rows = session.execute(
            select(approved.c.id, approved.c.entity_type, approved.c.submitted_at, approved.c.decided_at,
                   Permit.type, Permit.decided_at)
            .join(Permit, Permit.application_id == approved.c.id)
        ).all()
    cases: dict[int, _Case] = {}
    for app_id, entity_type, submitted, decided, permit_type, permit_decided in rows:
        if decided is None:  # not the case of an approved application, whose decision is in the period
            continue
        case = cases.setdefault(app_id, _Case(entity_type, as_utc(submitted), as_utc(decided)))
        case.types.append(permit_type)
        if permit_decided is None:
            case.open = True
        elif as_utc(permit_decided) > case.done:
            case.done = as_utc(permit_decided)
    finished = [c for c in cases.values() if not c.open]
    if not finished:
        return None
    separate_materials = bundled_materials = 0
    separate_days = bundled_days = 0.0
    for case in finished:
        comparison = compare_with_separate(standard, case.types, case.entity_type)
        separate_materials += comparison.separate_materials
        bundled_materials += comparison.bundled_materials
        separate_days += comparison.separate_days
        bundled_days += (case.done - case.submitted).total_seconds() / 86400
    return BundledReduction(separate_materials, bundled_materials, separate_days, bundled_days)

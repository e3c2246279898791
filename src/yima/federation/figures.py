"""The figures of cross-region registration (跨省异地办照), counted from the cases' records.

The accepting zone counts the applications it accepted for partners and the licences partners
delivered back (the 2021 report's 28); the issuing zone counts the establishments it approved
for applicants of a partner (channel ``cross_region``). ``cross_region_licences`` of the zone's
figures is the number of licences delivered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from yima.db import Database
from yima.federation.rules import LATE_AFTER
from yima.federation.states import CaseRole
from yima.federation.tables import Case
from yima.registration.records import application_ids
from yima.registration.status import Status
from yima.stats.queries import utc_bounds
from yima.stats.rules import Period
from yima.stats.sections import Section, SectionRow

CHANNEL = "cross_region"


def _delivered(zone_id: str, start: datetime, end: datetime) -> Select[Any]:
    return select(func.count()).select_from(Case).where(
        Case.role == CaseRole.ACCEPTING, Case.application_id.in_(application_ids(zone_id=zone_id)),
        Case.licence_delivered_at >= start, Case.licence_delivered_at < end)


def licences_delivered(db: Database, zone_id: str, period: Period) -> int:
    """Licences that partner zones issued for applications this zone accepted, delivered in the period."""
    start, end = utc_bounds(period)
    with db.read() as session:
        return int(session.scalar(_delivered(zone_id, start, end)) or 0)


@dataclass(frozen=True)
class CrossRegionFigures:
    accepted_for_partners: int  # applications accepted here for partner zones, submitted in the period
    licences_delivered: int  # licences partner zones delivered for them in the period
    issued_for_partners: int  # establishments approved here for a partner's applicants in the period
    unanswered_after_a_day: int  # of those accepted, forwarded with no answer after ``LATE_AFTER``

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def compute(db: Database, zone_id: str, period: Period) -> CrossRegionFigures:
    start, end = utc_bounds(period)
    accepting = select(func.count()).select_from(Case).where(
        Case.role == CaseRole.ACCEPTING,
        Case.application_id.in_(application_ids(zone_id=zone_id, submitted=(start, end))))
    issued = select(func.count()).select_from(application_ids(
        zone_id=zone_id, channel=CHANNEL, matter="establish", status=Status.APPROVED, decided=(start, end)).subquery())
    # the four counts in one statement: one round trip, not four
    counts = select(accepting.scalar_subquery(),
                    accepting.where(Case.remote_status == "", Case.created_at < end - LATE_AFTER).scalar_subquery(),
                    issued.scalar_subquery(), _delivered(zone_id, start, end).scalar_subquery())
    with db.read() as session:
        accepted, late, issued_count, delivered = session.execute(counts).one()
    return CrossRegionFigures(accepted_for_partners=int(accepted or 0), licences_delivered=int(delivered or 0),
                              issued_for_partners=int(issued_count or 0), unanswered_after_a_day=int(late or 0))


def rows(figures: CrossRegionFigures) -> list[SectionRow]:
    return [SectionRow("为合作开发区受理的申请", "Applications accepted for partner zones",
                       figures.accepted_for_partners, "件", ""),
            SectionRow("合作开发区送达的营业执照", "Licences delivered by partner zones",
                       figures.licences_delivered, "份", ""),
            SectionRow("为合作开发区申请人核发的设立登记", "Establishments issued for partners' applicants",
                       figures.issued_for_partners, "户", ""),
            SectionRow("超过一天未获答复的转交", "Forwarded with no answer after a day",
                       figures.unanswered_after_a_day, "件", "")]


SECTION = Section("cross_region", "跨省异地办照", "Cross-region registration", compute, rows,
                  template="federation/stats_section.html")

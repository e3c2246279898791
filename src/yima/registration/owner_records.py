"""Storing and reading beneficial owners (受益所有人): the only code that touches their table.

Stored with the application that reported them (at the zone that decides it, so a forwarded
application's owners travel in its signed message and are stored on arrival). Read only by the
zone's officers and administrators, each read an audit entry naming who read what (never the
owners themselves); everyone else gets the 404 that hides an application.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from yima.actors import Actor, may_work_zone
from yima.audit import service as audit
from yima.db import Database
from yima.errors import NotFound
from yima.register.tables import Enterprise
from yima.registration import owners
from yima.registration.model import BeneficialOwnerIn
from yima.registration.schemas import BeneficialOwnerOut
from yima.registration.status import Status
from yima.registration.tables import Application, BeneficialOwner
from yima.registration.views import application_not_found


def store(session: Session, app: Application, reported: list[BeneficialOwnerIn], now: datetime) -> None:
    """Keep the owners an application reported (its id must be known)."""
    if not reported:
        return
    session.add_all(BeneficialOwner(application_id=app.id, zone_id=app.zone_id, recorded_at=now,
                                    **asdict(owners.owner_record(owner)))
                    for owner in reported)
    session.flush()
    audit.record(session, [audit.event(app.zone_id, None, now, "beneficial_owners.recorded",
                                       f"application:{app.id}", count=len(reported))])


def _view(row: BeneficialOwner) -> BeneficialOwnerOut:
    return BeneficialOwnerOut(name=row.name, id_type=row.id_type, id_number=row.id_number,
                              nationality=row.nationality, basis=row.basis,
                              share_pct=f"{row.share_pct}" if row.share_pct is not None else None,
                              since=row.since.isoformat(), application=row.application_id)


def _read(session: Session, actor: Actor, zone_id: str, subject: str, application_ids: list[int],
          now: datetime) -> list[BeneficialOwnerOut]:
    rows = session.scalars(select(BeneficialOwner).where(BeneficialOwner.application_id.in_(application_ids))
                           .order_by(BeneficialOwner.id)).all() if application_ids else []
    audit.record(session, [audit.event(zone_id, actor, now, "beneficial_owners.read", subject, count=len(rows))])
    return [_view(row) for row in rows]


def for_application(db: Database, actor: Actor, app_id: int, now: datetime) -> list[BeneficialOwnerOut]:
    """The owners an application reported, for the zone's officers and administrators (audited)."""
    with db.write() as session:
        app = session.get(Application, app_id)
        if app is None or not may_work_zone(actor, app.zone_id):
            raise application_not_found(app_id)
        return _read(session, actor, app.zone_id, f"application:{app_id}", [app_id], now)


def for_enterprise(db: Database, actor: Actor, uscc: str, now: datetime) -> list[BeneficialOwnerOut]:
    """The owners reported with the enterprise's establishment, for its zone's staff (audited)."""
    uscc = uscc.upper()
    with db.write() as session:
        enterprise = session.get(Enterprise, uscc)
        if enterprise is None or not may_work_zone(actor, enterprise.zone_id):
            raise NotFound("enterprise.unknown", "uscc", f"没有统一社会信用代码为 {uscc} 的企业",
                           f"No enterprise has the credit code {uscc}")
        ids = list(session.scalars(select(Application.id).where(Application.enterprise_uscc == uscc,
                                                                Application.status == Status.APPROVED)))
        return _read(session, actor, enterprise.zone_id, f"enterprise:{uscc}", ids, now)

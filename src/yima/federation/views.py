"""Read models of cross-region cases: the late ones for the accepting officers, the delivered PDF."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from yima.actors import Actor, may_work_zone
from yima.clock import as_utc
from yima.db import Database
from yima.errors import NotFound
from yima.federation.rules import LATE_AFTER, is_late
from yima.federation.tables import Case, OutboxMessage
from yima.registration.status import Status
from yima.registration.tables import Application


def late_cases(db: Database, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """Forwarded applications with no answer from the partner after ``LATE_AFTER``."""
    query = (select(Case, Application).join(Application, Application.id == Case.application_id)
             .where(Case.role == "accepting", Case.remote_status == "", Case.created_at < now - LATE_AFTER)
             .order_by(Case.created_at))
    if actor.role == "officer":
        query = query.where(Application.zone_id == actor.zone_id)
    with db.read() as session:
        waiting = dict(session.execute(select(OutboxMessage.application_id, func.count())
                                       .where(OutboxMessage.delivered_at.is_(None))
                                       .group_by(OutboxMessage.application_id)).all())
        return [{"application": app.id, "partner_zone": case.partner_zone, "name": app.name,
                 "forwarded_at": as_utc(case.created_at).isoformat(),
                 "waiting_messages": int(waiting.get(app.id, 0))} for case, app in session.execute(query)]


def delivered_licence(db: Database, actor: Actor, app_id: int) -> Case | str:
    """The case whose licence (PDF and QR) a partner zone delivered; for an application this zone
    approved itself, the credit code of its licence, which the licence routes serve."""
    with db.read() as session:
        app = session.get(Application, app_id)
        case = session.get(Case, app_id)
        if app is None or not (app.applicant_id == actor.id or may_work_zone(actor, app.zone_id)):
            raise NotFound("application.unknown", "id", f"没有编号为 {app_id} 的申请", f"No application {app_id}")
        if case is None or case.role != "accepting":  # this zone's own application
            if app.enterprise_uscc and app.status == Status.APPROVED:
                return app.enterprise_uscc
            raise NotFound("licence.none", "id", f"申请 {app_id} 当前为 {app.status}，没有营业执照",
                           f"Application {app_id} is {app.status}; it has no licence")
        if not case.licence_pdf or not case.licence_qr:
            raise NotFound("licence.not_delivered", "id", "合作开发区尚未送达营业执照",
                           "The partner zone has not delivered a licence for this application")
        return case


def cases(db: Database, actor: Actor, now: datetime, limit: int = 200) -> list[dict[str, Any]]:
    """The zone's cross-region applications, newest first: forwarded from here or received here."""
    query = (select(Case, Application).join(Application, Application.id == Case.application_id)
             .order_by(Case.created_at.desc()).limit(limit))
    if actor.role == "officer":
        query = query.where(Application.zone_id == actor.zone_id)
    with db.read() as session:
        return [{"application": app.id, "role": case.role, "partner_zone": case.partner_zone, "name": app.name,
                 "status": (case.remote_status or Status.FORWARDED) if case.role == "accepting" else app.status,
                 "uscc": case.uscc if case.role == "accepting" else app.enterprise_uscc,
                 "licence_delivered": case.licence_delivered_at is not None,
                 "late": case.role == "accepting" and is_late(as_utc(case.created_at), bool(case.remote_status), now),
                 "since": as_utc(case.created_at).isoformat()} for case, app in session.execute(query)]

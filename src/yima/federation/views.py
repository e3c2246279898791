"""Read models of cross-region cases: the late ones for the accepting officers, the delivered PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from yima.actors import Actor, may_work_zone
from yima.clock import as_utc
from yima.db import Database
from yima.errors import NotFound
from yima.federation.rules import LATE_AFTER, is_late
from yima.federation.tables import Case, InboxMessage, OutboxMessage
from yima.registration.records import application_ids, application_record, application_records
from yima.registration.status import Status


@dataclass(frozen=True)
class LateCase:
    """A forwarded application the partner zone has not answered in time."""

    application: int
    partner_zone: str
    name: str
    forwarded_at: str  # ISO 8601, UTC
    waiting_messages: int  # messages for it still in the outbox


@dataclass(frozen=True)
class CrossRegionCase:
    """A cross-region application as the zone's list shows it, from either side."""

    application: int
    role: str  # accepting (forwarded from here) | issuing (received here)
    partner_zone: str
    name: str
    status: str  # on the accepting side, the partner's
    uscc: str | None
    licence_delivered: bool
    late: bool
    since: str  # ISO 8601, UTC


def late_cases(db: Database, actor: Actor, now: datetime) -> list[LateCase]:
    """Forwarded applications with no answer from the partner after ``LATE_AFTER``."""
    query = (select(Case).where(Case.role == "accepting", Case.remote_status == "",
                                Case.created_at < now - LATE_AFTER).order_by(Case.created_at))
    if actor.role == "officer":
        query = query.where(Case.application_id.in_(application_ids(zone_id=actor.zone_id)))
    with db.read() as session:
        waiting = dict(session.execute(select(OutboxMessage.application_id, func.count())
                                       .where(OutboxMessage.delivered_at.is_(None))
                                       .group_by(OutboxMessage.application_id)).all())
        found = list(session.scalars(query))
        apps = application_records(session, (case.application_id for case in found))
        return [LateCase(application=app.id, partner_zone=case.partner_zone, name=app.name,
                         forwarded_at=as_utc(case.created_at).isoformat(),
                         waiting_messages=int(waiting.get(app.id, 0)))
                for case in found if (app := apps.get(case.application_id)) is not None]


def delivered_licence(db: Database, actor: Actor, app_id: int) -> Case | str:
    """The case whose licence (PDF and QR) a partner zone delivered; for an application this zone
    approved itself, the credit code of its licence, which the licence routes serve."""
    with db.read() as session:
        app = application_record(session, app_id)
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


def cases(db: Database, actor: Actor, now: datetime, limit: int = 200) -> list[CrossRegionCase]:
    """The zone's cross-region applications, newest first: forwarded from here or received here."""
    query = select(Case).order_by(Case.created_at.desc()).limit(limit)
    if actor.role == "officer":
        query = query.where(Case.application_id.in_(application_ids(zone_id=actor.zone_id)))
    with db.read() as session:
        found = list(session.scalars(query))
        apps = application_records(session, (case.application_id for case in found))
        return [CrossRegionCase(
            application=app.id, role=case.role, partner_zone=case.partner_zone, name=app.name,
            status=(case.remote_status or Status.FORWARDED.value) if case.role == "accepting" else app.status,
            uscc=case.uscc if case.role == "accepting" else app.enterprise_uscc,
            licence_delivered=case.licence_delivered_at is not None,
            late=case.role == "accepting" and is_late(as_utc(case.created_at), bool(case.remote_status), now),
            since=as_utc(case.created_at).isoformat())
            for case in found if (app := apps.get(case.application_id)) is not None]


MESSAGE_STATES = ("pending", "delivered", "dead", "expired")


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def messages(db: Database, actor: Actor, *, partner: str | None = None, state: str | None = None,
             direction: str | None = None, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """The message log, newest first: what this zone sent (``out``: pending, delivered, dead or
    expired) and what it received and acknowledged (``in``: delivered). Officers see their zone's."""
    rows: list[dict[str, Any]] = []
    wanted = offset + limit
    with db.read() as session:
        if direction in (None, "out"):
            out = (select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipient, OutboxMessage.sender,
                          OutboxMessage.sha256, OutboxMessage.receipt_sha256, OutboxMessage.state,
                          OutboxMessage.created_at, OutboxMessage.signed_at, OutboxMessage.closed_at,
                          OutboxMessage.expires_at, OutboxMessage.attempts, OutboxMessage.last_error,
                          OutboxMessage.refusal, OutboxMessage.application_id)
                   .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id).limit(wanted))
            if partner:
                out = out.where(OutboxMessage.recipient == partner)
            if state:
                out = out.where(OutboxMessage.state == state)
            if actor.role == "officer":
                out = out.where(OutboxMessage.sender == actor.zone_id)
            rows += [{"id": r.id, "kind": r.kind, "direction": "out", "partner": r.recipient, "zone": r.sender,
                      "sha256": r.sha256, "receipt_sha256": r.receipt_sha256, "state": r.state,
                      "created_at": _iso(r.created_at), "signed_at": _iso(r.signed_at),
                      "settled_at": _iso(r.closed_at), "expires_at": _iso(r.expires_at), "attempts": r.attempts,
                      "last_error": r.last_error if r.state != "delivered" else "", "refusal": r.refusal,
                      "application": r.application_id} for r in session.execute(out)]
        if direction in (None, "in") and state in (None, "delivered"):
            inbound = (select(InboxMessage.id, InboxMessage.kind, InboxMessage.sender, InboxMessage.recipient,
                              InboxMessage.sha256, InboxMessage.receipt_sha256, InboxMessage.received_at)
                       .order_by(InboxMessage.received_at.desc(), InboxMessage.id).limit(wanted))
            if partner:
                inbound = inbound.where(InboxMessage.sender == partner)
            if actor.role == "officer":
                inbound = inbound.where(InboxMessage.recipient == actor.zone_id)
            rows += [{"id": r.id, "kind": r.kind, "direction": "in", "partner": r.sender, "zone": r.recipient,
                      "sha256": r.sha256, "receipt_sha256": r.receipt_sha256, "state": "delivered",
                      "created_at": _iso(r.received_at), "signed_at": None, "settled_at": _iso(r.received_at),
                      "expires_at": None, "attempts": 0, "last_error": "", "refusal": None, "application": None}
                     for r in session.execute(inbound)]
    rows.sort(key=lambda m: (m["created_at"] or "", m["id"]), reverse=True)
    return rows[offset:offset + limit]


def signed_message(db: Database, actor: Actor, message_id: str) -> bytes:
    """The exact signed bytes of a message this zone sent or received (COSE_Sign1)."""
    with db.read() as session:
        sent = session.get(OutboxMessage, message_id)
        if sent is not None and (actor.role == "admin" or sent.sender == actor.zone_id) and sent.signed:
            return sent.signed
        received = session.get(InboxMessage, message_id)
        if received is not None and (actor.role == "admin" or received.recipient == actor.zone_id) \
                and received.message:
            return received.message
    if sent is not None or received is not None:
        known = (sent is not None and (actor.role == "admin" or sent.sender == actor.zone_id)) or (
            received is not None and (actor.role == "admin" or received.recipient == actor.zone_id))
        if known:
            raise NotFound("federation.not_signed", "id", "该消息尚未签发，或在保留消息原文之前已交换，没有保存的原文",
                           "The message has not been signed yet, or was exchanged before messages were kept: "
                           "no signed bytes are kept")
    raise NotFound("federation.unknown_message", "id", f"没有编号为 {message_id} 的消息",
                   f"No message {message_id}")

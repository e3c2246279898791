"""Read models of cross-region cases: the late ones for the accepting officers, the delivered PDF."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import JSON, DateTime, Integer, Select, String, Text, cast, func, literal, null, or_, select, union_all

from yima.actors import Actor, may_work_zone
from yima.clock import as_utc
from yima.db import Database
from yima.errors import NotFound
from yima.federation.rules import LATE_AFTER, is_late
from yima.federation.states import CaseRole, MessageState
from yima.federation.tables import Case, InboxMessage, OutboxMessage
from yima.listing import PageOf, PageRequest, like_pattern
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
    query = (select(Case).where(Case.role == CaseRole.ACCEPTING, Case.remote_status == "",
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


def delivered_licence(db: Database, actor: Actor, app_id: int, pdf: bool = True) -> Case | str:
    """The case whose licence a partner zone delivered (with its signed PDF, when ``pdf``: the PDF
    follows the decision that delivered the licence, and until it arrives none is served); for an
    application this zone approved itself, the credit code of its licence, which the licence routes
    serve."""
    with db.read() as session:
        app = application_record(session, app_id)
        case = session.get(Case, app_id)
        if app is None or not (app.applicant_id == actor.id or may_work_zone(actor, app.zone_id)):
            raise NotFound("application.unknown", "id", f"没有编号为 {app_id} 的申请", f"No application {app_id}")
        if case is None or case.role != CaseRole.ACCEPTING:  # this zone's own application
            if app.enterprise_uscc and app.status == Status.APPROVED:
                return app.enterprise_uscc
            raise NotFound("licence.none", "id", f"申请 {app_id} 当前为 {app.status}，没有营业执照",
                           f"Application {app_id} is {app.status}; it has no licence")
        if not case.licence_qr:
            raise NotFound("licence.not_delivered", "id", "合作开发区尚未送达营业执照",
                           "The partner zone has not delivered a licence for this application")
        if pdf and not case.licence_pdf:
            raise NotFound("licence.pdf_not_delivered", "id", "合作开发区已送达营业执照，其签章 PDF 尚未送达",
                           "The partner zone delivered the licence; its signed PDF has not arrived yet")
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
            status=(case.remote or Status.FORWARDED).value if case.role == CaseRole.ACCEPTING else app.status,
            uscc=case.uscc if case.role == CaseRole.ACCEPTING else app.enterprise_uscc,
            licence_delivered=case.licence_delivered_at is not None,
            late=case.role == CaseRole.ACCEPTING and is_late(as_utc(case.created_at), case.remote is not None, now),
            since=as_utc(case.created_at).isoformat())
            for case in found if (app := apps.get(case.application_id)) is not None]


MESSAGE_STATES = tuple(MessageState)

Ts = TypeVarTuple("Ts")


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


@dataclass(frozen=True)
class MessageFilter:
    """Which messages of the log: by partner zone, state, direction (``in`` | ``out``) and the search
    text ``q`` (part of a message id or kind)."""

    partner: str | None = None
    state: str | None = None
    direction: str | None = None
    q: str = ""


def _message_log(actor: Actor, filters: MessageFilter) -> Any:
    """The message log as one query, newest first: what this zone sent (``out``: pending,
    delivered, dead or expired) and what it received and acknowledged (``in``: delivered), each
    with the same columns. Officers see their zone's."""
    parts = []
    if filters.direction in (None, "out"):
        out = select(OutboxMessage.id.label("id"), OutboxMessage.kind.label("kind"),
                     cast(literal("out"), String).label("direction"), OutboxMessage.recipient.label("partner"),
                     OutboxMessage.sender.label("zone"), OutboxMessage.sha256.label("sha256"),
                     OutboxMessage.receipt_sha256.label("receipt_sha256"), OutboxMessage.state.label("state"),
                     OutboxMessage.created_at.label("created_at"), OutboxMessage.signed_at.label("signed_at"),
                     OutboxMessage.closed_at.label("settled_at"), OutboxMessage.expires_at.label("expires_at"),
                     OutboxMessage.attempts.label("attempts"), OutboxMessage.last_error.label("last_error"),
                     OutboxMessage.refusal.label("refusal"), OutboxMessage.application_id.label("application"))
        if filters.state:
            out = out.where(OutboxMessage.state == filters.state)
        parts.append(_narrowed(out, OutboxMessage, OutboxMessage.recipient, OutboxMessage.sender, filters, actor))
    if filters.direction in (None, "in") and filters.state in (None, MessageState.DELIVERED):
        moment = DateTime(timezone=True)
        inbound = select(InboxMessage.id.label("id"), InboxMessage.kind.label("kind"),
                         cast(literal("in"), String).label("direction"), InboxMessage.sender.label("partner"),
                         InboxMessage.recipient.label("zone"), InboxMessage.sha256.label("sha256"),
                         InboxMessage.receipt_sha256.label("receipt_sha256"),
                         cast(literal(MessageState.DELIVERED.value), String).label("state"),
                         InboxMessage.received_at.label("created_at"), cast(null(), moment).label("signed_at"),
                         InboxMessage.received_at.label("settled_at"), cast(null(), moment).label("expires_at"),
                         cast(literal(0), Integer).label("attempts"), cast(literal(""), Text).label("last_error"),
                         cast(null(), JSON).label("refusal"), cast(null(), Integer).label("application"))
        parts.append(_narrowed(inbound, InboxMessage, InboxMessage.sender, InboxMessage.recipient, filters, actor))
    return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery() if parts else None


def _narrowed(query: Select[*Ts], table: type[OutboxMessage] | type[InboxMessage], partner: Any, own_zone: Any,
              filters: MessageFilter, actor: Actor) -> Select[*Ts]:
    """One side of the log narrowed alike: by the partner zone, to an officer's own zone, and by the
    search text (part of the message id or kind)."""
    if filters.partner:
        query = query.where(partner == filters.partner)
    if actor.role == "officer":
        query = query.where(own_zone == actor.zone_id)
    if filters.q:
        pattern = like_pattern(filters.q)
        query = query.where(or_(table.id.like(pattern, escape="\\"), table.kind.like(pattern, escape="\\")))
    return query


@dataclass(frozen=True)
class LoggedMessage:
    """A message of the log (``LoggedMessageOut``): sent (``out``) or received (``in``), the SHA-256
    of its signed bytes and of its receipt, where it stands, and why a dead or expired one will
    not be delivered (``refusal``: status, error, message_zh, message_en)."""

    id: str
    kind: str
    direction: str
    partner: str
    zone: str
    sha256: str
    receipt_sha256: str
    state: str
    created_at: str | None
    signed_at: str | None
    settled_at: str | None
    expires_at: str | None
    attempts: int
    last_error: str
    refusal: Mapping[str, Any] | None
    application: int | None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "refusal": None if self.refusal is None else dict(self.refusal)}


def _logged(row: Any) -> LoggedMessage:
    return LoggedMessage(row.id, row.kind, row.direction, row.partner, row.zone, row.sha256, row.receipt_sha256,
                         row.state, _iso(row.created_at), _iso(row.signed_at), _iso(row.settled_at),
                         _iso(row.expires_at), row.attempts or 0,
                         row.last_error if row.state != MessageState.DELIVERED else "",
                         row.refusal, row.application)


def message_log(db: Database, actor: Actor, filters: MessageFilter = MessageFilter(), *, offset: int = 0,
                limit: int = 50) -> tuple[list[LoggedMessage], int]:
    """``limit`` messages of the log (``_message_log``) from ``offset``, newest first, and how many
    match in all."""
    log = _message_log(actor, filters)
    if log is None:
        return [], 0
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(log)) or 0
        rows = session.execute(select(log).order_by(log.c.created_at.desc(), log.c.id.desc())
                               .offset(max(0, offset)).limit(max(1, limit))).all()
    return [_logged(r) for r in rows], int(total)


def messages_page(db: Database, actor: Actor, filters: MessageFilter, request: PageRequest) -> PageOf[LoggedMessage]:
    """One page of the message log and how many messages match."""
    rows, total = message_log(db, actor, filters, offset=request.offset, limit=request.per_page)
    return PageOf(rows, total, request.page, request.per_page)


def messages(db: Database, actor: Actor, *, partner: str | None = None, state: str | None = None,
             direction: str | None = None, limit: int = 50, offset: int = 0) -> list[LoggedMessage]:
    """``limit`` messages of the log from ``offset``, newest first (``message_log``)."""
    return message_log(db, actor, MessageFilter(partner, state, direction), offset=offset, limit=limit)[0]


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

"""Cross-region registration (跨省异地办照): forwarding an application to a partner zone, receiving
messages with their checks and signed receipts, and applying what they carry.

The accepting zone validates an application for a partner zone against the shared standard,
stores it as ``forwarded`` and writes the message in the same transaction (transactional outbox);
``yima.federation.delivery`` sends it. The issuing zone files it as its own with channel
``cross_region`` (under the partner's account), decides it as it decides any other, and sends
each change of its status back — the decision, the findings, the credit code, the licence QR and
the signed PDF. Every message sent, received or refused is in the zone's audit log.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import cbor2
from sqlalchemy import select
from sqlalchemy.orm import Session

from yima.accounts.service import actor_of
from yima.accounts.tables import User
from yima.actors import Actor
from yima.audit import service as audit
from yima.clock import as_utc, utcnow
from yima.config import get_settings
from yima.db import Base, Database
from yima.errors import Conflict, DomainError, Forbidden
from yima.federation import codec, network
from yima.federation import partners as partner_store
from yima.federation.model import LICENCE_PDF, RECEIPT, DeliveryRefusal, Envelope, new_message
from yima.federation.refusals import log_refusal
from yima.federation.rules import (
    WITHDRAWAL_REQUESTED,
    Refusal,
    check_fresh,
    check_message,
    is_late,
    keys_unavailable,
    open_envelope,
    partner_status,
    standard_mismatch,
    unknown_forwarded_application,
    withdrawal_state,
)
from yima.federation.states import CaseRole, MessageState
from yima.federation.tables import Case, InboxMessage, OutboxMessage, Partner
from yima.keys.service import keyring
from yima.licences.tables import Licence
from yima.registration import records
from yima.registration import service as registration
from yima.registration.appview import ApplicationView, PartnerCase, TransitionView, Withdrawal
from yima.registration.model import ApplicationChanged, ApplicationIn, ApplicationRecord
from yima.registration.status import DECIDED, QUEUED, Status, Step, allowed
from yima.registration.views import view_of
from yima.standard.model import MatterStandard
from yima.words import Words, legacy_words

log = logging.getLogger("yima.federation")
CHANNEL = "cross_region"
OUTBOX_KEY = "federation_outbox"  # session.info: the messages a transaction queued
Kick = Callable[[Database, MatterStandard, str], None]
_kicks: list[Kick] = []  # federation's install adds delivery.send_now: a message goes right after its commit


def sign(session: Session, envelope: Envelope) -> bytes:
    """The envelope as a COSE_Sign1, signed with the sending zone's active key."""
    return codec.seal(envelope, keyring(session, envelope.sender).active)


def queue(session: Session, envelope: Envelope, application_id: int | None) -> OutboxMessage:
    """Write a message to the outbox, in the caller's transaction, and note it in the audit log. It
    expires ``YIMA_MESSAGE_TTL_H`` after it was written."""
    if envelope.expires is None:
        envelope = envelope.expiring(envelope.created + timedelta(hours=get_settings().message_ttl_h))
    row = OutboxMessage(id=envelope.id, sender=envelope.sender, recipient=envelope.recipient, kind=envelope.kind,
                        payload=envelope.payload(), application_id=application_id, created_at=envelope.created,
                        attempts=0, next_attempt_at=envelope.created, last_error="", state=MessageState.PENDING,
                        expires_at=envelope.expires, sha256="", receipt_sha256="")
    session.add(row)
    session.info.setdefault(OUTBOX_KEY, []).append(envelope.id)
    audit.record(session, [audit.event(envelope.sender, None, envelope.created, "federation.message_queued",
                                       f"message:{envelope.id}", kind=envelope.kind, to=envelope.recipient,
                                       application=application_id)])
    return row


_paused: list[bool] = []


def after_commit(db: Database, standard: MatterStandard, message_id: str) -> None:
    if _paused:
        return
    for kick in _kicks:
        kick(db, standard, message_id)


@contextmanager
def sending_paused() -> Iterator[None]:
    """No message is sent right after its commit meanwhile (the caller delivers them itself)."""
    _paused.append(True)
    try:
        yield
    finally:
        _paused.pop()


def on_commit(kick: Kick) -> None:
    if kick not in _kicks:
        _kicks.append(kick)


# --- the accepting zone ---------------------------------------------------------------------------

def _step(case: Case, step: str, at: datetime, detail: str = "", **extra: str) -> None:
    case.steps = [*case.steps, {"step": step, "at": as_utc(at).isoformat(), "detail": detail, **extra}]
    case.updated_at = at


DEAD_LETTER = "delivery_failed"
"""The step on a case when one of its messages was refused for good by the partner or expired."""
_WHAT = {"application.forwarded": Words("申请", "the application"),
         "application.material": Words("补交的材料", "the material supplied"),
         "application.withdrawn": Words("撤回申请", "the withdrawal request"),
         "application.decided": Words("审批结果", "the decision"),
         LICENCE_PDF: Words("营业执照 PDF", "the licence PDF")}


def dead_letter_words(partner: str, kind: str, state: str, refusal: DeliveryRefusal) -> tuple[Words, Words]:
    """What happened to a message that will not be delivered, and what to do, in both languages."""
    what = _WHAT.get(kind, Words("消息", "the message"))
    if state == MessageState.EXPIRED:
        said = Words(f"{what.zh}未能在有效期内送达合作开发区 {partner}：{refusal.message_zh}",
                     f"{what.en.capitalize()} could not be delivered to the partner zone {partner} in time: "
                     f"{refusal.message_en}")
        advice = Words(f"本区已停止重试。请联系本区政务服务中心，确认 {partner} 恢复联通后重新提交，"
                       f"或直接向 {partner} 申请。",
                       f"This zone has stopped trying. Contact this zone's service centre to submit again once "
                       f"{partner} can be reached, or apply to {partner} directly.")
    else:
        said = Words(f"合作开发区 {partner} 拒绝接收{what.zh}：{refusal.message_zh}（{refusal.error}）",
                     f"The partner zone {partner} refused {what.en}: {refusal.message_en} ({refusal.error})")
        advice = Words(f"重试不会改变结果，本区已停止发送。请联系本区政务服务中心处理，或直接向 {partner} 申请。",
                       f"Sending it again would not change the answer, so this zone has stopped. Contact this "
                       f"zone's service centre, or apply to {partner} directly.")
    return said, advice


def dead_letter(case: Case, kind: str, state: str, refusal: DeliveryRefusal, now: datetime) -> None:
    """Note on the case that one of its messages will not be delivered: why, and what to do."""
    said, advice = dead_letter_words(case.partner_zone, kind, state, refusal)
    _step(case, DEAD_LETTER, now, said.text[:600], detail_zh=said.zh[:600], detail_en=said.en[:600], kind=kind,
          state=state, error=refusal.error, advice_zh=advice.zh, advice_en=advice.en)


RESENT = "delivery_resent"
"""The step on a case when an officer sent a dead letter again: the dead letter before it no longer counts."""


def resent(case: Case, kind: str, now: datetime) -> None:
    said = Words(f"本区工作人员已重新发送{_WHAT.get(kind, Words('消息', 'the message')).zh}",
                 f"This zone's officer sent {_WHAT.get(kind, Words('消息', 'the message')).en} again")
    _step(case, RESENT, now, said.text, detail_zh=said.zh, detail_en=said.en, kind=kind)


@dataclass(frozen=True)
class DeadLetter:
    """A message to the partner zone that could not be delivered (``state``: dead, or expired
    unsent), why in both languages and what the officer may do; in an application's
    ``cross_region.dead_letters``."""

    kind: str
    state: str
    error: str
    reason_zh: str
    reason_en: str
    advice_zh: str
    advice_en: str
    at: str

    def as_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class CaseView:
    """The case as the view of its application carries it (``cross_region``): this zone's role
    (accepting: forwarded from here; issuing: received here), the partner zone and its number for
    the application, the steps of the journey as recorded, the dead letters; on the accepting side
    also the withdrawal asked of the partner (``withdrawal_state``) and whether its answer is late."""

    role: str
    partner_zone: str
    partner_application: int | None
    steps: tuple[Mapping[str, Any], ...]
    dead_letters: tuple[DeadLetter, ...]
    withdrawal: Withdrawal | None = None
    late: bool = False

    @property
    def accepting(self) -> bool:
        return self.role == CaseRole.ACCEPTING

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "partner_zone": self.partner_zone,
                               "partner_application": self.partner_application,
                               "steps": [dict(s) for s in self.steps],
                               "dead_letters": [d.as_json() for d in self.dead_letters]}
        if self.accepting:
            out.update(withdrawal=self.withdrawal, late=self.late)
        return out


@dataclass(frozen=True)
class DeliveredLicence:
    """The licence a partner zone issued for an application accepted here (the view's ``licence``):
    its QR text (the partner's public page), the issuing zone, when it arrived, and its signed PDF
    once that has arrived too (``pdf_url`` and ``pdf_delivered_at`` null until then)."""

    qr: str | None
    issued_by: str
    pdf_url: str | None
    pdf_delivered_at: str | None
    delivered_at: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def dead_letters(case: Case) -> list[DeadLetter]:
    """The case's dead letters not sent again since."""
    ordered: list[DeadLetter] = []
    for s in case.steps:
        if s.get("step") == DEAD_LETTER:
            ordered.append(DeadLetter(kind=s.get("kind", ""), state=s.get("state", MessageState.DEAD.value),
                                      error=s.get("error", ""),
                                      reason_zh=s.get("detail_zh", ""), reason_en=s.get("detail_en", ""),
                                      advice_zh=s.get("advice_zh", ""), advice_en=s.get("advice_en", ""),
                                      at=s["at"]))
        elif s.get("step") == RESENT:
            ordered = [d for d in ordered if d.kind != s.get("kind", "")]
    return ordered


def step_once(case: Case, step: str, at: datetime, detail: str = "", **extra: str) -> None:
    """Add the step unless the case has it already; ``extra`` is kept with it (a decided ``state``)."""
    if not any(s["step"] == step for s in case.steps):
        _step(case, step, at, detail, **extra)


class PartnerForwarder:
    """Registration's forwarder: applications for a partner zone go there."""

    def serves(self, db: Database, zone_id: str) -> bool:
        partner = partner_store.partner_keys(db).get(zone_id)
        return partner is not None and partner.local_zone != zone_id and zone_id not in _local(db)

    def submit(self, db: Database, standard: MatterStandard, actor: Actor, body: ApplicationIn, now: datetime,
               idempotency_key: str | None) -> ApplicationView:
        view, message_id = forward(db, standard, actor, body, now, idempotency_key)
        if message_id:
            after_commit(db, standard, message_id)
        return view


_local_cache: dict[str, tuple[float, frozenset[str]]] = {}


def _local(db: Database) -> frozenset[str]:
    """The zones this instance serves, read through a cache of ``PARTNERS_CACHE_SECONDS``."""
    hit = _local_cache.get(db.url)
    if hit is None or time.monotonic() - hit[0] > partner_store.PARTNERS_CACHE_SECONDS:
        with db.read() as session:
            hit = (time.monotonic(), partner_store.local_zones(session))
        _local_cache[db.url] = hit
    return hit[1]


def forward(db: Database, standard: MatterStandard, actor: Actor, body: ApplicationIn, now: datetime,
            idempotency_key: str | None = None) -> tuple[ApplicationView, str | None]:
    """Validate for the shared standard, store as ``forwarded`` and queue the message, in one
    transaction. What needs the partner's data (names taken, its address negative list, the place
    names a company name carries) is the partner's to check."""
    network.network_closed(db, now)  # nothing is sent while the network configuration is expired
    with db.read() as session:
        partner = partner_store.get_partner(session, body.zone)
        local_zone, digest = partner.local_zone, partner.standard_digest
        earlier = registration.earlier_submission(session, actor, idempotency_key)
        if earlier is not None:
            return _view_with_case(session, earlier, now), None
    if digest != standard.digest:
        raise standard_mismatch(digest, standard.digest, body.zone)
    if actor.role == "officer" and actor.zone_id != local_zone:
        raise Forbidden("zone.not_yours", "zone", "审批人员只能为本区受理申请", "Officers accept only for their zone")
    ctx = registration.check_for_partner(standard, body, now)
    with db.write() as session:
        said = Words(f"转交合作开发区 {body.zone} 办理", f"forwarded to the partner zone {body.zone}")
        app = registration.file_forwarded(session, standard, actor, body, ctx, local_zone, now, idempotency_key, said)
        case = Case(application_id=app.id, role=CaseRole.ACCEPTING, partner_zone=body.zone, remote_status="",
                    remote_version=0, remote_findings=[], remote_missing=[], steps=[], created_at=now, updated_at=now)
        _step(case, "forwarded", now)
        session.add(case)
        envelope = new_message("application.forwarded", local_zone, body.zone, standard.digest,
                               {"application": app.id, "application_body": body.model_dump(mode="json"),
                                "applicant": actor.display_name or actor.username}, now)
        queue(session, envelope, app.id)
        audit.record(session, [audit.event(local_zone, actor, now, "application.forwarded", f"application:{app.id}",
                                           to=body.zone, message=envelope.id, matter=body.matter)])
        view = _view_with_case(session, app, now, case)
    return view, envelope.id


class MaterialCourier:
    """A material supplied at home for a forwarded application travels to the partner as a message."""

    def carries(self, app: ApplicationRecord) -> bool:
        return app.status == Status.FORWARDED

    def supply(self, session: Session, app: ApplicationRecord, actor: Actor, material_id: str, filename: str,
               content_type: str, content: bytes, now: datetime) -> None:
        case = session.get(Case, app.id)
        if case is None or not allowed(Step.SUPPLY, case.remote):
            state = (case.remote if case else None) or Status.FORWARDED
            raise Conflict("materials.state", "material", f"合作开发区的申请状态为 {state}，不能补交材料",
                           f"The partner's application is {state}; materials cannot be supplied")
        if material_id not in case.remote_missing:
            raise DomainError("materials.not_missing", "material", f"合作开发区并未要求补交 {material_id}",
                              f"The partner zone has not asked for {material_id} "
                              f"(missing: {', '.join(case.remote_missing) or 'none'})")
        digest = hashlib.sha256(content).hexdigest()  # registration records the upload itself
        envelope = new_message("application.material", app.zone_id, case.partner_zone, app.standard_digest,
                               {"application": case.remote_application_id, "material": material_id,
                                "filename": filename, "content_type": content_type, "content": content}, now)
        queue(session, envelope, app.id)
        _step(case, "material_sent", now, material_id)
        audit.record(session, [audit.event(app.zone_id, actor, now, "application.material_forwarded",
                                           f"application:{app.id}", material=material_id, sha256=digest,
                                           message=envelope.id)])


# --- what the views show --------------------------------------------------------------------------

def overlay(app: ApplicationRecord, view: ApplicationView, case: Case, now: datetime) -> ApplicationView:
    """The application as its case knows it: on the accepting side, the partner's status, findings,
    credit code and delivered licence; on either side, the steps of the journey."""
    letters = tuple(dead_letters(case))
    if case.role == CaseRole.ACCEPTING:
        status = (case.remote or Status.FORWARDED).value
        if case.remote is None and any(d.kind == "application.forwarded" for d in letters):
            status = "undeliverable"  # the partner never took it: not "forwarded", not decided
        block = CaseView(case.role, case.partner_zone, case.remote_application_id, tuple(case.steps), letters,
                         withdrawal=withdrawal_state(case.steps, case.remote),
                         late=is_late(as_utc(case.created_at), case.remote is not None, now))
        # The licence is delivered with its decision; its signed PDF may follow in a message of its
        # own: until it is here, no PDF is claimed (``pdf_url`` and ``pdf_delivered_at`` are null).
        licence = (DeliveredLicence(
            qr=case.licence_qr, issued_by=case.partner_zone,
            pdf_url=f"/api/v1/applications/{app.id}/licence.pdf" if case.licence_pdf else None,
            pdf_delivered_at=pdf_delivered_at(case), delivered_at=as_utc(case.licence_delivered_at).isoformat())
                   if case.licence_delivered_at is not None else None)
        view = replace(view, zone=case.partner_zone, status=status, findings=list(case.remote_findings),
                       missing_materials=list(case.remote_missing), materials_due_on=case.remote_due_on,
                       uscc=case.uscc, partner=PartnerCase(app.zone_id, block, accepting=True, licence=licence,
                                                           withdrawal=block.withdrawal))
    else:
        block = CaseView(case.role, case.partner_zone, case.remote_application_id, tuple(case.steps), letters)
        view = replace(view, partner=PartnerCase(case.partner_zone, block, accepting=False))
    if view.detail is not None:
        # The applicant asked to withdraw; every other step is the partner zone's.
        steps = [TransitionView(from_status=None, to=s["step"],
                                actor_role="applicant" if s["step"] == WITHDRAWAL_REQUESTED else "federation",
                                actor_id=app.applicant_id if s["step"] == WITHDRAWAL_REQUESTED else None,
                                reason=s.get("detail", ""), **_step_words(s), at=s["at"])
                 for s in case.steps if s["step"] != "forwarded"]
        view = replace(view, detail=replace(view.detail, transitions=tuple(sorted(
            [*view.detail.transitions, *steps], key=lambda t: t.at or ""))))
    return view


PDF_DELIVERED = "licence_pdf_delivered"
"""The step on an accepting case when the licence's signed PDF arrived after its decision."""


def pdf_delivered_at(case: Case) -> str | None:
    """When the licence PDF the accepting case holds arrived: in its own message (the step), or
    with the decision that delivered the licence (a partner of the first release); None without one."""
    if not case.licence_pdf:
        return None
    arrived = [s["at"] for s in case.steps if s.get("step") == PDF_DELIVERED]
    if arrived:
        return str(arrived[-1])
    return as_utc(case.licence_delivered_at).isoformat() if case.licence_delivered_at else None


def _step_words(step: Mapping[str, Any]) -> dict[str, str]:
    """A step's detail whole in each language: as recorded per language, else read from its one string."""
    if "detail_zh" in step and "detail_en" in step:
        return {"reason_zh": str(step["detail_zh"]), "reason_en": str(step["detail_en"])}
    words = legacy_words(str(step.get("detail", "")))
    return {"reason_zh": words.zh, "reason_en": words.en}


def _view_with_case(session: Session, app: ApplicationRecord, now: datetime,
                    case: Case | None = None) -> ApplicationView:
    view = view_of(session, app.id, now)
    case = case or session.get(Case, app.id)
    return overlay(app, view, case, now) if case is not None else view


def extend_view(session: Session | None, app: ApplicationRecord, view: ApplicationView) -> ApplicationView:
    if app.status != Status.FORWARDED and app.channel != CHANNEL:
        return view
    case = session.get(Case, app.id) if session is not None else None
    return overlay(app, view, case, utcnow()) if case is not None else view


# --- the issuing zone -----------------------------------------------------------------------------

def status_message_body(app: ApplicationRecord, version: int, case: Case, licence: Licence | None) -> dict[str, Any]:
    return {"application": case.remote_application_id, "partner_application": app.id, "version": version,
            "status": app.status, "findings": list(app.findings or []),
            "missing_materials": list(app.missing_materials or []),
            "materials_due_on": app.materials_due_on.isoformat() if app.materials_due_on else None,
            "uscc": app.enterprise_uscc,
            "licence": {"uscc": licence.uscc, "version": licence.version, "qr": licence.qr_text,
                        "cose": licence.cose, "pdf_follows": True} if licence is not None else None}


def _licence_of(session: Session, app: ApplicationRecord, created: Sequence[Base]) -> Licence | None:
    made = next((row for row in created if isinstance(row, Licence)), None)
    if made is not None or app.status != Status.APPROVED or not app.enterprise_uscc:
        return made
    return session.scalar(select(Licence).where(Licence.uscc == app.enterprise_uscc)
                          .order_by(Licence.version.desc()).limit(1))


def send_status(session: Session, app: ApplicationRecord, version: int, case: Case, now: datetime,
                created: Sequence[Base] = ()) -> Envelope:
    """Queue the application's current status (its ``version``-th) for the accepting zone. A status
    that carries a licence carries its QR and COSE; its signed PDF is to be made (``licence_to_render``)
    and follows as an ``application.licence_pdf`` message."""
    licence = _licence_of(session, app, created)
    envelope = new_message("application.decided", app.zone_id, case.partner_zone, app.standard_digest,
                           status_message_body(app, version, case, licence), now)
    queue(session, envelope, app.id)
    _step(case, app.status, now)
    if licence is not None:
        licence_to_render(case, licence)
    return envelope


def licence_to_render(case: Case, licence: Licence) -> None:
    """In the decision's transaction: the issuing case notes the licence whose signed PDF is to be
    made (``licence_qr`` set, ``licence_pdf`` empty). That row is the job: committed with the
    decision, it survives a crash; ``yima.federation.delivery`` renders it after the commit, outside
    any transaction, keeps the PDF on the case and queues the ``application.licence_pdf`` message in
    one short transaction. A licence whose PDF was made already is not made again."""
    if case.licence_qr != licence.qr_text or case.uscc != licence.uscc:
        case.licence_qr, case.uscc, case.licence_pdf = licence.qr_text, licence.uscc, None


def on_transition(session: Session, changed: ApplicationChanged, created: Sequence[Base]) -> None:
    """Inside every registration transaction: a cross-region application decided here sends back."""
    app = changed.application
    if app.channel != CHANNEL:
        return
    case = session.get(Case, app.id)
    if case is not None and case.role == CaseRole.ISSUING and changed.changes:
        send_status(session, app, changed.version, case, changed.changes[-1].at, created)


def partner_actor(session: Session, zone_id: str) -> Actor:
    partner = session.get(Partner, zone_id)
    user = session.get(User, partner.account_id) if partner else None
    if user is None:
        raise Refusal("not_partner", 403, f"开发区 {zone_id} 不是合作伙伴", f"Zone {zone_id} is not a partner")
    return actor_of(user)


Applied = tuple[dict[str, Any], Callable[[Session], None]]
"""What receiving a message did: the receipt's ``result``, and what to write with the inbox entry."""
Receiver = Callable[[Database, MatterStandard, Envelope, datetime], Applied]


def _receive_forwarded(db: Database, standard: MatterStandard, env: Envelope, now: datetime) -> Applied:
    with db.read() as session:
        actor = partner_actor(session, env.sender)
    try:
        body = ApplicationIn.model_validate(env.body.get("application_body"))
        app_id = registration.submit(db, standard, actor, body, now, idempotency_key=env.id, channel=CHANNEL)
    except DomainError as err:
        if isinstance(err, Conflict):
            raise  # a concurrent submission: the sender retries
        findings = [f.as_dict() for f in err.findings]

        def refused(session: Session) -> None:
            queue(session, new_message("application.decided", env.recipient, env.sender, env.standard,
                                       {"application": env.body.get("application"), "partner_application": None,
                                        "version": 1, "status": Status.REJECTED.value, "findings": findings,
                                        "missing_materials": [], "materials_due_on": None, "uscc": None,
                                        "licence": None}, now), None)
        return {"status": Status.REJECTED.value, "application": None}, refused
    except ValueError as err:
        raise Refusal("malformed", 422, f"申请内容不正确：{err}", f"The application is malformed: {err}") from err

    def file_case(session: Session) -> None:
        app = records.application_record(session, app_id)
        assert app is not None
        case = session.get(Case, app_id) or Case(
            application_id=app_id, role=CaseRole.ISSUING, partner_zone=env.sender,
            remote_application_id=int(env.body.get("application") or 0), remote_status="", remote_version=0,
            remote_findings=[], remote_missing=[], steps=[], created_at=now, updated_at=now)
        session.add(case)
        _step(case, "received", now, f"{env.sender} #{case.remote_application_id}")
        session.flush()
        send_status(session, app, records.application_version(session, app_id), case, now)
    return {"status": "received", "application": app_id}, file_case


def _receive_decided(env: Envelope, now: datetime) -> Applied:
    body = env.body
    try:
        reported = partner_status(body.get("status"))
    except ValueError as err:
        raise Refusal("malformed", 422, f"决定消息不正确：{err}", f"The decision is malformed: {err}") from err

    def apply(session: Session) -> None:
        case = session.get(Case, int(body.get("application") or 0))
        if case is None or case.role != CaseRole.ACCEPTING or case.partner_zone != env.sender:
            raise Refusal("unknown_application", 422, "消息所指的申请不是转交给该开发区的申请",
                          "The message is about no application forwarded to that zone")
        version = int(body.get("version") or 0)
        if version < case.remote_version:  # an older status that arrived late changes nothing
            return
        case.remote_version = version
        case.remote_application_id = body.get("partner_application") or case.remote_application_id
        case.remote_status = reported.value
        case.remote_findings = list(body.get("findings") or [])
        case.remote_missing = list(body.get("missing_materials") or [])
        case.remote_due_on = body.get("materials_due_on")
        case.uscc = body.get("uscc")
        step_once(case, "received", now, f"{env.sender} #{case.remote_application_id}")
        if reported in (*QUEUED, *DECIDED):
            said = (Words(f"{env.sender} 已确认撤回", f"{env.sender} confirmed the withdrawal")
                    if reported == Status.WITHDRAWN else
                    Words.joined([Words(str(f.get("message_zh") or f.get("message", "")),
                                        str(f.get("message_en") or f.get("message", "")))
                                  for f in case.remote_findings]))
            _step(case, reported.value, now, said.text[:300], detail_zh=said.zh[:300], detail_en=said.en[:300])
        licence = body.get("licence")
        if isinstance(licence, Mapping) and licence.get("qr"):
            qr = str(licence["qr"])
            if licence.get("pdf"):  # a partner of the first release sends the PDF with the decision
                case.licence_pdf = bytes(licence["pdf"])
            elif qr != case.licence_qr:  # another licence: its PDF follows (application.licence_pdf)
                case.licence_pdf = None
            case.licence_qr, case.licence_cose = qr, bytes(licence.get("cose") or b"")
            if case.licence_delivered_at is None:
                case.licence_delivered_at = now
                _step(case, "licence_delivered", now, str(licence.get("uscc", "")))
        app = records.application_record(session, case.application_id)
        audit.record(session, [audit.event(app.zone_id if app else env.recipient, None, now,
                                           "application.partner_status", f"application:{case.application_id}",
                                           status=reported.value, uscc=case.uscc, message=env.id,
                                           licence=bool(case.licence_qr))])
    return {"status": "applied"}, apply


def _receive_licence_pdf(env: Envelope, now: datetime) -> Applied:
    """The signed PDF of a licence whose decision arrived before it: kept on the accepting case,
    which from then on serves it. A PDF of a licence the case no longer holds (a newer version came
    meanwhile) changes nothing."""
    body = env.body
    pdf = body.get("pdf")
    if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF-"):
        raise Refusal("malformed", 422, "营业执照 PDF 缺失或不是 PDF 文件", "The licence PDF is missing or not a PDF")

    def apply(session: Session) -> None:
        case = session.get(Case, int(body.get("application") or 0))
        if case is None or case.role != CaseRole.ACCEPTING or case.partner_zone != env.sender:
            raise Refusal("unknown_application", 422, "消息所指的申请不是转交给该开发区的申请",
                          "The message is about no application forwarded to that zone")
        if not case.licence_qr:
            raise Refusal("unknown_licence", 422, "该申请尚未收到营业执照，不能接收其 PDF",
                          "No licence was delivered for this application; its PDF cannot be taken")
        if str(body.get("qr") or "") != case.licence_qr:
            return  # the PDF of a licence superseded meanwhile
        case.licence_pdf = pdf
        _step(case, PDF_DELIVERED, now, str(body.get("uscc") or ""))
        app = records.application_record(session, case.application_id)
        audit.record(session, [audit.event(app.zone_id if app else env.recipient, None, now,
                                           "application.partner_licence_pdf", f"application:{case.application_id}",
                                           uscc=case.uscc, message=env.id, sha256=hashlib.sha256(pdf).hexdigest())])
    return {"status": "applied"}, apply


def _receive_material(db: Database, standard: MatterStandard, env: Envelope, now: datetime, data_dir: Any,
                      max_bytes: int) -> Applied:
    body = env.body
    app_id = int(body.get("application") or 0)
    content = bytes(body.get("content") or b"")
    with db.read() as session:
        case = session.get(Case, app_id)
        if case is None or case.role != CaseRole.ISSUING or case.partner_zone != env.sender:
            raise unknown_forwarded_application()
        actor = partner_actor(session, env.sender)
        done = records.has_upload(session, app_id, hashlib.sha256(content).hexdigest())
    if not done:
        registration.supply_material(db, standard, actor, app_id, str(body.get("material")),
                                     str(body.get("filename") or "material"), content, now, data_dir, max_bytes)
    return {"status": "supplied", "application": app_id}, lambda session: None


def checked_following_keys(db: Database, standard: MatterStandard, data: bytes, zones: frozenset[str],
                           now: datetime) -> Envelope:
    """``check_message`` against the partners' keys; a message signed with a key the receiver does
    not know makes it follow the sender's signed trust list (a rotation) and check again. When the
    list could not be read just now, the answer is 503 ``keys_unavailable``: the sender tries again."""
    revoked = network.revoked_kids(db)
    try:
        return check_message(data, partner_store.partner_keys(db), zones, standard.digest, revoked)
    except Refusal as err:
        if err.reason != "bad_signature":
            raise
        envelope, kid, _, _ = open_envelope(data)
        known = partner_store.partner_keys(db).get(envelope.sender)
        if known is None or known.trust_list.key(kid) is not None:
            raise  # a known key that does not verify: no newer list changes that
        if network.is_network_partner(known.source):
            raise keys_unavailable(envelope.sender) from err  # its keys come with the next configuration
        followed = partner_store.follow_keys(db, standard, envelope.sender, now, envelope.sent)
        if followed is partner_store.Followed.UNAVAILABLE:
            raise keys_unavailable(envelope.sender) from err
        if followed is partner_store.Followed.SAME:
            raise
    return check_message(data, partner_store.partner_keys(db), zones, standard.digest, revoked)


def receive(db: Database, standard: MatterStandard, data: bytes, now: datetime, *, data_dir: Any = None,
            max_bytes: int = 10 * 1024 * 1024, receivers: Mapping[str, Receiver] | None = None,
            client: str = "") -> tuple[bytes, bool]:
    """Check a message, apply it once, answer with a signed receipt: ``(receipt, replayed)``.

    The kinds this module applies itself (an application forwarded, decided, a material) are
    joined by ``receivers``, those that other modules of the package apply (``yima.federation.inbox``
    passes them all).

    Nothing is written before the signature is checked against the partner's keys. A refusal is
    raised and logged (``yima.federation.refusals``: the request log, rate-limited per ``client``
    address), never recorded in the audit chain. An accepted message is kept as received (the
    message log) with its receipt. A message id seen before is answered with the receipt first
    given."""
    with db.read() as session:
        zones = partner_store.local_zones(session)
    try:
        network.network_closed(db, now)  # an expired network configuration: nothing is accepted
        env = checked_following_keys(db, standard, data, zones, now)
        with db.read() as session:
            seen = session.get(InboxMessage, env.id)
            if seen is not None:
                log.info("message %s from %s received again: answered with its first receipt", env.id, env.sender)
                return seen.receipt, True
        check_fresh(env, now)
        if env.kind == RECEIPT:
            raise Refusal("unexpected_kind", 422, "回执只能作为应答，不能单独发送",
                          "A receipt is an answer, not a message")
        if env.kind == "application.forwarded":
            result, apply = _receive_forwarded(db, standard, env, now)
        elif env.kind == "application.decided":
            result, apply = _receive_decided(env, now)
        elif env.kind == LICENCE_PDF:
            result, apply = _receive_licence_pdf(env, now)
        elif env.kind == "application.material":
            result, apply = _receive_material(db, standard, env, now, data_dir, max_bytes)
        elif receivers and env.kind in receivers:
            result, apply = receivers[env.kind](db, standard, env, now)
        else:
            raise Refusal("unexpected_kind", 422, f"本平台不处理 {env.kind} 消息",
                          f"This instance does not handle {env.kind} messages")
        digest = hashlib.sha256(data).hexdigest()
        with db.write() as session:
            seen = session.get(InboxMessage, env.id)
            if seen is not None:
                log.info("message %s from %s received again while it was applied: answered with its first receipt",
                         env.id, env.sender)
                return seen.receipt, True
            apply(session)
            receipt_env = new_message(RECEIPT, env.recipient, env.sender, standard.digest,
                                      {"message": env.id, "kind": env.kind, "sha256": digest, "result": result}, now)
            receipt = sign(session, receipt_env)
            receipt_sha256 = hashlib.sha256(receipt).hexdigest()
            session.add(InboxMessage(id=env.id, sender=env.sender, recipient=env.recipient, kind=env.kind,
                                     sha256=digest, received_at=now, receipt=receipt, message=data,
                                     receipt_sha256=receipt_sha256))
            audit.record(session, [audit.event(env.recipient, None, now, "federation.message_received",
                                               f"message:{env.id}", kind=env.kind, sender=env.sender,
                                               sha256=digest, receipt=receipt_env.id,
                                               receipt_sha256=receipt_sha256)])
            pending = list(session.info.pop(OUTBOX_KEY, []))
    except DomainError as err:
        log_refusal(client or "local", data, err)
        raise
    for message_id in pending:
        after_commit(db, standard, message_id)
    return receipt, False


def decode_body(payload: bytes) -> dict[str, Any]:
    return dict(cbor2.loads(payload))

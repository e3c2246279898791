"""Delivering the outbox: each partner its own lane; a message signed once, sent until its signed
receipt acknowledges exactly those bytes, refused for good, or expired.

A message is sent right after the transaction that wrote it commits, and, until it is settled,
again by the delivery loop of ``yima serve`` (and by ``yima jobs run``). Every partner has its own
lane: at most one worker per partner and process claims that partner's messages, oldest first, and
sends up to ``SENDERS`` of them at once, so a slow or dead partner holds up only its own and a busy
partner is not served one round trip at a time. A message about an application waits, unclaimed,
while an earlier message about it to the same partner is still pending: those about one
application go in the order they were written (a withdrawal never overtakes its forward, a licence
PDF never its decision).

The first attempt signs the message and keeps the signed bytes (``signed``, ``sha256``); every
later attempt sends those same bytes. The partner's signed receipt names the SHA-256 of what it
received; unless that equals the digest of the bytes sent, the message is not delivered. An answer
4xx other than 408 and 429 is a refusal that sending again cannot change: the message becomes a
dead letter (``dead``, with the partner's reason), shown to the officers and the applicant. A
message not delivered by ``expires_at`` (``YIMA_MESSAGE_TTL_H`` after it was written) becomes
``expired``. Other failures back off exponentially with jitter, capped at 30 seconds.

Claiming sets a lease (``next_attempt_at`` moves ``LEASE`` ahead) in a short transaction; on
PostgreSQL the claim reads with ``FOR UPDATE SKIP LOCKED``, so several app processes claim
different messages and none is sent twice at once. Right before each send the lease is renewed
only if it is still the one this process set (compare and set on ``next_attempt_at``), unless the
send starts within ``FRESH_LEASE`` of the claim (the claim's lease then covers it). The
receiver applies a message id once and answers a repeat with its first receipt, so a copy resent
after a crash changes nothing there.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import cbor2
import httpx
from sqlalchemy import exists, select, update
from sqlalchemy.orm import aliased

from yima.actors import Actor, may_work_zone
from yima.audit import service as audit
from yima.clock import as_utc, utcnow
from yima.config import get_settings
from yima.db import Database
from yima.errors import Conflict, DomainError, NotFound
from yima.federation import network, service, withdrawal
from yima.federation.model import (
    LICENCE_PDF,
    RECEIPT,
    WITHDRAWN,
    DeliveryRefusal,
    Envelope,
    envelope_from_payload,
    new_message,
)
from yima.federation.rules import backoff_seconds, is_permanent
from yima.federation.states import UNDELIVERED, CaseRole, MessageState, may_move
from yima.federation.tables import PDF_DUE, Case, OutboxMessage, Partner
from yima.licences import documents
from yima.outbound import tls
from yima.registration import records
from yima.standard.model import MatterStandard

log = logging.getLogger("yima.federation")
LEASE = timedelta(seconds=30)
HTTP_TIMEOUT_SECONDS = 15.0
FRESH_LEASE = timedelta(seconds=10)
"""A send that starts this soon after its claim needs no renewed lease: the claim's lease outlasts
its whole attempt (the HTTP timeout, signing and settling it) and no other process can have
claimed the message meanwhile."""
SENDERS = 4
"""Messages of one partner's lane in flight at once (each about another application)."""
POLL_SECONDS = 0.5
BATCH = 20
MESSAGES_PATH = "/api/v1/federation/messages"
Transport = Callable[[str, bytes], tuple[int, dict[str, Any]]]
"""``(partner base URL, signed message) -> (HTTP status, JSON answer)``."""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def http_transport(url: str, message: bytes) -> tuple[int, dict[str, Any]]:
    response = httpx.post(url + MESSAGES_PATH, json={"message": b64(message)}, timeout=HTTP_TIMEOUT_SECONDS,
                          follow_redirects=False, verify=tls())
    try:
        answer = response.json()
    except ValueError:
        answer = {"error": "not_json", "message": response.text[:200]}
    return response.status_code, answer if isinstance(answer, dict) else {"answer": answer}


def _due(now: datetime, recipient: str | None = None, only: str | None = None) -> Any:
    """Pending messages whose next attempt is due, none waiting behind an earlier pending message
    about the same application to the same partner."""
    earlier = aliased(OutboxMessage)
    blocked = exists().where(earlier.application_id == OutboxMessage.application_id,
                             earlier.recipient == OutboxMessage.recipient, earlier.state == MessageState.PENDING,
                             earlier.created_at < OutboxMessage.created_at)
    query = select(OutboxMessage.id).where(OutboxMessage.state == MessageState.PENDING,
                                           OutboxMessage.next_attempt_at <= now, ~blocked)
    if recipient is not None:
        query = query.where(OutboxMessage.recipient == recipient)
    if only is not None:
        query = query.where(OutboxMessage.id == only)
    return query


def claim(db: Database, now: datetime, limit: int = BATCH, only: str | None = None,
          recipient: str | None = None) -> list[str]:
    """The ids of due messages (of one partner, if given), oldest first, leased to this process."""
    query = _due(now, recipient, only).order_by(OutboxMessage.created_at).limit(limit)
    if not db.is_sqlite:
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    with db.write() as session:
        ids = list(session.scalars(query))
        if ids:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(next_attempt_at=now + LEASE).execution_options(synchronize_session=False))
        return ids


def due_partners(db: Database, now: datetime) -> list[str]:
    """The partners with a message due now."""
    with db.read() as session:
        return sorted(session.scalars(select(OutboxMessage.recipient).distinct().where(
            OutboxMessage.state == MessageState.PENDING, OutboxMessage.next_attempt_at <= now)))


def renew_lease(db: Database, message_id: str, lease: datetime, now: datetime) -> bool:
    """Extend this process's lease on a message to ``now + LEASE``; False when the lease is no
    longer ours (another process claimed the message after ours ran out) or it was settled."""
    with db.write() as session:
        renewed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.state == MessageState.PENDING,
                   OutboxMessage.next_attempt_at == lease)
            .values(next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False))
        return bool(getattr(renewed, "rowcount", 0))


def _with_pdf(db: Database, standard: MatterStandard, envelope: Envelope, application_id: int | None,
              now: datetime) -> Envelope:
    """A status queued by the first release that carries a licence travels with the signed licence
    PDF (``licence_pdf``); one queued since says ``pdf_follows``: its PDF goes as a message of its own."""
    licence = envelope.body.get("licence")
    if (envelope.kind != "application.decided" or not isinstance(licence, dict) or licence.get("pdf")
            or licence.get("pdf_follows")):
        return envelope
    pdf = licence_pdf(db, standard, application_id, str(licence["uscc"]), str(licence.get("qr") or ""), now)
    return envelope.with_body({**envelope.body, "licence": {**licence, "pdf": pdf}})


def licence_pdf(db: Database, standard: MatterStandard, application_id: int | None, uscc: str, qr: str,
                now: datetime) -> bytes:
    """The signed PDF of the licence a decision sent back carries, rendered once and kept on the
    issuing case (``licence_pdf``, for the licence whose QR text is ``licence_qr``): every message
    that carries that licence, a resend signed anew after its expiry included, carries the same
    bytes. A case rendered by two processes at once keeps the first one's PDF."""
    with db.read() as session:
        case = session.get(Case, application_id) if application_id else None
        if case is not None and case.role == CaseRole.ISSUING and case.licence_pdf and case.licence_qr == qr:
            return case.licence_pdf
    pdf = documents.signed_licence_pdf(db, standard, uscc, now)
    if case is None or case.role != CaseRole.ISSUING:
        return pdf
    with db.write() as session:
        case = session.get(Case, application_id)
        if case is None:
            return pdf
        if case.licence_pdf and case.licence_qr == qr:  # another process rendered it meanwhile
            return case.licence_pdf
        case.licence_pdf, case.licence_qr, case.uscc = pdf, qr, uscc
    return pdf


def licences_to_render(db: Database, limit: int = BATCH, skip: Collection[int] = ()) -> list[int]:
    """The issuing cases whose licence PDF is still to be made (noted in their decision's
    transaction, ``service.licence_to_render``), oldest first, but those in ``skip``."""
    query = select(Case.application_id).where(*PDF_DUE)
    if skip:
        query = query.where(Case.application_id.not_in(list(skip)))
    with db.read() as session:
        return list(session.scalars(query.order_by(Case.application_id).limit(limit)))


def render_licence(db: Database, standard: MatterStandard, application_id: int, now: datetime) -> str | None:
    """Make the signed PDF of the licence an issuing case notes, outside any transaction, then in
    one short transaction keep it on the case and queue it for the accepting zone as an
    ``application.licence_pdf`` message (after the decision that carried the licence, so it is
    sent after it). The id of that message; None when there was nothing to make (made already,
    by another process meanwhile included, or the case now notes another licence)."""
    with db.read() as session:
        case = session.get(Case, application_id)
        if case is None or case.role != CaseRole.ISSUING or not case.licence_qr or not case.uscc or case.licence_pdf:
            return None
        qr, uscc = case.licence_qr, case.uscc
    pdf = documents.signed_licence_pdf(db, standard, uscc, now)
    with db.write() as session:
        case = session.get(Case, application_id)
        app = records.application_record(session, application_id)
        if case is None or app is None or case.licence_pdf or case.licence_qr != qr:
            return None
        case.licence_pdf = pdf
        envelope = new_message(LICENCE_PDF, app.zone_id, case.partner_zone, app.standard_digest,
                               {"application": case.remote_application_id, "partner_application": application_id,
                                "uscc": uscc, "qr": qr, "pdf": pdf}, now)
        service.queue(session, envelope, application_id)
        session.info.pop(service.OUTBOX_KEY, None)
    return envelope.id


def render_due(db: Database, standard: MatterStandard, now: datetime, limit: int = BATCH,
               skip: Collection[int] = (), failed: set[int] | None = None) -> list[str]:
    """Make the licence PDFs still to be made (up to ``limit``, but those in ``skip``): the ids of
    the messages queued. A licence that cannot be made is logged, added to ``failed`` and left for
    a later round; it does not hold up the others."""
    queued = []
    for application_id in licences_to_render(db, limit, skip):
        try:
            message_id = render_licence(db, standard, application_id, now)
        except Exception:
            log.exception("making the licence PDF of application %s failed", application_id)
            if failed is not None:
                failed.add(application_id)
            continue
        if message_id is not None:
            queued.append(message_id)
    return queued


def sign_once(db: Database, standard: MatterStandard, message_id: str, now: datetime) -> tuple[bytes, str]:
    """The message's signed bytes and their SHA-256: signed now and kept, or as kept before."""
    with db.read() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        if row.signed is not None:
            return row.signed, row.sha256
        envelope = envelope_from_payload(cbor2.loads(row.payload)).resent(now)
        if envelope.expires is None and row.expires_at is not None:  # written before messages expired
            envelope = envelope.expiring(as_utc(row.expires_at))
        application_id = row.application_id
    envelope = _with_pdf(db, standard, envelope, application_id, now)
    with db.write() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        if row.signed is not None:  # another process signed it meanwhile: its bytes are the message
            return row.signed, row.sha256
        signed = service.sign(session, envelope)
        row.signed, row.sha256, row.signed_at = signed, hashlib.sha256(signed).hexdigest(), now
        return signed, row.sha256


def deliver_one(db: Database, message_id: str, standard: MatterStandard,
                transport: Transport = http_transport, now: datetime | None = None) -> bool:
    """One attempt; True when a receipt for exactly the bytes sent came back and was kept. ``now``
    is the clock (the demo's 2021 history passes its own)."""
    now = now or utcnow()
    with db.read() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.state != MessageState.PENDING:
            return row is not None and row.state == MessageState.DELIVERED
        partner = session.get(Partner, row.recipient)
        recipient, sender, expires = row.recipient, row.sender, row.expires_at
    if expires is not None and as_utc(expires) <= now:
        settle(db, message_id, MessageState.EXPIRED, _expired_refusal(as_utc(expires)), now)
        return False
    if partner is None:
        settle(db, message_id, MessageState.DEAD, refusal_words(None, "federation.not_partner",
                                                     f"{recipient} 已不是本区的合作伙伴",
                                                     f"{recipient} is no longer a partner of this zone"), now)
        return False
    closed = network.closed_reason(db, now)
    if closed:  # fail closed: tried again once the configuration is fresh
        _failed(db, message_id, closed, now)
        return False
    try:
        signed, sent_sha256 = sign_once(db, standard, message_id, now)
        status, answer = transport(partner.url, signed)
    except (httpx.HTTPError, OSError, DomainError) as err:
        _failed(db, message_id, f"{err.__class__.__name__}: {err}", now)
        return False
    if status != 200:
        error = f"HTTP {status} {answer.get('error', '')}: {answer.get('message', '')}"
        if is_permanent(status):
            settle(db, message_id, MessageState.DEAD, refusal_of(status, answer), now, error)
        else:
            _failed(db, message_id, error, now)
        return False
    try:
        receipt = unb64(str(answer["receipt"]))
        answered = service.checked_following_keys(db, standard, receipt, frozenset({sender}), now)
        if answered.sender != partner.zone_id:
            raise ValueError(f"the receipt is signed by {answered.sender}, not {partner.zone_id}")
        if answered.kind != RECEIPT or answered.body.get("message") != message_id:
            raise ValueError("the answer is not a receipt for this message")
    except (KeyError, ValueError, DomainError) as err:
        _failed(db, message_id, f"receipt refused: {err}", now)
        return False
    if answered.body.get("sha256") != sent_sha256:
        _failed(db, message_id, f"receipt digest mismatch: the receipt acknowledges {answered.body.get('sha256')}, "
                                f"the bytes sent have {sent_sha256}", now)
        return False
    _delivered(db, message_id, receipt, answered, sent_sha256, now)
    return True


def _printable(text: object, limit: int = 300) -> str:
    """A partner's words, shown here: printable characters only, bounded."""
    return "".join(ch for ch in str(text or "") if ch.isprintable())[:limit]


def refusal_words(status: int | None, error: str, zh: str, en: str) -> DeliveryRefusal:
    return DeliveryRefusal(status, _printable(error, 80), _printable(zh), _printable(en))


def refusal_of(status: int, answer: Mapping[str, Any]) -> DeliveryRefusal:
    """What the partner said when it refused: its rule and its words in both languages."""
    detail = answer.get("detail")
    first = detail[0] if isinstance(detail, list) and detail and isinstance(detail[0], Mapping) else {}
    message = answer.get("message") or ""
    return refusal_words(status, str(answer.get("error") or first.get("rule") or f"http.{status}"),
                         first.get("message_zh") or message or f"HTTP {status}",
                         first.get("message_en") or message or f"HTTP {status}")


def _expired_refusal(expires: datetime) -> DeliveryRefusal:
    return refusal_words(None, "federation.expired", f"消息在有效期内（至 {expires:%Y-%m-%d %H:%M}Z）未能送达",
                         f"The message could not be delivered before it expired ({expires:%Y-%m-%d %H:%M}Z)")


def _failed(db: Database, message_id: str, error: str, now: datetime) -> None:
    with db.write() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.state != MessageState.PENDING:
            return
        row.attempts += 1
        row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts, random.uniform(0.5, 1.0)))
        row.last_error = error[:2000]
    log.info("message %s to %s not delivered (attempt %d): %s", message_id, row.recipient, row.attempts, error)


def settle(db: Database, message_id: str, state: MessageState, refusal: DeliveryRefusal, now: datetime,
           error: str = "") -> None:
    """The message stops being tried: ``dead`` (refused for good) or ``expired``; its application's
    case shows it to the applicant and the officers."""
    if state not in UNDELIVERED:
        raise ValueError(f"a message settles as dead or expired, not {state}")
    with db.write() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or not may_move(row.state, state):
            return
        row.state, row.refusal, row.closed_at = state, refusal.as_json(), now
        row.last_error = (error or f"{refusal.error}: {refusal.message_en}")[:2000]
        if state is MessageState.DEAD:
            row.attempts += 1
        audit.record(session, [audit.event(row.sender, None, now, f"federation.message_{state}",
                                           f"message:{message_id}", kind=row.kind, to=row.recipient,
                                           status=refusal.status, error=refusal.error,
                                           sha256=row.sha256 or None)])
        case = session.get(Case, row.application_id) if row.application_id else None
        if case is not None:
            service.dead_letter(case, row.kind, state, refusal, now)
    log.warning("message %s (%s) to %s %s: %s", message_id, row.kind, row.recipient, state, row.last_error)


def expire_due(db: Database, now: datetime) -> int:
    """Every pending message past its expiry becomes ``expired``; how many did."""
    with db.read() as session:
        found = list(session.execute(select(OutboxMessage.id, OutboxMessage.expires_at).where(
            OutboxMessage.state == MessageState.PENDING, OutboxMessage.expires_at <= now)).all())
    for message_id, expires in found:
        settle(db, message_id, MessageState.EXPIRED, _expired_refusal(as_utc(expires or now)), now)
    return len(found)


def _delivered(db: Database, message_id: str, receipt: bytes, answered: Envelope, sent_sha256: str,
               now: datetime) -> None:
    receipt_sha256 = hashlib.sha256(receipt).hexdigest()
    with db.write() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or not may_move(row.state, MessageState.DELIVERED):
            return
        row.delivered_at, row.receipt, row.last_error, row.state = now, receipt, "", MessageState.DELIVERED
        row.receipt_sha256, row.closed_at = receipt_sha256, now
        row.attempts += 1
        log.info("message %s (%s) delivered to %s after %d attempt(s)", message_id, row.kind, row.recipient,
                 row.attempts)
        audit.record(session, [audit.event(row.sender, None, now, "federation.message_delivered",
                                           f"message:{message_id}", kind=row.kind, to=row.recipient,
                                           sent_sha256=sent_sha256, received_sha256=answered.body.get("sha256"),
                                           receipt=answered.id, receipt_sha256=receipt_sha256)])
        case = session.get(Case, row.application_id) if row.application_id else None
        if case is not None and case.role == CaseRole.ACCEPTING and row.kind == "application.forwarded":
            result = answered.body.get("result") or {}
            case.remote_application_id = case.remote_application_id or result.get("application")
            service.step_once(case, "received", now, f"{row.recipient} #{result.get('application')}")
        elif case is not None and case.role == CaseRole.ACCEPTING and row.kind == WITHDRAWN:
            withdrawal.on_receipt(session, case, answered.body.get("result") or {}, now)


def deliver_due(db: Database, now: datetime, *, standard: MatterStandard, limit: int = BATCH,
                only: str | None = None, transport: Transport = http_transport,
                recipient: str | None = None) -> tuple[int, int]:
    """Claim and send what is due (to one partner, if given): ``(delivered, attempted)``. Expired
    messages are settled first. Up to ``SENDERS`` of the messages claimed are in flight at once:
    no two of them are about one application (a message is not claimed while an earlier one about
    its application is pending), so those about one application still go in the order written.
    A send that starts more than ``FRESH_LEASE`` after the claim first renews the lease."""
    expire_due(db, now)
    ids = claim(db, now, limit, only, recipient)
    claimed, lease = time.monotonic(), now + LEASE

    def send(message_id: str) -> bool:
        fresh = time.monotonic() - claimed < FRESH_LEASE.total_seconds()
        if fresh or renew_lease(db, message_id, lease, max(now, utcnow())):
            return deliver_one(db, message_id, standard, transport, now)
        log.info("message %s left to the process that claimed it after this one's lease ran out", message_id)
        return False

    if len(ids) <= 1 or SENDERS <= 1:
        return sum(send(message_id) for message_id in ids), len(ids)
    with ThreadPoolExecutor(max_workers=min(SENDERS, len(ids)), thread_name_prefix="yima-outbox-send") as pool:
        return sum(pool.map(send, ids)), len(ids)


def deliver_every_partner(db: Database, now: datetime, *, standard: MatterStandard,
                          limit: int = 500, transport: Transport = http_transport) -> tuple[int, int]:
    """What is due for every partner, each partner in its own thread: ``(delivered, attempted)``."""
    expire_due(db, now)
    found = due_partners(db, now)
    if not found:
        return 0, 0
    with ThreadPoolExecutor(max_workers=min(16, len(found)), thread_name_prefix="yima-outbox") as pool:
        results = list(pool.map(lambda partner: deliver_due(db, now, standard=standard, limit=limit,
                                                            transport=transport, recipient=partner), found))
    return sum(r[0] for r in results), sum(r[1] for r in results)


def deliver_outbox_job(db: Database, standard: MatterStandard, now: datetime) -> list[str]:
    rendered = render_due(db, standard, now, limit=500)
    delivered, attempted = deliver_every_partner(db, now, standard=standard)
    with db.read() as session:
        late = [m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.state == MessageState.PENDING))
                if now - as_utc(m.created_at) > timedelta(days=1)]
        dead = len(list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.state.in_(UNDELIVERED)))))
    lines = [f"federation: delivered {delivered} of {attempted} due message(s)"]
    if rendered:
        lines.insert(0, f"federation: made {len(rendered)} licence PDF(s) still to be made")
    if late:
        lines.append(f"federation: {len(late)} message(s) undelivered for more than a day")
    if dead:
        lines.append(f"federation: {dead} dead letter(s) (refused by the partner or expired)")
    return lines


class Lanes:
    """One lane per partner in this process: at most one worker thread sends a partner's messages,
    batch after batch while there are any due; a partner that does not answer holds up only its own
    lane."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: set[tuple[str, str]] = set()
        self._again: set[tuple[str, str]] = set()

    def wake(self, db: Database, partner: str, standard: MatterStandard) -> None:
        lane = (db.url, partner)
        with self._lock:
            if lane in self._busy:
                self._again.add(lane)  # the running worker looks again before it stops
                return
            self._busy.add(lane)
        threading.Thread(target=self._work, args=(db, partner, standard, lane), daemon=True,
                         name=f"yima-outbox-{partner}").start()

    def _work(self, db: Database, partner: str, standard: MatterStandard, lane: tuple[str, str]) -> None:
        try:
            while True:
                delivered, attempted = deliver_due(db, utcnow(), standard=standard, recipient=partner)
                with self._lock:  # a delivery may have let a message about the same application go
                    if attempted < BATCH and not delivered and lane not in self._again:
                        self._busy.discard(lane)
                        return
                    self._again.discard(lane)
        except Exception:  # the loop wakes the lane again; a failure must not leave it marked busy
            log.exception("delivering to %s failed", partner)
            with self._lock:
                self._busy.discard(lane)
                self._again.discard(lane)

    def busy(self) -> set[str]:
        with self._lock:
            return {partner for _, partner in self._busy}


LANES = Lanes()


class Renderer:
    """One worker per database in this process makes the licence PDFs still to be made, one after
    another and apart from the lanes: no lane waits for a rendering. The licence itself has gone
    with its decision, so the PDF yields to the messages: a PDF is made once no lane of this
    process is sending, or once it has waited ``RENDER_YIELD_SECONDS`` (under steady load the PDFs
    follow that much later, they are not starved)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: set[str] = set()
        self._again: set[str] = set()
        self._failed: dict[tuple[str, int], float] = {}  # a licence that could not be made: when
        self._seen: dict[tuple[str, int], float] = {}  # a licence to make: when this process saw it

    def _skip(self, db: Database) -> set[int]:
        """The licences of this database whose making failed less than ``RENDER_RETRY_SECONDS`` ago."""
        now = time.monotonic()
        with self._lock:
            for key in [k for k, at in self._failed.items() if now - at > RENDER_RETRY_SECONDS]:
                del self._failed[key]
            return {app for url, app in self._failed if url == db.url}

    def idle(self) -> bool:
        """Whether no worker of this process is making licence PDFs (woken ones included: a wake
        marks its database busy before the waking call returns)."""
        with self._lock:
            return not self._busy

    def due(self, db: Database) -> bool:
        """Whether a licence PDF of this database is to be made that is not waiting to be retried."""
        return bool(licences_to_render(db, 1, self._skip(db)))

    def wake(self, db: Database, standard: MatterStandard) -> None:
        with self._lock:
            if db.url in self._busy:
                self._again.add(db.url)
                return
            self._busy.add(db.url)
        threading.Thread(target=self._work, args=(db, standard), daemon=True, name="yima-licence-pdf").start()

    def _when_lanes_quiet(self, db: Database, application_id: int) -> None:
        seen = self._seen.setdefault((db.url, application_id), time.monotonic())
        while LANES.busy() and time.monotonic() - seen < RENDER_YIELD_SECONDS:
            time.sleep(RENDER_YIELD_STEP_SECONDS)

    def _render(self, db: Database, standard: MatterStandard, application_id: int) -> None:
        self._when_lanes_quiet(db, application_id)
        try:
            message_id = render_licence(db, standard, application_id, utcnow())
        except Exception:
            log.exception("making the licence PDF of application %s failed", application_id)
            with self._lock:
                self._failed[(db.url, application_id)] = time.monotonic()
            return
        finally:
            self._seen.pop((db.url, application_id), None)
        if message_id is not None:
            service.after_commit(db, standard, message_id)

    def _work(self, db: Database, standard: MatterStandard) -> None:
        try:
            while True:
                found = licences_to_render(db, BATCH, self._skip(db))
                for application_id in found:
                    self._render(db, standard, application_id)
                with self._lock:
                    if not found and db.url not in self._again:
                        self._busy.discard(db.url)
                        return
                    self._again.discard(db.url)
        except Exception:  # the delivery loop wakes it again; a failure must not leave it marked busy
            log.exception("making licence PDFs failed")
            with self._lock:
                self._busy.discard(db.url)
                self._again.discard(db.url)


RENDERER = Renderer()
RENDER_RETRY_SECONDS = 60.0
"""A licence PDF that could not be made is tried again after this long."""
RENDER_YIELD_SECONDS = 5.0
"""How long a licence PDF to make waits at most for this process's lanes to stop sending."""
RENDER_YIELD_STEP_SECONDS = 0.02


def send_now(db: Database, standard: MatterStandard, message_id: str) -> None:
    """Right after the transaction that wrote the message commits: wake its partner's lane, and
    for a decision the renderer, which makes the PDF of a licence it carries."""
    try:
        with db.read() as session:
            found = session.execute(select(OutboxMessage.recipient, OutboxMessage.kind)
                                    .where(OutboxMessage.id == message_id)).first()
        if found is not None:
            LANES.wake(db, found.recipient, standard)
            if found.kind == "application.decided":
                RENDERER.wake(db, standard)
    except Exception:  # the delivery loop sends it; a failure here must not reach the request
        log.exception("sending message %s right after its commit failed", message_id)


def delivery_loop(url: str, standard: MatterStandard, stop: threading.Event) -> None:
    """The delivery loop of ``yima serve``: every ``POLL_SECONDS`` it settles expired messages and
    wakes the lane of each partner with a message due, and the renderer when a licence PDF is still
    to be made (a decision by an officer's request, or one whose process stopped before it was made)."""
    db = Database(url)
    while not stop.is_set():
        try:
            now = utcnow()
            expire_due(db, now)
            for partner in due_partners(db, now):
                LANES.wake(db, partner, standard)
            if RENDERER.due(db):
                RENDERER.wake(db, standard)
        except Exception:  # a failing round must not stop the loop; it is logged and retried
            log.exception("outbox delivery failed")
        stop.wait(POLL_SECONDS)
    db.dispose()


def resend(db: Database, standard: MatterStandard, actor: Actor, message_id: str, now: datetime) -> str:
    """An officer sends a dead or expired message again once its cause is fixed (the partner added
    back, its keys followed, it is up again): pending again, due now. The same signed bytes go
    while their expiry lasts; past it, the message is signed anew with a fresh expiry
    (``YIMA_MESSAGE_TTL_H``). Audited (``federation.message_resent``); the case's dead letter is
    set aside."""
    with db.write() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or not may_work_zone(actor, row.sender):
            raise NotFound("federation.message_unknown", "id", "没有这条消息", "No such message")
        if not may_move(row.state, MessageState.PENDING):
            raise Conflict("federation.not_dead", "id", f"消息状态为 {row.state}，只有未送达的消息可以重发",
                           f"The message is {row.state}; only a dead or expired message is sent again")
        expires = now + timedelta(hours=get_settings().message_ttl_h)
        envelope = envelope_from_payload(cbor2.loads(row.payload))
        renewed = envelope.expires is None or envelope.expires <= now + LEASE
        if renewed:
            row.payload = envelope.expiring(expires).payload()
            row.signed, row.sha256, row.signed_at = None, "", None
        previous = {"state": row.state, "error": (row.refusal or {}).get("error"), "sha256": row.sha256 or None}
        row.state, row.refusal, row.closed_at, row.next_attempt_at = MessageState.PENDING, None, None, now
        row.expires_at = expires if renewed else row.expires_at
        row.last_error = f"resent by {actor.username} after: {previous['error'] or previous['state']}"[:2000]
        audit.record(session, [audit.event(row.sender, actor, now, "federation.message_resent",
                                           f"message:{message_id}", kind=row.kind, to=row.recipient,
                                           signed_anew=renewed, **previous)])
        case = session.get(Case, row.application_id) if row.application_id else None
        if case is not None:
            service.resent(case, row.kind, now)
        recipient = row.recipient
    service.after_commit(db, standard, message_id)  # wakes its lane (unless sending is paused)
    return recipient

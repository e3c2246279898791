"""Delivering the outbox: claim what is due, sign a fresh copy, POST it, keep the signed receipt.

A message is sent right after the transaction that wrote it commits, and, until its receipt
arrives, again by the delivery loop of ``yima serve`` (and by ``yima jobs run``) with exponential
backoff capped at 30 seconds. Claiming sets a lease (``next_attempt_at`` moves ``LEASE`` ahead)
in a short transaction; on PostgreSQL the claim reads with ``FOR UPDATE SKIP LOCKED``, so several
app processes claim different messages and none is sent twice at once. Right before each send the
lease is renewed only if it is still the one this process set (compare and set on
``next_attempt_at``): a message whose lease ran out while earlier ones of the batch were sent, and
that another process has claimed since, is left to that process. The receiver applies a
message id once and answers a repeat with its first receipt, so a copy resent after a crash
changes nothing there.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import cbor2
import httpx
from sqlalchemy import select, update

from yima.audit import service as audit
from yima.clock import as_utc, utcnow
from yima.db import Database
from yima.errors import DomainError
from yima.federation import service, withdrawal
from yima.federation.model import RECEIPT, WITHDRAWN, Envelope, envelope_from_payload
from yima.federation.rules import PartnerKeys, backoff_seconds, check_message
from yima.federation.tables import Case, OutboxMessage, Partner
from yima.keys.trustlist import TrustList
from yima.licences import documents
from yima.standard import configured_standard
from yima.standard.model import MatterStandard

log = logging.getLogger("yima.federation")
LEASE = timedelta(seconds=30)
HTTP_TIMEOUT_SECONDS = 15.0
POLL_SECONDS = 0.5
MESSAGES_PATH = "/api/v1/federation/messages"
Transport = Callable[[str, bytes], tuple[int, dict[str, Any]]]
"""``(partner base URL, signed message) -> (HTTP status, JSON answer)``."""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def http_transport(url: str, message: bytes) -> tuple[int, dict[str, Any]]:
    response = httpx.post(url + MESSAGES_PATH, json={"message": b64(message)}, timeout=HTTP_TIMEOUT_SECONDS)
    try:
        answer = response.json()
    except ValueError:
        answer = {"error": "not_json", "message": response.text[:200]}
    return response.status_code, answer if isinstance(answer, dict) else {"answer": answer}


def claim(db: Database, now: datetime, limit: int = 20, only: str | None = None) -> list[str]:
    """The ids of due messages, leased to this process for ``LEASE``."""
    query = select(OutboxMessage).where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= now)
    if only is not None:
        query = query.where(OutboxMessage.id == only)
    query = query.order_by(OutboxMessage.created_at).limit(limit)
    if not db.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    with db.write() as session:
        rows = list(session.scalars(query))
        for row in rows:
            row.next_attempt_at = now + LEASE
        return [row.id for row in rows]


def renew_lease(db: Database, message_id: str, lease: datetime, now: datetime) -> bool:
    """Extend this process's lease on a message to ``now + LEASE``; False when the lease is no
    longer ours (another process claimed the message after ours ran out) or it was delivered."""
    with db.write() as session:
        renewed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None),
                   OutboxMessage.next_attempt_at == lease)
            .values(next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False))
        return bool(getattr(renewed, "rowcount", 0))


def _standard() -> MatterStandard:
    return configured_standard()


def _with_pdf(db: Database, standard: MatterStandard, envelope: Envelope, now: datetime) -> Envelope:
    """A status that carries a licence travels with the signed licence PDF, rendered when sent."""
    licence = envelope.body.get("licence")
    if envelope.kind != "application.decided" or not isinstance(licence, dict) or licence.get("pdf"):
        return envelope
    pdf = documents.signed_licence_pdf(db, standard, str(licence["uscc"]), now)
    return Envelope(envelope.id, envelope.kind, envelope.sender, envelope.recipient, envelope.created,
                    envelope.sent, envelope.standard, {**envelope.body, "licence": {**licence, "pdf": pdf}})


def deliver_one(db: Database, message_id: str, standard: MatterStandard | None = None,
                transport: Transport = http_transport, now: datetime | None = None) -> bool:
    """One attempt; True when the receipt came back and was kept. ``now`` is the clock (the
    demo's 2021 history passes its own)."""
    standard = standard or _standard()
    now = now or utcnow()
    with db.read() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.delivered_at is not None:
            return row is not None
        partner = session.get(Partner, row.recipient)
        envelope = envelope_from_payload(cbor2.loads(row.payload)).resent(now)
    if partner is None:
        _failed(db, message_id, f"{row.recipient} is no longer a partner", now)
        return False
    try:
        envelope = _with_pdf(db, standard, envelope, now)
        with db.read() as session:
            signed = service.sign(session, envelope)
        status, answer = transport(partner.url, signed)
    except (httpx.HTTPError, OSError, DomainError) as err:
        _failed(db, message_id, f"{err.__class__.__name__}: {err}", now)
        return False
    if status != 200:
        _failed(db, message_id, f"HTTP {status} {answer.get('error', '')}: {answer.get('message', '')}", now)
        return False
    try:
        receipt = unb64(str(answer["receipt"]))
        trust = PartnerKeys(partner.zone_id, envelope.sender, TrustList.from_dict(partner.trust_list))
        answered = check_message(receipt, {partner.zone_id: trust}, frozenset({envelope.sender}), standard.digest)
        if answered.kind != RECEIPT or answered.body.get("message") != message_id:
            raise ValueError("the answer is not a receipt for this message")
    except (KeyError, ValueError, DomainError) as err:
        _failed(db, message_id, f"receipt refused: {err}", now)
        return False
    _delivered(db, message_id, receipt, answered, hashlib.sha256(signed).hexdigest(), now)
    return True


def _failed(db: Database, message_id: str, error: str, now: datetime) -> None:
    with db.write() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.delivered_at is not None:
            return
        row.attempts += 1
        row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))
        row.last_error = error[:2000]
    log.info("message %s to %s not delivered (attempt %d): %s", message_id, row.recipient, row.attempts, error)


def _delivered(db: Database, message_id: str, receipt: bytes, answered: Envelope, sent_sha256: str,
               now: datetime) -> None:
    with db.write() as session:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.delivered_at is not None:
            return
        row.delivered_at, row.receipt, row.last_error = now, receipt, ""
        row.attempts += 1
        log.info("message %s (%s) delivered to %s after %d attempt(s)", message_id, row.kind, row.recipient,
                 row.attempts)
        audit.record(session, [audit.event(row.sender, None, now, "federation.message_delivered",
                                           f"message:{message_id}", kind=row.kind, to=row.recipient,
                                           sent_sha256=sent_sha256, received_sha256=answered.body.get("sha256"),
                                           receipt=answered.id, receipt_sha256=hashlib.sha256(receipt).hexdigest())])
        case = session.get(Case, row.application_id) if row.application_id else None
        if case is not None and case.role == "accepting" and row.kind == "application.forwarded":
            result = answered.body.get("result") or {}
            case.remote_application_id = case.remote_application_id or result.get("application")
            service.step_once(case, "received", now, f"{row.recipient} #{result.get('application')}")
        elif case is not None and case.role == "accepting" and row.kind == WITHDRAWN:
            withdrawal.on_receipt(session, case, answered.body.get("result") or {}, now)


def deliver_due(db: Database, now: datetime, *, standard: MatterStandard | None = None, limit: int = 20,
                only: str | None = None, transport: Transport = http_transport) -> tuple[int, int]:
    """Claim and send what is due: ``(delivered, attempted)``."""
    ids = claim(db, now, limit, only)
    lease = now + LEASE
    delivered = 0
    for message_id in ids:
        if renew_lease(db, message_id, lease, max(now, utcnow())):
            delivered += deliver_one(db, message_id, standard, transport, now)
        else:
            log.info("message %s left to the process that claimed it after this one's lease ran out", message_id)
    return delivered, len(ids)


def deliver_outbox_job(db: Database, now: datetime) -> list[str]:
    delivered, attempted = deliver_due(db, now, limit=500)
    with db.read() as session:
        late = [m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.delivered_at.is_(None)))
                if now - as_utc(m.created_at) > timedelta(days=1)]
    lines = [f"federation: delivered {delivered} of {attempted} due message(s)"]
    if late:
        lines.append(f"federation: {len(late)} message(s) undelivered for more than a day")
    return lines


_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="yima-outbox")


def send_now(db: Database, message_id: str) -> None:
    def run() -> None:
        try:
            deliver_due(db, utcnow(), only=message_id)
        except Exception:  # the delivery loop retries; a failure here must not reach the request
            log.exception("sending message %s right after its commit failed", message_id)
    _pool.submit(run)


def delivery_loop(url: str, stop: threading.Event) -> None:
    """The delivery loop of ``yima serve``: due messages every ``POLL_SECONDS``."""
    db = Database(url)
    standard = _standard()
    while not stop.is_set():
        try:
            deliver_due(db, utcnow(), standard=standard)
        except Exception:  # a failing round must not stop the loop; it is logged and retried
            log.exception("outbox delivery failed")
        stop.wait(POLL_SECONDS)
    db.dispose()


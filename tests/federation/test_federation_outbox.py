"""The accepting side's outbox on SQLite and PostgreSQL: the forwarded application and its message
are written together, delivery backs off after a failure, concurrent claims never overlap, and a
forward unanswered after a day is flagged."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from factories import NOW, application_body
from yima.audit.tables import AuditEntry
from yima.errors import Conflict, NotFound
from yima.federation import delivery, service, views
from yima.federation.model import RECEIPT, WITHDRAWN, envelope_from_payload, new_message
from yima.federation.rules import Refusal, check_fresh
from yima.federation.tables import Case, OutboxMessage, Partner
from yima.licences.cose import decode_cbor, decode_sign1, sign1
from yima.registration import records
from yima.registration import service as registration
from yima.registration.model import ApplicationIn
from yima.registration.status import Status
from yima.registration.tables import Application
from yima.registration.views import get_application


@pytest.fixture
def partner(guangzhou) -> str:
    """Guangzhou, a partner zone on another instance (only its trust list is known here)."""
    return "gz-gxq"


def gz_body(name: str = "广州云帆科技有限公司") -> ApplicationIn:
    return ApplicationIn.model_validate(application_body(zone="gz-gxq", name=name,
                                                         addresses=[{"text": "广州市天河区科韵路16号",
                                                                     "proof": "commitment"}]))


def test_a_forward_stores_the_application_and_its_message_in_one_transaction(db, people, standard, partner) -> None:
    with service.sending_paused():
        view = registration.submit_with_view(db, standard, people["alice"], gz_body(), NOW).as_json()
    assert view["status"] == "forwarded" and view["zone"] == "gz-gxq" and view["accepting_zone"] == "cq-gxq"
    with db.read() as session:
        app = session.get(Application, view["id"])
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == view["id"])).one()
        assert app is not None and app.zone_id == "cq-gxq" and app.status == "forwarded"
        assert (message.kind, message.recipient, message.delivered_at) == ("application.forwarded", "gz-gxq", None)
        assert session.get(Case, view["id"]) is not None
    with pytest.raises(Exception) as invalid:  # what the shared standard refuses is refused here, nothing stored
        registration.submit_with_view(db, standard, people["alice"], gz_body().model_copy(update={"scope": ["nope"]}),
                                      NOW)
    assert invalid.value.finding.rule == "scope.unknown"  # type: ignore[attr-defined]


def test_a_failed_delivery_backs_off_and_stays_in_the_outbox(db, people, standard, partner) -> None:
    with service.sending_paused():
        view = registration.submit_with_view(db, standard, people["alice"], gz_body(), NOW).as_json()

    def unreachable(url: str, message: bytes) -> tuple[int, dict[str, object]]:
        raise OSError("connection refused")

    for attempt in range(1, 9):
        at = NOW + timedelta(minutes=attempt)
        assert delivery.deliver_due(db, at, standard=standard, transport=unreachable) == (0, 1)
        with db.read() as session:
            row = session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == view["id"])).one()
        assert row.attempts == attempt and "connection refused" in row.last_error
        wait = (row.next_attempt_at.replace(tzinfo=at.tzinfo) - at).total_seconds()
        full = min(30.0, 0.5 * 2 ** (attempt - 1))
        assert full / 2 <= wait <= full  # doubling, capped at 30 s, with jitter
    assert views.late_cases(db, people["officer-cq"], NOW + timedelta(hours=23)) == []
    late = views.late_cases(db, people["officer-cq"], NOW + timedelta(days=1, minutes=1))
    assert [c.application for c in late] == [view["id"]] and late[0].waiting_messages == 1
    assert views.late_cases(db, people["officer-cd"], NOW + timedelta(days=2)) == []
    assert any("undelivered for more than a day" in line
               for line in delivery.deliver_outbox_job(db, standard, NOW + timedelta(days=2)))


def test_concurrent_claims_never_take_the_same_message(db, people, standard, partner) -> None:
    with db.write() as session:
        for n in range(40):
            service.queue(session, new_message("application.material", "cq-gxq", "gz-gxq", standard.digest,
                                               {"n": n}, NOW), None)
    claimed: list[list[str]] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def claimer() -> None:
        start.wait()
        mine: list[str] = []
        while batch := delivery.claim(db, NOW + timedelta(seconds=1), limit=3):
            mine.extend(batch)
        with lock:
            claimed.append(mine)

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [message for mine in claimed for message in mine]
    assert len(every) == len(set(every)) == 40


def test_a_message_whose_lease_ran_out_and_was_claimed_again_is_sent_only_by_its_new_holder(
        db, people, standard, partner) -> None:
    with db.write() as session:
        message_id = service.queue(session, new_message("application.material", "cq-gxq", "gz-gxq", standard.digest,
                                                        {"n": 1}, NOW), None).id
    first = NOW + timedelta(seconds=1)
    assert delivery.claim(db, first) == [message_id]  # process A leases it until first + LEASE
    assert delivery.claim(db, first + timedelta(seconds=5)) == []  # still A's
    later = first + delivery.LEASE + timedelta(seconds=1)  # A is slow: its lease has run out
    assert delivery.claim(db, later) == [message_id]  # process B takes it over
    sent: list[bytes] = []

    def transport(url: str, message: bytes) -> tuple[int, dict[str, object]]:
        sent.append(message)
        raise OSError("partner down")

    assert not delivery.renew_lease(db, message_id, first + delivery.LEASE, later)  # A's lease is gone: A skips
    assert delivery.renew_lease(db, message_id, later + delivery.LEASE, later)  # B's is current: B sends
    assert delivery.deliver_one(db, message_id, standard, transport, later) is False and len(sent) == 1
    with db.read() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None and row.attempts == 1 and row.delivered_at is None


def _receipt_from_guangzhou(ring, standard, message: bytes, message_id: str, *, sha256: str | None = None) -> bytes:
    """Guangzhou's signed receipt for ``message``, acknowledging ``sha256`` (the digest of the bytes)."""
    digest = sha256 or hashlib.sha256(message).hexdigest()
    envelope = new_message(RECEIPT, "gz-gxq", "cq-gxq", standard.digest,
                           {"message": message_id, "kind": "application.forwarded", "sha256": digest,
                            "result": {"status": "received", "application": 7}}, NOW)
    return sign1(envelope.payload(), ring.active)


def _forwarded(db, people, standard) -> tuple[int, str]:
    with service.sending_paused():
        view = registration.submit_with_view(db, standard, people["alice"], gz_body(), NOW).as_json()
    with db.read() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == view["id"])).one()
        return view["id"], row.id


def test_a_message_is_signed_once_and_delivered_only_when_the_receipt_names_the_bytes_sent(
        db, people, standard, guangzhou) -> None:
    app_id, message_id = _forwarded(db, people, standard)
    sent: list[bytes] = []

    def wrong_digest(url: str, message: bytes) -> tuple[int, dict[str, object]]:
        sent.append(message)
        return 200, {"receipt": delivery.b64(_receipt_from_guangzhou(guangzhou, standard, message, message_id,
                                                                     sha256="00" * 32)), "replayed": True}

    def right_digest(url: str, message: bytes) -> tuple[int, dict[str, object]]:
        sent.append(message)
        return 200, {"receipt": delivery.b64(_receipt_from_guangzhou(guangzhou, standard, message, message_id)),
                     "replayed": False}

    assert not delivery.deliver_one(db, message_id, standard, wrong_digest, NOW + timedelta(seconds=1))
    with db.read() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None and row.state == "pending" and row.delivered_at is None
        assert "receipt digest mismatch" in row.last_error and row.sha256 == hashlib.sha256(sent[0]).hexdigest()
    assert delivery.deliver_one(db, message_id, standard, right_digest, NOW + timedelta(minutes=5))
    assert sent[0] == sent[1]  # the same signed bytes on every attempt
    with db.read() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None and row.state == "delivered" and row.signed == sent[0]
        assert row.receipt_sha256 == hashlib.sha256(row.receipt or b"").hexdigest()
    logged = views.messages(db, people["officer-cq"], partner="gz-gxq")
    assert [(m.id, m.state, m.sha256) for m in logged] == [(message_id, "delivered", row.sha256)]
    assert views.signed_message(db, people["officer-cq"], message_id) == sent[0]
    assert views.messages(db, people["officer-cd"], partner="gz-gxq") == []  # another zone's officer sees none
    with pytest.raises(NotFound):
        views.signed_message(db, people["officer-cd"], message_id)


@pytest.mark.parametrize("status", [403, 409, 413, 422])
def test_a_permanent_refusal_is_a_dead_letter_the_applicant_reads(db, people, standard, guangzhou, status) -> None:
    app_id, message_id = _forwarded(db, people, standard)
    attempts = 0

    def refusing(url: str, message: bytes) -> tuple[int, dict[str, object]]:
        nonlocal attempts
        attempts += 1
        return status, {"error": "federation.bad_signature", "message": "no",
                        "detail": [{"rule": "federation.bad_signature", "field": "message",
                                    "message_zh": "签名无效\x07", "message_en": "The signature is not valid"}]}

    for minute in range(1, 4):
        delivery.deliver_due(db, NOW + timedelta(minutes=minute), standard=standard, transport=refusing)
    assert attempts == 1  # never retried
    with db.read() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None and row.state == "dead" and row.refusal is not None
        assert row.refusal["status"] == status and row.refusal["message_zh"] == "签名无效"
    with db.read() as session:
        app = records.application_record(session, app_id)
        assert app is not None
        view = service._view_with_case(session, app, NOW + timedelta(minutes=5)).as_json()
    assert view["status"] == "undeliverable"
    (dead,) = view["cross_region"]["dead_letters"]
    assert "gz-gxq" in dead["reason_zh"] and "签名无效" in dead["reason_zh"] and "refused" in dead["reason_en"]
    assert dead["advice_zh"] and "service centre" in dead["advice_en"]
    assert [m.id for m in views.messages(db, people["officer-cq"], state="dead")] == [message_id]


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_a_transient_failure_is_retried(db, people, standard, guangzhou, status) -> None:
    _, message_id = _forwarded(db, people, standard)
    assert delivery.deliver_due(db, NOW + timedelta(minutes=1), standard=standard,
                                transport=lambda url, message: (status, {"error": "busy"})) == (0, 1)
    with db.read() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None and row.state == "pending" and row.attempts == 1


def test_a_message_past_its_expiry_is_no_longer_sent(db, people, standard, guangzhou) -> None:
    app_id, message_id = _forwarded(db, people, standard)
    sent: list[bytes] = []

    def down(url: str, message: bytes) -> tuple[int, dict[str, object]]:
        sent.append(message)
        raise OSError("partner down")

    delivery.deliver_due(db, NOW + timedelta(hours=71), standard=standard, transport=down)
    assert len(sent) == 1
    assert delivery.deliver_due(db, NOW + timedelta(hours=72, seconds=1), standard=standard, transport=down) == (0, 0)
    assert len(sent) == 1
    with db.read() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None and row.state == "expired" and row.refusal["error"] == "federation.expired"
        case = session.get(Case, app_id)
        assert case is not None and service.dead_letters(case)[0].state == "expired"
    # the message itself carries its expiry: the receiver refuses it afterwards too
    envelope = envelope_from_payload(decode_cbor(decode_sign1(sent[0]).payload, "payload"))
    assert envelope.expires == NOW + timedelta(hours=72)
    with pytest.raises(Refusal) as refused:
        check_fresh(envelope, NOW + timedelta(hours=72, seconds=1))
    assert refused.value.reason == "expired"
    check_fresh(envelope, NOW + timedelta(hours=71))  # long after it was signed, yet valid


def test_a_message_waits_behind_an_earlier_pending_message_about_the_same_application(
        db, people, standard, guangzhou) -> None:
    with db.write() as session:
        first = service.queue(session, new_message("application.material", "cq-gxq", "gz-gxq", standard.digest,
                                                    {"n": 1}, NOW), 4242).id
        second = service.queue(session, new_message(WITHDRAWN, "cq-gxq", "gz-gxq", standard.digest,
                                                     {"n": 2}, NOW + timedelta(seconds=1)), 4242).id
        other = service.queue(session, new_message("application.material", "cq-gxq", "gz-gxq", standard.digest,
                                                   {"n": 3}, NOW + timedelta(seconds=1)), 4343).id
    assert delivery.claim(db, NOW + timedelta(seconds=2)) == [first, other]
    delivery.settle(db, first, "dead", delivery.refusal_words(403, "x", "拒绝", "refused"), NOW + timedelta(seconds=3))
    assert delivery.claim(db, NOW + timedelta(minutes=5)) == [second, other]


def test_a_forward_to_a_partner_on_another_standard_is_refused_at_submission(db, people, standard, guangzhou) -> None:
    with db.write() as session:
        partner = session.get(Partner, "gz-gxq")
        assert partner is not None
        partner.standard_digest = "ab" * 32
    with pytest.raises(Conflict) as refused:
        registration.submit_with_view(db, standard, people["alice"], gz_body(), NOW).as_json()
    finding = refused.value.finding
    assert refused.value.status == 409 and finding.rule == "federation.standard_mismatch"
    assert "ab" * 32 in finding.zh and standard.digest in finding.en
    with db.read() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
        assert session.scalars(select(Application).where(Application.status == "forwarded")).all() == []


def test_a_decision_goes_with_its_licence_and_the_pdf_made_after_its_commit_follows_rendered_once(
        db, people, standard, guangzhou) -> None:
    """Guangzhou forwards an application that 秒批 approves here. The decision, queued in the
    approval's transaction, carries the licence's QR and COSE but no PDF (``pdf_follows``); the
    same transaction notes on the case that the PDF is to be made — nothing is rendered in the
    request. Whoever runs the renderer afterwards (this process or one started after a crash)
    makes it from that row alone, once: it is kept on the case and queued as an
    ``application.licence_pdf`` message after the decision. A retry sends the same bytes, and a
    resend signed anew after the message expired still carries that same PDF."""
    from yima.federation import inbox

    forwarded = new_message("application.forwarded", "gz-gxq", "cq-gxq", standard.digest,
                            {"application": 91, "application_body": application_body(name="重庆一次渲染科技有限公司"),
                             "applicant": "gz-applicant"}, NOW)
    with service.sending_paused():
        inbox.receive(db, standard, sign1(forwarded.payload(), guangzhou.active), NOW)
    with db.read() as session:
        case = session.scalars(select(Case).where(Case.role == "issuing")).one()
        decided = session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == case.application_id,
                                                              OutboxMessage.kind == "application.decided")).one()
        licence = envelope_from_payload(decode_cbor(decided.payload, "payload")).body["licence"]
        assert licence["qr"] and licence["cose"] and "pdf" not in licence and licence["pdf_follows"] is True
        assert case.licence_qr == licence["qr"] and case.licence_pdf is None  # to be made, not made in the request
    assert delivery.licences_to_render(db) == [case.application_id]
    with service.sending_paused():
        queued = delivery.render_due(db, standard, NOW + timedelta(seconds=1))
        assert len(queued) == 1 and delivery.render_due(db, standard, NOW + timedelta(seconds=2)) == []  # once
    with db.read() as session:
        issuing = session.get(Case, case.application_id)
        pdf_message = session.get(OutboxMessage, queued[0])
        assert issuing is not None and issuing.licence_pdf and issuing.licence_pdf.startswith(b"%PDF-")
        assert pdf_message is not None and pdf_message.kind == "application.licence_pdf"
        assert pdf_message.recipient == "gz-gxq" and pdf_message.created_at > decided.created_at  # sent after it
        first = issuing.licence_pdf
    sent: list[bytes] = []

    def down(url: str, message: bytes) -> tuple[int, dict[str, object]]:
        sent.append(message)
        raise OSError("partner down")

    def pdf_of(message: bytes) -> bytes:
        body = envelope_from_payload(decode_cbor(decode_sign1(message).payload, "payload")).body
        assert body["application"] == 91 and body["qr"] == licence["qr"]
        return bytes(body["pdf"])

    for minutes in (1, 2):
        delivery.deliver_one(db, queued[0], standard, down, NOW + timedelta(minutes=minutes))
    assert len(sent) == 2 and sent[0] == sent[1] and pdf_of(sent[0]) == first
    later = NOW + timedelta(hours=73)
    assert delivery.deliver_due(db, later, standard=standard, transport=down) == (0, 0)  # expired
    with service.sending_paused():
        delivery.resend(db, standard, people["officer-cq"], queued[0], later)
    delivery.deliver_one(db, queued[0], standard, down, later + timedelta(seconds=1))
    assert len(sent) == 3 and sent[2] != sent[0]  # signed anew, with a new expiry …
    assert pdf_of(sent[2]) == first  # … around the same PDF


@pytest.mark.parametrize("word", ["hacked", "forwarded", None])
def test_a_decision_with_a_status_word_the_standard_has_not_is_refused_and_nothing_is_kept(
        db, people, standard, guangzhou, word) -> None:
    """The partner's status is shown to the applicant and decides what may be done next (supply,
    withdraw): a word that is not one of an application's states is refused on arrival, naming it,
    before the case, its steps or the audit chain take anything from the message."""
    app_id, _ = _forwarded(db, people, standard)
    with db.read() as session:
        before = session.get(Case, app_id)
        assert before is not None
        steps, chain = list(before.steps), session.scalar(select(func.count()).select_from(AuditEntry))
    body = {"application": app_id, "partner_application": 7, "version": 1, "status": word, "findings": [],
            "missing_materials": [], "materials_due_on": None, "uscc": None, "licence": None}
    decided = new_message("application.decided", "gz-gxq", "cq-gxq", standard.digest, body, NOW)
    with pytest.raises(Refusal) as refused:
        service.receive(db, standard, sign1(decided.payload(), guangzhou.active), NOW)
    assert refused.value.reason == "malformed" and refused.value.status == 422
    assert repr(word) in refused.value.finding.en and repr(word) in refused.value.finding.zh
    with db.read() as session:
        case = session.get(Case, app_id)
        assert case is not None and case.remote_status == "" and case.remote is None
        assert case.steps == steps and case.remote_version == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == chain
    assert get_application(db, people["alice"], app_id, NOW).as_json()["status"] == "forwarded"

    body["status"] = "awaiting_materials"  # the same message with a word it may say is applied
    good = new_message("application.decided", "gz-gxq", "cq-gxq", standard.digest, body, NOW)
    service.receive(db, standard, sign1(good.payload(), guangzhou.active), NOW)
    with db.read() as session:
        case = session.get(Case, app_id)
        assert case is not None and case.remote is Status.AWAITING_MATERIALS and case.remote_version == 1

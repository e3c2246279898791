"""The accepting side's outbox on SQLite and PostgreSQL: the forwarded application and its message
are written together, delivery backs off after a failure, concurrent claims never overlap, and a
forward unanswered after a day is flagged."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from factories import NOW, application_body
from yima.federation import delivery, service, views
from yima.federation.model import new_message
from yima.federation.tables import Case, OutboxMessage
from yima.registration import service as registration
from yima.registration.model import ApplicationIn
from yima.registration.tables import Application


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
        view = registration.submit_with_view(db, standard, people["alice"], gz_body(), NOW)
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
        view = registration.submit_with_view(db, standard, people["alice"], gz_body(), NOW)

    def unreachable(url: str, message: bytes) -> tuple[int, dict[str, object]]:
        raise OSError("connection refused")

    for attempt in range(1, 9):
        at = NOW + timedelta(minutes=attempt)
        assert delivery.deliver_due(db, at, standard=standard, transport=unreachable) == (0, 1)
        with db.read() as session:
            row = session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == view["id"])).one()
        assert row.attempts == attempt and "connection refused" in row.last_error
        wait = (row.next_attempt_at.replace(tzinfo=at.tzinfo) - at).total_seconds()
        assert wait == min(30.0, 0.5 * 2 ** (attempt - 1))
    assert views.late_cases(db, people["officer-cq"], NOW + timedelta(hours=23)) == []
    late = views.late_cases(db, people["officer-cq"], NOW + timedelta(days=1, minutes=1))
    assert [c["application"] for c in late] == [view["id"]] and late[0]["waiting_messages"] == 1
    assert views.late_cases(db, people["officer-cd"], NOW + timedelta(days=2)) == []
    assert any("undelivered for more than a day" in line
               for line in delivery.deliver_outbox_job(db, NOW + timedelta(days=2)))


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

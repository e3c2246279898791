"""Notifications through one outbox: the ledger's steps notify the department, the observer and
the office in the app and by email through a real SMTP server (aiosmtpd on 127.0.0.1); a server
that refuses keeps the notification and it is retried with backoff until it goes out; nobody is
told another person's personal data."""

from __future__ import annotations

import sys
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from live import free_port
from yima.config import get_settings, use_settings
from yima.errors import DomainError
from yima.notifications import service as notes
from yima.notifications.tables import Notification
from yima.observers import service

sys.path.insert(0, str(Path(__file__).parents[1] / "observers"))
from observer_helpers import at, build_zone  # noqa: E402

pytestmark = pytest.mark.db


class Inbox:
    def __init__(self, refuse: bool = False) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    before = get_settings()
    use_settings(before.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{controller.port}?from=yima@zone.example"}))
    try:
        yield inbox
    finally:
        use_settings(before)
        controller.stop()


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def test_the_ledger_s_steps_notify_in_the_app_and_by_email_through_a_real_smtp_server(db, smtp):
    gz = build_zone(db, at("2024-12-01"))
    notes.set_address(db, gz.market, "market@zone.example")
    notes.set_address(db, gz.xie, "xie@observer.example")
    sid = service.submit(db, gz.xie, "开办企业刻章仍需跑现场", "建议电子印章同步发放。", "registration",
                         at("2025-09-01"))
    office_box = notes.notifications(db, gz.office)
    assert [n.kind for n in office_box] == ["suggestion.submitted"]  # the office's backlog
    service.accept(db, gz.office, sid, at("2025-09-01"))
    service.assign(db, gz.office, sid, gz.market_id, 5, at("2025-09-01"))
    service.urge(db, gz.office, sid, "请尽快", at("2025-09-04"))
    market = notes.notifications(db, gz.market)
    assert [n.kind for n in market] == ["suggestion.urged", "suggestion.assigned"]
    assert market[1].subject_zh == "台账 2025-0001：交由本部门办理，2025-09-08 前答复"
    assert all("谢泽帆" not in n.body_zh + n.subject_zh for n in market)  # not the observer's name
    assert notes.unread_count(db, gz.market) == 2 and notes.unread_count(db, gz.tax) == 0

    lines = notes.deliver_notifications_job(db, at("2025-09-04"))
    assert lines == ["notifications: 3 emailed, 0 to retry"]  # market ×2, the observer's acceptance
    to = sorted(rcpt for rcpts, _ in smtp.messages for rcpt in rcpts)
    assert to == ["market@zone.example", "market@zone.example", "xie@observer.example"]
    assert any("台账 2025-0001：交由本部门办理" in _subject(raw) for _, raw in smtp.messages)
    assert notes.deliver_notifications_job(db, at("2025-09-04")) == []  # each once

    # due soon and overdue: the department (and the office when overdue), once each
    service.notify_due_suggestions_job(db, at("2025-09-05"))
    service.notify_due_suggestions_job(db, at("2025-09-05"))
    service.notify_due_suggestions_job(db, at("2025-09-10"))
    kinds = [n.kind for n in notes.notifications(db, gz.market)]
    assert kinds.count("suggestion.due_soon") == 1 and kinds.count("suggestion.overdue") == 1
    assert "suggestion.overdue" in [n.kind for n in notes.notifications(db, gz.office)]

    service.save_draft(db, gz.market, sid, "已办理", at("2025-09-10"))
    service.publish_reply(db, gz.market, sid, at("2025-09-10"))
    assert notes.notifications(db, gz.xie)[0].kind == "suggestion.replied"
    assert notes.mark_read(db, gz.xie, None, at("2025-09-11")) == 2 and notes.unread_count(db, gz.xie) == 0
    assert notes.mark_read(db, gz.office, [notes.notifications(db, gz.xie)[0].id], at("2025-09-11")) == 0


def test_a_refusing_smtp_server_keeps_the_notification_and_it_is_retried_until_sent(db, smtp):
    gz = build_zone(db, at("2024-12-01"))
    notes.set_address(db, gz.xie, "xie@observer.example")
    sid = service.submit(db, gz.xie, "税务", "内容", "tax", at("2025-09-01"))
    smtp.refuse = True
    service.accept(db, gz.office, sid, at("2025-09-01"))
    first = notes.deliver_notifications_job(db, at("2025-09-01"))
    assert first == ["notifications: 0 emailed, 1 to retry"] and smtp.messages == []
    assert notes.deliver_notifications_job(db, at("2025-09-01")) == []  # not before its backoff
    with db.read() as session:
        stored = session.query(Notification).filter_by(user_id=gz.xie.id).one()
        assert stored.email_state == "pending" and stored.attempts == 1 and "451" in stored.last_error
    smtp.refuse = False
    later = at("2025-09-01").replace(hour=3)
    assert notes.deliver_notifications_job(db, later) == ["notifications: 1 emailed, 0 to retry"]
    assert [rcpts for rcpts, _ in smtp.messages] == [["xie@observer.example"]]
    assert notes.notifications(db, gz.xie)[0].email == "sent"
    with db.read() as session:  # the stored values are the v1 strings: sent to the observer, none for the office
        stored_states = dict(session.execute(text("SELECT user_id, email_state FROM notifications")).all())
    assert stored_states == {gz.xie.id: "sent", gz.office.id: "none"}
    assert {type(s) for s in stored_states.values()} == {str}


def test_no_smtp_server_answering_is_a_failure_kept_for_later(db):
    gz = build_zone(db, at("2024-12-01"))
    notes.set_address(db, gz.xie, "xie@observer.example")
    before = get_settings()
    use_settings(before.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{free_port()}"}))
    try:
        sid = service.submit(db, gz.xie, "税务", "内容", "tax", at("2025-09-01"))
        service.accept(db, gz.office, sid, at("2025-09-01"))
        assert notes.deliver_notifications_job(db, at("2025-09-01")) == ["notifications: 0 emailed, 1 to retry"]
    finally:
        use_settings(before)
    assert notes.notifications(db, gz.xie)[0].email == "pending"
    assert notes.backoff(1).total_seconds() == 60 and notes.backoff(20).total_seconds() == 6 * 3600


def test_an_address_is_checked(db):
    gz = build_zone(db, at("2024-12-01"))
    with pytest.raises(DomainError) as bad:
        notes.set_address(db, gz.xie, "not an address")
    assert bad.value.finding.rule == "notification.email" and "邮箱" in bad.value.finding.zh

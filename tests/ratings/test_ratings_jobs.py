"""The ratings' scheduled jobs on both databases: the reform office is told once of a bad rating not
called back or not put right by its deadline; deadlines counted over a year the calendar did not
cover are counted again once its arrangement is added."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from factories import NOW, PASSWORD, application_body
from yima.accounts.service import add_user, authenticate
from yima.config import get_settings, use_settings
from yima.notifications import service as notes
from yima.observers.calendar import load_calendar
from yima.ratings import rules, service
from yima.registration import service as registration
from yima.registration.model import ApplicationIn

pytestmark = pytest.mark.db


def at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC).replace(hour=2)


def _rated_badly(db, standard, people, when: datetime) -> int:
    app_id = registration.submit(db, standard, people["alice"], ApplicationIn.model_validate(application_body()), NOW)
    service.rate_application(db, people["alice"], app_id, 1, ["time_limit"], "", when)
    return app_id


def test_the_office_is_told_once_of_each_overdue_bad_rating(db, standard, people):
    add_user(db, "office-cq", "reform_office", PASSWORD, NOW, zone_id="cq-gxq")
    office = authenticate(db, "office-cq", PASSWORD)
    _rated_badly(db, standard, people, at("2026-11-25"))  # a Wednesday: call back by the 26th, fix by 16 December
    item = service.rectifications(db, office)[0]
    assert (item.callback_due_on, item.fix_due_on) == ("2026-11-26", "2026-12-16")
    assert service.remind_rectifications_job(db, at("2026-11-26")) == []
    assert service.remind_rectifications_job(db, at("2026-11-27")) == ["ratings: 1 overdue bad rating(s) notified"]
    assert service.remind_rectifications_job(db, at("2026-11-30")) == []  # once
    service.call_back(db, office, item.id, "已回访", at("2026-11-30"))
    assert service.rectifications(db, office)[0].callback_on_time is False  # late stays late
    assert service.remind_rectifications_job(db, at("2026-12-17")) == ["ratings: 1 overdue bad rating(s) notified"]
    kinds = [n.kind for n in notes.notifications(db, office)]
    assert kinds == ["rating.fix_overdue", "rating.callback_overdue", "rating.bad"]
    service.put_right(db, office, item.id, "已整改", at("2026-12-18"))
    assert service.rectifications(db, office)[0].put_right_on_time is False
    assert service.remind_rectifications_job(db, at("2026-12-30")) == []


def test_provisional_deadlines_are_counted_again_once_the_year_is_added(db, standard, people, tmp_path):
    add_user(db, "office-cq", "reform_office", PASSWORD, NOW, zone_id="cq-gxq")
    office = authenticate(db, "office-cq", PASSWORD)
    _rated_badly(db, standard, people, at("2099-12-24"))
    item = service.rectifications(db, office)[0]
    assert item.due_provisional is True and item.callback_due_on == "2099-12-25"  # by weekends only
    assert service.recount_provisional_rectifications_job(db, at("2099-12-24")) == []
    path = tmp_path / "calendar.toml"
    path.write_text('[years.2099]\nnotice = "2099 年部分节假日安排的通知（测试用）"\nholidays = ["2099-12-25"]\n'
                    '[years.2100]\nnotice = "2100 年（测试用）"\nholidays = []\n', encoding="utf-8")
    before = get_settings()
    use_settings(before.model_copy(update={"calendar_file": path}))
    try:
        lines = service.recount_provisional_rectifications_job(db, at("2099-12-26"))
        expected = rules.rectification_due(date(2099, 12, 24), load_calendar(path))
    finally:
        use_settings(before)
    after = service.rectifications(db, office)[0]
    assert len(lines) == 1 and after.due_provisional is False
    assert after.callback_due_on == expected.callback.due_on.isoformat() == "2099-12-28"
    assert after.fix_due_on == expected.fix.due_on.isoformat()

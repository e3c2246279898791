"""A ledger that cannot be gamed (issue 21): an extension is asked for and granted only before the
deadline, a reply is on time against the deadline in force when it was due; one ledger number
per zone and year (台账编号) on every surface; the export lists only the ledger, with its dates and
extensions, numbered the same under any filter, and never as formulas; the office declines,
transfers, takes back, urges and keeps internal notes the observer never sees."""

from __future__ import annotations

import io
from datetime import date

import pytest
from observer_helpers import ZONE, at, build_zone
from openpyxl import load_workbook

from yima.errors import Conflict, DomainError, Forbidden
from yima.observers import rules, service, views
from yima.observers.figures import compute
from yima.observers.spreadsheet import HEADERS, ledger_workbook
from yima.stats.rules import Period

pytestmark = pytest.mark.db


@pytest.fixture
def gz(db):
    return build_zone(db, at("2024-12-01"))


def _assigned(db, gz, title: str, day: str = "2025-09-01", days: int = 5) -> int:
    sid = service.submit(db, gz.xie, title, "内容", "permits", at(day))
    service.accept(db, gz.office, sid, at(day))
    service.assign(db, gz.office, sid, gz.market_id, days, at(day))
    return sid


def _reply(db, gz, sid: int, day: str) -> bool:
    service.save_draft(db, gz.market, sid, "已办理", at(day))
    return service.publish_reply(db, gz.market, sid, at(day))


def test_a_late_extension_does_not_erase_lateness_and_the_rate_stays_three_of_six(db, gz):
    # Six suggestions assigned on Monday 1 September 2025 with five working days: due 8 September.
    ids = [_assigned(db, gz, f"建议{n}") for n in range(6)]
    assert views.get_suggestion(db, gz.office, ids[0], at("2025-09-01")).due_on == "2025-09-08"
    for sid in ids[:3]:
        assert _reply(db, gz, sid, "2025-09-05") is True
    for sid in ids[3:5]:
        assert _reply(db, gz, sid, "2025-09-20") is False
    late = ids[5]
    # 26 September: 18 days overdue; a 15-working-day extension is neither asked for nor granted now.
    with pytest.raises(Conflict) as asked:
        service.request_extension(db, gz.market, late, 15, "情况复杂", at("2025-09-26"))
    finding = asked.value.finding
    assert finding.rule == "extension.after_deadline" and "已逾期 18 天" in finding.zh and "18 day(s)" in finding.en
    assert views.get_suggestion(db, gz.office, late, at("2025-09-26")).extension is None
    assert _reply(db, gz, late, "2025-09-26") is False
    shown = views.get_suggestion(db, gz.xie, late, at("2025-09-26"))
    assert shown.replies[0].on_time is False and shown.replies[0].due_on == "2025-09-08"
    numbers = compute(db, ZONE, Period(date(2025, 9, 1), date(2025, 9, 30))).total
    assert (numbers.replied_on_time, numbers.replies_due) == (3, 6)


def test_an_extension_asked_in_time_but_granted_after_the_deadline_is_refused(db, gz):
    sid = _assigned(db, gz, "延期")
    service.request_extension(db, gz.market, sid, 15, "需市级部门协调", at("2025-09-05"))
    with pytest.raises(Conflict) as granted:
        service.decide_extension(db, gz.office, sid, True, at("2025-09-26"))
    assert granted.value.finding.rule == "extension.after_deadline" and granted.value.finding.field == "grant"
    # Refusing stays possible; the reply is measured against the deadline as assigned.
    assert service.decide_extension(db, gz.office, sid, False, at("2025-09-26"), "已逾期") == date(2025, 9, 8)
    assert _reply(db, gz, sid, "2025-09-26") is False


def test_an_extension_granted_in_time_moves_the_deadline_and_every_date_is_kept(db, gz):
    sid = _assigned(db, gz, "延期")
    service.request_extension(db, gz.market, sid, 5, "需现场核查", at("2025-09-04"))
    assert service.decide_extension(db, gz.office, sid, True, at("2025-09-08"), "同意") == date(2025, 9, 15)
    assert _reply(db, gz, sid, "2025-09-12") is True
    shown = views.get_suggestion(db, gz.office, sid, at("2025-09-12"))
    assert shown.original_due_on == "2025-09-08" and shown.due_on == "2025-09-15"
    assert shown.extension is not None
    assert shown.extension.as_json() == {"state": "granted", "working_days": 5, "reason": "需现场核查",
                                         "requested_on": "2025-09-04", "decided_on": "2025-09-08", "note": "同意"}


def test_on_time_is_measured_against_the_deadline_in_force_when_the_reply_was_due():
    original, extended = date(2025, 9, 8), date(2025, 9, 29)
    assert rules.on_time(date(2025, 9, 26), original, extended, date(2025, 9, 8)) is True
    # An extension recorded as granted after the deadline (as the old ledger allowed) never counts.
    assert rules.on_time(date(2025, 9, 26), original, extended, date(2025, 9, 26)) is False
    assert rules.on_time(date(2025, 9, 8), original, None, None) is True


def test_one_ledger_number_per_zone_and_year_on_every_surface(db, gz):
    first = _assigned(db, gz, "甲", "2025-12-30")
    other = service.submit(db, gz.li, "乙", "内容", "tax", at("2025-12-31"))
    assert service.accept(db, gz.office, other, at("2025-12-31")) == 2
    new_year = service.submit(db, gz.li, "丙", "内容", "tax", at("2026-01-05"))
    assert service.accept(db, gz.office, new_year, at("2026-01-05")) == 1  # numbering starts again each year
    assert views.get_suggestion(db, gz.office, new_year, at("2026-01-05")).ledger_code == "2026-0001"
    later = service.submit(db, gz.li, "丙（重复）", "内容", "tax", at("2026-01-06"))
    service.merge(db, gz.office, later, new_year, at("2026-01-06"))
    merged = views.get_suggestion(db, gz.li, later, at("2026-01-06"))
    assert merged.merged_into_code == "2026-0001" and "并入第 2026-0001 号" in merged.steps[-1].note
    lines = views.remind_due_suggestions_job(db, at("2026-01-06"))
    assert any("2025-0001" in line for line in lines) and not any(f"#{first}" in line for line in lines)


def test_the_export_lists_only_the_ledger_numbered_alike_under_any_filter_with_dates_and_no_formulas(db, gz):
    a = _assigned(db, gz, "=HYPERLINK(\"http://evil.example\",\"点我\")")
    service.request_extension(db, gz.market, a, 5, "+需协调", at("2025-09-04"))
    service.decide_extension(db, gz.office, a, True, at("2025-09-05"))
    _reply(db, gz, a, "2025-09-10")
    service.rate(db, gz.xie, a, "satisfied", "", at("2025-09-11"))
    b = service.submit(db, gz.li, "税务", "内容", "tax", at("2025-09-02"))
    service.accept(db, gz.office, b, at("2025-09-02"))
    service.submit(db, gz.li, "未纳入台账", "内容", "tax", at("2025-09-03"))  # not in the ledger

    def sheet(**filters):
        rows = views.ledger(db, gz.office, at("2025-09-12"), views.LedgerFilter(in_ledger=True, **filters))
        return load_workbook(io.BytesIO(ledger_workbook(rows, "台账", at("2025-09-12"))))["台账"]

    whole = sheet()
    assert tuple(c.value for c in whole[2]) == HEADERS
    codes = [whole.cell(row=r, column=1).value for r in range(3, whole.max_row + 1)
             if str(whole.cell(row=r, column=1).value or "").startswith("2025-")]
    assert codes == ["2025-0001", "2025-0002"]  # the unaccepted suggestion is not in it
    assert sheet(category="tax")["A3"].value == "2025-0002"  # the same number under a filter
    row = {HEADERS[c - 1]: whole.cell(row=3, column=c) for c in range(1, len(HEADERS) + 1)}
    assert row["问题"].data_type == "s" and row["问题"].value.startswith("=HYPERLINK")
    assert row["提交日期"].value.date() == date(2025, 9, 1) and row["纳入台账日期"].value.date() == date(2025, 9, 1)
    assert row["原定时限"].value.date() == date(2025, 9, 8) and "2025-09-15" in row["现行时限"].value
    assert "5个工作日（已批准）" in row["延期（工作日·理由·申请日·批准日）"].value
    assert "理由：+需协调" in row["延期（工作日·理由·申请日·批准日）"].value
    assert "申请 2025-09-04" in row["延期（工作日·理由·申请日·批准日）"].value
    assert row["答复日期"].value.date() == date(2025, 9, 10) and row["是否按时"].value == "是"
    assert row["满意度"].value == "满意" and row["评价日期"].value.date() == date(2025, 9, 11)
    assert row["评分"].value == "4 满意"  # the v1 word alone is its level on the five-level scale


def test_the_office_declines_transfers_takes_back_and_urges_and_notes_stay_internal(db, gz):
    declined = service.submit(db, gz.xie, "重复建议", "内容", "tax", at("2025-09-01"))
    with pytest.raises(DomainError) as empty:
        service.decline(db, gz.office, declined, " ", at("2025-09-01"))
    assert empty.value.finding.rule == "reason.length"
    service.decline(db, gz.office, declined, "不属于营商环境范畴", at("2025-09-01"))
    seen = views.get_suggestion(db, gz.xie, declined, at("2025-09-01"))
    assert seen.state == "declined" and seen.decline_reason == "不属于营商环境范畴"

    sid = _assigned(db, gz, "转办")
    service.save_draft(db, gz.market, sid, "市场局草稿", at("2025-09-02"))
    service.transfer(db, gz.office, sid, gz.tax_id, "属税务事项", at("2025-09-02"))
    moved = views.get_suggestion(db, gz.office, sid, at("2025-09-02"))
    assert moved.department_id == gz.tax_id and moved.due_on == "2025-09-08" and moved.replies == ()
    with pytest.raises(Forbidden):
        service.save_draft(db, gz.market, sid, "不再是市场局的", at("2025-09-02"))
    service.urge(db, gz.office, sid, "请尽快答复", at("2025-09-03"))
    service.add_note(db, gz.tax, sid, "需要调取档案", at("2025-09-03"))
    service.take_back(db, gz.office, sid, "重新研究", at("2025-09-04"))
    back = views.get_suggestion(db, gz.office, sid, at("2025-09-04"))
    assert back.state == "accepted" and back.department_id is None and back.due_on is None
    internal = [s.action for s in back.steps if s.internal]
    assert internal == ["urged", "noted"]
    observer = views.get_suggestion(db, gz.xie, sid, at("2025-09-04"))
    assert [s for s in observer.steps if s.action in ("urged", "noted")] == []
    assert all("档案" not in s.note for s in observer.steps)
    service.assign(db, gz.office, sid, gz.market_id, 3, at("2025-09-04"))
    assert views.get_suggestion(db, gz.office, sid, at("2025-09-04")).round == 1

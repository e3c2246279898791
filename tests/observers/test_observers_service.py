"""A suggestion's life through the ledger on both databases: submitted, accepted, assigned with a
deadline on the official calendar, replied, rated, reopened and answered again; an overdue one
across the National Day of 2025; an extension; merging; who sees what; the audit trail."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from observer_helpers import ZONE, at, build_zone
from openpyxl import load_workbook
from sqlalchemy import select

from factories import PASSWORD, tiny_png
from yima.accounts.service import add_user, authenticate, set_password
from yima.accounts.tables import User
from yima.audit.service import recent_entries, verify_chain
from yima.audit.tables import AuditEntry
from yima.config import get_settings, use_settings
from yima.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized
from yima.observers import rules, service, views
from yima.observers.calendar import load_calendar, official_calendar
from yima.observers.figures import compute
from yima.observers.spreadsheet import HEADERS, ledger_workbook
from yima.observers.tables import Observer
from yima.stats.rules import Period
from yima.uploads import upload_path

pytestmark = pytest.mark.db
PNG = tiny_png()


@pytest.fixture
def gz(db):
    return build_zone(db, at("2024-12-01"))


def _admin(db):
    add_user(db, "root", "admin", PASSWORD, at("2024-12-01"))
    return authenticate(db, "root", PASSWORD)


def test_a_suggestion_is_replied_rated_dissatisfied_reopened_and_answered_again(db, gz, tmp_path):
    sid = service.submit(db, gz.xie, "开办企业刻章仍需跑现场", "建议电子印章同步发放。", "registration",
                         at("2025-09-25"), uploads=[service.Upload("现场照片.png", PNG)], data_dir=tmp_path,
                         max_bytes=10_000)
    assert service.accept(db, gz.office, sid, at("2025-09-25")) == 1
    due = service.assign(db, gz.office, sid, gz.market_id, 5, at("2025-09-25"))
    # Thursday 25 Sep + 5: 26 Sep, Sunday 28 Sep (worked in exchange), 29, 30 Sep, then 9 Oct after the holiday.
    assert due.due_on == date(2025, 10, 9) and due.calendar == official_calendar().version()

    service.save_draft(db, gz.market, sid, "草稿：研究中", at("2025-09-29"))
    assert views.get_suggestion(db, gz.xie, sid, at("2025-09-29")).replies == ()  # a draft is not the observer's
    assert views.get_suggestion(db, gz.office, sid, at("2025-09-29")).replies[0].published is False
    assert service.publish_reply(db, gz.market, sid, at("2025-10-09")) is True  # on the last day: on time
    seen = views.get_suggestion(db, gz.xie, sid, at("2025-10-09"))
    assert seen.state == "replied" and seen.replies[0].text == "草稿：研究中"
    assert all(step.action != "reply_drafted" for step in seen.steps)

    with pytest.raises(DomainError) as why:
        service.rate(db, gz.xie, sid, "dissatisfied", "", at("2025-10-10"))
    assert why.value.finding.rule == "rating.comment_required"
    assert service.rate(db, gz.xie, sid, "dissatisfied", "没有时间表", at("2025-10-10")) == "reopened"
    with pytest.raises(DomainError) as other:
        service.assign(db, gz.office, sid, gz.tax_id, 3, at("2025-10-10"))
    assert other.value.finding.rule == "suggestion.reopened_department"
    # Friday 10 Oct + 3: Saturday 11 Oct (worked in exchange), Monday 13, Tuesday 14.
    assert service.assign(db, gz.office, sid, gz.market_id, 3, at("2025-10-10")).due_on == date(2025, 10, 14)
    service.save_draft(db, gz.market, sid, "电子印章已同步发放", at("2025-10-15"))
    assert service.publish_reply(db, gz.market, sid, at("2025-10-15")) is False  # a day late
    assert service.rate(db, gz.xie, sid, "basically_satisfied", "", at("2025-10-16")) == "closed"
    with pytest.raises(Conflict):
        service.rate(db, gz.xie, sid, "satisfied", "", at("2025-10-17"))

    final = views.get_suggestion(db, gz.xie, sid, at("2025-10-17"))
    assert [(r.round, r.on_time, r.rating) for r in final.replies] == [
        (1, True, "dissatisfied"), (2, False, "basically_satisfied")]
    assert final.rating == "basically_satisfied" and final.closed_at.startswith("2025-10-16")
    assert final.attachments[0].content_type == "image/png"
    assert upload_path(tmp_path, final.attachments[0].sha256).read_bytes() == PNG
    actions = ["submitted", "accepted", "assigned", "reply_drafted", "reply_published", "rated", "assigned",
               "reply_drafted", "reply_published", "rated"]
    audit = recent_entries(db, _admin(db), ZONE, subject=f"suggestion:{sid}")
    assert [e.action for e in reversed(audit)] == [f"suggestion.{a}" for a in actions]
    assert [e.actor_role for e in reversed(audit)][:3] == ["observer", "reform_office", "reform_office"]
    assert verify_chain(db, ZONE).ok


def test_an_overdue_suggestion_across_the_national_day_is_flagged_to_office_and_department(db, gz):
    # Sunday 28 September, worked in exchange
    sid = service.submit(db, gz.li, "出口退税慢", "到账时间长。", "tax", at("2025-09-28"))
    service.accept(db, gz.office, sid, at("2025-09-30"))
    assert service.assign(db, gz.office, sid, gz.tax_id, 2, at("2025-09-30")).due_on == date(2025, 10, 10)

    before = views.ledger(db, gz.office, at("2025-09-30"))[0]
    assert before.days_left == 2 and before.remind and not before.overdue  # 1–8 Oct do not count
    on_holiday = views.ledger(db, gz.tax, at("2025-10-05"))[0]
    assert on_holiday.days_left == 2 and on_holiday.remind
    late = views.ledger(db, gz.tax, at("2025-10-13"))
    assert views.reminders(late)[0].overdue and late[0].days_overdue == 3
    lines = views.remind_due_suggestions_job(db, at("2025-10-13"))
    assert lines == [f"observers: {ZONE} suggestion 2025-0001 《出口退税慢》 → 区税务局: overdue by 3 day(s)"]
    assert views.remind_due_suggestions_job(db, at("2025-09-25")) == []  # not yet within two working days
    assert views.ledger(db, gz.market, at("2025-10-13")) == []  # not the market bureau's


def test_an_extension_is_asked_for_once_and_granted_or_refused(db, gz):
    first = service.submit(db, gz.xie, "注销流程繁琐", "多部门分别办理。", "registration", at("2025-09-25"))
    second = service.submit(db, gz.xie, "施工许可环节多", "串联审批。", "permits", at("2025-09-25"))
    for sid in (first, second):
        service.accept(db, gz.office, sid, at("2025-09-26"))
        assert service.assign(db, gz.office, sid, gz.market_id, 5, at("2025-09-26")).due_on == date(2025, 10, 10)
    with pytest.raises(Conflict):
        service.decide_extension(db, gz.office, first, True, at("2025-09-29"))
    with pytest.raises(Forbidden):
        service.request_extension(db, gz.tax, first, 3, "不是本部门", at("2025-09-29"))
    service.request_extension(db, gz.market, first, 3, "需市级部门协调", at("2025-09-29"))
    with pytest.raises(Forbidden):
        service.decide_extension(db, gz.other_office, first, True, at("2025-09-29"))
    # Friday 10 Oct + 3: Saturday 11 Oct (worked in exchange), 13, 14.
    assert service.decide_extension(db, gz.office, first, True, at("2025-09-30")) == date(2025, 10, 14)
    with pytest.raises(Conflict) as once:
        service.request_extension(db, gz.market, first, 2, "再延", at("2025-10-09"))
    assert once.value.finding.rule == "extension.once"

    service.request_extension(db, gz.market, second, 10, "需现场核查", at("2025-09-29"))
    refused = service.decide_extension(db, gz.office, second, False, at("2025-09-30"), "时限内可以完成")
    assert refused == date(2025, 10, 10)
    shown = {s.id: s for s in views.ledger(db, gz.office, at("2025-10-01"))}
    assert shown[first].due_on == "2025-10-14" and shown[first].extension.state == "granted"
    assert shown[second].due_on == "2025-10-10" and shown[second].extension.state == "refused"


def test_a_year_end_deadline_is_provisional_and_counted_again_when_the_year_is_added(db, gz, tmp_path):
    last = official_calendar().covered_years()[1]
    sid = service.submit(db, gz.xie, "人才公寓", "信息不公开。", "other", at(f"{last}-12-01"))
    service.accept(db, gz.office, sid, at(f"{last}-12-01"))
    due = service.assign(db, gz.office, sid, gz.market_id, 30, at(f"{last}-12-01"))  # never refused
    assert due.provisional and due.due_on.year == last + 1
    shown = views.get_suggestion(db, gz.xie, sid, at(f"{last}-12-01"))
    assert shown.state == "assigned" and shown.due_provisional is True
    assert f"{last + 1} 年的法定节假日和调休安排尚未收录" in shown.provisional_note_zh
    assert "counted again once they are added" in shown.provisional_note_en
    assert service.recount_provisional_deadlines_job(db, at(f"{last}-12-02")) == []  # nothing new: nothing changes

    first_monday = next(date(last + 1, 1, d) for d in range(1, 8) if date(last + 1, 1, d).weekday() == 0)
    holidays = [date(last + 1, 1, 1), first_monday, first_monday + timedelta(days=1)]
    path = tmp_path / "calendar.toml"
    path.write_text(f'[years.{last + 1}]\nnotice = "{last + 1} 年部分节假日安排的通知（测试用）"\n'
                    f"holidays = [{', '.join(repr(str(d)) for d in holidays)}]\n".replace("'", '"'), encoding="utf-8")
    before = get_settings()
    use_settings(before.model_copy(update={"calendar_file": path}))
    try:
        lines = service.recount_provisional_deadlines_job(db, at(f"{last}-12-20"))
        expected = rules.deadline(date(last, 12, 1), 30, load_calendar(path)).due_on
    finally:
        use_settings(before)
    assert expected > due.due_on and len(lines) == 1 and f"{due.due_on} → {expected}" in lines[0]
    after = views.get_suggestion(db, gz.office, sid, at(f"{last}-12-20"))
    assert after.due_on == expected.isoformat() and after.due_provisional is False
    assert after.original_due_on == expected.isoformat() and after.steps[-1].action == "deadline_recounted"



def test_merging_names_an_earlier_suggestion_of_the_ledger(db, gz):
    earlier = service.submit(db, gz.xie, "刻章", "电子印章。", "registration", at("2025-09-01"))
    later = service.submit(db, gz.li, "免费刻章", "政府买单。", "registration", at("2025-09-02"))
    with pytest.raises(DomainError):  # the earlier one is not in the ledger yet
        service.merge(db, gz.office, later, earlier, at("2025-09-03"))
    service.accept(db, gz.office, earlier, at("2025-09-03"))
    with pytest.raises(DomainError):  # not into a later one
        service.merge(db, gz.office, earlier, later, at("2025-09-03"))
    service.merge(db, gz.office, later, earlier, at("2025-09-03"))
    merged = views.get_suggestion(db, gz.li, later, at("2025-09-03"))
    assert merged.state == "merged" and merged.merged_into == earlier and merged.ledger_no is None
    service.assign(db, gz.office, earlier, gz.market_id, 5, at("2025-09-03"))
    service.save_draft(db, gz.market, earlier, "电子印章免费发放", at("2025-09-04"))
    answer = views.get_suggestion(db, gz.li, earlier, at("2025-09-04"))  # the one that answers li's too
    assert answer.title == "刻章" and answer.replies == ()  # the draft stays hidden
    service.publish_reply(db, gz.market, earlier, at("2025-09-05"))
    assert views.get_suggestion(db, gz.li, earlier, at("2025-09-05")).replies[0].text == "电子印章免费发放"
    assert [s.id for s in views.ledger(db, gz.li, at("2025-09-05"))] == [later]  # the list: li's own only
    with pytest.raises(Forbidden):
        service.rate(db, gz.li, earlier, "satisfied", "", at("2025-09-05"))  # only its observer rates it
    with pytest.raises(Conflict):
        service.accept(db, gz.office, later, at("2025-09-04"))


def test_merge_candidates_are_a_bounded_query_same_category_first_and_searchable(db, gz):
    """The office's page offers at most ``limit`` earlier suggestions (the same category's first,
    newest first) and says more qualify; a search by title, text or ledger number finds the others;
    every one offered qualifies by ``rules.merge_candidates`` and, unbounded, they are exactly the
    ones the rule picks from the whole ledger."""
    def submit(who, title, category, day, accept=True):
        sid = service.submit(db, who, title, f"{title}的内容。", category, at(day))
        if accept:
            service.accept(db, gz.office, sid, at(day))
        return sid

    a = submit(gz.xie, "刻章收费", "registration", "2025-09-01")
    b = submit(gz.xie, "发票领用慢", "tax", "2025-09-02")
    c = submit(gz.xie, "名称登记难", "registration", "2025-09-03")
    d = submit(gz.xie, "地址核验慢", "registration", "2025-09-04")
    e = submit(gz.xie, "水电报装周期长", "utilities", "2025-09-05")
    gone = submit(gz.li, "刻章收费太高", "registration", "2025-09-05")
    service.merge(db, gz.office, gone, a, at("2025-09-05"))  # merged away: never offered
    submit(gz.xie, "未受理的建议", "registration", "2025-09-05", accept=False)  # not in the ledger
    new = submit(gz.li, "登记材料多", "registration", "2025-09-06", accept=False)
    submit(gz.xie, "更晚的建议", "registration", "2025-09-07")  # received after it
    me = views.get_suggestion(db, gz.office, new, at("2025-09-07"))

    shown, more = views.merge_candidates(db, me, limit=2)
    assert [x.id for x in shown] == [d, c] and more
    every, more = views.merge_candidates(db, me, limit=50)
    assert [x.id for x in every] == [d, c, a, e, b] and not more
    whole = rules.merge_candidates(me, views.ledger(db, gz.office, at("2025-09-07"), views.LedgerFilter(zone=ZONE)))
    assert sorted(x.id for x in every) == sorted(x.id for x in whole)
    assert [x.id for x in views.merge_candidates(db, me, "水电", limit=2)[0]] == [e]
    assert [x.id for x in views.merge_candidates(db, me, "发票领用慢的内容", limit=2)[0]] == [b]  # the text
    code = views.get_suggestion(db, gz.office, c, at("2025-09-07")).ledger_code
    assert [x.id for x in views.merge_candidates(db, me, code, limit=2)[0]] == [c]
    assert views.merge_candidates(db, me, "100%_", limit=2) == ([], False)  # LIKE's wildcards are literal
    page = views.suggestion_page(db, gz.office, new, at("2025-09-07"), find="水电")
    assert [x.id for x in page.merge_candidates] == [e] and page.find == "水电"
    assert views.suggestion_page(db, gz.li, new, at("2025-09-07")).merge_candidates == []  # the office's only
    service.merge(db, gz.office, new, e, at("2025-09-07"))  # the one found by the search
    assert views.merge_candidates(db, views.get_suggestion(db, gz.office, new, at("2025-09-07"))) == ([], False)


def test_each_role_sees_only_its_own_part_of_the_ledger(db, gz, people):
    mine = service.submit(db, gz.xie, "刻章", "电子印章。", "registration", at("2025-09-01"))
    theirs = service.submit(db, gz.li, "退税", "太慢。", "tax", at("2025-09-01"))
    for sid, department in ((mine, gz.market_id), (theirs, gz.tax_id)):
        service.accept(db, gz.office, sid, at("2025-09-02"))
        service.assign(db, gz.office, sid, department, 5, at("2025-09-02"))
    now = at("2025-09-03")
    assert [s.id for s in views.ledger(db, gz.xie, now)] == [mine]
    assert [s.id for s in views.ledger(db, gz.market, now)] == [mine]
    assert [s.id for s in views.ledger(db, gz.tax, now)] == [theirs]
    assert [s.id for s in views.ledger(db, gz.office, now)] == [mine, theirs]
    assert views.ledger(db, gz.other_office, now) == []
    with pytest.raises(NotFound):
        views.get_suggestion(db, gz.li, mine, now)
    with pytest.raises(NotFound):
        views.get_suggestion(db, gz.tax, mine, now)
    for outsider in (people["alice"], people["officer-cq"]):
        with pytest.raises(Forbidden):
            views.ledger(db, outsider, now)
    with pytest.raises(Forbidden):
        service.accept(db, gz.other_office, mine, now)
    with pytest.raises(Forbidden):
        service.save_draft(db, gz.tax, mine, "不是我的", now)
    filtered = views.ledger(db, gz.office, now, views.LedgerFilter(category="tax"))
    assert [s.id for s in filtered] == [theirs]
    assert views.ledger(db, gz.office, now, views.LedgerFilter(date_from=date(2025, 9, 2))) == []


def test_an_observer_whose_term_ended_reads_but_does_not_submit(db, gz):
    old = service.submit(db, gz.former, "老建议", "任期内提出。", "other", at("2024-06-01"))
    with pytest.raises(Forbidden) as refused:
        service.submit(db, gz.former, "新建议", "任期外。", "other", at("2025-03-01"))
    assert refused.value.finding.rule == "observer.not_serving" and "2024-12-31" in refused.value.finding.zh
    assert views.get_suggestion(db, gz.former, old, at("2025-03-01")).title == "老建议"
    with pytest.raises(Forbidden):
        service.submit(db, gz.office, "改革办", "不是观察员。", "other", at("2025-03-01"))


def test_an_attachment_is_checked_by_content_and_nothing_is_stored_when_one_is_bad(db, gz, tmp_path):
    with pytest.raises(DomainError) as bad:
        service.submit(db, gz.xie, "附件", "见附件。", "other", at("2025-03-01"), data_dir=tmp_path, max_bytes=10_000,
                       uploads=[service.Upload("a.png", PNG), service.Upload("b.pdf", b"MZ not a pdf")])
    assert bad.value.finding.rule == "upload.type"
    assert views.ledger(db, gz.office, at("2025-03-01")) == [] and not (tmp_path / "uploads").exists()
    with pytest.raises(DomainError) as big:
        service.submit(db, gz.xie, "附件", "见附件。", "other", at("2025-03-01"), data_dir=tmp_path, max_bytes=10,
                       uploads=[service.Upload("a.png", PNG)])
    assert big.value.finding.rule == "upload.too_large"


def test_appointing_checks_sector_term_and_the_account(db, gz):
    with pytest.raises(DomainError) as sector:
        service.appoint_observer(db, None, ZONE, "王", "banker", date(2025, 1, 1), date(2026, 1, 1), at("2025-01-01"))
    assert sector.value.finding.rule == "sector.value"
    with pytest.raises(DomainError) as term:
        service.appoint_observer(db, None, ZONE, "王", "other", date(2026, 1, 1), date(2025, 1, 1), at("2025-01-01"))
    assert term.value.finding.rule == "observer.term"
    with pytest.raises(DomainError) as role:
        service.appoint_observer(db, None, ZONE, "王", "other", date(2025, 1, 1), date(2026, 1, 1), at("2025-01-01"),
                                 username="market")
    assert role.value.finding.rule == "observer.user_role"
    with pytest.raises(Forbidden):
        service.appoint_observer(db, gz.market, ZONE, "王", "other", date(2025, 1, 1), date(2026, 1, 1),
                                 at("2025-01-01"))
    serving = views.observers(db, gz.office, ZONE, date(2025, 6, 1))
    assert [o.name for o in serving] == ["谢泽帆", "李律师"]
    assert len(views.observers(db, gz.office, ZONE)) == 3


def test_a_new_observers_account_has_no_password_until_one_is_set(db, gz):
    number = service.appoint_observer(db, None, ZONE, "王晓明", "other", date(2025, 1, 1), date(2026, 12, 31),
                                      at("2025-01-01"))
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == "observer-gz-kfq-004"))
        observer = session.get(Observer, number)
        assert user is not None and observer is not None and observer.user_id == user.id
        assert (user.role, user.zone_id, user.display_name, user.password_hash) == ("observer", ZONE, "王晓明", "")
        added = list(session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "user.added",
                                                                     AuditEntry.subject == "user:observer-gz-kfq-004")))
    assert added == [{"role": "observer", "zone": ZONE, "password": False}]
    for typed in ("", PASSWORD, "any-password-1"):
        with pytest.raises(Unauthorized):
            authenticate(db, "observer-gz-kfq-004", typed)
    set_password(db, "observer-gz-kfq-004", "observer-pass-4", at("2025-01-02"))
    assert authenticate(db, "observer-gz-kfq-004", "observer-pass-4").role == "observer"


def _life(db, gz):
    """Three suggestions of September 2025: one replied on time and satisfied, one late and
    dissatisfied (reopened), one overdue without reply."""
    ids = [service.submit(db, gz.xie, f"建议{n}", "内容。", category, at("2025-09-01"))
           for n, category in ((1, "registration"), (2, "tax"), (3, "tax"))]
    for sid, department in zip(ids, (gz.market_id, gz.tax_id, gz.tax_id), strict=True):
        service.accept(db, gz.office, sid, at("2025-09-01"))
        service.assign(db, gz.office, sid, department, 5, at("2025-09-01"))  # due 8 Sep
    service.save_draft(db, gz.market, ids[0], "已办", at("2025-09-05"))
    service.publish_reply(db, gz.market, ids[0], at("2025-09-05"))
    service.rate(db, gz.xie, ids[0], "satisfied", "", at("2025-09-06"))
    service.save_draft(db, gz.tax, ids[1], "研究中", at("2025-09-10"))
    service.publish_reply(db, gz.tax, ids[1], at("2025-09-10"))
    service.rate(db, gz.xie, ids[1], "dissatisfied", "太慢", at("2025-09-11"))
    return ids


def test_the_figures_count_observers_suggestions_replies_on_time_and_satisfaction(db, gz):
    ids = _life(db, gz)
    figures = compute(db, ZONE, Period(date(2025, 9, 1), date(2025, 9, 30)))
    numbers = figures.total
    assert figures.observers_serving == 2 and numbers.received == 3
    assert (numbers.replied_on_time, numbers.replies_due, numbers.on_time_pct) == (1, 3, 33.3)
    assert (numbers.satisfied, numbers.rated, numbers.satisfied_pct) == (1, 2, 50.0)
    assert figures.by_category["tax"].received == 2 and figures.by_category["tax"].replied_on_time == 0
    assert figures.by_department["区市场监督管理局"].satisfied_pct == 100.0
    assert figures.as_json()["by_department"]["区市场监督管理局"]["satisfied_pct"] == 100.0  # as the report carries it
    assert compute(db, ZONE, Period(date(2024, 9, 1), date(2024, 9, 30))).observers_serving == 1
    # the reopened one answered again and rated satisfied: its latest rating counts, its first reply's lateness stays
    service.assign(db, gz.office, ids[1], gz.tax_id, 5, at("2025-09-12"))
    service.save_draft(db, gz.tax, ids[1], "已办结", at("2025-09-15"))
    service.publish_reply(db, gz.tax, ids[1], at("2025-09-15"))
    service.rate(db, gz.xie, ids[1], "satisfied", "", at("2025-09-16"))
    again = compute(db, ZONE, Period(date(2025, 9, 1), date(2025, 9, 30))).total
    assert (again.satisfied, again.rated, again.replied_on_time, again.replies_due) == (2, 2, 1, 3)


def test_the_ledger_workbook_reads_back_in_the_government_layout(db, gz):
    ids = _life(db, gz)
    rows = views.ledger(db, gz.office, at("2025-09-30"))
    book = load_workbook(io.BytesIO(ledger_workbook(rows, "营商环境观察员意见建议办理台账", at("2025-09-30"))))
    sheet = book["台账"]
    assert sheet["A1"].value == "营商环境观察员意见建议办理台账"
    assert tuple(c.value for c in sheet[2]) == HEADERS and HEADERS[:4] == ("台账编号", "提出人", "领域", "问题")
    body = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=3, max_row=5)]
    column = {name: index for index, name in enumerate(HEADERS)}
    assert [r[0] for r in body] == ["2025-0001", "2025-0002", "2025-0003"] and {r[1] for r in body} == {"谢泽帆"}
    assert body[0][2] == "商事登记" and body[0][3] == "建议1：内容。"
    assert body[0][column["承办部门"]] == "区市场监督管理局"
    assert body[0][column["现行时限"]] == "2025-09-08"
    assert body[0][column["办理情况"]].startswith("已办结（第1次答复，按时答复）：已办")
    assert body[0][column["满意度"]] == "满意" and body[1][column["满意度"]] == "不满意"
    assert body[1][column["办理情况"]].startswith("重新办理")
    assert body[2][column["现行时限"]] == "2025-09-08 已逾期22天"
    assert sheet.cell(row=5, column=column["现行时限"] + 1).font.color.rgb.endswith("C00000")  # overdue in red
    assert not body[2][column["满意度"]] and len(ids) == 3


def test_a_draft_published_while_the_office_takes_the_suggestion_back_is_refused_not_a_500(db, gz, monkeypatch):
    """The office takes a suggestion back (deleting its department's draft) while the department
    publishes that draft. The take-back is held just after it has read the suggestion; the publish
    starts meanwhile. Each change locks the suggestion's row first (PostgreSQL; on SQLite the writers
    take turns anyway), so the publish waits, then reads the taken-back suggestion and is refused (it
    is no longer the department's), instead of failing on the deleted draft (StaleDataError, a 500,
    found by schemathesis)."""
    import threading

    sid = service.submit(db, gz.xie, "办税窗口排队久", "建议增设自助终端。", "registration", at("2025-09-25"))
    service.accept(db, gz.office, sid, at("2025-09-25"))
    service.assign(db, gz.office, sid, gz.market_id, 5, at("2025-09-25"))
    service.save_draft(db, gz.market, sid, "草稿：研究中", at("2025-09-26"))

    loaded, release = threading.Event(), threading.Event()
    taking_back = threading.current_thread()
    real_load = service._load

    def held_load(session, suggestion_id):
        suggestion = real_load(session, suggestion_id)
        if threading.current_thread() is taking_back:  # the take-back pauses with the suggestion read
            loaded.set()
            release.wait(10)
        return suggestion

    monkeypatch.setattr(service, "_load", held_load)
    outcome: list[BaseException | bool] = []

    def publish() -> None:
        try:
            outcome.append(service.publish_reply(db, gz.market, sid, at("2025-09-27")))
        except BaseException as err:  # noqa: BLE001 - what it raised is the point
            outcome.append(err)

    publisher = threading.Thread(target=publish)

    def let_the_publish_start() -> None:
        loaded.wait(10)
        publisher.start()
        publisher.join(0.5)  # it waits on the row (or the writer lock) until the take-back commits
        release.set()

    helper = threading.Thread(target=let_the_publish_start)
    helper.start()
    service.take_back(db, gz.office, sid, "重新交办", at("2025-09-27"))
    helper.join(15)
    publisher.join(15)
    assert len(outcome) == 1 and isinstance(outcome[0], DomainError), outcome
    assert outcome[0].finding.rule == "suggestion.not_assigned_to_you"
    seen = views.get_suggestion(db, gz.office, sid, at("2025-09-27"))
    assert seen.state == "accepted" and seen.replies == ()

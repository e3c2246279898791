"""The ledger and a suggestion's page in a real browser (Debian's chromium via Playwright), on the
demo's Guangzhou zone: the office sees reminders and an overdue suggestion in red, filters,
assigns (and sees a deadline the calendar cannot count refused on the page), the department
publishes its reply, the observer rates it, and the figures join the dashboard."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from factories import PASSWORD
from web.browser import sign_in
from yima.accounts.service import authenticate
from yima.clock import local_date, utcnow
from yima.demo.observers import seed_observers
from yima.notifications import service as notes
from yima.observers import rules
from yima.observers.calendar import official_calendar

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]
SHOTS = Path(os.environ.get("YIMA_SCREENSHOTS", "/tmp/yima-screens"))


@pytest.fixture
def demo(db, server):
    lines = list(seed_observers(db, utcnow(), PASSWORD))
    assert "35 observers of the second term" in lines[0]
    return server


def _row(page, title):
    return page.locator("#ledger tbody tr", has_text=title)


def test_the_office_works_the_ledger_and_the_observer_rates_the_reply(demo, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, demo, "reform-gz")
    assert page.url.endswith("/ledger")
    assert page.locator("#ledger tbody tr").count() == 10
    overdue = _row(page, "施工许可审批环节多").locator("td.left .overdue")
    assert "逾期" in overdue.text_content()
    assert overdue.evaluate("e => getComputedStyle(e).color") == "rgb(200, 22, 29)"  # the zone's red
    assert "施工许可审批环节多" in page.text_content("#reminders")
    assert _row(page, "建议免费刻制公章").get_attribute("data-state") == "merged"
    page.screenshot(path=str(SHOTS / "ledger.png"), full_page=True)

    page.select_option("#state", "closed")
    page.click("#filters button[type=submit]")
    assert page.locator("#ledger tbody tr").count() == 2
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename == "ledger.xlsx"

    page.goto(f"{demo.url}/ledger")
    _row(page, "人才公寓申请信息不透明").locator("a").click()
    page.fill("#working_days", "60")
    page.click("#assign-form button[type=submit]")
    if rules.deadline(local_date(utcnow()), 60, official_calendar()).provisional:  # never refused: provisional
        assert "#provisional" and "暂定期限" in page.text_content("#provisional")
    assert "办理中" in page.text_content("#state") and "chinese-calendar" in page.text_content("#deadline")

    sign_in(page, demo, "dept-gz-scj")
    assert "企业注销流程繁琐" in page.text_content("#reminders")
    _row(page, "企业注销流程繁琐").locator("a").click()
    assert "草稿" in page.text_content(".reply.draft")
    page.fill("#reply-text", "已会同税务、人社部门推行注销“一网通办”，12月起一次办结。")
    page.click("#publish")
    assert "已答复" in page.text_content("#state")

    sign_in(page, demo, "observer-gz-kfq-001")
    page.goto(f"{demo.url}/ledger")
    assert page.locator("#ledger tbody tr").count() == 5  # only 谢泽帆's own
    _row(page, "企业注销流程繁琐").locator("a").click()
    assert "一次办结" in page.text_content(".reply")
    page.check("input[name=score][value='2']")  # 好差评's five levels: 2 is 不满意
    page.check("input[name=indicators][value=visits]")
    page.fill("#comment", "仍需到窗口核验，请再研究。")
    page.click("#rating-form button[type=submit]")
    assert "重新办理" in page.text_content("#state") and "不满意" in page.text_content(".reply")
    assert "跑动次数" in page.text_content(".reply [data-score='2']")

    page.goto(f"{demo.url}/ledger")
    _row(page, "园区用电报装时间过长").locator("a").click()
    assert page.locator(".reply").count() == 2 and "基本满意" in page.text_content(".reply[data-round='2']")
    page.screenshot(path=str(SHOTS / "suggestion.png"), full_page=True)

    page.goto(f"{demo.url}/suggestions/new")
    page.click("#suggestion-form button[type=submit]")
    assert "标题须为 1 至 200 个字符" in page.text_content("#errors")


def test_a_former_observer_reads_but_cannot_submit_and_pages_speak_english(demo, page):
    sign_in(page, demo, "observer-gz-kfq-036")
    page.goto(f"{demo.url}/ledger")
    assert page.locator("#new-suggestion").count() == 0  # the form offers only what the person may do
    answer = page.goto(f"{demo.url}/suggestions/new")
    assert answer is not None and answer.status == 403 and "不在观察员任期内" in page.content()
    page.goto(f"{demo.url}/ledger?lang=en")
    assert page.text_content("h1").startswith("Suggestion ledger") and "No suggestion matches." in page.content()


def test_the_dashboard_shows_the_observers_section(demo, page):
    sign_in(page, demo, "admin")
    page.goto(f"{demo.url}/dashboard?zone=gz-kfq&from=2026-01-01&to=2026-11-30")
    section = page.locator("#section-observers")
    assert "营商环境观察员" in section.text_content()
    assert page.text_content("#observers-serving").strip() == "35"
    page.screenshot(path=str(SHOTS / "observers-dashboard.png"), full_page=True)


def test_the_bell_shows_the_office_s_unread_notifications_and_reading_them_clears_it(demo, page, db):
    SHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, demo, "reform-gz")
    office = authenticate(db, "reform-gz", PASSWORD)
    unread = notes.unread_count(db, office)
    assert unread > 0  # the seeded ledger told the office of new suggestions, reopened and overdue ones
    assert page.text_content("#bell-count").strip() == (str(unread) if unread < 100 else "99+")
    badge = page.locator("#bell-count")
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
    page.locator("header.top").screenshot(path=str(SHOTS / "bell.png"))
    page.click("#bell")
    assert page.url.endswith("/notifications")
    first = page.locator("#notifications li").first
    assert "台账" in first.text_content() and "北京时间" in first.text_content()
    page.screenshot(path=str(SHOTS / "notifications.png"), full_page=True)
    page.click("#read-all button[type=submit]")
    assert page.locator("#bell-count").count() == 0 and notes.unread_count(db, office) == 0

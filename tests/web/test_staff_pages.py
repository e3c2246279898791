"""Pages a zone's staff can work in, in Debian's chromium: a 422 form that keeps its input, times in
China Standard Time, 403 pages that say why, the queue's filters and pages, the audit log in words,
and English that is English."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from factories import NOW, application_body, person
from web.browser import sign_in
from yima.accounts.service import add_user, authenticate
from yima.clock import CHINA, utcnow
from yima.demo.history_2021 import SMALL, load_seed
from yima.registration import service
from yima.registration.model import ApplicationIn

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]
SHOTS = Path(os.environ.get("YIMA_SCREENSHOTS", "/tmp/yima-screens"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def fill_with_two_holders_and_a_site(page, bad_id: str) -> dict[str, str]:
    rep = person()
    page.select_option("#zone", "cq-gxq")
    page.fill("#name", "重庆云帆科技有限公司")
    page.fill("#registered_capital", "1000000.00")
    page.check("input[name=scope][value=software_development]")
    page.fill("#domicile_text", "重庆市九龙坡区科城路60号")
    page.click("#add-site")
    page.fill("#site_0", "九龙坡")  # too short to be an address
    page.fill("#lr_name", rep["name"])
    page.fill("#lr_id_number", rep["id_number"])
    page.fill("#lr_phone", rep["phone"])
    page.fill("#sh_name_0", rep["name"])
    page.fill("#sh_id_0", rep["id_number"])
    page.fill("#sh_share_0", "60")
    page.click("#add-holder")
    page.fill("#sh_name_1", "李四")
    page.fill("#sh_id_1", bad_id)
    page.fill("#sh_share_1", "40")
    page.check("input[name=materials][value=application_form]")
    page.check("input[name=materials][value=articles_of_association]")
    return rep


def test_a_422_form_keeps_everything_entered_and_puts_each_error_by_its_field(server, page):
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/apply")
    rep = fill_with_two_holders_and_a_site(page, "1234")
    page.click("#submit")
    page.wait_for_selector("#errors")
    assert page.evaluate("document.readyState") == "complete"
    # everything entered came back: both shareholders, the site, the materials, the rest
    assert [page.input_value(f"#sh_name_{i}") for i in (0, 1)] == [rep["name"], "李四"]
    assert [page.input_value(f"#sh_share_{i}") for i in (0, 1)] == ["60", "40"]
    assert page.input_value("#sh_id_1") == "1234" and page.input_value("#site_0") == "九龙坡"
    assert page.is_checked("input[name=materials][value=articles_of_association]")
    assert page.is_checked("input[name=scope][value=software_development]")
    assert page.input_value("#lr_phone") == rep["phone"] and page.input_value("#name") == "重庆云帆科技有限公司"
    # each error next to its field, in words; the rule id only as the small print of the summary
    holder = page.locator("tr.row-errors .field-error[data-field=sh_1]").inner_text()
    assert holder == "第2位股东的身份证号码长度不足"
    assert page.locator(".field-error[data-field=site_0]").inner_text() == "第1个经营场所长度不足"
    assert "schema.string_too_short" in page.locator("#errors .rule").first.inner_text()
    assert "shareholders.1" not in page.locator(".field-error").first.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "apply-422.png"), full_page=True)
    # adding a row after the answer still works, and a corrected form goes through
    page.fill("#sh_id_1", person("李四", seq=7)["id_number"])
    page.fill("#site_0", "重庆市九龙坡区科园一路3号")
    page.click("#submit")
    page.wait_for_url("**/applications/*")
    assert "已提交" in page.locator("#flash").inner_text()
    with server.client("alice") as alice:
        body = alice.get(f"/api/v1/applications/{page.url.rsplit('/', 1)[1]}").json()["body"]
    assert [h["name"] for h in body["shareholders"]] == [rep["name"], "李四"]
    assert [a["text"] for a in body["addresses"]][1] == "重庆市九龙坡区科园一路3号"


def test_the_422_form_speaks_english_when_english_is_chosen(server, page):
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/apply?lang=en")
    fill_with_two_holders_and_a_site(page, "1234")
    page.click("#submit")
    page.wait_for_selector("#errors")
    assert page.locator(".field-error[data-field=sh_1]").inner_text() == "Shareholder 2's ID number is too short"
    assert page.input_value("#sh_name_1") == "李四"
    assert not CJK.search(page.locator("#errors").inner_text())


def test_times_on_pages_are_china_standard_time_and_the_api_keeps_its_offset(server, page):
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body()).json()
        submitted = alice.get(f"/api/v1/applications/{created['id']}").json()["submitted_at"]
    instant = datetime.fromisoformat(submitted)
    assert instant.utcoffset() == timedelta(0) and submitted.endswith("+00:00")
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/applications/{created['id']}")
    shown = instant.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    assert shown in page.locator("dl.fields").inner_text()
    assert shown in page.locator("#history").inner_text()
    assert "UTC" not in page.locator("main").inner_text()


def test_a_role_on_a_page_it_may_not_use_gets_a_403_saying_why_with_a_link_home(server, page, browser):
    sign_in(page, server, "alice")
    assert page.locator("header a[href='/queue'], header a[href='/audit'], header a[href='/admin/users']").count() == 0
    response = page.goto(f"{server.url}/queue")
    assert response.status == 403
    assert "此页面仅供审批人员、管理员使用" in page.locator("#errors").inner_text()
    assert "申请人" in page.locator("#errors").inner_text()
    assert page.get_attribute("#home-link", "href") == "/applications"
    page.click("#home-link")
    page.wait_for_url("**/applications")
    officer = browser.new_context(locale="zh-CN").new_page()
    sign_in(officer, server, "officer-cq")
    assert officer.locator("header a[href='/admin/users']").count() == 0
    for path in ("/admin/users", "/audit?zone=cd-gxq"):
        answer = officer.goto(f"{server.url}{path}")
        assert answer.status == 403 and officer.get_attribute("#home-link", "href") == "/queue"
        assert "/login" not in officer.url
    officer.context.close()


@pytest.fixture
def crowded_queue(db, people, standard):
    """53 applications awaiting review in cq-gxq (3 of them a month old, so overdue) and 2 in cd-gxq."""
    add_user(db, "wangfang", "applicant", "test-password-1", NOW, display_name="王芳")
    applicant = authenticate(db, "wangfang", "test-password-1")
    now = utcnow()
    # The month-old ones at noon China time, so that one China day holds all three whenever this runs.
    month_ago = (now - timedelta(days=30)).astimezone(CHINA).replace(hour=12, minute=0, second=0, microsecond=0)
    ids = []
    for i in range(53):
        at = month_ago - timedelta(minutes=i) if i < 3 else now - timedelta(minutes=60 - i)
        body = application_body(name=f"云帆{i:02d}科技有限公司", legal_representative=person(seq=i + 1))
        ids.append(service.submit(db, standard, applicant, ApplicationIn.model_validate(body), at))
    for i in range(2):
        body = application_body(zone="cd-gxq", name=f"蓉城{i}科技有限公司")
        service.submit(db, standard, applicant, ApplicationIn.model_validate(body), now)
    return ids


def test_the_queue_names_its_zone_filters_and_pages(server, crowded_queue, page):
    sign_in(page, server, "officer-cq")
    page.wait_for_url("**/queue")
    assert page.locator("#queue-zone").inner_text() == "重庆高新区"
    assert "共 53 件申请" in page.locator("#queue-count").inner_text()
    assert page.locator("#queue tbody tr").count() == 50
    first_page = set(page.locator("#queue tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)"))
    page.screenshot(path=str(SHOTS / "queue.png"))
    page.click("#page-next")
    page.wait_for_url("**page=2")
    second_page = set(page.locator("#queue tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)"))
    assert len(second_page) == 3 and not first_page & second_page
    assert first_page | second_page == {str(i) for i in crowded_queue}
    page.goto(f"{server.url}/queue")
    page.check("#overdue")
    page.click("#queue-filters button")
    page.wait_for_url("**overdue=1**")
    overdue = page.locator("#queue tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
    assert overdue == [str(i) for i in crowded_queue[2::-1]]  # oldest first
    assert "已超期" in page.locator("#queue tbody tr td.overdue").first.inner_text()
    page.select_option("#matter", "change")
    page.click("#queue-filters button")
    assert page.locator("#queue-empty").inner_text() == "没有符合筛选条件的申请。"
    page.goto(f"{server.url}/queue?status=awaiting_materials")
    assert page.locator("#queue tbody tr").count() == 0


def test_the_audit_log_names_people_and_actions_pages_and_filters_by_subject_and_day(server, crowded_queue,
                                                                                       page):
    sign_in(page, server, "officer-cq")
    page.goto(f"{server.url}/audit")
    assert page.locator("#audit-entries tbody tr").count() == 50
    assert page.locator("#pager").count() == 1
    submitted = page.locator("#audit-entries tr[data-action='application.submitted']").first
    assert submitted.locator("td.who").inner_text().startswith("王芳")
    assert submitted.locator("td.action").inner_text().startswith("提交申请")
    review = page.locator("#audit-entries tr[data-action='application.under_review']").first
    assert review.locator("td.who").inner_text() == "系统"
    page.click("#page-next")
    page.wait_for_url("**page=2**")
    assert page.locator("#audit-entries tbody tr").count() > 0
    page.goto(f"{server.url}/audit")
    page.fill("#subject", f"application:{crowded_queue[0]}")
    page.click("#audit-filters button")
    assert set(page.locator("#audit-entries tr").evaluate_all("r => r.slice(1).map(x => x.dataset.action)")) == {
        "application.submitted", "application.under_review"}
    old_day = (utcnow() - timedelta(days=30)).astimezone(CHINA).date().isoformat()
    page.goto(f"{server.url}/audit?subject=application&start={old_day}&end={old_day}")
    rows = page.locator("#audit-entries tbody tr")
    assert rows.count() == 6  # three month-old applications, submitted and sent for review
    assert all(t.startswith(old_day) for t in rows.evaluate_all("r => r.map(x => x.cells[1].innerText)"))
    page.screenshot(path=str(SHOTS / "audit.png"), full_page=True)


def test_with_english_chosen_the_pages_are_english(server, db, page):
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE zones SET name_en = 'Chongqing High-tech Zone' WHERE id = 'cq-gxq'"))
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body()).json()
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/applications/{created['id']}?lang=en")
    card = page.locator("dl.fields").inner_text()
    assert "Chongqing High-tech Zone" in card and "Software development" in card
    history = page.locator("#history").inner_text()
    assert "instant approval: every rule passed" in history and not CJK.search(history)
    page.goto(f"{server.url}/enterprises/{created['uscc']}")
    fields = page.locator("dl.fields").inner_text()
    assert "Limited liability company" in fields and "Software development" in fields
    main = page.locator("main").inner_text()
    names = {"重庆云帆科技有限公司", "张三", "重庆市九龙坡区科城路60号"}  # what people wrote stays as written
    for name in names:
        main = main.replace(name, "")
    assert not CJK.search(main), CJK.findall(main)


def test_the_dashboard_in_english_is_english_and_every_figure_has_its_unit(server, db, people, standard, page):
    load_seed(db, "cq-gxq", people["alice"].id, datetime(2021, 9, 30, tzinfo=CHINA), standard, targets=SMALL)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE zones SET name_en = 'Chongqing High-tech Zone' WHERE id = 'cq-gxq'"))
    sign_in(page, server, "officer-cq")
    query = "zone=cq-gxq&from=2021-01-01&to=2021-08-31"
    page.goto(f"{server.url}/dashboard?{query}")
    page.wait_for_selector("html[data-charts-ready='5']")
    capital = page.locator("[data-figure=new_domestic_capital] .sub").inner_text()
    assert re.search(r"上年同期 \d+\.\d\d亿元", capital), capital
    assert re.search(r"上年同期 \d+户", page.locator("[data-figure=new_domestic_enterprises] .sub").inner_text())
    chinese = page.locator(".briefing p").count()
    page.goto(f"{server.url}/dashboard?{query}&lang=en")
    page.wait_for_selector("html[data-charts-ready='5']")
    paragraphs = page.locator(".briefing p").all_inner_texts()
    assert len(paragraphs) == chinese == 4  # every paragraph, in English
    assert all(not CJK.search(p) for p in paragraphs), paragraphs
    assert "Chongqing High-tech Zone" in page.locator("h1").inner_text()
    assert "one-code licences" in paragraphs[3] and "median" in paragraphs[2]
    assert re.search(r"A year earlier \d+\.\d\d 100m yuan",
                     page.locator("[data-figure=new_domestic_capital] .sub").inner_text())
    kpis = page.locator("section.kpis").inner_text()
    assert not CJK.search(kpis), kpis

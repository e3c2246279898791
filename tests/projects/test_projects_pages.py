"""The investment office's and the specialist's pages in Debian's chromium: timelines, the funnel
and the other charts drawn, a stage recorded with its document, a request resolved."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from project_helpers import (
    FUNDS,
    NOW,
    PROJECTS,
    TODAY,
    add_register,
    key_enterprise_rows,
    service_rows,
    write,
)

from factories import NOW as NOW_2026
from factories import PASSWORD, tiny_png
from web.browser import sign_in
from yima.accounts.service import add_user, set_password
from yima.projects.importer import import_file
from yima.projects.rows import FUND_HEADER, KEY_ENTERPRISE_HEADER, PROJECT_HEADER, SERVICE_HEADER

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]
SHOTS = Path(os.environ.get("YIMA_SCREENSHOTS", "/tmp/yima-screens"))
H1 = "from=2021-01-01&to=2021-06-30"
PNG = tiny_png()  # uploads are decoded in full: a hand-written PNG with a broken stream is refused


@pytest.fixture
def office(db, people, tmp_path):
    add_user(db, "invest-cq", "investment_office", PASSWORD, NOW_2026, zone_id="cq-gxq")
    codes = add_register(db, "cq-gxq")
    import_file(db, "projects", "cq-gxq", write(tmp_path / "p.csv", PROJECT_HEADER, PROJECTS), NOW, TODAY)
    import_file(db, "project-funds", "cq-gxq", write(tmp_path / "f.csv", FUND_HEADER, FUNDS), NOW, TODAY)
    import_file(db, "key-enterprises", "cq-gxq", write(tmp_path / "k.csv", KEY_ENTERPRISE_HEADER,
                                                       key_enterprise_rows(codes)), NOW, TODAY)
    import_file(db, "services", "cq-gxq", write(tmp_path / "s.csv", SERVICE_HEADER, service_rows(codes)), NOW, TODAY)
    set_password(db, "spec-b", PASSWORD, NOW_2026)  # imported without a password; an administrator sets one
    return codes


def test_the_project_list_shows_timelines_and_the_funnel(server, office, page):
    sign_in(page, server, "invest-cq")
    assert page.url.endswith("/projects")  # the office's home
    page.goto(f"{server.url}/projects?{H1}")
    page.wait_for_selector("html[data-projects-charts='3']")
    for chart in ("monthly", "funnel", "industry"):
        box = page.locator(f"#projects-{chart} canvas").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200, chart
    assert page.locator("[data-figure=projects_signed] .value").inner_text().startswith("3")
    assert "8.30" in page.locator("[data-figure=agreed_investment] .value").inner_text()  # 830,000,000.50 yuan
    assert "361.11%" in page.locator("[data-figure=agreed_investment]").inner_text()
    assert "1.70" in page.locator("[data-figure=funds_in_place] .value").inner_text()
    assert page.locator("[data-figure=key_enterprises_served] .value").inner_text().startswith("3")
    assert page.locator("[data-figure=high_tech_share] .value").inner_text().startswith("33.3")
    p4 = page.locator("tr[data-code=P4]")
    assert [li.get_attribute("data-stage") for li in p4.locator("li.done").all()] == [
        "signed", "landed", "started", "completed"]
    assert "done" not in (p4.locator("li[data-stage=registered]").get_attribute("class") or "").split()
    assert page.locator("tr[data-code=P6] li.done").count() == 0  # still under negotiation
    funnel = page.evaluate("echarts.getInstanceByDom(document.getElementById('projects-funnel'))"
                           ".getOption().series[0].data.map(d => d.value)")
    assert funnel == [3, 2, 1, 0]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "projects.png"), full_page=True)

    page.goto(f"{server.url}/projects?{H1}&lang=en")
    page.wait_for_selector("html[data-projects-charts='3']")
    assert "Projects signed" in page.locator("[data-figure=projects_signed]").inner_text()
    assert "Landed" in page.locator("tr[data-code=P1]").inner_text()


def test_a_stage_is_recorded_with_its_document_on_the_project_page(server, office, page, tmp_path):
    sign_in(page, server, "invest-cq")
    page.goto(f"{server.url}/projects?{H1}")
    page.click("tr[data-code=P3] a >> nth=0")
    assert "研发中心" in page.locator("h1").inner_text()
    evidence = tmp_path / "land.png"
    evidence.write_bytes(PNG)
    page.select_option("#stage", "landed")
    page.fill("#on", "2021-06-20")
    page.fill("#stage-note", "土地出让合同")
    page.set_input_files("#document", str(evidence))
    page.click("#set-stage button[type=submit]")
    page.wait_for_load_state()
    record = page.locator("#stage-log li[data-stage=landed]")
    assert "土地出让合同" in record.inner_text() and "invest-cq" in record.inner_text()
    assert page.locator("li.done[data-stage=landed]").count() == 1
    link = record.locator("a").get_attribute("href")
    assert page.request.get(f"{server.url}{link}").body() == PNG
    page.select_option("#stage", "completed")
    page.fill("#on", "2021-06-25")
    page.click("#set-stage button[type=submit]")
    page.wait_for_load_state()
    assert "开工" in page.locator(".errors").inner_text()  # completed needs started first
    page.screenshot(path=str(SHOTS / "project.png"), full_page=True)


def test_the_specialist_sees_their_enterprises_and_resolves_a_request(server, office, page):
    sign_in(page, server, "spec-b")
    assert page.url.endswith("/specialist")
    rows = page.locator("#open-requests tbody tr")
    assert rows.count() == 1 and "用电增容" in rows.first.inner_text()
    assert page.locator("#my-enterprises tbody tr").count() == 1  # only E3 is spec-b's
    page.fill("#log-service #request", "园区道路照明")
    page.fill("#log-service #resolved_on", "2000-01-01")  # before the visit: sent back with what was typed
    page.click("#log-service button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".errors").count() == 1
    assert page.input_value("#log-service #request") == "园区道路照明"
    assert page.input_value("#log-service #resolved_on") == "2000-01-01"
    rows = page.locator("#open-requests tbody tr")
    rows.first.locator("input[name=action]").fill("已协调供电公司扩容")
    rows.first.locator("button").click()
    page.wait_for_load_state()
    assert "没有未办结的诉求" in page.locator("main").inner_text() and page.locator("#open-requests").count() == 0
    page.goto(f"{server.url}/key-enterprises/{office[2]}")
    log = page.locator("#service-log li[data-kind=request]")
    assert "办结日期" in log.inner_text() and "已协调供电公司扩容" in log.inner_text()
    assert page.locator("#change").count() == 0  # the office's form, not the specialist's
    page.goto(f"{server.url}/projects")
    assert page.locator(".errors").count() == 1 and "招商部门" in page.content()


def test_the_office_marks_a_key_enterprise_and_records_its_certificate(server, office, page):
    extra = add_register(server.app.state.db, "cq-gxq", count=4)[3]
    sign_in(page, server, "invest-cq")
    page.goto(f"{server.url}/key-enterprises")
    assert page.locator("#key-enterprises tbody tr").count() == 3
    page.click("#mark summary")
    page.fill("#uscc", extra)
    page.fill("#specialist", "spec-b")
    page.fill("#cert_number", "GR1")
    page.click("#mark button[type=submit]")
    page.wait_for_load_state()
    assert "key_enterprise.certificate" in page.locator(".errors").inner_text()  # a number without its dates
    page.fill("#cert_issued_on", "2020-12-01")
    page.fill("#cert_expires_on", "2023-11-30")
    page.click("#mark button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(f"/key-enterprises/{extra}")
    assert "spec-b" in page.locator("#specialist").inner_text()
    assert "今日已不在有效期内" in page.locator("#certificate").inner_text()  # expired in 2023; today is later
    page.fill("#cert_expires_on", "2099-12-31")
    page.click("#change button[type=submit]")  # the dates of the certificate held: a correction needs a reason
    page.wait_for_load_state()
    assert "correction.reason" in page.locator(".errors").inner_text()
    page.fill("#cert_expires_on", "2099-12-31")
    page.fill("#change-reason", "有效期按证书原件更正")
    page.click("#change button[type=submit]")
    page.wait_for_load_state()
    assert "今日有效" in page.locator("#certificate").inner_text()

"""The page a phone opens when it scans a licence QR, in Debian's chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import application_body
from web.browser import sign_in

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]
SHOTS = Path("/tmp/yima-screens")


def test_scanned_licence_shows_permits_then_revocation_in_red(server, page):
    body = application_body(name="重庆嘉陵酒店管理有限公司", scope=["hotel"], industry_code="H6110",
                            materials=["application_form", "articles_of_association", "floor_plan",
                                       "staff_health_certificates"],
                            commitments=["address", "permit_conditions", "beneficial_owner"])
    with server.client("alice") as alice:
        uscc = alice.post("/api/v1/applications", json=body).json()["uscc"]
        qr = alice.get(f"/api/v1/licences/{uscc}").json()["qr"]
    page.set_viewport_size({"width": 414, "height": 896})  # a phone
    page.goto(qr.replace(server.url.upper(), server.url))
    assert "重庆嘉陵酒店管理有限公司" in page.text_content("h1")
    assert "公共场所卫生许可证" in page.text_content("#permits")
    assert "存续" in page.text_content("#status")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "scan-active.png"), full_page=True)
    with server.client("officer-cq") as officer:
        assert officer.post(f"/api/v1/enterprises/{uscc}/revocation", json={"reason": "虚假登记"}).status_code == 200
    page.reload()
    status = page.locator("#verdict .revoked")
    assert status.count() == 1 and status.text_content().strip() == "已吊销"
    assert "已吊销" in page.text_content("#status")
    color = status.evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(200, 22, 29)"
    page.screenshot(path=str(SHOTS / "scan-revoked.png"), full_page=True)


def test_licence_page_shows_the_qr_and_the_pdf_link(server, page):
    with server.client("alice") as alice:
        uscc = alice.post("/api/v1/applications", json=application_body()).json()["uscc"]
    page.goto(f"{server.url}/licences/{uscc}")
    assert page.locator("#qr").evaluate("img => img.naturalWidth") > 100
    assert page.get_attribute("#pdf", "href").endswith("/licence.pdf")


def test_department_officer_approves_a_pending_food_permit_in_the_browser(server, page):
    body = application_body(name="重庆山城餐饮管理有限公司", scope=["catering"], industry_code="H6210",
                            materials=["application_form", "articles_of_association", "food_safety_rules",
                                       "equipment_layout", "food_safety_manager"])
    with server.client("alice") as alice:
        uscc = alice.post("/api/v1/applications", json=body).json()["uscc"]
    sign_in(page, server, "officer-cq")
    page.goto(f"{server.url}/permits")
    row = page.locator("#permits-queue tbody tr").first
    assert uscc in row.text_content()
    row.locator("input[name=reason]").fill("现场核查合格")
    row.locator("button").click()
    page.wait_for_url("**/permits")
    assert page.locator("#permits-queue").count() == 0
    with server.client() as public:
        licence = public.get(f"/api/v1/licences/{uscc}").json()
    assert licence["version"] == 2 and licence["permits"][0]["status"] == "active"


def test_officer_revokes_from_the_enterprise_page_and_applicants_cannot(server, page):
    with server.client("alice") as alice:
        uscc = alice.post("/api/v1/applications", json=application_body()).json()["uscc"]
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/enterprises/{uscc}")
    assert page.locator("#revoke-form").count() == 0
    page.click("header form button")  # sign out
    sign_in(page, server, "officer-cq")
    page.goto(f"{server.url}/enterprises/{uscc}")
    page.fill("#reason", "虚假登记")
    page.click("#revoke-form button[type=submit]")
    page.wait_for_selector("#confirm-form")  # it asks first, repeating the reason
    assert page.input_value("#reason") == "虚假登记" and uscc in page.text_content("#confirm")
    with server.client() as public:  # nothing is revoked until it is confirmed
        assert public.get(f"/api/v1/enterprises/{uscc}").json()["status"] == "active"
    page.click("#confirm-button")
    page.wait_for_url(f"**/enterprises/{uscc}")
    assert "已吊销" in page.text_content("h1")
    assert "营业执照已吊销" in page.text_content("#flash")
    with server.client() as public:
        qr = public.get(f"/api/v1/licences/{uscc}").json()["qr"]
        assert public.post("/api/v1/verify", json={"qr": qr}).json()["status"] == "revoked"

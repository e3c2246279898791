"""The registration pages in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from factories import application_body, person, tiny_pdf
from web.browser import sign_in
from yima.registration.codes import is_valid_uscc

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]
SHOTS = Path(os.environ.get("YIMA_SCREENSHOTS", "/tmp/yima-screens"))




def fill_application(page, name: str, rep: dict[str, str], with_articles: bool = True) -> None:
    page.select_option("#zone", "cq-gxq")
    page.fill("#name", name)
    page.fill("#registered_capital", "1000000.00")
    page.check("input[name=scope][value=software_development]")
    page.fill("#domicile_text", "重庆市九龙坡区科城路60号")
    page.fill("#lr_name", rep["name"])
    page.fill("#lr_id_number", rep["id_number"])
    page.fill("#lr_phone", rep["phone"])
    page.click("#same-as-lr")
    page.check("input[name=materials][value=application_form]")
    if with_articles:
        page.check("input[name=materials][value=articles_of_association]")


def test_applicant_applies_online_and_is_approved_instantly(server, page):
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/apply")
    assert page.locator("input[name=scope][value=coal_mining]").is_disabled()
    fill_application(page, "重庆云帆科技有限公司", person())
    assert page.input_value("#industry_code") == "I6513"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "apply.png"), full_page=True)
    page.click("#submit")
    page.wait_for_url("**/applications/*")
    uscc = page.text_content("#uscc").strip()
    assert is_valid_uscc(uscc)
    assert "已核准" in page.text_content("#status")
    page.screenshot(path=str(SHOTS / "approved.png"), full_page=True)
    page.goto(f"{server.url}/applications")
    assert uscc in page.text_content("#applications")


def test_the_name_check_s_answer_does_not_move_the_form(server, page):
    """The answer to the name typed comes a moment later; the usual one (the name passes) takes the
    line kept for it, so a scope box the founder is about to click stays where it was."""
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/apply")
    page.select_option("#zone", "cq-gxq")
    box = page.locator("input[name=scope][value=software_development]")
    before = box.bounding_box()
    page.fill("#name", "重庆云帆科技有限公司")
    page.locator("#name-check[data-state=ok]").wait_for()
    assert box.bounding_box() == before


def test_invalid_id_number_is_shown_next_to_the_form_in_chinese_and_english(server, page):
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/apply")
    rep = person()
    fill_application(page, "重庆云帆科技有限公司", {**rep, "id_number": rep["id_number"][:-1] + "0"})
    page.click("#submit")
    assert "校验码" in page.text_content("#errors")
    assert page.input_value("#name") == "重庆云帆科技有限公司"
    page.goto(f"{server.url}/apply?lang=en")
    fill_application(page, "重庆云帆科技有限公司", {**rep, "id_number": rep["id_number"][:-1] + "0"})
    page.click("#submit")
    assert "check" in page.text_content("#errors").lower()


def test_officer_reviews_the_queue_and_approves(server, page):
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body(name="云帆科技有限公司")).json()
    assert created["status"] == "under_review"
    sign_in(page, server, "officer-cq")
    page.wait_for_url("**/queue")
    row = page.locator(f"#queue tr[data-id='{created['id']}']")
    assert "name.form" in row.text_content()
    page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)
    row.locator("a").first.click()
    page.check("input[name=decision][value=approve]")
    page.fill("#reason", "名称经人工核准")
    page.click("#decision-form button[type=submit]")
    assert "name.form" in page.text_content("#override-confirm")  # approving over a finding is confirmed
    assert page.input_value("#reason") == "名称经人工核准"
    page.click("#decision-form button[type=submit]")
    page.wait_for_selector("#uscc")
    assert "已核准" in page.text_content("#status")


def test_applicant_supplies_a_missing_material_after_deferral(server, page, tmp_path):
    with server.client("alice") as alice, server.client("officer-cq") as officer:
        created = alice.post("/api/v1/applications", json=application_body(materials=["application_form"])).json()
        officer.post(f"/api/v1/applications/{created['id']}/decision", json={"decision": "accept_with_missing"})
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/applications/{created['id']}")
    assert "待补材料" in page.text_content("#status")
    bad = tmp_path / "virus.pdf"
    bad.write_bytes(b"MZ not really a pdf")
    page.set_input_files("#file", str(bad))
    with page.expect_response(lambda r: r.url.endswith("/materials")) as answered:
        page.click("#supply-form button[type=submit]")
    assert answered.value.status == 422
    assert "virus.pdf 不是 PDF、JPEG 或 PNG 文件" in page.text_content(".errors")
    assert "待补材料" in page.text_content("#status")
    with server.client("alice") as alice:
        kept = alice.get(f"/api/v1/applications/{created['id']}").json()
    assert kept["status"] == "awaiting_materials" and kept["missing_materials"] and kept["uploads"] == []
    document = tmp_path / "章程.pdf"
    document.write_bytes(tiny_pdf("articles of association"))
    page.set_input_files("#file", str(document))
    page.click("#supply-form button[type=submit]")
    page.wait_for_load_state()
    assert "审核中" in page.text_content("#status")
    with server.client("alice") as alice:
        supplied = alice.get(f"/api/v1/applications/{created['id']}").json()
    assert supplied["missing_materials"] == [] and [u["filename"] for u in supplied["uploads"]] == ["章程.pdf"]

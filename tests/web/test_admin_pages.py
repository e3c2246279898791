"""The audit log page for officers and the accounts page for administrators, in Debian's chromium."""

from __future__ import annotations

import pytest

from factories import PASSWORD, application_body
from web.browser import sign_in

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]


def test_an_officer_reads_the_zones_audit_log_and_its_check(server, page):
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body()).json()
    sign_in(page, server, "officer-cq")
    page.click("header a[href='/audit']")
    assert page.locator("h1").inner_text().endswith("cq-gxq")
    assert "日志链完整" in page.locator("#chain-check").inner_text()
    actions = page.locator("#audit-entries td.action .rule").all_inner_texts()
    assert {"application.approved", "licence.issued", "zone.created"} <= set(actions)
    page.fill("input[name=subject]", f"application:{created['id']}")
    page.click("form[action='/audit'] button")
    assert page.locator("#audit-entries td.action .rule").all_inner_texts() == ["application.approved",
                                                                                "application.submitted"]
    assert page.locator("#audit-entries td.action").first.inner_text().startswith("申请已核准")
    page.goto(f"{server.url}/audit?zone=cd-gxq")  # another zone's chain is not an officer's to read
    assert "只能查看本区的审计日志" in page.content()


def test_an_administrator_disables_and_enables_an_account(server, page, browser):
    sign_in(page, server, "admin")
    page.click("header a[href='/admin/users']")
    row = page.locator("tr[data-user='bob']")
    assert "bob" in row.inner_text() and row.locator("button", has_text="停用").count() == 1
    assert page.locator("tr[data-user='admin'] button", has_text="停用").count() == 0  # not oneself
    row.locator("button", has_text="停用").click()
    page.wait_for_selector("#confirm-form")  # it asks first, with the reason
    assert "bob" in page.locator("#confirm").inner_text()
    page.fill("#reason", "已离职")
    page.click("#confirm-button")
    page.wait_for_selector("#flash")
    assert "账号 bob 已停用" in page.locator("#flash").inner_text()
    assert "已停用" in page.locator("tr[data-user='bob']").inner_text()
    other = browser.new_context(locale="zh-CN").new_page()
    sign_in(other, server, "bob", PASSWORD)
    assert "该账号已停用" in other.content()
    page.locator("tr[data-user='bob'] button", has_text="启用").click()
    page.wait_for_load_state()
    sign_in(other, server, "bob", PASSWORD)
    assert "该账号已停用" not in other.content() and "bob" in other.locator("header").inner_text()
    other.context.close()
    with server.client("admin") as admin:
        actions = [e["action"] for e in admin.get("/api/v1/audit", params={"zone": "platform"}).json()]
        disabled = admin.get("/api/v1/audit", params={"zone": "platform"}).json()[1]
    assert actions[:2] == ["user.enabled", "user.disabled"]
    assert disabled["detail"] == {"reason": "已离职"}

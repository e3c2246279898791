"""In Debian's chromium: a person locked out by failed sign-ins is told so on the sign-in page,
even with the right password; the administrator sees the lock on /admin/users and lifts it."""

from __future__ import annotations

import pytest

from factories import PASSWORD
from web.browser import sign_in

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]


def test_a_locked_account_is_told_and_an_administrator_unlocks_it(server, page, browser, tmp_path):
    person = browser.new_context(locale="zh-CN").new_page()
    for _ in range(5):
        sign_in(person, server, "bob", "not-my-password")
    assert "登录失败次数过多" in person.content()
    sign_in(person, server, "bob", PASSWORD)
    assert "登录失败次数过多" in person.content() and "/logout" not in person.content()
    sign_in(page, server, "admin")
    page.goto(f"{server.url}/admin/users")
    row = page.locator("tr[data-user='bob']")
    assert "登录失败 5 次，锁定至" in row.inner_text()
    page.screenshot(path=str(tmp_path / "users-locked.png"), full_page=True)
    row.locator("button", has_text="解除锁定").click()
    page.wait_for_load_state()
    assert "锁定至" not in page.locator("tr[data-user='bob']").inner_text()
    sign_in(person, server, "bob", PASSWORD)
    assert "bob" in person.locator("header").inner_text()
    person.context.close()

"""In Debian's chromium: a person slowed by failed sign-ins is told to wait on the sign-in page,
even with the right password; the administrator sees the wait on /admin/users and lifts it."""

from __future__ import annotations

import pytest

from factories import PASSWORD
from web.browser import sign_in

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]


def test_a_slowed_account_is_told_and_an_administrator_lifts_the_wait(server, page, browser, tmp_path):
    person = browser.new_context(locale="zh-CN").new_page()
    for _ in range(4):
        sign_in(person, server, "bob", "not-my-password")
    assert "用户名或密码错误；请 5 秒后再试" in person.content()
    sign_in(person, server, "bob", PASSWORD)  # within the 5 s: not even the right password is checked
    assert "登录失败次数过多" in person.content() and "/logout" not in person.content()
    sign_in(page, server, "admin")
    page.goto(f"{server.url}/admin/users")
    row = page.locator("tr[data-user='bob']")
    assert "登录失败 4 次，须等待至" in row.inner_text()
    page.screenshot(path=str(tmp_path / "users-locked.png"), full_page=True)
    row.locator("button", has_text="解除等待").click()
    page.wait_for_load_state()
    assert "等待至" not in page.locator("tr[data-user='bob']").inner_text()
    sign_in(person, server, "bob", PASSWORD)
    assert "bob" in person.locator("header").inner_text()
    person.context.close()

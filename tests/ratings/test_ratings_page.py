"""The rating form on the application page, in chromium: offered to the applicant of a decided
case; a bad rating without an indicator comes back naming the rule with what was chosen kept and
nothing stored; corrected, it is listed with its item in the reform office's ledger, and the
form is no longer offered."""

from __future__ import annotations

import pytest

from factories import application_body
from web.browser import sign_in

pytestmark = [pytest.mark.db, pytest.mark.e2e]


@pytest.mark.browser
def test_the_applicant_rates_from_the_application_page(server, page):
    with server.client("alice") as alice:
        app_id = alice.post("/api/v1/applications", json=application_body()).json()["id"]
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/applications/{app_id}")
    assert page.is_visible("#rating-form")
    page.check("input[name=score][value='2']")
    page.fill("#rating-comment", "窗口让我跑了三次")
    with page.expect_response(lambda r: r.url.endswith("/rating")) as answered:
        page.click("#rating-form button[type=submit]")
    assert answered.value.status == 422
    assert "差评须至少选择一项" in page.text_content("#errors")
    assert page.is_checked("input[name=score][value='2']")
    assert page.input_value("#rating-comment") == "窗口让我跑了三次"
    with server.client("alice") as alice:
        assert alice.get(f"/api/v1/applications/{app_id}/rating").json()["ratings"] == []

    page.check("input[name=indicators][value=visits]")
    page.click("#rating-form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(f"/applications/{app_id}#rating")
    listed = page.text_content("#ratings")
    assert "不满意" in listed and "不满意之处：跑动次数" in listed and "窗口让我跑了三次" in listed
    assert "差评 20" in listed  # its number in the reform office's ledger
    assert not page.is_visible("#rating-form")  # once, until it is put right

"""Pages everyone can use (issue 24; GB/T 37668-2019, WCAG 2.1 AA), in Debian's chromium.

A rejected form moves the focus to its error summary, whose items link to their fields; each field
names its own messages (aria-describedby); the title says there is an error; rule ids are small print a
screen reader reads out only to staff."""

from __future__ import annotations

import pytest

from factories import person
from web.browser import sign_in
from web.test_registration_pages import fill_application

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]


def _focused_id(page) -> str:
    return str(page.evaluate("document.activeElement ? document.activeElement.id : ''"))


def test_a_rejected_application_moves_the_focus_to_a_summary_that_links_to_the_fields(server, page):
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/apply")
    title = page.title()
    rep = person()
    fill_application(page, "重庆云帆科技有限公司", {**rep, "id_number": rep["id_number"][:-1] + "0"})
    page.click("#submit")
    page.wait_for_selector("#errors")
    assert page.title() == "错误：" + title
    assert _focused_id(page) == "errors"
    summary = page.locator("#errors")
    assert summary.get_attribute("role") is None  # read because it has the focus, not as an alert at load
    assert summary.get_attribute("tabindex") == "-1"
    assert page.locator("[role=alert]").count() == 0
    assert "校验码" in summary.text_content()
    # the applicant hears words; the rule id is small print a screen reader does not read out
    assert page.locator("#errors .rule").first.get_attribute("aria-hidden") == "true"
    assert page.locator("#errors li[data-rule]").count() >= 1
    # the field names its message
    described = page.get_attribute("#lr_id_number", "aria-describedby")
    assert described and page.get_attribute("#lr_id_number", "aria-invalid") == "true"
    assert "校验码" in page.text_content(f"#{described.split()[0]}")
    # the summary's link goes to the field, with the keyboard
    link = page.locator("#errors a[href='#lr_id_number']")
    assert link.count() == 1
    link.focus()
    page.keyboard.press("Enter")
    assert _focused_id(page) == "lr_id_number"


def test_the_error_title_and_summary_are_in_english_too(server, page):
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/apply?lang=en")
    rep = person()
    fill_application(page, "重庆云帆科技有限公司", {**rep, "id_number": rep["id_number"][:-1] + "0"})
    page.click("#submit")
    page.wait_for_selector("#errors")
    assert page.title().startswith("Error: ")
    assert _focused_id(page) == "errors"
    assert "check" in page.text_content("#errors").lower()


def test_a_failed_sign_in_is_announced_the_same_way(server, page):
    page.goto(f"{server.url}/login")
    page.fill("#username", "alice")
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    page.wait_for_selector("#errors")
    assert page.title().startswith("错误：")
    assert _focused_id(page) == "errors"
    page.click("#errors a")
    assert _focused_id(page) == "username"


def _summary(role: str | None) -> str:
    from types import SimpleNamespace

    from yima.web.i18n import translations
    from yima.web.templating import environment

    env = environment([])
    macro = env.get_template("_forms.html").make_module(
        {"_": translations("zh").gettext, "actor": SimpleNamespace(role=role) if role else None}).error_summary
    return str(macro([{"rule": "schema.string_too_short", "text": "名称过短", "anchor": "name"},
                      {"rule": "uscc.check_digit", "text": "校验码不符"}]))


def test_the_rule_id_is_small_print_read_out_only_to_staff():
    officer, applicant = _summary("officer"), _summary("applicant")
    assert '<small class="rule" lang="en" translate="no">schema.string_too_short</small>' in officer
    hidden = '<small class="rule" lang="en" translate="no" aria-hidden="true">schema.string_too_short</small>'
    assert hidden in applicant
    assert 'data-rule="schema.string_too_short"' in applicant
    assert '<a href="#name">名称过短</a>' in applicant
    assert "<li data-rule=\"uscc.check_digit\">校验码不符 <small" in applicant  # no field to link to: no link
    assert 'tabindex="-1"' in applicant and "role=" not in applicant

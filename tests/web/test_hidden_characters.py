"""No control or invisible character enters through any route (issue 17 item 3): one rule,
``text.hidden_character``, on every API body and page form, of every feature."""

from __future__ import annotations

import re

import pytest

from factories import application_body

pytestmark = [pytest.mark.db, pytest.mark.e2e]


def test_a_decision_reason_with_a_hidden_character_is_refused_and_nothing_changes(server):
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body(name="云帆科技有限公司")).json()
    assert created["status"] == "under_review"
    with server.client("officer-cq") as officer:
        answer = officer.post(f"/api/v1/applications/{created['id']}/decision",
                              json={"decision": "reject", "reason": "名称不符合\u202e规定"})
        assert answer.status_code == 422, answer.text
        assert (answer.json()["error"], answer.json()["field"]) == ("text.hidden_character", "reason")
        assert "U+202E" in answer.json()["message"]
        assert officer.get(f"/api/v1/applications/{created['id']}").json()["status"] == "under_review"
        fine = officer.post(f"/api/v1/applications/{created['id']}/decision",
                            json={"decision": "reject", "reason": "名称不符合规定\n请补正"})
        assert fine.status_code == 200 and fine.json()["status"] == "rejected"


def test_a_zone_setting_with_a_hidden_character_is_refused(server):
    with server.client("admin") as admin:
        answer = admin.post("/api/v1/zones/cq-gxq/address-bans", json={"pattern": "军事\u200b管理区", "reason": "x"})
    assert answer.status_code == 422 and answer.json()["error"] == "text.hidden_character"
    assert answer.json()["field"] == "pattern"


def test_a_page_form_with_a_hidden_character_is_refused_with_a_page_naming_field_and_rule(server):
    with server.client() as browser:
        form = browser.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = browser.post("/login", data={"username": "alice\u0000", "password": "x", "csrf_token": token[1]},
                              headers={"Accept": "text/html"})
    assert answer.status_code == 422 and "text/html" in answer.headers["content-type"]
    assert "text.hidden_character" in answer.text and "U+0000" in answer.text and "username" in answer.text


def test_a_json_body_is_passed_unparsed_only_when_no_string_in_it_can_hide_a_character():
    from yima.web.textguard import _clean_json_text

    assert _clean_json_text('{"name": "重庆云帆科技有限公司", "scope": ["a b"]}'.encode())
    for body in ('{"name": "重庆\u200b云帆"}', '{"reason": "x\u202ey"}', '{"a": "x\u3164"}',
                 '{"name": "重庆\\u200b云帆"}', '{"note": "line\\nbreak"}', '{\n"a": "b"}'):
        assert not _clean_json_text(body.encode()), body  # walked string by string, as before
    assert not _clean_json_text(b'{"a": "\xff"}')  # not UTF-8: left to the parser

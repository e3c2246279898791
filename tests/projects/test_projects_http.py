"""Each role against each new endpoint of a real server, and what the endpoints answer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from project_helpers import add_register, enterprise_code

from factories import NOW, PASSWORD, tiny_pdf
from yima.accounts.service import add_user
from yima.audit.service import verify_chain
from yima.projects import key_enterprises, service
from yima.projects.model import KeyEnterpriseIn, ProjectIn, ServiceIn

pytestmark = [pytest.mark.db, pytest.mark.e2e]

ROLES = ("anonymous", "applicant", "officer", "investment_office", "investment_office_elsewhere",
         "service_specialist", "service_specialist_unassigned", "admin")
USERS = {"applicant": "alice", "officer": "officer-cq", "admin": "admin", "investment_office": "invest-cq",
         "investment_office_elsewhere": "invest-cd", "service_specialist": "spec-cq",
         "service_specialist_unassigned": "spec-cq2"}


def allowed(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


OFFICE = ("investment_office", "admin")
# (method, path, role → allowed): the table the project-wide route × role matrix takes in.
ROUTE_ROLES: list[tuple[str, str, dict[str, bool]]] = [
    ("GET", "/api/v1/projects?zone=cq-gxq", allowed(*OFFICE)),
    ("POST", "/api/v1/projects", allowed(*OFFICE)),
    ("GET", "/api/v1/projects/figures?zone=cq-gxq&from=2021-01-01&to=2021-06-30", allowed(*OFFICE)),
    ("GET", "/api/v1/projects/{project}", allowed(*OFFICE)),
    ("POST", "/api/v1/projects/{project}/stages", allowed(*OFFICE)),
    ("POST", "/api/v1/projects/{project}/stages/document", allowed(*OFFICE)),
    ("POST", "/api/v1/projects/{project}/funds", allowed(*OFFICE)),
    ("GET", "/api/v1/key-enterprises?zone=cq-gxq",
     allowed(*OFFICE, "service_specialist", "service_specialist_unassigned")),  # a specialist: their own
    ("POST", "/api/v1/key-enterprises", allowed(*OFFICE)),
    ("GET", "/api/v1/key-enterprises/desk", allowed("service_specialist", "service_specialist_unassigned")),
    ("GET", "/api/v1/key-enterprises/{uscc}", allowed(*OFFICE, "service_specialist")),
    ("PATCH", "/api/v1/key-enterprises/{uscc}", allowed(*OFFICE)),
    ("POST", "/api/v1/key-enterprises/{uscc}/services", allowed("service_specialist", "admin")),
    ("POST", "/api/v1/key-enterprises/services/{service}/resolve", allowed("service_specialist", "admin")),
]
PDF = tiny_pdf("evidence")


@pytest.fixture
def office(db, server, people) -> dict[str, Any]:
    add_user(db, "invest-cq", "investment_office", PASSWORD, NOW, zone_id="cq-gxq")
    add_user(db, "invest-cd", "investment_office", PASSWORD, NOW, zone_id="cd-gxq")
    add_user(db, "spec-cq", "service_specialist", PASSWORD, NOW, zone_id="cq-gxq")
    add_user(db, "spec-cq2", "service_specialist", PASSWORD, NOW, zone_id="cq-gxq")
    codes = add_register(db, "cq-gxq", count=3 + len(ROLES))
    admin = people["admin"]
    project = service.create_project(db, admin, ProjectIn(
        zone="cq-gxq", code="CQ-2021-001", name="云端数据中心", investor="华讯集团",
        investor_tags=["fortune_global_500"], industry_code="I6450", amount=Decimal("500000000"),
        signed_on=date(2021, 1, 15), note="合同扫描件已归档"), NOW)
    key_enterprises.mark(db, admin, KeyEnterpriseIn(zone="cq-gxq", uscc=codes[0], specialist="spec-cq"), NOW)
    requests = {role: key_enterprises.log_service(db, admin, codes[0], ServiceIn(
        served_on=date(2021, 3, 1), kind="request", request=f"诉求 {role}"), NOW).id for role in ROLES}
    return {"project": project.id, "uscc": codes[0], "free": dict(zip(ROLES, codes[3:], strict=True)),
            "service": requests}


def _call(client: Any, method: str, template: str, role: str, ctx: dict[str, Any]) -> Any:
    path = template.format(project=ctx["project"], uscc=ctx["uscc"], service=ctx["service"][role])
    if method == "GET":
        return client.get(path)
    if method == "PATCH":
        return client.patch(path, json={"high_tech_certificate": {
            "number": "GR202150000001", "issued_on": "2020-12-01", "expires_on": "2023-11-30"}})
    if path.endswith("/stages/document"):
        return client.post(path, data={"stage": "landed", "on": "2021-03-01", "note": "落地协议"},
                           files={"file": ("landed.pdf", PDF, "application/pdf")})
    body: dict[str, Any] = {
        "/api/v1/projects": {"zone": "cq-gxq", "code": f"T-{role}", "name": "测试项目", "investor": "某集团",
                             "industry_code": "C3921", "amount": "120000000", "signed_on": "2021-02-01"},
        f"/api/v1/projects/{ctx['project']}/stages": {"stage": "landed", "on": "2021-03-01", "note": "落地协议"},
        f"/api/v1/projects/{ctx['project']}/funds": {"received_on": "2021-02-01",
                                                     "amount": str(1000 + ROLES.index(role))},
        "/api/v1/key-enterprises": {"zone": "cq-gxq", "uscc": ctx["free"][role], "specialist": "spec-cq"},
        f"/api/v1/key-enterprises/{ctx['uscc']}/services": {"served_on": "2021-04-01", "kind": "visit",
                                                            "request": "走访"},
        f"/api/v1/key-enterprises/services/{ctx['service'][role]}/resolve": {"resolved_on": "2021-03-08",
                                                                              "action": "已协调"},
    }[path]
    return client.post(path, json=body)


def test_each_role_against_each_endpoint(db, server, office):
    clients = {role: server.client(USERS.get(role)) for role in ROLES}
    failures = []
    for method, template, verdicts in ROUTE_ROLES:
        for role in ROLES:
            response = _call(clients[role], method, template, role, office)
            ok = response.status_code < 300
            denied = response.status_code in (401, 403, 404)
            if (verdicts[role] and not ok) or (not verdicts[role] and not denied):
                failures.append(f"{method} {template} as {role}: {response.status_code} {response.text[:160]}")
    assert failures == []
    assert verify_chain(db, "cq-gxq").ok


def test_a_specialist_sees_only_their_enterprises(server, office):
    mine = server.client("spec-cq").get("/api/v1/key-enterprises").json()
    assert [k["uscc"] for k in mine] == [office["uscc"]]
    assert server.client("spec-cq2").get("/api/v1/key-enterprises").json() == []
    desk = server.client("spec-cq").get("/api/v1/key-enterprises/desk").json()
    assert len(desk["open_requests"]) == len(ROLES) and desk["enterprises"][0]["open_requests"] == len(ROLES)
    # the specialist was notified of the assignment and of each request logged by someone else
    told = server.client("spec-cq").get("/api/v1/notifications?limit=100").json()
    kinds = [n["kind"] for n in told["items"]]
    assert kinds.count("key_enterprise.request") == len(ROLES) and kinds.count("key_enterprise.assigned") == 1
    assert told["unread"] == len(ROLES) + 1 and office["uscc"] in told["items"][0]["subject_zh"]
    assert server.client("spec-cq2").get("/api/v1/notifications").json() == {"unread": 0, "items": [],
                                                                               "next_before": None}


def test_the_log_form_offers_every_enterprise_of_the_specialist(db, server, office, people):
    spec = add_user(db, "spec-many", "service_specialist", PASSWORD, NOW, zone_id="cq-gxq")
    mine = sorted(office["free"].values())[:3]
    for uscc in mine:
        key_enterprises.mark(db, people["admin"], KeyEnterpriseIn(zone="cq-gxq", uscc=uscc, specialist="spec-many"),
                             NOW)
    every = key_enterprises.desk_choices(db, spec)
    assert every.complete and sorted(u for u, _ in every.enterprises) == mine
    some = key_enterprises.desk_choices(db, spec, limit=2)
    assert not some.complete and some.enterprises == every.enterprises[:2]
    # The form's choices follow neither the list's search nor its page.
    page = server.client("spec-many").get("/specialist", params={"q": "无此企业", "per_page": 1}).text
    assert 'id="log-service"' in page and all(f'<option value="{u}"' in page for u in mine)


def test_stage_rules_and_evidence_documents_over_http(server, office):
    client = server.client("invest-cq")
    project = f"/api/v1/projects/{office['project']}"
    early = client.post(f"{project}/stages", json={"stage": "landed", "on": "2020-12-31"})
    assert early.status_code == 422 and early.json()["error"] == "project.stage_order"
    skipped = client.post(f"{project}/stages", json={"stage": "started", "on": "2021-05-01"})
    assert skipped.status_code == 422 and skipped.json()["field"] == "landed_on"
    unknown = client.post(f"{project}/stages", json={"stage": "registered", "on": "2021-02-01",
                                                     "enterprise_uscc": enterprise_code(77)})
    assert unknown.status_code == 422 and unknown.json()["error"] == "project.enterprise_unknown"
    disguised = client.post(f"{project}/stages/document", data={"stage": "landed", "on": "2021-03-01"},
                            files={"file": ("contract.pdf", b"not a pdf at all", "application/pdf")})
    assert disguised.status_code == 422 and disguised.json()["error"] == "upload.type"
    landed = client.post(f"{project}/stages/document", data={"stage": "landed", "on": "2021-03-01",
                                                            "note": "落地协议"},
                         files={"file": ("landed.pdf", PDF, "application/pdf")})
    assert landed.status_code == 200, landed.text
    record = landed.json()["stages"][-1]
    assert (record["stage"], record["set_by"], record["set_by_role"]) == ("landed", "invest-cq", "investment_office")
    assert record["document"]["content_type"] == "application/pdf" and record["document"]["size"] == len(PDF)
    assert landed.json()["stages_on"]["landed"] == "2021-03-01"
    assert landed.json()["next_stages"] == ["started", "registered"]
    document = client.get(record["document"]["url"])
    assert document.status_code == 200 and document.content == PDF
    assert document.headers["content-disposition"].startswith("attachment;")  # saved, never rendered inline
    assert document.headers["x-content-type-options"] == "nosniff"
    assert server.client("invest-cd").get(record["document"]["url"]).status_code in (303, 404)
    funds = client.post(f"{project}/funds", json={"received_on": "2021-02-01", "amount": "100000000.00",
                                                  "source": "外资"})
    assert funds.status_code == 201 and funds.json()["funds_in_place"] == "100000000.00"
    again = client.post(f"{project}/funds", json={"received_on": "2021-02-01", "amount": "100000000.00"})
    assert again.status_code == 409
    # recorded_at is a documented date-time: with its offset, on SQLite too (it came back naive there)
    detail = client.get(project).json()
    times = [s["recorded_at"] for s in detail["stages"]] + [f["recorded_at"] for f in detail["funds"]]
    times += [f["recorded_at"] for f in funds.json()["funds"]] + [s["recorded_at"] for s in landed.json()["stages"]]
    assert times and all(datetime.fromisoformat(t).utcoffset() is not None for t in times), times


def test_the_sections_appear_in_the_zone_statistics(server, office):
    stats = server.client("officer-cq").get("/api/v1/stats?zone=cq-gxq&from=2021-01-01&to=2021-06-30").json()
    assert stats["projects"]["projects_signed"]["count"]["value"] == 1
    assert stats["projects"]["investors_by_tag"]["fortune_global_500"]["value"] == 1
    assert stats["key_enterprises"]["served"]["value"] == 1
    office_view = server.client("invest-cq").get("/api/v1/projects/figures?from=2021-01-01&to=2021-06-30").json()
    assert office_view["zone"] == "cq-gxq"
    assert office_view["projects"] == stats["projects"] and office_view["key_enterprises"] == stats["key_enterprises"]
    paths = server.client().get("/openapi.json").json()["paths"]
    for method, template, _ in ROUTE_ROLES:
        path = template.split("?")[0].replace("{project}", "{project_id}").replace("{service}", "{service_id}")
        operation = paths[path][method.lower()]
        assert "200" in operation["responses"] or "201" in operation["responses"]
        answer = operation["responses"].get("200") or operation["responses"]["201"]
        assert "$ref" in str(answer["content"]["application/json"]["schema"]), path

"""Lists at scale (issue 21): the officers' applications, the accounts, the permits awaiting a
decision, the specialist's desk and the federation message log are paged as the projects are —
``page``, ``per_page`` (at most 100) and ``q`` on the API with ``X-Total-Count`` and ``Link``, the
page with its search box and page links, a formula-safe CSV export where the list has one — and a
caller that passes no paging parameter gets the first page of the v1 answer."""

from __future__ import annotations

import csv
import io
import re
from contextlib import closing
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from factories import NOW, PASSWORD, application_body
from yima.accounts.service import add_user
from yima.accounts.tables import User
from yima.federation.tables import InboxMessage, OutboxMessage
from yima.licences.tables import Permit
from yima.projects.tables import EnterpriseService, KeyEnterprise
from yima.registration import service
from yima.registration.codes import make_uscc
from yima.registration.model import ApplicationIn
from yima.stats.importer import load_entities
from yima.stats.rows import EntityRow

pytestmark = pytest.mark.db
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def page_session(server, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=60)
    token = TOKEN.search(client.get("/login").text).group(1)
    assert client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
                       ).status_code == 303
    return client


def csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def register(db, count: int, names: list[str] | None = None) -> list[str]:
    codes = [make_uscc("llc", "500107", 710_000 + i, 0) for i in range(1, count + 1)]
    load_entities(db, "cq-gxq", [EntityRow(code, (names or [])[i] if names else f"重庆企业{i}有限公司", "llc", "C3921",
                                           Decimal("1000000"), date(2020, 1, 1), None, "重庆市高新区科城路1号")
                                 for i, code in enumerate(codes)], NOW)
    return codes


def test_the_officers_applications_are_paged_searched_and_exported(server, standard, people):
    ids = [service.submit(server.app.state.db, standard, people["alice" if i % 2 else "bob"], ApplicationIn
                          .model_validate(application_body(name=name)), NOW + timedelta(minutes=i))
           for i, name in enumerate(["云帆科技有限公司", "山城小面", "渝味小面"])]
    with server.client("officer-cq") as api:
        default = api.get("/api/v1/applications")  # no paging parameter: the first page of the v1 answer
        assert [a["id"] for a in default.json()] == ids and default.headers["X-Total-Count"] == "3"
        first = api.get("/api/v1/applications", params={"per_page": 2})
        assert [a["id"] for a in first.json()] == ids[:2]  # oldest first
        assert '</api/v1/applications?per_page=2&page=2>; rel="next"' in first.headers["Link"]
        last = api.get("/api/v1/applications", params={"per_page": 2, "page": 2})
        assert [a["id"] for a in last.json()] == ids[2:] and 'rel="next"' not in last.headers["Link"]
        found = api.get("/api/v1/applications", params={"q": "小面"})
        assert [a["id"] for a in found.json()] == ids[1:] and found.headers["X-Total-Count"] == "2"
        assert [a["id"] for a in api.get("/api/v1/applications", params={"q": str(ids[0])}).json()] == ids[:1]
        superscript = api.get("/api/v1/applications", params={"q": "²"})  # a digit to str.isdigit, not to int()
        assert superscript.status_code == 200 and superscript.json() == []
        assert api.get("/api/v1/applications", params={"per_page": 101}).status_code == 422
        rows = csv_rows(api.get("/api/v1/applications/export.csv", params={"q": "小面"}))
        assert rows[0][:3] == ["id", "zone", "matter"] and [int(r[0]) for r in rows[1:]] == ids[1:]
        assert [r[5] for r in rows[1:]] == ["山城小面", "渝味小面"]
    with server.client("alice") as own:  # an applicant: their own only, newest first
        assert [a["id"] for a in own.get("/api/v1/applications").json()] == [ids[1]]
    with closing(page_session(server, "officer-cq")) as browser:
        page = browser.get("/queue", params={"q": "小面"})
        assert page.status_code == 200 and 'id="queue-search"' in page.text and "山城小面" in page.text
        assert "云帆科技有限公司" not in page.text
        assert 'href="/api/v1/applications/export.csv?q=%E5%B0%8F%E9%9D%A2"' in page.text


def test_the_accounts_are_paged_searched_and_exported(server, db):
    for i in range(3):
        add_user(db, f"clerk-{i}", "officer", PASSWORD, NOW, zone_id="cq-gxq", display_name=f"=cmd|{i}")
    with server.client("admin") as api:
        everyone = api.get("/api/v1/users")
        assert everyone.status_code == 200 and everyone.headers["X-Total-Count"] == "8"
        assert all("password_hash" not in u for u in everyone.json())
        first = api.get("/api/v1/users", params={"role": "officer", "per_page": 2})
        assert [u["username"] for u in first.json()] == ["clerk-0", "clerk-1"]
        assert first.headers["X-Total-Count"] == "5" and 'role=officer&per_page=2&page=2>; rel="next"' in \
            first.headers["Link"]
        assert [u["username"] for u in api.get("/api/v1/users", params={"q": "clerk-2"}).json()] == ["clerk-2"]
        rows = csv_rows(api.get("/api/v1/users/export.csv", params={"q": "clerk"}))
        assert rows[0] == ["username", "display_name", "role", "zone", "disabled", "created_at"]
        assert [r[0] for r in rows[1:]] == ["clerk-0", "clerk-1", "clerk-2"] and rows[1][1] == "'=cmd|0"
    with server.client("officer-cq") as api:
        assert api.get("/api/v1/users").status_code == 403
        assert api.get("/api/v1/users/export.csv").status_code == 403
    with closing(page_session(server, "admin")) as browser:
        page = browser.get("/admin/users", params={"q": "clerk"})
        assert page.status_code == 200 and 'id="user-search"' in page.text
        assert 'data-user="clerk-1"' in page.text and 'data-user="alice"' not in page.text


def test_the_permits_awaiting_a_decision_are_paged_and_searched(server, db):
    codes = register(db, 3)
    with db.write() as session:
        for i, code in enumerate(codes):
            session.add(Permit(uscc=code, zone_id="cq-gxq", type="food_business", number=f"JY15001{i:05d}",
                               items=["catering"], status="pending", decided_by="department",
                               created_at=NOW + timedelta(minutes=i), history=[]))
    with server.client("officer-cq") as api:
        default = api.get("/api/v1/permits")
        assert [p["uscc"] for p in default.json()] == codes and default.headers["X-Total-Count"] == "3"
        second = api.get("/api/v1/permits", params={"per_page": 2, "page": 2})
        assert [p["uscc"] for p in second.json()] == codes[2:]
        assert [p["number"] for p in api.get("/api/v1/permits", params={"q": "JY1500100001"}).json()] == [
            "JY1500100001"]
        rows = csv_rows(api.get("/api/v1/permits/export.csv", params={"q": codes[0].lower()}))
        assert [r[1] for r in rows[1:]] == codes[:1]
    with server.client("officer-cd") as api:
        assert api.get("/api/v1/permits").headers["X-Total-Count"] == "0"
    with closing(page_session(server, "officer-cq")) as browser:
        page = browser.get("/permits", params={"q": "JY1500100002"})
        assert page.status_code == 200 and 'id="permit-search"' in page.text
        assert codes[2] in page.text and codes[0] not in page.text


def test_the_specialists_desk_is_paged_and_searched(server, db):
    add_user(db, "spec-a", "service_specialist", PASSWORD, NOW, zone_id="cq-gxq")
    codes = register(db, 3, ["云端数据有限公司", "新材料有限公司", "云帆科技有限公司"])
    with db.write() as session:
        specialist = session.scalar(select(User.id).where(User.username == "spec-a"))
        for i, code in enumerate(codes):
            key = KeyEnterprise(zone_id="cq-gxq", uscc=code, specialist_id=specialist, marked_at=NOW, updated_at=NOW)
            session.add(key)
            session.flush()
            session.add(EnterpriseService(key_enterprise_id=key.id, served_on=date(2026, 11, 1 + i), kind="request",
                                          request=f"诉求{i}", action="", recorded_at=NOW))
    with server.client("spec-a") as api:
        default = api.get("/api/v1/key-enterprises/desk")
        body = default.json()
        assert [k["uscc"] for k in body["enterprises"]] == sorted(codes)
        assert (body["enterprises_total"], body["open_requests_total"], body["pages"]) == (3, 3, 1)
        assert [r["request"] for r in body["open_requests"]] == ["诉求0", "诉求1", "诉求2"]  # oldest first
        paged = api.get("/api/v1/key-enterprises/desk", params={"per_page": 2, "page": 2})
        assert len(paged.json()["enterprises"]) == 1 and paged.json()["page"] == 2
        assert paged.headers["X-Total-Count"] == "3" and 'rel="prev"' in paged.headers["Link"]
        found = api.get("/api/v1/key-enterprises/desk", params={"q": "云"}).json()
        assert sorted(k["name"] for k in found["enterprises"]) == ["云帆科技有限公司", "云端数据有限公司"]
        assert [r["request"] for r in found["open_requests"]] == ["诉求0", "诉求2"]
    with closing(page_session(server, "spec-a")) as browser:
        page = browser.get("/specialist", params={"q": "新材料"})
        assert page.status_code == 200 and 'id="desk-search"' in page.text
        listed = page.text.split('id="log-service"')[0]  # the log form offers all of them, whatever the search
        assert "新材料有限公司" in listed and "云帆科技有限公司" not in listed


def test_the_federation_message_log_is_paged_with_its_v1_filters(server, db):
    with db.write() as session:
        for i in range(4):
            session.add(OutboxMessage(id=f"00000000-0000-4000-8000-{i:012d}", sender="cq-gxq", recipient="gz-gxq",
                                      kind="case.forward", payload=b"x", created_at=NOW + timedelta(minutes=2 * i),
                                      attempts=0, next_attempt_at=NOW, state="dead" if i == 0 else "delivered",
                                      sha256="ab" * 32))
        session.add(InboxMessage(id="00000000-0000-4000-9000-000000000001", sender="gz-gxq", recipient="cq-gxq",
                                 kind="case.decision", sha256="cd" * 32, received_at=NOW + timedelta(minutes=3),
                                 receipt=b"r"))
    with server.client("officer-cq") as api:
        default = api.get("/api/v1/federation/messages")  # v1: the 50 newest, now with the count
        order = [m["id"][-2:] for m in default.json()]
        assert order == ["03", "02", "01", "01", "00"] and default.headers["X-Total-Count"] == "5"
        assert [m["direction"] for m in default.json()] == ["out", "out", "in", "out", "out"]
        first = api.get("/api/v1/federation/messages", params={"per_page": 2, "partner": "gz-gxq"})
        assert [m["id"][-2:] for m in first.json()] == ["03", "02"]
        assert 'partner=gz-gxq&per_page=2&page=2>; rel="next"' in first.headers["Link"]
        second = api.get("/api/v1/federation/messages", params={"per_page": 2, "page": 2, "partner": "gz-gxq"})
        assert [(m["direction"], m["id"][-2:]) for m in second.json()] == [("in", "01"), ("out", "01")]
        dead = api.get("/api/v1/federation/messages", params={"state": "dead"})
        assert [m["id"][-2:] for m in dead.json()] == ["00"] and dead.json()[0]["state"] == "dead"
        inbound = api.get("/api/v1/federation/messages", params={"direction": "in", "q": "decision"}).json()
        assert [m["kind"] for m in inbound] == ["case.decision"] and inbound[0]["settled_at"]
        legacy = api.get("/api/v1/federation/messages", params={"limit": 2, "offset": 1})  # v1 parameters
        assert [m["id"][-2:] for m in legacy.json()] == ["02", "01"] and legacy.headers["X-Total-Count"] == "5"
        assert api.get("/api/v1/federation/messages", params={"per_page": 101}).status_code == 422
    with server.client("officer-cd") as api:
        assert api.get("/api/v1/federation/messages").json() == []

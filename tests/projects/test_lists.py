"""Lists at scale: the investment office's lists are paged (at most 100 rows), searchable, their
page links keep the filters, and they export in full as formula-safe CSV; a zone of 100,000
projects answers its first page with a bounded number of rows and bytes."""

from __future__ import annotations

import csv
import io
import re
from contextlib import closing
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest
from project_helpers import add_register

from factories import NOW, PASSWORD
from yima.accounts.service import add_user
from yima.listing import PageRequest, like_pattern
from yima.projects import key_enterprises, service
from yima.projects.model import KeyEnterpriseIn, ProjectIn
from yima.projects.synthetic import add_synthetic_projects

pytestmark = [pytest.mark.db]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_the_page_request_is_bounded_and_a_search_is_literal():
    assert PageRequest(page=0, per_page=10_000, q="  x" * 100).per_page == 100
    assert PageRequest(page=-3).page == 1 and PageRequest(page=3, per_page=20).offset == 40
    assert len(PageRequest(q="长" * 500).q) == 100
    assert like_pattern("50%_a\\") == "%50\\%\\_a\\\\%"


def page_session(server, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    token = TOKEN.search(client.get("/login").text).group(1)
    signed_in = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 303
    return client


@pytest.fixture
def office(db, people):
    add_user(db, "invest-cq", "investment_office", PASSWORD, NOW, zone_id="cq-gxq")
    admin = people["admin"]
    names = ["云端数据中心", "新材料基地", "=HYPERLINK(\"x\")研发中心", "智能终端 50%", "物流园"]
    for i, name in enumerate(names, 1):
        service.create_project(db, admin, ProjectIn(
            zone="cq-gxq", code=f"CQ-{i:03d}", name=name, investor="华讯集团" if i % 2 else "渝电股份",
            industry_code="I6450", amount=Decimal(100_000_000 * i), signed_on=date(2021, i, 10)), NOW)
    codes = add_register(db, "cq-gxq", count=3)
    for code in codes:
        key_enterprises.mark(db, admin, KeyEnterpriseIn(zone="cq-gxq", uscc=code), NOW)
    return codes


def test_projects_are_paged_searched_and_exported_on_the_api_and_the_page(server, office):
    with server.client("invest-cq") as api:
        first = api.get("/api/v1/projects", params={"per_page": 2})
        assert first.status_code == 200 and [p["code"] for p in first.json()] == ["CQ-005", "CQ-004"]
        assert first.headers["X-Total-Count"] == "5"
        assert '</api/v1/projects?per_page=2&page=2>; rel="next"' in first.headers["Link"]
        last = api.get("/api/v1/projects", params={"per_page": 2, "page": 3})
        assert [p["code"] for p in last.json()] == ["CQ-001"] and 'rel="next"' not in last.headers["Link"]
        found = api.get("/api/v1/projects", params={"q": "渝电", "zone": "cq-gxq", "per_page": 1})
        assert [p["code"] for p in found.json()] == ["CQ-004"] and found.headers["X-Total-Count"] == "2"
        assert "zone=cq-gxq&q=%E6%B8%9D%E7%94%B5&per_page=1&page=2" in found.headers["Link"]
        assert api.get("/api/v1/projects", params={"q": "50%"}).headers["X-Total-Count"] == "1"  # literal %
        assert api.get("/api/v1/projects", params={"per_page": 101}).status_code == 422
        exported = api.get("/api/v1/projects/export.csv", params={"q": "华讯"})
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        assert exported.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["code", "name", "investor"] and [r[0] for r in rows[1:]] == ["CQ-005", "CQ-003",
                                                                                         "CQ-001"]
        assert rows[2][1] == "'=HYPERLINK(\"x\")研发中心"  # a formula is data
        keys = api.get("/api/v1/key-enterprises", params={"per_page": 2})
        assert len(keys.json()) == 2 and keys.headers["X-Total-Count"] == "3"
        one = api.get("/api/v1/key-enterprises", params={"q": office[1][-6:]})
        assert [k["uscc"] for k in one.json()] == [office[1]]
        key_csv = api.get("/api/v1/key-enterprises/export.csv").content.decode("utf-8-sig").splitlines()
        assert key_csv[0].startswith("uscc,specialist,high_tech_cert") and len(key_csv) == 4
    with closing(page_session(server, "invest-cq")) as browser:
        page = browser.get("/projects", params={"q": "华讯", "from": "2021-01-01", "to": "2021-06-30"})
        assert page.status_code == 200 and 'data-code="CQ-005"' in page.text and 'data-code="CQ-004"' not in page.text
        assert "/api/v1/projects/export.csv?zone=cq-gxq&amp;q=%E5%8D%8E%E8%AE%AF" in page.text
        assert 'id="project-count"' in page.text
        keys = browser.get("/key-enterprises", params={"q": "重点企业2"})
        assert keys.status_code == 200 and f'data-uscc="{office[1]}"' in keys.text
        assert f'data-uscc="{office[0]}"' not in keys.text


def test_a_zone_of_100000_projects_answers_a_bounded_first_page(server, people):
    add_user(server.app.state.db, "invest-cq", "investment_office", PASSWORD, NOW, zone_id="cq-gxq")
    now = datetime(2021, 9, 30, 2, 0, tzinfo=UTC)
    add_synthetic_projects(server.app.state.db, "cq-gxq", 100_000, now)
    with server.client("invest-cq") as api:
        first = api.get("/api/v1/projects")
        assert first.status_code == 200 and len(first.json()) == 100 and first.headers["X-Total-Count"] == "100000"
        assert len(first.content) < 150_000
        deep = api.get("/api/v1/projects", params={"page": 1000})
        assert len(deep.json()) == 100 and 'rel="next"' not in deep.headers["Link"]
        assert [p["code"] for p in api.get("/api/v1/projects", params={"q": "合成项目4999-19"}).json()] == [
            "SYN-04999-19"]
    with closing(page_session(server, "invest-cq")) as browser:
        page = browser.get("/projects", params={"from": "2021-01-01", "to": "2021-06-30"})
        assert page.status_code == 200 and page.text.count('<tr data-code="SYN-') == 100
        assert len(page.content) < 400_000 and "page=2" in page.text

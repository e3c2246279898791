"""The web import in chromium, and one rule on every path (issue 21): the same bad project — signed
on a day still to come, or of an industry code GB/T 4754 does not have — is refused with the same
rule id by the page's import preview, the import API, the project API and the project page; the
preview writes nothing, the confirmation writes the good rows in one transaction."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest

from factories import NOW, PASSWORD
from web.browser import sign_in
from yima.accounts.service import add_user
from yima.projects.rows import PROJECT_HEADER

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]
SHOTS = Path(os.environ.get("YIMA_SCREENSHOTS", "/tmp/yima-screens"))
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ROWS = [  # lines 2, 3, 4 of the file, as Excel on a Chinese Windows saves it (GBK)
    ["CQ-2026-001", "智能终端产业园", "渝电股份", "listed", "C3921", '"1,000,000,000"', "2026/1/5", "", "", ""],
    ["CQ-2026-002", "未来签约", "某投资方", "", "C3921", "5000000", "2030/1/5", "", "", ""],
    ["CQ-2026-003", "行业代码错", "某投资方", "", "Z9999", "5000000", "2026/2/1", "", "", ""],
]
RULES = {3: ("project.stage_future", "signed_on"), 4: ("industry_code.unknown", "industry_code")}


def _gbk_file(tmp_path: Path) -> Path:
    path = tmp_path / "招商项目.csv"
    path.write_bytes(("\r\n".join(",".join(r) for r in [PROJECT_HEADER, *ROWS]) + "\r\n").encode("gbk"))
    return path


def _page_session(server) -> tuple[httpx.Client, str]:
    browser = httpx.Client(base_url=server.url, timeout=30)
    token = TOKEN.search(browser.get("/login").text).group(1)
    browser.post("/login", data={"username": "invest-cq", "password": PASSWORD, "csrf_token": token})
    return browser, TOKEN.search(browser.get("/projects").text).group(1)


def test_the_web_import_previews_then_imports_and_keeps_one_rule_on_every_path(db, server, people, page, tmp_path):
    add_user(db, "invest-cq", "investment_office", PASSWORD, NOW, zone_id="cq-gxq")
    upload = _gbk_file(tmp_path)
    api = server.client("invest-cq")

    answer = api.post("/api/v1/imports/projects", files={"file": (upload.name, upload.read_bytes(), "text/csv")})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["encoding"], report["written"], report["new"], report["refused"]) == ("gbk", False, 1, 2)
    assert {r["line"]: (r["rule"], r["field"]) for r in report["rows"] if r["status"] == "refused"} == RULES
    assert api.get("/api/v1/projects").headers["X-Total-Count"] == "0"  # a preview writes nothing

    bodies = {3: {"signed_on": "2030-01-05", "industry_code": "C3921"},
              4: {"signed_on": "2026-02-01", "industry_code": "Z9999"}}
    for line, change in bodies.items():
        body = {"zone": "cq-gxq", "code": f"API-{line}", "name": "x", "investor": "y", "amount": "5000000", **change}
        refused = api.post("/api/v1/projects", json=body)
        assert (refused.status_code, refused.json()["error"], refused.json()["field"]) == (422, *RULES[line])
        browser, token = _page_session(server)
        form = browser.post("/projects", data={**body, "csrf_token": token})
        browser.close()
        assert form.status_code == 422 and f'data-rule="{RULES[line][0]}"' in form.text

    sign_in(page, server, "invest-cq")
    page.goto(f"{server.url}/projects")
    page.click("text=导入文件")
    page.wait_for_load_state()
    assert page.url.endswith("/imports/projects?zone=cq-gxq")
    template = page.locator("#template").get_attribute("href")
    assert api.get(template).text.lstrip("\ufeff").startswith(",".join(PROJECT_HEADER))
    page.set_input_files("input[name=file]", str(upload))
    page.click("#import-upload button[type=submit]")
    page.wait_for_selector("#import-report[data-written=no]")
    for line, (rule, _) in RULES.items():
        row = page.locator(f"#import-rows tr[data-line='{line}']")
        assert row.get_attribute("data-rule") == rule and row.get_attribute("data-status") == "refused"
    assert page.locator("#import-counts [data-status=new] strong").inner_text() == "1"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "import-preview.png"), full_page=True)
    assert api.get("/api/v1/projects").headers["X-Total-Count"] == "0"
    held = page.locator("#confirm-import input[name=held]").get_attribute("value")
    page.click("#confirm-import button[type=submit]")
    page.wait_for_selector("#import-report[data-written=yes]")
    imported = api.get("/api/v1/projects").json()
    assert [(p["code"], p["amount"], p["stages_on"]["signed"]) for p in imported] == [
        ("CQ-2026-001", "1000000000.00", "2026-01-05")]
    browser, token = _page_session(server)  # the same preview confirmed twice: it is gone, nothing imported again
    twice = browser.post("/imports/projects/confirm", data={"held": held, "csrf_token": token})
    browser.close()
    assert twice.status_code == 422 and 'data-rule="import.preview_gone"' in twice.text
    assert api.get("/api/v1/projects").headers["X-Total-Count"] == "1"

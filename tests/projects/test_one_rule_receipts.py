"""One rule set for a fund receipt on every path (issue 21): the same bad receipt — dated before
the project was signed, or on a project not signed yet — is refused by the CSV import, the API
and the project page with the same rule id; nothing is stored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from project_helpers import write

from factories import NOW, PASSWORD
from web.browser import sign_in
from yima.accounts.service import add_user
from yima.projects import service
from yima.projects.importer import import_file
from yima.projects.model import ProjectIn
from yima.projects.rows import FUND_HEADER

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]


def _project(db, admin, code: str, signed_on: date | None) -> int:
    return service.create_project(db, admin, ProjectIn(
        zone="cq-gxq", code=code, name="新材料基地", investor="中材科技", investor_tags=[], industry_code="C3091",
        amount=Decimal("2500000000"), signed_on=signed_on), NOW).id


def test_a_receipt_before_signing_is_refused_with_one_rule_on_every_path(db, server, people, page, tmp_path):
    add_user(db, "invest-cq", "investment_office", PASSWORD, NOW, zone_id="cq-gxq")
    signed = _project(db, people["admin"], "CQ-2026-010", date(2026, 10, 1))
    unsigned = _project(db, people["admin"], "CQ-2026-011", None)
    cases = [(signed, "CQ-2026-010"), (unsigned, "CQ-2026-011")]

    funds = write(tmp_path / "funds.csv", FUND_HEADER, [[code, "2026-01-05", "2000000000"]
                                                        for _, code in cases])
    summary = import_file(db, "project-funds", "cq-gxq", funds, NOW, NOW.date())
    by_import = [(bad.line, bad.finding.rule, bad.finding.field) for bad in summary.bad_rows]
    assert summary.loaded == 0 and by_import == [(2, "project.received_before_signing", "received_on"),
                                                 (3, "project.received_before_signing", "received_on")]

    api = server.client("invest-cq")
    for project, _ in cases:
        answer = api.post(f"/api/v1/projects/{project}/funds", json={"received_on": "2026-01-05",
                                                                     "amount": "2000000000"})
        assert answer.status_code == 422, answer.text
        assert (answer.json()["error"], answer.json()["field"]) == ("project.received_before_signing", "received_on")

    sign_in(page, server, "invest-cq")
    for project, _ in cases:
        page.goto(f"{server.url}/projects/{project}")
        page.fill("form[action$='/funds'] input[name=received_on]", "2026-01-05")
        page.fill("form[action$='/funds'] input[name=amount]", "2000000000")
        page.click("form[action$='/funds'] button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(".errors .rule").first.inner_text().strip() == "project.received_before_signing"
        assert "早于项目签约日期" in page.locator(".errors").inner_text()

    for project, _ in cases:
        assert api.get(f"/api/v1/projects/{project}").json()["funds"] == []

"""Corrections with a trace (issue 21): a project's fields, a stage's day, a fund receipt (reversed,
never deleted) and a key enterprise's certificate are corrected over the API and on the pages,
each with a reason, in the audit log; the figures follow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from project_helpers import add_register

from factories import NOW, PASSWORD
from web.browser import sign_in
from yima.accounts.service import add_user
from yima.audit.service import recent_entries, verify_chain
from yima.projects import key_enterprises, service
from yima.projects.model import CertificateIn, FundIn, KeyEnterpriseIn, ProjectIn

pytestmark = [pytest.mark.db, pytest.mark.e2e, pytest.mark.browser]
PERIOD = {"zone": "cq-gxq", "from": "2026-01-01", "to": "2026-06-30"}


def test_records_are_corrected_with_a_reason_and_the_figures_follow(db, server, people, page):
    add_user(db, "invest-cq", "investment_office", PASSWORD, NOW, zone_id="cq-gxq")
    admin = people["admin"]
    project = service.create_project(db, admin, ProjectIn(
        zone="cq-gxq", code="CQ-2026-020", name="智能终端", investor="渝电股份", investor_tags=[],
        industry_code="C3921", amount=Decimal("1200000000"), signed_on=date(2026, 2, 1)), NOW).id
    service.add_fund(db, admin, project, FundIn(received_on=date(2026, 3, 1), amount=Decimal("300000000")), NOW)
    api = server.client("invest-cq")
    path = f"/api/v1/projects/{project}"

    def figures() -> dict:
        return api.get("/api/v1/projects/figures", params=PERIOD).json()["projects"]

    assert figures()["projects_signed"]["amount_yuan"]["value"] == 1_200_000_000
    no_reason = api.patch(path, json={"amount": "120000000"})
    assert no_reason.status_code == 422
    short = api.patch(path, json={"amount": "120000000", "reason": "错"})
    assert short.status_code == 422 and short.json()["error"] == "correction.reason"
    fixed = api.patch(path, json={"amount": "120000000", "investor_tags": ["listed"],
                                  "reason": "合同金额多录一个零，按合同原件更正"})
    assert fixed.status_code == 200, fixed.text
    assert Decimal(fixed.json()["amount"]) == 120_000_000 and fixed.json()["investor_tags"] == ["listed"]
    assert figures()["projects_signed"]["amount_yuan"]["value"] == 120_000_000
    same = api.patch(path, json={"amount": "120000000", "reason": "再次核对"})
    assert same.status_code == 409 and same.json()["error"] == "correction.unchanged"

    moved = api.post(f"{path}/stages", json={"stage": "signed", "on": "2026-02-03"})
    assert moved.status_code == 422 and moved.json()["error"] == "correction.reason"
    moved = api.post(f"{path}/stages", json={"stage": "signed", "on": "2026-02-03", "reason": "签约日以盖章日为准"})
    assert moved.status_code == 200 and moved.json()["stages_on"]["signed"] == "2026-02-03"

    fund = api.get(path).json()["funds"][0]
    reversed_ = api.post(f"{path}/funds/{fund['id']}/reversal", json={"reason": "该笔资金为另一项目的到位资金"})
    assert reversed_.status_code == 200, reversed_.text
    kept = reversed_.json()["funds"]
    assert len(kept) == 1 and kept[0]["reversed_at"] and kept[0]["reversal_reason"].startswith("该笔资金")
    assert Decimal(reversed_.json()["funds_in_place"]) == 0 and figures()["funds_in_place_yuan"]["value"] == 0
    again = api.post(f"{path}/funds/{fund['id']}/reversal", json={"reason": "重复冲销试试"})
    assert again.status_code == 409 and again.json()["error"] == "project.fund_reversed"

    # on the page: correct the name, reverse a second receipt
    service.add_fund(db, admin, project, FundIn(received_on=date(2026, 4, 1), amount=Decimal("50000000")), NOW)
    sign_in(page, server, "invest-cq")
    page.goto(f"{server.url}/projects/{project}")
    page.fill("#c-name", "智能终端二期")
    page.fill("#c-reason", "项目名称以备案证为准")
    page.click("#correct button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("智能终端二期")
    row = page.locator("#funds tr[data-fund]:not(.reversed)")
    row.locator("input[name=reason]").fill("银行回单金额有误，冲销后重录")
    row.locator("button").click()
    page.wait_for_load_state()
    assert page.locator("#funds tr.reversed").count() == 2
    assert "银行回单金额有误" in page.locator("#funds").inner_text()

    entries = recent_entries(db, admin, "cq-gxq", subject="project:CQ-2026-020")
    actions = {e.action: e.detail for e in reversed(entries)}  # the newest of each action
    assert actions["project.corrected"]["reason"] == "项目名称以备案证为准"
    assert actions["project.corrected"]["changes"]["name"] == ["智能终端", "智能终端二期"]
    assert actions["project.funds_reversed"]["reason"] == "银行回单金额有误，冲销后重录"
    assert verify_chain(db, "cq-gxq").ok


def test_a_certificate_correction_needs_a_reason_and_keeps_the_old_dates_in_the_log(db, server, people):
    add_user(db, "invest-cq", "investment_office", PASSWORD, NOW, zone_id="cq-gxq")
    uscc = add_register(db, "cq-gxq", count=1)[0]
    held = CertificateIn(number="GR202650000001", issued_on=date(2025, 12, 1), expires_on=date(2028, 11, 30))
    key_enterprises.mark(db, people["admin"], KeyEnterpriseIn(zone="cq-gxq", uscc=uscc, high_tech_certificate=held),
                         NOW)
    api = server.client("invest-cq")
    certificate = {"number": "GR202650000001", "issued_on": "2025-12-10", "expires_on": "2028-12-09"}
    refused = api.patch(f"/api/v1/key-enterprises/{uscc}", json={"high_tech_certificate": certificate})
    assert refused.status_code == 422 and refused.json()["error"] == "correction.reason"
    done = api.patch(f"/api/v1/key-enterprises/{uscc}", json={"high_tech_certificate": certificate,
                                                              "reason": "发证日期按证书原件更正"})
    assert done.status_code == 200 and [c["issued_on"] for c in done.json()["certificates"]] == ["2025-12-10"]
    entry = recent_entries(db, people["admin"], "cq-gxq", subject=f"enterprise:{uscc}")[0]
    assert entry.detail["reason"] == "发证日期按证书原件更正"
    assert entry.detail["was"] == ["GR202650000001", "2025-12-01", "2028-11-30"]

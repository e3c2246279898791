"""Published figures stay published: a report signed with the zone key, fetched and checked
offline; a correction of the records shows as a restatement beside it (issue 21)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from factories import NOW
from yima.audit.service import verify_chain
from yima.cli import app as cli_app
from yima.keys.service import trust_list
from yima.projects import service
from yima.projects.model import ProjectIn
from yima.projects.tables import Project
from yima.stats.publication import check_report

pytestmark = pytest.mark.db

def _project(db, admin, code: str, amount: str) -> int:
    return service.create_project(db, admin, ProjectIn(
        zone="cq-gxq", code=code, name="云端数据中心", investor="华讯集团", investor_tags=[],
        industry_code="I6450", amount=Decimal(amount), signed_on=date(2026, 2, 1)), NOW).id


def test_a_published_report_stays_as_published_and_a_correction_is_restated_beside_it(db, server, standard, people,
                                                                                        tmp_path: Path):
    admin = server.client("admin")
    project = _project(db, people["admin"], "CQ-2026-001", "500000000")
    published = admin.post("/api/v1/reports", json={"zone": "cq-gxq", "from": "2026-01-01", "to": "2026-06-30"})
    assert published.status_code == 201, published.text
    report = published.json()
    assert report["report"]["figures"]["projects"]["projects_signed"]["amount_yuan"]["value"] == 500_000_000
    assert report["report"]["published_by"] == "admin" and report["signature"]["zone"] == "cq-gxq"
    report_id = report["report"]["id"]
    anonymous = server.client()
    fetched = anonymous.get(f"/api/v1/reports/{report_id}").json()
    assert fetched["report"] == report["report"] and fetched["restatements"] == []

    # the amount is corrected in the records (500 → 50 million): the published report does not move
    with db.write() as session:
        session.execute(update(Project).where(Project.id == project).values(amount=Decimal("50000000")))
    again = anonymous.get(f"/api/v1/reports/{report_id}").json()
    assert again["report"] == report["report"] and again["sha256"] == report["sha256"]

    empty = admin.post(f"/api/v1/reports/{report_id}/restatements", json={"reason": "  "})
    assert empty.status_code == 422 and empty.json()["error"] == "report.reason_required"
    restated = admin.post(f"/api/v1/reports/{report_id}/restatements",
                          json={"reason": "合同金额录入错误，按合同原件更正为5000万元"})
    assert restated.status_code == 201, restated.text
    restatement = restated.json()["report"]
    assert restatement["restates"] == report_id and restatement["published_by"] == "admin"
    assert restatement["reason"].startswith("合同金额录入错误")
    change = {c["path"]: c for c in restatement["changes"]}["projects.projects_signed.amount_yuan.value"]
    assert (change["was"], change["now"]) == (500_000_000, 50_000_000)
    nothing = admin.post(f"/api/v1/reports/{report_id}/restatements", json={"reason": "再次核对，无变化"})
    assert nothing.status_code == 409 and nothing.json()["error"] == "report.unchanged"

    shown = anonymous.get(f"/api/v1/reports/{report_id}").json()
    assert shown["report"] == report["report"]
    assert [r["report"]["id"] for r in shown["restatements"]] == [restatement["id"]]
    listed = anonymous.get("/api/v1/reports", params={"zone": "cq-gxq"}).json()
    assert [(r["id"], [s["id"] for s in r["restatements"]]) for r in listed] == [(report_id, [restatement["id"]])]
    assert listed[0]["restatements"][0]["reason"].startswith("合同金额录入错误")

    # offline: the zone's trust list checks the report and its restatement; an altered copy fails
    trust = trust_list(db, standard, "cq-gxq")
    assert check_report(shown, trust)[0] and check_report(shown["restatements"][0], trust)[0]
    forged = json.loads(json.dumps(shown))
    forged["report"]["figures"]["projects"]["projects_signed"]["amount_yuan"]["value"] = 5
    ok, zh, en = check_report(forged, trust)
    assert not ok and "not valid" in en and "签名无效" in zh
    trust_file = tmp_path / "trust.json"
    trust_file.write_text(trust.to_json(), "utf-8")
    good, bad = tmp_path / "report.json", tmp_path / "forged.json"
    good.write_text(json.dumps(shown, ensure_ascii=False), "utf-8")
    bad.write_text(json.dumps(forged, ensure_ascii=False), "utf-8")
    runner = CliRunner()
    result = runner.invoke(cli_app, ["reports", "verify", str(good), "--trust-list", str(trust_file)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli_app, ["reports", "verify", str(bad), "--trust-list", str(trust_file)])
    assert result.exit_code == 1
    assert verify_chain(db, "cq-gxq").ok


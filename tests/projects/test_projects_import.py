"""The four imports on SQLite and PostgreSQL: figures worked out by hand, bad rows by line and reason,
idempotent re-import, specialists created without a password."""

from __future__ import annotations

import pytest
from project_helpers import (
    BAD_FUNDS,
    BAD_PROJECTS,
    FUNDS,
    NOW,
    PROJECTS,
    TODAY,
    add_register,
    key_enterprise_rows,
    service_rows,
    write,
)
from sqlalchemy import func, select

from yima.accounts.service import authenticate
from yima.accounts.tables import User
from yima.audit.service import recent_entries, verify_chain
from yima.errors import DomainError, Unauthorized
from yima.projects.figures import compute_key_enterprises, compute_projects
from yima.projects.importer import import_file
from yima.projects.rows import FUND_HEADER, KEY_ENTERPRISE_HEADER, PROJECT_HEADER, SERVICE_HEADER
from yima.projects.tables import Project, ProjectFund, ProjectStage
from yima.stats.rules import Period

pytestmark = pytest.mark.db
H1_2021 = Period(TODAY.replace(month=1, day=1), TODAY.replace(month=6, day=30))


def _reasons(summary):
    return {bad.line: (bad.finding.rule, bad.finding.field) for bad in summary.bad_rows}


def test_project_figures_from_a_small_file_match_the_hand_count(db, zone_cq, tmp_path):
    projects = write(tmp_path / "projects.csv", PROJECT_HEADER, PROJECTS + BAD_PROJECTS)
    summary = import_file(db, "projects", zone_cq, projects, NOW, TODAY)
    assert (summary.loaded, summary.existing, summary.bad) == (6, 1, 6)
    assert _reasons(summary) == {
        8: ("project.investor_tag", "investor_tags"), 9: ("project.stage_order", "landed_on"),
        10: ("project.stage_missing", "landed_on"), 11: ("import.amount", "amount"),
        12: ("industry_code.unknown", "industry_code"), 14: ("import.columns", "row")}
    assert all("第" in bad.message and "line" in bad.message for bad in summary.bad_rows)
    funds = write(tmp_path / "funds.csv", FUND_HEADER, FUNDS + BAD_FUNDS)
    funded = import_file(db, "project-funds", zone_cq, funds, NOW, TODAY)
    assert (funded.loaded, funded.existing, funded.bad) == (4, 1, 3)
    assert _reasons(funded) == {7: ("import.project_code", "project_code"),
                                8: ("project.received_before_signing", "received_on"),
                                9: ("project.fund_future", "received_on")}

    f = compute_projects(db, zone_cq, H1_2021).as_json()
    # Signed Jan-Jun 2021: P1, P2, P3; a year earlier P4 and P5 (30 June 2020 is the last day).
    assert f["projects_signed"]["count"] == {"value": 3, "year_earlier": 2, "growth_pct": 50.0}
    amount = f["projects_signed"]["amount_yuan"]
    assert (amount["value"], amount["year_earlier"]) == (830_000_000.50, 180_000_000.0)
    assert amount["growth_pct"] == round((830_000_000.50 / 180_000_000 - 1) * 100, 2) == 361.11
    # Funds: 100m + 50,000,000.25 (P1) + 20m (P4) against 30m in June 2020.
    assert f["funds_in_place_yuan"] == {"value": 170_000_000.25, "year_earlier": 30_000_000.0, "growth_pct": 466.67}
    assert f["signed_100m_or_more"] == {"value": 2, "year_earlier": 1, "growth_pct": 100.0}  # P1, P2 / P4
    assert f["landed_100m_or_more"] == {"value": 2, "year_earlier": 1, "growth_pct": 100.0}  # P1, P2 / P4
    assert f["landed"]["value"] == 2  # P5 landed in July, after the period
    assert f["started"] == {"value": 2, "year_earlier": 0, "growth_pct": None}  # P1, P4; no base
    assert f["completed"]["value"] == 1 and f["started_or_completed"]["value"] == 2  # P4 counted once
    tags = f["investors_by_tag"]
    assert tags["fortune_global_500"]["value"] == 1  # 华讯集团 signed two projects: one investor
    assert (tags["china_top_500"]["value"], tags["central_soe"]["value"]) == (1, 1)
    assert tags["listed"] == {"value": 0, "year_earlier": 1, "growth_pct": -100.0}
    assert f["funnel"] == {"signed": 3, "landed": 2, "started": 1, "completed": 0}
    months = {m["month"]: (m["count"], m["amount_yuan"], m["amount_year_earlier_yuan"]) for m in f["monthly"]}
    assert months == {"2021-01": (1, 500_000_000.0, 0.0), "2021-02": (1, 250_000_000.5, 0.0),
                      "2021-03": (0, 0.0, 120_000_000.0), "2021-04": (0, 0.0, 0.0),
                      "2021-05": (1, 80_000_000.0, 0.0), "2021-06": (0, 0.0, 60_000_000.0)}
    assert [(i["section"], i["amount_yuan"]) for i in f["by_industry"]] == [
        ("I", 500_000_000.0), ("C", 250_000_000.5), ("M", 80_000_000.0)]

    again = import_file(db, "projects", zone_cq, projects, NOW, TODAY)
    assert (again.loaded, again.existing, again.bad) == (0, 7, 6)
    assert import_file(db, "project-funds", zone_cq, funds, NOW, TODAY).loaded == 0
    assert compute_projects(db, zone_cq, H1_2021).as_json() == f
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 6
        stages = session.scalars(select(ProjectStage).join(Project).where(Project.code == "P4")).all()
        assert [s.stage for s in stages] == ["signed", "landed", "started", "completed"]
        assert all(s.actor_role == "system" and "projects.csv" in s.note for s in stages)


def test_a_receipts_source_comes_from_its_optional_column_in_any_order(db, zone_cq, tmp_path):
    import_file(db, "projects", zone_cq, write(tmp_path / "p.csv", PROJECT_HEADER, PROJECTS), NOW, TODAY)
    with_source = write(tmp_path / "f.csv", ("source", "amount", "project_code", "received_on"),
                        [["银行贷款", "100000000", "P1", "2021-02-01"], ["", "20000000", "P4", "2021-01-10"],
                         ["x" * 201, "5", "P4", "2021-01-11"]])
    summary = import_file(db, "project-funds", zone_cq, with_source, NOW, TODAY)
    assert (summary.loaded, summary.bad) == (2, 1) and _reasons(summary) == {4: ("import.source", "source")}
    without = write(tmp_path / "g.csv", FUND_HEADER, [["P1", "2021-06-30", "50000000.25"]])
    assert import_file(db, "project-funds", zone_cq, without, NOW, TODAY).loaded == 1
    with db.read() as session:
        sources = dict(session.execute(select(ProjectFund.amount, ProjectFund.source)).all())
    assert {float(k): v for k, v in sources.items()} == {100_000_000.0: "银行贷款", 20_000_000.0: "",
                                                          50_000_000.25: ""}


def test_every_imported_record_is_in_the_zones_audit_log(db, zone_cq, people, tmp_path):
    import_file(db, "projects", zone_cq, write(tmp_path / "p.csv", PROJECT_HEADER, PROJECTS), NOW, TODAY)
    import_file(db, "project-funds", zone_cq, write(tmp_path / "f.csv", FUND_HEADER, FUNDS), NOW, TODAY)
    entries = recent_entries(db, people["admin"], zone_cq, limit=100)
    actions = [e.action for e in entries]
    assert actions.count("project.imported") == 6 and actions.count("project.funds_imported") == 4
    assert verify_chain(db, zone_cq).ok


def test_key_enterprises_and_services_import_with_the_high_tech_share(db, zone_cq, tmp_path):
    codes = add_register(db, zone_cq)
    keys = write(tmp_path / "keys.csv", KEY_ENTERPRISE_HEADER, key_enterprise_rows(codes))
    summary = import_file(db, "key-enterprises", zone_cq, keys, NOW, TODAY)
    assert (summary.loaded, summary.bad) == (3, 3)
    assert _reasons(summary) == {5: ("key_enterprise.not_registered", "uscc"), 6: ("import.uscc", "uscc"),
                                 7: ("key_enterprise.certificate", "cert_issued_on")}
    with db.read() as session:
        specialists = session.scalars(select(User).where(User.username.in_(["spec-a", "spec-b"]))).all()
        assert {(u.username, u.role, u.zone_id) for u in specialists} == {
            ("spec-a", "service_specialist", zone_cq), ("spec-b", "service_specialist", zone_cq)}
    with pytest.raises(Unauthorized):  # created without a password: nobody can sign in yet
        authenticate(db, "spec-a", "")
    services = write(tmp_path / "services.csv", SERVICE_HEADER, service_rows(codes))
    logged = import_file(db, "services", zone_cq, services, NOW, TODAY)
    assert (logged.loaded, logged.bad) == (5, 3)
    assert _reasons(logged) == {7: ("import.not_key_enterprise", "uscc"), 8: ("service.kind", "kind"),
                                9: ("service.resolved_on", "resolved_on")}
    assert import_file(db, "services", zone_cq, services, NOW, TODAY).existing == 5
    assert import_file(db, "key-enterprises", zone_cq, keys, NOW, TODAY).existing == 3

    f = compute_key_enterprises(db, zone_cq, H1_2021).as_json()
    # Served Jan-Jun 2021: E1, E2, E3 (a year earlier: E3). E1's certificate was valid when it was
    # served; E2's had expired on 31 March, before its only visit in May; E3 has none.
    assert f["served"] == {"value": 3, "year_earlier": 1, "growth_pct": 200.0}
    assert (f["high_tech"], f["high_tech_share_pct"]) == (1, 33.33)
    assert f["requests_resolved"] == {"value": 2, "year_earlier": 0, "growth_pct": None}
    assert f["median_days_to_resolve"] == 7.0  # 10 and 4 days
    assert f["open_requests"] == 1  # E3's request of 1 June


def test_a_file_without_the_header_names_the_missing_columns(db, zone_cq, tmp_path):
    wrong = write(tmp_path / "wrong.csv", ("code", "name"), [["P1", "x"]])
    with pytest.raises(DomainError) as err:
        import_file(db, "projects", zone_cq, wrong, NOW, TODAY)
    assert err.value.finding.rule == "import.header" and "investor_tags" in err.value.finding.en
    with pytest.raises(DomainError) as unknown:
        import_file(db, "projects", "xx-none", wrong, NOW, TODAY)
    assert unknown.value.finding.rule == "zone.unknown"


def test_a_hidden_character_in_any_column_is_a_bad_row_naming_the_rule(db, zone_cq, tmp_path):
    hidden = [[value.replace(value[:1], value[:1] + "\u200b", 1) if i == 1 else value
               for i, value in enumerate(PROJECTS[0])]]
    summary = import_file(db, "projects", zone_cq, write(tmp_path / "p.csv", PROJECT_HEADER, hidden), NOW, TODAY)
    assert summary.loaded == 0
    assert _reasons(summary) == {2: ("text.hidden_character", PROJECT_HEADER[1])}

"""An officer's approval over open findings: a reason naming them, a proof where the rule needs
one, the overridden findings in the audit log, and no 承诺制 for an address that was proved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from factories import NOW, application_body, tiny_pdf
from yima.audit.tables import AuditEntry
from yima.errors import DomainError
from yima.notifications import service as notes
from yima.register.tables import Enterprise
from yima.registration import decisions, service, views
from yima.registration.model import ApplicationIn

PDF = tiny_pdf("proof of use")
BANNED = [{"text": "重庆市九龙坡区军事管理区科城路60号", "proof": "commitment"}]


def _finding(rule: str, field: str = "name", **extra: object) -> dict[str, object]:
    return {"rule": rule, "field": field, "message": "问题 / problem", "message_zh": "问题", "message_en": "problem",
            **extra}


def test_approving_over_a_finding_without_a_reason_names_the_finding(standard):
    refusals = decisions.approval_refusals([_finding("name.form")], "  ", [], standard)
    assert [(r.rule, r.field) for r in refusals] == [("decision.reason_required", "reason")]
    assert "name.form" in refusals[0].zh and "name.form" in refusals[0].en
    assert decisions.approval_refusals([_finding("name.form")], "名称经核准", [], standard) == []


def test_a_finding_that_only_says_an_officer_decides_is_not_overridden(standard):
    assert decisions.approval_refusals([_finding("review.matter", "matter")], "", [], standard) == []
    assert decisions.approval_refusals([_finding("name.form", overridden=True)], "", [], standard) == []


def test_an_address_on_the_negative_list_needs_its_proof_before_any_reason(standard):
    banned = _finding("address.negative_list", "addresses.0.text")
    refused = decisions.approval_refusals([banned], "实地核查无误", [], standard)
    assert [r.rule for r in refused] == ["decision.proof_required"] and "使用证明" in refused[0].zh
    assert decisions.approval_refusals([banned], "实地核查无误", ["address_proof"], standard) == []
    marked = decisions.overridden([banned], ["address_proof"])
    assert marked[0]["overridden"] and marked[0]["proved_by"] == "address_proof"
    assert decisions.proved_addresses(marked) == {0}
    assert decisions.proved_addresses(decisions.overridden([banned], [])) == set()


def _submit(db, standard, actor, **changes) -> int:
    return service.submit(db, standard, actor, ApplicationIn.model_validate(application_body(**changes)), NOW)


@pytest.mark.db
def test_a_rejection_refused_for_its_reason_then_given_one_rejects(db, standard, people):
    app_id = _submit(db, standard, people["alice"], name="云帆科技有限公司")
    with pytest.raises(DomainError) as raised:
        service.decide(db, standard, people["officer-cq"], app_id, "reject", "", NOW)
    assert raised.value.finding.rule == "decision.reason_required"
    service.decide(db, standard, people["officer-cq"], app_id, "reject", "名称不规范", NOW)
    view = views.get_application(db, people["alice"], app_id, NOW).as_json()
    assert view["status"] == "rejected" and view["uscc"] is None

    told = notes.notifications(db, people["alice"])
    assert [n.kind for n in told] == ["application.rejected"]  # the applicant is notified of the decision
    assert told[0].subject_zh == f"申请 #{app_id}：不予登记" and "名称不规范" in told[0].body_zh
    assert notes.notifications(db, people["officer-cq"]) == []


@pytest.mark.db
def test_approval_over_open_findings_needs_a_reason_and_the_audit_entry_names_them(db, standard, people):
    app_id = _submit(db, standard, people["alice"], name="云帆科技有限公司")
    with pytest.raises(DomainError) as raised:
        service.decide(db, standard, people["officer-cq"], app_id, "approve", " ", NOW)
    assert raised.value.status == 422 and {f.rule for f in raised.value.findings} == {"decision.reason_required"}
    assert "name.form" in raised.value.finding.zh
    assert views.get_application(db, people["alice"], app_id, NOW).as_json()["status"] == "under_review"
    service.decide(db, standard, people["officer-cq"], app_id, "approve", "名称经人工核准", NOW)
    view = views.get_application(db, people["alice"], app_id, NOW).as_json()
    assert view["status"] == "approved" and [f["overridden"] for f in view["findings"]] == [True]
    with db.read() as session:
        approved = session.scalars(select(AuditEntry).where(AuditEntry.action == "application.approved")).one()
    assert approved.detail["overridden"] == ["name.form"] and approved.detail["reason"] == "名称经人工核准"


@pytest.mark.db
def test_an_address_on_the_negative_list_is_approved_only_with_its_proof_and_is_then_not_by_commitment(
        db, standard, people, tmp_path):
    app_id = _submit(db, standard, people["alice"], addresses=BANNED)
    assert [f["rule"] for f in views.get_application(db, people["alice"], app_id, NOW).as_json()["findings"]] == \
        ["address.negative_list"]
    with pytest.raises(DomainError) as raised:
        service.decide(db, standard, people["officer-cq"], app_id, "approve", "实地核查无误", NOW)
    assert raised.value.finding.rule == "decision.proof_required" and raised.value.finding.field == "material"
    service.supply_material(db, standard, people["alice"], app_id, "address_proof", "使用证明.pdf", PDF, NOW,
                            tmp_path, 1000)
    with pytest.raises(DomainError) as raised:
        service.decide(db, standard, people["officer-cq"], app_id, "approve", "", NOW)
    assert raised.value.finding.rule == "decision.reason_required"
    service.decide(db, standard, people["officer-cq"], app_id, "approve", "使用证明已核验", NOW)
    view = views.get_application(db, people["alice"], app_id, NOW).as_json()
    assert view["status"] == "approved" and view["proved_addresses"] == [0]
    assert view["findings"][0]["proved_by"] == "address_proof"
    with db.read() as session:
        enterprise = session.get(Enterprise, view["uscc"])
        assert enterprise is not None and enterprise.address_commitment is False
        assert [a.proof for a in enterprise.addresses] == [decisions.PROVED_ADDRESS]
    public = views.get_enterprise(db, standard, view["uscc"])
    assert [a.by_commitment for a in public.addresses] == [False]

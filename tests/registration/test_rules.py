"""The 秒批 rules, as plain functions: no database, no server."""

from __future__ import annotations

from datetime import date

import pytest

from factories import application_body, person
from yima.errors import DomainError
from yima.registration import rules
from yima.registration.model import ApplicationIn
from yima.standard import load_standard


def ctx(**changes) -> rules.RuleContext:
    base = dict(standard=load_standard(), zone_id="cq-gxq", zone_known=True, place_names=("重庆", "重庆市"),
                today=date(2026, 11, 25))
    base.update(changes)
    return rules.RuleContext(**base)


def evaluate(context: rules.RuleContext | None = None, **changes) -> rules.Evaluation:
    return rules.evaluate(ApplicationIn.model_validate(application_body(**changes)), context or ctx())


def rule_ids(findings) -> set[str]:
    return {f.rule for f in findings}


def test_the_example_body_passes_every_rule_and_is_approved_instantly():
    evaluation = evaluate()
    assert evaluation.invalid == evaluation.refusals == evaluation.review == []
    assert rules.outcome(evaluation) == "approved"


def test_coal_mining_is_refused_with_the_environmental_reason():
    evaluation = evaluate(scope=["software_development", "coal_mining"])
    assert rule_ids(evaluation.refusals) == {"scope.negative_list"}
    finding = evaluation.refusals[0]
    assert finding.field == "scope.1"
    assert "环境风险" in finding.zh and "Environmental risk" in finding.en
    assert rules.outcome(evaluation) == "rejected"


@pytest.mark.parametrize("item", ["steel_smelting", "cement_production"])
def test_every_negative_list_item_is_refused(item):
    assert rule_ids(evaluate(scope=[item]).refusals) == {"scope.negative_list"}


def test_unknown_scope_is_invalid_input_naming_the_field():
    evaluation = evaluate(scope=["software_development", "alchemy"])
    assert [(f.rule, f.field) for f in evaluation.invalid] == [("scope.unknown", "scope.1")]
    with pytest.raises(DomainError) as raised:
        rules.outcome(evaluation)
    assert raised.value.status == 422


def test_wrong_id_check_digit_is_invalid():
    rep = person()
    bad = rep["id_number"][:-1] + ("0" if rep["id_number"][-1] != "0" else "1")
    evaluation = evaluate(legal_representative={**rep, "id_number": bad})
    found = {(f.rule, f.field) for f in evaluation.invalid}
    assert ("id_number.check_digit", "legal_representative.id_number") in found


def test_legal_representative_under_18_is_refused():
    minor = person(birth=date(2010, 1, 1))
    evaluation = evaluate(legal_representative=minor,
                          shareholders=[{"name": "李四", "id_number": person(seq=2)["id_number"], "share_pct": "100"}])
    assert rule_ids(evaluation.invalid) == {"legal_representative.age"}


def test_legal_representative_turning_18_today_is_accepted():
    evaluation = evaluate(legal_representative=person(birth=date(2008, 11, 25)))
    assert evaluation.invalid == []


@pytest.mark.parametrize("shares", [["60", "30"], ["60", "40.01"]])
def test_shares_must_sum_to_exactly_100(shares):
    holders = [{"name": f"股东{'甲乙丙丁'[i]}", "id_number": person(seq=i + 3)["id_number"], "share_pct": s}
               for i, s in enumerate(shares)]
    assert rule_ids(evaluate(shareholders=holders).invalid) == {"shareholders.share_total"}


def test_shares_summing_to_100_in_fractions_pass():
    holders = [{"name": f"股东{'甲乙丙丁'[i]}", "id_number": person(seq=i + 3)["id_number"], "share_pct": s}
               for i, s in enumerate(["33.3333", "33.3333", "33.3334"])]
    assert evaluate(shareholders=holders).invalid == []


@pytest.mark.parametrize("name", ["云帆科技有限公司", "重庆云帆有限公司", "重庆科技有限公司", "重庆云帆科技",
                                  "重庆云帆科技合伙企业"])
def test_company_names_without_the_lawful_form_go_to_review(name):
    evaluation = evaluate(name=name)
    assert rule_ids(evaluation.review) == {"name.form"}
    assert rules.outcome(evaluation) == "under_review"


@pytest.mark.parametrize("name", ["重庆云帆科技有限公司", "云帆科技（重庆）有限公司", "重庆市云帆网络科技有限责任公司"])
def test_lawful_company_names_pass(name):
    assert evaluate(name=name).review == []


def test_a_taken_name_goes_to_review():
    evaluation = evaluate(ctx(taken_names=frozenset({"重庆云帆科技有限公司"})))
    assert rule_ids(evaluation.review) == {"name.taken"}


def test_address_on_the_zone_negative_list_refuses_commitment():
    context = ctx(address_bans=(rules.AddressBanEntry("科城路60号", "拆迁"),))
    evaluation = evaluate(context)
    assert [(f.rule, f.field) for f in evaluation.review] == [("address.negative_list", "addresses.0.text")]


def test_address_on_the_negative_list_with_a_lease_is_fine():
    context = ctx(address_bans=(rules.AddressBanEntry("科城路60号"),))
    evaluation = evaluate(context, addresses=[{"text": "重庆市九龙坡区科城路60号", "proof": "lease"}],
                          materials=["application_form", "articles_of_association", "address_proof"])
    assert evaluation.review == []


def test_standard_wide_address_negative_list_applies():
    evaluation = evaluate(addresses=[{"text": "重庆市某军事管理区内", "proof": "commitment"}])
    assert rule_ids(evaluation.review) == {"address.negative_list"}


def test_missing_deferrable_material_goes_to_review_and_says_it_may_follow():
    evaluation = evaluate(materials=["application_form"])
    assert rule_ids(evaluation.review) == {"materials.missing"}
    assert "容缺" in evaluation.review[0].zh
    app = ApplicationIn.model_validate(application_body(materials=["application_form"]))
    assert rules.missing_materials(app, ctx()) == ["articles_of_association"]


def test_address_commitment_replaces_the_address_proof_only_when_made():
    evaluation = evaluate(commitments=[])
    assert rule_ids(evaluation.invalid) == {"commitments.address_missing"}


def test_joint_stock_companies_are_decided_by_an_officer():
    evaluation = evaluate(entity_type="joint_stock", name="重庆云帆科技股份有限公司",
                          materials=["application_form", "articles_of_association", "promoters_agreement"])
    assert rule_ids(evaluation.review) == {"review.entity_type"}


def test_unknown_industry_code_is_invalid():
    assert rule_ids(evaluate(industry_code="I9999").invalid) == {"industry_code.unknown"}


def test_industry_not_matching_scope_goes_to_review():
    assert rule_ids(evaluate(industry_code="H6210").review) == {"industry_code.scope_mismatch"}


def test_unknown_zone_is_invalid():
    assert rule_ids(evaluate(ctx(zone_known=False)).invalid) == {"zone.unknown"}


def test_change_needs_the_enterprise_credit_code():
    body = {"zone": "cq-gxq", "matter": "change", "registered_capital": "2000000"}
    evaluation = rules.evaluate(ApplicationIn.model_validate(body), ctx())
    assert rule_ids(evaluation.invalid) == {"uscc.required"}


def test_the_warm_up_sample_passes_every_rule_so_every_rule_reads_its_tables():
    """``rules.warm`` runs at a process's start; a sample stopped by an invalid field would leave the
    meaning rules (and the tables they read) to the first applicant."""
    evaluation = rules.warm(load_standard(), date(2026, 12, 6))
    assert evaluation == rules.Evaluation()

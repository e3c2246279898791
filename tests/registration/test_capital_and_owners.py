"""Capital under the Company Law of 2023 and beneficial owners (受益所有人), as plain rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from factories import application_body, person
from yima.errors import DomainError
from yima.privacy import mask_id_number
from yima.registration import capital, owners, rules
from yima.registration.model import ApplicationIn
from yima.registration.rules import EnterpriseFacts
from yima.standard import load_standard

TODAY = date(2026, 11, 25)
REP = person()
HOLDER = {"name": REP["name"], "id_number": REP["id_number"], "share_pct": "100"}
OWNER = {"name": "李四", "id_number": person("李四", date(1980, 1, 2), 3)["id_number"], "basis": "shares_25",
         "share_pct": "60", "since": "2025-03-01"}
COMPANY = {"name": "重庆某某投资有限公司", "uscc": "91500107MA5U000000", "share_pct": "40"}


def ctx(**changes) -> rules.RuleContext:
    base = dict(standard=load_standard(), zone_id="cq-gxq", zone_known=True, place_names=("重庆", "重庆市"),
                today=TODAY)
    base.update(changes)
    return rules.RuleContext(**base)


def evaluate(context: rules.RuleContext | None = None, **changes) -> rules.Evaluation:
    return rules.evaluate(ApplicationIn.model_validate(application_body(**changes)), context or ctx())


def found(evaluation: rules.Evaluation) -> set[tuple[str, str]]:
    return {(f.rule, f.field) for f in evaluation.invalid + evaluation.refusals + evaluation.review}


# --- capital (Company Law 2023 Art. 47) ----------------------------------------------------------

def test_five_years_end_on_the_corresponding_day_or_the_months_last():
    assert capital.add_years(date(2026, 11, 25), 5) == date(2031, 11, 25)
    assert capital.add_years(date(2028, 2, 29), 5) == date(2033, 2, 28)
    assert capital.statutory_due(date(2024, 7, 1)) == date(2029, 7, 1)
    # registered before the law: the remaining term is cut to 2032-06-30 (State Council Order No. 784)
    assert capital.statutory_due(date(2024, 6, 30)) == date(2032, 6, 30)
    assert capital.statutory_due(date(2015, 3, 1)) == date(2032, 6, 30)


def test_a_term_of_exactly_five_years_passes_and_one_day_later_is_refused():
    limit = date(2031, 11, 25)
    ok = evaluate(shareholders=[{**HOLDER, "contribution_due": limit.isoformat()}])
    assert found(ok) == set() and rules.outcome(ok) == "approved"
    late = evaluate(shareholders=[{**HOLDER, "contribution_due": (limit + timedelta(days=1)).isoformat()}])
    assert found(late) == {("capital.contribution_term", "shareholders.0.contribution_due")}
    assert "2031-11-25" in late.invalid[0].zh and "Art. 47" in late.invalid[0].en
    with pytest.raises(DomainError):
        rules.outcome(late)


def test_a_change_counts_from_the_enterprise_s_establishment():
    enterprise = EnterpriseFacts(uscc=COMPANY["uscc"], name="重庆云帆科技有限公司", entity_type="llc", status="active",
                                 owner_id=1, established_on=date(2025, 1, 10), registered_capital=Decimal("1000000"))
    change = {"matter": "change", "uscc": COMPANY["uscc"], "entity_type": None, "name": None,
              "registered_capital": None, "industry_code": None, "scope": None, "addresses": None,
              "legal_representative": None,
              "materials": ["application_form"], "commitments": []}
    context = ctx(enterprise=enterprise)
    in_time = evaluate(context, **change, shareholders=[{**HOLDER, "contribution_due": "2030-01-10"}])
    assert ("capital.contribution_term", "shareholders.0.contribution_due") not in found(in_time)
    late = evaluate(context, **change, shareholders=[{**HOLDER, "contribution_due": "2030-01-11"}])
    assert ("capital.contribution_term", "shareholders.0.contribution_due") in found(late)
    older = ctx(enterprise=replace(enterprise, established_on=date(2019, 5, 1)))
    assert ("capital.contribution_term", "shareholders.0.contribution_due") not in found(
        evaluate(older, **change, shareholders=[{**HOLDER, "contribution_due": "2032-06-30"}]))
    assert ("capital.contribution_term", "shareholders.0.contribution_due") in found(
        evaluate(older, **change, shareholders=[{**HOLDER, "contribution_due": "2032-07-01"}]))


def test_a_term_is_for_an_llc_only():
    evaluation = evaluate(entity_type="joint_stock", name="重庆云帆科技股份有限公司",
                          shareholders=[{**HOLDER, "contribution_due": "2027-01-01"}])
    assert ("capital.contribution_term", "shareholders.0.contribution_due") in found(evaluation)


def test_paid_in_cannot_exceed_what_was_subscribed_nor_be_paid_tomorrow():
    exact = evaluate(shareholders=[{**HOLDER, "paid_in": {"amount": "1000000.00", "date": "2026-11-25"}}])
    assert found(exact) == set()
    over = evaluate(shareholders=[{**HOLDER, "paid_in": {"amount": "1000000.01", "date": "2026-11-25"}}])
    assert found(over) == {("capital.paid_in_exceeds", "shareholders.0.paid_in.amount")}
    split = evaluate(shareholders=[{**HOLDER, "share_pct": "60"},
                                   {"name": "李四", "id_number": OWNER["id_number"], "share_pct": "40",
                                    "paid_in": {"amount": "400000.01", "date": "2026-01-01"}}])
    assert found(split) == {("capital.paid_in_exceeds", "shareholders.1.paid_in.amount")}
    future = evaluate(shareholders=[{**HOLDER, "paid_in": {"amount": "1", "date": "2026-11-26"}}])
    assert found(future) == {("capital.paid_in_date", "shareholders.0.paid_in.date")}


def test_the_register_stores_an_absent_term_as_the_statutory_limit_and_publishes_it():
    stored = capital.stored_shareholders([HOLDER, {**HOLDER, "contribution_due": "2028-01-01"}], "llc",
                                         date(2026, 11, 25))
    assert stored[0]["contribution_due"] == "2031-11-25" and stored[0]["contribution_due_statutory"] is True
    assert stored[1]["contribution_due"] == "2028-01-01" and stored[1]["contribution_due_statutory"] is False
    shown = capital.public_contributions({**stored[1], "share_pct": "40", "paid_in": {"amount": "1000",
                                                                                       "date": "2027-01-01"}},
                                         Decimal("1000000"), "llc", date(2026, 11, 25))
    assert shown == capital.Contribution(subscribed="400000.00", contribution_due="2028-01-01",
                                         contribution_due_statutory=False, paid_in="1000.00", paid_in_on="2027-01-01")
    # a row stored before this release is shown with the statutory limit, marked as such
    legacy = capital.public_contributions(HOLDER, Decimal("1000000"), "llc", date(2020, 1, 1))
    assert legacy.contribution_due == "2032-06-30" and legacy.contribution_due_statutory is True
    assert capital.stored_shareholders([HOLDER], "joint_stock", TODAY) == [HOLDER]


# --- beneficial owners (受益所有人信息管理办法) ------------------------------------------------------

def test_the_commitment_stands_at_ten_million_yuan_and_not_one_yuan_more():
    at = evaluate(registered_capital="10000000.00")
    assert found(at) == set() and rules.outcome(at) == "approved"
    over = evaluate(registered_capital="10000001.00")
    assert found(over) == {("beneficial_owner.missing", "beneficial_owners")}
    assert rules.outcome(over) == "under_review"


def test_the_commitment_does_not_stand_with_a_corporate_shareholder():
    evaluation = evaluate(shareholders=[{**HOLDER, "share_pct": "60"}, COMPANY])
    assert found(evaluation) == {("beneficial_owner.missing", "beneficial_owners")}
    assert "非自然人" in evaluation.review[0].zh and "natural person" in evaluation.review[0].en


def test_no_owners_and_no_commitment_goes_to_review():
    evaluation = evaluate(commitments=["address"])
    assert found(evaluation) == {("beneficial_owner.missing", "beneficial_owners")}


def test_reported_owners_need_no_commitment_whatever_the_capital():
    evaluation = evaluate(commitments=["address"], registered_capital="50000000.00",
                          shareholders=[{**HOLDER, "share_pct": "60"}, COMPANY], beneficial_owners=[OWNER])
    assert found(evaluation) == set()


def test_individual_businesses_report_no_owners():
    assert owners.beneficial_owner_is_declared(
        ApplicationIn.model_validate(application_body(entity_type="individual_business", commitments=["address"])),
        ctx()) == []


@pytest.mark.parametrize("change,rule,field", [
    ({"id_number": OWNER["id_number"][:-1] + ("0" if OWNER["id_number"][-1] != "0" else "1")},
     "id_number.check_digit", "beneficial_owners.0.id_number"),
    ({"since": "2026-11-26"}, "beneficial_owners.since", "beneficial_owners.0.since"),
    ({"share_pct": "24.99"}, "beneficial_owners.share", "beneficial_owners.0.share_pct"),
    ({"name": "李四<script>"}, "person.name", "beneficial_owners.0.name"),
    ({"name": "John Smith"}, "person.name", "beneficial_owners.0.name"),  # Latin letters need a passport
    ({"id_type": "passport", "id_number": "E1234567/"}, "id_number.format", "beneficial_owners.0.id_number"),
])
def test_a_bad_owner_is_refused_naming_the_field(change, rule, field):
    evaluation = evaluate(beneficial_owners=[{**OWNER, **change}])
    assert (rule, field) in found(evaluation) and evaluation.invalid


def test_near_misses_of_owners_pass():
    for change in ({"since": "2026-11-25"}, {"share_pct": "25"}, {"basis": "control", "share_pct": None},
                   {"name": "John Smith", "id_type": "passport", "id_number": "E12345678", "nationality": "GBR"},
                   {"name": "阿依古丽·买买提"}):
        assert found(evaluate(commitments=["address"], beneficial_owners=[{**OWNER, **change}])) == set(), change


def test_an_owner_masked_for_any_log_or_export():
    record = owners.owner_record(ApplicationIn.model_validate(
        application_body(beneficial_owners=[OWNER])).beneficial_owners[0])  # type: ignore[index]
    shown = record.masked()
    assert shown.name == "李*" and shown.id_number == mask_id_number(OWNER["id_number"])
    assert OWNER["id_number"] not in str(shown) and record.id_number == OWNER["id_number"].upper()

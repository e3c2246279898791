"""Registration use cases on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from factories import NOW, application_body, tiny_pdf
from yima.errors import Conflict, DomainError, Forbidden, NotFound
from yima.register.tables import Enterprise
from yima.registration import service, views
from yima.registration.codes import is_valid_uscc
from yima.registration.model import ApplicationIn
from yima.registration.tables import Application

pytestmark = pytest.mark.db


def submit(db, standard, actor, key=None, **changes) -> int:
    return service.submit(db, standard, actor, ApplicationIn.model_validate(application_body(**changes)), NOW, key)


def get(db, actor, app_id):
    return views.get_application(db, actor, app_id, NOW).as_json()


def test_instant_approval_assigns_a_valid_credit_code_of_the_zone(db, standard, people):
    view = get(db, people["alice"], submit(db, standard, people["alice"]))
    assert view["status"] == "approved"
    assert is_valid_uscc(view["uscc"])
    assert view["uscc"][2:8] == "500107"
    assert [t["to"] for t in view["transitions"]] == ["submitted", "approved"]


def test_zones_have_disjoint_code_blocks(db, standard, people):
    cq = get(db, people["alice"], submit(db, standard, people["alice"]))["uscc"]
    chengdu = submit(db, standard, people["alice"], zone="cd-gxq", name="成都云帆科技有限公司",
                     addresses=[{"text": "成都市高新区天府大道100号", "proof": "commitment"}])
    cd = get(db, people["alice"], chengdu)["uscc"]
    assert cq[8:16] != cd[8:16]


def test_concurrent_approvals_get_unique_credit_codes(db, standard, people):
    def one(i: int) -> str:
        app_id = submit(db, standard, people["alice"], name=f"重庆并发{i:03d}号科技有限公司")
        return get(db, people["alice"], app_id)["uscc"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(one, range(40)))
    assert len(set(codes)) == 40 and all(is_valid_uscc(c) for c in codes)


def test_invalid_input_stores_nothing(db, standard, people):
    with pytest.raises(DomainError) as raised:
        submit(db, standard, people["alice"], scope=["alchemy"])
    assert raised.value.status == 422 and raised.value.finding.field == "scope.0"
    with db.read() as session:
        assert session.scalars(select(Application)).all() == []


def test_negative_list_scope_is_stored_as_rejected_with_the_reason(db, standard, people):
    view = get(db, people["alice"], submit(db, standard, people["alice"], scope=["coal_mining"], industry_code="B0610"))
    assert view["status"] == "rejected" and view["uscc"] is None
    assert view["findings"][0]["rule"] == "scope.negative_list"


def test_the_same_idempotency_key_returns_the_first_application(db, standard, people):
    first = submit(db, standard, people["alice"], key="k-1")
    again = submit(db, standard, people["alice"], key="k-1")
    assert first == again
    with db.read() as session:
        assert len(session.scalars(select(Enterprise)).all()) == 1


def test_the_name_of_a_registered_enterprise_is_refused_naming_it(db, standard, people):
    first = get(db, people["alice"], submit(db, standard, people["alice"]))
    view = get(db, people["bob"], submit(db, standard, people["bob"]))
    assert view["status"] == "rejected"
    assert [f["rule"] for f in view["findings"]] == ["name.same_as_registered"]
    assert first["uscc"] in view["findings"][0]["message"] and first["name"] in view["findings"][0]["message"]


def test_officer_queue_is_the_zone_oldest_first(db, standard, people):
    a = submit(db, standard, people["alice"], name="云帆科技有限公司")
    b = submit(db, standard, people["bob"], name="山城小面")
    submit(db, standard, people["bob"], zone="cd-gxq", name="蓉城小面",
           addresses=[{"text": "成都市高新区天府大道1号", "proof": "commitment"}])
    queue = views.applications_page(db, people["officer-cq"], NOW + timedelta(hours=1)).items
    assert [q.id for q in queue] == [a, b]
    assert queue[0].time_left_hours == 71.0
    mine = views.applications_page(db, people["alice"], NOW).items
    assert [m.id for m in mine] == [a]


def test_officer_approves_from_the_queue(db, standard, people):
    app_id = submit(db, standard, people["alice"], name="云帆科技有限公司")
    service.decide(db, standard, people["officer-cq"], app_id, "approve", "名称经核准", NOW)
    view = get(db, people["alice"], app_id)
    assert view["status"] == "approved" and is_valid_uscc(view["uscc"])


def test_an_officer_of_another_zone_cannot_see_or_decide(db, standard, people):
    app_id = submit(db, standard, people["alice"], name="云帆科技有限公司")
    with pytest.raises(NotFound):
        service.decide(db, standard, people["officer-cd"], app_id, "approve", "", NOW)
    with pytest.raises(NotFound):
        get(db, people["bob"], app_id)


def test_rejection_needs_a_reason(db, standard, people):
    app_id = submit(db, standard, people["alice"], name="云帆科技有限公司")
    with pytest.raises(DomainError) as raised:
        service.decide(db, standard, people["officer-cq"], app_id, "reject", "  ", NOW)
    assert raised.value.finding.field == "reason"
    service.decide(db, standard, people["officer-cq"], app_id, "reject", "名称不规范", NOW)
    view = get(db, people["alice"], app_id)
    assert view["status"] == "rejected" and view["transitions"][-1]["reason"] == "名称不规范"


def test_accept_with_missing_materials_then_supply_returns_to_the_queue(db, standard, people, tmp_path):
    app_id = submit(db, standard, people["alice"], materials=["application_form"])
    service.decide(db, standard, people["officer-cq"], app_id, "accept_with_missing", "", NOW)
    view = get(db, people["alice"], app_id)
    assert view["status"] == "awaiting_materials"
    assert view["missing_materials"] == ["articles_of_association"]
    assert view["materials_due_on"] == "2026-12-10"
    with pytest.raises(Conflict):
        service.decide(db, standard, people["officer-cq"], app_id, "approve", "", NOW)
    pdf = tiny_pdf("articles")
    service.supply_material(db, standard, people["alice"], app_id, "articles_of_association", "章程.pdf", pdf, NOW,
                            tmp_path, 1000)
    view = get(db, people["alice"], app_id)
    assert view["status"] == "under_review" and view["missing_materials"] == []
    assert view["uploads"][0]["sha256"] == __import__("hashlib").sha256(pdf).hexdigest()
    service.decide(db, standard, people["officer-cq"], app_id, "approve", "", NOW)
    assert get(db, people["alice"], app_id)["status"] == "approved"


def test_uploads_are_checked_by_content_and_size(db, standard, people, tmp_path):
    app_id = submit(db, standard, people["alice"], materials=["application_form"])
    for content, rule in ((b"MZ\x90\x00 not a pdf", "upload.type"), (b"%PDF-" + b"x" * 2000, "upload.too_large"),
                          (b"", "upload.empty")):
        with pytest.raises(DomainError) as raised:
            service.supply_material(db, standard, people["alice"], app_id, "articles_of_association", "a.pdf",
                                    content, NOW, tmp_path, 1000)
        assert raised.value.finding.rule == rule
    assert get(db, people["alice"], app_id)["uploads"] == []


def test_a_material_that_may_not_be_deferred_blocks_accept_with_missing(db, standard, people):
    app_id = submit(db, standard, people["alice"], materials=["articles_of_association"])
    with pytest.raises(Conflict) as raised:
        service.decide(db, standard, people["officer-cq"], app_id, "accept_with_missing", "", NOW)
    assert raised.value.finding.rule == "decision.not_deferrable"


def test_deferral_past_its_deadline_lapses(db, standard, people):
    app_id = submit(db, standard, people["alice"], materials=["application_form"])
    service.decide(db, standard, people["officer-cq"], app_id, "accept_with_missing", "", NOW)
    assert service.lapse_overdue(db, NOW + timedelta(days=15)) == []
    assert service.lapse_overdue(db, NOW + timedelta(days=16)) == [app_id]
    assert get(db, people["alice"], app_id)["status"] == "lapsed"


def test_change_cancel_and_filing_work_on_the_existing_enterprise(db, standard, people):
    uscc = get(db, people["alice"], submit(db, standard, people["alice"]))["uscc"]
    change = {"zone": "cq-gxq", "matter": "change", "uscc": uscc, "registered_capital": "3000000.00",
              "materials": ["application_form", "shareholder_resolution"]}
    app_id = service.submit(db, standard, people["alice"], ApplicationIn.model_validate(change), NOW)
    assert get(db, people["alice"], app_id)["status"] == "approved"
    filing = {"zone": "cq-gxq", "matter": "filing", "uscc": uscc, "materials": ["application_form"],
              "addresses": [{"text": "重庆市九龙坡区石桥铺88号", "proof": "commitment"}], "commitments": ["address"]}
    service.submit(db, standard, people["alice"], ApplicationIn.model_validate(filing), NOW)
    enterprise = views.get_enterprise(db, standard, uscc)
    assert enterprise.registered_capital == "3000000.00"
    assert [a.kind for a in enterprise.addresses] == ["domicile", "site"]
    cancel = {"zone": "cq-gxq", "matter": "cancel", "uscc": uscc,
              "materials": ["application_form", "liquidation_report", "tax_clearance"]}
    cancel_id = service.submit(db, standard, people["alice"], ApplicationIn.model_validate(cancel), NOW)
    assert get(db, people["alice"], cancel_id)["status"] == "under_review"
    service.decide(db, standard, people["officer-cq"], cancel_id, "approve", "清算完毕", NOW)
    assert views.get_enterprise(db, standard, uscc).status == "cancelled"


def test_only_the_owner_may_change_an_enterprise(db, standard, people):
    uscc = get(db, people["alice"], submit(db, standard, people["alice"]))["uscc"]
    change = {"zone": "cq-gxq", "matter": "change", "uscc": uscc, "registered_capital": "1.00",
              "materials": ["application_form", "shareholder_resolution"]}
    with pytest.raises(Forbidden):
        service.submit(db, standard, people["bob"], ApplicationIn.model_validate(change), NOW)


def test_one_address_many_licences(db, standard, people):
    submit(db, standard, people["alice"])
    submit(db, standard, people["bob"], name="重庆山城软件有限公司")
    with db.read() as session:
        holders = session.scalars(select(Enterprise)).all()
        assert len(holders) == 2
        assert {e.addresses[0].text for e in holders} == {"重庆市九龙坡区科城路60号"}


def test_public_view_masks_personal_data(db, standard, people):
    uscc = get(db, people["alice"], submit(db, standard, people["alice"]))["uscc"]
    public = views.get_enterprise(db, standard, uscc)
    rep = application_body()["legal_representative"]
    assert public.legal_representative.id_number != rep["id_number"]
    assert "*" in public.legal_representative.id_number and "*" in (public.legal_representative.phone or "")
    assert rep["id_number"] not in public.model_dump_json() and rep["phone"] not in public.model_dump_json()

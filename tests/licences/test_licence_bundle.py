"""One application, the licence and every permit its scope needs (一业一证), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from factories import CATERING, HOTEL, NOW, application_body
from yima.errors import Conflict, DomainError
from yima.keys import service as keys
from yima.keys.tables import ZoneSigningKeyRow
from yima.licences import service
from yima.licences.tables import Licence, Permit
from yima.registration import service as registration
from yima.registration import views
from yima.registration.model import ApplicationIn

pytestmark = pytest.mark.db

SHOP = dict(name="重庆渝味便利店有限公司", scope=["convenience_store"], industry_code="F5213")


def establish(db, standard, actor, **changes) -> str:
    app_id = registration.submit(db, standard, actor, ApplicationIn.model_validate(application_body(**changes)), NOW)
    view = views.get_application(db, actor, app_id, NOW).as_json()
    assert view["status"] == "approved", view["findings"]
    return view["uscc"]


def permits_of(db, uscc):
    with db.read() as session:
        return session.scalars(select(Permit).where(Permit.uscc == uscc).order_by(Permit.id)).all()


def licences_of(db, uscc):
    with db.read() as session:
        return session.scalars(select(Licence).where(Licence.uscc == uscc).order_by(Licence.version)).all()


def verified(db, standard, uscc, version=-1):
    text = licences_of(db, uscc)[version].qr_text
    return service.verify_scanned(db, standard, text, NOW + timedelta(minutes=1)).as_json()


def test_hygiene_permit_by_commitment_is_decided_with_the_licence(db, standard, people):
    uscc = establish(db, standard, people["alice"], **HOTEL)
    [permit] = permits_of(db, uscc)
    assert (permit.type, permit.status, permit.decided_by) == ("public_place_hygiene", "active", "commitment")
    assert permit.verification_due_on == (NOW + timedelta(days=30)).date()
    result = verified(db, standard, uscc)
    assert result["valid"] and result["status"] == "active"
    assert [p["type"] for p in result["licence"]["permits"]] == ["public_place_hygiene"]


def test_missing_permit_materials_send_the_application_to_review(db, standard, people):
    app_id = registration.submit(db, standard, people["alice"], ApplicationIn.model_validate(
        application_body(**{**HOTEL, "materials": ["application_form", "articles_of_association"]})), NOW)
    view = views.get_application(db, people["alice"], app_id, NOW).as_json()
    assert view["status"] == "under_review"
    assert set(view["missing_materials"]) == {"floor_plan", "staff_health_certificates"}


def test_prepackaged_food_filing_is_completed_in_the_registration_step(db, standard, people):
    uscc = establish(db, standard, people["alice"], **SHOP)
    [permit] = permits_of(db, uscc)
    assert (permit.type, permit.status, permit.decided_by) == ("prepackaged_food_filing", "filed", "filing")
    assert len(licences_of(db, uscc)) == 1


def test_food_permit_waits_for_its_department_and_the_licence_is_reissued(db, standard, people):
    uscc = establish(db, standard, people["alice"], **CATERING)
    [permit] = permits_of(db, uscc)
    assert permit.status == "pending"
    assert verified(db, standard, uscc)["licence"]["permits"][0]["status"] == "pending"
    assert [p.id for p in service.pending_permits(db, people["officer-cq"]).items] == [permit.id]
    assert service.pending_permits(db, people["officer-cd"]).total == 0
    service.decide_permit(db, standard, people["officer-cq"], permit.id, "approve", "现场核查合格", NOW)
    latest = verified(db, standard, uscc)
    assert latest["licence"]["version"] == 2 and latest["licence"]["permits"][0]["status"] == "active"
    old = verified(db, standard, uscc, version=0)
    assert old["valid"] and old["superseded"] and old["current_version"] == 2


def test_food_permit_renewal_by_commitment_is_decided_on_the_spot(db, standard, people):
    uscc = establish(db, standard, people["alice"], **CATERING)
    [permit] = permits_of(db, uscc)
    service.decide_permit(db, standard, people["officer-cq"], permit.id, "approve", "", NOW)
    before = permits_of(db, uscc)[0].valid_to
    with pytest.raises(DomainError) as raised:
        service.renew_or_change_permit(db, standard, people["alice"], uscc, "food_business", "renew", None, [], NOW)
    assert raised.value.finding.rule == "commitments.permit_missing"
    version = service.renew_or_change_permit(db, standard, people["alice"], uscc, "food_business", "renew", None,
                                             ["permit_conditions"], NOW)
    after = permits_of(db, uscc)[0]
    assert version == 3 and after.valid_to > before and after.decided_by == "commitment"


def test_hygiene_permit_cannot_be_renewed_by_commitment(db, standard, people):
    uscc = establish(db, standard, people["alice"], **HOTEL)
    with pytest.raises(DomainError) as raised:
        service.renew_or_change_permit(db, standard, people["alice"], uscc, "public_place_hygiene", "renew", None,
                                       ["permit_conditions"], NOW)
    assert raised.value.finding.rule == "permit.not_by_commitment"


def test_a_false_commitment_revokes_the_permit_visibly(db, standard, people):
    uscc = establish(db, standard, people["alice"], **HOTEL)
    [permit] = permits_of(db, uscc)
    service.verify_commitment(db, standard, people["officer-cq"], permit.id, False, "现场不具备卫生条件", NOW)
    result = verified(db, standard, uscc)
    assert result["licence"]["permits"][0]["status"] == "revoked"
    assert result["status"] == "active"  # the standard revokes only the permit for hygiene


def test_a_false_food_commitment_revokes_the_licence_too(db, standard, people):
    uscc = establish(db, standard, people["alice"], **CATERING)
    [permit] = permits_of(db, uscc)
    service.decide_permit(db, standard, people["officer-cq"], permit.id, "approve", "", NOW)
    service.renew_or_change_permit(db, standard, people["alice"], uscc, "food_business", "renew", None,
                                   ["permit_conditions"], NOW)
    service.verify_commitment(db, standard, people["officer-cq"], permit.id, False, "承诺不实", NOW)
    result = verified(db, standard, uscc)
    assert result["status"] == "revoked"
    assert result["licence"]["permits"][0]["status"] == "revoked"


def test_officer_revocation_shows_on_the_qr_check(db, standard, people):
    uscc = establish(db, standard, people["alice"])
    first = verified(db, standard, uscc)
    assert first["status"] == "active"
    with pytest.raises(DomainError):
        service.revoke_enterprise(db, standard, people["officer-cq"], uscc, " ", NOW)
    service.revoke_enterprise(db, standard, people["officer-cq"], uscc, "虚假登记", NOW)
    assert verified(db, standard, uscc, version=0)["status"] == "revoked"
    with pytest.raises(Conflict):
        service.revoke_enterprise(db, standard, people["officer-cq"], uscc, "again", NOW)


def test_cancellation_shows_cancelled(db, standard, people):
    uscc = establish(db, standard, people["alice"])
    cancel = {"zone": "cq-gxq", "matter": "cancel", "uscc": uscc,
              "materials": ["application_form", "liquidation_report", "tax_clearance"]}
    app_id = registration.submit(db, standard, people["alice"], ApplicationIn.model_validate(cancel), NOW)
    registration.decide(db, standard, people["officer-cq"], app_id, "approve", "", NOW)
    assert verified(db, standard, uscc)["status"] == "cancelled"


def test_a_change_reissues_the_licence_with_the_new_name(db, standard, people):
    uscc = establish(db, standard, people["alice"])
    change = {"zone": "cq-gxq", "matter": "change", "uscc": uscc, "name": "重庆云帆软件有限公司",
              "materials": ["application_form", "shareholder_resolution"]}
    registration.submit(db, standard, people["alice"], ApplicationIn.model_validate(change), NOW)
    assert verified(db, standard, uscc)["licence"]["name"] == "重庆云帆软件有限公司"


def test_rotated_keys_keep_verifying_old_licences(db, standard, people):
    uscc = establish(db, standard, people["alice"])
    old_kid, new_kid = service.rotate_key(db, "cq-gxq", NOW)
    second = establish(db, standard, people["bob"], name="重庆山城软件有限公司")
    assert verified(db, standard, uscc)["valid"] and verified(db, standard, uscc)["kid"] == old_kid
    assert verified(db, standard, second)["kid"] == new_kid
    published = keys.trust_list(db, standard, "cq-gxq").to_dict()["keys"]
    assert {k["kid"] for k in published} == {old_kid, new_kid}


def test_a_licence_of_an_unknown_zone_key_is_refused(db, standard, people):
    uscc = establish(db, standard, people["alice"])
    text = licences_of(db, uscc)[0].qr_text
    with db.write() as session:
        for row in session.scalars(select(ZoneSigningKeyRow).where(ZoneSigningKeyRow.zone_id == "cq-gxq")):
            session.delete(row)
        keys.create_zone_key(session, "cq-gxq", NOW)
    result = service.verify_scanned(db, standard, text, NOW)
    assert not result.valid and result.reason in ("unknown_key", "wrong_zone")

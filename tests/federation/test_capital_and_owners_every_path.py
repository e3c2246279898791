"""One rule, every path, for capital and beneficial owners (issue 17): the same bad record is refused
with the same rule id over the API and at both ends of the cross-region hand-off; a forwarded
application carries its beneficial owners in the signed message, the deciding zone keeps them in
their own table, and the forwarding zone keeps them in no application body."""

from __future__ import annotations

from datetime import date

import cbor2
import pytest
from sqlalchemy import select

from factories import NOW, application_body, person
from yima.federation import service
from yima.federation.model import envelope_from_payload, new_message
from yima.federation.tables import OutboxMessage
from yima.licences.cose import sign1
from yima.registration.tables import Application, BeneficialOwner

pytestmark = [pytest.mark.db, pytest.mark.e2e]

REP = person()
OWNER = {"name": "欧阳明远", "id_number": person("欧阳明远", date(1975, 8, 9), 7)["id_number"], "basis": "control",
         "since": "2025-03-01"}
BAD = [
    ({"shareholders": [{"name": REP["name"], "id_number": REP["id_number"], "share_pct": "100",
                        "contribution_due": "2199-01-01"}]},
     "capital.contribution_term", "shareholders.0.contribution_due"),
    ({"shareholders": [{"name": REP["name"], "id_number": REP["id_number"], "share_pct": "100",
                        "paid_in": {"amount": "1000000.01", "date": "2025-01-01"}}]},
     "capital.paid_in_exceeds", "shareholders.0.paid_in.amount"),
    ({"beneficial_owners": [{**OWNER, "id_number": OWNER["id_number"][:-1] + "0"}]},
     "id_number.check_digit", "beneficial_owners.0.id_number"),
]


def _rules(detail) -> list[tuple[str, str]]:
    return [(d["rule"], d["field"]) for d in detail]


def _arrive(db, standard, guangzhou, body, application: int = 7) -> None:
    envelope = new_message("application.forwarded", "gz-gxq", "cq-gxq", standard.digest,
                           {"application": application, "application_body": body, "applicant": "gz-applicant"}, NOW)
    service.receive(db, standard, sign1(envelope.payload(), guangzhou.active), NOW)


def _decided(db) -> list[tuple[str, list[tuple[str, str]]]]:
    with db.read() as session:
        answers = [envelope_from_payload(cbor2.loads(m.payload)) for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "application.decided").order_by(OutboxMessage.id))]
    return [(a.body["status"], _rules(a.body["findings"])) for a in answers]


@pytest.mark.parametrize("change,rule,field", BAD)
def test_the_api_and_both_ends_of_the_hand_off_refuse_with_the_same_rule(db, standard, server, guangzhou,
                                                                         change, rule, field):
    with server.client("alice") as alice:
        response = alice.post("/api/v1/applications", json=application_body(**change))
        assert response.status_code == 422 and (rule, field) in _rules(response.json()["detail"])
        forwarded = alice.post("/api/v1/applications", json=application_body(zone="gz-gxq", **change))
        assert forwarded.status_code == 422 and (rule, field) in _rules(forwarded.json()["detail"])
    _arrive(db, standard, guangzhou, application_body(**change))
    with db.read() as session:
        assert session.scalars(select(Application)).all() == []  # nothing stored at either end
        assert session.scalars(select(BeneficialOwner)).all() == []
    [(status, found)] = _decided(db)
    assert status == "rejected" and (rule, field) in found


def test_a_forwarded_application_carries_its_owners_signed_and_keeps_them_in_no_body(db, standard, server,
                                                                                     guangzhou):
    with server.client("alice") as alice:
        sent = alice.post("/api/v1/applications",
                          json=application_body(zone="gz-gxq", commitments=["address"], beneficial_owners=[OWNER]))
        assert sent.status_code == 201 and sent.json()["status"] == "forwarded", sent.text
        assert OWNER["id_number"] not in alice.get(f"/api/v1/applications/{sent.json()['id']}").text
    with db.read() as session:
        home = session.get(Application, sent.json()["id"])
        assert home is not None and "beneficial_owners" not in home.body
        [message] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "application.forwarded"))
        carried = envelope_from_payload(cbor2.loads(message.payload)).body["application_body"]
    assert carried["beneficial_owners"][0]["id_number"] == OWNER["id_number"]


def test_owners_arriving_from_a_partner_are_kept_apart_and_checked_by_the_same_rules(db, standard, people,
                                                                                    guangzhou):
    _arrive(db, standard, guangzhou, application_body(commitments=["address"], beneficial_owners=[OWNER]), 7)
    _arrive(db, standard, guangzhou, application_body(name="重庆远帆科技有限公司", registered_capital="10000001.00"), 8)
    with db.read() as session:
        apps = {a.name: a for a in session.scalars(select(Application))}
        kept = session.scalars(select(BeneficialOwner)).all()
    assert all("beneficial_owners" not in a.body for a in apps.values())
    assert [(o.name, o.id_number, o.application_id) for o in kept] == [
        (OWNER["name"], OWNER["id_number"], apps["重庆云帆科技有限公司"].id)]
    assert apps["重庆云帆科技有限公司"].status == "approved"
    assert apps["重庆远帆科技有限公司"].status == "under_review"
    assert [f["rule"] for f in apps["重庆远帆科技有限公司"].findings] == ["beneficial_owner.missing"]

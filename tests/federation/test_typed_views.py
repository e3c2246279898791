"""Federation's typed views keep their v1 JSON: a case as an application's view carries it
(``cross_region``, ``licence``), its dead letters (``cross_region.dead_letters``) and the chain
entries a partner gets (``ChainEntryOut``); no database."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

from yima.audit.rules import GENESIS
from yima.federation import delivery, service
from yima.federation.api import ChainEntryOut, LoggedMessageOut, RefusalOut
from yima.federation.model import DeliveryRefusal
from yima.federation.tables import Case
from yima.federation.views import LoggedMessage
from yima.federation.witness import ChainEntry, recompute
from yima.registration.appview import ApplicationView
from yima.registration.model import ApplicationRecord

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
V1_KEYS = {"kind", "state", "error", "reason_zh", "reason_en", "advice_zh", "advice_en", "at"}


def test_a_dead_letter_has_the_v1_keys_and_one_sent_again_no_longer_counts():
    case = Case(partner_zone="cd-gxq", steps=[])
    refusal = DeliveryRefusal(422, "federation.bad_signature", "签名无效", "bad signature")
    service.dead_letter(case, "application.forwarded", "dead", refusal, NOW)
    service.dead_letter(case, "application.material", "expired", refusal, NOW)
    forwarded, material = service.dead_letters(case)
    assert {f.name for f in fields(forwarded)} == V1_KEYS == set(forwarded.as_json())
    assert (forwarded.error, material.state) == ("federation.bad_signature", "expired")
    assert "cd-gxq" in forwarded.reason_zh
    service.resent(case, "application.forwarded", NOW)
    assert [d.kind for d in service.dead_letters(case)] == ["application.material"]


def test_a_chain_entry_has_the_fields_of_chain_entry_out_and_recomputes_from_its_json():
    entry = ChainEntry(1, "2026-11-25T01:00:00.000000+00:00", None, "system", "zone.created", "zone:cq-gxq",
                       {"name": "重庆高新区"})
    assert {f.name for f in fields(ChainEntry)} == set(ChainEntryOut.model_fields)
    body = ChainEntryOut.model_validate(entry.as_json()).model_dump()
    assert body == entry.as_json()
    assert recompute("cq-gxq", 0, GENESIS, [body])[0] == 1


def test_a_logged_message_has_the_fields_of_logged_message_out():
    assert {f.name for f in fields(LoggedMessage)} == set(LoggedMessageOut.model_fields)
    dead = LoggedMessage("m-1", "application.forwarded", "out", "cd-gxq", "cq-gxq", "", "", "dead",
                         "2026-11-25T01:00:00+00:00", None, "2026-11-25T02:00:00+00:00", None, 3, "refused",
                         {"status": 422, "error": "federation.bad_signature", "message_zh": "签名无效",
                          "message_en": "bad signature"}, 7)
    out = LoggedMessageOut.model_validate(dead.as_json())
    assert out.refusal is not None and out.refusal.error == "federation.bad_signature" and out.application == 7


def _case_view(role: str, **case: Any) -> dict[str, Any]:
    """What an application's v1 JSON says of its case (``overlay``), built without a database."""
    record = ApplicationRecord(id=7, zone_id="cq-gxq", applicant_id=3, matter="establish", channel="online",
                               name="云帆", status="forwarded", enterprise_uscc=None, standard_digest="d",
                               findings=(), missing_materials=(), materials_due_on=None)
    line = ApplicationView(id=7, zone="cq-gxq", matter="establish", entity_type="llc", channel="online",
                           name="云帆", status="forwarded", uscc=None, findings=[], missing_materials=[],
                           materials_due_on=None, submitted_at=None, decided_at=None, statutory_due_at=None,
                           time_left_hours=None, overdue=False)
    row = Case(application_id=7, role=role, partner_zone="cd-gxq", remote_application_id=None, remote_status="",
               remote_findings=[], remote_missing=[], remote_due_on=None, uscc=None, steps=[],
               licence_qr=None, licence_pdf=None, licence_delivered_at=None, created_at=NOW, updated_at=NOW)
    for key, value in case.items():
        setattr(row, key, value)
    return service.overlay(record, line, row, NOW + timedelta(days=2)).as_json()


def test_an_accepting_case_and_its_delivered_licence_keep_their_v1_json():
    refusal = DeliveryRefusal(422, "federation.bad_signature", "签名无效", "bad signature")
    row = Case(partner_zone="cd-gxq", steps=[])
    service.dead_letter(row, "application.material", "dead", refusal, NOW)
    waiting = _case_view("accepting", steps=[{"step": "forwarded", "at": NOW.isoformat(), "detail": ""},
                                             *row.steps])
    (letter,) = waiting["cross_region"].pop("dead_letters")
    assert set(letter) == V1_KEYS and letter["error"] == "federation.bad_signature"
    assert waiting["cross_region"] == {"role": "accepting", "partner_zone": "cd-gxq", "partner_application": None,
                                       "steps": [{"step": "forwarded", "at": NOW.isoformat(), "detail": ""},
                                                 *row.steps],
                                       "withdrawal": None, "late": True}
    assert (waiting["status"], waiting["accepting_zone"], waiting["zone"]) == ("forwarded", "cq-gxq", "cd-gxq")
    assert waiting["licence"] is None and waiting["withdrawal"] is None
    delivered = _case_view("accepting", remote_application_id=41, remote_status="approved", uscc="91500000MA01",
                           licence_qr="https://cd.example/l/1", licence_pdf=b"%PDF", licence_delivered_at=NOW)
    assert delivered["licence"] == {"qr": "https://cd.example/l/1", "issued_by": "cd-gxq",
                                    "pdf_url": "/api/v1/applications/7/licence.pdf",
                                    "pdf_delivered_at": NOW.isoformat(), "delivered_at": NOW.isoformat()}
    assert delivered["cross_region"] == {"role": "accepting", "partner_zone": "cd-gxq", "partner_application": 41,
                                         "steps": [], "dead_letters": [], "withdrawal": None, "late": False}
    assert (delivered["status"], delivered["uscc"]) == ("approved", "91500000MA01")


def test_an_issuing_case_says_only_its_role_partner_steps_and_dead_letters():
    issuing = _case_view("issuing", remote_application_id=12)
    assert issuing["cross_region"] == {"role": "issuing", "partner_zone": "cd-gxq", "partner_application": 12,
                                       "steps": [], "dead_letters": []}
    assert issuing["accepting_zone"] == "cd-gxq" and "licence" not in issuing and "withdrawal" not in issuing


def test_a_delivery_refusal_is_stored_as_refusal_out_and_read_from_the_partners_answer():
    refusal = delivery.refusal_of(422, {"error": "federation.bad_signature", "message": "x",
                                        "detail": [{"rule": "r", "message_zh": "签名无效\x07", "message_en": "bad"}]})
    assert refusal == DeliveryRefusal(422, "federation.bad_signature", "签名无效", "bad")  # unprintables dropped
    assert set(refusal.as_json()) == set(RefusalOut.model_fields)
    assert RefusalOut.model_validate(refusal.as_json()).model_dump() == refusal.as_json()
    bare = delivery.refusal_of(403, {})
    assert (bare.error, bare.message_en) == ("http.403", "HTTP 403")

"""Federation's typed views keep their v1 JSON: a case's dead letters (``cross_region.dead_letters``)
and the chain entries a partner gets (``ChainEntryOut``); no database."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from yima.audit.rules import GENESIS
from yima.federation import service
from yima.federation.api import ChainEntryOut, LoggedMessageOut
from yima.federation.tables import Case
from yima.federation.views import LoggedMessage
from yima.federation.witness import ChainEntry, recompute

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
V1_KEYS = {"kind", "state", "error", "reason_zh", "reason_en", "advice_zh", "advice_en", "at"}


def test_a_dead_letter_has_the_v1_keys_and_one_sent_again_no_longer_counts():
    case = Case(partner_zone="cd-gxq", steps=[])
    refusal = {"error": "federation.bad_signature", "message_zh": "签名无效", "message_en": "bad signature"}
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

"""The codec of a message between zones: its own bytes and its own errors (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import cbor2
import pytest
from pycose.messages import Sign1Message

from yima.federation.codec import open_message, seal
from yima.federation.errors import MalformedMessage, Refusal
from yima.federation.model import new_message
from yima.keys.model import ZoneKeyring, generate_signing_key
from yima.licences.cose import sign1, sign_licence
from yima.licences.errors import MalformedLicence
from yima.licences.payload import LicencePayload

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CQ = ZoneKeyring.start("cq-gxq", generate_signing_key(NOW))
ENVELOPE = new_message("application.forwarded", "cq-gxq", "cd-gxq", "ab" * 32, {"application": 7}, NOW)


def test_a_sealed_message_is_the_cose_sign1_the_licence_signer_makes_and_opens_to_its_envelope():
    sealed = seal(ENVELOPE, CQ.active)
    assert sealed == sign1(ENVELOPE.payload(), CQ.active)  # Ed25519 is deterministic: same bytes on the wire
    opened = open_message(sealed)
    assert opened.envelope == ENVELOPE and opened.kid == CQ.active.kid
    assert CQ.active.public().verify(opened.signature, opened.signed)
    assert Sign1Message.decode(sealed).payload == ENVELOPE.payload()  # pycose reads it as well


@pytest.mark.parametrize("data", [b"", b"\xa1\x01\x02", cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b"x"])),
                                  sign1(cbor2.dumps({"v": 2}), CQ.active)],
                         ids=["empty", "not_cose", "three_items", "not_an_envelope"])
def test_unreadable_bytes_are_a_malformed_message_not_a_malformed_licence(data):
    with pytest.raises(MalformedMessage) as caught:
        open_message(data)
    assert not isinstance(caught.value, MalformedLicence)
    assert isinstance(caught.value, Refusal) and caught.value.reason == "malformed" and caught.value.status == 422
    assert caught.value.finding.rule == "federation.malformed" and caught.value.finding.zh.startswith("消息格式不正确")


def test_a_signed_licence_is_not_a_message():
    licence = LicencePayload(uscc="91500107MA5U0000X0", name="重庆示例科技有限公司", entity_type="有限责任公司",
                             legal_representative="张三", registered_capital=Decimal("100000"), domicile="重庆",
                             scope=("software",), established_on=date(2026, 1, 5), zone="cq-gxq", issued_at=NOW,
                             version=1)
    with pytest.raises(MalformedMessage):
        open_message(sign_licence(licence, CQ))

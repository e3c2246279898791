"""The network configuration as a document: signed, verified, refused (no database, no network)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import cbor2
import pytest
from pycose.keys import OKPKey
from pycose.messages import Sign1Message

from yima.errors import DomainError
from yima.federation import network_rules
from yima.federation.network_rules import NetworkConfig, Revoked
from yima.keys.model import ZoneKeyring, generate_signing_key
from yima.keys.trustlist import trust_list_for

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
AUTHORITY = generate_signing_key(NOW)
CQ = ZoneKeyring.start("cq-gxq", generate_signing_key(NOW))
ZONE = network_rules.zone_entry("cq-gxq", "重庆高新区", "https://cq.example", trust_list_for(CQ, "ab" * 32))
CONFIG = NetworkConfig("chengyu", "成渝地区双城经济圈", 3, NOW, NOW + timedelta(hours=24), (ZONE,),
                       (Revoked("cq-gxq", "AAAAAAAAAAA", "2026-12-05T07:00:00Z"),))


def _rule(data: bytes, now: datetime = NOW, key: object = None) -> str:
    with pytest.raises(DomainError) as caught:
        network_rules.verify(data, "chengyu", key or AUTHORITY.public(), now)  # type: ignore[arg-type]
    return caught.value.findings[0].rule


def test_the_signed_configuration_verifies_with_the_anchor_and_reads_back() -> None:
    config = network_rules.verify(network_rules.issue(CONFIG, AUTHORITY), "chengyu", AUTHORITY.public(), NOW)
    assert config == CONFIG
    assert config.zone("cq-gxq").trust_list().key(CQ.active.kid) is not None  # type: ignore[union-attr]
    assert config.revoked_kids() == {b"\x00" * 8}


def test_a_forged_an_expired_and_another_networks_configuration_are_refused() -> None:
    stranger = generate_signing_key(NOW)
    assert _rule(network_rules.issue(CONFIG, stranger)) == "federation.network_unverified"
    assert _rule(network_rules.issue(CONFIG, AUTHORITY), now=CONFIG.expires) == "federation.network_expired"
    other = NetworkConfig("other", "x", 9, NOW, NOW + timedelta(hours=1), (), ())
    assert _rule(network_rules.issue(other, AUTHORITY)) == "federation.network_unverified"
    changed = cbor2.loads(network_rules.issue(CONFIG, AUTHORITY))
    changed.value[2] = changed.value[2].replace(b'"version":3', b'"version":4')
    assert _rule(cbor2.dumps(changed)) == "federation.network_unverified"


def test_only_a_newer_version_is_taken() -> None:
    assert network_rules.newer(None, CONFIG) and network_rules.newer(2, CONFIG)
    assert not network_rules.newer(3, CONFIG) and not network_rules.newer(4, CONFIG)


def test_the_anchor_reads_back_and_a_broken_one_is_named() -> None:
    network, key = network_rules.read_anchor(network_rules.anchor_document("chengyu", "成渝", AUTHORITY.public()))
    assert network == "chengyu" and key.kid == AUTHORITY.kid
    with pytest.raises(DomainError) as caught:
        network_rules.read_anchor({"network": "chengyu", "key": {"kty": "OKP", "crv": "Ed25519", "x": "AA",
                                                                  "kid": "x"}})
    assert caught.value.findings[0].rule == "federation.anchor"


def test_pycose_verifies_the_configuration_with_the_anchor_alone() -> None:
    """An independent verifier: the anchor file's JWK and pycose, as docs/federation-messages.md §9 says."""
    anchor = json.loads(json.dumps(network_rules.anchor_document("chengyu", "成渝", AUTHORITY.public())))
    x = base64.urlsafe_b64decode(anchor["key"]["x"] + "==")
    message = Sign1Message.decode(network_rules.issue(CONFIG, AUTHORITY))
    message.key = OKPKey(crv="ED25519", x=x)
    assert message.verify_signature()
    payload = json.loads(message.payload)
    assert payload["type"] == "yima-network-configuration" and payload["version"] == 3
    assert payload["zones"][0]["keys"][0]["kid"] == CQ.active.kid_text

"""Signing a message with the zone's current key and checking it against a trust list, checked by
``cryptography`` directly against the published JWK, as another zone would."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from factories import NOW
from yima.errors import DomainError
from yima.keys import service as keys
from yima.keys.signature import ZoneSignature, verify
from yima.keys.trustlist import TrustList
from yima.licences.service import rotate_key

pytestmark = pytest.mark.db
MESSAGE = json.dumps({"purpose": "test", "n": 1}, sort_keys=True).encode("ascii")


def _sign(db, zone: str, message: bytes = MESSAGE) -> ZoneSignature:
    with db.read() as session:
        return keys.sign(session, zone, message)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_a_signature_verifies_with_the_published_key_and_only_over_its_message(db, standard, zone_cq):
    signature = _sign(db, "cq-gxq")
    published = keys.trust_list(db, standard, "cq-gxq")
    document = json.loads(json.dumps(signature.to_dict()))  # as it travels
    assert set(document) == {"zone", "kid", "alg", "signature"} and document["alg"] == "EdDSA"
    assert verify(TrustList.from_json(published.to_json()), ZoneSignature.from_dict(document), MESSAGE)
    assert not verify(published, ZoneSignature.from_dict(document), MESSAGE + b" ")
    jwk = next(k for k in published.to_dict()["keys"] if k["kid"] == document["kid"])
    Ed25519PublicKey.from_public_bytes(_unb64(jwk["x"])).verify(_unb64(document["signature"]), MESSAGE)
    with pytest.raises(InvalidSignature):
        Ed25519PublicKey.from_public_bytes(_unb64(jwk["x"])).verify(_unb64(document["signature"]), b"other")


def test_another_zones_list_or_a_withdrawn_key_verifies_nothing(db, standard, zone_cq):
    signature = _sign(db, "cq-gxq")
    assert not verify(keys.trust_list(db, standard, "cd-gxq"), signature, MESSAGE)
    posing = ZoneSignature("cd-gxq", signature.kid, signature.alg, signature.value)
    assert not verify(keys.trust_list(db, standard, "cd-gxq"), posing, MESSAGE)
    published = keys.trust_list(db, standard, "cq-gxq").to_dict()
    withdrawn = TrustList.from_dict({**published, "keys": [k for k in published["keys"] if k["kid"] != signature.kid]})
    assert not verify(withdrawn, signature, MESSAGE)
    assert not verify(keys.trust_list(db, standard, "cq-gxq"),
                      ZoneSignature("cq-gxq", signature.kid, "ES256", signature.value), MESSAGE)


def test_after_a_rotation_the_new_key_signs_and_the_old_signature_still_verifies(db, standard, zone_cq):
    before = _sign(db, "cq-gxq")
    old_kid, new_kid = rotate_key(db, "cq-gxq", NOW)
    after = _sign(db, "cq-gxq")
    assert (before.kid, after.kid) == (old_kid, new_kid)
    published = keys.trust_list(db, standard, "cq-gxq")
    assert verify(published, before, MESSAGE) and verify(published, after, MESSAGE)


@pytest.mark.parametrize(("document", "field"), [
    ({"kid": "AAAAAAAAAAA", "alg": "EdDSA", "signature": "AA"}, "zone"),
    ({"zone": "cq-gxq", "alg": "EdDSA", "signature": "AA"}, "kid"),
    ({"zone": "cq-gxq", "kid": "AAAAAAAAAAA", "alg": "EdDSA", "signature": 7}, "signature"),
    ({"zone": "cq-gxq", "kid": "AAAAAAAAAAA", "alg": "EdDSA", "signature": "A"}, "signature"),
])
def test_a_malformed_signature_document_names_its_member(document, field):
    with pytest.raises(DomainError) as caught:
        ZoneSignature.from_dict(document)
    assert caught.value.finding.rule == "keys.signature_malformed" and caught.value.finding.field == field


def test_an_unknown_zone_cannot_sign(db, zone_cq):
    with pytest.raises(DomainError) as caught:
        _sign(db, "nowhere")
    assert caught.value.finding.rule == "licence.no_key"

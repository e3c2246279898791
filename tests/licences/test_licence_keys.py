"""Zone signing keys, the keyring, and the published trust list."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from licence_samples import ISSUED, STANDARD_DIGEST, ZONE, seeded_key

from yima.errors import Conflict, DomainError
from yima.keys.model import (
    KeyStatus,
    SigningAlgorithm,
    ZoneKeyring,
    ZoneSigningKey,
    generate_signing_key,
    kid_from_text,
    kid_text,
)
from yima.keys.trustlist import MalformedTrustList, TrustList, trust_list_for


def test_kid_is_the_first_8_bytes_of_sha256_of_the_spki() -> None:
    key = seeded_key(1)
    spki = key.private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert key.kid == hashlib.sha256(spki).digest()[:8]
    assert kid_from_text(kid_text(key.kid)) == key.kid
    assert "=" not in key.kid_text


@pytest.mark.parametrize("algorithm", list(SigningAlgorithm))
def test_private_key_round_trips_as_encrypted_pkcs8_pem(algorithm: SigningAlgorithm) -> None:
    key = generate_signing_key(ISSUED, algorithm)
    pem = key.to_encrypted_pem("correct horse battery staple")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    back = ZoneSigningKey.from_encrypted_pem(pem, "correct horse battery staple", created_at=ISSUED)
    assert back.kid == key.kid and back.algorithm is algorithm


def test_wrong_passphrase_is_a_clear_error() -> None:
    pem = seeded_key(1).to_encrypted_pem(b"right")
    with pytest.raises(DomainError) as caught:
        ZoneSigningKey.from_encrypted_pem(pem, b"wrong", created_at=ISSUED)
    assert caught.value.finding.rule == "licence.key_unreadable"


def test_empty_passphrase_is_refused() -> None:
    with pytest.raises(ValueError):
        seeded_key(1).to_encrypted_pem("")


def test_rotation_retires_the_active_key_and_keeps_it() -> None:
    ring = ZoneKeyring.start(ZONE, seeded_key(1))
    later = ISSUED + timedelta(days=30)
    rotated = ring.rotate(seeded_key(2), later)
    assert rotated.active.kid == seeded_key(2).kid
    old = rotated.find(seeded_key(1).kid)
    assert old is not None and old.status is KeyStatus.RETIRED and old.not_after == later
    assert ring.active.kid == seeded_key(1).kid  # the original keyring is unchanged
    twice = rotated.rotate(seeded_key(3), later + timedelta(days=30))
    assert [k.status for k in twice.keys] == [KeyStatus.RETIRED, KeyStatus.RETIRED, KeyStatus.ACTIVE]


def test_rotation_to_a_key_already_held_is_refused() -> None:
    ring = ZoneKeyring.start(ZONE, seeded_key(1)).rotate(seeded_key(2), ISSUED)
    with pytest.raises(Conflict):
        ring.rotate(seeded_key(1), ISSUED)


def test_keyring_needs_exactly_one_active_key() -> None:
    with pytest.raises(ValueError):
        ZoneKeyring(ZONE, (seeded_key(1), seeded_key(2)))
    with pytest.raises(ValueError):
        ZoneKeyring(ZONE, (seeded_key(1).retired(ISSUED),))


def test_trust_list_json_round_trips_and_is_a_jwk_set() -> None:
    es256 = generate_signing_key(ISSUED, SigningAlgorithm.ES256)
    ring = ZoneKeyring.start(ZONE, seeded_key(1)).rotate(es256, ISSUED)
    published = trust_list_for(ring, STANDARD_DIGEST)
    document = json.loads(published.to_json())
    assert document["zone"] == ZONE and document["standard_digest"] == STANDARD_DIGEST
    okp, ec = document["keys"]
    assert okp | {"x": None} == {"kty": "OKP", "crv": "Ed25519", "x": None, "kid": seeded_key(1).kid_text,
                                 "alg": "EdDSA", "use": "sig", "status": "retired",
                                 "not_after": "2024-09-02T08:30:00Z"}
    raw = base64.urlsafe_b64decode(okp["x"] + "=")
    assert raw == seeded_key(1).private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert ec["kty"] == "EC" and ec["crv"] == "P-256" and ec["alg"] == "ES256" and ec["status"] == "active"
    back = TrustList.from_json(published.to_json())
    assert [k.kid for k in back.keys] == [k.kid for k in published.keys]
    assert back.keys[0].not_after == ISSUED and back.keys[0].status is KeyStatus.RETIRED


def test_unknown_key_types_are_skipped() -> None:
    document = trust_list_for(ZoneKeyring.start(ZONE, seeded_key(1)), STANDARD_DIGEST).to_dict()
    document["keys"].insert(0, {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "rsa"})
    assert len(TrustList.from_dict(document).keys) == 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d["keys"][0].__setitem__("kid", "AAAAAAAAAAA"),
        lambda d: d["keys"][0].__setitem__("x", "AAAA"),
        lambda d: d["keys"][0].__setitem__("alg", "ES256"),
        lambda d: d["keys"][0].__setitem__("use", "enc"),
        lambda d: d["keys"][0].__setitem__("status", "lost"),
        lambda d: d.__setitem__("standard_digest", "XYZ"),
        lambda d: d.pop("zone"),
        lambda d: d.__setitem__("keys", {}),
    ],
)
def test_broken_trust_lists_are_refused(damage: object) -> None:
    document = trust_list_for(ZoneKeyring.start(ZONE, seeded_key(1)), STANDARD_DIGEST).to_dict()
    assert callable(damage)
    damage(document)
    with pytest.raises(MalformedTrustList):
        TrustList.from_json(json.dumps(document))


def test_trust_list_that_is_not_json_is_refused() -> None:
    with pytest.raises(MalformedTrustList):
        TrustList.from_json("<html>")

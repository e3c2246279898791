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


def test_an_sm2_key_signs_beside_the_international_key_and_is_published_as_an_sm2_jwk(db, standard, zone_cq,
                                                                                       tmp_path):
    """``yima keys rotate ZONE --alg sm2``: the zone keeps its active Ed25519 key and gains an active
    SM2 key; the trust list carries both; OpenSSL verifies the SM2 signature with the key as published
    and decrypts the key as stored (SM4) with the zone's key-encryption key."""
    from typer.testing import CliRunner

    from yima.cli import app
    from yima.config import get_settings
    from yima.keys.model import SigningAlgorithm
    from yima.keys.signature import sign_with
    from yima.keys.tables import ZoneSigningKeyRow
    from yima.pki.sm2 import Sm2PublicKey, der_signature

    international = _sign(db, "cq-gxq")
    result = CliRunner().invoke(app, ["keys", "rotate", "cq-gxq", "--alg", "sm2", "--db", db.url])
    assert result.exit_code == 0, result.output
    assert "SM2" in result.stdout
    with db.read() as session:
        ring = keys.keyring(session, "cq-gxq", fresh=True)
        row = session.get(ZoneSigningKeyRow, ring.active_national.kid_text)
        assert row is not None and row.algorithm == "SM2"
        stored_pem = row.key_pem
    national = ring.active_national
    assert national is not None and national.algorithm is SigningAlgorithm.SM2
    assert ring.active.kid_text == international.kid  # the international key still signs
    assert _sign(db, "cq-gxq").kid == international.kid

    published = TrustList.from_json(keys.trust_list(db, standard, "cq-gxq").to_json())
    jwks = {k["kid"]: k for k in published.to_dict()["keys"]}
    sm2_jwk = jwks[national.kid_text]
    assert {k: sm2_jwk[k] for k in ("kty", "crv", "alg", "use", "status")} == {
        "kty": "EC", "crv": "SM2", "alg": "SM2", "use": "sig", "status": "active"}
    assert jwks[international.kid]["status"] == "active"

    signature = sign_with(national, "cq-gxq", MESSAGE)
    assert signature.alg == "SM2" and verify(published, signature, MESSAGE)
    assert not verify(published, signature, MESSAGE + b" ")
    assert not verify(published, ZoneSignature("cq-gxq", signature.kid, "EdDSA", signature.value), MESSAGE)
    point = _unb64(sm2_jwk["x"]) + _unb64(sm2_jwk["y"])
    (tmp_path / "pub.pem").write_bytes(Sm2PublicKey(point).spki_pem())
    (tmp_path / "sig.der").write_bytes(der_signature(signature.value))
    (tmp_path / "msg.bin").write_bytes(MESSAGE)
    import subprocess
    checked = subprocess.run(["openssl", "dgst", "-sm3", "-verify", tmp_path / "pub.pem", "-sigopt",
                              "distid:1234567812345678", "-signature", tmp_path / "sig.der", tmp_path / "msg.bin"],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0 and "Verified OK" in checked.stdout, checked.stderr
    (tmp_path / "key.pem").write_text(stored_pem)
    parsed = subprocess.run(["openssl", "asn1parse", "-in", tmp_path / "key.pem"], capture_output=True, text=True,
                            check=True).stdout
    assert "sm4-cbc" in parsed
    decrypted = subprocess.run(["openssl", "pkey", "-in", tmp_path / "key.pem", "-passin", "stdin", "-pubout"],
                               input=get_settings().key_encryption_key, capture_output=True, text=True, check=True)
    assert decrypted.stdout.encode() == Sm2PublicKey(point).spki_pem()

    # Rotating the SM2 key retires the old SM2 key only; rotating the international key leaves SM2 alone.
    old_sm2, new_sm2 = rotate_key(db, "cq-gxq", NOW, SigningAlgorithm.SM2)
    assert old_sm2 == national.kid_text
    old_int, new_int = rotate_key(db, "cq-gxq", NOW)
    assert old_int == international.kid
    with db.read() as session:
        ring = keys.keyring(session, "cq-gxq", fresh=True)
    assert ring.active.kid_text == new_int and ring.active.algorithm is SigningAlgorithm.EDDSA
    assert ring.active_national is not None and ring.active_national.kid_text == new_sm2
    assert verify(keys.trust_list(db, standard, "cq-gxq"), signature, MESSAGE)  # retired SM2 still verifies


def test_an_unknown_algorithm_is_refused_by_name(db, zone_cq):
    from typer.testing import CliRunner

    from yima.cli import app

    result = CliRunner().invoke(app, ["keys", "rotate", "cq-gxq", "--alg", "rsa", "--db", db.url])
    assert result.exit_code != 0
    assert "rsa" in result.output and "sm2" in result.output

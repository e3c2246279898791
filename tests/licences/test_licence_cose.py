"""COSE_Sign1 of the licence: our own signer, checked against pycose as an independent implementation."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import cbor2
import pytest
from cbor2 import CBORTag
from licence_samples import ISSUED, KEYRING, LICENCE, STANDARD_DIGEST, TRUST_LIST, ZONE, seeded_key
from pycose.keys import EC2Key, OKPKey
from pycose.messages import Sign1Message

from yima.errors import DomainError
from yima.keys.model import SigningAlgorithm, ZoneKeyring, generate_signing_key
from yima.keys.trustlist import trust_list_for
from yima.licences.cose import (
    CWT_TAG,
    compress,
    decode_sign1,
    decompress,
    sig_structure,
    sign1,
    sign_licence,
)
from yima.licences.errors import MalformedLicence
from yima.licences.payload import from_claims
from yima.licences.verify import VerificationReason, verify_licence


def test_signed_licence_verifies_and_returns_the_payload() -> None:
    result = verify_licence(sign_licence(LICENCE, KEYRING), TRUST_LIST, ISSUED)
    assert result.valid and result.reason is VerificationReason.OK
    assert result.payload == LICENCE
    assert result.kid == KEYRING.active.kid_text


def test_message_layout_is_tag_18_with_alg_and_kid_protected() -> None:
    item = cbor2.loads(sign_licence(LICENCE, KEYRING))
    assert isinstance(item, CBORTag) and item.tag == 18
    protected, unprotected, payload, signature = item.value
    assert cbor2.loads(protected) == {1: -8, 4: KEYRING.active.kid}
    assert unprotected == {}
    assert from_claims(cbor2.loads(payload)) == LICENCE
    assert len(signature) == 64
    KEYRING.active.public().public_key.verify(signature, sig_structure(protected, payload))


def test_ed25519_signature_is_deterministic() -> None:
    assert sign_licence(LICENCE, KEYRING) == sign_licence(LICENCE, KEYRING)


def _pycose_key(jwk: dict[str, str]) -> OKPKey | EC2Key:
    def raw(name: str) -> bytes:
        return base64.urlsafe_b64decode(jwk[name] + "=" * (-len(jwk[name]) % 4))

    if jwk["kty"] == "OKP":
        return OKPKey(crv="ED25519", x=raw("x"))
    return EC2Key(crv="P_256", x=raw("x"), y=raw("y"))


@pytest.mark.parametrize("algorithm", [a for a in SigningAlgorithm if not a.national])
def test_pycose_verifies_with_nothing_but_the_trust_list_json(algorithm: SigningAlgorithm) -> None:
    own_keyring = ZoneKeyring.start(ZONE, generate_signing_key(ISSUED, algorithm))
    published = trust_list_for(own_keyring, STANDARD_DIGEST).to_json()
    cose = sign_licence(LICENCE, own_keyring)

    document = json.loads(published)
    message = Sign1Message.decode(cose)
    kid = message.phdr[next(k for k in message.phdr if k.identifier == 4)]
    jwk = next(k for k in document["keys"] if base64.urlsafe_b64decode(k["kid"] + "=") == kid)
    message.key = _pycose_key(jwk)
    assert message.verify_signature()
    assert cbor2.loads(message.payload)[1] == document["zone"]


def test_pycose_rejects_a_changed_payload() -> None:
    item = cbor2.loads(sign_licence(LICENCE, KEYRING))
    item.value[2] = item.value[2].replace("张三".encode(), "李四".encode())
    message = Sign1Message.decode(cbor2.dumps(item))
    jwk = trust_list_for(KEYRING, STANDARD_DIGEST).to_dict()["keys"][0]
    message.key = _pycose_key(jwk)
    assert not message.verify_signature()


def test_pycose_signed_message_verifies_with_ours() -> None:
    """The other direction: a COSE_Sign1 made by pycose is read by our parser and verifier."""
    from cryptography.hazmat.primitives import serialization
    from pycose.algorithms import EdDSA
    from pycose.headers import KID, Algorithm

    from yima.licences.payload import to_claims

    key = KEYRING.active
    seed = key.private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public().public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    message = Sign1Message(phdr={Algorithm: EdDSA, KID: key.kid}, payload=cbor2.dumps(to_claims(LICENCE)))
    message.key = OKPKey(crv="ED25519", x=public, d=seed)
    result = verify_licence(message.encode(), trust_list_for(KEYRING, STANDARD_DIGEST), ISSUED)
    assert result.valid, result.detail


def test_every_single_byte_change_is_refused() -> None:
    cose = sign_licence(LICENCE, KEYRING)
    reasons: dict[VerificationReason, int] = {}
    for index in range(len(cose)):
        for mask in (0x01, 0x80, 0xFF):
            changed = bytearray(cose)
            changed[index] ^= mask
            result = verify_licence(bytes(changed), TRUST_LIST, ISSUED)
            assert not result.valid, (index, mask)
            reasons[result.reason] = reasons.get(result.reason, 0) + 1
    assert VerificationReason.OK not in reasons
    expected = {VerificationReason.MALFORMED, VerificationReason.TAMPERED, VerificationReason.UNKNOWN_KEY}
    assert expected <= set(reasons)


def test_tag_61_wrapping_and_compressed_bytes_are_accepted() -> None:
    cose = sign_licence(LICENCE, KEYRING)
    wrapped = cbor2.dumps(CBORTag(CWT_TAG, cbor2.loads(cose)))
    assert verify_licence(wrapped, TRUST_LIST, ISSUED).valid
    assert verify_licence(compress(cose), TRUST_LIST, ISSUED).valid


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"\xd2",
        cbor2.dumps([b"", {}, b"", b""]),  # untagged
        cbor2.dumps(CBORTag(17, [b"", {}, b"", b""])),  # COSE_Mac0
        cbor2.dumps(CBORTag(18, [b"", {}, b""])),
        cbor2.dumps(CBORTag(18, [cbor2.dumps({1: -8}), {}, b"", b""])),  # no kid
        cbor2.dumps(CBORTag(18, [cbor2.dumps({4: b"k"}), {}, b"", b""])),  # no alg
        cbor2.dumps(CBORTag(18, [cbor2.dumps({1: -8, 2: [99], 4: b"k"}), {}, b"", b""])),  # crit
        cbor2.dumps(CBORTag(18, [cbor2.dumps({1: -8, 4: b"k"}), {}, None, b""])),  # detached
    ],
)
def test_structures_that_are_not_our_cose_sign1_are_malformed(bad: bytes) -> None:
    with pytest.raises(MalformedLicence):
        decode_sign1(bad)


def test_trailing_bytes_after_the_message_are_refused() -> None:
    with pytest.raises(MalformedLicence):
        decode_sign1(sign_licence(LICENCE, KEYRING) + b"\x00")


def test_decompression_is_bounded() -> None:
    bomb = compress(b"\x00" * 10_000_000)
    with pytest.raises(MalformedLicence):
        decompress(bomb)
    with pytest.raises(MalformedLicence):
        decompress(compress(b"abc")[:-2])


def test_signing_for_another_zone_is_refused() -> None:
    from licence_samples import three_permit_licence

    with pytest.raises(DomainError):
        sign_licence(three_permit_licence(zone="cd-gxq"), KEYRING)


def test_sign1_over_arbitrary_bytes_round_trips() -> None:
    key = seeded_key(9)
    message = decode_sign1(sign1(b"hello", key))
    assert message.payload == b"hello" and message.kid == key.kid and message.alg == -8
    assert key.public().verify(message.signature, message.to_be_signed())


def test_expiry_claim_is_signed() -> None:
    cose = sign_licence(LICENCE, KEYRING, expires_at=ISSUED + timedelta(days=30))
    assert verify_licence(cose, TRUST_LIST, ISSUED).expires_at == ISSUED + timedelta(days=30)

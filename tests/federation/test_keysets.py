"""Following a partner's key rotation from its signed trust list (no database, no network)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import cbor2
import pytest
from pycose.keys import OKPKey
from pycose.messages import SignMessage

from yima.errors import DomainError
from yima.federation import keysets
from yima.keys.model import ZoneKeyring, generate_signing_key
from yima.keys.trustlist import trust_list_for

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DIGEST = "ab" * 32
OLD = ZoneKeyring.start("cq-gxq", generate_signing_key(NOW))
ROTATED = OLD.rotate(generate_signing_key(NOW + timedelta(days=1)), NOW + timedelta(days=1))
KNOWN = trust_list_for(OLD, DIGEST)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _rule(data: bytes, **kwargs: object) -> str:
    with pytest.raises(DomainError) as caught:
        keysets.followed(data, KNOWN, DIGEST, **kwargs)  # type: ignore[arg-type]
    return caught.value.findings[0].rule


def test_the_rotated_list_vouched_for_by_the_known_key_is_followed() -> None:
    signed = keysets.signed_trust_list(ROTATED, trust_list_for(ROTATED, DIGEST))
    trust = keysets.followed(signed, KNOWN, DIGEST)
    assert {k.kid for k in trust.keys} == {OLD.active.kid, ROTATED.active.kid}
    assert trust.key(OLD.active.kid).status.value == "retired"  # type: ignore[union-attr]


def test_a_list_of_strangers_keys_or_one_claiming_a_known_kid_is_refused() -> None:
    stranger = ZoneKeyring.start("cq-gxq", generate_signing_key(NOW))
    assert _rule(keysets.signed_trust_list(stranger, trust_list_for(stranger, DIGEST))) == \
        "federation.trust_list_unverified"
    # the stranger's list naming the old key too, but signed only by the stranger
    both = trust_list_for(stranger, DIGEST)
    both = type(both)(both.zone, both.standard_digest, (*both.keys, OLD.active.public()))
    assert _rule(keysets.signed_trust_list(stranger, both)) == "federation.trust_list_unverified"
    # a signature relabelled with the known kid does not verify
    item = cbor2.loads(keysets.signed_trust_list(stranger, both))
    item.value[3][0][0] = cbor2.dumps({1: -8, 4: OLD.active.kid})
    assert _rule(cbor2.dumps(item)) == "federation.trust_list_unverified"


def test_a_revoked_key_vouches_for_nothing_and_another_standard_is_named() -> None:
    signed = keysets.signed_trust_list(ROTATED, trust_list_for(ROTATED, DIGEST))
    assert _rule(signed, revoked=frozenset({OLD.active.kid})) == "federation.trust_list_unverified"
    other = keysets.signed_trust_list(ROTATED, trust_list_for(ROTATED, "cd" * 32))
    assert _rule(other) == "federation.standard_mismatch"


def test_at_most_four_keys_sign_the_active_first_then_the_latest_retired() -> None:
    ring = OLD
    for day in range(2, 8):
        ring = ring.rotate(generate_signing_key(NOW + timedelta(days=day)), NOW + timedelta(days=day))
    signers = keysets.signers(ring)
    assert len(signers) == keysets.MAX_SIGNERS and signers[0] == ring.active
    assert OLD.active.kid not in {k.kid for k in signers}
    assert _rule(keysets.signed_trust_list(ring, trust_list_for(ring, DIGEST))) == "federation.trust_list_unverified"


def test_pycose_verifies_every_signature_of_the_signed_trust_list() -> None:
    signed = keysets.signed_trust_list(ROTATED, trust_list_for(ROTATED, DIGEST))
    message = SignMessage.decode(signed)
    document = json.loads(message.payload)
    assert document["zone"] == "cq-gxq" and len(message.signers) == 2
    for signer in message.signers:
        kid = signer.phdr[next(h for h in signer.phdr if h.identifier == 4)]
        jwk = next(k for k in document["keys"] if _unb64(k["kid"]) == kid)
        signer.key = OKPKey(crv="ED25519", x=_unb64(jwk["x"]))
        assert signer.verify_signature()

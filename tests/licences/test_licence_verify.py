"""Offline verification: each reason a licence can be refused for, and key rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cbor2
import pytest
from licence_samples import (
    BASE_URL,
    ISSUED,
    KEYRING,
    LICENCE,
    STANDARD_DIGEST,
    TRUST_LIST,
    ZONE,
    seeded_key,
    three_permit_licence,
)

from yima.keys.model import SigningAlgorithm, ZoneKeyring, generate_signing_key
from yima.keys.trustlist import TrustList, trust_list_for
from yima.licences.cose import sig_structure, sign_licence
from yima.licences.qr import licence_base45, licence_url
from yima.licences.verify import VerificationReason, verify_licence


def _reason(text: str | bytes, trusted: TrustList, now: datetime = ISSUED) -> VerificationReason:
    result = verify_licence(text, trusted, now)
    assert result.valid is (result.reason is VerificationReason.OK)
    return result.reason


def test_both_text_forms_verify() -> None:
    cose = sign_licence(LICENCE, KEYRING)
    assert _reason(licence_url(cose, BASE_URL), TRUST_LIST) is VerificationReason.OK
    assert _reason(licence_url(cose, BASE_URL).lower(), TRUST_LIST) is VerificationReason.OK
    assert _reason(licence_base45(cose), TRUST_LIST) is VerificationReason.OK
    assert _reason(licence_base45(cose).encode("ascii"), TRUST_LIST) is VerificationReason.OK


def test_key_not_in_the_trust_list_is_unknown() -> None:
    stranger = ZoneKeyring.start(ZONE, seeded_key(7))
    result = verify_licence(sign_licence(LICENCE, stranger), TRUST_LIST, ISSUED)
    assert result.reason is VerificationReason.UNKNOWN_KEY
    assert result.payload == LICENCE  # readable, but unverified
    assert "密钥" in result.message_zh and "key" in result.message_en


def test_licence_of_another_zone_says_which_zone() -> None:
    chengdu = ZoneKeyring.start("cd-gxq", seeded_key(8))
    result = verify_licence(sign_licence(three_permit_licence(zone="cd-gxq"), chengdu), TRUST_LIST, ISSUED)
    assert result.reason is VerificationReason.WRONG_ZONE
    assert "cd-gxq" in result.detail


def test_zone_key_signing_for_another_zone_is_wrong_zone() -> None:
    impostor = ZoneKeyring("cd-gxq", KEYRING.keys)  # same key, other zone name
    cose = sign_licence(three_permit_licence(zone="cd-gxq"), impostor)
    assert _reason(cose, TRUST_LIST) is VerificationReason.WRONG_ZONE


def test_rotation_keeps_old_licences_valid_and_signs_new_ones_with_the_new_kid() -> None:
    old_licence = sign_licence(LICENCE, KEYRING)
    rotated_at = ISSUED + timedelta(days=90)
    rotated = KEYRING.rotate(seeded_key(2, created_at=rotated_at), rotated_at)
    published = TrustList.from_json(trust_list_for(rotated, STANDARD_DIGEST).to_json())

    old = verify_licence(old_licence, published, rotated_at + timedelta(days=1))
    assert old.valid and old.kid == KEYRING.active.kid_text

    later = three_permit_licence(issued_at=rotated_at + timedelta(hours=1)).model_copy(update={"version": 2})
    new = verify_licence(sign_licence(later, rotated), published, rotated_at + timedelta(days=1))
    assert new.valid and new.kid == rotated.active.kid_text != KEYRING.active.kid_text
    assert [k.status.value for k in published.keys] == ["retired", "active"]


def test_licence_signed_after_rotation_is_unknown_to_a_stale_trust_list() -> None:
    rotated = KEYRING.rotate(seeded_key(2), ISSUED)
    assert _reason(sign_licence(LICENCE, rotated), TRUST_LIST) is VerificationReason.UNKNOWN_KEY


def test_withdrawn_key_no_longer_verifies() -> None:
    rotated = KEYRING.rotate(seeded_key(2), ISSUED)
    full = trust_list_for(rotated, STANDARD_DIGEST)
    kept = tuple(k for k in full.keys if k.kid != KEYRING.active.kid)
    withdrawn = TrustList(full.zone, full.standard_digest, kept)
    assert _reason(sign_licence(LICENCE, KEYRING), withdrawn) is VerificationReason.UNKNOWN_KEY


def test_expired_licence_is_refused_at_and_after_exp() -> None:
    exp = ISSUED + timedelta(days=365)
    cose = sign_licence(LICENCE, KEYRING, expires_at=exp)
    assert _reason(cose, TRUST_LIST, exp - timedelta(seconds=1)) is VerificationReason.OK
    assert _reason(cose, TRUST_LIST, exp) is VerificationReason.EXPIRED
    result = verify_licence(cose, TRUST_LIST, exp + timedelta(days=1))
    assert result.reason is VerificationReason.EXPIRED and result.payload == LICENCE
    assert result.expires_at == exp


def test_changed_payload_is_tampered() -> None:
    item = cbor2.loads(sign_licence(LICENCE, KEYRING))
    item.value[2] = item.value[2].replace(b"1000000", b"9000000")
    result = verify_licence(cbor2.dumps(item), TRUST_LIST, ISSUED)
    assert result.reason is VerificationReason.TAMPERED
    assert result.payload is not None and str(result.payload.registered_capital) == "9000000"


def test_signature_swapped_from_another_licence_is_tampered() -> None:
    first = cbor2.loads(sign_licence(LICENCE, KEYRING))
    other = cbor2.loads(sign_licence(LICENCE.model_copy(update={"version": 2}), KEYRING))
    first.value[3] = other.value[3]
    assert _reason(cbor2.dumps(first), TRUST_LIST) is VerificationReason.TAMPERED


def test_algorithm_not_of_the_key_is_a_bad_signature() -> None:
    item = cbor2.loads(sign_licence(LICENCE, KEYRING))
    protected = cbor2.dumps({1: -7, 4: KEYRING.active.kid})  # claims ES256 for an Ed25519 key
    item.value[0] = protected
    item.value[3] = KEYRING.active.sign(sig_structure(protected, item.value[2]))
    assert _reason(cbor2.dumps(item), TRUST_LIST) is VerificationReason.BAD_SIGNATURE


def test_truncated_signature_is_a_bad_signature() -> None:
    item = cbor2.loads(sign_licence(LICENCE, KEYRING))
    item.value[3] = item.value[3][:63]
    assert _reason(cbor2.dumps(item), TRUST_LIST) is VerificationReason.BAD_SIGNATURE


def test_es256_zone_key_signs_and_verifies() -> None:
    es256 = ZoneKeyring.start(ZONE, generate_signing_key(ISSUED, SigningAlgorithm.ES256))
    cose = sign_licence(LICENCE, es256)
    assert _reason(cose, trust_list_for(es256, STANDARD_DIGEST)) is VerificationReason.OK
    assert cbor2.loads(cbor2.loads(cose).value[0])[1] == -7


def test_signed_but_unreadable_claims_are_malformed() -> None:
    from yima.licences.cose import sign1

    cose = sign1(cbor2.dumps({1: ZONE, 2: "x"}), KEYRING.active)
    result = verify_licence(cose, TRUST_LIST, ISSUED)
    assert result.reason is VerificationReason.MALFORMED and result.payload is None


@pytest.mark.parametrize(
    "text",
    ["", "hello", "https://example.org/v/", "YM1:", "YM1:!!!", "HTTPS://X/V/AAAA", "https://x/v/0189"],
)
def test_texts_that_are_not_licences_are_malformed(text: str) -> None:
    assert _reason(text, TRUST_LIST) is VerificationReason.MALFORMED


def test_changing_any_sampled_character_of_the_url_is_refused() -> None:
    url = licence_url(sign_licence(LICENCE, KEYRING), BASE_URL)
    start = url.index("/V/") + 3
    for index in range(start, len(url), 7):
        replacement = "A" if url[index] != "A" else "B"
        changed = url[:index] + replacement + url[index + 1:]
        assert not verify_licence(changed, TRUST_LIST, ISSUED).valid, index


def test_result_serialises_for_the_api() -> None:
    body = verify_licence(sign_licence(LICENCE, KEYRING), TRUST_LIST, ISSUED).as_dict()
    assert body["valid"] is True and body["reason"] == "ok"
    assert body["licence"]["uscc"] == LICENCE.uscc
    assert body["licence"]["registered_capital"] == "1000000"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        verify_licence(sign_licence(LICENCE, KEYRING), TRUST_LIST, datetime(2024, 9, 2))
    assert verify_licence(sign_licence(LICENCE, KEYRING), TRUST_LIST, datetime.now(UTC)).valid

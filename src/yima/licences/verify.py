"""Offline verification of a one-code licence against a zone's trust list.

The checks run in this order, and the first that fails names the reason:

1. ``malformed`` — the text, base32/base45, zlib, CBOR, COSE_Sign1 structure, its headers
   (``alg`` and ``kid`` in the protected header) or, once the signature holds, the CWT claims
   cannot be decoded.
2. ``wrong_zone`` — the ``kid`` is not in the trust list and the (unverified) ``iss`` names
   another zone: the licence is probably genuine elsewhere, so say which zone to ask.
3. ``unknown_key`` — the ``kid`` is not in the trust list (and ``iss`` is this zone or unreadable).
4. ``bad_signature`` — the signature cannot be this key's whatever the content: the ``alg``
   header is not the key's algorithm, or the signature has the wrong length for it.
5. ``tampered`` — a well-formed message with a known key and an acceptable signature field, but
   the signature does not verify over the ``Sig_structure``: the protected header, the payload
   or the signature itself was changed after signing. (Cryptography cannot tell which.)
   ``malformed`` again if the verified claims cannot be read; ``wrong_zone`` if a key of this zone
   signed a licence naming another zone.
6. ``expired`` — a genuine licence whose ``exp`` is at or before ``now`` (RFC 8392 §3.1.4).

A licence signed twice (a COSE_Sign: the international signature and the SM2 one) is checked
signature by signature: each whose key the trust list carries must verify (the first that does not
names the reason, as above), at least one must, and one whose key the list does not carry (an SM2
key, for a reader given an international list only) is reported as not checked. ``signatures`` in
the result says, for each, its key, its algorithm and whether it was checked and verified.

The permit statuses on a genuine licence are as of ``iat``; revocation after issue is online only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from yima.keys.model import SigningAlgorithm, ZonePublicKey, kid_text
from yima.keys.trustlist import TrustList
from yima.licences.cose import CoseMessage, CoseSignature, decode_cbor, decode_cose, decompress
from yima.licences.errors import MalformedLicence
from yima.licences.payload import CLAIM_ISS, LicencePayload, expiry_of, from_claims
from yima.licences.qr import extract_cose_bytes


class VerificationReason(StrEnum):
    OK = "ok"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    TAMPERED = "tampered"
    EXPIRED = "expired"
    WRONG_ZONE = "wrong_zone"


MESSAGES: dict[VerificationReason, tuple[str, str]] = {
    # Offline, only the signature and the status as of issue are known; whether the licence is still
    # in force is the issuing zone's answer (``yima.licences.standing``).
    VerificationReason.OK: ("签名真实，执照内容未被改动", "the signature is genuine and the licence unaltered"),
    VerificationReason.MALFORMED: (
        "二维码内容不是可识别的电子执照", "the QR content is not a readable licence"),
    VerificationReason.UNKNOWN_KEY: (
        "签名密钥不在该区信任列表中", "the signing key is not in the zone's trust list"),
    VerificationReason.BAD_SIGNATURE: (
        "签名无效：算法或签名格式与该区密钥不符",
        "bad signature: its algorithm or form does not fit the zone's key"),
    VerificationReason.TAMPERED: (
        "执照内容或签名在签发后被改动", "the licence or its signature was altered after signing"),
    VerificationReason.EXPIRED: ("执照二维码已过有效期", "the licence QR has expired"),
    VerificationReason.WRONG_ZONE: (
        "执照由其他区签发，请使用该区的信任列表",
        "the licence was issued by another zone; use that zone's trust list"),
}


@dataclass(frozen=True)
class SignatureCheck:
    """What was done with one signature of the licence: ``checked`` when the trust list has its key,
    then ``verified`` says whether it holds."""

    kid: str
    alg: str
    checked: bool
    verified: bool

    def as_dict(self) -> dict[str, Any]:
        return {"kid": self.kid, "alg": self.alg, "checked": self.checked, "verified": self.verified}


@dataclass(frozen=True)
class VerificationResult:
    """``payload`` is filled whenever the claims decode, also for an invalid licence; it is then
    unverified and must be shown as such (or not at all)."""

    valid: bool
    reason: VerificationReason
    message_zh: str
    message_en: str
    payload: LicencePayload | None = None
    kid: str | None = None
    expires_at: datetime | None = None
    detail: str = ""
    signatures: tuple[SignatureCheck, ...] = ()

    @property
    def message(self) -> str:
        return f"{self.message_zh} / {self.message_en}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason.value,
            "message": self.message,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "detail": self.detail,
            "kid": self.kid,
            "expires_at": None if self.expires_at is None else self.expires_at.isoformat(),
            "licence": None if self.payload is None else self.payload.model_dump(mode="json"),
            "signatures": [check.as_dict() for check in self.signatures],
        }


def verify_licence(licence: str | bytes, trust_list: TrustList, now: datetime) -> VerificationResult:
    """Verify licence text (URL or ``YM1:`` form) or COSE bytes (raw or zlib) with no network."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:
        message = decode_cose(_cose_bytes(licence))
    except MalformedLicence as exc:
        return _result(VerificationReason.MALFORMED, detail=exc.finding.en)
    claims, payload, undecodable = _read_claims(message)
    issuer = claims.get(CLAIM_ISS) if claims is not None else None
    known = [(signature, trust_list.key(signature.kid)) for signature in message.signatures]
    checks = [SignatureCheck(kid_text(s.kid), _alg_name(s.alg), key is not None, False) for s, key in known]
    first_kid = kid_text(message.signatures[0].kid)
    if all(key is None for _, key in known):
        if isinstance(issuer, str) and issuer != trust_list.zone:
            return _result(VerificationReason.WRONG_ZONE, payload, first_kid, checks=checks,
                           detail=f"issued by zone {issuer!r}; trust list of zone {trust_list.zone!r}")
        return _result(VerificationReason.UNKNOWN_KEY, payload, first_kid, checks=checks,
                       detail=f"kid {', '.join(c.kid for c in checks)}")
    verified_kid = None
    for index, (signature, key) in enumerate(known):
        if key is None:
            continue
        kid = checks[index].kid
        failure = _check_signature(signature, key)
        if failure is not None:
            return _result(failure[0], payload, kid, checks=checks, detail=failure[1])
        checks[index] = SignatureCheck(kid, checks[index].alg, True, True)
        verified_kid = verified_kid or kid
    if payload is None or claims is None:
        return _result(VerificationReason.MALFORMED, None, verified_kid, checks=checks, detail=undecodable)
    try:
        expires_at = expiry_of(claims)
    except MalformedLicence as exc:
        return _result(VerificationReason.MALFORMED, payload, verified_kid, checks=checks, detail=exc.finding.en)
    if issuer != trust_list.zone:
        return _result(VerificationReason.WRONG_ZONE, payload, verified_kid, checks=checks, detail=f"iss {issuer!r}")
    if expires_at is not None and expires_at <= now:
        return _result(VerificationReason.EXPIRED, payload, verified_kid, expires_at, checks=checks,
                       detail=f"exp {expires_at.isoformat()}")
    return _result(VerificationReason.OK, payload, verified_kid, expires_at, checks=checks)


def _check_signature(signature: CoseSignature, key: ZonePublicKey) -> tuple[VerificationReason, str] | None:
    if SigningAlgorithm.from_cose_id(signature.alg) is not key.algorithm:
        return (VerificationReason.BAD_SIGNATURE,
                f"alg {signature.alg!r} is not {key.algorithm.value} ({key.algorithm.cose_id})")
    expected = key.algorithm.signature_length
    if len(signature.signature) != expected:
        return VerificationReason.BAD_SIGNATURE, f"signature of {len(signature.signature)} bytes, not {expected}"
    if not key.verify(signature.signature, signature.to_be_signed):
        return VerificationReason.TAMPERED, "signature does not verify"
    return None


def _alg_name(alg: Any) -> str:
    known = SigningAlgorithm.from_cose_id(alg)
    return known.value if known is not None else str(alg)


def _cose_bytes(licence: str | bytes) -> bytes:
    if isinstance(licence, str):
        return extract_cose_bytes(licence)
    if licence[:1] == b"\x78":  # zlib header (deflate, 32 KiB window)
        return decompress(licence)
    if licence[:1] in (b"\xd2", b"\xd8"):  # tag 18, or tag 61 (one-byte tag number)
        return licence
    try:
        return extract_cose_bytes(licence.decode("ascii"))
    except UnicodeDecodeError as exc:
        raise MalformedLicence("bytes are neither COSE, zlib nor licence text") from exc


def _read_claims(message: CoseMessage) -> tuple[dict[Any, Any] | None, LicencePayload | None, str]:
    try:
        claims = decode_cbor(message.payload, "CWT claims")
        if not isinstance(claims, dict):
            raise MalformedLicence("the CWT claims are not a map")
    except MalformedLicence as exc:
        return None, None, exc.finding.en
    try:
        return claims, from_claims(claims), ""
    except MalformedLicence as exc:
        return claims, None, exc.finding.en


def _result(
    reason: VerificationReason,
    payload: LicencePayload | None = None,
    kid: str | None = None,
    expires_at: datetime | None = None,
    detail: str = "",
    checks: list[SignatureCheck] | None = None,
) -> VerificationResult:
    zh, en = MESSAGES[reason]
    valid = reason is VerificationReason.OK
    return VerificationResult(valid, reason, zh, en, payload, kid, expires_at, detail, tuple(checks or ()))


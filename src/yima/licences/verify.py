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

The permit statuses on a genuine licence are as of ``iat``; revocation after issue is online only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from yima.keys.model import SigningAlgorithm, kid_text
from yima.keys.trustlist import TrustList
from yima.licences.cose import CoseSign1, decode_cbor, decode_sign1, decompress
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
        }


def verify_licence(licence: str | bytes, trust_list: TrustList, now: datetime) -> VerificationResult:
    """Verify licence text (URL or ``YM1:`` form) or COSE bytes (raw or zlib) with no network."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:
        message = decode_sign1(_cose_bytes(licence))
    except MalformedLicence as exc:
        return _result(VerificationReason.MALFORMED, detail=exc.finding.en)
    kid = kid_text(message.kid)
    claims, payload, undecodable = _read_claims(message)
    issuer = claims.get(CLAIM_ISS) if claims is not None else None
    key = trust_list.key(message.kid)
    if key is None and isinstance(issuer, str) and issuer != trust_list.zone:
        return _result(VerificationReason.WRONG_ZONE, payload, kid,
                       detail=f"issued by zone {issuer!r}; trust list of zone {trust_list.zone!r}")
    if key is None:
        return _result(VerificationReason.UNKNOWN_KEY, payload, kid, detail=f"kid {kid}")
    if SigningAlgorithm.from_cose_id(message.alg) is not key.algorithm:
        return _result(VerificationReason.BAD_SIGNATURE, payload, kid,
                       detail=f"alg {message.alg!r} is not {key.algorithm.value} ({key.algorithm.cose_id})")
    expected = key.algorithm.signature_length
    if len(message.signature) != expected:
        return _result(VerificationReason.BAD_SIGNATURE, payload, kid,
                       detail=f"signature of {len(message.signature)} bytes, not {expected}")
    if not key.verify(message.signature, message.to_be_signed()):
        return _result(VerificationReason.TAMPERED, payload, kid, detail="signature does not verify")
    if payload is None or claims is None:
        return _result(VerificationReason.MALFORMED, None, kid, detail=undecodable)
    try:
        expires_at = expiry_of(claims)
    except MalformedLicence as exc:
        return _result(VerificationReason.MALFORMED, payload, kid, detail=exc.finding.en)
    if issuer != trust_list.zone:
        return _result(VerificationReason.WRONG_ZONE, payload, kid, detail=f"iss {issuer!r}")
    if expires_at is not None and expires_at <= now:
        return _result(VerificationReason.EXPIRED, payload, kid, expires_at,
                       detail=f"exp {expires_at.isoformat()}")
    return _result(VerificationReason.OK, payload, kid, expires_at)


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


def _read_claims(message: CoseSign1) -> tuple[dict[Any, Any] | None, LicencePayload | None, str]:
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
) -> VerificationResult:
    zh, en = MESSAGES[reason]
    valid = reason is VerificationReason.OK
    return VerificationResult(valid, reason, zh, en, payload, kid, expires_at, detail)


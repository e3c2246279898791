"""The zone's published trust list: a JWK Set (RFC 7517 §5) with the zone id and standard digest.

The document served at ``/.well-known/yima/trust-list.json`` is itself a JWK Set whose extra
members ``zone`` and ``standard_digest`` (RFC 7517 §5 lets a set carry members its readers may
ignore) name the issuing zone and the digest of the matter standard it applies::

    {"zone": "cq-gxq", "standard_digest": "<hex>",
     "keys": [{"kty": "OKP", "crv": "Ed25519", "x": "...", "kid": "...", "alg": "EdDSA",
               "use": "sig", "status": "active"}, ...]}

Ed25519 keys are OKP JWKs (RFC 8037 §2), P-256 keys EC JWKs (RFC 7518 §6.2.1). SM2 keys (the
national profile) are EC JWKs with ``"crv": "SM2"`` (the curve sm2p256v1 of GB/T 32918.5) and
``"alg": "SM2"`` (SM2 with SM3), ``x`` and ``y`` 32 bytes each as for P-256, and ``"uid"``: the
signer's distinguishing identifier its signatures are made with (``Z_A``; ``1234567812345678``, GM/T
0009's default, unless the zone sets ``YIMA_SM2_SIGNER_ID``; a reader takes the default when
absent); JOSE registers neither name yet, and readers that do not know them skip the key. ``kid`` is
base64url of the 8-byte key id of ``yima.keys.model``; a reader recomputes it and refuses a
key whose ``kid`` does not match. ``status`` is ``active`` or ``retired``; a retired key carries
``not_after`` (RFC 3339, UTC), the moment it stopped signing. Both still verify. Withdrawing a key
(compromise) means removing it from the list. Keys of a ``kty``/``crv`` the reader does not know
are skipped, as RFC 7517 §5 advises.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from yima.errors import DomainError
from yima.keys.model import KeyStatus, PublicKey, ZoneKeyring, ZonePublicKey, kid_text
from yima.pki.sm2 import DEFAULT_USER_ID, Sm2PublicKey

_HEX = re.compile(r"^(?:[0-9a-f]{2})+$")


class MalformedTrustList(DomainError):
    """A trust list (JWK set with the zone id and standard digest) that cannot be read."""

    def __init__(self, en: str, zh: str = "信任列表格式错误", field: str = "trust_list") -> None:
        super().__init__("licence.trust_list_malformed", field, zh, en)


@dataclass(frozen=True)
class TrustList:
    zone: str
    standard_digest: str
    keys: tuple[ZonePublicKey, ...]

    def key(self, kid: bytes) -> ZonePublicKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "standard_digest": self.standard_digest,
            "keys": [public_key_to_jwk(k) for k in self.keys],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, document: str | bytes) -> TrustList:
        try:
            data = json.loads(document)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedTrustList(f"not JSON: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> TrustList:
        if not isinstance(data, Mapping):
            raise MalformedTrustList("the trust list is not a JSON object")
        zone, digest, keys = data.get("zone"), data.get("standard_digest"), data.get("keys")
        if not isinstance(zone, str) or not zone:
            raise MalformedTrustList("member 'zone' is missing or empty")
        if not isinstance(digest, str) or not _HEX.match(digest):
            raise MalformedTrustList("member 'standard_digest' is not lowercase hex")
        if not isinstance(keys, list):
            raise MalformedTrustList("member 'keys' is not an array")
        parsed = tuple(k for k in (public_key_from_jwk(jwk) for jwk in keys) if k is not None)
        return cls(zone, digest, parsed)


def trust_list_for(keyring: ZoneKeyring, standard_digest: str) -> TrustList:
    if not _HEX.match(standard_digest):
        raise ValueError("standard_digest is lowercase hex")
    return TrustList(keyring.zone, standard_digest, keyring.public_keys())


def public_key_to_jwk(key: ZonePublicKey) -> dict[str, Any]:
    if isinstance(key.public_key, Ed25519PublicKey):
        raw = key.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        jwk: dict[str, Any] = {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}
    elif isinstance(key.public_key, Sm2PublicKey):
        jwk = {"kty": "EC", "crv": "SM2", "x": _b64(key.public_key.x), "y": _b64(key.public_key.y),
               "uid": key.public_key.user_id.decode("ascii")}
    else:
        numbers = key.public_key.public_numbers()
        jwk = {"kty": "EC", "crv": "P-256", "x": _b64(numbers.x.to_bytes(32, "big")),
               "y": _b64(numbers.y.to_bytes(32, "big"))}
    jwk.update(
        {"kid": kid_text(key.kid), "alg": key.algorithm.value, "use": "sig", "status": key.status.value}
    )
    if key.not_after is not None:
        jwk["not_after"] = key.not_after.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return jwk


def public_key_from_jwk(jwk: Any) -> ZonePublicKey | None:
    """The key of a JWK, None for a key type this reader does not know; ``MalformedTrustList`` if broken."""
    if not isinstance(jwk, Mapping):
        raise MalformedTrustList("a member of 'keys' is not an object")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    try:
        if kty == "OKP" and crv == "Ed25519":
            public: PublicKey = Ed25519PublicKey.from_public_bytes(_unb64(jwk.get("x"), 32))
        elif kty == "EC" and crv == "P-256":
            x = int.from_bytes(_unb64(jwk.get("x"), 32), "big")
            y = int.from_bytes(_unb64(jwk.get("y"), 32), "big")
            public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        elif kty == "EC" and crv == "SM2":
            uid = jwk.get("uid", DEFAULT_USER_ID.decode("ascii"))
            if not isinstance(uid, str) or not 0 < len(uid) <= 64 or not uid.isascii():
                raise ValueError("uid is not a signer id of 1 to 64 ASCII characters")
            public = Sm2PublicKey(_unb64(jwk.get("x"), 32) + _unb64(jwk.get("y"), 32), uid.encode("ascii"))
        else:
            return None
        status = KeyStatus(jwk.get("status", KeyStatus.ACTIVE.value))
        not_after = _instant(jwk["not_after"]) if jwk.get("not_after") is not None else None
    except (ValueError, TypeError, binascii.Error) as exc:
        raise MalformedTrustList(f"key {jwk.get('kid')!r}: {exc}") from exc
    key = ZonePublicKey(public, status=status, not_after=not_after)
    if jwk.get("kid") != kid_text(key.kid):
        raise MalformedTrustList(
            f"key {jwk.get('kid')!r}: kid is not the key id of this key ({kid_text(key.kid)})"
        )
    alg = jwk.get("alg")
    if alg is not None and alg != key.algorithm.value:
        raise MalformedTrustList(f"key {jwk.get('kid')!r}: alg {alg!r} does not fit {kty}/{crv}")
    if jwk.get("use", "sig") != "sig":
        raise MalformedTrustList(f"key {jwk.get('kid')!r}: use is not 'sig'")
    return key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(value: Any, length: int) -> bytes:
    if not isinstance(value, str) or "=" in value:
        raise ValueError("coordinate is not unpadded base64url text")
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    if len(raw) != length:
        raise ValueError(f"coordinate is {len(raw)} bytes, not {length}")
    return raw


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not_after is not text")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("not_after has no time zone")
    return moment.astimezone(UTC)

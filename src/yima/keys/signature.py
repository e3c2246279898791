"""A detached signature by a zone's key over a message, and its check against a trust list.

Pure: no database, no clock. ``yima.keys.service.sign`` makes one with the zone's active key; anyone
holding the zone's published trust list checks it with ``verify``. The JSON form
(``ZoneSignature.to_dict``) is ``{"zone", "kid", "alg", "signature"}``: the zone id, the key id and
JOSE algorithm name of ``yima.keys.model``, and the signature (raw Ed25519, or ``r || s`` for ES256)
in base64url without padding.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yima.errors import DomainError
from yima.keys.model import SigningAlgorithm, ZoneSigningKey, kid_from_text, kid_text
from yima.keys.trustlist import TrustList

# Audit checkpoints once spelt the algorithm by its Python name ("EDDSA"); they still read.
_JOSE_NAMES = {algorithm.name: algorithm.value for algorithm in SigningAlgorithm}


class MalformedSignature(DomainError):
    """A signature document that lacks a member or whose member cannot be decoded."""

    def __init__(self, en: str, zh: str = "签名格式不正确", field: str = "signature") -> None:
        super().__init__("keys.signature_malformed", field, zh, en)


@dataclass(frozen=True)
class ZoneSignature:
    """A signature by zone ``zone``'s key ``kid`` (base64url key id) with algorithm ``alg``."""

    zone: str
    kid: str
    alg: str
    value: bytes

    def to_dict(self) -> dict[str, str]:
        return {"zone": self.zone, "kid": self.kid, "alg": self.alg,
                "signature": base64.urlsafe_b64encode(self.value).decode("ascii").rstrip("=")}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ZoneSignature:
        """The signature of a JSON document; ``MalformedSignature`` names the member that is wrong."""
        members: dict[str, str] = {}
        for name in ("zone", "kid", "alg", "signature"):
            member = data.get(name)
            if not isinstance(member, str) or not member:
                raise MalformedSignature(f"member {name!r} is missing or not text", field=name)
            members[name] = member
        text = members["signature"]
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            kid_from_text(members["kid"])
        except (ValueError, binascii.Error) as err:
            raise MalformedSignature(f"not base64url: {err}") from err
        alg = _JOSE_NAMES.get(members["alg"], members["alg"])
        return cls(members["zone"], members["kid"], alg, raw)


def sign_with(key: ZoneSigningKey, zone: str, message: bytes) -> ZoneSignature:
    """``message`` signed by ``key`` of ``zone`` (``yima.keys.service.sign`` picks the active key)."""
    return ZoneSignature(zone, kid_text(key.kid), key.algorithm.value, key.sign(message))


def verify(trust_list: TrustList, signature: ZoneSignature, message: bytes) -> bool:
    """True when the signature is by a key of the trust list's zone and verifies over ``message``.

    A key the list no longer carries (withdrawn) verifies nothing; a retired key still verifies
    what it signed. The algorithm named must be the key's own."""
    if signature.zone != trust_list.zone:
        return False
    try:
        key = trust_list.key(kid_from_text(signature.kid))
    except (ValueError, binascii.Error):
        return False
    return key is not None and key.algorithm.value == signature.alg and key.verify(signature.value, message)

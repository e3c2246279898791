"""COSE_Sign1 (RFC 9052 §4.2, §4.4) for the one-code licence, written on cbor2 and cryptography.

This is Yima's own signer and parser; it deliberately does not use pycose, so that the tests can
verify our messages with pycose as an independent implementation. The message is::

    18([ protected: bstr .cbor {1: alg, 4: kid}, unprotected: {}, payload: bstr .cbor CWT claims,
         signature: bstr ])

with ``alg`` -8 (EdDSA/Ed25519) or -7 (ES256), the signature over the ``Sig_structure``
``["Signature1", protected, h'', payload]`` (RFC 9052 §4.4, empty external AAD). We emit COSE tag
18 without the CWT tag 61 (as EU DCC does: the QR prefix already says what the bytes are); the
parser also accepts ``61(18([...]))``. Anything carried in QR text is zlib-compressed (RFC 1950).

A zone with the national profile (an active SM2 key beside its international key) signs twice, in a
COSE_Sign (RFC 9052 §4.1, tag 98)::

    98([ protected: h'', unprotected: {}, payload: bstr .cbor CWT claims,
         signatures: [ [bstr .cbor {1: -8 or -7, 4: kid}, {}, signature],      -- international
                       [bstr .cbor {1: -132918, 4: kid}, {}, r || s] ] ])     -- SM2 with SM3

each signature over ``["Signature", h'', its protected header, h'', payload]``. A zone with one
active key keeps the COSE_Sign1 above, byte for byte.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

import cbor2
from cbor2 import CBORTag

from yima.errors import DomainError
from yima.keys.model import KeyStatus, ZoneKeyring, ZoneSigningKey
from yima.licences.errors import MalformedLicence
from yima.licences.payload import LicencePayload, to_claims

COSE_SIGN1_TAG = 18
COSE_SIGN_TAG = 98
CWT_TAG = 61
HEADER_ALG = 1
HEADER_CRIT = 2
HEADER_KID = 4
MAX_COSE_BYTES = 16 * 1024
"""Decompression stops here: a licence is well under 2 KiB, so more is an attack, not a licence."""
MAX_SIGNATURES = 4
"""A licence carries one signature per profile (two today); more is refused rather than checked."""


@dataclass(frozen=True)
class CoseSign1:
    """A parsed COSE_Sign1; ``protected_bytes`` are kept as received, since the signature covers them."""

    protected_bytes: bytes
    protected: Mapping[Any, Any]
    unprotected: Mapping[Any, Any]
    payload: bytes
    signature: bytes

    @property
    def alg(self) -> Any:
        return self.protected.get(HEADER_ALG)

    @property
    def kid(self) -> bytes:
        return self.protected[HEADER_KID]

    def to_be_signed(self) -> bytes:
        return sig_structure(self.protected_bytes, self.payload)


def sig_structure(protected_bytes: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    return cbor2.dumps(["Signature1", protected_bytes, external_aad, payload])


def multi_sig_structure(body_protected: bytes, sign_protected: bytes, payload: bytes,
                        external_aad: bytes = b"") -> bytes:
    """The ``Sig_structure`` of one signature of a COSE_Sign (RFC 9052 §4.4, context "Signature")."""
    return cbor2.dumps(["Signature", body_protected, sign_protected, external_aad, payload])


@dataclass(frozen=True)
class CoseSignature:
    """One signature of a COSE message: the only one of a COSE_Sign1, or one of a COSE_Sign's."""

    protected_bytes: bytes
    protected: Mapping[Any, Any]
    signature: bytes
    to_be_signed: bytes

    @property
    def alg(self) -> Any:
        return self.protected.get(HEADER_ALG)

    @property
    def kid(self) -> bytes:
        return self.protected[HEADER_KID]


@dataclass(frozen=True)
class CoseMessage:
    """A parsed COSE_Sign1 or COSE_Sign: the payload and its signatures, in the order written."""

    payload: bytes
    signatures: tuple[CoseSignature, ...]
    multiple: bool  # a COSE_Sign (tag 98), not a COSE_Sign1


def sign_multi(payload: bytes, keys: tuple[ZoneSigningKey, ...]) -> bytes:
    """A tagged COSE_Sign over ``payload`` with one signature per key, ``alg`` and ``kid`` in each
    signature's protected header, the body's protected header empty."""
    body_protected = b""
    signatures = []
    for key in keys:
        protected = cbor2.dumps({HEADER_ALG: key.algorithm.cose_id, HEADER_KID: key.kid})
        signatures.append([protected, {}, key.sign(multi_sig_structure(body_protected, protected, payload))])
    return cbor2.dumps(CBORTag(COSE_SIGN_TAG, [body_protected, {}, payload, signatures]))


def sign1(payload: bytes, key: ZoneSigningKey) -> bytes:
    """A tagged COSE_Sign1 over ``payload`` with ``alg`` and ``kid`` in the protected header."""
    protected = cbor2.dumps({HEADER_ALG: key.algorithm.cose_id, HEADER_KID: key.kid})
    signature = key.sign(sig_structure(protected, payload))
    return cbor2.dumps(CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def sign_licence(
    payload: LicencePayload, keyring: ZoneKeyring, *, expires_at: datetime | None = None
) -> bytes:
    """The licence as a CWT (uncompressed): a COSE_Sign1 signed by the keyring's active key, or, when
    the keyring also has an active SM2 key, a COSE_Sign signed by both (international first)."""
    if payload.zone != keyring.zone:
        raise DomainError(
            "licence.wrong_zone", "zone", f"执照签发区 {payload.zone} 与密钥所属区 {keyring.zone} 不一致",
            f"the licence names zone {payload.zone}, but the keys belong to zone {keyring.zone}",
        )
    key = keyring.active
    if key.status is not KeyStatus.ACTIVE:  # a keyring guarantees it; kept for hand-built keys
        raise DomainError("licence.key_retired", "key", "停用的密钥不能签发执照",
                          "a retired key signs no new licence")
    claims = cbor2.dumps(to_claims(payload, expires_at))
    national = keyring.active_national
    if national is None:
        return sign1(claims, key)
    return sign_multi(claims, (key, national))


def decode_sign1(data: bytes) -> CoseSign1:
    """Parse a tagged COSE_Sign1 (optionally inside CWT tag 61); ``MalformedLicence`` otherwise."""
    item = decode_cbor(data, "COSE message")
    if isinstance(item, CBORTag) and item.tag == CWT_TAG:
        item = item.value
    if not isinstance(item, CBORTag) or item.tag != COSE_SIGN1_TAG:
        raise MalformedLicence("not a COSE_Sign1 message (CBOR tag 18)")
    parts = item.value
    if not isinstance(parts, list | tuple) or len(parts) != 4:
        raise MalformedLicence("COSE_Sign1 is not an array of four items")
    protected_bytes, unprotected, payload, signature = parts
    if not isinstance(protected_bytes, bytes):
        raise MalformedLicence("the protected header is not a byte string")
    if not isinstance(unprotected, Mapping):
        raise MalformedLicence("the unprotected header is not a map")
    if not isinstance(payload, bytes):
        raise MalformedLicence("the payload is not a byte string (detached payloads are not used)")
    if not isinstance(signature, bytes):
        raise MalformedLicence("the signature is not a byte string")
    protected = _signer_header(protected_bytes)
    return CoseSign1(protected_bytes, protected, unprotected, payload, signature)


def decode_cose(data: bytes) -> CoseMessage:
    """Parse a tagged COSE_Sign1 or COSE_Sign (either optionally inside CWT tag 61);
    ``MalformedLicence`` otherwise. Each signature's protected header carries ``alg`` and ``kid``."""
    item = decode_cbor(data, "COSE message")
    if isinstance(item, CBORTag) and item.tag == CWT_TAG:
        item = item.value
    if not isinstance(item, CBORTag) or item.tag != COSE_SIGN_TAG:
        one = decode_sign1(data)
        return CoseMessage(one.payload, (CoseSignature(one.protected_bytes, one.protected, one.signature,
                                                       one.to_be_signed()),), multiple=False)
    parts = item.value
    if not isinstance(parts, list | tuple) or len(parts) != 4:
        raise MalformedLicence("COSE_Sign is not an array of four items")
    body_protected, unprotected, payload, signatures = parts
    if not isinstance(body_protected, bytes) or not isinstance(unprotected, Mapping):
        raise MalformedLicence("the COSE_Sign headers are not a byte string and a map")
    if not isinstance(payload, bytes):
        raise MalformedLicence("the payload is not a byte string (detached payloads are not used)")
    body = decode_cbor(body_protected, "protected header") if body_protected else {}
    if not isinstance(body, Mapping) or HEADER_CRIT in body:
        raise MalformedLicence("the COSE_Sign protected header is not a map without crit")
    if not isinstance(signatures, list | tuple) or not 1 <= len(signatures) <= MAX_SIGNATURES:
        raise MalformedLicence(f"a COSE_Sign here carries 1 to {MAX_SIGNATURES} signatures")
    parsed = []
    for entry in signatures:
        if not isinstance(entry, list | tuple) or len(entry) != 3:
            raise MalformedLicence("a COSE_Signature is not an array of three items")
        protected_bytes, signer_unprotected, signature = entry
        if not isinstance(protected_bytes, bytes) or not isinstance(signer_unprotected, Mapping) \
                or not isinstance(signature, bytes):
            raise MalformedLicence("a COSE_Signature is not [bstr, map, bstr]")
        protected = _signer_header(protected_bytes)
        parsed.append(CoseSignature(protected_bytes, protected, signature,
                                    multi_sig_structure(body_protected, protected_bytes, payload)))
    return CoseMessage(payload, tuple(parsed), multiple=True)


def _signer_header(protected_bytes: bytes) -> Mapping[Any, Any]:
    protected = decode_cbor(protected_bytes, "protected header") if protected_bytes else {}
    if not isinstance(protected, Mapping):
        raise MalformedLicence("the protected header is not a map")
    if HEADER_CRIT in protected:
        raise MalformedLicence("critical header parameters are not supported")
    if not isinstance(protected.get(HEADER_KID), bytes):
        raise MalformedLicence("the protected header has no kid (label 4, byte string)")
    if not isinstance(protected.get(HEADER_ALG), int | str):
        raise MalformedLicence("the protected header has no alg (label 1)")
    return protected


def decode_cbor(data: bytes, what: str) -> Any:
    """Exactly one CBOR data item; trailing bytes are refused."""
    stream = BytesIO(data)
    try:
        item = cbor2.CBORDecoder(stream).decode()
    except Exception as exc:  # cbor2 raises many kinds on hostile input; all mean "not ours"
        raise MalformedLicence(f"{what} is not valid CBOR: {exc}") from exc
    if stream.tell() != len(data):
        raise MalformedLicence(f"{what} has {len(data) - stream.tell()} trailing bytes")
    return item


def compress(cose: bytes) -> bytes:
    return zlib.compress(cose, 9)


def decompress(data: bytes, limit: int = MAX_COSE_BYTES) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit)
    except zlib.error as exc:
        raise MalformedLicence(f"not zlib data: {exc}") from exc
    if inflater.unconsumed_tail:
        raise MalformedLicence(f"the decompressed licence exceeds {limit} bytes")
    if not inflater.eof:
        raise MalformedLicence("the zlib stream is truncated")
    if inflater.unused_data:
        raise MalformedLicence("bytes follow the zlib stream")
    return out

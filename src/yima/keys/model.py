"""The zone's signing keys: key ids, a keyring with one active key, rotation, encrypted storage.

Algorithms are those of RFC 9053 §2.1–2.2 as registered for COSE: EdDSA with Ed25519 (alg -8,
the default) and ECDSA P-256 with SHA-256 (ES256, alg -7; signature ``r || s``, 32 bytes each) —
the international profile — and, for the national profile, SM2 with SM3 (GB/T 32918, the signer id
``1234567812345678``; signature ``r || s``) under the private-use COSE algorithm id -132918 (below
-65536, RFC 9052 §16.4, until one is registered; the number recalls GB/T 32918), JOSE name "SM2".
A zone has exactly one active international key, and at most one active SM2 key beside it.
A key id (``kid``) is the first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo of the public
key (RFC 5280 §4.1.2.7), the scheme EU digital COVID certificates use for their certificates; it
is a byte string in the COSE header and base64url without padding in the JWK. Private keys are
stored as PKCS#8 PEM encrypted with a passphrase (RFC 5958 EncryptedPrivateKeyInfo, PBES2).

Key generation draws from the operating system's random source (``cryptography`` offers no
other); everything else here is deterministic and takes ``now`` as an argument.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from yima.errors import Conflict, DomainError
from yima.pki.sm2 import Sm2KeyError, Sm2PrivateKey, Sm2PublicKey, is_sm2_encrypted_pem

PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey | Sm2PublicKey
PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey | Sm2PrivateKey

KID_BYTES = 8


class SigningAlgorithm(StrEnum):
    """JOSE names; ``cose_id`` gives the COSE algorithm number."""

    EDDSA = "EdDSA"
    ES256 = "ES256"
    SM2 = "SM2"  # SM2 with SM3 (GB/T 32918); no JOSE/COSE registration yet

    @property
    def national(self) -> bool:
        """The national profile's algorithm (商用密码), beside the international one."""
        return self is SigningAlgorithm.SM2

    @property
    def cose_id(self) -> int:
        return _COSE_IDS[self]

    @property
    def signature_length(self) -> int:
        return 64

    @classmethod
    def from_cose_id(cls, value: object) -> SigningAlgorithm | None:
        for algorithm, cose_id in _COSE_IDS.items():
            if value == cose_id and not isinstance(value, bool):
                return algorithm
        return None


SM2_COSE_ALG = -132918  # private use (< -65536), documented in docs/licence-qr-format.md
_COSE_IDS = {SigningAlgorithm.EDDSA: -8, SigningAlgorithm.ES256: -7, SigningAlgorithm.SM2: SM2_COSE_ALG}


class KeyStatus(StrEnum):
    ACTIVE = "active"  # signs new licences
    RETIRED = "retired"  # signs nothing new; still verifies what it signed


def key_id(public_key: PublicKey) -> bytes:
    if isinstance(public_key, Sm2PublicKey):
        spki = public_key.spki_der()
    else:
        spki = public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return hashlib.sha256(spki).digest()[:KID_BYTES]


def kid_text(kid: bytes) -> str:
    return base64.urlsafe_b64encode(kid).rstrip(b"=").decode("ascii")


def kid_from_text(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def algorithm_of(key: PublicKey | PrivateKey) -> SigningAlgorithm:
    if isinstance(key, Ed25519PublicKey | Ed25519PrivateKey):
        return SigningAlgorithm.EDDSA
    if isinstance(key, Sm2PublicKey | Sm2PrivateKey):
        return SigningAlgorithm.SM2
    if isinstance(key.curve, ec.SECP256R1):
        return SigningAlgorithm.ES256
    raise ValueError(f"unsupported elliptic curve {key.curve.name}; use Ed25519, P-256 or SM2")


@dataclass(frozen=True)
class ZonePublicKey:
    """A verification key as published in the trust list."""

    public_key: PublicKey
    status: KeyStatus = KeyStatus.ACTIVE
    not_after: datetime | None = None  # when it stopped signing (retired); informational
    algorithm: SigningAlgorithm = field(init=False)
    kid: bytes = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "algorithm", algorithm_of(self.public_key))
        object.__setattr__(self, "kid", key_id(self.public_key))

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` (COSE form) is this key's signature over ``message``."""
        if len(signature) != self.algorithm.signature_length:
            return False
        if isinstance(self.public_key, Sm2PublicKey):
            return self.public_key.verify_raw(signature, message)
        try:
            if isinstance(self.public_key, Ed25519PublicKey):
                self.public_key.verify(signature, message)
            else:
                r = int.from_bytes(signature[:32], "big")
                s = int.from_bytes(signature[32:], "big")
                self.public_key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class ZoneSigningKey:
    """A private signing key of the zone with its lifecycle."""

    private_key: PrivateKey
    created_at: datetime
    status: KeyStatus = KeyStatus.ACTIVE
    not_after: datetime | None = None
    algorithm: SigningAlgorithm = field(init=False)
    kid: bytes = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "algorithm", algorithm_of(self.private_key))
        object.__setattr__(self, "kid", key_id(self.private_key.public_key()))

    @property
    def kid_text(self) -> str:
        return kid_text(self.kid)

    def public(self) -> ZonePublicKey:
        return ZonePublicKey(self.private_key.public_key(), status=self.status, not_after=self.not_after)

    def sign(self, message: bytes) -> bytes:
        """The COSE signature over ``message``: raw Ed25519, or ``r || s`` for ES256 (RFC 9053 §2.1)
        and SM2."""
        if isinstance(self.private_key, Sm2PrivateKey):
            return self.private_key.sign_raw(message)
        if isinstance(self.private_key, Ed25519PrivateKey):
            return self.private_key.sign(message)
        r, s = decode_dss_signature(self.private_key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def retired(self, at: datetime) -> ZoneSigningKey:
        return replace(self, status=KeyStatus.RETIRED, not_after=at)

    def to_encrypted_pem(self, passphrase: str | bytes) -> bytes:
        secret = _passphrase(passphrase)
        if isinstance(self.private_key, Sm2PrivateKey):
            return self.private_key.to_encrypted_pem(secret)
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(secret),
        )

    @classmethod
    def from_encrypted_pem(
        cls,
        pem: bytes,
        passphrase: str | bytes,
        *,
        created_at: datetime,
        status: KeyStatus = KeyStatus.ACTIVE,
        not_after: datetime | None = None,
    ) -> ZoneSigningKey:
        key: object
        try:
            if is_sm2_encrypted_pem(pem):
                key = Sm2PrivateKey.from_encrypted_pem(pem, _passphrase(passphrase))
            else:
                key = serialization.load_pem_private_key(pem, password=_passphrase(passphrase))
        except (ValueError, TypeError, Sm2KeyError) as exc:
            raise DomainError(
                "licence.key_unreadable", "key", "签名密钥无法读取（口令错误或格式不符）",
                "the signing key cannot be read (wrong passphrase or not an encrypted PKCS#8 PEM)",
            ) from exc
        if not isinstance(key, Ed25519PrivateKey | ec.EllipticCurvePrivateKey | Sm2PrivateKey):
            raise ValueError("a zone signing key is Ed25519, P-256 or SM2")
        return cls(key, created_at=created_at, status=status, not_after=not_after)


def generate_signing_key(
    created_at: datetime, algorithm: SigningAlgorithm = SigningAlgorithm.EDDSA
) -> ZoneSigningKey:
    if algorithm is SigningAlgorithm.EDDSA:
        return ZoneSigningKey(Ed25519PrivateKey.generate(), created_at=created_at)
    if algorithm is SigningAlgorithm.SM2:
        return ZoneSigningKey(Sm2PrivateKey.generate(), created_at=created_at)
    return ZoneSigningKey(ec.generate_private_key(ec.SECP256R1()), created_at=created_at)


@dataclass(frozen=True)
class ZoneKeyring:
    """All signing keys of one zone: exactly one active international key (Ed25519 or P-256) signs,
    at most one active SM2 key signs beside it (the national profile), retired ones stay for
    verifying."""

    zone: str
    keys: tuple[ZoneSigningKey, ...]

    def __post_init__(self) -> None:
        active = [k for k in self.keys if k.status is KeyStatus.ACTIVE and not k.algorithm.national]
        if len(active) != 1:
            raise ValueError(f"a keyring has exactly one active international key, not {len(active)}")
        national = [k for k in self.keys if k.status is KeyStatus.ACTIVE and k.algorithm.national]
        if len(national) > 1:
            raise ValueError(f"a keyring has at most one active SM2 key, not {len(national)}")
        kids = [k.kid for k in self.keys]
        if len(set(kids)) != len(kids):
            raise ValueError("a keyring holds each key once")

    @classmethod
    def start(cls, zone: str, key: ZoneSigningKey) -> ZoneKeyring:
        return cls(zone, (key,))

    @property
    def active(self) -> ZoneSigningKey:
        """The active international key: it signs licences, audit checkpoints and messages."""
        return next(k for k in self.keys if k.status is KeyStatus.ACTIVE and not k.algorithm.national)

    @property
    def active_national(self) -> ZoneSigningKey | None:
        """The active SM2 key, if the zone has the national profile."""
        return next((k for k in self.keys if k.status is KeyStatus.ACTIVE and k.algorithm.national), None)

    def find(self, kid: bytes) -> ZoneSigningKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def rotate(self, new_key: ZoneSigningKey, now: datetime) -> ZoneKeyring:
        """A keyring where ``new_key`` signs and the previously active key of its profile (international
        or SM2) is retired at ``now``; the other profile's active key is untouched."""
        if self.find(new_key.kid) is not None:
            raise Conflict(
                "licence.key_reused", "key", "该密钥已在密钥环中，轮换须使用新密钥",
                "this key is already in the keyring; rotation needs a new key",
            )
        national = new_key.algorithm.national
        kept = tuple(k.retired(now) if k.status is KeyStatus.ACTIVE and k.algorithm.national == national else k
                     for k in self.keys)
        return ZoneKeyring(self.zone, (*kept, replace(new_key, status=KeyStatus.ACTIVE, not_after=None)))

    def public_keys(self) -> tuple[ZonePublicKey, ...]:
        return tuple(k.public() for k in self.keys)


def _passphrase(passphrase: str | bytes) -> bytes:
    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    if not secret:
        raise ValueError("an empty passphrase would leave the private key unencrypted")
    return secret

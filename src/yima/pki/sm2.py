"""SM2 signatures with SM3 (GB/T 32918, GB/T 32905) and SM2 keys at rest, SM4-encrypted (GB/T 32907).

The national profile (商用密码) signs with SM2 over SM3: the digest is ``SM3(Z_A || M)`` where
``Z_A`` hashes the signer's distinguishing identifier (``1234567812345678`` by default, GM/T 0009)
with the curve and the public key. A signature is the DER ``SEQUENCE {r INTEGER, s INTEGER}`` (what
OpenSSL reads and writes) or, inside COSE, ``r || s`` (32 bytes each, as for ES256).

Keys are those of the curve ``sm2p256v1`` (OID 1.2.156.10197.1.301) written in the standard
containers: the public key as an X.509 SubjectPublicKeyInfo (``id-ecPublicKey`` + the SM2 curve,
what ``openssl pkey -pubin`` reads), the private key as PKCS#8 (RFC 5958), encrypted with PBES2
(RFC 8018): PBKDF2-HMAC-SHA256 and SM4-CBC (OID 1.2.156.10197.1.104.2). OpenSSL 3 decrypts such a
file (``openssl pkey -in key.pem -passin pass:…``); OpenSSL 3.0 has no ``hmacWithSM3`` PRF for
PBKDF2, so the password KDF uses SHA-256 to stay readable by it.

**Which library, on evidence.** ``cryptography`` (50.x) has SM3 and SM4 but no SM2: loading an SM2
key raises ``UnsupportedAlgorithm: Curve 1.2.156.10197.1.301 is not supported``. Debian 12's OpenSSL
3.0 signs and verifies SM2 with SM3 (``openssl dgst -sm3 -sign/-verify -sigopt distid:…``) and is
the independent checker of the tests, but Python has no maintained binding to its SM2 EVP interface
short of calling the CLI. The PyPI candidates were measured on this project's machine (2 shared
cores, so rates are indicative) with a 300-byte message, signer id ``1234567812345678``, and each
checked both ways against OpenSSL 3.0.19 — 25 key pairs each, signatures made by the library
verified by ``openssl dgst -sm3 -verify``, and signatures made by OpenSSL verified by the library:

=====================  ============================  ========  ========  ===========================
package (version)      kind                          sign/s    verify/s  against OpenSSL
=====================  ============================  ========  ========  ===========================
gmssl_pyx 2.1.0        C extension, GmSSL 3.1        ~240      ~1,200    25/25 both ways; any id
                       statically linked
gmssl-fast 0.1.0       Rust extension over GmSSL     ~640      ~250      25/25 both ways; the id is
                                                                         fixed (not configurable);
                                                                         a first release
snowland-smx 1.1.0     pure Python                   ~70       ~120      both ways; the caller
                                                                         passes the nonce k to
                                                                         ``Sign``
gmssl 3.2.2            pure Python                   ~50       ~35       both ways, but the nonce k
                                                                         comes from ``random.choice``
                                                                         (not a CSPRNG: the key can
                                                                         be recovered); last release
                                                                         2023
smcryptopy 0.2.1       Rust via cffi                 ~9        ~6        its signatures verify in
                                                                         OpenSSL, but it verified
                                                                         0/25 of OpenSSL's; a raw
                                                                         r||s input aborts the whole
                                                                         process (Rust panic)
gmssl-python 2.2.2     ctypes over libgmssl          —         —         needs a system libgmssl,
                                                                         which Debian does not ship;
                                                                         its module ``gmssl``
                                                                         collides with the package
                                                                         ``gmssl``
OpenSSL 3.0.19         ``openssl speed sm2``         ~3,000    ~3,500    (the floor on this machine)
=====================  ============================  ========  ========  ===========================

Yima uses **gmssl_pyx**: correct both ways, a configurable signer id, DER signatures as OpenSSL
writes them, a secure nonce from GmSSL's own random source, wheels for CPython 3.8–3.14 with GmSSL
linked in (no system library), five releases since 2023, and verification (what a zone does most:
every scanned QR) the fastest of the candidates. One wart, shared with gmssl-fast: when a signature
does not verify, GmSSL writes two lines naming its own source file (``sm2_sign.c:265:
sm2_fast_verify()``) to the process's stderr; they carry no data. Nothing here does curve arithmetic: keys, signing
and verifying are gmssl_pyx's; this module only converts between its raw forms (32-byte secret,
64-byte point, DER signature) and the standard containers, with ``asn1crypto``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import gmssl_pyx
from asn1crypto import algos, core, pem
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.padding import PKCS7

DEFAULT_USER_ID = b"1234567812345678"  # GM/T 0009-2012 §10: the default distinguishing identifier
SM2_CURVE_OID = "1.2.156.10197.1.301"
SM2_WITH_SM3_OID = "1.2.156.10197.1.501"
SM3_OID = "1.2.156.10197.1.401"
SM4_CBC_OID = "1.2.156.10197.1.104.2"
EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1"
PBES2_OID = "1.2.840.113549.1.5.13"
PBKDF2_OID = "1.2.840.113549.1.5.12"
HMAC_SHA256_OID = "1.2.840.113549.2.9"
PBKDF2_ITERATIONS = 100_000
POINT_BYTES = 64  # x || y, 32 bytes each (without the 0x04 prefix)
SECRET_BYTES = 32


class Sm2KeyError(ValueError):
    """Bytes that are not an SM2 key in the expected container."""


# --- the ASN.1 containers (declared here, so that no library-wide registry is touched) -----------

class _AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _SubjectPublicKeyInfo(core.Sequence):
    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", core.OctetBitString)]


class _EcPrivateKey(core.Sequence):  # RFC 5915
    _fields = [
        ("version", core.Integer),
        ("private_key", core.OctetString),
        ("parameters", core.ObjectIdentifier, {"explicit": 0, "optional": True}),
        ("public_key", core.OctetBitString, {"explicit": 1, "optional": True}),
    ]


class _PrivateKeyInfo(core.Sequence):  # RFC 5958 OneAsymmetricKey, version 0
    _fields = [("version", core.Integer), ("algorithm", _AlgorithmIdentifier), ("private_key", core.OctetString)]


class _Pbkdf2Params(core.Sequence):
    _fields = [("salt", core.OctetString), ("iteration_count", core.Integer),
               ("key_length", core.Integer, {"optional": True}), ("prf", _AlgorithmIdentifier, {"optional": True})]


class _Pbes2Params(core.Sequence):
    _fields = [("key_derivation_func", _AlgorithmIdentifier), ("encryption_scheme", _AlgorithmIdentifier)]


class _EncryptedPrivateKeyInfo(core.Sequence):
    _fields = [("encryption_algorithm", _AlgorithmIdentifier), ("encrypted_data", core.OctetString)]


# --- signatures ----------------------------------------------------------------------------------

def der_signature(raw: bytes) -> bytes:
    """``r || s`` (64 bytes) as the DER ``SEQUENCE {r, s}`` that OpenSSL reads."""
    if len(raw) != 64:
        raise ValueError("an SM2 signature r || s is 64 bytes")
    return algos.DSASignature({"r": int.from_bytes(raw[:32], "big"), "s": int.from_bytes(raw[32:], "big")}).dump()


def raw_signature(der: bytes) -> bytes:
    """The DER ``SEQUENCE {r, s}`` as ``r || s``; ``ValueError`` if it is not one."""
    parsed = algos.DSASignature.load(der, strict=True)
    r, s = parsed["r"].native, parsed["s"].native
    if not (0 < r < 2**256 and 0 < s < 2**256):
        raise ValueError("r and s are not 256-bit positive integers")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


@dataclass(frozen=True)
class Sm2PublicKey:
    """An SM2 public key: the point ``x || y`` (64 bytes), and the signer's distinguishing identifier
    its signatures are made and checked with (``Z_A``; GM/T 0009's default unless configured)."""

    point: bytes
    user_id: bytes = field(default=DEFAULT_USER_ID, compare=False)

    def __post_init__(self) -> None:
        if len(self.point) != POINT_BYTES:
            raise Sm2KeyError(f"an SM2 public key is {POINT_BYTES} bytes (x || y), not {len(self.point)}")

    @property
    def x(self) -> bytes:
        return self.point[:32]

    @property
    def y(self) -> bytes:
        return self.point[32:]

    def spki_der(self) -> bytes:
        """The X.509 SubjectPublicKeyInfo (``openssl pkey -pubin -inform DER`` reads it)."""
        return _SubjectPublicKeyInfo({
            "algorithm": {"algorithm": EC_PUBLIC_KEY_OID, "parameters": core.ObjectIdentifier(SM2_CURVE_OID)},
            "public_key": b"\x04" + self.point,
        }).dump()

    def spki_pem(self) -> bytes:
        return pem.armor("PUBLIC KEY", self.spki_der())

    @classmethod
    def from_spki_der(cls, der: bytes) -> Sm2PublicKey:
        try:
            info = _SubjectPublicKeyInfo.load(der, strict=True)
            algorithm = info["algorithm"]
            curve = algorithm["parameters"].parsed if algorithm["parameters"] else None
            point = info["public_key"].native
        except ValueError as exc:
            raise Sm2KeyError(f"not a SubjectPublicKeyInfo: {exc}") from exc
        if algorithm["algorithm"].dotted != EC_PUBLIC_KEY_OID or not isinstance(curve, core.ObjectIdentifier) \
                or curve.dotted != SM2_CURVE_OID:
            raise Sm2KeyError("not a key of the SM2 curve (1.2.156.10197.1.301)")
        if not isinstance(point, bytes) or len(point) != 1 + POINT_BYTES or point[0] != 4:
            raise Sm2KeyError("the SM2 public key is not an uncompressed point")
        return cls(point[1:])

    def verify(self, signature_der: bytes, message: bytes, user_id: bytes | None = None) -> bool:
        """True when ``signature_der`` is this key's SM2 signature over ``message`` (``Z_A`` with
        ``user_id``, by default the key's own)."""
        try:
            return bool(gmssl_pyx.sm2_verify(self.point, message, signature_der, user_id or self.user_id))
        except (gmssl_pyx.GmsslInnerError, ValueError, TypeError):
            return False

    def verify_raw(self, signature: bytes, message: bytes, user_id: bytes | None = None) -> bool:
        """As ``verify``, for ``r || s`` (the COSE form)."""
        try:
            der = der_signature(signature)
        except ValueError:
            return False
        return self.verify(der, message, user_id)


@dataclass(frozen=True)
class Sm2PrivateKey:
    """An SM2 private key (the 32-byte secret ``d``) with its public key."""

    secret: bytes = field(repr=False)
    public: Sm2PublicKey

    def __post_init__(self) -> None:
        if len(self.secret) != SECRET_BYTES:
            raise Sm2KeyError(f"an SM2 private key is {SECRET_BYTES} bytes")

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        """A new key pair from GmSSL's random source."""
        point, secret = gmssl_pyx.sm2_key_generate()
        return cls(secret, Sm2PublicKey(point))

    def public_key(self) -> Sm2PublicKey:
        return self.public

    def with_user_id(self, user_id: bytes) -> Sm2PrivateKey:
        """The same key signing with another distinguishing identifier (``YIMA_SM2_SIGNER_ID``)."""
        return Sm2PrivateKey(self.secret, Sm2PublicKey(self.public.point, user_id))

    def sign(self, message: bytes, user_id: bytes | None = None) -> bytes:
        """The SM2 signature over ``message`` as DER ``SEQUENCE {r, s}`` (what OpenSSL verifies)."""
        return bytes(gmssl_pyx.sm2_sign(self.secret, self.public.point, message, user_id or self.public.user_id))

    def sign_raw(self, message: bytes, user_id: bytes | None = None) -> bytes:
        """The signature as ``r || s`` (64 bytes, the COSE form)."""
        return raw_signature(self.sign(message, user_id))

    def pkcs8_der(self) -> bytes:
        """Unencrypted PKCS#8, as ``openssl genpkey -algorithm SM2`` writes it (keep it in memory only)."""
        inner = _EcPrivateKey({"version": 1, "private_key": self.secret, "public_key": b"\x04" + self.public.point})
        return _PrivateKeyInfo({
            "version": 0,
            "algorithm": {"algorithm": EC_PUBLIC_KEY_OID, "parameters": core.ObjectIdentifier(SM2_CURVE_OID)},
            "private_key": inner.dump(),
        }).dump()

    @classmethod
    def from_pkcs8_der(cls, der: bytes) -> Sm2PrivateKey:
        try:
            info = _PrivateKeyInfo.load(der, strict=True)
            algorithm = info["algorithm"]
            curve = algorithm["parameters"].parsed if algorithm["parameters"] else None
            inner = _EcPrivateKey.load(info["private_key"].native)
            secret = inner["private_key"].native
            point = inner["public_key"].native if inner["public_key"] else None
        except ValueError as exc:
            raise Sm2KeyError(f"not a PKCS#8 private key: {exc}") from exc
        if algorithm["algorithm"].dotted != EC_PUBLIC_KEY_OID or not isinstance(curve, core.ObjectIdentifier) \
                or curve.dotted != SM2_CURVE_OID:
            raise Sm2KeyError("not a key of the SM2 curve (1.2.156.10197.1.301)")
        if not isinstance(point, bytes) or len(point) != 1 + POINT_BYTES:
            raise Sm2KeyError("the PKCS#8 SM2 key does not carry its public key")
        secret = secret.rjust(SECRET_BYTES, b"\x00") if isinstance(secret, bytes) else secret
        key = cls(secret, Sm2PublicKey(point[1:]))
        if not key.public.verify(key.sign(b"yima key check"), b"yima key check"):
            raise Sm2KeyError("the public key in the PKCS#8 file is not the private key's")
        return key

    def to_encrypted_pem(self, passphrase: bytes) -> bytes:
        """PKCS#8 encrypted with PBES2 (PBKDF2-HMAC-SHA256, SM4-CBC), PEM ``ENCRYPTED PRIVATE KEY``."""
        if not passphrase:
            raise ValueError("an empty passphrase would leave the private key unencrypted")
        salt, iv = os.urandom(16), os.urandom(16)
        key = _pbkdf2(passphrase, salt, PBKDF2_ITERATIONS)
        padder = PKCS7(128).padder()
        plain = padder.update(self.pkcs8_der()) + padder.finalize()
        encryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
        encrypted = encryptor.update(plain) + encryptor.finalize()
        params = _Pbes2Params({
            "key_derivation_func": {"algorithm": PBKDF2_OID, "parameters": _Pbkdf2Params({
                "salt": salt, "iteration_count": PBKDF2_ITERATIONS,
                "prf": {"algorithm": HMAC_SHA256_OID, "parameters": core.Null()}})},
            "encryption_scheme": {"algorithm": SM4_CBC_OID, "parameters": core.OctetString(iv)},
        })
        document = _EncryptedPrivateKeyInfo({"encryption_algorithm": {"algorithm": PBES2_OID, "parameters": params},
                                             "encrypted_data": encrypted})
        return pem.armor("ENCRYPTED PRIVATE KEY", document.dump())

    @classmethod
    def from_encrypted_pem(cls, data: bytes, passphrase: bytes) -> Sm2PrivateKey:
        """The key of ``to_encrypted_pem`` (or of ``openssl pkcs8 -topk8 -v2 sm4-cbc``);
        ``Sm2KeyError`` for anything else or a wrong passphrase."""
        try:
            label, _, der = pem.unarmor(data)
            if label != "ENCRYPTED PRIVATE KEY":
                raise Sm2KeyError(f"PEM label {label!r} is not ENCRYPTED PRIVATE KEY")
            document = _EncryptedPrivateKeyInfo.load(der, strict=True)
            scheme = document["encryption_algorithm"]
            if scheme["algorithm"].dotted != PBES2_OID:
                raise Sm2KeyError("the key is not encrypted with PBES2")
            params = _Pbes2Params.load(scheme["parameters"].dump())
            kdf, cipher = params["key_derivation_func"], params["encryption_scheme"]
            if kdf["algorithm"].dotted != PBKDF2_OID or cipher["algorithm"].dotted != SM4_CBC_OID:
                raise Sm2KeyError("the key is not encrypted with PBKDF2 and SM4-CBC")
            kdf_params = _Pbkdf2Params.load(kdf["parameters"].dump())
            prf = kdf_params["prf"]
            if not prf or prf["algorithm"].dotted != HMAC_SHA256_OID:
                raise Sm2KeyError("the key's PBKDF2 does not use HMAC-SHA256")
            iterations = kdf_params["iteration_count"].native
            if not 1000 <= iterations <= 10_000_000:
                raise Sm2KeyError(f"PBKDF2 iteration count {iterations} is out of range")
            iv = core.OctetString.load(cipher["parameters"].dump()).native
            key = _pbkdf2(passphrase, kdf_params["salt"].native, iterations)
            decryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).decryptor()
            padded = decryptor.update(document["encrypted_data"].native) + decryptor.finalize()
            unpadder = PKCS7(128).unpadder()
            plain = unpadder.update(padded) + unpadder.finalize()
        except Sm2KeyError:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise Sm2KeyError(f"the SM2 key cannot be decrypted (wrong passphrase or not PKCS#8): {exc}") from exc
        return cls.from_pkcs8_der(plain)


def is_sm2_encrypted_pem(data: bytes | str) -> bool:
    """True for an encrypted PKCS#8 PEM whose cipher is SM4-CBC (how SM2 keys are stored)."""
    raw = data.encode("ascii") if isinstance(data, str) else data
    try:
        label, _, der = pem.unarmor(raw)
        if label != "ENCRYPTED PRIVATE KEY":
            return False
        params = _Pbes2Params.load(_EncryptedPrivateKeyInfo.load(der)["encryption_algorithm"]["parameters"].dump())
        return bool(params["encryption_scheme"]["algorithm"].dotted == SM4_CBC_OID)
    except (ValueError, TypeError, KeyError):
        return False


def sm3(data: bytes) -> bytes:
    """SM3 (GB/T 32905) of ``data``."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _pbkdf2(passphrase: bytes, salt: bytes, iterations: int) -> bytes:
    return PBKDF2HMAC(hashes.SHA256(), 16, salt, iterations).derive(passphrase)

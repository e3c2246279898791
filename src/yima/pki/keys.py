"""Private keys and certificates in their storage formats.

Keys are kept as encrypted PKCS#8 PEM (RFC 5958, PBES2 with AES-256-CBC and a passphrase) and handed
to an enterprise as PKCS#12 (RFC 7292, PBES2/AES-256 with an HMAC-SHA256 MAC), which Windows, macOS,
Adobe Acrobat and OpenSSL 3 all import. Signing keys are ECDSA P-256: PDF validators (Acrobat,
poppler/NSS, pyHanko) all accept it, which is not yet true of Ed25519.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from yima.errors import DomainError

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
"""The key types Yima signs PDFs and certificates with."""

PKCS12_KDF_ROUNDS = 100_000


def new_signing_key() -> ec.EllipticCurvePrivateKey:
    """A fresh ECDSA P-256 key (the only place that draws key material)."""
    return ec.generate_private_key(ec.SECP256R1())


def private_key_to_pem(key: PrivateKey, passphrase: bytes) -> bytes:
    """Encrypted PKCS#8 PEM (``-----BEGIN ENCRYPTED PRIVATE KEY-----``)."""
    if not passphrase:
        raise DomainError("pki.passphrase_required", "passphrase",
                          "私钥必须用口令加密保存",
                          "a private key must be stored encrypted with a passphrase")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def private_key_from_pem(pem: bytes, passphrase: bytes) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise DomainError("pki.key_unreadable", "key",
                          "私钥无法解密（口令错误或数据损坏）",
                          "the private key cannot be decrypted (wrong passphrase or damaged data)") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise DomainError("pki.key_type", "key",
                          "不支持的私钥类型", f"unsupported key type {type(key).__name__}")
    return key


def to_pkcs12(name: str, key: PrivateKey, cert: x509.Certificate, chain: Sequence[x509.Certificate],
              passphrase: bytes) -> bytes:
    """A PKCS#12 file holding the key, its certificate and the CA chain, for the enterprise to keep."""
    if not passphrase:
        raise DomainError("pki.passphrase_required", "passphrase",
                          "导出的密钥文件必须设置口令", "an exported key file must have a passphrase")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(PKCS12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase)
    )
    return pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"), key, cert, list(chain) or None, encryption
    )


def cert_to_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def certs_to_pem(certs: Sequence[x509.Certificate]) -> bytes:
    return b"".join(cert_to_pem(cert) for cert in certs)


def certs_from_pem(pem: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, in order."""
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise DomainError("pki.cert_unreadable", "certificate",
                          "证书无法读取", "the certificate cannot be read") from exc

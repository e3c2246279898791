"""The zone's PKI as stored: its CA (root + issuing, the seal CA of 电子印章) and the certificate
that signs licence PDFs. Created with the zone; private keys encrypted at rest.

Decrypting a PKCS#8 key is deliberately slow (a password-based KDF), so decrypted keys are cached
in the process by their encrypted form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from asn1crypto import pem as asn1_pem
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yima.config import get_settings
from yima.db import Database
from yima.errors import NotFound
from yima.pki.ca import CertifiedKey, SignerIdentity, ZoneCA, create_zone_ca, issue_signing_certificate
from yima.pki.keys import cert_to_pem, new_signing_key
from yima.pki.sm2 import Sm2PrivateKey, is_sm2_encrypted_pem
from yima.pki.sm2cert import issue_sm2_certificate
from yima.pki.tables import ZoneCertificate

ROLES = ("root", "issuing", "licence")


@dataclass(frozen=True)
class ZonePki:
    ca: ZoneCA
    licence_signer: CertifiedKey


def passphrase() -> bytes:
    return get_settings().key_encryption_key.encode("utf-8")


def crl_url(zone_id: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/pki/{zone_id}/issuing.crl"


def encrypt_key(key: PrivateKeyTypes | Sm2PrivateKey) -> str:
    """The key as encrypted PKCS#8 PEM: SM2 keys (the national profile) under SM4-CBC
    (``yima.pki.sm2``), the others under ``cryptography``'s best available PBES2 (AES-256-CBC)."""
    if isinstance(key, Sm2PrivateKey):
        return key.to_encrypted_pem(passphrase()).decode("ascii")
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(passphrase())).decode("ascii")


@lru_cache(maxsize=4096)
def _decrypt(pem: str) -> PrivateKeyTypes | Sm2PrivateKey:
    if is_sm2_encrypted_pem(pem):
        return Sm2PrivateKey.from_encrypted_pem(pem.encode("ascii"), passphrase())
    return serialization.load_pem_private_key(pem.encode("ascii"), passphrase())


def decrypt_key(pem: str) -> Any:
    """Any stored private key (P-256 for X.509, Ed25519 or P-256 or SM2 for the zone's signing keys)."""
    return _decrypt(pem)


def _row(zone_id: str, role: str, item: CertifiedKey, now: datetime) -> ZoneCertificate:
    return ZoneCertificate(zone_id=zone_id, role=role, serial=format(item.cert.serial_number, "x"),
                           cert_pem=cert_to_pem(item.cert).decode("ascii"), key_pem=encrypt_key(item.key),
                           created_at=now)


def create_zone_pki(session: Session, zone_id: str, zone_name: str, authority: str, now: datetime) -> None:
    ca = create_zone_ca(zone_name, root_key=new_signing_key(), issuing_key=new_signing_key(), now=now,
                        organization=authority)
    signer = issue_signing_certificate(ca.issuing, new_signing_key(),
                                       SignerIdentity(common_name=f"{zone_name} 营业执照签发", organization=authority),
                                       now=now, crl_url=crl_url(zone_id))
    for role, item in (("root", ca.root), ("issuing", ca.issuing), ("licence", signer)):
        session.add(_row(zone_id, role, item, now))
    session.flush()


def load_zone_pki(session: Session, zone_id: str) -> ZonePki:
    rows = {r.role: r for r in session.scalars(select(ZoneCertificate).where(ZoneCertificate.zone_id == zone_id,
                                                                             ZoneCertificate.role.in_(ROLES)))}
    if set(rows) != set(ROLES):
        raise NotFound("pki.missing", "zone", f"开发区 {zone_id} 尚未建立证书体系", f"Zone {zone_id} has no PKI yet")
    certs = {role: x509.load_pem_x509_certificate(rows[role].cert_pem.encode("ascii")) for role in ROLES}
    root = CertifiedKey(decrypt_key(rows["root"].key_pem), certs["root"])
    issuing = CertifiedKey(decrypt_key(rows["issuing"].key_pem), certs["issuing"], (certs["root"],))
    signer = CertifiedKey(decrypt_key(rows["licence"].key_pem), certs["licence"], (certs["issuing"], certs["root"]))
    return ZonePki(ZoneCA(root=root, issuing=issuing), signer)


def root_certificate(session: Session, zone_id: str) -> x509.Certificate:
    row = session.scalar(select(ZoneCertificate).where(ZoneCertificate.zone_id == zone_id,
                                                       ZoneCertificate.role == "root"))
    if row is None:
        raise NotFound("pki.missing", "zone", f"开发区 {zone_id} 尚未建立证书体系", f"Zone {zone_id} has no PKI yet")
    return x509.load_pem_x509_certificate(row.cert_pem.encode("ascii"))


# --- the national profile: the zone's SM2 seal-maker certificate --------------------------------------

SM2_ROLE_PREFIX = "sm2:"  # + the SM2 key's id: one certificate per SM2 key of the zone


def sm2_maker_certificate(db: Database, zone_id: str, key: Sm2PrivateKey, kid: str, valid_from: datetime,
                          valid_to: datetime, *, common_name: str, organization: str) -> bytes:
    """The DER certificate of the zone's SM2 key (the key that makes GB/T 38540 seals and seals the OFD
    licence), issued by the zone's CA once and stored beside the ECDSA ones (role ``sm2:<kid>``;
    its key stays with the zone's signing keys). Served at ``/pki/{zone}/sm2-seal.crt``."""
    role = SM2_ROLE_PREFIX + kid
    with db.read() as session:
        stored = session.scalar(select(ZoneCertificate.cert_pem).where(ZoneCertificate.zone_id == zone_id,
                                                                       ZoneCertificate.role == role))
        if stored is not None:
            return pem_to_der(stored)
        issuing = load_zone_pki(session, zone_id).ca.issuing
    der = issue_sm2_certificate(issuing.key, issuing.cert, key.public, common_name=common_name,
                                organization=organization, not_before=valid_from, not_after=valid_to)
    try:
        with db.write() as session:
            session.add(ZoneCertificate(zone_id=zone_id, role=role, serial=format(x509.load_der_x509_certificate(
                der).serial_number, "x"), cert_pem=der_to_pem(der), key_pem="", created_at=valid_from))
    except IntegrityError:  # made meanwhile by another request: the one stored is the zone's
        with db.read() as session:
            return pem_to_der(session.scalar(select(ZoneCertificate.cert_pem).where(
                ZoneCertificate.zone_id == zone_id, ZoneCertificate.role == role)) or "")
    return der


def sm2_maker_certificates(session: Session, zone_id: str) -> list[bytes]:
    """Every SM2 seal-maker certificate the zone has had (DER), oldest first."""
    rows = session.scalars(select(ZoneCertificate.cert_pem).where(
        ZoneCertificate.zone_id == zone_id, ZoneCertificate.role.startswith(SM2_ROLE_PREFIX))
        .order_by(ZoneCertificate.created_at))
    return [pem_to_der(pem) for pem in rows]


def der_to_pem(der: bytes) -> str:
    return asn1_pem.armor("CERTIFICATE", der).decode("ascii")


def pem_to_der(text: str) -> bytes:
    return asn1_pem.unarmor(text.encode("ascii"))[2]

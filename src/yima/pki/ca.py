"""The zone's seal CA: a self-signed root, an issuing CA under it, signing certificates and CRLs.

Profiles follow RFC 5280. Signing certificates carry key usage digitalSignature + nonRepudiation
(contentCommitment), and extended key usages that PDF validators accept for document signing:
id-kp-documentSigning (RFC 9336), Microsoft Document Signing and id-kp-emailProtection (NSS, and so
poppler's ``pdfsig``, checks signers for the e-mail signing usage). The subject names the holder:
CN (display name), O (enterprise name), OU (seal type code, e.g. ``contract``) and
organizationIdentifier ``NTRCN-<unified social credit code>`` (the legal-person identifier syntax of
ETSI EN 319 412-1, clause 5.1.4, with the GB 32100 code as the national registration number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from yima.errors import DomainError
from yima.pki.keys import PrivateKey

DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning, RFC 9336
MS_DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
SIGNING_EKUS = (DOCUMENT_SIGNING, MS_DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION)
LEGAL_PERSON_PREFIX = "NTRCN-"
CN_MAX = 64  # ub-common-name, RFC 5280 appendix A.1
CLOCK_SKEW = timedelta(minutes=5)
ROOT_VALIDITY = timedelta(days=20 * 365)
ISSUING_VALIDITY = timedelta(days=10 * 365)
SIGNER_VALIDITY = timedelta(days=3 * 365)

Revocation = tuple[int, datetime, x509.ReasonFlags | None]
"""A revoked certificate's serial number, when it was revoked, and why (RFC 5280 CRLReason)."""


@dataclass(frozen=True)
class CertifiedKey:
    """A private key, its certificate, and the issuers' certificates up to the root (nearest first).

    Used for the root (empty chain), the issuing CA and every signing (seal) certificate.
    """

    key: PrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def full_chain(self) -> tuple[x509.Certificate, ...]:
        return (self.cert, *self.chain)


@dataclass(frozen=True)
class ZoneCA:
    """A zone's seal CA: the root that validators trust and the CA that issues seal certificates."""

    root: CertifiedKey
    issuing: CertifiedKey


@dataclass(frozen=True)
class SignerIdentity:
    """Who a signing certificate names; what ``signer_name`` writes and ``read_signer_identity`` reads."""

    common_name: str
    organization: str | None = None
    uscc: str | None = None
    seal_type: str | None = None


def signer_name(identity: SignerIdentity) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if identity.organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, identity.organization))
    if identity.seal_type:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, identity.seal_type))
    if identity.uscc:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER,
                                             LEGAL_PERSON_PREFIX + identity.uscc))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, fit_common_name(identity.common_name)))
    return x509.Name(attributes)


def read_signer_identity(name: x509.Name) -> SignerIdentity:
    def first(oid: ObjectIdentifier) -> str | None:
        found = name.get_attributes_for_oid(oid)
        value = found[0].value if found else None
        return value if isinstance(value, str) else None

    org_id = first(NameOID.ORGANIZATION_IDENTIFIER)
    uscc = None
    if org_id and org_id.startswith(LEGAL_PERSON_PREFIX):
        uscc = org_id.removeprefix(LEGAL_PERSON_PREFIX)
    return SignerIdentity(
        common_name=first(NameOID.COMMON_NAME) or "",
        organization=first(NameOID.ORGANIZATION_NAME),
        uscc=uscc,
        seal_type=first(NameOID.ORGANIZATIONAL_UNIT_NAME),
    )


def fit_common_name(text: str) -> str:
    """Shorten to the 64 bytes of UTF-8 that ``cryptography`` allows (RFC 5280's ub-common-name
    counts characters; counting bytes is stricter), keeping the head and the tail around "…", so
    that both the enterprise and the seal type stay readable. O carries the full name."""
    text = text.strip()
    if not text:
        raise DomainError("pki.common_name_empty", "common_name",
                          "证书名称不能为空", "the certificate name is empty")
    if len(text.encode("utf-8")) <= CN_MAX:
        return text
    head, tail = "", ""
    for i in range(len(text)):
        side = text[i // 2] if i % 2 == 0 else text[-(i // 2) - 1]
        candidate = (head + side, tail) if i % 2 == 0 else (head, side + tail)
        if len((candidate[0] + "…" + candidate[1]).encode("utf-8")) > CN_MAX:
            break
        head, tail = candidate
    return head + "…" + tail


def _ca_name(common_name: str, organization: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, fit_common_name(common_name)),
    ])


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("times must be timezone-aware")


def _crl_distribution_points(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints([
        x509.DistributionPoint(full_name=[x509.UniformResourceIdentifier(url)], relative_name=None,
                               reasons=None, crl_issuer=None)
    ])


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                         encipher_only=False, decipher_only=False)


def _signer_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                         encipher_only=False, decipher_only=False)


def create_root_ca(key: PrivateKey, *, common_name: str, organization: str, now: datetime,
                   valid_for: timedelta = ROOT_VALIDITY, serial: int | None = None) -> CertifiedKey:
    _require_aware(now)
    name = _ca_name(common_name, organization)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + valid_for)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertifiedKey(key=key, cert=cert, chain=())


def _issue(issuer: CertifiedKey, builder: x509.CertificateBuilder, public_key: CertificatePublicKeyTypes,
           *, now: datetime, valid_for: timedelta, serial: int | None,
           crl_url: str | None) -> x509.Certificate:
    _require_aware(now)
    not_after = min(now + valid_for, issuer.cert.not_valid_after_utc)
    builder = (
        builder.issuer_name(issuer.cert.subject)
        .public_key(public_key)
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                       critical=False)
    )
    if crl_url:
        builder = builder.add_extension(_crl_distribution_points(crl_url), critical=False)
    return builder.sign(issuer.key, hashes.SHA256())


def create_issuing_ca(root: CertifiedKey, key: PrivateKey, *, common_name: str, organization: str,
                      now: datetime, crl_url: str | None = None, valid_for: timedelta = ISSUING_VALIDITY,
                      serial: int | None = None) -> CertifiedKey:
    """An intermediate CA that may issue only end-entity certificates (path length 0).

    ``crl_url`` is where the root's CRL is published.
    """
    builder = (
        x509.CertificateBuilder()
        .subject_name(_ca_name(common_name, organization))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
    )
    cert = _issue(root, builder, key.public_key(), now=now, valid_for=valid_for, serial=serial,
                  crl_url=crl_url)
    return CertifiedKey(key=key, cert=cert, chain=root.full_chain)


def create_zone_ca(zone_name: str, *, root_key: PrivateKey, issuing_key: PrivateKey, now: datetime,
                   organization: str | None = None, root_crl_url: str | None = None) -> ZoneCA:
    """The root "<zone> 印章根CA" and the issuing "<zone> 印章签发CA" (O = organization or the zone)."""
    org = organization or zone_name
    root = create_root_ca(root_key, common_name=f"{zone_name} 印章根CA", organization=org, now=now)
    issuing = create_issuing_ca(root, issuing_key, common_name=f"{zone_name} 印章签发CA", organization=org,
                                now=now, crl_url=root_crl_url)
    return ZoneCA(root=root, issuing=issuing)


def issue_signing_certificate(issuer: CertifiedKey, key: PrivateKey, identity: SignerIdentity, *,
                              now: datetime, crl_url: str | None, valid_for: timedelta = SIGNER_VALIDITY,
                              serial: int | None = None) -> CertifiedKey:
    """A document-signing (seal) certificate for ``key``; ``crl_url`` is the issuer's CRL."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(signer_name(identity))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_signer_key_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(SIGNING_EKUS)), critical=False)
    )
    cert = _issue(issuer, builder, key.public_key(), now=now, valid_for=valid_for, serial=serial,
                  crl_url=crl_url)
    return CertifiedKey(key=key, cert=cert, chain=issuer.full_chain)


def build_crl(issuer_cert: x509.Certificate, issuer_key: PrivateKey, revoked: Sequence[Revocation], *,
              now: datetime, next_update: datetime, crl_number: int | None = None) -> bytes:
    """A DER-encoded CRL (RFC 5280 clause 5). ``crl_number`` defaults to ``now`` in Unix seconds,
    which keeps numbers increasing as long as CRLs are not built twice in one second."""
    _require_aware(now)
    _require_aware(next_update)
    if next_update <= now:
        raise ValueError("next_update must be after now")
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(now)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(crl_number if crl_number is not None else int(now.timestamp())),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                       critical=False)
    )
    for serial, when, reason in revoked:
        _require_aware(when)
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
        if reason is not None:
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(Encoding.DER)

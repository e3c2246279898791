"""X.509 certificates for SM2 keys, issued by the zone's CA (RFC 5280; GM/T 0015 profile fields).

The zone's CA is ECDSA P-256 (``yima.pki.ca``); a certificate it issues may carry an SM2 subject key:
the subject's SubjectPublicKeyInfo is ``id-ecPublicKey`` with the SM2 curve, the certificate is
signed ``ecdsa-with-SHA256`` by the issuing CA. ``openssl verify`` checks such a chain, and GB/T 38540
seals carry the certificate. (An SM2 root and issuing CA beside the ECDSA one is not built yet.)
``cryptography`` cannot build it (it refuses the SM2 key), so the TBSCertificate is written with
``asn1crypto`` and signed with the CA's key by ``cryptography``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from yima.pki.sm2 import Sm2PublicKey


def issue_sm2_certificate(issuer_key: ec.EllipticCurvePrivateKey | Any, issuer_cert: x509.Certificate,
                          subject: Sm2PublicKey, *, common_name: str, organization: str,
                          not_before: datetime, not_after: datetime, subject_name_der: bytes | None = None) -> bytes:
    """The DER certificate of ``subject`` (digital signature, non-repudiation), signed by the issuer.
    ``subject_name_der`` (a DER Name) names the subject instead of ``common_name`` and ``organization``:
    an enterprise seal's SM2 certificate names its holder exactly as the seal's X.509 one does.
    The serial number is derived from the key, so the same key gets the same serial."""
    issuer = asn1_x509.Certificate.load(issuer_cert.public_bytes(serialization.Encoding.DER))
    serial = int.from_bytes(hashlib.sha256(b"yima-sm2-cert" + subject.point).digest()[:16], "big") >> 1
    spki = asn1_keys.PublicKeyInfo.load(subject.spki_der())
    tbs = asn1_x509.TbsCertificate({
        "version": "v3",
        "serial_number": serial,
        "signature": {"algorithm": "sha256_ecdsa"},
        "issuer": issuer.subject,
        "validity": {"not_before": asn1_x509.Time(name="utc_time", value=not_before.replace(microsecond=0)),
                     "not_after": asn1_x509.Time(name="utc_time", value=not_after.replace(microsecond=0))},
        "subject": (asn1_x509.Name.load(subject_name_der) if subject_name_der else
                    asn1_x509.Name.build({"common_name": common_name, "organization_name": organization})),
        "subject_public_key_info": spki,
        "extensions": [
            {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": False}},
            {"extn_id": "key_usage", "critical": True,
             "extn_value": {"digital_signature", "non_repudiation"}},
            {"extn_id": "key_identifier", "critical": False,
             "extn_value": hashlib.sha1(b"\x04" + subject.point).digest()},
            {"extn_id": "authority_key_identifier", "critical": False,
             "extn_value": {"key_identifier": issuer.key_identifier}},
        ],
    })
    signature = issuer_key.sign(tbs.dump(), ec.ECDSA(hashes.SHA256()))
    return asn1_x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                                  "signature_value": signature}).dump()


def sm2_public_key_of(cert_der: bytes) -> Sm2PublicKey:
    """The SM2 public key of a DER certificate; ``Sm2KeyError`` if it holds another kind of key."""
    cert = asn1_x509.Certificate.load(cert_der)
    return Sm2PublicKey.from_spki_der(cert["tbs_certificate"]["subject_public_key_info"].dump())

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from yima.errors import DomainError
from yima.pki import ca, keys

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _same_key(a: keys.PrivateKey, b: keys.PrivateKey) -> bool:
    return a.public_key().public_numbers() == b.public_key().public_numbers()


def test_private_key_round_trips_through_encrypted_pkcs8() -> None:
    key = keys.new_signing_key()
    pem = keys.private_key_to_pem(key, b"kek-from-settings")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    loaded = keys.private_key_from_pem(pem, b"kek-from-settings")
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    assert _same_key(loaded, key)
    signature = loaded.sign(b"seal", ec.ECDSA(hashes.SHA256()))
    key.public_key().verify(signature, b"seal", ec.ECDSA(hashes.SHA256()))


def test_wrong_passphrase_is_a_domain_error() -> None:
    pem = keys.private_key_to_pem(keys.new_signing_key(), b"right")
    with pytest.raises(DomainError) as err:
        keys.private_key_from_pem(pem, b"wrong")
    assert err.value.finding.rule == "pki.key_unreadable"


def test_keys_are_never_stored_without_a_passphrase() -> None:
    with pytest.raises(DomainError):
        keys.private_key_to_pem(keys.new_signing_key(), b"")


def test_pkcs12_export_loads_back_with_cryptography() -> None:
    zone = ca.create_zone_ca("重庆高新区", root_key=keys.new_signing_key(),
                             issuing_key=keys.new_signing_key(), now=NOW)
    signer = ca.issue_signing_certificate(zone.issuing, keys.new_signing_key(),
                                          ca.SignerIdentity(common_name="重庆山城科技有限公司公章"),
                                          now=NOW, crl_url=None)
    p12 = keys.to_pkcs12("重庆山城科技有限公司公章", signer.key, signer.cert, signer.chain,
                         b"enterprise-pass")
    loaded = pkcs12.load_pkcs12(p12, b"enterprise-pass")
    assert loaded.key is not None and _same_key(loaded.key, signer.key)  # type: ignore[arg-type]
    assert loaded.cert is not None and loaded.cert.certificate == signer.cert
    assert loaded.cert.friendly_name == "重庆山城科技有限公司公章".encode()
    assert [c.certificate for c in loaded.additional_certs] == list(signer.chain)
    with pytest.raises(ValueError):
        pkcs12.load_pkcs12(p12, b"not-it")


def test_certificate_bundle_round_trips_through_pem() -> None:
    root = ca.create_root_ca(keys.new_signing_key(), common_name="根", organization="区", now=NOW)
    other = ca.create_root_ca(keys.new_signing_key(), common_name="另一个根", organization="区", now=NOW)
    assert keys.certs_from_pem(keys.certs_to_pem([root.cert, other.cert])) == [root.cert, other.cert]
    with pytest.raises(DomainError):
        keys.certs_from_pem(b"not a certificate")

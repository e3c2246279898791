from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from yima.errors import DomainError
from yima.pki import ca
from yima.pki.keys import new_signing_key

pytestmark = pytest.mark.xdist_group("seal_ca")  # its module-scoped fixtures are set up once, in one worker

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
CRL_URL = "http://zone.example/pki/seal-issuing.crl"


@pytest.fixture(scope="module")
def zone() -> ca.ZoneCA:
    return ca.create_zone_ca("重庆高新区", root_key=new_signing_key(), issuing_key=new_signing_key(), now=NOW,
                             organization="重庆高新区管理委员会")


@pytest.fixture(scope="module")
def signer(zone: ca.ZoneCA) -> ca.CertifiedKey:
    identity = ca.SignerIdentity(common_name="重庆山城科技有限公司合同专用章",
                                 organization="重庆山城科技有限公司", uscc="91500000MA5U7AB12X",
                                 seal_type="contract")
    return ca.issue_signing_certificate(zone.issuing, new_signing_key(), identity, now=NOW, crl_url=CRL_URL)


def test_zone_root_is_self_signed_and_named_for_the_zone(zone: ca.ZoneCA) -> None:
    root = zone.root.cert
    assert root.subject == root.issuer
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "重庆高新区 印章根CA"
    assert root.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CN"
    assert root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "重庆高新区管理委员会"
    root.verify_directly_issued_by(root)
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_issuing_ca_sits_under_the_root_and_issues_only_end_entities(zone: ca.ZoneCA) -> None:
    issuing = zone.issuing.cert
    issuing.verify_directly_issued_by(zone.root.cert)
    constraints = issuing.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0
    usage = issuing.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert zone.issuing.chain == (zone.root.cert,)


def test_seal_certificate_is_for_document_signing(zone: ca.ZoneCA, signer: ca.CertifiedKey) -> None:
    cert = signer.cert
    cert.verify_directly_issued_by(zone.issuing.cert)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    ekus = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert {ca.DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION} <= ekus
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert signer.chain == (zone.issuing.cert, zone.root.cert)


def test_seal_certificate_names_enterprise_credit_code_and_seal_type(signer: ca.CertifiedKey) -> None:
    identity = ca.read_signer_identity(signer.cert.subject)
    assert identity == ca.SignerIdentity(common_name="重庆山城科技有限公司合同专用章",
                                         organization="重庆山城科技有限公司", uscc="91500000MA5U7AB12X",
                                         seal_type="contract")
    org_id = signer.cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value
    assert org_id == "NTRCN-91500000MA5U7AB12X"


def test_seal_certificate_points_to_the_crl(signer: ca.CertifiedKey) -> None:
    points = signer.cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [name.value for point in points for name in point.full_name or ()] == [CRL_URL]


def test_seal_certificate_never_outlives_its_issuer(zone: ca.ZoneCA) -> None:
    identity = ca.SignerIdentity(common_name="长期印章")
    bundle = ca.issue_signing_certificate(zone.issuing, new_signing_key(), identity, now=NOW, crl_url=None,
                                          valid_for=timedelta(days=100 * 365))
    assert bundle.cert.not_valid_after_utc == zone.issuing.cert.not_valid_after_utc


def test_long_common_names_keep_head_and_seal_type() -> None:
    name = ca.fit_common_name("重庆两江新区智能网联汽车研究院科技发展有限责任公司合同专用章")
    assert len(name.encode("utf-8")) <= ca.CN_MAX
    assert name.startswith("重庆两江") and name.endswith("合同专用章") and "…" in name


def test_empty_common_name_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        ca.fit_common_name("  ")
    assert err.value.finding.rule == "pki.common_name_empty"


def test_crl_lists_revoked_seals_with_reason(zone: ca.ZoneCA, signer: ca.CertifiedKey) -> None:
    revoked_at = NOW + timedelta(days=3)
    der = ca.build_crl(zone.issuing.cert, zone.issuing.key,
                       [(signer.cert.serial_number, revoked_at, x509.ReasonFlags.cessation_of_operation)],
                       now=NOW + timedelta(days=3, hours=1), next_update=NOW + timedelta(days=10))
    crl = x509.load_der_x509_crl(der)
    assert crl.is_signature_valid(zone.issuing.key.public_key())
    assert crl.issuer == zone.issuing.cert.subject
    entry = crl.get_revoked_certificate_by_serial_number(signer.cert.serial_number)
    assert entry is not None and entry.revocation_date_utc == revoked_at
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == \
        x509.ReasonFlags.cessation_of_operation
    assert crl.next_update_utc == NOW + timedelta(days=10)
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number > 0


def test_empty_crl_is_valid(zone: ca.ZoneCA) -> None:
    der = ca.build_crl(zone.issuing.cert, zone.issuing.key, [], now=NOW, next_update=NOW + timedelta(days=1),
                       crl_number=7)
    crl = x509.load_der_x509_crl(der)
    assert len(crl) == 0
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 7


def test_times_must_be_timezone_aware(zone: ca.ZoneCA) -> None:
    with pytest.raises(ValueError):
        ca.create_root_ca(new_signing_key(), common_name="x", organization="y", now=datetime(2025, 1, 1))
    with pytest.raises(ValueError):
        ca.build_crl(zone.issuing.cert, zone.issuing.key, [], now=NOW, next_update=NOW)

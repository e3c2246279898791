from datetime import UTC, datetime

import pytest

from yima.errors import DomainError
from yima.pki import ca
from yima.pki.keys import new_signing_key
from yima.seals.model import (
    SEAL_SET,
    SealShape,
    SealType,
    seal_box,
    seal_display_name,
    seal_identity,
    seal_type_of,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_free_set_has_the_five_seals() -> None:
    assert [t.zh for t in SEAL_SET] == ["公章", "财务专用章", "合同专用章", "发票专用章", "法定代表人名章"]
    assert all(t.en for t in SEAL_SET)


def test_shapes_follow_common_practice() -> None:
    assert SealType.COMPANY.shape is SealShape.ROUND
    assert SealType.CONTRACT.shape is SealShape.ROUND
    assert SealType.FINANCE.shape is SealShape.OVAL
    assert SealType.INVOICE.shape is SealShape.OVAL
    assert SealType.LEGAL_REPRESENTATIVE.shape is SealShape.SQUARE


def test_company_seal_has_no_caption_but_contract_seal_does() -> None:
    assert SealType.COMPANY.caption is None
    assert SealType.CONTRACT.caption == "合同专用章"


def test_display_names() -> None:
    assert seal_display_name(SealType.CONTRACT, "重庆山城科技有限公司") == "重庆山城科技有限公司合同专用章"
    assert seal_display_name(SealType.LEGAL_REPRESENTATIVE, "重庆山城科技有限公司", "张三") == \
        "张三（重庆山城科技有限公司法定代表人名章）"


def test_name_seal_needs_the_person() -> None:
    with pytest.raises(DomainError) as err:
        seal_identity(SealType.LEGAL_REPRESENTATIVE, "重庆山城科技有限公司", "91500000MA5U7AB12X")
    assert err.value.finding.rule == "seal.person_name_required"


def test_seal_identity_survives_a_certificate() -> None:
    root = ca.create_root_ca(new_signing_key(), common_name="根", organization="重庆高新区", now=NOW)
    identity = seal_identity(SealType.INVOICE, "重庆山城科技有限公司", "91500000MA5U7AB12X")
    cert = ca.issue_signing_certificate(root, new_signing_key(), identity, now=NOW, crl_url=None).cert
    read = ca.read_signer_identity(cert.subject)
    assert read == identity
    assert seal_type_of(read) is SealType.INVOICE
    assert seal_type_of(ca.SignerIdentity(common_name="zone", seal_type="licence")) is None


def test_seal_box_prints_at_real_size() -> None:
    x1, y1, x2, y2 = seal_box(SealType.INVOICE, 300, 200)
    assert round(x2 - x1) == 113 and round(y2 - y1) == 85  # 40 x 30 mm in points
    assert (x1 + x2) / 2 == 300 and (y1 + y2) / 2 == 200


def test_name_seal_certificate_names_the_person_and_seal_in_full() -> None:
    long_name = "重庆两江新区智能网联汽车研究院科技发展有限责任公司"
    identity = seal_identity(SealType.LEGAL_REPRESENTATIVE, long_name, "91500000MA5U7AB12X", "欧阳文华")
    assert identity.common_name == "欧阳文华（法定代表人名章）" and identity.organization == long_name
    root = ca.create_root_ca(new_signing_key(), common_name="根", organization="重庆高新区", now=NOW)
    issuing = ca.create_issuing_ca(root, new_signing_key(), common_name="签发", organization="重庆高新区", now=NOW)
    signer = ca.issue_signing_certificate(issuing, new_signing_key(), identity, now=NOW, crl_url=None)
    read = ca.read_signer_identity(signer.cert.subject)
    assert read.common_name == "欧阳文华（法定代表人名章）" and "…" not in read.common_name
    assert read.organization == long_name

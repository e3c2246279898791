"""A contract sealed with the enterprise's contract seal and then its legal representative's seal."""

import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from yima.fonts import cjk_font_path
from yima.pki import ca, pades
from yima.pki.keys import new_signing_key
from yima.seals.images import seal_png
from yima.seals.model import SealType, seal_box, seal_identity, seal_type_of

pytestmark = pytest.mark.xdist_group("contract_sealing")  # its module-scoped fixtures are set up once, in one worker

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NAME = "重庆山城科技有限公司"
USCC = "91500000MA5U7AB12X"
PERSON = "张小明"


def contract_pdf() -> bytes:
    pdfmetrics.registerFont(TTFont("YimaCJK", str(cjk_font_path()), subfontIndex=0))
    buf = BytesIO()
    page = canvas.Canvas(buf, pagesize=A4)
    page.setFont("YimaCJK", 20)
    page.drawString(240, 780, "采购合同")
    page.setFont("YimaCJK", 11)
    page.drawString(60, 740, "甲乙双方经友好协商，就采购事宜达成如下协议。")
    page.drawString(320, 170, f"甲方（盖章）：{NAME}")
    page.drawString(320, 150, f"法定代表人：{PERSON}")
    page.showPage()
    page.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def sealed_contract() -> tuple[bytes, ca.ZoneCA]:
    zone = ca.create_zone_ca("重庆高新区", root_key=new_signing_key(), issuing_key=new_signing_key(), now=NOW)
    pdf = contract_pdf()
    for minutes, (seal_type, person, centre) in enumerate([
        (SealType.CONTRACT, None, (440.0, 165.0)),
        (SealType.LEGAL_REPRESENTATIVE, PERSON, (530.0, 150.0)),
    ]):
        identity = seal_identity(seal_type, NAME, USCC, person)
        seal = ca.issue_signing_certificate(zone.issuing, new_signing_key(), identity, now=NOW, crl_url=None)
        pdf = pades.sign_pdf(pdf, seal.key, seal.cert, seal.chain, field_name=f"seal-{seal_type.value}",
                             reason=seal_type.zh, location="重庆", now=NOW + timedelta(minutes=minutes),
                             box=seal_box(seal_type, *centre),
                             stamp_png=seal_png(seal_type, NAME, USCC, person_name=person))
    return pdf, zone


def test_both_seals_stay_valid(sealed_contract: tuple[bytes, ca.ZoneCA]) -> None:
    pdf, zone = sealed_contract
    contract, name_seal = pades.validate_pdf(pdf, [zone.root.cert], None, now=NOW + timedelta(hours=1))
    assert contract.ok and name_seal.ok
    assert seal_type_of(ca.SignerIdentity(contract.signer_common_name, seal_type=contract.seal_type)) \
        is SealType.CONTRACT
    assert name_seal.seal_type == SealType.LEGAL_REPRESENTATIVE.value
    assert name_seal.signer_common_name.startswith(PERSON)
    assert contract.uscc == name_seal.uscc == USCC


@pytest.mark.usefixtures("poppler")
def test_poppler_finds_both_seals_valid(sealed_contract: tuple[bytes, ca.ZoneCA], tmp_path: Path) -> None:
    path = tmp_path / "contract.pdf"
    path.write_bytes(sealed_contract[0])
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 2
    assert "重庆山城科技有限公司合同专用章" in out

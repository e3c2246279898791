import logging
import re
import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from cryptography import x509
from PIL import Image, ImageDraw
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from yima.errors import Conflict, DomainError
from yima.pki import ca, pades
from yima.pki.keys import new_signing_key

pytestmark = pytest.mark.xdist_group("pades_signing")  # its module-scoped fixtures are set up once, in one worker

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)
BOX = (380.0, 100.0, 500.0, 220.0)
needs_pdfsig = pytest.mark.usefixtures("poppler")
needs_pdftoppm = pytest.mark.usefixtures("poppler")


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout


def sample_pdf() -> bytes:
    buf = BytesIO()
    page = canvas.Canvas(buf, pagesize=A4, pageCompression=0)
    page.setFont("Helvetica", 14)
    page.drawString(72, 760, "Purchase contract: price 1000 yuan")
    page.showPage()
    page.save()
    return buf.getvalue()


def red_disc_png() -> bytes:
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 290, 290), fill=(212, 0, 0, 255))
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def zone() -> ca.ZoneCA:
    return ca.create_zone_ca("重庆高新区", root_key=new_signing_key(), issuing_key=new_signing_key(), now=NOW)


def _signer(zone: ca.ZoneCA, common_name: str, seal_type: str) -> ca.CertifiedKey:
    identity = ca.SignerIdentity(common_name=common_name, organization="重庆山城科技有限公司",
                                 uscc="91500000MA5U7AB12X", seal_type=seal_type)
    return ca.issue_signing_certificate(zone.issuing, new_signing_key(), identity, now=NOW,
                                        crl_url="http://zone.example/pki/seal-issuing.crl")


@pytest.fixture(scope="module")
def contract_signer(zone: ca.ZoneCA) -> ca.CertifiedKey:
    return _signer(zone, "重庆山城科技有限公司合同专用章", "contract")


@pytest.fixture(scope="module")
def company_signer(zone: ca.ZoneCA) -> ca.CertifiedKey:
    return _signer(zone, "重庆山城科技有限公司公章", "company")


def sign(pdf: bytes, signer: ca.CertifiedKey, field: str, **kwargs: object) -> bytes:
    options: dict = {"reason": "合同签章", "location": "重庆", "now": NOW, "box": BOX,
                     "stamp_png": red_disc_png()}
    options.update(kwargs)
    return pades.sign_pdf(pdf, signer.key, signer.cert, signer.chain, field_name=field, **options)


@pytest.fixture(scope="module")
def sealed(contract_signer: ca.CertifiedKey) -> bytes:
    return sign(sample_pdf(), contract_signer, "contract-seal")


def test_sealed_pdf_validates_with_pyhanko(zone: ca.ZoneCA, sealed: bytes) -> None:
    [report] = pades.validate_pdf(sealed, [zone.root.cert], None, now=LATER)
    assert report.ok
    assert report.field_name == "contract-seal"
    assert report.signer_common_name == "重庆山城科技有限公司合同专用章"
    assert report.signer_organization == "重庆山城科技有限公司"
    assert (report.uscc, report.seal_type) == ("91500000MA5U7AB12X", "contract")
    assert report.issuer_common_name == "重庆高新区 印章签发CA"
    assert report.signing_time == NOW
    assert report.modification == "none" and not report.revoked
    assert "签章有效" in report.message_zh and report.message_en.startswith("Valid")


def test_signature_is_pades_baseline(sealed: bytes) -> None:
    assert b"/ETSI.CAdES.detached" in sealed


def test_the_signature_is_made_once_in_room_sized_from_its_certificates(
    sealed: bytes, contract_signer: ca.CertifiedKey
) -> None:
    """The /Contents placeholder is the room ``signature_room`` computes (so pyHanko signed once,
    without a dummy signature to measure), and the CMS fits it with less than 1.5 KB to spare."""
    [signature] = PdfFileReader(BytesIO(sealed)).embedded_signatures
    _, first_length, second_start, _ = signature.byte_range
    room = pades.signature_room(contract_signer.cert, contract_signer.chain, contract_signer.key)
    assert second_start - first_length == room + 2  # the hex digits between < and >
    cms_hex = 2 * len(signature.signed_data.dump())
    assert cms_hex <= room < cms_hex + 3000


@needs_pdfsig
def test_sealed_pdf_validates_with_poppler(sealed: bytes, tmp_path: Path) -> None:
    out = pdfsig(sealed, tmp_path)
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out
    assert "重庆山城科技有限公司合同专用章" in out


@needs_pdftoppm
def test_visible_seal_is_drawn_in_its_box(sealed: bytes, tmp_path: Path) -> None:
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed)
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", str(path), str(tmp_path / "page")],
                   check=True, timeout=60)
    page = Image.open(tmp_path / "page.png").convert("RGB")
    x1, y1, x2, y2 = BOX
    centre = (round((x1 + x2) / 2), round(page.height - (y1 + y2) / 2))
    r, g, b = page.getpixel(centre)  # type: ignore[misc]
    assert r > 180 and g < 80 and b < 80
    assert page.getpixel((20, 20)) == (255, 255, 255)


@needs_pdfsig
def test_editing_signed_bytes_is_detected(zone: ca.ZoneCA, sealed: bytes, tmp_path: Path) -> None:
    assert sealed.count(b"price 1000 yuan") == 1
    tampered = sealed.replace(b"price 1000 yuan", b"price 9000 yuan")
    [report] = pades.validate_pdf(tampered, [zone.root.cert], None, now=LATER)
    assert not report.valid and not report.intact and not report.ok
    assert "Signature is Valid" not in pdfsig(tampered, tmp_path)


@needs_pdfsig
def test_appending_bytes_after_sealing_is_detected(zone: ca.ZoneCA, sealed: bytes, tmp_path: Path) -> None:
    appended = sealed + b"\n% a note nobody signed\n"
    [report] = pades.validate_pdf(appended, [zone.root.cert], None, now=LATER)
    assert report.valid and not report.intact and not report.ok
    assert report.modification == "appended"
    assert "被修改" in report.message_zh
    assert "Not total document signed" in pdfsig(appended, tmp_path)


@pytest.mark.parametrize("from_end", [10, 300])  # the signature value; the signer's certificate
def test_damaged_signature_container_proves_nothing(zone: ca.ZoneCA, sealed: bytes, from_end: int) -> None:
    match = re.search(rb"/Contents <([0-9a-fA-F]+)>", sealed)
    assert match is not None
    at = match.start(1) + len(match.group(1).rstrip(b"0")) - from_end
    flipped = bytes(0x30 if c != 0x30 else 0x31 for c in sealed[at:at + 8])
    damaged = sealed[:at] + flipped + sealed[at + 8:]
    [report] = pades.validate_pdf(damaged, [zone.root.cert], None, now=LATER)
    assert not report.valid and not report.ok


def test_changing_content_in_a_later_revision_is_detected(zone: ca.ZoneCA, sealed: bytes) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(sealed))
    overlay = generic.StreamObject(stream_data=b"q 1 0 0 RG 72 700 200 20 re S Q")
    writer.add_stream_to_page(0, writer.add_object(overlay))
    out = BytesIO()
    writer.write(out)
    [report] = pades.validate_pdf(out.getvalue(), [zone.root.cert], None, now=LATER)
    assert report.valid and not report.intact
    assert report.modification == "other"


@needs_pdfsig
def test_second_seal_keeps_the_first_valid(zone: ca.ZoneCA, sealed: bytes, company_signer: ca.CertifiedKey,
                                           tmp_path: Path) -> None:
    twice = sign(sealed, company_signer, "company-seal", now=NOW + timedelta(minutes=5),
                 box=(200.0, 100.0, 320.0, 220.0))
    first, second = pades.validate_pdf(twice, [zone.root.cert], None, now=LATER)
    assert (first.field_name, second.field_name) == ("contract-seal", "company-seal")
    assert first.ok and second.ok
    assert first.modification == "signatures_added" and second.modification == "none"
    assert pdfsig(twice, tmp_path).count("Signature Validation: Signature is Valid.") == 2


def test_revoked_seal_shows_revoked(zone: ca.ZoneCA, sealed: bytes, contract_signer: ca.CertifiedKey,
                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pyhanko")  # another test may have quietened it
    revoked_at = NOW + timedelta(hours=1)
    revocation = (contract_signer.cert.serial_number, revoked_at, x509.ReasonFlags.cessation_of_operation)
    crl = ca.build_crl(zone.issuing.cert, zone.issuing.key, [revocation], now=revoked_at,
                       next_update=revoked_at + timedelta(days=7))
    [report] = pades.validate_pdf(sealed, [zone.root.cert], [crl], now=LATER)
    assert report.revoked and not report.trusted and not report.ok
    assert report.revocation_time == revoked_at
    assert report.intact
    assert "吊销" in report.message_zh and "revoked" in report.message_en
    pyhanko_records = [r for r in caplog.records if r.name.startswith("pyhanko")]
    assert pyhanko_records and all(r.exc_info is None for r in pyhanko_records)  # the answer, not a fault


def test_seal_absent_from_current_crl_stays_valid(zone: ca.ZoneCA, sealed: bytes) -> None:
    crl = ca.build_crl(zone.issuing.cert, zone.issuing.key, [], now=NOW, next_update=NOW + timedelta(days=7))
    [report] = pades.validate_pdf(sealed, [zone.root.cert], [crl], now=LATER)
    assert report.ok


def test_stale_crl_leaves_revocation_unchecked_and_untrusted(zone: ca.ZoneCA, sealed: bytes) -> None:
    crl = ca.build_crl(zone.issuing.cert, zone.issuing.key, [], now=NOW, next_update=NOW + timedelta(days=1))
    [report] = pades.validate_pdf(sealed, [zone.root.cert], [crl], now=NOW + timedelta(days=3))
    assert report.intact and not report.trusted and not report.revoked
    assert "吊销列表" in report.message_zh


def test_seal_from_another_zone_is_untrusted(sealed: bytes) -> None:
    other = ca.create_zone_ca("广州高新区", root_key=new_signing_key(), issuing_key=new_signing_key(),
                              now=NOW)
    [report] = pades.validate_pdf(sealed, [other.root.cert], None, now=LATER)
    assert report.intact and not report.trusted and not report.ok
    assert "受信任" in report.message_zh


def test_invisible_signature(zone: ca.ZoneCA, contract_signer: ca.CertifiedKey) -> None:
    signed = sign(sample_pdf(), contract_signer, "licence", box=None, stamp_png=None, location=None)
    [report] = pades.validate_pdf(signed, [zone.root.cert], None, now=LATER)
    assert report.ok


def test_unsigned_pdf_has_no_reports(zone: ca.ZoneCA) -> None:
    assert pades.validate_pdf(sample_pdf(), [zone.root.cert], None, now=LATER) == []


def test_a_signed_field_cannot_be_signed_again(sealed: bytes, contract_signer: ca.CertifiedKey) -> None:
    with pytest.raises(Conflict):
        sign(sealed, contract_signer, "contract-seal")


@pytest.mark.parametrize("kwargs, rule", [
    ({"page": 3}, "pdf.page"),
    ({"box": None}, "pdf.box"),
    ({"box": (10.0, 10.0, 15.0, 15.0)}, "pdf.box"),
    ({"stamp_png": b"not an image"}, "pdf.stamp_image"),
])
def test_bad_placement_is_refused(contract_signer: ca.CertifiedKey, kwargs: dict, rule: str) -> None:
    with pytest.raises(DomainError) as err:
        sign(sample_pdf(), contract_signer, "seal", **kwargs)
    assert err.value.finding.rule == rule


def test_non_pdf_is_refused(zone: ca.ZoneCA, contract_signer: ca.CertifiedKey) -> None:
    with pytest.raises(DomainError) as err:
        sign(b"hello, not a pdf", contract_signer, "seal")
    assert err.value.finding.rule == "pdf.unreadable"
    with pytest.raises(DomainError):
        pades.validate_pdf(b"hello, not a pdf", [zone.root.cert], None, now=LATER)


def test_signing_time_must_be_timezone_aware(contract_signer: ca.CertifiedKey) -> None:
    with pytest.raises(ValueError):
        sign(sample_pdf(), contract_signer, "seal", now=datetime(2025, 3, 1, 9, 0))

"""The licence as OFD sealed with a GB/T 38540 SES_Signature, checked by independent tools: OpenSSL
verifies the SM2 signature over the DER of TBS_Sign and the seal certificate's chain to the zone's
CA; easyofd (an independent OFD reader) renders the page and the seal picture; a changed part
fails the check; a revoked licence's OFD says so on its face."""

from __future__ import annotations

import base64
import io
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from licence_samples import ISSUED, three_permit_licence

from yima.fonts import cjk_font_path
from yima.licences.ofd import SIGNATURE_XML, SIGNED_VALUE, check_ofd, render_licence_ofd, seal_ofd
from yima.licences.payload import EnterpriseStatus
from yima.licences.qr import render_qr_png
from yima.pki.ca import create_zone_ca
from yima.pki.gbt38540 import UNIT_SEAL, SealPicture, SesSignature, make_seal, tbs_sign_der
from yima.pki.keys import new_signing_key
from yima.pki.sm2 import Sm2PrivateKey
from yima.pki.sm2cert import issue_sm2_certificate, sm2_public_key_of
from yima.seals.images import seal_png
from yima.seals.model import SealType

AUTHORITY = "重庆高新区市场监督管理局"
CA = create_zone_ca("重庆高新区", root_key=new_signing_key(), issuing_key=new_signing_key(), now=ISSUED,
                    organization=AUTHORITY)
KEY = Sm2PrivateKey.generate()
CERT = issue_sm2_certificate(CA.issuing.key, CA.issuing.cert, KEY.public, common_name="登记机关电子印章",
                             organization=AUTHORITY, not_before=ISSUED, not_after=ISSUED + timedelta(days=3650))
SEAL = make_seal(KEY, CERT, es_id="cq-gxq-1", name=AUTHORITY, seal_type=UNIT_SEAL, holder_certs=(CERT,),
                 picture=SealPicture(seal_png(SealType.COMPANY, AUTHORITY, "", width=300), 40, 40),
                 created=ISSUED, valid_start=ISSUED, valid_end=ISSUED + timedelta(days=3650))
LATER = ISSUED + timedelta(days=1)


def licence_ofd(status: EnterpriseStatus = EnterpriseStatus.ACTIVE) -> bytes:
    payload = three_permit_licence().model_copy(update={"status": status})
    parts = render_licence_ofd(payload, render_qr_png("HTTPS://YIMA.CQGXQ.GOV.CN/V/ABC", scale=8, border=2),
                               AUTHORITY, font_path=cjk_font_path(),
                               permit_type_names={"food_business": "食品经营许可证"}, scope_names={})
    return seal_ofd(parts, SEAL, KEY, CERT, ISSUED)


def parts_of(ofd: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(ofd)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True, check=False)


def test_the_seal_checks_and_openssl_verifies_sm2_over_the_der_of_tbs_sign(tmp_path):
    ofd = licence_ofd()
    assert check_ofd(ofd, sm2_public_key_of, LATER).ok
    parts = parts_of(ofd)
    assert b"SignedValue.dat" in parts[SIGNATURE_XML] and b"1.2.156.10197.1.401" in parts[SIGNATURE_XML]
    assert b"Signatures.xml" in parts["OFD.xml"] and "Doc_0/Res/font.ttf" in parts
    tbs, signature = tbs_sign_der(parts[SIGNED_VALUE])
    (tmp_path / "tbs.der").write_bytes(tbs)
    (tmp_path / "sig.der").write_bytes(signature)
    cert = SesSignature.load(parts[SIGNED_VALUE])["cert"].native
    (tmp_path / "cert.der").write_bytes(cert)
    assert openssl("x509", "-inform", "DER", "-in", tmp_path / "cert.der", "-pubkey", "-noout",
                   "-out", tmp_path / "pub.pem").returncode == 0
    done = openssl("dgst", "-sm3", "-verify", tmp_path / "pub.pem", "-sigopt", "distid:1234567812345678",
                   "-signature", tmp_path / "sig.der", tmp_path / "tbs.der")
    assert done.returncode == 0 and "Verified OK" in done.stdout, done.stderr
    (tmp_path / "tbs.der").write_bytes(tbs.replace(b"ES", b"EZ", 1))
    assert openssl("dgst", "-sm3", "-verify", tmp_path / "pub.pem", "-sigopt", "distid:1234567812345678",
                   "-signature", tmp_path / "sig.der", tmp_path / "tbs.der").returncode != 0
    # The seal certificate chains to the zone's CA.
    (tmp_path / "root.pem").write_bytes(CA.root.cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "issuing.pem").write_bytes(CA.issuing.cert.public_bytes(serialization.Encoding.PEM))
    converted = openssl("x509", "-inform", "DER", "-in", tmp_path / "cert.der", "-out", tmp_path / "cert.pem")
    assert converted.returncode == 0
    chain = openssl("verify", "-CAfile", tmp_path / "root.pem", "-untrusted", tmp_path / "issuing.pem",
                    tmp_path / "cert.pem")
    assert chain.returncode == 0, chain.stdout + chain.stderr
    # The SES_Signature's structure reads in OpenSSL too.
    (tmp_path / "signed.dat").write_bytes(parts[SIGNED_VALUE])
    parsed = openssl("asn1parse", "-inform", "DER", "-in", tmp_path / "signed.dat")
    assert parsed.returncode == 0 and ":ES" in parsed.stdout and "SM2-with-SM3" in parsed.stdout


@pytest.mark.parametrize("part", ["Doc_0/Pages/Page_0/Content.xml", "Doc_0/Res/qr.png", "OFD.xml"])
def test_a_changed_part_fails_the_check(part):
    parts = parts_of(licence_ofd())
    # still well-formed (a malformed entry point is refused outright), but no longer the bytes sealed
    parts[part] = (parts[part].replace(b'version="1.0"', b'version="1.0" ', 1) if part.endswith(".xml")
                   else parts[part] + b"\x00")
    result = check_ofd(rezip(parts), sm2_public_key_of, LATER)
    assert not result.ok and result.changed_parts == (part,)


def test_a_changed_signature_xml_breaks_the_data_hash_and_a_changed_seal_its_signature():
    parts = parts_of(licence_ofd())
    changed = dict(parts)
    changed[SIGNATURE_XML] = parts[SIGNATURE_XML].replace(b"Yima", b"Yimb")
    result = check_ofd(rezip(changed), sm2_public_key_of, LATER)
    assert result.seal is not None and not result.seal.data_hash and result.seal.signer_signature
    assert not result.ok
    forged = dict(parts)
    forged[SIGNED_VALUE] = parts[SIGNED_VALUE].replace("重庆".encode(), "成都".encode(), 1)
    result = check_ofd(rezip(forged), sm2_public_key_of, LATER)
    assert result.seal is not None and not (result.seal.maker_signature and result.seal.signer_signature)
    assert not check_ofd(licence_ofd(), sm2_public_key_of, ISSUED + timedelta(days=3651)).ok  # seal expired


def _render(ofd: bytes, out: Path) -> Path:
    """easyofd draws text with a font it calls 宋体 (SimSun), which this machine lacks: give it the CJK
    font under that name, as one installs SimSun for it; everything else is easyofd's own reading."""
    from easyofd import OFD
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("宋体", str(cjk_font_path())))
    reader = OFD()
    reader.read(base64.b64encode(ofd).decode("ascii"), save_xml=False)
    [page] = reader.to_jpg()
    page.save(out)
    return out


def _red_pixels(image_path: Path, box: tuple[float, float, float, float]) -> int:
    from PIL import Image

    image = Image.open(image_path).convert("RGB")
    w, h = image.size
    region = image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    return sum(1 for r, g, b in region.get_flattened_data() if r > 150 and g < 110 and b < 110)


def test_easyofd_renders_the_licence_with_its_seal_and_a_revoked_one_marked(tmp_path):
    """Looked at while writing: the page shows 营业执照, the particulars, the permits, the QR at the
    top right and the zone's red round seal (drawn by easyofd from the SES_Signature's picture) over
    the registration authority; the revoked one carries 已吊销 in red across the page."""
    from PIL import Image

    page = _render(licence_ofd(), tmp_path / "licence.png")
    image = Image.open(page)
    assert image.size[0] > image.size[1]  # A4 landscape
    assert _red_pixels(page, (0.68, 0.58, 0.88, 0.82)) > 2000  # the seal, where StampAnnot puts it
    assert _red_pixels(page, (0.3, 0.5, 0.6, 0.75)) < 50  # no red word across an active licence
    quarter = image.convert("L").crop((0, 0, image.size[0] // 2, image.size[1] // 2))
    dark = sum(1 for p in quarter.get_flattened_data() if p < 100)
    assert dark > 20000  # text in the top-left quarter (the credit code, title, particulars)
    revoked = _render(licence_ofd(EnterpriseStatus.REVOKED), tmp_path / "revoked.png")
    assert _red_pixels(revoked, (0.3, 0.5, 0.6, 0.75)) > 2000  # 已吊销 across the page
    assert b"\xe5\xb7\xb2\xe5\x90\x8a\xe9\x94\x80" in parts_of(licence_ofd(EnterpriseStatus.REVOKED))[
        "Doc_0/Pages/Page_0/Content.xml"]  # 已吊销


@pytest.mark.db
def test_a_zone_with_an_sm2_key_issues_dual_signed_licences_and_seals_their_ofd(db, standard, people):
    """The real path: the zone gains an SM2 key; an approved establishment's licence QR carries both
    signatures, and its OFD is sealed with the zone's SM2 key under a certificate from the zone's CA.
    Without an SM2 key the OFD is refused by rule, and the licence page offers no OFD link."""
    from test_licence_bundle import establish

    from factories import HOTEL, NOW
    from yima.errors import DomainError
    from yima.keys.model import SigningAlgorithm
    from yima.licences import documents
    from yima.licences.service import rotate_key, verify_scanned

    plain = establish(db, standard, people["alice"], **HOTEL)
    with pytest.raises(DomainError) as refused:
        documents.sealed_licence_ofd(db, standard, plain, NOW)
    assert refused.value.finding.rule == "licence.no_sm2_key" and refused.value.finding.field == "zone"
    assert documents.licence_view(db, standard, plain).ofd_available is False

    rotate_key(db, "cq-gxq", NOW, SigningAlgorithm.SM2)
    uscc = establish(db, standard, people["alice"], **{**HOTEL, "name": "重庆渝栖酒店管理有限公司"})
    view = documents.licence_view(db, standard, uscc)
    assert view.ofd_available is True
    answer = verify_scanned(db, standard, view.qr, NOW + timedelta(minutes=1)).as_json()
    assert answer["valid"] and [s["alg"] for s in answer["signatures"]] == ["EdDSA", "SM2"]
    assert all(s["checked"] and s["verified"] for s in answer["signatures"])
    ofd = documents.sealed_licence_ofd(db, standard, uscc, NOW + timedelta(minutes=2))
    result = check_ofd(ofd, sm2_public_key_of, NOW + timedelta(minutes=3))
    assert result.ok and result.seal is not None
    content = parts_of(ofd)["Doc_0/Pages/Page_0/Content.xml"].decode("utf-8")
    assert "重庆渝栖酒店管理有限公司" in content and uscc in content

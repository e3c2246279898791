"""The licence over HTTP: JSON, QR images, the signed PDF, verification, the trust list, the public page."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest
from pycose.keys import OKPKey
from pycose.messages import Sign1Message

from factories import application_body
from yima.clock import utcnow
from yima.licences.qr import decode_qr_image, extract_cose_bytes
from yima.pki.pades import validate_pdf
from yima_process import run_yima

pytestmark = [pytest.mark.db, pytest.mark.e2e]
HOTEL = dict(name="重庆嘉陵酒店管理有限公司", scope=["hotel", "convenience_store"], industry_code="H6110",
             materials=["application_form", "articles_of_association", "floor_plan", "staff_health_certificates"],
             commitments=["address", "permit_conditions", "beneficial_owner"])


@pytest.fixture
def licensed(server):
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body(**HOTEL)).json()
        assert created["status"] == "approved", created["findings"]
        return created["uscc"]


def test_licence_json_png_and_verify(server, licensed):
    with server.client() as public:
        licence = public.get(f"/api/v1/licences/{licensed}").json()
        assert licence["qr"].startswith(server.url.upper() + "/V/")
        assert [p["type"] for p in licence["permits"]] == ["public_place_hygiene", "prepackaged_food_filing"]
        png = public.get(f"/api/v1/licences/{licensed}/qr.png")
        assert png.headers["content-type"] == "image/png"
        assert decode_qr_image(png.content) == licence["qr"]
        assert "<svg" in public.get(f"/api/v1/licences/{licensed}/qr.svg").text[:200]
        result = public.post("/api/v1/verify", json={"qr": licence["qr"]}).json()
        assert result["valid"] and result["status"] == "active" and result["licence"]["uscc"] == licensed
        segment = licence["qr"].rsplit("/", 1)[1]
        tampered = licence["qr"][:-len(segment)] + segment[:40] + ("A" if segment[40] != "A" else "B") + segment[41:]
        assert not public.post("/api/v1/verify", json={"qr": tampered}).json()["valid"]
        bad = public.post("/api/v1/verify", json={"qr": ""})
        assert bad.status_code == 422 and bad.json()["field"] == "qr"


def test_pycose_verifies_with_only_the_published_trust_list(server, licensed):
    with server.client() as public:
        trust = public.get("/.well-known/yima/trust-list.json", params={"zone": "cq-gxq"}).json()
        qr = public.get(f"/api/v1/licences/{licensed}").json()["qr"]
    assert trust["zone"] == "cq-gxq" and len(trust["standard_digest"]) == 64
    message = Sign1Message.decode(extract_cose_bytes(qr))
    kid = message.phdr[next(k for k in message.phdr if k.identifier == 4)]
    jwk = next(k for k in trust["keys"] if base64.urlsafe_b64decode(k["kid"] + "=" * (-len(k["kid"]) % 4)) == kid)
    x = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    message.key = OKPKey(crv="ED25519", x=x)
    assert message.verify_signature()


def test_signed_pdf_validates_with_pyhanko_and_pdfsig(server, licensed, tmp_path):
    with server.client() as public:
        response = public.get(f"/api/v1/licences/{licensed}/licence.pdf")
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "licence.pdf"
    pdf.write_bytes(response.content)
    with server.app.state.db.read() as session:
        from yima.pki.service import root_certificate

        root = root_certificate(session, "cq-gxq")
    [report] = validate_pdf(response.content, [root], None, now=utcnow())
    assert report.valid and report.intact and report.trusted
    out = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True)
    assert "Signature is Valid" in out.stdout, out.stdout
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "营业执照" in text and licensed in text
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(tmp_path / "licence")], check=True)
    assert (tmp_path / "licence.png").stat().st_size > 10_000


def test_public_scan_page_masks_personal_data(server, licensed):
    with server.client() as public:
        qr = public.get(f"/api/v1/licences/{licensed}").json()["qr"]
        page = public.get("/v/" + qr.rsplit("/", 1)[1].lower())
        upper = public.get("/V/" + qr.rsplit("/", 1)[1])
    assert page.status_code == upper.status_code == 200
    assert "重庆嘉陵酒店管理有限公司" in page.text and "公共场所卫生许可证" in page.text
    rep = application_body()["legal_representative"]
    assert rep["id_number"] not in page.text and rep["phone"] not in page.text


def test_cli_verifies_a_photo_offline(server, licensed, tmp_path):
    with server.client() as public:
        trust = public.get("/.well-known/yima/trust-list.json?zone=cq-gxq").json()
        (tmp_path / "trust.json").write_text(json.dumps(trust))
        (tmp_path / "qr.png").write_bytes(public.get(f"/api/v1/licences/{licensed}/qr.png").content)
        qr = public.get(f"/api/v1/licences/{licensed}").json()["qr"]
    ok = run_yima(["verify", str(tmp_path / "qr.png"), "--trust-list", str(tmp_path / "trust.json")])
    assert ok.returncode == 0, ok.stderr
    assert licensed in ok.stdout
    published = f"{server.url}/.well-known/yima/trust-list.json?zone=cq-gxq"
    online = run_yima(["verify", qr, "--trust-list", published])
    assert online.returncode == 0, online.stderr
    bad = run_yima(["verify", qr[:-6] + "AAAAAA", "--trust-list", str(tmp_path / "trust.json")])
    assert bad.returncode == 1 and ("tampered" in bad.stderr or "malformed" in bad.stderr)


def test_the_application_licence_routes_lead_a_local_application_to_its_licence(server):
    """``/api/v1/applications/{id}/licence.pdf`` and ``licence-qr.png`` serve what a partner zone
    delivered; for an application this zone approved itself they redirect to its licence, and for
    one not approved they say it has no licence, never that a partner has yet to deliver one."""
    with server.client("alice") as alice:
        approved = alice.post("/api/v1/applications", json=application_body(**HOTEL)).json()
        pending = alice.post("/api/v1/applications", json=application_body(
            name="重庆渝州大厦物业管理有限公司", materials=["application_form"])).json()
        assert approved["status"] == "approved" and pending["status"] != "approved"
        pdf = alice.get(f"/api/v1/applications/{approved['id']}/licence.pdf")
        assert pdf.status_code == 307 and pdf.headers["location"] == f"/api/v1/licences/{approved['uscc']}/licence.pdf"
        followed = alice.get(pdf.headers["location"])
        assert followed.status_code == 200 and followed.content.startswith(b"%PDF")
        qr = alice.get(f"/api/v1/applications/{approved['id']}/licence-qr.png")
        assert qr.status_code == 307 and qr.headers["location"] == f"/api/v1/licences/{approved['uscc']}/qr.png"
        assert decode_qr_image(alice.get(qr.headers["location"]).content).startswith(server.url.upper() + "/V/")
        none = alice.get(f"/api/v1/applications/{pending['id']}/licence.pdf")
        assert none.status_code == 404 and none.json()["error"] == "licence.none"
        assert pending["status"] in none.json()["detail"][0]["message_en"]
    with server.client("bob") as bob:  # another applicant learns nothing of alice's application
        assert bob.get(f"/api/v1/applications/{approved['id']}/licence.pdf").json()["error"] == "application.unknown"

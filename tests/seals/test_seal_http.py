"""Sealing and checking over HTTP: the v1 seal routes, the published CRL and root, and poppler's view."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from seal_helpers import NAME, PERSON, establishment_body

from yima.bench.seals import sample_contract_pdf

pytestmark = [pytest.mark.db, pytest.mark.e2e]
needs_pdfsig = pytest.mark.usefixtures("poppler")


@pytest.fixture
def enterprise(server):
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=establishment_body()).json()
        assert created["status"] == "approved", created["findings"]
        seals = alice.get(f"/api/v1/enterprises/{created['uscc']}/seals").json()
    return created["uscc"], {s["type"]: s for s in seals}


def seal(client, seal_id: str, pdf: bytes, **fields):
    return client.post(f"/api/v1/seals/{seal_id}/sign", files={"file": ("合同.pdf", pdf, "application/pdf")},
                       data={k: str(v) for k, v in fields.items()})


def validate(client, pdf: bytes) -> list[dict]:
    response = client.post("/api/v1/seals/validate", files={"file": ("sealed.pdf", pdf, "application/pdf")})
    assert response.status_code == 200, response.text
    return response.json()


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "sealed.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout


def test_the_owner_lists_the_five_seals_with_certificates_and_images(server, enterprise):
    uscc, seals = enterprise
    assert list(seals) == ["company", "finance", "contract", "invoice", "legal_representative"]
    contract = seals["contract"]
    assert set(contract) == {"id", "type", "type_name", "status", "certificate", "serial", "image_png_url",
                             "image_svg_url", "sm2_certificate", "seseal_url"}
    assert contract["sm2_certificate"] is None and contract["seseal_url"] is None  # no SM2 key in the zone
    assert contract["type_name"] == "合同专用章" and contract["status"] == "active"
    cert = x509.load_pem_x509_certificate(contract["certificate"].encode())
    assert uscc in cert.subject.rfc4514_string() and NAME in cert.subject.rfc4514_string()
    with server.client() as public:
        png = public.get(contract["image_png_url"])
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG")
        etag = png.headers["etag"]  # drawn on demand; a browser that has it is told so
        again = public.get(contract["image_png_url"], headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        svg = public.get(contract["image_svg_url"])
        assert svg.headers["content-type"].startswith("image/svg+xml") and NAME[0] in svg.text
        assert public.get("/api/v1/seals/0000000000000000/image.png").status_code == 404


def test_nobody_else_may_list_or_seal(server, enterprise):
    uscc, seals = enterprise
    pdf = sample_contract_pdf(NAME, PERSON)
    with server.client() as anonymous:
        assert anonymous.get(f"/api/v1/enterprises/{uscc}/seals").status_code == 401
        assert seal(anonymous, seals["contract"]["id"], pdf).status_code == 401
    with server.client("bob") as bob, server.client("officer-cq") as officer:
        for client in (bob, officer):
            listed = client.get(f"/api/v1/enterprises/{uscc}/seals")
            assert listed.status_code == 403 and listed.json()["error"] == "seal.not_owner"
            assert seal(client, seals["contract"]["id"], pdf).status_code == 403
            assert client.post(f"/api/v1/seals/{seals['contract']['id']}/pkcs12",
                               json={"passphrase": "a-long-passphrase"}).status_code == 403
        assert bob.get("/api/v1/enterprises/91500107MA00000000/seals").status_code == 404
        assert seal(bob, "0000000000000000", pdf).status_code == 404


@needs_pdfsig
def test_a_sealed_pdf_validates_through_the_api_and_with_pdfsig(server, enterprise, tmp_path):
    uscc, seals = enterprise
    with server.client("alice") as alice:
        response = seal(alice, seals["contract"]["id"], sample_contract_pdf(NAME, PERSON), page=1, x=150, y=240)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert "filename*=UTF-8''%E5%90%88%E5%90%8C-sealed.pdf" in response.headers["content-disposition"]
        sealed = response.content
        (check,) = validate(alice, sealed)
    assert check["ok"] and check["valid"] and check["intact"] and check["trusted"] and not check["revoked"]
    assert (check["enterprise"], check["uscc"]) == (NAME, uscc)
    assert (check["seal_id"], check["seal_type"], check["seal_type_name"]) == (seals["contract"]["id"], "contract",
                                                                                 "合同专用章")
    assert check["serial"] == seals["contract"]["serial"] and check["signed_at"]
    assert check["message_zh"].startswith("签章有效") and check["message_en"].startswith("Valid")
    out = pdfsig(sealed, tmp_path)
    assert "Signature Validation: Signature is Valid." in out
    assert f"{NAME}合同专用章" in out


@needs_pdfsig
def test_contract_seal_and_name_seal_on_one_pdf_both_stay_valid(server, enterprise, tmp_path):
    _, seals = enterprise
    with server.client("alice") as alice:
        once = seal(alice, seals["contract"]["id"], sample_contract_pdf(NAME, PERSON), x=150, y=240).content
        twice = seal(alice, seals["legal_representative"]["id"], once, x=185, y=245)
        assert twice.status_code == 200, twice.text
        checks = validate(alice, twice.content)
    assert [c["seal_type"] for c in checks] == ["contract", "legal_representative"]
    assert all(c["ok"] for c in checks)
    assert checks[1]["signer"].startswith(PERSON)
    assert pdfsig(twice.content, tmp_path).count("Signature Validation: Signature is Valid.") == 2


def test_editing_a_sealed_pdf_is_detected(server, enterprise):
    _, seals = enterprise
    with server.client("alice") as alice:
        sealed = seal(alice, seals["contract"]["id"], sample_contract_pdf(NAME, PERSON)).content
        # 1. the bytes the seal covers are changed
        at = sealed.index(b"/MediaBox")
        forged = sealed[:at] + b"/MediaBoy" + sealed[at + len(b"/MediaBox"):]
        (broken,) = validate(alice, forged)
        assert not broken["valid"] and not broken["ok"]
        # 2. a later revision changes the page (an incremental update after sealing)
        writer = IncrementalPdfFileWriter(BytesIO(sealed))
        page_ref = writer.root["/Pages"]["/Kids"][0]
        page = page_ref.get_object()
        stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (PAID) Tj ET"))
        contents = page["/Contents"]
        page["/Contents"] = generic.ArrayObject([*(contents if isinstance(contents, list) else [contents]), stream])
        writer.update_container(page)
        out = BytesIO()
        writer.write(out)
        (changed,) = validate(alice, out.getvalue())
        assert changed["valid"] and not changed["intact"] and not changed["ok"]
        assert "修改" in changed["message_zh"] and "changed" in changed["message_en"]


def test_revoking_the_licence_revokes_the_seals_on_the_crl_and_in_validation(server, enterprise):
    uscc, seals = enterprise
    with server.client("alice") as alice:
        sealed = seal(alice, seals["contract"]["id"], sample_contract_pdf(NAME, PERSON)).content
        exported = alice.post(f"/api/v1/seals/{seals['contract']['id']}/pkcs12", json={"passphrase": "passphrase"})
        issuing = pkcs12.load_pkcs12(exported.content, b"passphrase").additional_certs[0].certificate
    with server.client("officer-cq") as officer:
        response = officer.post(f"/api/v1/enterprises/{uscc}/revocation", json={"reason": "无证经营"})
        assert response.status_code == 200, response.text
    with server.client() as public:
        crl_response = public.get("/pki/cq-gxq/issuing.crl")
        assert crl_response.headers["content-type"] == "application/pkix-crl"
        crl = x509.load_der_x509_crl(crl_response.content)
        assert crl.issuer == issuing.subject and crl.is_signature_valid(issuing.public_key())
        for item in seals.values():
            entry = crl.get_revoked_certificate_by_serial_number(int(item["serial"], 16))
            assert entry is not None
            assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason \
                is x509.ReasonFlags.privilege_withdrawn
        (check,) = validate(public, sealed)
        assert check["revoked"] and not check["ok"] and check["revoked_at"]
        assert "吊销" in check["message_zh"] and "revoked" in check["message_en"]
    with server.client("alice") as alice:
        listed = alice.get(f"/api/v1/enterprises/{uscc}/seals").json()
        assert {s["status"] for s in listed} == {"revoked"}
        refused = seal(alice, seals["contract"]["id"], sample_contract_pdf(NAME, PERSON))
        assert refused.status_code == 422 and refused.json()["error"] == "seal.revoked"


def test_bad_uploads_and_placements_are_refused_with_the_field_named(server, enterprise):
    _, seals = enterprise
    contract = seals["contract"]["id"]
    pdf = sample_contract_pdf(NAME, PERSON)
    with server.client("alice") as alice:
        cases = [
            (seal(alice, contract, b"hello, not a pdf"), "file", "seal.pdf_required"),
            (seal(alice, contract, b""), "file", "upload.empty"),
            (seal(alice, contract, pdf + b"%" * 200_000), "file", "upload.too_large"),
            (seal(alice, contract, b"%PDF-1.7\ngarbage"), "file", "pdf.unreadable"),
            (seal(alice, contract, pdf, page=2), "page", "seal.page"),
            (seal(alice, contract, pdf, x=5, y=100), "x", "seal.position"),
            (seal(alice, contract, pdf, x=100, y=290), "y", "seal.position"),
            (alice.post(f"/api/v1/seals/{contract}/sign", data={"page": "1"},  # multipart without its file
                        files={"note": ("note.txt", b"x", "text/plain")}), "file", "schema.missing"),
            (alice.post("/api/v1/seals/validate", files={"file": ("a.txt", b"text", "text/plain")}), "file",
             "seal.pdf_required"),
            (alice.post(f"/api/v1/seals/{contract}/pkcs12", json={"passphrase": "short"}), "passphrase",
             "schema.string_too_short"),
        ]
        for response, field, rule in cases:
            assert response.status_code == 422, (rule, response.text)
            body = response.json()
            assert (body["field"], body["error"]) == (field, rule)
            assert " / " in body["message"]


def test_pkcs12_export_over_http_loads_with_cryptography(server, enterprise):
    uscc, seals = enterprise
    with server.client("alice") as alice:
        response = alice.post(f"/api/v1/seals/{seals['finance']['id']}/pkcs12",
                              json={"passphrase": "a-long-passphrase"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/x-pkcs12"
    loaded = pkcs12.load_pkcs12(response.content, b"a-long-passphrase")
    assert uscc in loaded.cert.certificate.subject.rfc4514_string()
    assert loaded.key is not None


def test_the_published_root_and_crl_and_the_documented_position(server, enterprise):
    with server.client() as public:
        root = public.get("/pki/cq-gxq/root.crt")
        assert root.headers["content-type"] == "application/pkix-cert"
        cert = x509.load_der_x509_certificate(root.content)
        assert cert.subject == cert.issuer
        assert len(list(x509.load_der_x509_crl(public.get("/pki/cq-gxq/issuing.crl").content))) == 0
        missing = public.get("/pki/nowhere/issuing.crl")
        assert missing.status_code == 404 and missing.json()["error"] == "pki.missing"
        spec = public.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/seals/{seal_id}/sign"]["post"]
    assert "top-left" in operation["description"]
    assert "application/pdf" in operation["responses"]["200"]["content"]


def test_the_seals_page_forms_seal_at_a_position_and_export_a_key(server, enterprise):
    uscc, seals = enterprise
    contract, name_seal = seals["contract"]["id"], seals["legal_representative"]["id"]
    pdf = sample_contract_pdf(NAME, PERSON)
    with server.client("alice") as alice:
        page = alice.get(f"/enterprises/{uscc}/seals")
        assert page.status_code == 200 and page.text.count('<figure class="seal-card"') == 5
        form = {"seal": [contract, name_seal], f"x-{contract}": "150", f"y-{contract}": "240", f"page-{contract}": "1"}
        sealed = alice.post(f"/enterprises/{uscc}/seals/sign", data=form,
                            files={"file": ("合同.pdf", pdf, "application/pdf")})
        assert sealed.status_code == 200 and sealed.headers["content-type"] == "application/pdf"
        assert [c["ok"] for c in validate(alice, sealed.content)] == [True, True]
        wrong = alice.post(f"/enterprises/{uscc}/seals/sign", data={"seal": contract, f"x-{contract}": "abc"},
                           files={"file": ("合同.pdf", pdf, "application/pdf")})
        assert wrong.status_code == 422 and "不是数字" in wrong.text and 'value="abc"' in wrong.text
        key = alice.post(f"/enterprises/{uscc}/seals/pkcs12", data={"seal": contract, "passphrase": "passphrase"})
        assert key.status_code == 200 and key.headers["content-type"] == "application/x-pkcs12"
        assert pkcs12.load_pkcs12(key.content, b"passphrase").key is not None
        short = alice.post(f"/enterprises/{uscc}/seals/pkcs12", data={"seal": contract, "passphrase": "short"})
        assert short.status_code == 422 and "口令至少 8 位" in short.text
    with server.client("bob") as bob:
        assert bob.post(f"/enterprises/{uscc}/seals/pkcs12",
                        data={"seal": contract, "passphrase": "passphrase"}).status_code == 403


@pytest.mark.usefixtures("poppler")
def test_the_seal_is_printed_red_where_it_was_asked_for(server, enterprise, tmp_path):
    from PIL import Image

    _, seals = enterprise
    with server.client("alice") as alice:
        sealed = seal(alice, seals["contract"]["id"], sample_contract_pdf(NAME, PERSON), x=60, y=100).content
    (tmp_path / "sealed.pdf").write_bytes(sealed)
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", str(tmp_path / "sealed.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    image = Image.open(tmp_path / "page.png").convert("RGB")
    mm = 72 / 25.4

    def red_share(cx: float, cy: float) -> float:
        box = [(x, y) for x in range(int((cx - 20) * mm), int((cx + 20) * mm))
               for y in range(int((cy - 20) * mm), int((cy + 20) * mm))]
        red = sum(1 for p in box if (lambda r, g, b: r > 150 and g < 110 and b < 110)(*image.getpixel(p)))
        return red / len(box)

    assert red_share(60, 100) > 0.08  # the rim, the star and the characters
    assert red_share(150, 240) == 0  # not at the default place

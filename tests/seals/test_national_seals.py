"""Enterprise seals in the national format (GB/T 38540-2020) and OFD documents sealed with them,
checked by independent tools (OpenSSL's asn1parse, dgst -sm3 and verify) and by /seals/check's
service; a hostile OFD is refused within the reader's bounds, naming why; the SM2 signer id is a setting."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from seal_helpers import NAME, establish, seal_ids

from factories import NOW
from yima.app.jobs import job_run
from yima.bench.seals import sample_contract_ofd_parts
from yima.config import Settings, get_settings, use_settings
from yima.errors import DomainError
from yima.keys.model import SigningAlgorithm, ZonePublicKey
from yima.keys.trustlist import public_key_from_jwk, public_key_to_jwk
from yima.licences.service import rotate_key
from yima.pki.gbt38540 import SesSeal
from yima.pki.ofd import LIMITS, OfdRefused, parse_xml, read_ofd
from yima.pki.service import load_zone_pki
from yima.pki.sm2 import Sm2PrivateKey, Sm2PublicKey
from yima.pki.sm2cert import sm2_public_key_of
from yima.seals import documents, national, service
from yima.seals.model import SealType
from yima.seals.tables import Seal

MINIMAL_PARTS = {
    "OFD.xml": (b'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" '
                b'Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'
                b"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>"),
    "Doc_0/Document.xml": b'<?xml version="1.0"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"/>',
    "Doc_0/Pages/Page_0/Content.xml": "<ofd:Page xmlns:ofd='http://www.ofdspec.org/2016'>合同正文</ofd:Page>".encode(),
}


def openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True, check=False)


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def national_zone(db, people, standard):
    uscc = establish(db, standard, people["alice"])
    rotate_key(db, "cq-gxq", NOW, SigningAlgorithm.SM2)
    return uscc


@pytest.mark.db
def test_a_seal_in_the_national_format_is_checked_by_openssl(db, people, national_zone, tmp_path):
    seal_id = seal_ids(db, people["alice"], national_zone)[SealType.CONTRACT]
    form = national.national_form(db, seal_id, NOW)
    assert national.national_form(db, seal_id, NOW) == form  # made once, then read
    (tmp_path / "seal.der").write_bytes(form.seseal_der)
    parsed = openssl("asn1parse", "-inform", "DER", "-in", tmp_path / "seal.der")
    assert parsed.returncode == 0 and ":ES" in parsed.stdout and "SM2-with-SM3" in parsed.stdout
    seal = SesSeal.load(form.seseal_der)
    info = seal["e_seal_info"]
    assert info["property"]["name"].native == f"{NAME}合同专用章"
    assert info["property"]["cert_list"][0].native == form.cert_der  # the holder's SM2 certificate
    assert info["picture"]["data"].native == service.seal_picture(db, seal_id, "png")[0]
    # the maker's SM2 signature over the DER of eSealInfo, checked by OpenSSL
    (tmp_path / "info.der").write_bytes(info.dump())
    (tmp_path / "sig.der").write_bytes(seal["signed_value"].native)
    (tmp_path / "maker.der").write_bytes(seal["cert"].native)
    (tmp_path / "maker.pem").write_bytes(sm2_public_key_of(seal["cert"].native).spki_pem())
    verified = openssl("dgst", "-sm3", "-verify", tmp_path / "maker.pem", "-sigopt", "distid:1234567812345678",
                       "-signature", tmp_path / "sig.der", tmp_path / "info.der")
    assert verified.returncode == 0 and "Verified OK" in verified.stdout
    # both SM2 certificates chain to the zone's CA; the holder is named as in the seal's X.509 certificate
    with db.read() as session:
        ca = load_zone_pki(session, "cq-gxq").ca
    (tmp_path / "ca.pem").write_bytes(ca.root.cert.public_bytes(Encoding.PEM)
                                      + ca.issuing.cert.public_bytes(Encoding.PEM))
    for name, der in (("holder", form.cert_der), ("maker", seal["cert"].native)):
        pem = tmp_path / f"{name}.pem"
        pem.write_bytes(x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM))
        checked = openssl("verify", "-CAfile", tmp_path / "ca.pem", pem)
        assert checked.returncode == 0, checked.stderr
    with db.read() as session:
        x509_seal = session.get(Seal, seal_id)
        assert x509_seal is not None
        subject = x509.load_pem_x509_certificate(x509_seal.cert_pem.encode()).subject
    assert x509.load_der_x509_certificate(form.cert_der).subject == subject


@pytest.mark.db
def test_an_ofd_sealed_by_the_enterprise_is_checked_like_a_pdf(db, people, national_zone):
    alice = people["alice"]
    seal_id = seal_ids(db, alice, national_zone)[SealType.CONTRACT]
    sealed = national.seal_ofd_document(db, alice, seal_id, MINIMAL_PARTS, NOW)
    checks = documents.check_document(db, "contract.ofd", sealed, NOW, max_bytes=10 * 1024 * 1024)
    assert len(checks) == 1
    found = checks[0].as_dict()
    assert found["ok"] and found["seal_id"] == seal_id and found["enterprise"] == NAME
    assert found["uscc"] == national_zone and found["seal_type"] == "contract" and not found["revoked"]
    assert "有效" in found["message_zh"]
    # a changed part
    with zipfile.ZipFile(io.BytesIO(sealed)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    page = "Doc_0/Pages/Page_0/Content.xml"
    parts[page] = parts[page].replace("合同".encode(), "和同".encode())
    changed = documents.check_document(db, "contract.ofd", zipped(parts), NOW, max_bytes=10 * 1024 * 1024)[0].as_dict()
    assert not changed["ok"] and not changed["intact"] and "Content.xml" in changed["message_en"]
    # another's seal is refused for sealing; a revoked seal shows revoked
    with pytest.raises(DomainError):
        national.seal_ofd_document(db, people["bob"], seal_id, MINIMAL_PARTS, NOW)
    with db.write() as session:
        service.revoke_enterprise_seals(session, national_zone, NOW, "吊销")
    revoked = documents.check_document(db, "contract.ofd", sealed, NOW, max_bytes=10 * 1024 * 1024)[0].as_dict()
    assert revoked["revoked"] and not revoked["ok"] and "吊销" in revoked["message_zh"]


@pytest.mark.db
def test_the_job_runner_makes_the_national_forms_the_seals_page_would_make_on_its_first_visit(db, people,
                                                                                             national_zone):
    seals = seal_ids(db, people["alice"], national_zone)
    assert national.stored_forms(db, list(seals.values())) == {}
    made = national.make_national_forms_job(db, NOW)
    assert made == [f"made the national forms (GB/T 38540) of {len(seals)} seal(s)"]
    assert set(national.stored_forms(db, list(seals.values()))) == set(seals.values())
    assert national.make_national_forms_job(db, NOW) == []  # nothing left to make


@pytest.mark.db
def test_a_job_run_that_leaves_out_the_national_forms_leaves_them_to_the_next_full_run(db, people, national_zone,
                                                                                    standard):
    seals = list(seal_ids(db, people["alice"], national_zone).values())
    seeding = job_run(standard, leave_out=(national.make_national_forms_job,))(db, NOW)  # as ``yima demo`` runs
    assert not any("national forms" in line for line in seeding)
    assert national.stored_forms(db, seals) == {}
    assert f"made the national forms (GB/T 38540) of {len(seals)} seal(s)" in job_run(standard)(db, NOW)
    assert set(national.stored_forms(db, seals)) == set(seals)


def test_without_an_sm2_key_a_seal_has_no_national_form(db, people, standard):
    uscc = establish(db, standard, people["alice"])
    seal_id = seal_ids(db, people["alice"], uscc)[SealType.COMPANY]
    with pytest.raises(DomainError) as raised:
        national.national_form(db, seal_id, NOW)
    assert raised.value.finding.rule == "seal.no_sm2_key"


def _zip_with(entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries:
            # A fixed timestamp: each pytest-xdist worker collects on its own, and the
            # archives must come out byte for byte the same on every one.
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return out.getvalue()


@pytest.mark.parametrize(("data", "why"), [
    (b"PK\x03\x04 not really a zip", "not an OFD"),
    (_zip_with([("OFD.xml", b"\x00" * (20 * 1024 * 1024))]), "exceed"),  # a zip bomb: 20 MiB of zeros
    (_zip_with([(f"p{i}.xml", b"") for i in range(LIMITS.max_entries + 1)], zipfile.ZIP_STORED), "more than"),
    (_zip_with([("/".join(["d"] * 20) + "/x.xml", b"")]), "deeper"),
    (_zip_with([("../etc/passwd", b"")]), "unsafe name"),
], ids=["not-a-zip", "zip-bomb", "too-many-entries", "too-deep", "unsafe-name"])
def test_a_hostile_ofd_is_refused_within_bounds(data, why):
    with pytest.raises(OfdRefused, match=why):
        read_ofd(data)


def test_xml_with_entities_or_deep_nesting_is_refused():
    with pytest.raises(OfdRefused, match="DTD"):
        parse_xml(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>')
    with pytest.raises(OfdRefused, match="deeper"):
        parse_xml(b"<a>" * 100 + b"</a>" * 100)


@pytest.mark.db
def test_an_unreadable_ofd_upload_is_a_clear_error_not_a_500(db):
    bomb = _zip_with([("OFD.xml", b"\x00" * (20 * 1024 * 1024))])
    with pytest.raises(DomainError) as raised:
        documents.check_document(db, "bomb.ofd", bomb, NOW, max_bytes=10 * 1024 * 1024)
    assert raised.value.finding.rule == "seal.ofd_unreadable" and "MiB" in raised.value.finding.en


def test_the_sm2_signer_id_is_configurable_and_published(tmp_path):
    key = Sm2PrivateKey.generate().with_user_id(b"YIMA-ZONE-0001")
    message = b"the same bytes"
    signature = key.sign(message)
    assert key.public.verify(signature, message)
    assert not Sm2PublicKey(key.public.point).verify(signature, message)  # with the default id it does not verify
    (tmp_path / "pub.pem").write_bytes(key.public.spki_pem())
    (tmp_path / "sig.der").write_bytes(signature)
    (tmp_path / "m").write_bytes(message)
    checked = openssl("dgst", "-sm3", "-verify", tmp_path / "pub.pem", "-sigopt", "distid:YIMA-ZONE-0001",
                      "-signature", tmp_path / "sig.der", tmp_path / "m")
    assert checked.returncode == 0 and "Verified OK" in checked.stdout
    jwk = public_key_to_jwk(ZonePublicKey(key.public))
    assert jwk["uid"] == "YIMA-ZONE-0001"
    read = public_key_from_jwk(jwk)
    assert read is not None and read.verify(key.sign_raw(message), message)
    old_reader = public_key_from_jwk({k: v for k, v in jwk.items() if k != "uid"})  # the default id
    assert old_reader is not None and not old_reader.verify(key.sign_raw(message), message)
    previous = get_settings()
    use_settings(Settings(sm2_signer_id="YIMA-ZONE-0001"))
    try:
        assert national.signer_id() == b"YIMA-ZONE-0001"
    finally:
        use_settings(previous)
    with pytest.raises(ValueError):
        Settings(sm2_signer_id="has space")


@pytest.mark.db
@pytest.mark.e2e
def test_over_http_the_seal_list_serves_the_national_form_and_seals_check_takes_an_ofd(server):
    """One live server: the owner's list carries each seal's SM2 certificate and SESeal; the zone's
    maker certificate is published; the licence OFD (sealed by the zone) passes /seals/check through
    the API, and a hostile zip gets a 422 naming why."""
    from seal_helpers import establishment_body

    rotate_key(server.app.state.db, "cq-gxq", NOW, SigningAlgorithm.SM2)
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=establishment_body()).json()
        uscc = created["uscc"]
        seals = {s["type"]: s for s in alice.get(f"/api/v1/enterprises/{uscc}/seals").json()}
    contract = seals["contract"]
    holder = x509.load_pem_x509_certificate(contract["sm2_certificate"].encode())
    assert uscc in holder.subject.rfc4514_string()
    with server.client() as public:
        der = public.get(contract["seseal_url"])
        assert der.status_code == 200 and SesSeal.load(der.content)["e_seal_info"]["property"]["cert_list"][0].native \
            == holder.public_bytes(Encoding.DER)
        maker = public.get("/pki/cq-gxq/sm2-seal.crt")
        assert maker.status_code == 200 and maker.text.startswith("-----BEGIN CERTIFICATE-----")
        assert public.get("/pki/cd-gxq/sm2-seal.crt").status_code == 404  # that zone has no SM2 key
        ofd = public.get(f"/api/v1/licences/{uscc}/licence.ofd")
        assert ofd.status_code == 200
        checked = public.post("/api/v1/seals/validate", files={"file": ("licence.ofd", ofd.content, "application/ofd")})
        assert checked.status_code == 200, checked.text
        [found] = checked.json()
        assert found["ok"] and found["intact"] and found["trusted"] and found["seal_id"] is None
        # the owner seals an OFD contract with the contract seal; it checks as theirs
        unsealed = _zip_with([(n, d.replace(b"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>", b""))
                              for n, d in sample_contract_ofd_parts().items()])
        with server.client("alice") as alice:
            sealed = alice.post(f"/api/v1/seals/{contract['id']}/sign-ofd",
                                files={"file": ("合同.ofd", unsealed, "application/ofd")})
            assert sealed.status_code == 200 and sealed.headers["content-type"] == "application/ofd"
            again = alice.post(f"/api/v1/seals/{contract['id']}/sign-ofd",
                               files={"file": ("合同.ofd", sealed.content, "application/ofd")})
            assert again.status_code == 422 and "seal.ofd_signed" in again.text
        with server.client("bob") as bob:
            assert bob.post(f"/api/v1/seals/{contract['id']}/sign-ofd",
                            files={"file": ("c.ofd", unsealed, "application/ofd")}).status_code == 403
        [theirs] = public.post("/api/v1/seals/validate",
                               files={"file": ("合同.ofd", sealed.content, "application/ofd")}).json()
        assert theirs["ok"] and theirs["seal_id"] == contract["id"] and theirs["uscc"] == uscc
        bomb = _zip_with([("OFD.xml", b"\x00" * (20 * 1024 * 1024))])
        refused = public.post("/api/v1/seals/validate", files={"file": ("bomb.ofd", bomb, "application/ofd")})
        assert refused.status_code == 422 and "seal.ofd_unreadable" in refused.text

"""Hostile input on a live server: oversized bodies and uploads, wrong content types, malformed QR
text, malformed CSV rows and hostile file names get a clear 4xx (the rule, the field, both
languages) and change nothing."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from security.fixtures import world_fixture  # noqa: F401  (the ``world`` fixture)
from security.world import World, small_pdf
from yima.audit.tables import AuditEntry
from yima.register.tables import Enterprise
from yima.registration.tables import Application, MaterialUpload
from yima_process import run_yima

pytestmark = [pytest.mark.db, pytest.mark.e2e]


def counts(server) -> tuple[int, int, int, int]:
    with server.app.state.db.read() as session:
        return tuple(int(session.scalar(select(func.count()).select_from(t)) or 0)  # type: ignore[return-value]
                     for t in (Application, Enterprise, MaterialUpload, AuditEntry))


def assert_rule(response: httpx.Response, status: int, rule: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["error"] == rule, body
    assert field is None or body["field"] == field
    assert body["detail"][0]["message_zh"] and body["detail"][0]["message_en"]


def test_an_oversized_json_body_is_refused_with_413_and_nothing_is_stored(server, world: World):
    before = counts(server)
    alice = world.client("applicant")
    declared = b'{"zone": "' + b"x" * 2_000_000 + b'"}'
    assert_rule(alice.post("/api/v1/applications", content=declared, headers={"Content-Type": "application/json"}),
                413, "request.too_large", "body")

    def streamed() -> Iterator[bytes]:  # no Content-Length: chunked, counted as it arrives
        yield b'{"zone": "'
        for _ in range(40):
            yield b"x" * 50_000

    assert_rule(alice.post("/api/v1/applications", content=streamed(), headers={"Content-Type": "application/json"}),
                413, "request.too_large", "body")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    page_form = world.client("anonymous", browser=True).post("/login", content=b"username=" + b"x" * 3_000_000,
                                                             headers=form)
    assert_rule(page_form, 413, "request.too_large", "body")  # refused before the CSRF check reads the form
    assert page_form.headers["x-content-type-options"] == "nosniff" and "content-security-policy" in page_form.headers
    assert counts(server) == before
    assert alice.get("/api/v1/me").status_code == 200  # the server goes on serving


def test_an_oversized_upload_is_refused_and_nothing_is_stored(server, world: World):
    app_id = world.fresh_application()
    before = counts(server)
    alice = world.client("applicant")
    url = f"/api/v1/applications/{app_id}/materials"
    form = {"material": "articles_of_association"}
    over = alice.post(url, data=form, files={"file": ("big.pdf", b"%PDF-1.7\n" + b"0" * 300_000, "application/pdf")})
    assert_rule(over, 422, "upload.too_large", "file")
    assert "195 KB" in over.json()["message"]
    far_over = alice.post(url, data=form, files={"file": ("huge.pdf", b"%PDF-1.7\n" + b"0" * 2_000_000,
                                                          "application/pdf")})
    assert_rule(far_over, 413, "request.too_large", "body")
    assert counts(server) == before
    assert alice.get(f"/api/v1/applications/{app_id}").json()["uploads"] == []


def test_wrong_content_types_are_refused_with_the_rule(server, world: World):
    app_id = world.fresh_application()
    before = counts(server)
    alice = world.client("applicant")
    as_text = alice.post("/api/v1/applications", content=b'{"zone": "cq-gxq"}', headers={"Content-Type": "text/plain"})
    assert_rule(as_text, 415, "request.content_type", "Content-Type")
    assert "application/json" in as_text.json()["detail"][0]["message_zh"] and "text/plain" in as_text.text
    not_json = alice.post("/api/v1/applications", content=b"\xff\xfe{", headers={"Content-Type": "application/json"})
    assert_rule(not_json, 400, "request.unreadable", "body")
    broken = alice.post("/api/v1/applications", content=b'{"zone": ', headers={"Content-Type": "application/json"})
    assert_rule(broken, 422, "schema.json_invalid")
    as_form = alice.post("/api/v1/applications", data={"zone": "cq-gxq"})
    assert_rule(as_form, 415, "request.content_type", "Content-Type")
    as_json = alice.post("/api/v1/auth/token", json={"username": "alice", "password": "x"})
    assert_rule(as_json, 415, "request.content_type", "Content-Type")
    assert "application/x-www-form-urlencoded" in as_json.json()["detail"][0]["message_en"]
    url = f"/api/v1/applications/{app_id}/materials"
    disguised = alice.post(url, data={"material": "articles_of_association"},
                           files={"file": ("contract.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64, "application/pdf")})
    assert_rule(disguised, 422, "upload.type", "file")
    as_json = alice.post(url, json={"material": "articles_of_association"})
    assert_rule(as_json, 415, "request.content_type", "Content-Type")
    assert "multipart/form-data" in as_json.json()["detail"][0]["message_en"]
    assert "urlencoded" not in as_json.json()["detail"][0]["message_en"]
    missing = alice.post(url, data={"material": "articles_of_association"},  # multipart without its file
                         files={"note": ("note.txt", b"x", "text/plain")})
    assert_rule(missing, 422, "schema.missing", "file")
    assert_rule(alice.post("/api/v1/seals/validate", files={"file": ("a.pdf", b"<html>", "application/pdf")}),
                422, "seal.pdf_required", "file")
    assert counts(server) == before


def test_malformed_qr_text_is_answered_not_valid_and_changes_nothing(server, world: World):
    before = counts(server)
    public = world.client("anonymous")
    for text in ("garbage", "YM1:!!!!", f"{world.url}/V/{'A' * 5000}", f"{world.url}/V/{world.segment[:-9]}",
                 "\x00\r\n", "https://elsewhere.example/V/AAAA"):
        answer = public.post("/api/v1/verify", json={"qr": text})
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert result["valid"] is False and result["reason"] in ("malformed", "bad_signature", "unknown_key")
        assert result["message_zh"] and result["message_en"] and result["licence"] is None
    assert_rule(public.post("/api/v1/verify", json={"qr": ""}), 422, "schema.string_too_short", "qr")
    assert_rule(public.post("/api/v1/verify", json={"qr": "A" * 9000}), 422, "schema.string_too_long", "qr")
    assert_rule(public.post("/api/v1/verify", json={"code": "x"}), 422, "schema.missing", "qr")
    for segment in ("garbage", "A" * 3000, "%00%0A", "..%2F..%2Fetc%2Fpasswd"):
        page = public.get(f"/V/{segment}")
        assert 400 <= page.status_code < 500 and "Traceback" not in page.text
    assert counts(server) == before


def test_malformed_csv_rows_are_reported_by_line_and_skipped(server, world: World, tmp_path: Path):
    """``yima import entities`` as an operator runs it, on the live server's database."""
    from yima.registration.codes import make_uscc
    from yima.stats.rows import HEADER

    good = [make_uscc("llc", "500107", 910_001, 0), "重庆导入测试有限公司", "domestic_enterprise", "I6513", "1000000",
            "2019-03-01", "", "重庆市九龙坡区科城路60号"]
    bad = [["=cmd|' /C calc'!A0", "公式注入", "domestic_enterprise", "I6513", "1", "2019-03-01", "", ""],
           [make_uscc("llc", "500107", 910_002, 0), "", "domestic_enterprise", "I6513", "1", "2019-03-01", "", ""],
           [make_uscc("llc", "500107", 910_003, 0), "名称", "domestic_enterprise", "I6513", "-5", "2019-03-01", "", ""],
           [make_uscc("llc", "500107", 910_004, 0), "名称", "domestic_enterprise", "I6513", "1", "2019-02-30", "", ""],
           ["too", "few"]]
    path = tmp_path / "register.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows([good, *bad])
    db_url = server.app.state.db.url
    done = run_yima(["import", "entities", str(path), "--zone", "cq-gxq", "--db", db_url], timeout=120)
    assert done.returncode == 0, done.stderr
    report = done.stdout + done.stderr
    for line, field in ((3, "uscc"), (4, "name"), (5, "registered_capital"), (6, "established_on"), (7, "row")):
        assert f"line {line}: [{field}]" in report, report
    with server.app.state.db.read() as session:
        imported = session.scalars(select(Enterprise.uscc).where(Enterprise.uscc.like("91500107%"))).all()
    assert good[0] in imported and not any(row[0] in imported for row in bad[1:4])

    broken = tmp_path / "broken.csv"
    broken.write_bytes(",".join(HEADER).encode() + b"\n\xff\xfe\x00garbage\n")
    refused = run_yima(["import", "entities", str(broken), "--zone", "cq-gxq", "--db", db_url], timeout=120)
    assert refused.returncode == 1 and "import.file_format" in refused.stderr and "Traceback" not in refused.stderr


def raw_upload(name: bytes, content: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand, so the file name reaches the server byte for byte."""
    boundary = "yima-hostile-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"material\"\r\n\r\narticles_of_association\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"").encode()
    body += name + b"\"\r\nContent-Type: application/pdf\r\n\r\n" + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


HOSTILE = [
    (b"../../../../etc/passwd.pdf", "passwd.pdf"),
    (b"..\\..\\Windows\\System32\\evil.pdf", "evil.pdf"),
    (b"a\x00b.pdf", "ab.pdf"),
    (b"\xe2\x80\xaefdp.exe", "fdp.exe"),  # a right-to-left override hiding the real extension
    (b"<script>alert(1)</script>.pdf", "script>.pdf"),
    (b"<img src=x onerror=alert(1)>.pdf", "<img src=x onerror=alert(1)>.pdf"),
    (b"..", "upload"),
    (("合同" * 200 + ".pdf").encode(), "合同" * 125 + "合.pdf"),  # cut to 255 characters, extension kept
]


def test_hostile_file_names_are_cleaned_labels_never_paths(server, world: World, tmp_path: Path):
    data_dir = Path(server.app.state.settings.data_dir)
    alice = world.client("applicant")
    for raw, expected in HOSTILE:
        app_id = world._new_application()
        body, content_type = raw_upload(raw, small_pdf())
        answer = alice.post(f"/api/v1/applications/{app_id}/materials", content=body,
                            headers={"Content-Type": content_type})
        assert answer.status_code == 200, (raw, answer.text[:300])
        [upload] = answer.json()["uploads"]
        assert upload["filename"] == expected, raw
        assert len(upload["filename"]) <= 255 and "/" not in upload["filename"] and "\x00" not in upload["filename"]
        stored = data_dir / "uploads" / upload["sha256"][:2] / upload["sha256"]
        assert stored.is_file()
        page = alice.get(f"/applications/{app_id}").text
        assert "<img src=x" not in page  # shown escaped
    written = {p.resolve() for p in data_dir.rglob("*") if p.is_file()}
    assert all(str(p).startswith(str(data_dir.resolve())) for p in written)
    assert not (Path("/etc") / "passwd.pdf").exists()

    sealed = alice.post(f"/api/v1/seals/{world.seal_id}/sign",
                        files={"file": ("..\\..\\evil\u202e.pdf", small_pdf(), "application/pdf")})
    assert sealed.status_code == 200, sealed.text[:300]
    disposition = sealed.headers["content-disposition"]
    assert not any(bad in disposition for bad in ("\r", "\n", "..", "\u202e"))


def test_every_id_in_a_path_is_bounded_and_an_over_large_one_is_refused_by_name(server, world: World):
    from fastapi.routing import APIRoute, iter_route_contexts

    from yima.web.deps import MAX_ROW_ID

    unbounded = []
    for context in iter_route_contexts(server.app.routes):
        route = context.route
        if not isinstance(route, APIRoute):
            continue
        for param in route.dependant.path_params:
            limits = [getattr(m, "le", None) for m in param.field_info.metadata]
            if param.field_info.annotation is int and not any(le is not None and le <= MAX_ROW_ID for le in limits):
                unbounded.append(f"{context.path} {param.name}")
    assert not unbounded, f"integer path ids without RowId: {unbounded}"
    before = counts(server)
    officer = world.client("officer")
    for path in ("/api/v1/applications/99999999999", "/api/v1/permits/99999999999/decision"):
        answer = officer.get(path) if "decision" not in path else officer.post(path, json={"decision": "approve"})
        assert answer.status_code == 422, (path, answer.text[:300])
        assert answer.json()["field"] in ("app_id", "permit_id") and answer.json()["error"] == "schema.less_than_equal"
        assert answer.json()["detail"][0]["message_zh"] in ("申请编号数值过大", "许可编号数值过大")
        assert answer.json()["detail"][0]["message_en"] in ("Application id is too large", "Permit id is too large")
    assert counts(server) == before

"""A revoked (吊销) and a cancelled (注销) licence, on every surface: the verify JSON, the scan page
in chromium, the PDF, the applicant's pages, the seal page and the ``yima verify`` command."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from factories import HOTEL, application_body
from web.browser import sign_in
from yima_process import run_yima

pytestmark = [pytest.mark.db, pytest.mark.e2e]
SHOTS = Path("/tmp/yima-screens")
RED = "rgb(200, 22, 29)"


def _establish(server: Any, name: str) -> tuple[str, str]:
    with server.client("alice") as alice:
        created = alice.post("/api/v1/applications", json=application_body(**{**HOTEL, "name": name})).json()
        assert created["status"] == "approved", created["findings"]
        qr = alice.get(f"/api/v1/licences/{created['uscc']}").json()["qr"]
    return created["uscc"], qr


def _revoke(server: Any, uscc: str) -> None:
    with server.client("officer-cq") as officer:
        answer = officer.post(f"/api/v1/enterprises/{uscc}/revocation", json={"reason": "虚假登记"})
        assert answer.status_code == 200, answer.text


def _cancel(server: Any, uscc: str) -> int:
    body = {"zone": "cq-gxq", "matter": "cancel", "uscc": uscc,
            "materials": ["application_form", "liquidation_report", "tax_clearance"]}
    with server.client("alice") as alice:
        app_id = alice.post("/api/v1/applications", json=body).json()["id"]
    with server.client("officer-cq") as officer:
        decided = officer.post(f"/api/v1/applications/{app_id}/decision", json={"decision": "approve",
                                                                              "reason": "清算完毕"})
        assert decided.status_code == 200, decided.text
    with server.client() as public:
        assert public.get(f"/api/v1/enterprises/{uscc}").json()["status"] == "cancelled"
    return int(app_id)


def _verify(server: Any, qr: str) -> dict[str, Any]:
    with server.client() as public:
        answer = public.post("/api/v1/verify", json={"qr": qr})
    assert answer.status_code == 200
    return dict(answer.json())


def test_verify_keeps_valid_and_says_in_force_and_current(server):
    uscc, qr = _establish(server, "重庆真实核验酒店管理有限公司")
    before = _verify(server, qr)
    assert before["valid"] is True and before["in_force"] is True and before["current"] is True
    assert "in force" in before["message"] and "current version" in before["message"]
    _revoke(server, uscc)
    after = _verify(server, qr)
    assert after["valid"] is True  # v1: the signature is genuine
    assert after["in_force"] is False and after["current"] is False and after["status"] == "revoked"
    assert "NOT in force" in after["message"] and "已吊销" in after["message_zh"] and "genuine" in after["message"]
    assert "superseded" in after["message"]
    with server.client() as public:
        latest_qr = public.get(f"/api/v1/licences/{uscc}").json()["qr"]
    latest = _verify(server, latest_qr)
    assert latest["valid"] and latest["current"] and not latest["in_force"]
    assert latest["status_at_issue"] == "revoked"  # the version signed at revocation says so itself
    assert latest["licence"]["status"] == "revoked"
    with server.client() as public:
        schema = public.get("/openapi.json").json()["components"]["schemas"]["VerifyOut"]["properties"]
    assert {"valid", "in_force", "current"} <= set(schema)


def _pdf_text(server: Any, uscc: str, tmp_path: Path) -> tuple[str, str]:
    with server.client() as public:
        response = public.get(f"/api/v1/licences/{uscc}/licence.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    path = tmp_path / f"{uscc}.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    with path.open("rb") as handle:
        signature = PdfFileReader(handle).embedded_signatures[0]
        reason = str(signature.sig_object.get("/Reason"))
    return text, reason


def test_pdf_of_a_revoked_and_a_cancelled_licence_carries_the_status(server, tmp_path, poppler):
    revoked, _ = _establish(server, "重庆吊销标记酒店管理有限公司")
    cancelled, _ = _establish(server, "重庆注销标记酒店管理有限公司")
    text, reason = _pdf_text(server, revoked, tmp_path)
    assert "营业期限" in text and "至长期" in text and "已吊销" not in text and "失效" not in reason
    _revoke(server, revoked)
    _cancel(server, cancelled)
    text, reason = _pdf_text(server, revoked, tmp_path)
    assert "本营业执照已被吊销" in text and "已吊销" in text and "已吊销，不再有效" in reason
    text, reason = _pdf_text(server, cancelled, tmp_path)
    assert "本企业已注销登记" in text and "已注销" in text and "已注销，不再有效" in reason


@pytest.mark.browser
def test_scan_page_leads_with_revoked_in_red_never_genuine_and_valid(server, page):
    uscc, qr = _establish(server, "重庆扫码吊销酒店管理有限公司")
    page.set_viewport_size({"width": 414, "height": 896})
    page.goto(qr.replace(server.url.upper(), server.url))
    assert page.text_content("#verdict-status").strip() == "现行有效"
    _revoke(server, uscc)
    page.reload()
    verdict = page.locator("#verdict-status")
    assert verdict.text_content().strip() == "已吊销"
    assert verdict.evaluate("el => getComputedStyle(el).color") == RED
    body = page.text_content("body")
    assert "真实有效" not in body and "现行有效" not in body
    assert body.index("已吊销") < body.index("重庆扫码吊销酒店管理有限公司")  # the status leads
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "scan-revoked.png"), full_page=True)
    page.goto(qr.replace(server.url.upper(), server.url) + "?lang=en")
    assert page.text_content("#verdict-status").strip() == "REVOKED"
    assert "no longer in force" in page.text_content("#verdict")


@pytest.mark.browser
def test_scan_page_of_a_cancelled_licence(server, page):
    uscc, qr = _establish(server, "重庆扫码注销酒店管理有限公司")
    _cancel(server, uscc)
    page.goto(qr.replace(server.url.upper(), server.url))
    verdict = page.locator("#verdict-status")
    assert verdict.text_content().strip() == "已注销"
    assert verdict.evaluate("el => getComputedStyle(el).color") == RED
    assert "已注销登记" in page.text_content("#verdict")


@pytest.mark.browser
def test_applicant_pages_and_seal_page_show_the_status_and_revoked_seals(server, page):
    revoked, _ = _establish(server, "重庆页面吊销酒店管理有限公司")
    cancelled, _ = _establish(server, "重庆页面注销酒店管理有限公司")
    with server.client("alice") as alice:
        mine = {a["uscc"]: a["id"] for a in alice.get("/api/v1/applications").json() if a["matter"] == "establish"}
        for uscc in (revoked, cancelled):  # the seal sets are issued on first use
            assert {s["status"] for s in alice.get(f"/api/v1/enterprises/{uscc}/seals").json()} == {"active"}
    _revoke(server, revoked)
    _cancel(server, cancelled)
    with server.client("alice") as alice:
        for uscc in (revoked, cancelled):
            seals = alice.get(f"/api/v1/enterprises/{uscc}/seals").json()
            assert len(seals) == 5 and {s["status"] for s in seals} == {"revoked"}, uscc
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/applications/{mine[revoked]}")
    banner = page.locator("#enterprise-status")
    assert "已被吊销" in banner.text_content() and "电子印章均已失效" in banner.text_content()
    assert page.locator(".notice").count() == 0  # no "approved" notice for an enterprise not in force
    page.goto(f"{server.url}/applications/{mine[cancelled]}")
    assert "已注销" in page.text_content("#enterprise-status")
    page.goto(f"{server.url}/applications")
    row = page.locator(f"#applications tr[data-id='{mine[revoked]}']")
    assert row.locator(".enterprise-status").text_content().strip() == "已吊销"
    page.goto(f"{server.url}/enterprises/{revoked}/seals")
    assert "其电子印章已全部吊销" in page.text_content("#enterprise-status")
    assert page.locator("#seal-form").count() == 0
    statuses = page.locator(".seal-card .status").all_text_contents()
    assert statuses and all(s.strip() == "已吊销" for s in statuses), statuses
    page.goto(f"{server.url}/licences/{cancelled}")
    assert "已注销登记" in page.text_content("#licence-status")
    assert "已失效" in page.text_content("#pdf")


def _cli_verify(*args: str) -> subprocess.CompletedProcess[str]:
    return run_yima(["verify", *args], timeout=120, env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": "/tmp"})


def test_cli_verify_offline_says_what_it_knows_and_online_exits_3(server, tmp_path):
    uscc, qr = _establish(server, "重庆命令核验酒店管理有限公司")
    trust = tmp_path / "trust.json"
    with server.client() as public:
        trust.write_text(public.get("/.well-known/yima/trust-list.json").text, "utf-8")
    offline = _cli_verify(qr, "--trust-list", str(trust))
    assert offline.returncode == 0, offline.stderr
    assert "signature genuine; status as of issue: active; revocation is checked online at" in offline.stdout
    assert server.url.upper() in offline.stdout.replace("\n", "")  # the QR's own address
    online = _cli_verify(qr, "--trust-list", str(trust), "--online")
    assert online.returncode == 0, online.stderr + online.stdout
    assert "in force" in online.stdout
    _revoke(server, uscc)
    offline = _cli_verify(qr, "--trust-list", str(trust))
    assert offline.returncode == 0  # offline cannot know of a revocation after issue, and says so
    online = _cli_verify(qr, "--trust-list", str(trust), "--online")
    assert online.returncode == 3, online.stdout + online.stderr
    assert "NOT in force" in online.stderr and "revoked" in online.stderr
    with server.client() as public:
        latest = public.get(f"/api/v1/licences/{uscc}").json()["qr"]
    signed_revoked = _cli_verify(latest, "--trust-list", str(trust))
    assert signed_revoked.returncode == 3 and "status as of issue: revoked" in signed_revoked.stdout
    unreachable = _cli_verify(qr, "--trust-list", str(trust), "--online", "--zone-url", "http://127.0.0.1:9")
    assert unreachable.returncode == 4 and "could not be asked" in unreachable.stderr
    tampered = _cli_verify(qr[:-6] + ("AAAAAA" if not qr.endswith("AAAAAA") else "BBBBBB"), "--trust-list",
                           str(trust))
    assert tampered.returncode == 1
    help_text = _cli_verify("--help").stdout
    words = " ".join(help_text.replace("│", " ").split())
    assert "Exit codes: 0 genuine" in words and "3 genuine but NOT in force" in words, words

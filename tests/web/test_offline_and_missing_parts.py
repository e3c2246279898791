"""A government intranet has no internet: /docs and the dashboard load nothing from another host.
And a missing part of the installation (here: the CJK font) answers 503 naming it, never 500."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from factories import application_body
from web.browser import sign_in
from yima.web.deps import COOKIE
from yima_process import Spawned, spawn_yima

pytestmark = [pytest.mark.db, pytest.mark.e2e]
TEST_SECRET = "test-secret-key-0123456789abcdef0123"  # the in-process LiveServer's, so its tokens work here


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _block_other_hosts(page) -> list[str]:
    """Every request not to 127.0.0.1 is aborted, as on a network with no way out; returns them."""
    blocked: list[str] = []

    def route(handle) -> None:
        url = handle.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            handle.continue_()
        else:
            blocked.append(url)
            handle.abort()

    page.route("**/*", route)
    return blocked


@pytest.mark.browser
def test_docs_render_their_operations_with_the_network_off(server, page):
    blocked = _block_other_hosts(page)
    page.goto(f"{server.url}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=60_000)  # ~200 operations: slow at load 20
    paths = page.locator(".opblock-summary-path").all_text_contents()
    assert "/api/v1/verify" in [p.strip() for p in paths]
    assert "/api/v1/applications" in [p.strip() for p in paths]
    assert page.locator(".swagger-ui .info .title").text_content().startswith("Yima")
    assert blocked == []


@pytest.mark.browser
def test_dashboard_charts_draw_with_the_network_off(server, page):
    blocked = _block_other_hosts(page)
    sign_in(page, server, "officer-cq")
    page.goto(f"{server.url}/dashboard?zone=cq-gxq")
    page.wait_for_function("() => typeof window.echarts !== 'undefined'")
    assert page.locator("canvas, svg").count() > 0
    assert blocked == []


def _token(server, username: str = "alice") -> dict[str, str]:
    """A user's token from the in-process server; the served process shares its secret key."""
    with server.client(username) as signed_in:
        return {"access_token": signed_in.headers["Authorization"].removeprefix("Bearer ")}


def _serve(db_url: str, data_dir: Path, env_extra: dict[str, str]) -> tuple[Spawned, str]:
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("YIMA_")}, "YIMA_DATA_DIR": str(data_dir),
           "YIMA_SECRET_KEY": TEST_SECRET,
           "YIMA_DATABASE_URL": db_url, **env_extra}
    process = spawn_yima(["serve", "--db", db_url, "--port", str(port), "--jobs-every", "0"], env=env,
                         log=data_dir.parent / "serve.log")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a loaded machine (parallel workers) starts it slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError(f"yima serve did not start: {_output(process, data_dir)}")


def _output(process: Spawned, data_dir: Path) -> str:
    """What the server wrote (stdout and stderr), once it has exited."""
    process.wait(timeout=20)
    return (data_dir.parent / "serve.log").read_text("utf-8")


def test_a_missing_font_answers_503_naming_it_and_how_to_install_it(server, db, tmp_path):
    with server.client("alice") as alice:
        uscc = alice.post("/api/v1/applications", json=application_body()).json()["uscc"]
        second = application_body(name="重庆缺字体科技有限公司")
        unsealed = alice.post("/api/v1/applications", json=second).json()["uscc"]
    process, url = _serve(db.url, tmp_path / "data", {"YIMA_CJK_FONT": str(tmp_path / "no-such-font.ttf")})
    try:
        for _ in range(2):
            answer = httpx.get(f"{url}/api/v1/licences/{uscc}/licence.pdf", timeout=30)
            assert answer.status_code == 503, answer.text
            problem = answer.json()
            assert problem["error"] == "installation.cjk_font" and problem["field"] == "cjk_font"
            assert "no-such-font.ttf" in problem["message"] and "YIMA_CJK_FONT" in problem["message"]
            assert "pip install" in problem["message"] and "中文字体" in problem["message"]
        token = _token(server)
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        # The seal set is issued without the font (a seal stores the look its picture is drawn from);
        # drawing the picture needs the font, and says so.
        seals = httpx.get(f"{url}/api/v1/enterprises/{unsealed}/seals", headers=headers, timeout=30)
        assert seals.status_code == 200 and len(seals.json()) == 5, seals.text
        picture = httpx.get(f"{url}/api/v1/seals/{seals.json()[0]['id']}/image.png", headers=headers, timeout=30)
        assert picture.status_code == 503 and picture.json()["error"] == "installation.cjk_font"
        page = httpx.get(f"{url}/licences/{uscc}", headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200  # what needs no font still works
    finally:
        process.terminate()
        output = _output(process, tmp_path / "data")
    assert output.count("installation part missing: cjk_font") == 1, output  # logged once, not per request
    assert "Traceback" not in output
    with server.client("alice") as alice:  # nothing half-written: with the font, the set is issued whole
        issued = alice.get(f"/api/v1/enterprises/{unsealed}/seals").json()
    assert len(issued) == 5 and {s["status"] for s in issued} == {"active"}


def test_a_missing_font_on_a_page_is_a_503_page(server, db, tmp_path):
    with server.client("alice") as alice:
        uscc = alice.post("/api/v1/applications", json=application_body()).json()["uscc"]
    process, url = _serve(db.url, tmp_path / "data", {"YIMA_CJK_FONT": str(tmp_path / "no-such-font.ttf")})
    try:
        token = _token(server)
        with httpx.Client(base_url=url, timeout=30, cookies={COOKIE: token["access_token"]}) as browser_like:
            assert browser_like.get(f"/enterprises/{uscc}/seals", headers={"Accept": "text/html"}).status_code == 200
        officer = _token(server, "officer-cq")
        with httpx.Client(base_url=url, timeout=30, cookies={COOKIE: officer["access_token"]}) as browser_like:
            # the dashboard's printable report is a page that needs the font
            answer = browser_like.get("/dashboard/report.pdf", params={"zone": "cq-gxq"},
                                      headers={"Accept": "text/html"})
        assert answer.status_code == 503 and answer.headers["content-type"].startswith("text/html")
        assert "中文字体" in answer.text and "YIMA_CJK_FONT" in answer.text and "installation.cjk_font" in answer.text
    finally:
        process.terminate()
        output = _output(process, tmp_path / "data")
    assert output.count("installation part missing: cjk_font") == 1, output  # logged once, not per request
    assert "Traceback" not in output

"""One standard: with ``YIMA_STANDARD_FILE`` set, every command that prints or uses the standard's
digest agrees with the trust list served over HTTP — and ``yima demo --port P`` issues licence QR
codes that name port P, so ``yima verify --online`` reaches the server that issued them."""

from __future__ import annotations

import json
import os
import subprocess
import time
from importlib import resources
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from live import free_port
from yima.config import Settings, get_settings, serve_at, use_settings
from yima.standard import load_standard
from yima_process import run_yima, spawn_yima

pytestmark = [pytest.mark.e2e]


def _zone_standard(tmp_path: Path) -> Path:
    shipped = resources.files("yima.standard").joinpath("data", "standard.toml").read_text("utf-8")
    assert 'version = "2026.1"' in shipped
    path = tmp_path / "zone-standard.toml"
    path.write_text(shipped.replace('version = "2026.1"', 'version = "2026.1-zone"', 1), "utf-8")
    return path


def _run(env: dict[str, str], *args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    done = run_yima([*args], env=env, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_every_command_uses_the_configured_standard_and_the_demo_port(tmp_path: Path) -> None:
    standard_file = _zone_standard(tmp_path)
    digest = load_standard(str(standard_file)).digest
    assert digest != load_standard().digest
    db_url = f"sqlite:///{tmp_path / 'yima.db'}"
    keep = {k: v for k, v in os.environ.items() if not k.startswith("YIMA_")}
    env = {**keep, "YIMA_STANDARD_FILE": str(standard_file), "YIMA_DATA_DIR": str(tmp_path / "var"),
           "YIMA_DATABASE_URL": db_url, "COLUMNS": "200"}
    port = free_port()

    _run(env, "demo", "--no-serve", "--port", str(port), "--db", db_url, timeout=1200)
    printed = json.loads(_run(env, "keys", "trust-list", "cq-gxq", "--db", db_url).stdout)
    _run(env, "stats", "--zone", "cq-gxq", "--from", "2021-01-01", "--to", "2021-08-31", "--format", "json",
         "--db", db_url)
    engine = create_engine(db_url)
    with engine.connect() as connection:
        stored = set(connection.execute(text("SELECT DISTINCT standard_digest FROM applications "
                                             "WHERE submitted_at >= '2026-01-01'")).scalars())
        qr = connection.execute(text(
            "SELECT l.qr_text FROM licences l JOIN enterprises e ON e.uscc = l.uscc WHERE l.zone_id = 'cq-gxq' "
            "AND e.status = 'active' ORDER BY l.issued_at DESC, l.id DESC LIMIT 1")).scalar_one()
    engine.dispose()

    server = spawn_yima(["serve", "--db", db_url, "--port", str(port), "--jobs-every", "0"], env=env,
                        log=tmp_path / "serve.log")
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                served = httpx.get(f"{base}/.well-known/yima/trust-list.json", params={"zone": "cq-gxq"}, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert served.status_code == 200
        assert printed["standard_digest"] == served.json()["standard_digest"] == digest
        assert stored == {digest}
        assert f"127.0.0.1:{port}/".upper() in qr.upper()
        trust = tmp_path / "trust.json"
        trust.write_text(served.text, "utf-8")
        online = run_yima(["verify", qr, "--trust-list", str(trust), "--online"], env=env, timeout=120)
        assert online.returncode == 0, online.stdout + online.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_public_base_url_set_by_the_zone_wins_over_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    use_settings(Settings(public_base_url="https://yima.example.cn"))
    try:
        serve_at("127.0.0.1", 18000)
        assert get_settings().public_base_url == "https://yima.example.cn"
        monkeypatch.delenv("YIMA_PUBLIC_BASE_URL", raising=False)
        use_settings(Settings())
        serve_at("0.0.0.0", 18000)
        assert get_settings().public_base_url == "http://127.0.0.1:18000"
    finally:
        use_settings(None)
        os.environ.pop("YIMA_PUBLIC_BASE_URL", None)

"""``yima serve`` on any address other than loopback refuses to start while ``YIMA_SECRET_KEY``
or ``YIMA_KEY_ENCRYPTION_KEY`` has its development default, and names the setting."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from reliability.serve_process import free_port
from yima.config import Settings
from yima.web.server import UnsafeSettings, check_public_settings, is_loopback

STRONG = {"secret_key": "kq3V9xT2mZ8pL4rW7nB1cY6hJ0sD5fG2aQ9eU3iOw4Xz",
          "key_encryption_key": "Pz7Lw2Nq9Xc4Vb8Mk1Jh6Gf3Ds0Ae5Rt2Yu7Io4Pl9Kj"}


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "localhost", "::1", "[::1]"])
def test_loopback_addresses_may_keep_the_development_secrets(host):
    assert is_loopback(host)
    check_public_settings(host, Settings())


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "yima.example.org"])
def test_any_other_address_needs_both_secrets_set(host):
    with pytest.raises(UnsafeSettings) as refused:
        check_public_settings(host, Settings())
    assert refused.value.setting == "YIMA_SECRET_KEY"
    with pytest.raises(UnsafeSettings) as refused:
        check_public_settings(host, Settings(secret_key=STRONG["secret_key"]))
    assert refused.value.setting == "YIMA_KEY_ENCRYPTION_KEY"
    check_public_settings(host, Settings(**STRONG))


@pytest.mark.parametrize("weak", ["x", "a" * 48, "ab" * 30, "password-password-password-password",
                                  "0123456789-change-me-0123456789-0123456789"])
def test_a_weak_secret_is_refused_off_loopback_like_a_default(weak):
    """A one-character YIMA_SECRET_KEY passed the old check: only the default was refused."""
    with pytest.raises(UnsafeSettings) as refused:
        check_public_settings("0.0.0.0", Settings(**{**STRONG, "secret_key": weak}))
    assert refused.value.setting == "YIMA_SECRET_KEY"
    with pytest.raises(UnsafeSettings):
        check_public_settings("10.0.0.5", Settings(**{**STRONG, "key_encryption_key": weak}))
    check_public_settings("127.0.0.1", Settings(secret_key=weak))  # loopback: development as before


def _serve(tmp_path, **settings: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIMA_")}
    env.update({"YIMA_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "YIMA_DATA_DIR": str(tmp_path)})
    env.update({f"YIMA_{k.upper()}": v for k, v in settings.items()})
    return subprocess.Popen([sys.executable, "-m", "yima.cli", "serve", "--host", "0.0.0.0", "--port",
                             str(port := free_port()), "--jobs-every", "0"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True), port


@pytest.mark.parametrize(("settings", "named"), [({}, "YIMA_SECRET_KEY"),
                                                 ({"secret_key": STRONG["secret_key"]}, "YIMA_KEY_ENCRYPTION_KEY")])
def test_serve_on_a_public_address_with_a_development_secret_exits_naming_it(tmp_path, settings, named):
    process, _ = _serve(tmp_path, **settings)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert f"serve.{named}" in stderr and "development default" in " ".join(stderr.split())
    assert not (tmp_path / "serve.db").exists()  # refused before touching anything


def test_serve_on_a_public_address_starts_with_both_secrets_set(tmp_path):
    process, port = _serve(tmp_path, **STRONG)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[1]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("yima serve did not answer")
    finally:
        os.killpg(process.pid, 15)
        process.communicate(timeout=30)

"""``yima demo`` on a fresh machine: a clean clone of the repository, run where no system CJK font
is visible (a private mount namespace with an empty /usr/share/fonts), interrupted while it seeds
and run again. The second run finishes the seed, the figures of the zone's 2021 report come out,
and the served licence PDF embeds the font that ships in the package, as the seal images use it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from PIL import Image

from yima.seals.images import seal_png
from yima.seals.model import SealType

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("fresh_machine")]
REPO = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "yima-demo-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _without_fonts(command: list[str]) -> list[str]:
    """``command`` in a private mount namespace where /usr/share/fonts is an empty tmpfs."""
    if shutil.which("unshare") is None:
        pytest.fail("util-linux's unshare is needed to hide the system fonts")
    namespace = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--mount", "--map-root-user"]
    script = 'mount -t tmpfs none /usr/share/fonts && exec "$@"'
    return [*namespace, "sh", "-c", script, "sh", *command]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("fresh") / "yima"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(target)], check=True)
    return target


def _env(clone: Path, data: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("YIMA_", "PYTHON"))}
    return {**keep, "PYTHONPATH": str(clone / "src"), "YIMA_DATA_DIR": str(data), "COLUMNS": "160"}


#: The clone's command, with the suite's password hashing (Argon2id at its lowest cost, as in
#: ``conftest`` and the suite's other commands): the demo's users and sign-ins are not what this
#: test is about, and at the production cost they were a quarter of its CPU time.
COMMAND = ("from yima.accounts.service import configure_hasher; configure_hasher(time_cost=1, memory_kib=1024); "
           "from yima.cli import app; app()")


def _yima(*args: str) -> list[str]:
    return _without_fonts([sys.executable, "-c", COMMAND, *args])


def test_no_font_is_visible_and_the_clone_is_what_runs(clone: Path, tmp_path: Path) -> None:
    probe = _without_fonts([sys.executable, "-c", "import pathlib, yima, yima.fonts as f; "
                            "print(yima.__file__); print(sorted(pathlib.Path('/usr/share/fonts').iterdir())); "
                            "print(f.cjk_font_path())"])
    lines = subprocess.run(probe, env=_env(clone, tmp_path), capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert lines[0].startswith(str(clone / "src"))
    assert lines[1] == "[]"
    assert lines[2] == str(clone / "src" / "yima" / "assets" / "fonts" / "NotoSansSC-Yima.ttf")


def test_demo_in_a_clean_clone_without_system_fonts_resumes_and_serves_true_pdfs(
        clone: Path, tmp_path: Path, poppler: None) -> None:
    data = tmp_path / "var"
    db_url = f"sqlite:///{tmp_path / 'yima.db'}"
    env = {**_env(clone, data), "YIMA_DATABASE_URL": db_url}
    first = subprocess.Popen(_yima("demo", "--no-serve", "--db", db_url), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen: list[str] = []
    assert first.stdout is not None
    for line in first.stdout:
        seen.append(line)
        if "statistics: loading" in line:
            time.sleep(3)  # well inside the register's load
            break
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    assert any("statistics: loading" in line for line in seen), "".join(seen)

    second = subprocess.run(_yima("demo", "--no-serve", "--db", db_url), env=env, capture_output=True, text=True,
                            timeout=1200)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "an earlier seed was interrupted): finishing it" in second.stdout
    assert "demo data complete" in second.stdout and "FontMissing" not in second.stdout + second.stderr
    third = subprocess.run(_yima("demo", "--no-serve", "--db", db_url), env=env, capture_output=True, text=True,
                           timeout=300)
    assert third.returncode == 0 and "demo data already present" in third.stdout

    stats = subprocess.run(_yima("stats", "--db", db_url, "--zone", "cq-gxq", "--from", "2021-01-01",
                                 "--to", "2021-08-31", "--format", "json"), env=env, capture_output=True,
                           text=True, check=True)
    figures = json.loads(stats.stdout)
    assert figures["new_domestic_enterprises"]["count"] == 3437
    assert figures["market_entities"]["active"] == 60725

    port = free_port()
    server = subprocess.Popen(_yima("serve", "--db", db_url, "--port", str(port), "--jobs-every", "0"), env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "yima serve did not start"
            time.sleep(0.5)
        token = httpx.post(f"{base}/api/v1/auth/token",
                           data={"username": "alice", "password": DEMO_PASSWORD}).json()["access_token"]
        with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}) as alice:
            mine = [a for a in alice.get("/api/v1/applications").json() if a["status"] == "approved" and a["uscc"]]
            assert mine
            uscc = mine[0]["uscc"]
            pdf = alice.get(f"/api/v1/licences/{uscc}/licence.pdf")
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            seals = alice.get(f"/api/v1/enterprises/{uscc}/seals").json()
            png = alice.get(f"/api/v1/seals/{seals[0]['id']}/image.png")
            assert png.status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    path = tmp_path / "licence.pdf"
    path.write_bytes(pdf.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "NotoSansSCYima" in line]
    assert cjk and all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in cjk), fonts  # emb sub uni
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "营业执照" in text and "营业期限" in text and mine[0]["name"] in text
    with Image.open(BytesIO(png.content)) as image:
        assert image.mode == "RGBA" and image.width == 600
        inked = sum(image.getchannel("A").histogram()[129:])
    assert inked > 0.05 * image.width * image.height  # rim, star and the name's characters in red ink
    # Drawn with the packaged font: the same picture as this process draws with it.
    assert png.content == seal_png(SealType(seals[0]["type"]), mine[0]["name"], uscc)

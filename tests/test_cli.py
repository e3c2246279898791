"""The v1 CLI verbs, run as a user would run them (a real process, a real SQLite file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from yima_process import run_yima


def run(*args: str, stdin: str | None = None, db: str) -> subprocess.CompletedProcess[str]:
    return run_yima([*args, "--db", db], input=stdin)


def test_init_zones_users_and_jobs(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("init", db=db).returncode == 0
    added = run("zones", "add", "cq-gxq", "--name", "重庆高新区", "--division", "500107", "--residents", "575047",
                db=db)
    assert added.returncode == 0, added.stderr
    again = run("zones", "add", "cq-gxq", "--name", "重庆高新区", "--division", "500107", "--residents", "1", db=db)
    assert again.returncode == 1 and "zone.exists" in again.stderr
    bad = run("zones", "add", "xx-1", "--name", "X", "--division", "990000", "--residents", "1", db=db)
    assert bad.returncode == 1 and "[division]" in bad.stderr and "GB/T 2260" in bad.stderr
    officer = run("users", "add", "li", "--role", "officer", "--zone", "cq-gxq", "--password-stdin",
                  stdin="a-long-password\n", db=db)
    assert officer.returncode == 0, officer.stderr
    unbound = run("users", "add", "wang", "--role", "officer", "--password-stdin", stdin="a-long-password\n", db=db)
    assert unbound.returncode == 1 and "zone" in unbound.stderr
    assert run("zones", "ban-address", "cq-gxq", "科城路99号", "--reason", "拆迁", db=db).returncode == 0
    jobs = run("jobs", "run", db=db)
    assert jobs.returncode == 0 and "lapsed 0 application" in jobs.stdout
    trust = run("keys", "trust-list", "cq-gxq", db=db)
    assert trust.returncode == 0 and json.loads(trust.stdout)["zone"] == "cq-gxq"


def test_the_default_database_is_created_with_its_directory(tmp_path):
    """A fresh checkout has no var/: ``yima init`` (and ``make demo``) must create it, not fail."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YIMA_")}
    result = run_yima(["init"], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "yima.db").is_file()
    nested = run("init", db=f"sqlite:///{tmp_path / 'deep' / 'er' / 'x.db'}")
    assert nested.returncode == 0 and (tmp_path / "deep" / "er" / "x.db").is_file()


def test_no_command_prints_pyhankos_dsa_notice() -> None:
    """pyHanko's import makes cryptography print a deprecation notice about DSA (which Yima never
    uses) on stderr; importing it through Yima silences that one message, and only that one."""
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src, "PYTHONWARNINGS": "default"}
    bare = subprocess.run([sys.executable, "-c", "import pyhanko.sign"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert bare.returncode == 0 and "DSA is deprecated" in bare.stderr  # the notice is real without Yima
    shown = ("import warnings, yima, pyhanko.sign\n"
             "warnings.warn('another notice', DeprecationWarning)\n")
    through = subprocess.run([sys.executable, "-c", shown], env=env, capture_output=True, text=True, timeout=120)
    assert through.returncode == 0, through.stderr
    assert "DSA is deprecated" not in through.stderr and "another notice" in through.stderr

"""``yima observers add|list|department|bind|calendar`` on a SQLite file: the verbs in-process, the calendar
and `serve` as real processes."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta

from yima.accounts.service import authenticate
from yima.db import Database
from yima_process import run_yima


def run(*args: str, db: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_yima([*args, "--db", db], input=stdin, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})  # Rich wraps at the terminal's width


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_here(*args: str, db: str, stdin: str | None = None) -> Ran:
    """The same verbs in-process (Typer's runner: exit code, stdout and stderr as a shell sees them)."""
    from typer.testing import CliRunner

    from yima.cli import app

    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, [*args, "--db", db], input=stdin)
    return Ran(result.exit_code, result.stdout, result.stderr)


def test_appointing_and_listing_observers_from_the_command_line(tmp_path):
    """What the verbs do, in-process; that they run as a process is the calendar test's (below)."""
    run = run_here
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("zones", "add", "gz-kfq", "--name", "广州开发区", "--division", "440112", "--residents", "1270000",
               db=db).returncode == 0
    xie = run("observers", "add", "谢泽帆", "--zone", "gz-kfq", "--sector", "enterprise", "--term-from", "2025-01-01",
              "--term-to", "2026-12-31", "--organisation", "华南新材料创新园", db=db)
    assert xie.returncode == 0, xie.stderr
    assert "observer-gz-kfq-001" in xie.stdout
    made = run("users", "add", "lawyer-li", "--role", "observer", "--zone", "gz-kfq", "--password-stdin",
               stdin="a-long-password\n", db=db)
    assert made.returncode == 0, made.stderr
    li = run("observers", "add", "李律师", "--zone", "gz-kfq", "--sector", "lawyer", "--term-from", "2023-01-01",
             "--term-to", "2024-12-31", "--user", "lawyer-li", db=db)
    assert li.returncode == 0 and "lawyer-li" in li.stdout, li.stderr
    bad = run("observers", "add", "王", "--zone", "gz-kfq", "--sector", "banker", "--term-from", "2025-01-01",
              "--term-to", "2026-12-31", db=db)
    refusal = " ".join(bad.stderr.split())  # the console wraps long lines
    assert bad.returncode == 1 and "sector.value" in refusal and "Unknown sector" in refusal

    serving = run("observers", "list", "--zone", "gz-kfq", "--on", "2025-06-01", db=db)
    assert serving.returncode == 0 and "谢泽帆" in serving.stdout and "李律师" not in serving.stdout
    assert "1 observer(s) serving on 2025-06-01" in serving.stdout
    earlier = run("observers", "list", "--zone", "gz-kfq", "--on", "2024-06-01", db=db)
    assert "李律师" in earlier.stdout and "谢泽帆" not in earlier.stdout
    assert run("observers", "list", "--zone", "nowhere", db=db).returncode == 1

    # The account made for the observer signs in once a password is set.
    assert run("users", "password", "observer-gz-kfq-001", "--password-stdin", stdin="observer-pass-1\n",
               db=db).returncode == 0
    database = Database(db)
    try:
        assert authenticate(database, "observer-gz-kfq-001", "observer-pass-1").role == "observer"
    finally:
        database.dispose()

    department = run("observers", "department", "区税务局", "--zone", "gz-kfq", db=db)
    assert department.returncode == 0 and "department 1" in department.stdout
    run("users", "add", "tax", "--role", "department", "--zone", "gz-kfq", "--password-stdin",
        stdin="a-long-password\n", db=db)
    assert run("observers", "bind", "tax", "--department", "1", db=db).returncode == 0
    wrong = run("observers", "bind", "lawyer-li", "--department", "1", db=db)
    assert wrong.returncode == 1 and "department.member_role" in wrong.stderr


def test_the_calendar_command_shows_a_supplement_and_refuses_a_bad_one(tmp_path):
    from yima.observers.calendar import package_years

    year = package_years()[1] + 1
    good = tmp_path / "calendar.toml"
    good.write_text(f'[years.{year}]\nnotice = "{year}年部分节假日安排的通知"\nholidays = ["{year}-01-01"]\n',
                    encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "YIMA_CALENDAR_FILE"} | {"COLUMNS": "200"}
    shown = run_yima(["observers", "calendar", str(good)], timeout=120, env=env)
    assert shown.returncode == 0, shown.stderr
    assert f"+ calendar.toml ({year}): " in shown.stdout and f"–{year}" in shown.stdout
    assert f"{year}: {year}年部分节假日安排的通知 — 1 holiday(s), 0 exchanged working day(s)" in shown.stdout
    bad = tmp_path / "bad.toml"
    monday = date(year, 1, 1) + timedelta(days=(7 - date(year, 1, 1).weekday()) % 7)
    bad.write_text(f'[years.{year}]\nnotice = "n"\nworkdays = ["{monday}"]\n', encoding="utf-8")
    refused = run_yima(["observers", "calendar", str(bad)], timeout=120, env=env)
    assert refused.returncode == 1 and "calendar.weekend" in refused.stderr and str(monday) in refused.stderr
    # A server does not start on a supplement it cannot read, and says which setting names it.
    serve = run_yima(["serve", "--db", f"sqlite:///{tmp_path / 's.db'}", "--port", "1"],
                           timeout=120,
                           env={**env, "YIMA_CALENDAR_FILE": str(tmp_path / "absent.toml")})
    assert serve.returncode == 1 and "calendar.missing" in serve.stderr and "YIMA_CALENDAR_FILE" in serve.stderr

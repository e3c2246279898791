"""Schemathesis against ``/openapi.json`` of a live server, as every role: anonymous, applicant,
officer, observer, reform office, department, investment office and service specialist.

Every documented operation gets a bounded number of generated requests (examples, the coverage
phase's edge cases, fuzzing) and the stateful phase chains them; the seed is fixed, so a run is
repeatable. The checks: no 5xx, and every response matches its documented status, content type
and schema. The response models allow fields they do not name (so a field is never dropped on
its way out); here the schema is tightened to the named fields, so a field the models forget
fails this test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from security.fixtures import world_fixture  # noqa: F401  (the ``world`` fixture)
from security.world import World

pytestmark = [pytest.mark.db, pytest.mark.e2e]
SEED = 2026
# Five examples per operation and phase in the suite (about 13,000 cases over the eight roles);
# YIMA_SCHEMATHESIS_EXAMPLES=50 runs a deeper pass before a release.
MAX_EXAMPLES = int(os.environ.get("YIMA_SCHEMATHESIS_EXAMPLES", "5"))
ROLES = ("anonymous", "applicant", "officer", "observer", "reform_office", "department", "investment_office",
         "service_specialist")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Signing out would end the run's own session half-way; the route matrix covers it.
EXCLUDED = ("/api/v1/auth/sign-out",)
SLOW = ("/api/v1/licences/{uscc}/licence.pdf", "/api/v1/seals/{seal_id}/sign")


def tightened(schema: Any) -> Any:
    """The schema with every object that names its properties closed to others."""
    if isinstance(schema, dict):
        out = {k: tightened(v) for k, v in schema.items()}
        if "properties" in out and out.get("additionalProperties", True) is True:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [tightened(v) for v in schema]
    return schema


def config(world: World) -> str:
    """Schemathesis' configuration: most generated ids name the world's real objects, so the
    answers checked against their schemas are real records, not only 404s."""
    values = {"uscc": [world.uscc], "seal_id": [world.seal_id], "app_id": [world.app_id],
              "permit_id": [world.permit_id], "zone": ["cq-gxq", "cd-gxq"], "qr": [f"{world.url}/V/{world.segment}"]}
    lines = []
    for name, entries in values.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(entries)}", ""]
    lines.append("[parameters]")
    for key, name in (("path.uscc", "uscc"), ("path.seal_id", "seal_id"), ("path.app_id", "app_id"),
                      ("path.permit_id", "permit_id"), ("path.zone_id", "zone"), ("query.zone", "zone"),
                      ("body.qr", "qr")):
        lines.append(f'"{key}" = {{ dictionary = "{name}", probability = 0.8 }}')
    lines += ["", "[phases.coverage]", "unexpected-methods = []", ""]
    for path in SLOW:  # each answer is a signed PDF: a few examples suffice
        lines += ["[[operations]]", f'include-path = "{path}"', "generation.max-examples = 2", ""]
    return "\n".join(lines) + "\n"


def unicode_tables(home: Path) -> Path:
    """Hypothesis's tables of which characters a codec encodes, made once for every run.

    A schemathesis process in a fresh working directory finds no ``.hypothesis/unicode_data`` and
    encodes and decodes each of the 1,114,112 code points to make the UTF-8 table again: about
    1.5 CPU seconds of every role's run (16 runs a suite). The tables depend on the Unicode
    version alone, so the runs read the same ones (linked into each working directory) and
    generate the same cases."""
    tables = home / ".hypothesis" / "unicode_data"
    if not tables.exists():
        home.mkdir(parents=True, exist_ok=True)
        warm = ("from hypothesis.internal.charmap import charmap, intervals_from_codec; "
                "charmap(); intervals_from_codec('utf-8')")
        subprocess.run([sys.executable, "-c", warm], cwd=home, check=True, env={"PATH": os.environ.get("PATH", "")})
    return tables


# A small environment: requests reads the proxy settings from every variable on every request
# (about 75 µs a request with the suite's environment, some 5 CPU seconds over both runs).
SMALL_ENV = ("PATH", "HOME", "LANG", "LC_ALL")


def schemathesis_job(world: World, role: str, workdir: Path, tables: Path, schema: str) -> dict[str, Any]:
    """One role's ``schemathesis run``: its arguments, its own working directory (its caches too),
    environment and log, for ``schemathesis_fork.py``."""
    workdir.mkdir()
    (workdir / ".hypothesis").mkdir()
    (workdir / ".hypothesis" / "unicode_data").symlink_to(tables, target_is_directory=True)
    (workdir / "schemathesis.toml").write_text(config(world))
    schema_file = workdir / "openapi.json"
    schema_file.write_text(schema)
    arguments = ["--config-file", str(workdir / "schemathesis.toml"),
                 "run", str(schema_file), "--url", world.url,
                 "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
                 "--phases", "examples,coverage,fuzzing,stateful", "--workers", "1", "--no-shrink",
                 "--request-timeout", "60", "--report", "json", "--report-json-path", str(workdir / "report.json"),
                 # No example database: with one (``.hypothesis/`` in the working directory) a run first
                 # replays what earlier runs saved (other roles', the other database's, yesterday's), so
                 # the cases depended on the runs before; without it its random seed alone decides them.
                 "--generation-database", "none"]
    for path in EXCLUDED:
        arguments += ["--exclude-path", path]
    token = world.tokens.get(role)
    if token:
        arguments += ["--header", f"Authorization: Bearer {token}"]
    env = {name: os.environ[name] for name in SMALL_ENV if name in os.environ}
    return {"argv": arguments, "cwd": str(workdir), "env": {**env, "NO_COLOR": "1"}, "log": str(workdir / "output.txt")}


def test_generated_requests_get_no_5xx_and_match_the_schema(server, world: World, tmp_path, tmp_path_factory):
    """The roles' runs go side by side against one server, forked from one process that imported
    schemathesis once (``schemathesis_fork.py``: about 0.8 CPU seconds a run less, the same cases)."""
    tables = unicode_tables(tmp_path_factory.getbasetemp() / "hypothesis-home")
    schema = json.dumps(tightened(httpx.get(f"{world.url}/openapi.json").json()))  # the same for every role
    jobs, results = tmp_path / "jobs.json", tmp_path / "exits.json"
    jobs.write_text(json.dumps([schemathesis_job(world, role, tmp_path / role, tables, schema) for role in ROLES]))
    launcher = subprocess.run([sys.executable, str(Path(__file__).with_name("schemathesis_fork.py")), str(jobs),
                               str(results)], cwd=tmp_path, timeout=1200, capture_output=True, text=True,
                              env={name: os.environ[name] for name in SMALL_ENV if name in os.environ})
    assert launcher.returncode == 0, launcher.stdout + launcher.stderr
    failures, cases = [], {}
    for role, code in zip(ROLES, json.loads(results.read_text()), strict=True):
        output = (tmp_path / role / "output.txt").read_text()
        if code != 0:
            failures.append(f"--- as {role} (exit {code}):\n{output[-5000:]}")
            continue
        summary = json.loads((tmp_path / role / "report.json").read_text())
        assert summary["operations"]["tested"] >= 35 and summary["phases"]["stateful"]["status"] == "success"
        cases[role] = summary["test_cases"]["generated"]
    assert not failures, "\n".join(failures)
    print(f"schemathesis cases: {cases}, {sum(cases.values())} in all")

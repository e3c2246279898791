"""Schemathesis against ``/openapi.json`` of a live server, as every role: anonymous, applicant,
officer, observer, reform office, department, investment office and service specialist.

Every documented operation gets a bounded number of generated requests (examples, the coverage
phase's edge cases, fuzzing) and the stateful phase chains them; the seed is fixed, so a run is
repeatable. The checks: no 5xx, and every response matches its documented status, content type
and schema. The response models allow fields they do not name (so a field is never dropped on
its way out); here the schema is tightened to the named fields, so a field the models forget
fails this test.

The cases are drawn once, by the officer's run, and each is sent as every role
(``schemathesis_replay.py``): only the ``Authorization`` header differs between the roles' requests,
so drawing them once per role was most of the test's CPU. Every role's answers go through the
four checks, and a failure names the role and the database. The stateful phase chains ids from
its own answers, so each role runs its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from security.fixtures import world_fixture  # noqa: F401  (the ``world`` fixture)
from security.world import World

pytestmark = [pytest.mark.db, pytest.mark.e2e]
SEED = 2026
# Five examples per operation and phase in the suite (about 4,200 cases, each sent as the eight roles);
# YIMA_SCHEMATHESIS_EXAMPLES=50 runs a deeper pass before a release.
MAX_EXAMPLES = int(os.environ.get("YIMA_SCHEMATHESIS_EXAMPLES", "5"))
ROLES = ("anonymous", "applicant", "officer", "observer", "reform_office", "department", "investment_office",
         "service_specialist")
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
HOOKS = Path(__file__).with_name("schemathesis_replay.py")
LAUNCHER = Path(__file__).with_name("schemathesis_fork.py")
# The role whose run draws the cases (and whose answers its fuzzing draws values from): the zone's
# officer, who reads most of the world's objects. Every case is then sent as every other role too.
DRAWN_AS = "officer"
# The drawing is split over this many runs side by side (by operation), each sending its cases as
# every role: one client sending eight requests per case in turn would leave the server idle between them.
SHARDS = 4


def schema_nodes(node: Any, document: dict[str, Any], seen: frozenset[str] = frozenset()) -> int:
    """How many objects ``node`` holds, each ``$ref`` followed (once on a path, so a recursive one ends)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
            target: Any = document
            for part in ref[2:].split("/"):
                target = target[part]
            return schema_nodes(target, document, seen | {ref})
        return 1 + sum(schema_nodes(value, document, seen) for value in node.values())
    if isinstance(node, list):
        return sum(schema_nodes(value, document, seen) for value in node)
    return 0


def expected_cases(operation: dict[str, Any], document: dict[str, Any]) -> int:
    """A weight for the cases an operation draws: the objects its parameters and body hold (the
    coverage phase draws edge cases per property, type and constraint). Against the cases each
    operation drew (2026-12-06) it correlates at 0.96: about 4.3 cases an object."""
    return schema_nodes([operation.get("parameters", []), operation.get("requestBody", {})], document)


def dealt_out(operations: dict[str, int], shards: int) -> list[list[str]]:
    """The operations (by id, with their weights) dealt out to ``shards`` runs of about the same total
    weight: the heaviest first, each to the lightest run so far (in the document's order on ties)."""
    runs: list[list[str]] = [[] for _ in range(shards)]
    totals = [0] * shards
    for operation in sorted(operations, key=lambda name: -operations[name]):  # stable: the document's order
        lightest = totals.index(min(totals))
        runs[lightest].append(operation)
        totals[lightest] += operations[operation]
    return runs


@dataclass
class Target:
    """Where one ``schemathesis run`` sends its cases: its role's token, the server, the database's name."""

    url: str
    tokens: dict[str, str]
    database: str
    settings: str  # schemathesis.toml
    schema: str  # the OpenAPI document, tightened


def schemathesis_job(target: Target, role: str, replay: list[str], phases: str, operations: list[str] | None,
                     workdir: Path, tables: Path) -> dict[str, Any]:
    """One ``schemathesis run`` as ``role`` (of the operations named, or all): its arguments, its own
    working directory (its caches too), environment and log, for ``schemathesis_fork.py``; its check
    (``schemathesis_replay.py``) sends each case again as every role of ``replay`` and checks those
    answers too."""
    workdir.mkdir()
    (workdir / ".hypothesis").mkdir()
    (workdir / ".hypothesis" / "unicode_data").symlink_to(tables, target_is_directory=True)
    (workdir / "schemathesis.toml").write_text(target.settings)
    schema_file = workdir / "openapi.json"
    schema_file.write_text(target.schema)
    (workdir / "targets.json").write_text(json.dumps({
        "role": role, "database": target.database, "counts": str(workdir / "counts.json"),
        "replay": [[other, target.tokens.get(other)] for other in replay]}))
    arguments = ["--config-file", str(workdir / "schemathesis.toml"),
                 "run", str(schema_file), "--url", target.url,
                 "--checks", "EveryRole", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
                 "--phases", phases, "--workers", "1", "--no-shrink",
                 "--request-timeout", "60", "--report", "json", "--report-json-path", str(workdir / "report.json"),
                 # No example database: with one (``.hypothesis/`` in the working directory) a run first
                 # replays what earlier runs saved (other roles', the other database's, yesterday's), so
                 # the cases depended on the runs before; without it its random seed alone decides them.
                 "--generation-database", "none"]
    for path in EXCLUDED:
        arguments += ["--exclude-path", path]
    for operation in operations or ():
        arguments += ["--include-operation-id", operation]
    token = target.tokens.get(role)
    if token:
        arguments += ["--header", f"Authorization: Bearer {token}"]
    env = {name: os.environ[name] for name in SMALL_ENV if name in os.environ}
    env |= {"NO_COLOR": "1", "SCHEMATHESIS_HOOKS": str(HOOKS),
            "YIMA_SCHEMATHESIS_TARGETS": str(workdir / "targets.json")}
    return {"argv": arguments, "cwd": str(workdir), "env": env, "log": str(workdir / "output.txt")}


@dataclass
class Outcome:
    failures: list[str]
    cases: dict[str, int]  # answers checked per role
    reports: dict[str, dict[str, Any]]  # each run's JSON report, by its directory's name


def run_as_every_role(target: Target, roles: tuple[str, ...], workdir: Path, tables: Path) -> Outcome:
    """The cases drawn once, as ``roles[0]``, and each sent as every role (the four checks on every
    answer); the stateful phase run as each role by itself, its links carrying ids from the answers
    that role received. The operations are dealt out to ``SHARDS`` runs by their expected cases
    (``dealt_out``; each operation's cases come from the random seed and its name, whichever run draws
    them), so that the server is not left waiting for a single client; the runs go side by side, forked
    from one process that imported schemathesis once (``schemathesis_fork.py``)."""
    drawn_as, others = roles[0], list(roles[1:])
    document = json.loads(target.schema)
    operations = {operation["operationId"]: expected_cases(operation, document)
                  for path, item in document["paths"].items() if path not in EXCLUDED
                  for operation in item.values() if isinstance(operation, dict) and "operationId" in operation}
    shards = dealt_out(operations, min(SHARDS, len(operations)))
    runs = {f"drawn-as-{drawn_as}-{n + 1}-of-{len(shards)}": (drawn_as, others, "examples,coverage,fuzzing", selected)
            for n, selected in enumerate(shards)}
    runs |= {f"stateful-as-{role}": (role, [], "stateful", None) for role in roles}
    jobs, results = workdir / "jobs.json", workdir / "exits.json"
    jobs.write_text(json.dumps([schemathesis_job(target, role, replay, phases, selected, workdir / name, tables)
                                for name, (role, replay, phases, selected) in runs.items()]))
    launcher = subprocess.run([sys.executable, str(LAUNCHER), str(jobs), str(results)], cwd=workdir, timeout=1800,
                              capture_output=True, text=True,
                              env={name: os.environ[name] for name in SMALL_ENV if name in os.environ})
    assert launcher.returncode == 0, launcher.stdout + launcher.stderr
    outcome = Outcome([], dict.fromkeys(roles, 0), {})
    for (name, (role, replay, _, _)), code in zip(runs.items(), json.loads(results.read_text()), strict=True):
        output = (workdir / name / "output.txt").read_text()
        if code != 0:
            sent_as = f"sent as {', '.join([role, *replay])}" if replay else "its stateful phase"
            outcome.failures.append(f"--- {name} ({sent_as}) on {target.database}, exit {code}:\n{output[-6000:]}")
            continue
        outcome.reports[name] = json.loads((workdir / name / "report.json").read_text())
        for checked_as, count in json.loads((workdir / name / "counts.json").read_text()).items():
            outcome.cases[checked_as] += count
    return outcome


def test_generated_requests_get_no_5xx_and_match_the_schema(server, world: World, tmp_path, tmp_path_factory):
    """The cases are drawn once, as the officer, and each is sent as every role; every answer goes
    through the four checks (``schemathesis_replay.py``). Each role also runs its own stateful phase."""
    tables = unicode_tables(tmp_path_factory.getbasetemp() / "hypothesis-home")
    schema = json.dumps(tightened(httpx.get(f"{world.url}/openapi.json").json()))  # the same for every role
    database = "sqlite" if server.app.state.settings.database_url.startswith("sqlite") else "postgresql"
    target = Target(world.url, world.tokens, database, config(world), schema)
    roles = (DRAWN_AS, *(role for role in ROLES if role != DRAWN_AS))
    outcome = run_as_every_role(target, roles, tmp_path, tables)
    assert not outcome.failures, "\n".join(outcome.failures)
    drawn = [report for name, report in outcome.reports.items() if name.startswith("drawn-as-")]
    assert sum(report["operations"]["tested"] for report in drawn) >= 35
    stateful = [report for name, report in outcome.reports.items() if name.startswith("stateful-as-")]
    assert len(stateful) == len(ROLES) and all(report["phases"]["stateful"]["status"] == "success"
                                                for report in stateful)
    cases = sum(report["test_cases"]["generated"] for report in drawn)
    assert min(outcome.cases.values()) >= cases  # every case drawn was sent, and checked, as every role
    print(f"schemathesis: {cases} cases drawn as {DRAWN_AS} and sent as every role, "
          f"{sum(report['test_cases']['generated'] for report in stateful)} in the roles' stateful phases; "
          f"answers checked per role {outcome.cases}, {sum(outcome.cases.values())} in all")

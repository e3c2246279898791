"""Schemathesis against ``/openapi.json`` of two live servers, SQLite's and PostgreSQL's, as every role:
anonymous, applicant, officer, observer, reform office, department, investment office and service
specialist.

Every documented operation gets a bounded number of generated requests (examples, the coverage
phase's edge cases, fuzzing) and the stateful phase chains them; the seed is fixed, so a run is
repeatable. The checks: no 5xx, and every response matches its documented status, content type
and schema. The response models allow fields they do not name (so a field is never dropped on
its way out); here the schema is tightened to the named fields, so a field the models forget
fails this test.

The cases are drawn once, by the officer's runs against the SQLite world, and each is sent as every
role to that world's server and to the PostgreSQL world's (``schemathesis_replay.py``): only the
``Authorization`` header, the server and the ids each world generated differ between the requests,
so drawing them once per role and database was most of the test's CPU. The PostgreSQL world is built
and served by a process of its own (``world_server.py``: the app's per-process caches are keyed
without the database); the ids that differ between the two worlds (the server's address, the seal
id, the licence's QR segment, the credit code) are written as the other world's in the requests sent
there, and the integer ids (application, permit) are the same in both, which the test asserts. Every
answer goes through the four checks, and a failure names the role and the database. The stateful
phase chains ids from its own answers, so each role runs its own on each database.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from security.fixtures import world_fixture  # noqa: F401  (the ``world`` fixture)
from security.world import World
from yima.db import Database
from yima.db.migrate import upgrade

pytestmark = [pytest.mark.db, pytest.mark.e2e]
SEED = 2026
# Five examples per operation and phase in the suite (about 4,200 cases, each sent as the eight roles to
# both servers);
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


def config(world: WorldValues) -> str:
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
TESTS = Path(__file__).resolve().parent.parent
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
class WorldValues:
    """What the cases aim at in one world: its address, its tokens by role, the ids it generated."""

    url: str
    tokens: dict[str, str]
    uscc: str
    segment: str
    seal_id: str
    app_id: int
    permit_id: int

    @classmethod
    def of(cls, world: World | dict[str, Any]) -> WorldValues:
        if isinstance(world, dict):
            return cls(**world)
        return cls(world.url, dict(world.tokens), world.uscc, world.segment, world.seal_id, world.app_id,
                   world.permit_id)

    def written_as(self, other: WorldValues) -> list[list[str]]:
        """The strings of this world to write as ``other``'s in a request drawn against this one (its address
        first: the QR codes' addresses hold it). The integer ids are the same in both worlds (each built
        alike on an empty database whose sequences start afresh); the test asserts it."""
        return [[self.url, other.url], [self.seal_id, other.seal_id], [self.segment, other.segment],
                [self.uscc, other.uscc]]


@dataclass
class Target:
    """One server the cases go to: its database's name, its world, its ``schemathesis.toml``."""

    database: str
    world: WorldValues
    settings: str  # schemathesis.toml


def schemathesis_job(target: Target, role: str, replay: list[dict[str, Any]], phases: str,
                     operations: list[str] | None, schema: str, workdir: Path, tables: Path) -> dict[str, Any]:
    """One ``schemathesis run`` as ``role`` against ``target`` (of the operations named, or all): its
    arguments, its own working directory (its caches too), environment and log, for
    ``schemathesis_fork.py``; its check (``schemathesis_replay.py``) sends each case again to every
    server and role of ``replay`` and checks those answers too."""
    workdir.mkdir()
    (workdir / ".hypothesis").mkdir()
    (workdir / ".hypothesis" / "unicode_data").symlink_to(tables, target_is_directory=True)
    (workdir / "schemathesis.toml").write_text(target.settings)
    schema_file = workdir / "openapi.json"
    schema_file.write_text(schema)
    (workdir / "targets.json").write_text(json.dumps({
        "role": role, "database": target.database, "counts": str(workdir / "counts.json"), "replay": replay}))
    arguments = ["--config-file", str(workdir / "schemathesis.toml"),
                 "run", str(schema_file), "--url", target.world.url,
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
    token = target.world.tokens.get(role)
    if token:
        arguments += ["--header", f"Authorization: Bearer {token}"]
    env = {name: os.environ[name] for name in SMALL_ENV if name in os.environ}
    env |= {"NO_COLOR": "1", "SCHEMATHESIS_HOOKS": str(HOOKS),
            "YIMA_SCHEMATHESIS_TARGETS": str(workdir / "targets.json")}
    return {"argv": arguments, "cwd": str(workdir), "env": env, "log": str(workdir / "output.txt")}


@dataclass
class Outcome:
    failures: list[str]
    cases: dict[str, int]  # answers checked per role and database ("officer on sqlite")
    reports: dict[str, dict[str, Any]]  # each run's JSON report, by its directory's name
    cpu: dict[str, float]  # each run's CPU seconds, by its directory's name


def run_as_every_role(targets: list[Target], schema: str, roles: tuple[str, ...], workdir: Path,
                      tables: Path) -> Outcome:
    """The cases drawn once, as ``roles[0]`` against ``targets[0]``, and each sent as every role to
    every target (the four checks on every answer; a drawn value of the first world written as the
    other's, ``WorldValues.written_as``); the stateful phase run as each role on each target by itself,
    its links carrying ids from the answers that role received there. The operations are dealt out to
    ``SHARDS`` runs by their expected cases (``dealt_out``; each operation's cases come from the random
    seed and its name, whichever run draws them), so that the servers are not left waiting for a single
    client; the runs go side by side, forked from one process that imported schemathesis once
    (``schemathesis_fork.py``)."""
    drawn_as, first = roles[0], targets[0]
    replay = [{"role": role, "database": target.database, "url": target.world.url,
               "token": target.world.tokens.get(role), "map": first.world.written_as(target.world)}
              for target in targets for role in roles if (target, role) != (first, drawn_as)]
    document = json.loads(schema)
    operations = {operation["operationId"]: expected_cases(operation, document)
                  for path, item in document["paths"].items() if path not in EXCLUDED
                  for operation in item.values() if isinstance(operation, dict) and "operationId" in operation}
    shards = dealt_out(operations, min(SHARDS, len(operations)))
    runs = {f"drawn-as-{drawn_as}-{n + 1}-of-{len(shards)}": (first, drawn_as, replay, "examples,coverage,fuzzing",
                                                             selected)
            for n, selected in enumerate(shards)}
    runs |= {f"stateful-as-{role}-on-{target.database}": (target, role, [], "stateful", None)
             for target in targets for role in roles}
    workdir.mkdir(exist_ok=True)
    jobs, results = workdir / "jobs.json", workdir / "exits.json"
    jobs.write_text(json.dumps([schemathesis_job(target, role, sent, phases, selected, schema, workdir / name, tables)
                                for name, (target, role, sent, phases, selected) in runs.items()]))
    launcher = subprocess.run([sys.executable, str(LAUNCHER), str(jobs), str(results)], cwd=workdir, timeout=3600,
                              capture_output=True, text=True,
                              env={name: os.environ[name] for name in SMALL_ENV if name in os.environ})
    assert launcher.returncode == 0, launcher.stdout + launcher.stderr
    outcome = Outcome([], {f"{role} on {target.database}": 0 for target in targets for role in roles}, {}, {})
    for (name, (target, role, sent, _, _)), result in zip(runs.items(), json.loads(results.read_text()), strict=True):
        code, outcome.cpu[name] = result["exit"], result["cpu"]
        output = (workdir / name / "output.txt").read_text()
        if code != 0:
            everywhere = ", ".join(t.database for t in targets)
            sent_as = (f"drawn as {role} on {target.database}, sent as every role to {everywhere}" if sent
                       else f"its stateful phase on {target.database}")
            outcome.failures.append(f"--- {name} ({sent_as}), exit {code}:\n{output[-6000:]}")
            continue
        outcome.reports[name] = json.loads((workdir / name / "report.json").read_text())
        for checked_as, count in json.loads((workdir / name / "counts.json").read_text()).items():
            outcome.cases[checked_as] += count
    return outcome


@pytest.fixture(scope="session")
def migrated_url(sqlite_url: str) -> str:
    """This module's ``db`` is SQLite's alone: the test serves PostgreSQL's world from another process."""
    upgrade(sqlite_url)
    return sqlite_url


@contextmanager
def served_elsewhere(database: Database, workdir: Path, log: Path) -> Iterator[WorldValues]:
    """The world on ``database`` served by a process of its own (``world_server.py``)."""
    workdir.mkdir()
    env = {name: os.environ[name] for name in SMALL_ENV if name in os.environ}
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS.parent / "src"), str(TESTS)])
    process = subprocess.Popen([sys.executable, str(TESTS / "security" / "world_server.py"), database.url,
                                str(workdir / "data"), str(log)], cwd=workdir, env=env, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=(workdir / "stderr.txt").open("w"))
    try:
        assert process.stdout is not None and process.stdin is not None
        line = process.stdout.readline()
        assert line, f"the world on {database.url} did not start:\n{(workdir / 'stderr.txt').read_text()[-6000:]}"
        yield WorldValues.of(json.loads(line))
    finally:
        name = database.url.rsplit("/", 1)[-1]
        print(f"schemathesis: the server of {name} (its own process) {process_cpu(process.pid):.1f} CPU s")
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def process_cpu(pid: int) -> float:
    """The CPU seconds a running process has used (``/proc``), for the test's account of where its CPU went."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tightened_document(url: str) -> dict[str, Any]:
    return tightened(httpx.get(f"{url}/openapi.json").json())


def test_generated_requests_get_no_5xx_and_match_the_schema(server, world: World, request: pytest.FixtureRequest,
                                                            run_log_dir: Path, tmp_path, tmp_path_factory):
    """The cases are drawn once, as the officer against the SQLite world (the test's own server), and
    each is sent as every role to it and to the PostgreSQL world (a server in a process of its own,
    ``world_server.py``); every answer goes through the four checks (``schemathesis_replay.py``). The
    ids a world generated (its address, seal id, QR segment, credit code) are written as the other
    world's in the requests sent there (``WorldValues.written_as``); the integer ids are the same in both.
    Each role also runs its own stateful phase on each database.

    Without PostgreSQL (``postgres_db`` skips) only SQLite's world is served; under
    ``YIMA_REQUIRE_POSTGRES=1`` (CI) the test fails instead."""
    tables = unicode_tables(tmp_path_factory.getbasetemp() / "hypothesis-home")
    document = tightened_document(world.url)
    schema = json.dumps(document)  # the same for every role
    sqlite = WorldValues.of(world)
    targets = [Target("sqlite", sqlite, config(sqlite))]
    roles = (DRAWN_AS, *(role for role in ROLES if role != DRAWN_AS))
    with ExitStack() as stack:
        try:
            postgres = request.getfixturevalue("postgres_db")
        except pytest.skip.Exception as skipped:  # no PostgreSQL here (and not required): SQLite alone
            print(f"schemathesis: SQLite alone: {skipped}")
        else:
            log = run_log_dir / f"schemathesis-postgresql-{os.getpid()}.log"
            other = stack.enter_context(served_elsewhere(postgres, tmp_path / "postgresql", log))
            assert (other.app_id, other.permit_id) == (sqlite.app_id, sqlite.permit_id), "the worlds' ids differ"
            assert tightened_document(other.url) == document, "the two servers document different APIs"
            targets.append(Target("postgresql", other, config(other)))
        before = resource.getrusage(resource.RUSAGE_SELF)
        outcome = run_as_every_role(targets, schema, roles, tmp_path / "runs", tables)
        after = resource.getrusage(resource.RUSAGE_SELF)
        spent = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        drawing = sum(cpu for name, cpu in outcome.cpu.items() if name.startswith("drawn"))
        print(f"schemathesis: CPU s of the drawing runs {drawing:.1f}, of the stateful runs "
              f"{sum(outcome.cpu.values()) - drawing:.1f}, "
              f"of the test process (the SQLite server) meanwhile {spent:.1f}; by run {outcome.cpu}")
    assert not outcome.failures, "\n".join(outcome.failures)
    drawn = [report for name, report in outcome.reports.items() if name.startswith("drawn-as-")]
    assert sum(report["operations"]["tested"] for report in drawn) >= 35
    stateful = [report for name, report in outcome.reports.items() if name.startswith("stateful-as-")]
    assert len(stateful) == len(ROLES) * len(targets) and all(report["phases"]["stateful"]["status"] == "success"
                                                               for report in stateful)
    cases = sum(report["test_cases"]["generated"] for report in drawn)
    assert min(outcome.cases.values()) >= cases  # every case drawn was sent, and checked, as every role everywhere
    print(f"schemathesis: {cases} cases drawn as {DRAWN_AS} on {targets[0].database} and sent as every role to "
          f"{', '.join(target.database for target in targets)}, "
          f"{sum(report['test_cases']['generated'] for report in stateful)} in the roles' stateful phases; "
          f"answers checked per role and database {outcome.cases}, {sum(outcome.cases.values())} in all")

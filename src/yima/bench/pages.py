"""``yima bench pages``: every page of the web app, visited as a role that may see it, over real
HTTP against ``yima serve``, at a scale of its own; prints the slowest ten against a floor.

The zone is the demo's (its users of every role, applications, licences, seal sets, observers
and suggestions, investment projects), without the 2021 history and with a synthetic register of
``--entities`` entities and ``--projects`` further projects. The pages are the GET routes the
features' routers declare (the composition root hands them over), less the API, the machine
documents and the downloads; a path's parameters are filled from the seeded records (an
application, its enterprise, a project, a suggestion), and a page whose parameter has no such
record is listed as not visited. Each page goes to the first role (anonymous first) that gets a
200 for it; that first answer is its cold time, then ``--runs`` more give its median. The floor
is ``/healthz`` on the same server, the same number of times.

Target (issue 22): every page under 300 ms at the benchmark's scale.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from yima.accounts.tables import User
from yima.bench.bulk import copy_register, copy_suggestions
from yima.bench.register import _free_port, _wait_for
from yima.clock import utcnow
from yima.db import Database
from yima.db.migrate import upgrade
from yima.demo.seed import DEMO_PASSWORD, seed_demo, seed_state
from yima.jobs import JobRun
from yima.licences.qr import URL_MARKER, licence_url
from yima.licences.tables import Licence
from yima.observers.tables import Suggestion
from yima.projects.synthetic import add_synthetic_projects
from yima.projects.tables import KeyEnterprise, Project
from yima.register.tables import Enterprise
from yima.registration.tables import Application
from yima.standard.model import MatterStandard
from yima.stats.synthetic import SYNTHETIC_BLOCK

TARGET_MS = 300.0
ZONE = "cq-gxq"
OBSERVERS_ZONE = "gz-kfq"
#: Who visits, in the order a page is offered to them: each role's demo account.
VISITORS: tuple[tuple[str, str | None], ...] = (
    ("anonymous", None), ("applicant", "alice"), ("officer", "officer-cq"), ("admin", "admin"),
    ("investment_office", "invest-cq"), ("service_specialist", "specialist-cq-1"), ("reform_office", "reform-gz"),
    ("department", "dept-gz-scj"), ("observer", "observer-gz-kfq-001"))
NOT_PAGES = ("/api/", "/.well-known/", "/pki/", "/static", "/docs", "/openapi.json", "/healthz", "/readyz", "/redoc")
DOWNLOADS = (".pdf", ".xlsx", ".ofd", ".csv", ".der", ".crt", ".crl", ".json", ".png", ".svg", ".zip",
             "/documents/{sha256}")
PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def page_paths(paths: Iterable[str]) -> list[str]:
    """The HTML pages among GET route paths: not the API, machine documents or downloads."""
    chosen: list[str] = []
    for path in paths:
        if path.startswith(NOT_PAGES) or path.endswith(DOWNLOADS) or path in chosen:
            continue
        chosen.append(path)
    return chosen


def fill(path: str, values: dict[str, str]) -> str | None:
    """The path with its parameters filled from ``values`` (by ``path:name`` first, then by name);
    None when one has no value."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = values.get(f"{path}:{match.group(1)}", values.get(match.group(1)))
        if found is None:
            missing = True
            return ""
        return found

    filled = PARAMETER.sub(value, path)
    return None if missing else filled


@dataclass
class PageTiming:
    path: str
    url: str
    role: str
    first_ms: float
    runs_ms: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms) if self.runs_ms else self.first_ms


@dataclass
class PagesResult:
    pages: list[PageTiming]
    not_visited: list[tuple[str, str]]
    floor_ms: float
    entities: int
    projects: int
    suggestions: int = 0


def run_pages_benchmark(console: Console, paths: Sequence[str], standard: MatterStandard, jobs: JobRun, *,
                        entities: int = 500,
                        projects: int = 0, suggestions: int = 0, runs: int = 3, observers: bool = True,
                        keep: Path | None = None, db_url: str | None = None) -> PagesResult:
    """``keep``: a directory whose database is kept for the next run, which visits it again
    instead of seeding (a database seeded at another scale is visited as it is). ``db_url``: an
    empty database to seed instead of a SQLite file in the directory (a PostgreSQL one, say); it
    is left as it is afterwards, and a later run with it (and the same ``keep``, which holds the
    server's data directory) visits it again."""
    workdir = keep or Path(tempfile.mkdtemp(prefix="yima-bench-pages-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = db_url or f"sqlite:///{workdir / 'bench.db'}"
    try:
        upgrade(url)
        db = Database(url)
        try:
            now = utcnow()
            started = time.perf_counter()
            if seed_state(db) == "complete":
                console.print(f"  the database kept in {workdir}: seeded already")
            else:
                for line in seed_demo(db, standard, now, jobs, history=False,
                                      register=min(entities, SYNTHETIC_BLOCK), observers=observers):
                    console.print(f"  {line[:120]}")
            # each step below finds what an earlier, interrupted run of a kept database did
            if entities > SYNTHETIC_BLOCK:
                held = copy_register(db, ZONE, entities, on_progress=lambda n: console.print(
                    f"  register: {n:,} entities ({time.perf_counter() - started:.0f} s)"))
                console.print(f"  register: {held:,} synthetic entities (whole millions: the first loaded, "
                              f"the rest copied under other district codes)")
            if suggestions and observers:
                console.print(f"  observers: {copy_suggestions(db, OBSERVERS_ZONE, suggestions):,} suggestions "
                              f"in {OBSERVERS_ZONE}")
            if projects and not _has_synthetic_projects(db):
                add_synthetic_projects(db, ZONE, projects, now)
            console.print(f"seeded in {time.perf_counter() - started:.0f} s")
            values = _examples(db)
            scale = _scale(db)
        finally:
            db.dispose()
        env = {**os.environ, "YIMA_DATABASE_URL": url, "YIMA_DATA_DIR": str(workdir)}
        port = _free_port()
        log = workdir / "serve.log"
        server = subprocess.Popen([sys.executable, "-m", "yima.cli", "serve", "--workers", "1", "--jobs-every", "0",
                                   "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(base, server, log)
            result = _visit(base, page_paths(paths), values, runs)
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    result.entities, result.projects, result.suggestions = scale
    _print(console, result, runs)
    return result


def _examples(db: Database) -> dict[str, str]:
    """A record for each path parameter: alice's first application, her enterprise and its
    licence's QR segment, a project, a key enterprise, a suggestion; the import page's first kind."""
    values: dict[str, str] = {"kind": "projects"}
    with db.read() as session:
        alice = session.scalar(select(User.id).where(User.username == "alice"))
        found = {
            "app_id": session.scalar(select(Application.id).where(Application.applicant_id == alice)
                                     .order_by(Application.id).limit(1)),
            "uscc": session.scalar(select(Enterprise.uscc).where(Enterprise.owner_id == alice)
                                   .order_by(Enterprise.uscc).limit(1)),
            "project_id": session.scalar(select(Project.id).where(Project.zone_id == ZONE).order_by(Project.id)
                                         .limit(1)),
            "/key-enterprises/{uscc}:uscc": session.scalar(select(KeyEnterprise.uscc)
                                                           .where(KeyEnterprise.zone_id == ZONE)
                                                           .order_by(KeyEnterprise.uscc).limit(1)),
            "suggestion_id": session.scalar(select(Suggestion.id).order_by(Suggestion.id).limit(1)),
        }
        cose = session.scalar(select(Licence.cose).where(Licence.uscc == found["uscc"]).order_by(Licence.version)
                              .limit(1)) if found["uscc"] else None
    values.update({key: str(value) for key, value in found.items() if value is not None})
    if cose is not None:  # what the licence's QR code opens
        values["segment"] = licence_url(cose, "http://bench").rsplit(URL_MARKER, 1)[1]
    return values


def _has_synthetic_projects(db: Database) -> bool:
    with db.read() as session:
        return session.scalar(select(Project.id).where(Project.zone_id == ZONE, Project.code.like("SYN-%"))
                              .limit(1)) is not None


def _scale(db: Database) -> tuple[int, int, int]:
    """What the database holds: entities of the zone, projects of the zone, suggestions."""
    with db.read() as session:
        def count(query: Any) -> int:
            return int(session.scalar(query) or 0)

        return (count(select(func.count()).select_from(Enterprise).where(Enterprise.zone_id == ZONE)),
                count(select(func.count()).select_from(Project).where(Project.zone_id == ZONE)),
                count(select(func.count()).select_from(Suggestion)))


def _sign_in(base: str, username: str | None) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    if username is not None:
        form = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        answer = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                             "csrf_token": token.group(1) if token else ""})
        if answer.status_code != 303:
            client.close()
            raise RuntimeError(f"{username} could not sign in: {answer.status_code}")
    return client


def _timed(client: httpx.Client, url: str) -> tuple[int, float]:
    started = time.perf_counter()
    answer = client.get(url)
    return answer.status_code, (time.perf_counter() - started) * 1000


def _visit(base: str, paths: list[str], values: dict[str, str], runs: int) -> PagesResult:
    clients: list[tuple[str, httpx.Client]] = []
    try:
        for role, username in VISITORS:
            try:
                clients.append((role, _sign_in(base, username)))
            except RuntimeError:
                continue  # that role's account was not seeded (no observers): its pages go to no one
        anonymous = clients[0][1]
        for _ in range(3):  # warm the worker
            _timed(anonymous, "/healthz")
        floor = statistics.median(_timed(anonymous, "/healthz")[1] for _ in range(max(runs, 3)))
        pages: list[PageTiming] = []
        not_visited: list[tuple[str, str]] = []
        for path in paths:
            url = fill(path, values)
            if url is None:
                not_visited.append((path, "no record for its parameter"))
                continue
            answers: set[int] = set()
            for role, client in clients:
                status, first = _timed(client, url)
                if status == 200:
                    timing = PageTiming(path, url, role, first)
                    timing.runs_ms = [_timed(client, url)[1] for _ in range(runs)]
                    pages.append(timing)
                    break
                answers.add(status)
            else:
                not_visited.append((path, f"no role got a 200; answers {', '.join(map(str, sorted(answers)))}"))
        return PagesResult(pages, not_visited, floor, 0, 0, 0)
    finally:
        for _, client in clients:
            client.close()


def _print(console: Console, result: PagesResult, runs: int) -> None:
    slowest = sorted(result.pages, key=lambda p: max(p.median_ms, p.first_ms), reverse=True)[:10]
    over = [p for p in result.pages if max(p.median_ms, p.first_ms) >= TARGET_MS]
    table = Table(title=f"yima bench pages — {len(result.pages)} pages, {result.entities:,} entities, "
                        f"{result.projects:,} projects, {result.suggestions:,} suggestions; "
                        f"floor /healthz {result.floor_ms:.1f} ms; "
                        f"slowest ten", show_lines=False)
    for column in ("page", "role", "first ms", f"median of {runs} ms", "× floor"):
        table.add_column(column, justify="left" if column in ("page", "role") else "right")
    for page in slowest:
        shown = page.url if len(page.url) <= 60 else page.url[:57] + "…"  # a licence's QR segment is long
        table.add_row(shown, page.role, f"{page.first_ms:.0f}", f"{page.median_ms:.0f}",
                      f"{page.median_ms / result.floor_ms:.0f}" if result.floor_ms else "-")
    console.print(table)
    console.print(f"pages at or over {TARGET_MS:.0f} ms (first or median): {len(over)} of {len(result.pages)}"
                  + (f" — {', '.join(p.path for p in over)}" if over else ""))
    for path, why in result.not_visited:
        console.print(f"not visited: {path} ({why})")

"""The composition root: every feature's parts reach the app, the command and the job runner
through the one list of installs, and a feature that cannot be imported stops the start."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import fastapi.dependencies.utils as fastapi_dependencies
from fastapi.testclient import TestClient

from route_preparation import counts as route_counts
from route_preparation import unshared
from yima.app.features import INSTALLS, registry
from yima.app.web import create_app
from yima.cli_support import COMMANDS
from yima.config import Settings
from yima.jobs import JOBS, STANDARD_JOBS
from yima.registration import handoff, names
from yima.standard import industry
from yima.stats import sections
from yima.stats.service import registered_sources
from yima.web.app import ROUTERS, _match_every_route, warm_up
from yima.web.server import LOOPS

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "yima"


def _defined(pattern: str, name: str) -> list[tuple[str, str]]:
    """``(module, name)`` of every top-level definition or assignment of ``name`` in files ``pattern``."""
    found = []
    for path in sorted(PACKAGE.glob(pattern)):
        tree = ast.parse(path.read_text("utf-8"))
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for node in tree.body:
            targets = ([t.id for t in node.targets if isinstance(t, ast.Name)] if isinstance(node, ast.Assign)
                       else [node.name] if isinstance(node, ast.FunctionDef) else [])
            found.extend((module, target) for target in targets if target == name or
                         (name.startswith("*") and target.endswith(name[1:])))
    return found


def _objects(pairs: list[tuple[str, str]]) -> list[object]:
    return [getattr(sys.modules[module], name) for module, name in pairs]


def _routers_defined() -> list[tuple[str, str]]:
    """``(module, name)`` of every top-level ``name = APIRouter(...)`` in a feature package."""
    found = []
    for path in sorted(PACKAGE.glob("*/*.py")):
        if path.parent.name in ("web", "app", "bench", "demo"):
            continue  # the web plumbing's own routes (health) and the root are not a feature's
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for node in ast.parse(path.read_text("utf-8")).body:
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Name) and node.value.func.id == "APIRouter"):
                found.extend((module, t.id) for t in node.targets if isinstance(t, ast.Name))
    return found


def test_every_router_of_a_feature_is_included_once():
    defined = _routers_defined()
    for module, _ in defined:
        __import__(module)
    routers = _objects(defined)
    assert len(routers) >= 20  # the files were read
    installed = registry().items(ROUTERS)
    assert all(installed.count(router) == 1 for router in routers)
    assert len(installed) == len(routers)


def test_every_scheduled_job_command_group_and_section_is_installed():
    jobs = _objects(_defined("*/*.py", "*_job"))
    assert len(jobs) >= 6 and set(jobs) == {*registry().items(JOBS), *registry().items(STANDARD_JOBS)}
    commands = _objects(_defined("*/cli.py", "add_commands"))
    assert set(commands) == set(registry().items(COMMANDS))
    assert {s.name for s in sections.sections()} == {"cross_region", "observers", "projects", "key_enterprises",
                                                       "ratings"}
    assert registered_sources().cross_region_licences is not None  # without computing any figure first
    assert len(registry().items(LOOPS)) == 2  # federation's outbox delivery and its network round


def test_registration_hands_over_to_what_the_features_installed():
    assert [type(f).__name__ for f in registry().items(handoff.FORWARDERS)] == ["PartnerForwarder"]
    assert [type(w).__name__ for w in registry().items(handoff.WITHDRAWALS)] == ["PartnerWithdrawal"]
    assert [type(f).__name__ for f in handoff.followers()] == ["LicencesFollowTheRegister", "SealsFollowTheRegister"]
    # the federation's (the partner's status) and ratings' (an application's ratings)
    assert [f.__module__ for f in handoff.view_extensions()] == ["yima.federation.service", "yima.ratings.service"]
    # the federation's (forwarding) and registration's own (an applicant is notified of a decision)
    assert {f"{f.__module__}.{f.__name__}" for f in handoff.transition_listeners()} == {
        "yima.federation.service.on_transition", "yima.registration.notices.on_transition"}


def test_the_app_serves_what_was_installed(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'y.db'}"))
    assert app.state.registry is registry()
    assert app.state.templates.get_template("federation/stats_section.html") is not None


def test_the_served_app_is_warmed_up_before_its_first_request(tmp_path):
    """``yima serve``'s app (``yima.app.asgi``) has every page template compiled at start-up, not
    on a page's first visit."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'y.db'}"))
    templates = app.state.templates
    pages = templates.list_templates(filter_func=lambda name: name.endswith(".html"))
    loader = weakref.ref(templates.loader)  # the key of Jinja's cache of compiled templates
    assert len(pages) > 30 and all(templates.cache.get((loader, name)) is None for name in pages)
    warm_up(app)
    assert all(templates.cache.get((loader, name)) is not None for name in pages)


def test_the_served_app_reads_the_rules_tables_before_its_first_applicant(tmp_path):
    """The tables 秒批's rules read when first asked (the licence font's characters, the standard
    characters, the industry classification: about 0.1 s) are read by ``warm_up``, in ``yima
    serve``'s process before its workers are forked, not by each worker's first applicant."""
    tables = (names.printable_code_points, names.standard_characters, industry._table)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'y.db'}"))
    for table in tables:
        table.cache_clear()
    warm_up(app)
    assert [table.cache_info().currsize for table in tables] == [1, 1, 1]


def test_warm_up_prepares_every_route_before_the_first_request(tmp_path, monkeypatch):
    """FastAPI works out a route's signature and dependencies the first time a request is matched
    against its router; ``warm_up`` has done it for every route, so a first visit does none."""
    prepared: list[object] = []
    signature = fastapi_dependencies.get_typed_signature

    def counted(call: Any) -> Any:
        prepared.append(call)
        return signature(call)

    monkeypatch.setattr(fastapi_dependencies, "get_typed_signature", counted)
    with unshared():  # what FastAPI does for one app, as in ``yima serve``: the suite's sharing off
        for warmed in (False, True):
            app = create_app(Settings(database_url=f"sqlite:///{tmp_path / f'{warmed}.db'}"))
            if warmed:
                warm_up(app)
            prepared.clear()
            with TestClient(app) as client:
                assert client.get("/login").status_code == 200
                assert client.get("/dashboard", follow_redirects=False).status_code in (303, 307)
            assert bool(prepared) is not warmed, (warmed, prepared[:3])


def test_the_suites_apps_share_route_preparation_and_answer_alike(tmp_path):
    """The suite hands an app the routes an earlier app prepared (``tests/route_preparation.py``);
    the second app prepares none and answers as the first, down to its OpenAPI document."""
    answers = []
    for n in range(2):
        app = create_app(Settings(database_url=f"sqlite:///{tmp_path / f'{n}.db'}"))
        with TestClient(app) as client:
            before = route_counts()
            login, dashboard = client.get("/login"), client.get("/dashboard", follow_redirects=False)
            assert client.get("/no-such-page").status_code == 404
            _match_every_route(app)  # every router's routes (the route index tries only those a path may reach)
            prepared, shared = (after - then for after, then in zip(route_counts(), before, strict=True))
            answers.append((login.status_code, dashboard.status_code, client.get("/openapi.json").json()))
    assert (prepared, shared > 200) == (0, True)
    assert answers[0] == answers[1] and answers[0][:2] == (200, 303)


#: Each start below is a child forked from one interpreter that has loaded the third-party
#: libraries the application uses (and no module of Yima), so each child imports Yima afresh, which
#: is what the test is about, without loading the libraries again (about 2 of 4 CPU s a start).
FORKED_STARTS = r"""
import importlib, json, os, sys, tempfile, traceback
for library in sys.argv[2:]:
    importlib.import_module(library)
assert not any(name == "yima" or name.startswith("yima.") for name in sys.modules)
answers = {}
for entry in sys.argv[1].split(","):
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        pid = os.fork()
        if pid == 0:
            os.dup2(err.fileno(), 2)
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
            code = 0
            try:
                sys.modules["yima.observers.api"] = None
                importlib.import_module(entry)
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stderr.flush()
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        err.seek(0)
        answers[entry] = (os.waitstatus_to_exitcode(status), err.read())
print(json.dumps(answers))
"""
LIBRARIES = ("fastapi", "starlette.applications", "pydantic", "pydantic_settings", "sqlalchemy.orm",
             "alembic.command", "typer", "rich.console", "jinja2", "httpx", "uvicorn", "psycopg", "lxml.etree",
             "cryptography.x509", "pyhanko.sign", "aiohttp", "openpyxl", "reportlab.platypus", "fontTools.ttLib",
             "PIL.Image", "segno", "zxingcpp", "numpy", "argon2", "jwt", "babel", "limits", "stdnum", "cbor2")


def test_a_feature_that_cannot_be_imported_stops_the_start():
    """No import is swallowed: the app factory, the command and the job runner fail with the error."""
    assert len(INSTALLS) >= 11
    entries = ("yima.app.web", "yima.cli", "yima.app.jobs")
    run = subprocess.run([sys.executable, "-c", FORKED_STARTS, ",".join(entries), *LIBRARIES],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    answers = json.loads(run.stdout)
    assert sorted(answers) == sorted(entries)
    for entry, (code, stderr) in answers.items():
        assert code == 1, (entry, stderr)
        assert "ModuleNotFoundError: import of yima.observers.api halted" in stderr, stderr


def test_only_the_root_resolves_the_configured_standard():
    """Features get the matter standard passed in (the app's state, a command's ``CommandGroups``,
    the job runner, the server's loops); none reads the configuration for it itself."""
    resolving = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        room = path.relative_to(PACKAGE).parts[0]
        if room in ("app", "standard"):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("yima.standard") and any(
                    alias.name in ("configured_standard", "load_standard") for alias in node.names):
                resolving.add(str(path.relative_to(PACKAGE)))
    assert resolving == set()
    assert (PACKAGE / "app" / "standard.py").read_text("utf-8").count("configured_standard(") == 1

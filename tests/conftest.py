"""Fixtures shared by the suite.

Every database test runs on SQLite and on PostgreSQL (``db`` is parametrised). PostgreSQL comes
from ``YIMA_TEST_POSTGRES_URL``; each run creates a throwaway database there and drops it after.
When PostgreSQL is unreachable those tests skip saying why, except under
``YIMA_REQUIRE_POSTGRES=1`` (CI), where they fail.
"""

from __future__ import annotations

import gc_thresholds

gc_thresholds.apply()  # before the application is imported (gc_thresholds.py)

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import cpu_census  # noqa: I001
from factories import NOW, PASSWORD  # noqa: E402,I001
from live import LiveServer, free_port  # noqa: F401 - free_port is used by tests through conftest
from route_preparation import share as share_route_preparation
from web.browser import unmarked_browser_test
from yima.accounts.service import add_user, configure_hasher, shared_password
from yima.app.features import registry
from yima.app.schema import metadata
from yima.db import Database
from yima.db.engine import normalise_url
from yima.db.migrate import upgrade
from yima.standard import load_standard
from yima.zones.service import add_zone

configure_hasher(time_cost=1, memory_kib=1024)  # still argon2id, just cheap enough for hundreds of sign-ins
registry()  # every feature installed and plugged in, as the app, the command and the job runner start
share_route_preparation()  # one preparation of each route for the suite's ~400 apps (route_preparation.py)


def _patient_httpx(seconds: float = 60.0) -> None:
    """Give every httpx call of the suite a 60 s timeout instead of httpx's 5 s default.

    The live servers of the suite answer in milliseconds, but a two-core CI machine running four
    workers, PostgreSQL and chromium at once sometimes takes longer than 5 s to schedule one; a
    test then fails on a read timeout that says nothing about Yima. A call that passes its own
    timeout keeps it (tests of stalls and slow partners do).
    """
    patient = httpx.Timeout(seconds)
    httpx.Client.__init__.__kwdefaults__["timeout"] = patient
    for verb in ("request", "get", "post", "put", "patch", "delete", "head", "options"):
        getattr(httpx, verb).__kwdefaults__["timeout"] = patient


_patient_httpx()


def _postgres_admin_url() -> str:
    return os.environ.get("YIMA_TEST_POSTGRES_URL", "postgresql://postgres:postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin_url = normalise_url(_postgres_admin_url())
    name = f"yima_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:  # unreachable server: skip (or fail in CI)
        message = f"PostgreSQL unreachable at {make_url(admin_url).render_as_string()}: {err.__class__.__name__}"
        if os.environ.get("YIMA_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    cpu_census.DATABASES.add(name)  # its backends' CPU, when the census is on
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'yima-test.db'}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_url(request: pytest.FixtureRequest) -> str:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def _databases() -> Iterator[dict[str, Database]]:
    cache: dict[str, Database] = {}
    yield cache
    for database in cache.values():
        database.dispose()


def _empty(database: Database) -> None:
    """Empties every table. A delivery thread of the previous test may still hold a lock while it
    winds down; PostgreSQL then breaks the deadlock by failing the DELETE, which is tried again."""
    for attempt in range(5):
        try:
            _empty_once(database)
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.5)


def _empty_once(database: Database) -> None:
    """On both databases the tables that hold rows are emptied with DELETE, children first, and on
    PostgreSQL every sequence starts again at its first value (as SQLite's rowids do). Not TRUNCATE:
    it gives each of the hundred tables a new file, which PostgreSQL creates and syncs at commit —
    about half a second per test, where finding and deleting the few rows a test left takes a few
    milliseconds."""
    with database.engine.begin() as conn:
        present = set(inspect(conn).get_table_names())
        tables = [t.name for t in reversed(metadata.sorted_tables) if t.name in present]
        # the kept counts last: deleting enterprises runs the triggers that keep the register's, and
        # deleting the month counts those that keep the year counts; deleting projects keeps theirs
        counts = ("register_day_counts", "register_month_counts", "register_year_counts", "project_counts")
        tables.sort(key=lambda name: counts.index(name) + 1 if name in counts else 0)
        if not database.is_sqlite:
            holding = set(conn.exec_driver_sql(" UNION ALL ".join(
                f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables)).scalars())
            tables = [name for name in tables if name in holding]
            # Every table is emptied, so the foreign keys' checks (a look-up in the referencing table for each
            # deleted row, most without an index: 20 s after the 2021 history's 70,708 entities, 0.75 s
            # without them) and the kept counts' triggers are turned off for this transaction, where allowed.
            conn.exec_driver_sql("SELECT set_config('session_replication_role', 'replica', true) "
                                 "WHERE (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")
        for name in tables:
            conn.exec_driver_sql(f'DELETE FROM "{name}"')
        if not database.is_sqlite:
            conn.exec_driver_sql(
                "SELECT setval(c.oid::regclass, s.seqstart, false) FROM pg_class c "
                "JOIN pg_sequence s ON s.seqrelid = c.oid WHERE c.relnamespace = current_schema()::regnamespace")


def _settle_workers(timeout: float = 30.0) -> None:
    """Wait until this process's federation workers, woken by the previous test on the same database,
    have stopped: a licence PDF made by a worker still running would otherwise be made, at the
    wall clock's time, for the next test's case."""
    from yima.federation.delivery import LANES, RENDERER

    deadline = time.monotonic() + timeout
    while (not RENDERER.idle() or LANES.busy()) and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def db(migrated_url: str, _databases: dict[str, Database]) -> Iterator[Database]:
    """An empty, migrated database: SQLite, then PostgreSQL."""
    database = _databases.setdefault(migrated_url, Database(migrated_url))
    _settle_workers()
    _empty(database)
    from yima.accounts.service import _activity, _checked
    from yima.keys.service import forget_cached
    from yima.registration.reserve import forget_reserved
    from yima.zones.service import _settings

    forget_cached()  # keys read within the last seconds belong to the previous test's zones
    _checked.clear()  # and so do the users whose tokens were checked
    _activity.clear()  # and the sessions seen
    _settings.clear()  # and the zones' settings
    forget_reserved()  # and the credit codes taken ahead from their counters
    yield database


@pytest.fixture
def postgres_db(postgres_url: str, _databases: dict[str, Database]) -> Database:
    """An empty, migrated PostgreSQL database beside the test's own ``db``, for a test that serves it
    from a process of its own (the schemathesis test's second world): it skips (fails in CI) as
    ``postgres_url`` does. This process's caches are not cleared: it does not serve this database."""
    upgrade(postgres_url)  # at its head already when an earlier test of this worker migrated it (35 ms)
    database = _databases.setdefault(postgres_url, Database(postgres_url))
    _empty(database)
    return database


@pytest.fixture
def standard():
    return load_standard()


def add_zones(db: Database) -> str:
    """The two zones of ``zone_cq`` (also for a world served from another process)."""
    add_zone(db, "cq-gxq", "重庆高新区", "500107", 575_047, NOW, place_names=["重庆", "重庆市"])
    add_zone(db, "cd-gxq", "成都高新区", "510109", 1_000_000, NOW, place_names=["成都", "成都市"])
    return "cq-gxq"


#: The five people's password, hashed once for the run (``SharedPassword``): each account stores
#: that hash, as the demo's accounts do, so a set-up costs no Argon2 hash (about 700 set-ups a run).
_PEOPLES_PASSWORD = shared_password(PASSWORD)


def add_people(db: Database) -> dict[str, Any]:
    """The users of ``people`` (also for a world served from another process): two applicants, each
    zone's officer and an administrator, as ``add_user`` answers them — the actor a sign-in gives
    (``tests/accounts`` signs them in and compares)."""
    return {name: add_user(db, name, role, _PEOPLES_PASSWORD, NOW, zone_id=zone)
            for name, role, zone in (("alice", "applicant", None), ("bob", "applicant", None),
                                     ("officer-cq", "officer", "cq-gxq"), ("officer-cd", "officer", "cd-gxq"),
                                     ("admin", "admin", None))}


@pytest.fixture
def zone_cq(db: Database) -> str:
    return add_zones(db)


@pytest.fixture
def people(db: Database, zone_cq: str) -> dict[str, Any]:
    return add_people(db)


@pytest.fixture
def server(db: Database, people: dict[str, Any], tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(db, tmp_path / "data") as live:
        yield live


# The suite's longest work units (``pytest --durations``; the README's development section and docs/suite-speed.md),
# longest first. ``make test`` runs pytest-xdist with ``--dist loadgroup --no-loadscope-reorder``:
# the work units (a test, or a whole ``xdist_group`` module) are handed out in this order, the first
# four to the four workers and each worker then queues one more unit behind the one it runs. So the
# schemathesis test (one for both databases: the cases drawn once), the route matrix on PostgreSQL and
# the fresh clone start at once on different workers, the full demo seed and the federation modules
# next (their servers are forked from the zygote since, so they are shorter than they were), and
# nothing long is left to start last.
LONGEST_FIRST = (
    "tests/security/test_schemathesis.py::test_generated_requests_get_no_5xx_and_match_the_schema",
    "tests/security/test_route_matrix.py::test_every_role_gets_only_what_it_may[postgresql]",
    "tests/test_fresh_machine.py",
    "tests/standard/test_one_standard.py::test_every_command_uses_the_configured_standard_and_the_demo_port",
    "tests/web/test_accessibility.py::test_axe_finds_no_serious_violation_on_any_page_of_the_route_matrix",
    "tests/federation/test_message_log.py",
    "tests/federation/test_two_instances.py",
    "tests/federation/test_two_instances_withdrawal.py",
    "tests/federation/test_network.py",
    "tests/federation/test_outbox_two_processes.py",
    "tests/reliability/test_kills.py",
    "tests/security/test_route_matrix.py::test_every_role_gets_only_what_it_may",
    "tests/test_cli.py",
    "tests/observers/test_observers_cli.py",
    "tests/web/test_licence_truth.py::test_cli_verify",
    "tests/projects/test_projects_cli.py",
    "tests/web/test_offline_and_missing_parts.py",
    "tests/reliability/test_races.py",
    "tests/security/test_hostile_input.py::test_malformed_csv_rows",
    "tests/operations/test_sign_in_limits.py::test_the_lock_holds_across_server_processes",
    "tests/licences/test_licence_http.py::test_cli_verifies_a_photo_offline",
    "tests/operations/test_backup.py",
    "tests/web/test_security.py",
    "tests/demo/test_history_2021_figures.py",
    "tests/audit/test_audit_checkpoints.py",
    "tests/test_house.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest tests first (a stable sort: the rest keep pytest's order). Every xdist worker
    collects and sorts alike, as xdist requires."""
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
                    len(LONGEST_FIRST))

    items.sort(key=rank)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if unmarked_browser_test(item):
        pytest.fail(f"{item.nodeid} drives chromium: mark it @pytest.mark.browser", pytrace=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from web.browser import launch

    yield from launch()


@pytest.fixture(scope="session")
def browser_context(browser: Any) -> Iterator[Any]:
    """One context per worker for the ``page`` fixture (``web.browser.SharedContext``)."""
    from web.browser import SharedContext

    shared = SharedContext(browser)
    yield shared
    shared.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    """A new page, in a context that remembers nothing of earlier tests (no cookies, permissions,
    cache or storage), zh-CN and 1280 x 900 as before."""
    with browser_context.fresh_page() as page:
        yield page


@pytest.fixture
def poppler() -> None:
    """poppler's tools check PDFs independently; the suite installs them, so their absence fails."""
    import shutil

    missing = [tool for tool in ("pdfsig", "pdftoppm", "pdftotext") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"poppler-utils missing ({', '.join(missing)}): run make system-deps")


# --- no personal data in any log of the run (issue 20, finding 6; see logscan.py) ------------------

_LOG_DIR = "yima_log_dir"
_CAPTURED = ("yima", "uvicorn")


def _run_log_dir(config: pytest.Config) -> Path:
    """Where every worker writes its log records: ``logs/`` under the run's base temporary directory
    (the controller's, under pytest-xdist)."""
    if hasattr(config, "workerinput"):
        return Path(config.workerinput[_LOG_DIR])
    return config._tmp_path_factory.getbasetemp() / "logs"  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: each worker writes where the controller will read."""
    node.workerinput[_LOG_DIR] = str(_run_log_dir(node.config))


@pytest.hookimpl(trylast=True)  # after pytest's own, which sets up the base temporary directory
def pytest_configure(config: pytest.Config) -> None:
    import logging

    from yima.web.logs import JsonFormatter

    folder = _run_log_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    worker = config.workerinput["workerid"] if hasattr(config, "workerinput") else "main"  # type: ignore[attr-defined]
    handler = logging.FileHandler(folder / f"{worker}.log", encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    for name in _CAPTURED:  # production's levels: Yima's INFO, uvicorn's warnings
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO if name == "yima" else logging.WARNING)
        logger.addHandler(handler)
    config.stash[_log_handler] = handler
    cpu_census.install(config)  # off unless YIMA_CPU_CENSUS names a file (cpu_census.py)


_log_handler = pytest.StashKey[Any]()


@pytest.fixture
def run_log_dir(request: pytest.FixtureRequest) -> Path:
    """Where this run's log records go, for a process a test starts whose logs the run scans too."""
    return _run_log_dir(request.config)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The controller (or a run without workers) scans the run's logs; a hit fails the run."""
    import logging

    from logscan import scan

    handler = session.config.stash.get(_log_handler, None)
    if handler is not None:
        for name in _CAPTURED:
            logging.getLogger(name).removeHandler(handler)
        handler.close()
    if hasattr(session.config, "workerinput"):
        return
    folder = _run_log_dir(session.config)
    files = sorted(folder.glob("*.log")) + sorted(folder.parent.rglob("serve-*.log"))
    hits = scan(files)
    if hits:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"{hit.where}: {hit.kind}: {hit.text}" for hit in hits[:50]]
        message = "personal data in the logs of this run (issue 20, finding 6):\n" + "\n".join(lines)
        if reporter is not None:
            reporter.write_line("")
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

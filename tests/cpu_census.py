"""Where the suite's CPU goes, test by test and fixture by fixture (opt-in; issue 18).

Off unless ``YIMA_CPU_CENSUS`` names a file: ``YIMA_CPU_CENSUS=/tmp/census.txt pytest -n 2 ...``.
Every worker (or the single process) then records, for each test, the CPU time of its setup, call
and teardown, and for each fixture the CPU its set-up took (the fixture's own code: pytest sets up
what it depends on first):

- ``rusage``: ``getrusage`` of the worker itself and of its children that it has waited for (a
  server spawned from the zygote and stopped by the test, a ``subprocess.run``);
- ``zygote``: the CPU of the worker's zygote (``yima_process``) and of the commands it forked and
  waited for (``/proc/<pid>/stat``: a forked ``yima`` command is the zygote's child, not ours);
- ``pg``: the CPU of the PostgreSQL backends connected to the worker's test database, read from
  ``/proc`` at the start of a test's setup and the end of its teardown (a backend that exits in
  between is missed for that stretch; the pools keep theirs);
- ``cgroup`` (when ``YIMA_CPU_CENSUS_CGROUP=1`` and cgroup v1's ``cpuacct`` is writable): the
  worker moves itself into a control group of its own, so that every process it starts, running or
  not (servers, chromium, the zygote's commands), is counted while it runs.

Each worker appends JSON lines to ``<file>.<worker>.jsonl``; the controller (or the single process)
writes ``<file>``: the tests by CPU, then the files, then the fixtures, largest first.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ENV = "YIMA_CPU_CENSUS"
TICK = os.sysconf("SC_CLK_TCK")
#: The PostgreSQL databases this process made for its tests (``conftest.postgres_url`` adds them).
DATABASES: set[str] = set()


def _rusage() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _proc_cpu(pid: int, children: bool = True) -> float:
    """utime + stime (+ cutime + cstime) of a process, in seconds; 0 when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2:].split()
    ticks = sum(int(f) for f in fields[11:15 if children else 13])  # utime stime cutime cstime
    return ticks / TICK


def _zygote() -> float:
    import yima_process

    zygote = yima_process._zygote
    return 0.0 if zygote is None else _proc_cpu(zygote.process.pid)


class _Backends:
    """CPU of the PostgreSQL backends of this process's test databases, by backend pid."""

    def __init__(self) -> None:
        self.engine: Any = None

    def read(self) -> dict[int, float]:
        if not DATABASES:
            return {}
        try:
            if self.engine is None:
                from sqlalchemy import create_engine

                from yima.db.engine import normalise_url

                admin = os.environ.get("YIMA_TEST_POSTGRES_URL", "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
                self.engine = create_engine(normalise_url(admin), isolation_level="AUTOCOMMIT", pool_size=1)
            with self.engine.connect() as conn:
                pids = conn.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = ANY(%(names)s)",
                                            {"names": sorted(DATABASES)}).scalars().all()
        except Exception:  # the census never fails a run
            return {}
        return {pid: _proc_cpu(pid, children=False) for pid in pids}


def _pg_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


class _Cgroup:
    ROOT = Path("/sys/fs/cgroup/cpuacct")

    def __init__(self, name: str) -> None:
        self.path: Path | None = None
        if os.environ.get(f"{ENV}_CGROUP") != "1":
            return
        try:
            path = self.ROOT / f"yima-census-{name}-{os.getpid()}"
            path.mkdir()
            (path / "cgroup.procs").write_text(str(os.getpid()))
            self.path = path
        except OSError:
            self.path = None

    def read(self) -> float:
        if self.path is None:
            return 0.0
        return int((self.path / "cpuacct.usage").read_text()) / 1e9

    def close(self) -> None:
        if self.path is None:
            return
        try:
            (self.ROOT / "cgroup.procs").write_text(str(os.getpid()))
            self.path.rmdir()  # fails while a process it started is still in it: then it stays
        except OSError:
            pass


class Census:
    def __init__(self, config: pytest.Config, target: Path) -> None:
        self.worker = config.workerinput["workerid"] if hasattr(config, "workerinput") else "main"  # type: ignore[attr-defined]
        self.target = target
        self.out = open(f"{target}.{self.worker}.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self.cgroup = _Cgroup(self.worker)
        self.backends = _Backends()
        self.current: dict[str, Any] = {}
        self.pg_start: dict[int, float] = {}

    def _sample(self) -> tuple[float, float, float]:
        return _rusage(), _zygote(), self.cgroup.read()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        self.current = {"test": item.nodeid, "worker": self.worker, "grouped": self.cgroup.path is not None}
        self.pg_start = self.backends.read()
        wall = time.monotonic()
        yield
        self.current["wall"] = round(time.monotonic() - wall, 3)
        self.current["pg"] = round(_pg_delta(self.pg_start, self.backends.read()), 3)
        self.out.write(json.dumps(self.current, ensure_ascii=False) + "\n")
        self.out.flush()

    def _phase(self, name: str) -> Iterator[None]:
        before = self._sample()
        yield
        after = self._sample()
        for kind, b, a in zip(("rusage", "zygote", "cgroup"), before, after, strict=True):
            self.current[f"{name}_{kind}"] = round(a - b, 3)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Iterator[None]:
        yield from self._phase("setup")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        yield from self._phase("call")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Iterator[None]:
        yield from self._phase("teardown")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Iterator[None]:
        before = self._sample()
        yield
        after = self._sample()
        grouped = self.cgroup.path is not None
        cost = after[2] - before[2] if grouped else after[0] - before[0] + after[1] - before[1]
        self.out.write(json.dumps({"fixture": fixturedef.argname, "scope": fixturedef.scope,
                                   "where": fixturedef.baseid or "", "cpu": round(cost, 3),
                                   "worker": self.worker}, ensure_ascii=False) + "\n")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.out.close()
        self.cgroup.close()
        if not hasattr(session.config, "workerinput"):
            summarise(self.target)


def _split(row: dict[str, Any]) -> list[float]:
    """A test's CPU by phase: the control group's when there was one (it counts every process the
    worker started, while it runs); else the worker's rusage (itself and the children it waited
    for, a server counted whole when it is reaped) and its zygote's."""
    phases = ("setup", "call", "teardown")
    if row.get("grouped"):
        return [row.get(f"{p}_cgroup", 0.0) for p in phases]
    return [row.get(f"{p}_rusage", 0.0) + row.get(f"{p}_zygote", 0.0) for p in phases]


def _cpu(row: dict[str, Any]) -> float:
    """A test's CPU, its PostgreSQL backends' included."""
    return sum(_split(row)) + row.get("pg", 0.0)


def summarise(target: Path) -> None:
    for left in _Cgroup.ROOT.glob("yima-census-*"):  # a worker's group its zygote still held at its end
        try:
            left.rmdir()
        except OSError:
            pass
    tests: list[dict[str, Any]] = []
    fixtures: dict[tuple[str, str], list[float]] = defaultdict(list)
    for part in sorted(target.parent.glob(f"{target.name}.*.jsonl")):
        for line in part.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if "fixture" in row:
                fixtures[(row["fixture"], row["scope"])].append(row["cpu"])
            else:
                tests.append(row)
    files: dict[str, list[float]] = defaultdict(list)
    for row in tests:
        row["cpu"] = _cpu(row)
        files[row["test"].split("::")[0]].append(row["cpu"])
    total = sum(row["cpu"] for row in tests)
    lines = [f"{len(tests)} tests, {total:.1f} CPU s (the worker's control group, or the worker, the children "
             f"it waited for and its zygote; PostgreSQL backends)", "", "## tests by CPU (s)",
             "cpu\tsetup\tcall\tteardown\tpg\twall\ttest"]
    for row in sorted(tests, key=lambda r: -r["cpu"]):
        split = _split(row)
        lines.append(f"{row['cpu']:.2f}\t" + "\t".join(f"{s:.2f}" for s in split)
                     + f"\t{row.get('pg', 0.0):.2f}\t{row.get('wall', 0.0):.1f}\t{row['test']}")
    lines += ["", "## files by CPU (s)", "cpu\ttests\tfile"]
    for name, costs in sorted(files.items(), key=lambda kv: -sum(kv[1])):
        lines.append(f"{sum(costs):.1f}\t{len(costs)}\t{name}")
    lines += ["", "## fixtures by set-up CPU (s; a fixture's own code)", "cpu\tset-ups\tmean\tfixture (scope)"]
    for (name, scope), costs in sorted(fixtures.items(), key=lambda kv: -sum(kv[1])):
        lines.append(f"{sum(costs):.1f}\t{len(costs)}\t{sum(costs) / len(costs):.3f}\t{name} ({scope})")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def install(config: pytest.Config) -> None:
    """Registers the census when ``YIMA_CPU_CENSUS`` names a file (``conftest.pytest_configure``)."""
    target = os.environ.get(ENV)
    if not target:
        return
    path = Path(target).resolve()
    if not hasattr(config, "workerinput"):  # the controller: a new run starts from no parts
        for part in path.parent.glob(f"{path.name}.*.jsonl"):
            part.unlink()
    config.pluginmanager.register(Census(config, path), "yima-cpu-census")

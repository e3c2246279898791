"""``yima bench lists``: a zone of N synthetic projects (100,000 by default) and the time the
investment office's list takes: the first page, a deep page, a search, the page's figures
section, and the full CSV export.

Target (issue 21): ``/projects`` with 100,000 projects answers in under a second, that is the
first page plus its figures. Without ``--db`` a fresh SQLite file in a temporary directory; with
``--db`` a zone of its own in that database; its projects are removed afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import delete
from sqlalchemy.orm import Session

from yima.actors import Actor
from yima.bench.scratch import scratch_zone, timed
from yima.listing import PageRequest
from yima.projects import service
from yima.projects.figures import compute_key_enterprises, compute_projects
from yima.projects.synthetic import add_synthetic_projects
from yima.projects.tables import Project
from yima.stats.rules import Period


def _best_of(runs: int, work: Callable[[], Any]) -> float:
    return min(timed(runs, work))


def remove_projects(session: Session, zone_id: str) -> None:
    session.execute(delete(Project).where(Project.zone_id == zone_id))


def run_lists_benchmark(console: Console, n: int = 100_000, db_url: str | None = None) -> dict[str, float]:
    office = Actor(0, "bench", "admin", None)
    with scratch_zone("yima-bench-lists-", db_url, remove_projects) as scratch:
        db, zone_id, now, today = scratch.db, scratch.zone_id, scratch.now, scratch.today
        started = time.perf_counter()
        add_synthetic_projects(db, zone_id, n, now)
        result = {"insert": time.perf_counter() - started}
        period = Period(date(today.year, 1, 1), today)
        result["first page"] = _best_of(3, lambda: service.list_projects(db, office, zone_id, PageRequest()))
        last = max(1, -(-n // 100))
        result["last page"] = _best_of(3, lambda: service.list_projects(db, office, zone_id, PageRequest(last)))
        result["search"] = _best_of(3, lambda: service.list_projects(db, office, zone_id, PageRequest(q="项目4999")))
        result["figures"] = _best_of(3, lambda: (compute_projects(db, zone_id, period).as_json(),
                                                 compute_key_enterprises(db, zone_id, period).as_json()))
        result["export"] = _best_of(1, lambda: service.export_projects(db, office, zone_id))
        database = scratch.database
    table = Table("measure", "value", "target", title=f"yima bench lists — {n:,} projects, {database}")
    table.add_row("insert (SQLAlchemy core)", f"{result['insert']:.1f} s", "")
    table.add_row("first page (100 rows)", f"{result['first page'] * 1000:.0f} ms", "")
    table.add_row(f"last page ({last:,})", f"{result['last page'] * 1000:.0f} ms", "")
    table.add_row("search by name", f"{result['search'] * 1000:.0f} ms", "")
    table.add_row("figures of the year so far", f"{result['figures'] * 1000:.0f} ms", "")
    table.add_row("/projects (first page + figures)", f"{(result['first page'] + result['figures']) * 1000:.0f} ms",
                  "< 1 s")
    table.add_row("CSV export, every row", f"{result['export']:.1f} s", "")
    console.print(table)
    return result

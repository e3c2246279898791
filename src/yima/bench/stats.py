"""``yima bench stats``: a synthetic register of N entities, imported, then the full report timed.

Targets (issue 6): import at least 50,000 rows a second on SQLite; the whole report under a second
on 1,000,000 entities, on SQLite and PostgreSQL. Without ``--db`` the benchmark uses a fresh SQLite
file in a temporary directory; with ``--db`` it adds a zone of its own to that database and removes
its entities afterwards unless ``--keep`` (the zone too, when no other feature keeps rows for it).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import delete, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from yima.cli_support import row_progress
from yima.clock import local_date, utcnow
from yima.db import Database
from yima.db.migrate import upgrade
from yima.register.tables import Enterprise, EnterpriseAddress
from yima.standard import configured_standard
from yima.stats.importer import import_register
from yima.stats.report import figures_report_pdf
from yima.stats.rules import Period
from yima.stats.service import compute_figures
from yima.stats.synthetic import synthetic_register, write_register
from yima.stats.tables import RegisterDayCount, RegisterMonthCount
from yima.zones.service import add_zone
from yima.zones.tables import Zone


@dataclass
class StatsBenchmark:
    rows: int
    generate_seconds: float
    import_seconds: float
    import_rows_per_second: float
    report_seconds_first: float
    report_seconds_best: float
    pdf_seconds: float
    active_entities: int
    database: str


def run_stats_benchmark(console: Console, n: int = 1_000_000, db_url: str | None = None,
                        keep: bool = False) -> StatsBenchmark:
    workdir = Path(tempfile.mkdtemp(prefix="yima-bench-stats-"))
    url = db_url or f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    zone_id = f"bench-{secrets.token_hex(3)}"
    now = utcnow()
    today = local_date(now)
    try:
        zone = add_zone(db, zone_id, "基准测试区", "500107", 1_000_000, now, name_en="Benchmark zone")
        csv_path = workdir / "register.csv"
        with row_progress(console) as progress:
            task = progress.add_task("generate", total=n)
            started = time.perf_counter()
            write_register(csv_path, synthetic_register(n, today, zone.org_block_start),
                           on_row=lambda done: progress.update(task, completed=done))
            generated = time.perf_counter() - started
        with row_progress(console) as progress:
            task = progress.add_task("import", total=n)
            summary = import_register(db, zone_id, csv_path, now, today,
                                      on_progress=lambda done: progress.update(task, completed=done))
        standard = configured_standard()
        period = Period(date(today.year, 1, 1), today)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            figures = compute_figures(db, zone_id, period, standard)
            timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        figures_report_pdf(figures, now)
        pdf_seconds = time.perf_counter() - started
        result = StatsBenchmark(
            rows=summary.loaded, generate_seconds=generated, import_seconds=summary.seconds,
            import_rows_per_second=summary.rows_per_second, report_seconds_first=timings[0],
            report_seconds_best=min(timings), pdf_seconds=pdf_seconds,
            active_entities=int(figures.market_entities.current),
            database=make_url(db.url).render_as_string(hide_password=True))
    finally:
        if db_url and not keep:
            _remove_zone(db, zone_id)
        db.dispose()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    table = Table("measure", "value", "target", title=f"yima bench stats — {result.database}")
    table.add_row("entities imported", f"{result.rows:,}", "")
    table.add_row("generate CSV", f"{result.generate_seconds:.1f} s", "")
    table.add_row("import", f"{result.import_seconds:.1f} s = {result.import_rows_per_second:,.0f} rows/s",
                  "≥ 50,000 rows/s (SQLite)")
    table.add_row("full report, first", f"{result.report_seconds_first * 1000:.0f} ms", "< 1 s")
    table.add_row("full report, best of 3", f"{result.report_seconds_best * 1000:.0f} ms", "< 1 s")
    table.add_row("report PDF", f"{result.pdf_seconds * 1000:.0f} ms", "")
    table.add_row("active market entities", f"{result.active_entities:,}", "")
    if keep:
        table.add_row("kept", f"zone {zone_id}, files in {workdir}", "")
    console.print(table)
    return result


def _remove_zone(db: Database, zone_id: str) -> None:
    """Delete the benchmark's entities, then its zone unless other features keep rows for it (keys)."""
    with db.write() as session:
        codes = select(Enterprise.uscc).where(Enterprise.zone_id == zone_id)
        session.execute(delete(EnterpriseAddress).where(EnterpriseAddress.uscc.in_(codes)))
        session.execute(delete(Enterprise).where(Enterprise.zone_id == zone_id))
        session.execute(delete(RegisterDayCount).where(RegisterDayCount.zone_id == zone_id))
        session.execute(delete(RegisterMonthCount).where(RegisterMonthCount.zone_id == zone_id))
    try:
        with db.write() as session:
            session.execute(delete(Zone).where(Zone.id == zone_id))
    except IntegrityError:
        pass

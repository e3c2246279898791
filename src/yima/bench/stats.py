"""``yima bench stats``: a synthetic register of N entities, imported, then the full report timed.

Targets (issue 6): import at least 50,000 rows a second on SQLite; the whole report under a second
on 1,000,000 entities, on SQLite and PostgreSQL. Without ``--db`` the benchmark uses a fresh SQLite
file in a temporary directory; with ``--db`` it adds a zone of its own to that database and removes
its entities afterwards unless ``--keep`` (the zone too, when no other feature keeps rows for it).
"""

from __future__ import annotations

import resource
import subprocess
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import delete, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, configure_mappers

from yima.bench.bulk import Dialect
from yima.bench.scratch import scratch_zone, timed
from yima.cli_support import row_progress
from yima.db import Database
from yima.register.tables import Enterprise, EnterpriseAddress
from yima.standard.model import MatterStandard
from yima.stats.importer import import_register
from yima.stats.report import figures_report_pdf
from yima.stats.rules import Period, ZoneFigures
from yima.stats.service import compute_figures
from yima.stats.synthetic import synthetic_register, write_register
from yima.stats.tables import RegisterDayCount, RegisterMonthCount, RegisterYearCount

NATIVE_TABLE = "bench_native_import"


@dataclass
class StatsBenchmark:
    rows: int
    generate_seconds: float
    import_seconds: float
    import_rows_per_second: float
    native_rows_per_second: float
    native_loader: str
    report_seconds_first: float
    report_seconds_best: float
    pdf_seconds: float
    active_entities: int
    database: str


def run_stats_benchmark(console: Console, standard: MatterStandard, n: int = 1_000_000, db_url: str | None = None,
                        keep: bool = False) -> StatsBenchmark:
    with scratch_zone("yima-bench-stats-", db_url, remove_entities, keep=keep) as scratch:
        db, zone_id, now, today = scratch.db, scratch.zone_id, scratch.now, scratch.today
        csv_path = scratch.workdir / "register.csv"
        with row_progress(console) as progress:
            task = progress.add_task("generate", total=n)
            started = time.perf_counter()
            write_register(csv_path, synthetic_register(n, today, scratch.org_block_start),
                           on_row=lambda done: progress.update(task, completed=done))
            generated = time.perf_counter() - started
        with row_progress(console) as progress:
            task = progress.add_task("import", total=n)
            summary = import_register(db, standard, zone_id, csv_path, now, today,
                                      on_progress=lambda done: progress.update(task, completed=done))
        native_loader, native_seconds = native_load(db, csv_path)
        period = Period(date(today.year, 1, 1), today)
        configure_mappers()  # what a server does once at start-up, not a cost of the first report
        reports: list[ZoneFigures] = []
        timings = timed(3, lambda: reports.append(compute_figures(db, zone_id, period, standard)))
        figures = reports[0]
        pdf_seconds = timed(1, lambda: figures_report_pdf(figures, now))[0]
        result = StatsBenchmark(
            rows=summary.loaded, generate_seconds=generated, import_seconds=summary.seconds,
            import_rows_per_second=summary.rows_per_second,
            native_rows_per_second=n / native_seconds if native_seconds else 0.0, native_loader=native_loader,
            report_seconds_first=timings[0],
            report_seconds_best=min(timings), pdf_seconds=pdf_seconds,
            active_entities=int(figures.market_entities.current), database=scratch.database)
        workdir = scratch.workdir
        table = Table("measure", "value", "target", title=f"yima bench stats — {result.database}")
        table.add_row("entities imported", f"{result.rows:,}", "")
        table.add_row("generate CSV", f"{result.generate_seconds:.1f} s", "")
        table.add_row("import", f"{result.import_seconds:.1f} s = {result.import_rows_per_second:,.0f} rows/s",
                      "≥ 50,000 rows/s (SQLite)")
        ratio = result.import_rows_per_second / result.native_rows_per_second if result.native_rows_per_second else 0.0
        table.add_row(f"native loader ({result.native_loader})", f"{result.native_rows_per_second:,.0f} rows/s", "")
        table.add_row("import ÷ native loader", f"{ratio:.2f} ×", "≥ 0.3 ×")
        table.add_row("full report, first", f"{result.report_seconds_first * 1000:.0f} ms", "< 1 s")
        table.add_row("full report, best of 3", f"{result.report_seconds_best * 1000:.0f} ms", "< 1 s")
        table.add_row("report PDF", f"{result.pdf_seconds * 1000:.0f} ms", "")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        table.add_row("peak memory (this process)", f"{peak:,.0f} MiB", "")
        table.add_row("active market entities", f"{result.active_entities:,}", "")
        if keep:
            table.add_row("kept", f"zone {zone_id}, files in {workdir}", "")
        console.print(table)  # before the clean-up, which on a large register takes a while
        if db_url and not keep:
            console.print("removing the benchmark's rows from the database (--keep leaves them) …")
    return result


def native_load(db: Database, csv_path: Path) -> tuple[str, float]:
    """The database's own loader on the same file, into a table with the same key and the name
    index (no checks, no addresses): sqlite3's ``.import`` (the sqlite3 program), PostgreSQL's
    ``COPY … FROM STDIN`` through psycopg. Its name and seconds; the table is dropped after."""
    columns = ("uscc TEXT PRIMARY KEY, name TEXT, entity_type TEXT, industry_code TEXT, registered_capital TEXT, "
               "established_on TEXT, cancelled_on TEXT, address TEXT")
    with db.write() as session:
        session.execute(text(f"DROP TABLE IF EXISTS {NATIVE_TABLE}"))
        session.execute(text(f"CREATE TABLE {NATIVE_TABLE} ({columns})"))
        session.execute(text(f"CREATE INDEX ix_{NATIVE_TABLE}_name ON {NATIVE_TABLE} (name)"))
    try:
        if db.is_sqlite:
            database = make_url(db.url).database or ""
            commands = f".mode csv\n.import --skip 1 {csv_path} {NATIVE_TABLE}\n"
            started = time.perf_counter()
            subprocess.run(["sqlite3", database], input=commands, text=True, check=True, capture_output=True,
                           timeout=3600)
            return "sqlite3 .import", time.perf_counter() - started
        with db.engine.connect() as conn:
            raw: Any = conn.connection.dbapi_connection
            started = time.perf_counter()
            with raw.cursor() as cursor, cursor.copy(f"COPY {NATIVE_TABLE} FROM STDIN (FORMAT csv, HEADER true)") \
                    as copy, csv_path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            conn.commit()
            return "PostgreSQL COPY", time.perf_counter() - started
    finally:
        with db.write() as session:
            session.execute(text(f"DROP TABLE IF EXISTS {NATIVE_TABLE}"))


def remove_entities(session: Session, zone_id: str) -> None:
    """The benchmark's entities, their domiciles and their counts, in one transaction with the
    counts' triggers paused in it (``yima.bench.bulk.Dialect.pause``): the zone's counts go whole
    instead of one row's worth per deleted entity (on PostgreSQL a million trigger calls)."""
    conn = session.connection()
    dialect = Dialect(conn.dialect.name)
    conn.exec_driver_sql(dialect.pause(True))
    codes = select(Enterprise.uscc).where(Enterprise.zone_id == zone_id)
    session.execute(delete(EnterpriseAddress).where(EnterpriseAddress.uscc.in_(codes)))
    session.execute(delete(Enterprise).where(Enterprise.zone_id == zone_id))
    for counts in (RegisterDayCount, RegisterMonthCount, RegisterYearCount):
        session.execute(delete(counts).where(counts.zone_id == zone_id))
    conn.exec_driver_sql(dialect.pause(False))

"""``yima import entities``: load an existing register of market entities (历史登记数据) from CSV.

The file is UTF-8 CSV with the header ``uscc,name,entity_type,industry_code,registered_capital,
established_on,cancelled_on,address``; every row is checked by ``yima.stats.rows`` and a bad row
is reported with its line number and reason and skipped. Good rows are inserted in batches with
SQLAlchemy Core, ``INSERT ... ON CONFLICT (uscc) DO NOTHING``, so that importing a file again
changes nothing: a credit code already in the register (or earlier in the same batch) counts as
existing. Each imported entity gets its domicile in ``enterprise_addresses`` (proof: a lease, the
norm before address commitments).

Speed: checking a row costs about as much as storing it, so for a large file the checks run in a
second process that hands batches of checked rows to this one, which only stores them; on SQLite
the Core statement is compiled once and executed with plain tuples, and the connection's page
cache is enlarged while the import runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from yima.db import Database
from yima.errors import DomainError, NotFound
from yima.registration.tables import Enterprise, EnterpriseAddress
from yima.stats.checker import BATCH_SIZE, Batch, checked_in_worker, read_batches
from yima.stats.rows import BadRow, EntityRow, RowText
from yima.zones.tables import Zone

#: Files smaller than this are checked in this process; starting a second one costs about half a second.
PIPELINE_MIN_BYTES = 4_000_000
MAX_REPORTED_BAD_ROWS = 1_000
COMMIT_ROWS = 200_000
IMPORT_CACHE_KIB = 256 * 1024
ENTERPRISE_COLUMNS = ("uscc", "zone_id", "name", "entity_type", "industry_code", "registered_capital",
                      "established_on", "cancelled_on", "status", "scope", "legal_representative", "shareholders",
                      "owner_id", "source", "address_commitment", "created_at", "updated_at")
ADDRESS_COLUMNS = ("uscc", "kind", "text", "proof", "added_at")


@dataclass
class ImportSummary:
    loaded: int = 0
    existing: int = 0
    bad: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.loaded + self.existing + self.bad

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


# --- storing ------------------------------------------------------------------------------------

class _Writer:
    """Inserts batches of checked rows on one connection; ``commit`` ends the open transaction.

    A transaction spans several batches: the indexes keyed by name and address text take rows in
    random order, and each commit rewrites every index page a transaction touched (SQLite's WAL).
    """

    def __init__(self, conn: Connection, zone_id: str, source: str, now: datetime) -> None:
        self.conn, self.zone_id, self.source, self.now = conn, zone_id, source, now
        self.sqlite = conn.dialect.name == "sqlite"
        self._in_sql: dict[int, str] = {}
        enterprises = Enterprise.__table__
        insert = sqlite_insert if self.sqlite else pg_insert
        self.enterprise_insert = insert(enterprises).on_conflict_do_nothing(index_elements=["uscc"])
        self.address_insert = insert(EnterpriseAddress.__table__)
        if self.sqlite:
            self.enterprise_sql = self._positional(self.enterprise_insert, ENTERPRISE_COLUMNS)
            self.address_sql = self._positional(self.address_insert, ADDRESS_COLUMNS)
            to_text = enterprises.c.created_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            self.stamp: Any = to_text(now) if to_text else now
        else:
            self.stamp = now

    def _positional(self, statement: Any, columns: tuple[str, ...]) -> str:
        compiled = statement.compile(dialect=self.conn.dialect, column_keys=list(columns))
        if tuple(compiled.positiontup or ()) != columns:
            raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")
        return compiled.string

    def store(self, rows: list[RowText]) -> tuple[int, int]:
        """Insert the rows not in the register yet; returns (loaded, existing)."""
        unique: dict[str, RowText] = {}
        for row in rows:
            unique.setdefault(row[0], row)
        if not self.conn.in_transaction():
            self.conn.begin()
        taken = self._taken(list(unique))
        fresh = [row for code, row in unique.items() if code not in taken]
        if fresh:
            if self.sqlite:
                self._store_sqlite(fresh)
            else:
                self._store_core(fresh)
        return len(fresh), len(rows) - len(fresh)

    def _taken(self, codes: list[str]) -> set[str]:
        """The codes already in the register. On SQLite the statement text is cached per batch size:
        compiling an IN of ten thousand bound values each time costs as much as running it."""
        if not self.sqlite:
            uscc = Enterprise.__table__.c.uscc
            return set(self.conn.scalars(select(uscc).where(uscc.in_(codes))))
        sql = self._in_sql.get(len(codes))
        if sql is None:
            sql = f"SELECT uscc FROM enterprises WHERE uscc IN ({', '.join('?' * len(codes))})"
            self._in_sql[len(codes)] = sql
        return {row[0] for row in self.conn.exec_driver_sql(sql, tuple(codes))}

    def commit(self) -> None:
        if self.conn.in_transaction():
            self.conn.commit()

    def _store_sqlite(self, rows: list[RowText]) -> None:
        z, s, t = self.zone_id, self.source, self.stamp
        self.conn.exec_driver_sql(self.enterprise_sql, [
            (r[0], z, r[1], r[2], r[3], r[4], r[5], r[6], "active" if r[6] is None else "cancelled",
             "[]", "{}", "[]", None, s, int(r[8]), t, t) for r in rows])
        self.conn.exec_driver_sql(self.address_sql, [
            (r[0], "domicile", r[7], "commitment" if r[8] else "lease", t) for r in rows if r[7]])

    def _store_core(self, rows: list[RowText]) -> None:
        z, s, t = self.zone_id, self.source, self.stamp
        self.conn.execute(self.enterprise_insert, [{
            "uscc": r[0], "zone_id": z, "name": r[1], "entity_type": r[2], "industry_code": r[3],
            "registered_capital": Decimal(r[4]), "established_on": date.fromisoformat(r[5]),
            "cancelled_on": date.fromisoformat(r[6]) if r[6] else None,
            "status": "active" if r[6] is None else "cancelled", "scope": [], "legal_representative": {},
            "shareholders": [], "owner_id": None, "source": s, "address_commitment": r[8], "created_at": t,
            "updated_at": t} for r in rows])
        addressed = [{"uscc": r[0], "kind": "domicile", "text": r[7], "proof": "commitment" if r[8] else "lease",
                      "added_at": t} for r in rows if r[7]]
        if addressed:
            self.conn.execute(self.address_insert, addressed)


def require_zone(db: Database, zone_id: str) -> None:
    with db.read() as session:
        if session.get(Zone, zone_id) is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")


def store_batches(db: Database, zone_id: str, batches: Iterable[Batch], now: datetime, *, source: str = "imported",
                  on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    require_zone(db, zone_id)
    summary = ImportSummary()
    started = time.perf_counter()
    with db.engine.connect() as conn:
        cache = None
        if conn.dialect.name == "sqlite":
            cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
            conn.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
            conn.commit()
        try:
            writer = _Writer(conn, zone_id, source, now)
            uncommitted = 0
            for good, bad, handled in batches:
                if good:
                    loaded, existing = writer.store(good)
                    summary.loaded += loaded
                    summary.existing += existing
                    uncommitted += loaded
                    if uncommitted >= COMMIT_ROWS:
                        writer.commit()
                        uncommitted = 0
                summary.bad += len(bad)
                summary.bad_rows.extend(bad[:MAX_REPORTED_BAD_ROWS - len(summary.bad_rows)])
                if on_progress:
                    on_progress(handled)
            writer.commit()
        finally:
            if cache is not None:
                conn.rollback()
                conn.exec_driver_sql(f"PRAGMA cache_size={int(cache)}")
                conn.commit()
    summary.seconds = time.perf_counter() - started
    return summary


def batched(rows: Iterable[EntityRow | BadRow], batch_size: int = BATCH_SIZE) -> Iterator[Batch]:
    good: list[RowText] = []
    bad: list[BadRow] = []
    handled = 0
    for row in rows:
        handled += 1
        if isinstance(row, BadRow):
            bad.append(row)
        else:
            good.append(row.as_text())
        if handled % batch_size == 0:
            yield good, bad, handled
            good, bad = [], []
    if good or bad:
        yield good, bad, handled


def load_entities(db: Database, zone_id: str, rows: Iterable[EntityRow | BadRow], now: datetime, *,
                  source: str = "imported", on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Store rows made in this process (synthetic registers, tests)."""
    return store_batches(db, zone_id, batched(rows), now, source=source, on_progress=on_progress)


def import_register(db: Database, zone_id: str, path: Path, now: datetime, today: date, *,
                    on_progress: Callable[[int], None] | None = None,
                    pipeline: bool | None = None) -> ImportSummary:
    """Check and load one register file into a zone. ``pipeline`` forces (or forbids) the
    second checking process; by default it is used for files of a few megabytes or more."""
    if not path.is_file():
        raise DomainError("import.file", "file", f"找不到文件：{path}", f"No such file: {path}")
    require_zone(db, zone_id)
    if pipeline is None:
        pipeline = path.stat().st_size >= PIPELINE_MIN_BYTES
    batches = checked_in_worker(path, today) if pipeline else read_batches(path, today)
    return store_batches(db, zone_id, batches, now, on_progress=on_progress)

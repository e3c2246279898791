"""Writing checked register rows into ``enterprises`` and ``enterprise_addresses``, in bulk.

Both writers insert with ``INSERT ... ON CONFLICT (uscc) DO NOTHING`` built by SQLAlchemy Core, and
give a new entity its domicile only when the entity itself was inserted, so that loading the same
rows again changes nothing. Each is tuned to its database:

- SQLite: the Core statement is compiled once to its text and run with ``executemany`` over plain
  tuples (SQLAlchemy's per-row parameter processing would cost as much as SQLite's insert). A
  batch is inserted whole inside a savepoint; only if SQLite changed fewer rows than it was given
  is the savepoint undone and the batch inserted again without the codes already present.
- PostgreSQL: each batch is copied (``COPY``) into a temporary table, then moved with one
  statement: the insert into ``enterprises`` returning the codes it inserted, and the insert of
  their addresses from those codes.

A transaction spans several batches (``commit`` ends it, every ``importer.COMMIT_ROWS`` rows): the
indexes keyed by name and address text take rows in random order, and each commit writes every
index page it touched again. On SQLite other writers wait for such a transaction (seconds, within
their busy timeout); readers are not held up (WAL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    MetaData,
    Numeric,
    String,
    Table,
    case,
    func,
    literal,
    null,
    select,
    true,
)
from sqlalchemy import insert as core_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from yima.registration.tables import Enterprise, EnterpriseAddress
from yima.stats.rows import RowText

ENTERPRISE_COLUMNS = ("uscc", "zone_id", "name", "entity_type", "industry_code", "registered_capital",
                      "established_on", "cancelled_on", "status", "scope", "legal_representative", "shareholders",
                      "owner_id", "source", "address_commitment", "created_at", "updated_at")
ADDRESS_COLUMNS = ("uscc", "kind", "text", "proof", "added_at")
STAGE = "yima_import_stage"
IMPORT_CACHE_KIB = 512 * 1024
ANALYZE_AFTER_ROWS = 10_000


class RegisterWriter(Protocol):
    def store(self, rows: list[RowText]) -> tuple[int, int]:
        """Insert the rows not in the register yet; returns (loaded, existing)."""
        ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


def register_writer(conn: Connection, zone_id: str, source: str, now: datetime) -> RegisterWriter:
    if conn.dialect.name == "sqlite":
        return SqliteWriter(conn, zone_id, source, now)
    return PostgresWriter(conn, zone_id, source, now)


def _unique(rows: list[RowText]) -> dict[str, RowText]:
    unique: dict[str, RowText] = {}
    for row in rows:
        unique.setdefault(row[0], row)
    return unique


class SqliteWriter:
    """Also enlarges the connection's page cache while it writes, and restores it on ``close``."""

    def __init__(self, conn: Connection, zone_id: str, source: str, now: datetime) -> None:
        self.conn, self.zone_id, self.source = conn, zone_id, source
        self._in_sql: dict[int, str] = {}
        self.cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
        conn.commit()
        enterprises = Enterprise.__table__
        self.enterprise_sql = self._positional(
            sqlite_insert(enterprises).on_conflict_do_nothing(index_elements=["uscc"]), ENTERPRISE_COLUMNS)
        self.address_sql = self._positional(sqlite_insert(EnterpriseAddress.__table__), ADDRESS_COLUMNS)
        to_text = enterprises.c.created_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        self.stamp: Any = to_text(now) if to_text else now

    def _positional(self, statement: Any, columns: tuple[str, ...]) -> str:
        compiled = statement.compile(dialect=self.conn.dialect, column_keys=list(columns))
        if tuple(compiled.positiontup or ()) != columns:
            raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")
        return compiled.string

    def _taken(self, codes: list[str]) -> set[str]:
        sql = self._in_sql.get(len(codes))
        if sql is None:
            sql = f"SELECT uscc FROM enterprises WHERE uscc IN ({', '.join('?' * len(codes))})"
            self._in_sql[len(codes)] = sql
        return {row[0] for row in self.conn.exec_driver_sql(sql, tuple(codes))}

    def store(self, rows: list[RowText]) -> tuple[int, int]:
        """Insert the batch at once; only when some codes were already there (SQLite counts the
        rows it changed) undo it, find those codes and insert the others."""
        unique = list(_unique(rows).values())
        if not self.conn.in_transaction():
            self.conn.begin()
        raw = self.conn.connection.dbapi_connection
        attempt = self.conn.begin_nested()
        before = raw.total_changes  # type: ignore[union-attr]
        self._insert(unique)
        if raw.total_changes - before == len(unique):  # type: ignore[union-attr]
            attempt.commit()
            self._insert_homes(unique)
            return len(unique), len(rows) - len(unique)
        attempt.rollback()
        taken = self._taken([row[0] for row in unique])
        fresh = [row for row in unique if row[0] not in taken]
        if fresh:
            self._insert(fresh)
            self._insert_homes(fresh)
        return len(fresh), len(rows) - len(fresh)

    def _insert(self, rows: list[RowText]) -> None:
        z, s, t = self.zone_id, self.source, self.stamp
        self.conn.exec_driver_sql(self.enterprise_sql, [
            (r[0], z, r[1], r[2], r[3], r[4], r[5], r[6], "active" if r[6] is None else "cancelled",
             "[]", "{}", "[]", None, s, int(r[8]), t, t) for r in rows])

    def _insert_homes(self, rows: list[RowText]) -> None:
        t = self.stamp
        homes = [(r[0], "domicile", r[7], "commitment" if r[8] else "lease", t) for r in rows if r[7]]
        if homes:
            self.conn.exec_driver_sql(self.address_sql, homes)

    def commit(self) -> None:
        if self.conn.in_transaction():
            self.conn.commit()

    def close(self) -> None:
        if self.conn.in_transaction():
            self.conn.rollback()
        self.conn.exec_driver_sql(f"PRAGMA cache_size={int(self.cache or -2000)}")
        self.conn.commit()


_stage = Table(STAGE, MetaData(), Column("uscc", String), Column("name", String), Column("entity_type", String),
               Column("industry_code", String), Column("registered_capital", Numeric(20, 2)),
               Column("established_on", Date), Column("cancelled_on", Date), Column("address", String),
               Column("address_commitment", Boolean), prefixes=["TEMPORARY"])


class PostgresWriter:
    def __init__(self, conn: Connection, zone_id: str, source: str, now: datetime) -> None:
        self.conn = conn
        if not conn.in_transaction():
            conn.begin()
        _stage.create(conn, checkfirst=True)
        conn.commit()
        enterprises, addresses = Enterprise.__table__, EnterpriseAddress.__table__
        s = _stage.c
        moved = select(s.uscc, literal(zone_id), s.name, s.entity_type, s.industry_code, s.registered_capital,
                       s.established_on, s.cancelled_on,
                       case((s.cancelled_on.is_(None), "active"), else_="cancelled"),
                       literal([], enterprises.c.scope.type), literal({}, enterprises.c.legal_representative.type),
                       literal([], enterprises.c.shareholders.type), null(),
                       literal(source), s.address_commitment, literal(now, enterprises.c.created_at.type),
                       literal(now, enterprises.c.updated_at.type))
        inserted = (pg_insert(enterprises).from_select(list(ENTERPRISE_COLUMNS), moved)
                    .on_conflict_do_nothing(index_elements=["uscc"])
                    .returning(enterprises.c.uscc).cte("inserted"))
        homes = select(s.uscc, literal("domicile"), s.address,
                       case((s.address_commitment == true(), "commitment"), else_="lease"),
                       literal(now, addresses.c.added_at.type)) \
            .join_from(_stage, inserted, inserted.c.uscc == s.uscc).where(s.address != "")
        housed = core_insert(addresses).from_select(list(ADDRESS_COLUMNS), homes) \
            .returning(addresses.c.id).cte("housed")
        self.move = select(select(func.count()).select_from(inserted).scalar_subquery(),
                           select(func.count()).select_from(housed).scalar_subquery())
        self.copy_sql = f"COPY {STAGE} ({', '.join(c.name for c in _stage.columns)}) FROM STDIN"
        self.loaded = 0

    def store(self, rows: list[RowText]) -> tuple[int, int]:
        unique = _unique(rows)
        if not self.conn.in_transaction():
            self.conn.begin()
        self.conn.exec_driver_sql(f"TRUNCATE {STAGE}")
        raw = self.conn.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(self.copy_sql) as copy:  # type: ignore[union-attr]
            for r in unique.values():
                copy.write_row(r)
        loaded = int(self.conn.execute(self.move).one()[0])
        self.loaded += loaded
        return loaded, len(rows) - loaded

    def commit(self) -> None:
        if self.conn.in_transaction():
            self.conn.commit()

    def close(self) -> None:
        if self.conn.in_transaction():
            self.conn.rollback()
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGE}")
        if self.loaded >= ANALYZE_AFTER_ROWS:  # fresh statistics now, rather than when autovacuum comes by
            self.conn.exec_driver_sql("ANALYZE enterprises")
            self.conn.exec_driver_sql("ANALYZE enterprise_addresses")
        self.conn.commit()

"""Writing checked register rows into ``enterprises`` and ``enterprise_addresses``, in bulk.

Each batch goes first into a temporary table (the stage), as the checked text it arrived in; then
statements built with SQLAlchemy Core move it: ``INSERT INTO enterprises ... SELECT ... FROM stage
ON CONFLICT (uscc) DO NOTHING``, and the domiciles of the entities that were inserted. Loading the
same rows again therefore changes nothing. Moving rows inside the database, rather than binding
seventeen parameters per row from Python, is what makes the import fast. Per database:

- SQLite: the stage is filled with ``executemany``; the move runs in a savepoint, and only when
  SQLite changed fewer rows than were staged (some codes already registered) is it undone, those
  codes dropped from the stage and the move run again, so that only new entities get addresses.
- PostgreSQL: the stage is filled with ``COPY``; one statement inserts the entities returning
  their codes and inserts the addresses of those codes.

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
    Select,
    String,
    Table,
    case,
    delete,
    exists,
    func,
    literal,
    null,
    select,
    true,
)
from sqlalchemy import insert as core_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.schema import CreateTable

from yima.db.base import table_of
from yima.register.tables import Enterprise, EnterpriseAddress
from yima.stats.rows import RowText

ENTERPRISE_COLUMNS = ("uscc", "zone_id", "name", "entity_type", "industry_code", "registered_capital",
                      "established_on", "cancelled_on", "status", "scope", "legal_representative", "shareholders",
                      "owner_id", "source", "address_commitment", "created_at", "updated_at")
ADDRESS_COLUMNS = ("uscc", "kind", "text", "proof", "added_at")
STAGE = "yima_import_stage"
IMPORT_CACHE_KIB = 512 * 1024
ANALYZE_AFTER_ROWS = 10_000

INSERTED = "yima_import_inserted"
#: The codes a PostgreSQL batch inserted (what its register counts are added for).
inserted_codes = Table(INSERTED, MetaData(), Column("uscc", String), prefixes=["TEMPORARY"])
#: The stage's columns are those of ``RowText``, in its order.
stage = Table(STAGE, MetaData(), Column("uscc", String), Column("name", String), Column("entity_type", String),
              Column("industry_code", String), Column("registered_capital", Numeric(20, 2)),
              Column("established_on", Date), Column("cancelled_on", Date), Column("address", String),
              Column("address_commitment", Boolean), prefixes=["TEMPORARY"])


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


def _unique(rows: list[RowText]) -> list[RowText]:
    unique: dict[str, RowText] = {}
    for row in rows:
        unique.setdefault(row[0], row)
    return list(unique.values())


def staged_entities(zone_id: str, source: str, now: datetime) -> Select[Any]:
    """The staged rows as ``enterprises`` rows, in ``ENTERPRISE_COLUMNS`` order."""
    e, s = Enterprise.__table__.c, stage.c
    return select(s.uscc, literal(zone_id), s.name, s.entity_type, s.industry_code, s.registered_capital,
                  s.established_on, s.cancelled_on, case((s.cancelled_on.is_(None), "active"), else_="cancelled"),
                  literal([], e.scope.type), literal({}, e.legal_representative.type), literal([], e.shareholders.type),
                  null(), literal(source), s.address_commitment, literal(now, e.created_at.type),
                  literal(now, e.updated_at.type)).where(true())  # SQLite needs a WHERE before ON CONFLICT


def staged_domiciles(now: datetime) -> Select[Any]:
    """The staged rows' addresses as ``enterprise_addresses`` rows, in ``ADDRESS_COLUMNS`` order."""
    s = stage.c
    return select(s.uscc, literal("domicile"), s.address,
                  case((s.address_commitment == true(), "commitment"), else_="lease"),
                  literal(now, EnterpriseAddress.__table__.c.added_at.type)).where(s.address != "")


PAUSE = ("INSERT INTO register_counts_state (id, paused) VALUES (1, ?) "
         "ON CONFLICT (id) DO UPDATE SET paused = excluded.paused")
COUNTS = ("established", "cancelled", "capital", "address_commitment")


def staged_counts(*, postgres: bool = False) -> list[str]:
    """What the register counts' triggers would add for the rows a batch inserted, one grouped
    statement per table and kind; the rows' zone is the ``:zone`` parameter. On SQLite the stage
    holds exactly those rows; on PostgreSQL they are the stage's rows whose codes the insert
    returned (``INSERTED``), so that a code another transaction registered meanwhile is not counted."""
    ended = "greatest(established_on, cancelled_on)" if postgres else "max(established_on, cancelled_on)"
    month = (lambda day: f"to_char({day}, 'YYYY-MM')") if postgres else (lambda day: f"substr({day}, 1, 7)")
    source = f"{STAGE} JOIN {INSERTED} USING (uscc)" if postgres else STAGE
    zone = "%(zone)s" if postgres else ":zone"  # the drivers' parameter styles
    statements = []
    for table, grain, established, ended_at in (
            ("register_day_counts", "day", "established_on", ended),
            ("register_month_counts", "month", month("established_on"), month(ended))):
        keys = f"zone_id, {grain}, entity_type, division"
        update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS)
        statements.append(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) SELECT {zone}, {established}, entity_type, "
            "substr(industry_code, 1, 3), count(*), 0, coalesce(sum(registered_capital), 0), "
            f"sum(CASE WHEN address_commitment THEN 1 ELSE 0 END) FROM {source} WHERE true "
            f"GROUP BY {established}, entity_type, substr(industry_code, 1, 3) "
            f"ON CONFLICT ({keys}) DO UPDATE SET {update}")
        statements.append(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) SELECT {zone}, {ended_at}, entity_type, "
            f"substr(industry_code, 1, 3), 0, count(*), 0, 0 FROM {source} WHERE cancelled_on IS NOT NULL "
            f"GROUP BY {ended_at}, entity_type, substr(industry_code, 1, 3) "
            f"ON CONFLICT ({keys}) DO UPDATE SET {update}")
    return statements


def _create_stage(conn: Connection) -> None:
    if not conn.in_transaction():
        conn.begin()
    conn.execute(CreateTable(stage, if_not_exists=True))
    if conn.dialect.name != "sqlite":
        conn.execute(CreateTable(inserted_codes, if_not_exists=True))
    conn.commit()


class _Writer:
    conn: Connection

    def commit(self) -> None:
        if self.conn.in_transaction():
            self.conn.commit()


class SqliteWriter(_Writer):
    """Also enlarges the connection's page cache while it writes; ``close`` restores it."""

    def __init__(self, conn: Connection, zone_id: str, source: str, now: datetime) -> None:
        self.conn = conn
        self.cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
        conn.commit()
        _create_stage(conn)
        self.fill = f"INSERT INTO {STAGE} VALUES ({', '.join('?' * len(stage.columns))})"
        self.move = sqlite_insert(table_of(Enterprise)).from_select(
            list(ENTERPRISE_COLUMNS), staged_entities(zone_id, source, now)).on_conflict_do_nothing(
            index_elements=["uscc"])
        self.house = core_insert(table_of(EnterpriseAddress)).from_select(list(ADDRESS_COLUMNS), staged_domiciles(now))
        registered = exists().where(Enterprise.__table__.c.uscc == stage.c.uscc)
        self.drop_registered = delete(stage).where(registered)
        self.zone_id = zone_id
        self.count = staged_counts()

    def store(self, rows: list[RowText]) -> tuple[int, int]:
        unique = _unique(rows)
        if not self.conn.in_transaction():
            self.conn.begin()
            # the register counts' triggers pause in this transaction only; each batch adds its counts
            self.conn.exec_driver_sql(PAUSE, (1,))
        self.conn.exec_driver_sql(f"DELETE FROM {STAGE}")
        self.conn.exec_driver_sql(self.fill, unique)
        raw: Any = self.conn.connection.dbapi_connection
        attempt = self.conn.begin_nested()
        before = raw.total_changes
        self.conn.execute(self.move)
        loaded = raw.total_changes - before
        if loaded == len(unique):
            attempt.commit()
        else:
            attempt.rollback()
            loaded = len(unique) - self.conn.execute(self.drop_registered).rowcount
            self.conn.execute(self.move)
        self.conn.execute(self.house)
        for statement in self.count:  # the stage now holds exactly the rows inserted
            self.conn.exec_driver_sql(statement, {"zone": self.zone_id})
        return loaded, len(rows) - loaded

    def commit(self) -> None:
        if self.conn.in_transaction():
            self.conn.exec_driver_sql(PAUSE, (0,))
            self.conn.commit()

    def close(self) -> None:
        if self.conn.in_transaction():
            self.conn.rollback()
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{STAGE}")
        self.conn.exec_driver_sql(f"PRAGMA cache_size={int(self.cache or -2000)}")
        self.conn.commit()


class PostgresWriter(_Writer):
    def __init__(self, conn: Connection, zone_id: str, source: str, now: datetime) -> None:
        self.conn = conn
        _create_stage(conn)
        enterprises, addresses = table_of(Enterprise), table_of(EnterpriseAddress)
        inserted = (pg_insert(enterprises).from_select(list(ENTERPRISE_COLUMNS), staged_entities(zone_id, source, now))
                    .on_conflict_do_nothing(index_elements=["uscc"])
                    .returning(enterprises.c.uscc).cte("inserted"))
        homes = staged_domiciles(now).join_from(stage, inserted, inserted.c.uscc == stage.c.uscc)
        housed = (core_insert(addresses).from_select(list(ADDRESS_COLUMNS), homes)
                  .returning(addresses.c.id).cte("housed"))
        kept = (core_insert(inserted_codes).from_select(["uscc"], select(inserted.c.uscc))
                .returning(inserted_codes.c.uscc).cte("kept"))
        self.move = select(select(func.count()).select_from(inserted).scalar_subquery(),
                           select(func.count()).select_from(housed).scalar_subquery(),
                           select(func.count()).select_from(kept).scalar_subquery())
        self.count = staged_counts(postgres=True)
        self.zone_id = zone_id
        self.fill = f"COPY {STAGE} ({', '.join(c.name for c in stage.columns)}) FROM STDIN"
        self.loaded = 0

    def store(self, rows: list[RowText]) -> tuple[int, int]:
        unique = _unique(rows)
        if not self.conn.in_transaction():
            self.conn.begin()
            # the register counts' trigger pauses in this transaction only; each batch adds its counts
            self.conn.exec_driver_sql("SELECT set_config('yima.register_counts_paused', 'on', true)")
        self.conn.exec_driver_sql(f"TRUNCATE {STAGE}, {INSERTED}")
        raw: Any = self.conn.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(self.fill) as copy:
            for row in unique:
                copy.write_row(row)
        loaded = int(self.conn.execute(self.move).one()[0])
        for statement in self.count:  # of the rows this batch inserted (their codes are in INSERTED)
            self.conn.exec_driver_sql(statement, {"zone": self.zone_id})
        self.loaded += loaded
        return loaded, len(rows) - loaded

    def close(self) -> None:
        if self.conn.in_transaction():
            self.conn.rollback()
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGE}")
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {INSERTED}")
        if self.loaded >= ANALYZE_AFTER_ROWS:  # fresh statistics now, rather than when autovacuum comes by
            self.conn.exec_driver_sql("ANALYZE enterprises")
            self.conn.exec_driver_sql("ANALYZE enterprise_addresses")
        self.conn.commit()

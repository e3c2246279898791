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
  their codes and inserts the addresses of those codes. The register counts of the returned codes
  are added up in Python (``add_counts``) and written at commit, one statement a table. Of the
  server's time per row, about two fifths go to the foreign-key checks (the zone of each entity,
  the entity of each address), which only a superuser could switch off.

A transaction spans several batches (``commit`` ends it, every ``importer.COMMIT_ROWS`` rows): the
indexes keyed by name and address text take rows in random order, and each commit writes every
index page it touched again. On SQLite other writers wait for such a transaction (seconds, within
their busy timeout); readers are not held up (WAL).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
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


def staged_counts() -> list[str]:
    """What the register counts' triggers would add for the rows a SQLite batch inserted (the
    stage holds exactly those), one grouped statement per table and kind; the rows' zone is the
    ``:zone`` parameter."""
    ended = "max(established_on, cancelled_on)"

    def month(day: str) -> str:
        return f"substr({day}, 1, 7)"

    statements = []
    for table, grain, established, ended_at in (
            ("register_day_counts", "day", "established_on", ended),
            ("register_month_counts", "month", month("established_on"), month(ended))):
        keys = f"zone_id, {grain}, entity_type, division"
        update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS)
        statements.append(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) SELECT :zone, {established}, entity_type, "
            "substr(industry_code, 1, 3), count(*), 0, coalesce(sum(registered_capital), 0), "
            f"sum(CASE WHEN address_commitment THEN 1 ELSE 0 END) FROM {STAGE} WHERE true "
            f"GROUP BY {established}, entity_type, substr(industry_code, 1, 3) "
            f"ON CONFLICT ({keys}) DO UPDATE SET {update}")
        statements.append(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) SELECT :zone, {ended_at}, entity_type, "
            f"substr(industry_code, 1, 3), 0, count(*), 0, 0 FROM {STAGE} WHERE cancelled_on IS NOT NULL "
            f"GROUP BY {ended_at}, entity_type, substr(industry_code, 1, 3) "
            f"ON CONFLICT ({keys}) DO UPDATE SET {update}")
    return statements


#: Per count key (zone, day or month, entity type, division): established, ended, capital, commitments.
Counts = dict[tuple[str, str, str, str], list[Any]]


def add_counts(by_day: Counts, by_month: Counts, zone_id: str, rows: Iterable[RowText]) -> None:
    """Add what the register counts' triggers would add for inserting ``rows``: the contributions
    of migration 0025's triggers, worked out in Python (a plain function)."""
    for _, _, entity_type, industry, capital, established, cancelled, _, commitment in rows:
        division = industry[:3]
        for table, key in ((by_day, established), (by_month, established[:7])):
            counts = table.get((zone_id, key, entity_type, division))
            if counts is None:
                counts = table[(zone_id, key, entity_type, division)] = [0, 0, Decimal(0), 0]
            counts[0] += 1
            counts[2] += Decimal(capital)
            counts[3] += 1 if commitment else 0
        if cancelled is not None:
            ended = max(established, cancelled)  # ISO dates compare as text
            for table, key in ((by_day, ended), (by_month, ended[:7])):
                counts = table.get((zone_id, key, entity_type, division))
                if counts is None:
                    counts = table[(zone_id, key, entity_type, division)] = [0, 0, Decimal(0), 0]
                counts[1] += 1


def _add_counts_from_arrays(table: str, grain: str, grain_type: str) -> str:
    """PostgreSQL: add counts given as eight arrays (one statement for any number of keys)."""
    keys = f"zone_id, {grain}, entity_type, division"
    update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS)
    return (f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) SELECT * FROM unnest(%s::varchar[], "
            f"%s::{grain_type}[], %s::varchar[], %s::varchar[], %s::int[], %s::int[], %s::numeric[], %s::int[]) "
            f"ON CONFLICT ({keys}) DO UPDATE SET {update}")


def _create_stage(conn: Connection) -> None:
    if not conn.in_transaction():
        conn.begin()
    conn.execute(CreateTable(stage, if_not_exists=True))
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
    """Fills the stage with ``COPY``; one statement inserts the entities, returning their codes,
    and the domiciles of those codes. The register counts of the rows inserted are added up in
    Python (``add_counts``) and written when the transaction commits, in one statement a table
    (arrays unnested), the trigger paused in the transaction."""

    def __init__(self, conn: Connection, zone_id: str, source: str, now: datetime) -> None:
        self.conn = conn
        _create_stage(conn)
        enterprises, addresses = table_of(Enterprise), table_of(EnterpriseAddress)
        inserted = (pg_insert(enterprises).from_select(list(ENTERPRISE_COLUMNS), staged_entities(zone_id, source, now))
                    .on_conflict_do_nothing(index_elements=["uscc"])
                    .returning(enterprises.c.uscc).cte("inserted"))
        homes = staged_domiciles(now).join_from(stage, inserted, inserted.c.uscc == stage.c.uscc)
        housed = core_insert(addresses).from_select(list(ADDRESS_COLUMNS), homes).cte("housed")
        self.move = select(inserted.c.uscc).add_cte(housed)  # a data-modifying CTE runs once, read or not
        self.zone_id = zone_id
        self.fill = f"COPY {STAGE} ({', '.join(c.name for c in stage.columns)}) FROM STDIN"
        self.loaded = 0
        self.by_day: Counts = {}
        self.by_month: Counts = {}

    def store(self, rows: list[RowText]) -> tuple[int, int]:
        unique = _unique(rows)
        if not self.conn.in_transaction():
            self.conn.begin()
            # the register counts' trigger pauses in this transaction only; ``commit`` adds the counts
            self.conn.exec_driver_sql("SELECT set_config('yima.register_counts_paused', 'on', true)")
        self.conn.exec_driver_sql(f"TRUNCATE {STAGE}")
        raw: Any = self.conn.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(self.fill) as copy:
            for row in unique:
                copy.write_row(row)
        codes = set(self.conn.execute(self.move).scalars())
        # only the codes the insert returned: one another transaction registered meanwhile is not counted
        new = unique if len(codes) == len(unique) else [row for row in unique if row[0] in codes]
        add_counts(self.by_day, self.by_month, self.zone_id, new)
        self.loaded += len(new)
        return len(new), len(rows) - len(new)

    def commit(self) -> None:
        if self.conn.in_transaction():
            for table, grain, grain_type, counts in (("register_day_counts", "day", "date", self.by_day),
                                                     ("register_month_counts", "month", "varchar", self.by_month)):
                if counts:
                    columns = list(zip(*((*key, *values) for key, values in counts.items()), strict=True))
                    self.conn.exec_driver_sql(_add_counts_from_arrays(table, grain, grain_type),
                                              tuple(list(column) for column in columns))
                    counts.clear()
            self.conn.commit()

    def close(self) -> None:
        if self.conn.in_transaction():
            self.conn.rollback()
        self.by_day.clear()
        self.by_month.clear()
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STAGE}")
        if self.loaded >= ANALYZE_AFTER_ROWS:  # fresh statistics now, rather than when autovacuum comes by
            self.conn.exec_driver_sql("ANALYZE enterprises")
            self.conn.exec_driver_sql("ANALYZE enterprise_addresses")
        self.conn.commit()

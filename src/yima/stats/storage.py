"""Writing checked register rows into ``enterprises`` and ``enterprise_addresses``, in bulk.

A batch's rows are inserted only when their credit code is new to the register (and first in the
batch), so that importing a file again changes nothing and only new entities get a domicile.
Every row goes through the tables' keys and indexes. Per database:

- SQLite: the batch goes straight into the two tables with ``executemany`` on the driver's cursor
  (``INSERT ... ON CONFLICT (uscc) DO NOTHING``); only when SQLite inserted fewer rows than it was
  given (some codes already registered) are the new ones read back (those above the largest
  rowid before the batch) to give them, and only them, their domiciles. The register counts'
  insert trigger and the foreign keys' per-row checks are replaced by once-a-transaction work
  (``SqliteWriter``).
- PostgreSQL: the batch's codes are looked up in one statement, and the new rows go straight into
  the two tables with ``COPY … FROM STDIN``, in a savepoint: should another transaction register
  one of the codes between the look-up and the ``COPY``, the key refuses it, the savepoint is
  rolled back, and the batch is looked up and copied again (the code now counts as existing).
  A batch is copied first without the look-up, and looked up only when the key refuses it (and
  for the batches after one that held known codes, as a second import of a file does).

The register counts' triggers on ``enterprises`` do not run for the import's rows, in its own
transaction only (SQLite: the insert trigger dropped and created again before the commit;
PostgreSQL: a transaction-local setting), and the import adds the counts of what it inserted in
the same transaction, just before each commit, so every committed state holds counts equal to a
recount of the rows. SQLite adds them up from the rows inserted, with a few grouped statements.
PostgreSQL: the counts of a batch, added up where its rows were checked (``tally``, or here for a
batch not inserted in full), are added up by day, month and year in this process, and written
into a slot of the counts of the import's own (``IMPORT_SLOT``; the triggers write slots 0–31,
revision 0039), so that no registration ever waits on one of its count rows: the keys that slot
already holds (an earlier transaction of the import, another import) are looked up, once per
table and commit, and added to with one grouped statement; the others, nearly all, are written
with ``COPY`` (a third of what the grouped upsert cost per row). Should another import write one
of the keys between the look-up and the ``COPY``, the key refuses it and the keys are looked up
again. The year counts' trigger on the month counts is paused in the import's transaction too
(``yima.year_counts_paused``, revision 0041), which writes the years itself.

Foreign keys on PostgreSQL: each row checks its references with a trigger (its zone, its
domicile's entity), which costs as much as storing the row. Where the database role may set
``session_replication_role`` (a superuser, or a role granted ``SET`` on it, PostgreSQL 15+), the
import sets it to ``replica`` for its own transaction only, which skips those per-row triggers,
and makes the same guarantees once per transaction instead: the zone's row is locked ``FOR KEY
SHARE`` (what each row's check would take), so that it cannot be deleted before the import
commits; every address is of an entity this transaction inserted, which no other transaction can
see, let alone delete, before the commit; ``owner_id`` is empty. The constraints stay declared and
every other write is checked row by row as before. The import takes this path only when the
tables it writes (the two, and the day and month counts) have no trigger that the setting would
skip but the register counts' own (checked at the start; ``ENABLE ALWAYS`` triggers fire either
way), so no trigger added later is skipped silently. Otherwise the rows are checked by the
triggers, as any insert.

A transaction spans several batches (``commit`` ends it, every ``importer.COMMIT_ROWS`` rows): the
indexes keyed by name and address text take rows in random order, and each commit writes every
index page it touched again. On SQLite other writers wait for such a transaction (seconds, within
their busy timeout); readers are not held up (WAL).
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from psycopg.errors import InsufficientPrivilege, UniqueViolation
from sqlalchemy import Column, ColumnElement, Connection, Dialect, String, case, literal, literal_column, null
from sqlalchemy import insert as core_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from yima.db import Database
from yima.db.base import table_of
from yima.errors import NotFound
from yima.register.status import EnterpriseStep, entry_status
from yima.register.tables import Enterprise, EnterpriseAddress
from yima.stats.copytext import (
    ADDRESS_COLUMNS,
    ENTITY_COLUMNS,
    CopyConstants,
    CopyRows,
    by_name,
    copy_constants,
    copy_rows,
    copy_value,
    rows_of,
)
from yima.stats.rows import RowText
from yima.stats.tally import DayCounts, RegisterTally, rolled_up, yuan

IMPORT_CACHE_KIB = 512 * 1024
ANALYZE_AFTER_ROWS = 10_000
#: How often a PostgreSQL batch is copied again after a concurrent registration took one of its codes.
COPY_ATTEMPTS = 5
#: The only trigger (besides the foreign keys' own) the PostgreSQL import may skip: it adds these counts itself.
COUNTS_TRIGGER = "register_counts"
#: On SQLite, the register counts' insert trigger, which the import drops and creates again in its own transaction.
SQLITE_COUNTS_TRIGGER = "register_counts_insert"

#: The transaction-local setting that pauses the year counts' trigger on PostgreSQL (revision 0041).
YEAR_COUNTS_PAUSED = "yima.year_counts_paused"

COUNTS_STAGE = "yima_import_counts"
#: The slot of the register counts (revision 0039) the PostgreSQL import writes its counts to. The
#: counts' triggers write slots 0–31 (a transaction's id modulo 32), so no registration ever holds
#: or waits on a count row of this slot, and the import ``COPY``s the counts of keys new to it.
IMPORT_SLOT = 32
#: The stored status of an imported entity without, and with, a cancellation date (``register.status``).
IN_EXISTENCE = entry_status(EnterpriseStep.IMPORT).value
CANCELLED = entry_status(EnterpriseStep.IMPORT, cancelled=True).value
COUNTS = ("established", "cancelled", "capital", "address_commitment")
#: Count rows written to the server at a time.
COUNTS_PART = 4096


def _add_staged(table: str, grain: str) -> str:
    """Add the counts in the stage (one row per key) to the keys of ``table`` in the import's slot."""
    keys = f"zone_id, {grain}, entity_type, division, slot"
    update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS)
    return (f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) SELECT %(zone)s, "
            f"{'key::date' if grain == 'day' else 'key'}, entity_type, division, {IMPORT_SLOT}, {', '.join(COUNTS)} "
            f"FROM {COUNTS_STAGE} ON CONFLICT ({keys}) DO UPDATE SET {update}")


#: A batch as ``COPY`` text (UTF-8): its entities and their domiciles.
CopyText = tuple[bytes, bytes]
#: A batch's checked rows: as text, or as ``COPY`` text made where they were checked (PostgreSQL).
Rows = list[RowText] | CopyRows


class RegisterWriter(Protocol):
    #: whether ``prepare`` does work worth doing ahead of ``store``, in the importer's reading thread
    ahead: bool

    def prepare(self, rows: Rows) -> CopyText | None:
        """What ``store`` will need for ``rows`` that can be made without the database (no
        connection is touched: the importer calls it from its reading thread)."""
        ...

    def store(self, rows: Rows, counts: DayCounts | None = None,
              prepared: CopyText | None = None) -> tuple[int, int]:
        """Insert the rows not in the register yet; returns (loaded, existing). ``counts``, when
        given, are the rows' register counts (``tally.tally(rows)``), used if every row is new;
        ``prepared``, when given, is ``prepare(rows)``."""
        ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


def counts_where_checked(db: Database) -> bool:
    """Whether the writer for ``db`` wants each batch's register counts added up where its rows are
    checked (``tally``): PostgreSQL's does, SQLite's adds them up from the rows it inserted."""
    return not db.is_sqlite


def copy_where_checked(db: Database, zone_id: str, source: str, now: datetime) -> CopyConstants | None:
    """The constants with which the checking process is to write each batch as ``COPY`` text
    (``copytext``) for the writer of ``db``, if it wants that: PostgreSQL's does."""
    return None if db.is_sqlite else _copy_constants(zone_id, source, now)


def _copy_constants(zone_id: str, source: str, now: datetime) -> CopyConstants:
    return copy_constants(zone_id, source, now, IN_EXISTENCE, CANCELLED)


def register_writer(conn: Connection, zone_id: str, source: str, now: datetime) -> RegisterWriter:
    if conn.dialect.name == "sqlite":
        return SqliteWriter(conn, zone_id, source, now)
    return PostgresWriter(conn, zone_id, source, now)


def _unique(rows: list[RowText], known: set[str] | frozenset[str] = frozenset()) -> list[RowText]:
    """The rows whose codes are neither in ``known`` nor earlier in ``rows``."""
    unique: dict[str, RowText] = {}
    for row in rows:
        if row[0] not in known:
            unique.setdefault(row[0], row)
    return list(unique.values())


PAUSE = ("INSERT INTO register_counts_state (id, paused) VALUES (1, ?) "
         "ON CONFLICT (id) DO UPDATE SET paused = excluded.paused")


def inserted_counts() -> list[str]:
    """What the register counts' triggers would add for the rows a SQLite transaction inserted,
    one grouped statement per table and kind: the rows of ``enterprises`` whose rowid is above
    ``:mark``, the largest when the transaction took the write lock (SQLite gives a new row the
    largest rowid plus one, and no other connection writes until the commit); their zone is the
    ``:zone`` parameter."""
    ended = "max(established_on, cancelled_on)"
    statements = []
    for table, grain, established, ended_at in (
            ("register_day_counts", "day", "established_on", ended),
            ("register_month_counts", "month", "substr(established_on, 1, 7)", f"substr({ended}, 1, 7)")):
        keys = f"zone_id, {grain}, entity_type, division"
        update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS)
        statements.append(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) SELECT :zone, {established}, entity_type, "
            "substr(industry_code, 1, 3), count(*), 0, coalesce(sum(registered_capital), 0), "
            "sum(CASE WHEN address_commitment THEN 1 ELSE 0 END) FROM enterprises WHERE rowid > :mark "
            f"GROUP BY {established}, entity_type, substr(industry_code, 1, 3) "
            f"ON CONFLICT ({keys}, slot) DO UPDATE SET {update}")
        statements.append(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) SELECT :zone, {ended_at}, entity_type, "
            "substr(industry_code, 1, 3), 0, count(*), 0, 0 FROM enterprises "
            "WHERE rowid > :mark AND cancelled_on IS NOT NULL "
            f"GROUP BY {ended_at}, entity_type, substr(industry_code, 1, 3) "
            f"ON CONFLICT ({keys}, slot) DO UPDATE SET {update}")
    return statements


class _Writer:
    conn: Connection

    def commit(self) -> None:
        if self.conn.in_transaction():
            self.conn.commit()


class SqliteWriter(_Writer):
    """Inserts a batch with ``executemany`` on the driver's cursor, straight into the two tables.

    The import's constants (zone, source, time, empty JSON) are written into the statements as
    literals by SQLAlchemy (from the values its column types would bind), so that each row's
    checked text goes to SQLite as it arrived, without building a tuple per row. Two things each
    row would do are done once per transaction instead (SQLite has one writer, and the import's
    transaction holds the write lock from its first statement to its commit):

    - The register counts' insert trigger is dropped at the start of the transaction and created
      again, from the text SQLite kept of it, just before the commit, which also adds the counts
      of the rows inserted (``inserted_counts``, a few grouped statements): even
      paused, the trigger asked for its flag row once per row (a fifth of the time a row took).
      DDL is transactional in SQLite: no other connection ever sees the register without the
      trigger, and a rollback brings it back.
      Any other trigger on the two tables fires as before.
    - Foreign keys are not checked row by row (``PRAGMA foreign_keys`` is off on this connection
      while it imports; ``close`` turns it back on): the zone's row is checked once the
      transaction holds the write lock, so it cannot be deleted before the commit; each domicile
      is of an entity the same transaction inserted; ``owner_id`` is empty. Every other
      connection checks them as before.

    Also enlarges the connection's page cache while it writes; ``close`` restores it."""

    def __init__(self, conn: Connection, zone_id: str, source: str, now: datetime) -> None:
        self.conn = conn
        self.cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
        conn.commit()
        self.insert_entities, self.insert_domiciles = sqlite_statements(conn.dialect, zone_id, source, now)
        self.add_counts = inserted_counts()
        self.zone_id = zone_id
        self.mark = 0
        self.trigger: str | None = None
        raw = self._raw()  # last, so that a writer made is a writer closed (``close`` turns them on again)
        self.foreign_keys = int(raw.execute("PRAGMA foreign_keys").fetchone()[0])
        raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, where SQLite honours it

    def _raw(self) -> Any:
        return self.conn.connection.dbapi_connection

    def _begin(self) -> None:
        self.conn.begin()  # BEGIN IMMEDIATE: the write lock, until the commit
        raw = self._raw()
        if raw.execute("SELECT 1 FROM zones WHERE id = ?", (self.zone_id,)).fetchone() is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{self.zone_id}", f"Unknown zone: {self.zone_id}")
        found = raw.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = "
                            "'enterprises'", (SQLITE_COUNTS_TRIGGER,)).fetchone()
        if found is not None:
            self.trigger = found[0]
            raw.execute(f"DROP TRIGGER {SQLITE_COUNTS_TRIGGER}")
        else:  # a database whose counts are not kept by that trigger: pause them as any bulk writer does
            self.trigger = None
            raw.execute(PAUSE, (1,))
        self.mark = int(raw.execute("SELECT coalesce(max(rowid), 0) FROM enterprises").fetchone()[0])

    ahead = False

    def prepare(self, rows: Rows) -> CopyText | None:
        return None

    def store(self, rows: Rows, counts: DayCounts | None = None,
              prepared: CopyText | None = None) -> tuple[int, int]:
        """``counts`` are not needed: the rows' counts are added up from the rows inserted, in SQL."""
        if isinstance(rows, CopyRows):
            rows = rows_of(rows)
        if not self.conn.in_transaction():
            self._begin()
        raw = self._raw()
        top = raw.execute("SELECT coalesce(max(rowid), 0) FROM enterprises").fetchone()[0]
        before = raw.total_changes
        raw.executemany(self.insert_entities, rows)
        loaded = raw.total_changes - before
        new = rows
        if loaded < len(rows):  # codes registered already or given twice: the new rows have the rowids above ``top``
            inserted = {code for (code,) in raw.execute("SELECT uscc FROM enterprises WHERE rowid > ?", (top,))}
            new = _unique([row for row in rows if row[0] in inserted])
        raw.executemany(self.insert_domiciles, [(row[0], row[7], "commitment" if row[8] else "lease")
                                                for row in new if row[7]])
        return loaded, len(rows) - loaded

    def commit(self) -> None:
        if self.conn.in_transaction():
            raw = self._raw()
            for statement in self.add_counts:
                raw.execute(statement, {"zone": self.zone_id, "mark": self.mark})
            if self.trigger is not None:
                raw.execute(self.trigger)
            else:
                raw.execute(PAUSE, (0,))
            self.conn.commit()

    def close(self) -> None:
        try:
            if self.conn.in_transaction():
                self.conn.rollback()  # the trigger comes back with it
        finally:
            raw = self._raw()
            raw.execute(f"PRAGMA foreign_keys={'ON' if self.foreign_keys else 'OFF'}")
            raw.execute(f"PRAGMA cache_size={int(self.cache or -2000)}")


def _constant(dialect: Dialect, column: Column[Any], value: Any) -> ColumnElement[Any]:
    """``value`` as the literal text ``column``'s type would bind for it."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return literal(process(value) if process else value, String())


def sqlite_statements(dialect: Dialect, zone_id: str, source: str, now: datetime) -> tuple[str, str]:
    """The statements that insert a batch on SQLite: an entity from a ``RowText`` as it is (its
    values numbered ``?1``–``?9``; the address, ``?8``, is left to the second), new codes only;
    a domicile from (credit code, address, proof)."""
    e, a = table_of(Enterprise).c, table_of(EnterpriseAddress).c
    value: list[ColumnElement[Any]] = [literal_column(f"?{n}") for n in range(1, 10)]
    uscc, name, kind, industry, capital, established, cancelled, _, commitment = value
    entities = sqlite_insert(table_of(Enterprise)).inline().values(
        uscc=uscc, zone_id=_constant(dialect, e.zone_id, zone_id), name=name, entity_type=kind,
        industry_code=industry, registered_capital=capital, established_on=established, cancelled_on=cancelled,
        status=case((cancelled.is_(None), IN_EXISTENCE), else_=CANCELLED), scope=_constant(dialect, e.scope, []),
        legal_representative=_constant(dialect, e.legal_representative, {}),
        shareholders=_constant(dialect, e.shareholders, []), owner_id=null(),
        source=_constant(dialect, e.source, source), address_commitment=commitment,
        created_at=_constant(dialect, e.created_at, now), updated_at=_constant(dialect, e.updated_at, now),
    ).on_conflict_do_nothing(index_elements=["uscc"])
    domiciles = core_insert(table_of(EnterpriseAddress)).inline().values(
        uscc=literal_column("?1"), kind="domicile", text=literal_column("?2"), proof=literal_column("?3"),
        added_at=_constant(dialect, a.added_at, now))
    literal_binds = {"literal_binds": True}
    return (str(entities.compile(dialect=dialect, compile_kwargs=literal_binds)),
            str(domiciles.compile(dialect=dialect, compile_kwargs=literal_binds)))


class PostgresWriter(_Writer):
    def __init__(self, conn: Connection, zone_id: str, source: str, now: datetime) -> None:
        self.conn = conn
        self.zone_id = zone_id
        self.zone = copy_value(zone_id)
        self.constants = _copy_constants(zone_id, source, now)
        self.copy_entities = f"COPY enterprises ({', '.join(ENTITY_COLUMNS)}) FROM STDIN"
        self.copy_addresses = f"COPY enterprise_addresses ({', '.join(ADDRESS_COLUMNS)}) FROM STDIN"
        self.copy_stage = f"COPY {COUNTS_STAGE} FROM STDIN"
        self.counted = RegisterTally()  # the register counts of the rows copied in this transaction
        #: the counts of the last batch copied in full, added to ``counted`` while the server
        #: stores the next batch (``_copy``) or before the commit
        self.pending: DayCounts | None = None
        self.loaded = 0
        #: look the batch's codes up before copying it: after a batch that held known codes (see ``store``)
        self.look_up = False
        if not conn.in_transaction():
            conn.begin()
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {COUNTS_STAGE} (key text, entity_type text, "
                             "division text, established integer, cancelled integer, capital numeric, "
                             "address_commitment integer)")
        # triggers that fire or not by session_replication_role, on the tables the import writes
        # (``ENABLE ALWAYS`` ones fire either way; the foreign keys' own are internal)
        triggers = conn.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled IN ('O', 'R') AND tgrelid IN "
            "('enterprises'::regclass, 'enterprise_addresses'::regclass, 'register_day_counts'::regclass, "
            "'register_month_counts'::regclass)").scalars().all()
        #: whether per-row triggers may be skipped (see the module's docstring); found out by trying
        self.replica: bool | None = None if list(triggers) == [COUNTS_TRIGGER] else False
        #: whether the year counts' trigger on the month counts can be paused (revision 0041): then
        #: the import adds the years of its month counts itself, with one grouped statement
        self.years_paused = YEAR_COUNTS_PAUSED in (conn.exec_driver_sql(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'register_year_counts' "
            "AND tgrelid = 'register_month_counts'::regclass").scalar() or "")
        conn.commit()

    def _raw(self) -> Any:
        return self.conn.connection.dbapi_connection

    def _begin(self) -> None:
        self.conn.begin()
        # the register counts' trigger pauses in this transaction only; ``commit`` adds the counts
        self.conn.exec_driver_sql("SELECT set_config('yima.register_counts_paused', 'on', true)")
        if self.years_paused:
            self.conn.exec_driver_sql(f"SELECT set_config('{YEAR_COUNTS_PAUSED}', 'on', true)")
        if self.replica is not False:
            attempt = self.conn.begin_nested()
            try:
                self.conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            except Exception as err:
                if not isinstance(getattr(err, "orig", None), InsufficientPrivilege):
                    raise
                attempt.rollback()
                self.replica = False
            else:
                attempt.commit()
                self.replica = True
        # what each row's foreign-key check would take: the zone cannot be deleted until the commit
        if self.conn.exec_driver_sql("SELECT 1 FROM zones WHERE id = %(zone)s FOR KEY SHARE",
                                     {"zone": self.zone_id}).first() is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{self.zone_id}", f"Unknown zone: {self.zone_id}")

    def _registered(self, codes: list[str]) -> set[str]:
        """The codes already registered (checked codes are 18 letters and digits, no commas)."""
        with self._raw().cursor() as cursor:
            cursor.execute("SELECT uscc FROM enterprises WHERE uscc = ANY(string_to_array(%s, ','))",
                           (",".join(codes),))
            return {code for (code,) in cursor.fetchall()}

    #: the ``COPY`` text of a batch is made ahead, while the server stores the batch before it
    ahead = True

    def store(self, rows: Rows, counts: DayCounts | None = None,
              prepared: CopyText | None = None) -> tuple[int, int]:
        """Copy the rows in as they are (``prepared``: their ``COPY`` text, if made already), unless
        the last batch held known codes; if the key refuses them (a code registered already or
        given twice), look the codes up and copy the new ones (rows given as ``COPY`` text are read
        back into rows for that)."""
        if not self.conn.in_transaction():
            self._begin()
        new: Rows = rows
        if not self.look_up:
            savepoint = self.conn.begin_nested()
            try:
                self._copy(rows, prepared)
            except UniqueViolation:
                savepoint.rollback()
                self.look_up = True
            else:
                savepoint.commit()
        if self.look_up:
            new = self._copy_new(rows_of(rows) if isinstance(rows, CopyRows) else rows)
            self.look_up = len(new) < len(rows)
        if counts is not None and len(new) == len(rows):
            self._settle()
            self.pending = counts
        else:
            self.counted.add(rows_of(new) if isinstance(new, CopyRows) else new)
        self.loaded += len(new)
        return len(new), len(rows) - len(new)

    def _copy_new(self, rows: list[RowText]) -> list[RowText]:
        codes = [row[0] for row in rows]
        for attempt in range(COPY_ATTEMPTS):
            new = _unique(rows, self._registered(codes))
            savepoint = self.conn.begin_nested()
            try:
                self._copy(new)
            except UniqueViolation:  # a code registered by another transaction since the look-up
                savepoint.rollback()
                if attempt == COPY_ATTEMPTS - 1:
                    raise
                continue
            savepoint.commit()
            return new
        raise AssertionError("unreachable")

    def prepare(self, rows: Rows) -> CopyText:
        """The ``COPY`` text of the rows' entities and of their domiciles (the import's constants
        written in; no connection touched), as made where they were checked or made here. The
        entities go in the order of their names: each one's entry in the zone-and-name index then
        lands next to the one before (measured on 200,000 rows: the server's time a row for the
        entities' ``COPY`` 7.4–8.1 → 6.1–6.6 µs)."""
        if isinstance(rows, CopyRows):
            return by_name(rows.entities), rows.addresses
        entities, addresses, _ = copy_rows(rows, self.constants)
        return by_name(entities), addresses

    def _settle(self) -> None:
        """Add the last batch's counts to the transaction's."""
        if self.pending is not None:
            self.counted.merge(self.pending)
            self.pending = None

    def _copy(self, new: Rows, prepared: CopyText | None = None) -> None:
        """``COPY`` the rows' entities and domiciles; while the server stores the entities, the
        counts of the batch before are added up (whether or not the key refuses these rows)."""
        entities, addresses = prepared or self.prepare(new)
        with self._raw().cursor() as cursor:
            with cursor.copy(self.copy_entities) as copy:
                copy.write(entities)
                self._settle()
            if addresses:
                with cursor.copy(self.copy_addresses) as copy:
                    copy.write(addresses)

    def _add_counts(self) -> None:
        """Write the counts of the rows copied in this transaction into the import's slot: by day,
        by month and (the year counts' trigger paused) by year."""
        self._settle()
        if not self.counted:
            return
        days = self.counted.days
        months = rolled_up(days, 7)
        tables = [("register_day_counts", "day", days), ("register_month_counts", "month", months)]
        if self.years_paused:
            tables.append(("register_year_counts", "year", rolled_up(months, 4)))
        for table, grain, counts in tables:
            self._write_counts(table, grain, counts)
        self.counted = RegisterTally()

    def _write_counts(self, table: str, grain: str, counts: DayCounts) -> None:
        """``COPY`` the counts of keys the import's slot does not hold yet; add the others to what
        it holds (a key written by an earlier transaction of this import or by another import)."""
        zone = self.zone
        for attempt in range(COPY_ATTEMPTS):
            held = self._held(table, grain, sorted({key.split("\t", 1)[0] for key in counts}))
            savepoint = self.conn.begin_nested()
            try:
                new = counts if not held else {key: value for key, value in counts.items() if key not in held}
                with self._raw().cursor() as cursor:
                    with cursor.copy(f"COPY {table} (zone_id, {grain}, entity_type, division, slot, "
                                     f"{', '.join(COUNTS)}) FROM STDIN") as copy:
                        # capital in fen, as yuan: an import's amounts are never negative; sent a
                        # part at a time, so that the server stores one while the next is written
                        lines = iter(new.items())
                        while part := "".join(
                                f"{zone}\t{key}\t{IMPORT_SLOT}\t{established}\t{cancelled}\t"
                                f"{capital // 100}.{capital % 100:02d}\t{commitments}\n"
                                for key, (established, cancelled, capital, commitments) in islice(lines, COUNTS_PART)):
                            copy.write(part)
                    if held:
                        cursor.execute(f"TRUNCATE {COUNTS_STAGE}")
                        with cursor.copy(self.copy_stage) as copy:
                            copy.write("".join(
                                f"{key}\t{established}\t{cancelled}\t{yuan(capital)}\t{commitments}\n"
                                for key, (established, cancelled, capital, commitments) in counts.items()
                                if key in held))
                        cursor.execute(_add_staged(table, grain), {"zone": self.zone_id})
            except UniqueViolation:  # another import wrote one of the keys since the look-up
                savepoint.rollback()
                if attempt == COPY_ATTEMPTS - 1:
                    raise
                continue
            savepoint.commit()
            return

    def _held(self, table: str, grain: str, keys: list[str]) -> set[str]:
        """The (day, month or year; type; division) keys of ``table`` the import's slot holds for
        the zone, among those of the days (months, years) ``keys``."""
        column, cast = (f"to_char({grain}, 'YYYY-MM-DD')", "date") if grain == "day" else (grain, "text")
        with self._raw().cursor() as cursor:
            cursor.execute(f"SELECT {column}, entity_type, division FROM {table} WHERE zone_id = %s AND slot = %s "
                           f"AND {grain} = ANY(%s::{cast}[])", (self.zone_id, IMPORT_SLOT, keys))
            return {f"{key}\t{kind}\t{division}" for key, kind, division in cursor.fetchall()}

    def commit(self) -> None:
        if self.conn.in_transaction():
            self._add_counts()
            self.conn.commit()

    def close(self) -> None:
        if self.conn.in_transaction():
            self.conn.rollback()
        self.counted, self.pending = RegisterTally(), None
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {COUNTS_STAGE}")
        if self.loaded >= ANALYZE_AFTER_ROWS:  # fresh statistics now, rather than when autovacuum comes by
            self.conn.exec_driver_sql("ANALYZE enterprises")
            self.conn.exec_driver_sql("ANALYZE enterprise_addresses")
        self.conn.commit()

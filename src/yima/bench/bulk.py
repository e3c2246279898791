"""Bulk seeding for ``yima bench pages`` at a province's scale: a register of millions and
thousands of suggestions in minutes, on SQLite or PostgreSQL.

The register: the first million entities are the synthetic register loaded through the import's
storage (every row checked as an import checks it); each further million is a copy of that first
million made in SQL under the next Chongqing district's division code, as the synthetic register
itself does for its later millions (``yima.stats.synthetic.BENCH_DIVISIONS``): the credit code's
six division digits change and its GB 32100 check character is worked out again from the old one
(the weighted sum changes by the same amount for every code of a copy), so every code stays valid
and unique. Each copy is one transaction that pauses the register counts' triggers in that
transaction only (as the import does: a row of ``register_counts_state`` on SQLite, a setting
local to the transaction on PostgreSQL) and adds the copy's counts with a few grouped statements;
the SQL that differs by dialect is chosen by ``Dialect``. On PostgreSQL the register's counts
are then laid out in the order of their key, as a zone's own history writes them (``analyse``),
and the tables analysed, as autovacuum would do after a bulk load.

The suggestions: copies of the demo's observers' suggestions (every state of the ledger), with
their replies and steps, numbered on in the zone's ledger; the audit entries and notifications the
originals made are not copied (the pages read the suggestions, replies and steps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, text

from yima.db import Database
from yima.db.base import table_of
from yima.observers.tables import Reply, Step, Suggestion
from yima.register.tables import Enterprise
from yima.registration.codes import USCC_ALPHABET, uscc_check_char
from yima.stats.synthetic import BENCH_DIVISIONS, SYNTHETIC_BLOCK
from yima.stats.tables import RegisterDayCount, RegisterMonthCount, RegisterYearCount

BASE = "bench_register_base"
BASE_ADDRESSES = "bench_register_base_addresses"
COUNTED = ("established", "cancelled", "capital", "address_commitment")


def check_shift(old_division: str, new_division: str) -> int:
    """How far (mod 31) a credit code's check character moves back in ``USCC_ALPHABET`` when its
    division digits (positions 3–8) change from ``old_division`` to ``new_division``: the same for
    every code, since the check is a weighted sum of the characters mod 31 (worked out here on
    one code)."""
    body = "0000000000"
    old = uscc_check_char(f"91{old_division}{body[:9]}")
    new = uscc_check_char(f"91{new_division}{body[:9]}")
    return (USCC_ALPHABET.index(old) - USCC_ALPHABET.index(new)) % 31


@dataclass(frozen=True)
class Dialect:
    """The SQL of the copies that differs between SQLite and PostgreSQL."""

    name: str

    @property
    def postgresql(self) -> bool:
        return self.name == "postgresql"

    def find(self, haystack: str, needle: str) -> str:
        """The 1-based position of ``needle`` in ``haystack`` (0 when absent)."""
        return f"strpos({haystack}, {needle})" if self.postgresql else f"instr({haystack}, {needle})"

    def later(self, a: str, b: str) -> str:
        return f"greatest({a}, {b})" if self.postgresql else f"max({a}, {b})"

    def month(self, day: str) -> str:
        """'YYYY-MM' of a date column (PostgreSQL stores a date, SQLite its ISO text)."""
        return f"to_char({day}, 'YYYY-MM')" if self.postgresql else f"substr({day}, 1, 7)"

    def pause(self, paused: bool) -> str:
        """The statement that pauses (or resumes) the register counts' triggers in this transaction."""
        if self.postgresql:
            return f"SELECT set_config('yima.register_counts_paused', '{'on' if paused else 'off'}', true)"
        return (f"INSERT INTO register_counts_state (id, paused) VALUES (1, {int(paused)}) "
                "ON CONFLICT (id) DO UPDATE SET paused = excluded.paused")


SQLITE = Dialect("sqlite")


def recoded(column: str, division: str, shift: int, dialect: Dialect = SQLITE) -> str:
    """SQL for the credit code in ``column`` under ``division``, its check character redone."""
    alphabet, check = f"'{USCC_ALPHABET}'", f"substr({column}, 18, 1)"
    position = f"{dialect.find(alphabet, check)} - 1"
    return (f"substr({column}, 1, 2) || '{division}' || substr({column}, 9, 9) || "
            f"substr('{USCC_ALPHABET}', 1 + ({position} - {shift} + 31) % 31, 1)")


def _counts(conn: Connection, zone_id: str, dialect: Dialect) -> None:
    """Add to the day and month counts what the base rows count (a copy counts the same)."""
    ended = dialect.later("established_on", "cancelled_on")
    for table, grain, established, ended_at in (
            ("register_day_counts", "day", "established_on", ended),
            ("register_month_counts", "month", dialect.month("established_on"), dialect.month(ended))):
        keys = f"zone_id, {grain}, entity_type, division"
        update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTED)
        conn.execute(text(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTED)}) SELECT :zone, {established}, entity_type, "
            "substr(industry_code, 1, 3), count(*), 0, coalesce(sum(registered_capital), 0), "
            f"sum(CASE WHEN address_commitment THEN 1 ELSE 0 END) FROM {BASE} WHERE true "
            f"GROUP BY {established}, entity_type, substr(industry_code, 1, 3) "
            f"ON CONFLICT ({keys}, slot) DO UPDATE SET {update}"), {"zone": zone_id})
        conn.execute(text(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTED)}) SELECT :zone, {ended_at}, entity_type, "
            f"substr(industry_code, 1, 3), 0, count(*), 0, 0 FROM {BASE} WHERE cancelled_on IS NOT NULL "
            f"GROUP BY {ended_at}, entity_type, substr(industry_code, 1, 3) "
            f"ON CONFLICT ({keys}, slot) DO UPDATE SET {update}"), {"zone": zone_id})


def copy_register(db: Database, zone_id: str, target: int, *, block: int = SYNTHETIC_BLOCK,
                  on_progress: Callable[[int], None] | None = None) -> int:
    """Grow the zone's synthetic register (its first ``block`` entities, all under
    ``BENCH_DIVISIONS[0]``) to ``target`` entities with copies under the later division codes,
    whole copies only; returns the entities the zone's synthetic register then holds."""
    with db.write() as session:
        conn = session.connection()
        dialect = Dialect(conn.dialect.name)
        held = int(conn.execute(text("SELECT count(*) FROM enterprises WHERE zone_id = :zone "
                                     "AND source = 'synthetic'"), {"zone": zone_id}).scalar_one())
    base_division = BENCH_DIVISIONS[0]
    if held >= target or held < block:
        return held
    # the first block, kept aside in tables of the benchmark's own while the copies are made
    with db.write() as session:
        conn = session.connection()
        _drop_base(conn)
        conn.execute(text(f"CREATE TABLE {BASE} AS SELECT * FROM enterprises WHERE zone_id = :zone "
                          f"AND source = 'synthetic' AND substr(uscc, 3, 6) = :division"),
                     {"zone": zone_id, "division": base_division})
        conn.exec_driver_sql(f"CREATE TABLE {BASE_ADDRESSES} AS SELECT a.uscc, a.kind, a.text, a.proof, "
                             f"a.added_at FROM enterprise_addresses a JOIN {BASE} b ON b.uscc = a.uscc")
    columns = [column.name for column in table_of(Enterprise).columns]
    try:
        while held < target:
            copy = held // block
            if copy >= len(BENCH_DIVISIONS) or held % block or target - held < block:
                break  # only whole copies, up to the last division code
            division = BENCH_DIVISIONS[copy]
            shift = check_shift(base_division, division)
            chosen = ", ".join(recoded("uscc", division, shift, dialect) if c == "uscc" else c for c in columns)
            with db.write() as session:  # one copy, one transaction
                conn = session.connection()
                conn.exec_driver_sql(dialect.pause(True))
                # text(): the driver's placeholders escaped (the check character's ``%``)
                conn.execute(text(f"INSERT INTO enterprises ({', '.join(columns)}) SELECT {chosen} FROM {BASE}"))
                conn.execute(text(f"INSERT INTO enterprise_addresses (uscc, kind, text, proof, added_at) "
                                  f"SELECT {recoded('uscc', division, shift, dialect)}, kind, text, proof, "
                                  f"added_at FROM {BASE_ADDRESSES}"))
                _counts(conn, zone_id, dialect)
                conn.exec_driver_sql(dialect.pause(False))
            held += block
            if on_progress:
                on_progress(held)
    finally:
        with db.write() as session:
            _drop_base(session.connection())
    if dialect.postgresql:
        analyse(db)
    return held


#: The register's counts, which each copy updates in place.
COUNTS = (RegisterDayCount, RegisterMonthCount, RegisterYearCount)


def analyse(db: Database) -> None:
    """PostgreSQL, after the copies: the register's counts rewritten in the order of their key,
    then fresh planner statistics (autovacuum would take them later).

    Each copy updates every count of the first million in place, so the copies leave ten dead
    versions of each row behind (``register_year_counts`` 12 MB for 4,807 rows; vacuum frees the
    space but a scan still reads it) and a day's counts scattered over as many pages as it has
    rows (the first million is loaded in credit-code order, not by day). A zone's own history
    writes a day's counts on that day, next to each other, and updates the years before it no
    more. ``CLUSTER`` on the primary key (zone, day or month or year, ...) lays them out so: the
    dashboard's statement over the year, month and day counts read 3,507 pages in 69 ms at 10
    million entities before, 20 ms after."""
    with db.engine.connect() as conn:
        auto = conn.execution_options(isolation_level="AUTOCOMMIT")
        for counts in COUNTS:
            table = table_of(counts)
            auto.exec_driver_sql(f"CLUSTER {table.name} USING {table.primary_key.name}")
        auto.exec_driver_sql("ANALYZE")


def _drop_base(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {BASE}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {BASE_ADDRESSES}")


def copy_suggestions(db: Database, zone_id: str, target: int) -> int:
    """Copies of the zone's suggestions, with their replies and steps, until it holds ``target``;
    returns how many it then holds."""
    with db.write() as session:
        originals = list(session.scalars(select(Suggestion).where(Suggestion.zone_id == zone_id)
                                         .order_by(Suggestion.id)))
        if not originals or len(originals) >= target:
            return len(originals)
        table, replies, steps = table_of(Suggestion), table_of(Reply), table_of(Step)
        rows = [_row(table, s) for s in originals]
        reply_rows = [_row(replies, r) for s in originals for r in s.replies]
        step_rows = [_row(steps, r) for s in originals for r in s.steps]
        next_id = int(session.scalar(select(Suggestion.id).order_by(Suggestion.id.desc()).limit(1)) or 0) + 1
        numbered = [s.ledger_no for s in originals if s.ledger_no is not None]
        next_no = max(numbered, default=0)
        held = len(originals)
        conn = session.connection()
        while held < target:
            take = rows[:target - held]
            ids = {row["id"]: next_id + i for i, row in enumerate(take)}
            copies = []
            for row in take:
                copy = {**row, "id": ids[row["id"]]}
                if row["ledger_no"] is not None:
                    copy["ledger_no"] = row["ledger_no"] + next_no
                if row["merged_into_id"] is not None:
                    copy["merged_into_id"] = ids.get(row["merged_into_id"], row["merged_into_id"])
                copies.append(copy)
            conn.execute(table.insert(), copies)
            for child, child_rows in ((replies, reply_rows), (steps, step_rows)):
                chosen = [{**{k: v for k, v in r.items() if k != "id"}, "suggestion_id": ids[r["suggestion_id"]]}
                          for r in child_rows if r["suggestion_id"] in ids]
                if chosen:
                    conn.execute(child.insert(), chosen)
            next_id += len(take)
            next_no += max(numbered, default=0)
            held += len(take)
        return held


def _row(table: Any, record: Any) -> dict[str, Any]:
    return {column.name: getattr(record, column.key) for column in table.columns}

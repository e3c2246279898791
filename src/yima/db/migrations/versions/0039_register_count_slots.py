"""stats: the register's counts are kept in slots (``slot``, part of the key; the report adds
the slots up), so that on PostgreSQL concurrent transactions registering entities of the same
zone, day, type and division add to different rows instead of waiting, each for the one before
it to commit, on one row locked by its trigger until commit

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-05 15:50:00

On PostgreSQL the trigger on ``enterprises`` adds a change to the slot of its transaction
(its transaction id modulo ``SLOTS``: transactions in flight together have neighbouring ids), and
the year counts' trigger follows each month count's slot. On SQLite, whose writers take turns,
every count stays in slot 0: the triggers only name the new key. Existing counts become slot 0;
no figure changes.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None

SLOTS = 32
WATCHED = "zone_id, established_on, cancelled_on, entity_type, industry_code, registered_capital, address_commitment"
COUNTS = ("established", "cancelled", "capital", "address_commitment")
#: SQLite's triggers on enterprises run only while a bulk import has not paused them (revision 0026).
ACTIVE = "coalesce((SELECT paused FROM register_counts_state WHERE id = 1), 0) = 0"
TABLES = (("register_day_counts", "day"), ("register_month_counts", "month"), ("register_year_counts", "year"))


def _enterprise_upserts(sqlite: bool, row: str, sign: str, slotted: bool) -> list[str]:
    """Add (``sign`` 1) or take away (-1) one enterprise row's contribution (``row``: NEW or OLD)
    to the day and the month counts (as revision 0025, the key with its slot when ``slotted``)."""
    month = (lambda day: f"substr({day}, 1, 7)") if sqlite else (lambda day: f"to_char({day}, 'YYYY-MM')")
    ended = f"max({row}.established_on, {row}.cancelled_on)" if sqlite else \
        f"greatest({row}.established_on, {row}.cancelled_on)"
    commitment = f"CASE WHEN {row}.address_commitment THEN 1 ELSE 0 END"
    slot = ("0" if sqlite else f"(txid_current() % {SLOTS})::smallint") if slotted else None
    statements = []
    for table, grain, established, ended_at in (
            ("register_day_counts", "day", f"{row}.established_on", ended),
            ("register_month_counts", "month", month(f"{row}.established_on"), month(ended))):
        keys = f"zone_id, {grain}, entity_type, division" + (", slot" if slot else "")
        value = f", {slot}" if slot else ""
        update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS)
        statements.append(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) "
            f"SELECT {row}.zone_id, {established}, {row}.entity_type, substr({row}.industry_code, 1, 3){value}, "
            f"{sign}, 0, {sign} * coalesce({row}.registered_capital, 0), {sign} * {commitment} WHERE true "
            f"ON CONFLICT ({keys}) DO UPDATE SET {update}")
        statements.append(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) "
            f"SELECT {row}.zone_id, {ended_at}, {row}.entity_type, substr({row}.industry_code, 1, 3){value}, "
            f"0, {sign}, 0, 0 WHERE {row}.cancelled_on IS NOT NULL "
            f"ON CONFLICT ({keys}) DO UPDATE SET {update}")
    return statements


def _year_upsert(row: str, sign: str, slotted: bool) -> str:
    """Add (1) or take away (-1) a month count row's (``row``) to its year (as revision 0035)."""
    keys = "zone_id, year, entity_type, division" + (", slot" if slotted else "")
    update = ", ".join(f"{c} = register_year_counts.{c} + excluded.{c}" for c in COUNTS)
    return (f"INSERT INTO register_year_counts ({keys}, {', '.join(COUNTS)}) "
            f"SELECT {row}.zone_id, substr({row}.month, 1, 4), {row}.entity_type, {row}.division"
            f"{f', {row}.slot' if slotted else ''}, "
            f"{', '.join(f'{sign} * {row}.{c}' for c in COUNTS)} WHERE true "
            f"ON CONFLICT ({keys}) DO UPDATE SET {update}")


def _sqlite_triggers(slotted: bool) -> None:
    for name, when, parts in (("insert", "AFTER INSERT", [("NEW", "1")]),
                              ("delete", "AFTER DELETE", [("OLD", "-1")]),
                              ("update", f"AFTER UPDATE OF {WATCHED}", [("OLD", "-1"), ("NEW", "1")])):
        body = ";\n".join(s for row, sign in parts for s in _enterprise_upserts(True, row, sign, slotted))
        op.execute(f"DROP TRIGGER IF EXISTS register_counts_{name}")
        op.execute(f"CREATE TRIGGER register_counts_{name} {when} ON enterprises WHEN {ACTIVE} "
                   f"BEGIN\n{body};\nEND")
    for name, when, parts in (("insert", "AFTER INSERT", [("NEW", "1")]),
                              ("delete", "AFTER DELETE", [("OLD", "-1")]),
                              ("update", "AFTER UPDATE", [("OLD", "-1"), ("NEW", "1")])):
        body = ";\n".join(_year_upsert(row, sign, slotted) for row, sign in parts)
        op.execute(f"DROP TRIGGER IF EXISTS register_year_counts_{name}")
        op.execute(f"CREATE TRIGGER register_year_counts_{name} {when} ON register_month_counts "
                   f"BEGIN\n{body};\nEND")


def _postgres_functions(slotted: bool) -> None:
    minus = ";\n    ".join(_enterprise_upserts(False, "OLD", "-1", slotted))
    plus = ";\n    ".join(_enterprise_upserts(False, "NEW", "1", slotted))
    op.execute(f"""CREATE OR REPLACE FUNCTION register_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {minus};
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {plus};
  END IF;
  RETURN NULL;
END $$""")
    op.execute(f"""CREATE OR REPLACE FUNCTION register_year_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_year_upsert("OLD", "-1", slotted)};
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {_year_upsert("NEW", "1", slotted)};
  END IF;
  RETURN NULL;
END $$""")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # the triggers name the tables rebuilt below: off while they are
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS register_counts_{name}")
            op.execute(f"DROP TRIGGER IF EXISTS register_year_counts_{name}")
    for table, grain in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('slot', sa.SmallInteger(), server_default=sa.text('0'), nullable=False))
            batch_op.drop_constraint(f'pk_{table}', type_='primary')
            batch_op.create_primary_key(f'pk_{table}', ['zone_id', grain, 'entity_type', 'division', 'slot'])
    if sqlite:
        _sqlite_triggers(slotted=True)
    else:
        _postgres_functions(slotted=True)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, grain in TABLES:  # every slot added into slot 0 (the month counts' triggers move their years alike)
        keys = f"zone_id, {grain}, entity_type, division"
        update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS)
        op.execute(f"INSERT INTO {table} ({keys}, slot, {', '.join(COUNTS)}) SELECT {keys}, 0, "
                   f"{', '.join(f'sum({c})' for c in COUNTS)} FROM {table} WHERE slot <> 0 GROUP BY {keys} "
                   f"ON CONFLICT ({keys}, slot) DO UPDATE SET {update}")
        op.execute(f"DELETE FROM {table} WHERE slot <> 0")
    if sqlite:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS register_counts_{name}")
            op.execute(f"DROP TRIGGER IF EXISTS register_year_counts_{name}")
    else:
        _postgres_functions(slotted=False)
    for table, grain in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'pk_{table}', type_='primary')
            batch_op.drop_column('slot')
            batch_op.create_primary_key(f'pk_{table}', ['zone_id', grain, 'entity_type', 'division'])
    if sqlite:
        _sqlite_triggers(slotted=False)

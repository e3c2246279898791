"""stats: on SQLite, a bulk import may pause the register counts' triggers within its own
transaction and add the counts of each batch in one grouped statement instead

``register_counts_state`` holds one row; the triggers run only while its ``paused`` is 0. The
importer sets it to 1 after it begins its transaction and back to 0 before it commits, so no
other transaction ever sees it paused (SQLite has one writer at a time; a crash rolls it back).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 08:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

WATCHED = "zone_id, established_on, cancelled_on, entity_type, industry_code, registered_capital, address_commitment"
COUNTS = ("established", "cancelled", "capital", "address_commitment")
ACTIVE = "coalesce((SELECT paused FROM register_counts_state WHERE id = 1), 0) = 0"


def _upserts(row: str, sign: str) -> list[str]:
    """As revision 0025 keeps them on SQLite: one row's contribution to the day and month counts."""
    ended = f"max({row}.established_on, {row}.cancelled_on)"
    commitment = f"CASE WHEN {row}.address_commitment THEN 1 ELSE 0 END"
    statements = []
    for table, grain, established, ended_at in (
            ("register_day_counts", "day", f"{row}.established_on", ended),
            ("register_month_counts", "month", f"substr({row}.established_on, 1, 7)", f"substr({ended}, 1, 7)")):
        keys = f"zone_id, {grain}, entity_type, division"
        update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS)
        statements.append(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) "
            f"SELECT {row}.zone_id, {established}, {row}.entity_type, substr({row}.industry_code, 1, 3), "
            f"{sign}, 0, {sign} * coalesce({row}.registered_capital, 0), {sign} * {commitment} WHERE true "
            f"ON CONFLICT ({keys}) DO UPDATE SET {update}")
        statements.append(
            f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) "
            f"SELECT {row}.zone_id, {ended_at}, {row}.entity_type, substr({row}.industry_code, 1, 3), "
            f"0, {sign}, 0, 0 WHERE {row}.cancelled_on IS NOT NULL "
            f"ON CONFLICT ({keys}) DO UPDATE SET {update}")
    return statements


def _sqlite_triggers(when: str) -> None:
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS register_counts_{name}")
    for name, event, parts in (("insert", "AFTER INSERT", [("NEW", "1")]),
                               ("delete", "AFTER DELETE", [("OLD", "-1")]),
                               ("update", f"AFTER UPDATE OF {WATCHED}", [("OLD", "-1"), ("NEW", "1")])):
        body = ";\n".join(s for row, sign in parts for s in _upserts(row, sign))
        op.execute(f"CREATE TRIGGER register_counts_{name} {event} ON enterprises {when}BEGIN\n{body};\nEND")


def upgrade() -> None:
    op.create_table('register_counts_state',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('paused', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_counts_state')))
    op.execute("INSERT INTO register_counts_state (id, paused) VALUES (1, 0)")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers(f"WHEN {ACTIVE} ")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers("")
    op.drop_table('register_counts_state')

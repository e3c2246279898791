"""stats: the register's counts by day and by month (zone, entity type, GB/T 4754 division), kept
by triggers on enterprises in the same transaction as each change, built from the existing rows

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 08:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

WATCHED = "zone_id, established_on, cancelled_on, entity_type, industry_code, registered_capital, address_commitment"
COUNTS = ("established", "cancelled", "capital", "address_commitment")


def _tables() -> None:
    for name, grain in (("register_day_counts", sa.Column('day', sa.Date(), nullable=False)),
                        ("register_month_counts", sa.Column('month', sa.String(length=7), nullable=False))):
        op.create_table(name,
                        sa.Column('zone_id', sa.String(length=32), nullable=False),
                        sa.Column('entity_type', sa.String(length=32), nullable=False),
                        sa.Column('division', sa.String(length=3), nullable=False),
                        sa.Column('established', sa.Integer(), nullable=False),
                        sa.Column('cancelled', sa.Integer(), nullable=False),
                        sa.Column('capital', sa.Numeric(precision=24, scale=2), nullable=False),
                        sa.Column('address_commitment', sa.Integer(), nullable=False),
                        grain,
                        sa.PrimaryKeyConstraint('zone_id', grain.name, 'entity_type', 'division',
                                                name=op.f(f'pk_{name}')))


def _upserts(sqlite: bool, row: str, sign: str) -> list[str]:
    """The statements that add (``sign`` 1) or take away (-1) one enterprise row's contribution
    (``row``: NEW or OLD), to the day and the month counts."""
    month = (lambda day: f"substr({day}, 1, 7)") if sqlite else (lambda day: f"to_char({day}, 'YYYY-MM')")
    ended = f"max({row}.established_on, {row}.cancelled_on)" if sqlite else \
        f"greatest({row}.established_on, {row}.cancelled_on)"
    commitment = f"CASE WHEN {row}.address_commitment THEN 1 ELSE 0 END"
    statements = []
    for table, grain, established, ended_at in (
            ("register_day_counts", "day", f"{row}.established_on", ended),
            ("register_month_counts", "month", month(f"{row}.established_on"), month(ended))):
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


def _triggers(sqlite: bool) -> None:
    if sqlite:
        for name, when, parts in (("insert", "AFTER INSERT", [("NEW", "1")]),
                                  ("delete", "AFTER DELETE", [("OLD", "-1")]),
                                  ("update", f"AFTER UPDATE OF {WATCHED}", [("OLD", "-1"), ("NEW", "1")])):
            body = ";\n".join(s for row, sign in parts for s in _upserts(True, row, sign))
            op.execute(f"CREATE TRIGGER register_counts_{name} {when} ON enterprises BEGIN\n{body};\nEND")
        return
    minus = ";\n    ".join(_upserts(False, "OLD", "-1"))
    plus = ";\n    ".join(_upserts(False, "NEW", "1"))
    op.execute(f"""CREATE FUNCTION register_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {minus};
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {plus};
  END IF;
  RETURN NULL;
END $$""")
    op.execute(f"CREATE TRIGGER register_counts AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} ON enterprises "
               "FOR EACH ROW EXECUTE FUNCTION register_counts_keep()")


def _build(sqlite: bool) -> None:
    """The counts of the rows already there, in one pass per table and kind."""
    month = (lambda day: f"substr({day}, 1, 7)") if sqlite else (lambda day: f"to_char({day}, 'YYYY-MM')")
    ended = "max(established_on, cancelled_on)" if sqlite else "greatest(established_on, cancelled_on)"
    for table, grain, established, ended_at in (
            ("register_day_counts", "day", "established_on", ended),
            ("register_month_counts", "month", month("established_on"), month(ended))):
        keys = f"zone_id, {grain}, entity_type, division"
        update = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS)
        op.execute(f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) "
                   f"SELECT zone_id, {established}, entity_type, substr(industry_code, 1, 3), count(*), 0, "
                   "coalesce(sum(registered_capital), 0), "
                   "sum(CASE WHEN address_commitment THEN 1 ELSE 0 END) FROM enterprises "
                   f"GROUP BY zone_id, {established}, entity_type, substr(industry_code, 1, 3)")
        op.execute(f"INSERT INTO {table} ({keys}, {', '.join(COUNTS)}) "
                   f"SELECT zone_id, {ended_at}, entity_type, substr(industry_code, 1, 3), 0, count(*), 0, 0 "
                   "FROM enterprises WHERE cancelled_on IS NOT NULL "
                   f"GROUP BY zone_id, {ended_at}, entity_type, substr(industry_code, 1, 3) "
                   f"ON CONFLICT ({keys}) DO UPDATE SET {update}")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _tables()
    _build(sqlite)
    _triggers(sqlite)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS register_counts_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS register_counts ON enterprises")
        op.execute("DROP FUNCTION IF EXISTS register_counts_keep()")
    op.drop_table('register_month_counts')
    op.drop_table('register_day_counts')

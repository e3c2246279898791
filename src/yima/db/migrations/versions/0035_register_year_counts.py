"""stats: the register's counts by year (zone, entity type, GB/T 4754 division), kept by triggers on
the month counts in the same transaction as each change to them, built from the month counts

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05 13:20:00

Entities active on a day are a running sum of the counts before it: with the years, the report
reads the whole years before the day, the whole months of its year before its month and the days
of its month (a few thousand counts) instead of every month since the register began. The year
counts follow the month counts whichever way those change (the triggers on ``enterprises``, a
bulk import's grouped statements, also in a transaction that skips replication's per-row
triggers, a correction by hand), so nothing else has to know of them.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None

COUNTS = ("established", "cancelled", "capital", "address_commitment")
KEYS = "zone_id, year, entity_type, division"


def _add(row: str, sign: str) -> str:
    """Add (``sign`` 1) or take away (-1) a month count row's (``row``: NEW or OLD) to its year."""
    update = ", ".join(f"{c} = register_year_counts.{c} + excluded.{c}" for c in COUNTS)
    return (f"INSERT INTO register_year_counts ({KEYS}, {', '.join(COUNTS)}) "
            f"SELECT {row}.zone_id, substr({row}.month, 1, 4), {row}.entity_type, {row}.division, "
            f"{', '.join(f'{sign} * {row}.{c}' for c in COUNTS)} WHERE true "
            f"ON CONFLICT ({KEYS}) DO UPDATE SET {update}")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table('register_year_counts',
                    sa.Column('zone_id', sa.String(length=32), nullable=False),
                    sa.Column('entity_type', sa.String(length=32), nullable=False),
                    sa.Column('division', sa.String(length=3), nullable=False),
                    sa.Column('established', sa.Integer(), nullable=False),
                    sa.Column('cancelled', sa.Integer(), nullable=False),
                    sa.Column('capital', sa.Numeric(precision=24, scale=2), nullable=False),
                    sa.Column('address_commitment', sa.Integer(), nullable=False),
                    sa.Column('year', sa.String(length=4), nullable=False),
                    sa.PrimaryKeyConstraint('zone_id', 'year', 'entity_type', 'division',
                                            name=op.f('pk_register_year_counts')))
    op.execute(f"INSERT INTO register_year_counts ({KEYS}, {', '.join(COUNTS)}) "
               f"SELECT zone_id, substr(month, 1, 4), entity_type, division, "
               f"{', '.join(f'sum({c})' for c in COUNTS)} FROM register_month_counts "
               "GROUP BY zone_id, substr(month, 1, 4), entity_type, division")
    if sqlite:
        for name, when, parts in (("insert", "AFTER INSERT", [("NEW", "1")]),
                                  ("delete", "AFTER DELETE", [("OLD", "-1")]),
                                  ("update", "AFTER UPDATE", [("OLD", "-1"), ("NEW", "1")])):
            body = ";\n".join(_add(row, sign) for row, sign in parts)
            op.execute(f"CREATE TRIGGER register_year_counts_{name} {when} ON register_month_counts "
                       f"BEGIN\n{body};\nEND")
        return
    op.execute(f"""CREATE FUNCTION register_year_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_add("OLD", "-1")};
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {_add("NEW", "1")};
  END IF;
  RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER register_year_counts AFTER INSERT OR DELETE OR UPDATE ON register_month_counts "
               "FOR EACH ROW EXECUTE FUNCTION register_year_counts_keep()")
    # also in a transaction that skips the per-row triggers (session_replication_role = replica, as
    # a bulk import may): the year counts follow the month counts whoever writes them
    op.execute("ALTER TABLE register_month_counts ENABLE ALWAYS TRIGGER register_year_counts")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS register_year_counts_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS register_year_counts ON register_month_counts")
        op.execute("DROP FUNCTION IF EXISTS register_year_counts_keep()")
    op.drop_table('register_year_counts')

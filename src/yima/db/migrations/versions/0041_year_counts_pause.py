"""register import: fewer index entries and trigger calls per imported entity. The addresses'
text loses its index (nothing looks addresses up by their text), the enterprises' owner index
keeps only the entities that have an owner (every imported one has none), and on PostgreSQL the
year counts' trigger on the month counts can be paused by a transaction of its own
(``yima.year_counts_paused``, a transaction-local setting), so that a bulk import, which writes
the month counts of its rows with one grouped statement, adds their years with one grouped
statement too instead of one trigger call per month count

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-05 19:00:00

The year counts' trigger stays ``ENABLE ALWAYS`` and runs for every other change to the month
counts, as before; only a transaction that sets the flag itself skips it, and such a transaction
adds the years of what it wrote (``yima.stats.storage``, the PostgreSQL import, the one that sets
it). On SQLite only the indexes change. No row changes; the indexes are declared the same way in
``yima.register.tables``.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None

EVENTS = "AFTER INSERT OR DELETE OR UPDATE ON register_month_counts FOR EACH ROW"
WHEN = "WHEN (coalesce(current_setting('yima.year_counts_paused', true), '') <> 'on')"
HAS_OWNER = sa.text("owner_id IS NOT NULL")


def _year_trigger(when: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS register_year_counts ON register_month_counts")
    op.execute(f"CREATE TRIGGER register_year_counts {EVENTS} {when} EXECUTE FUNCTION register_year_counts_keep()")
    op.execute("ALTER TABLE register_month_counts ENABLE ALWAYS TRIGGER register_year_counts")


def upgrade() -> None:
    op.drop_index('ix_enterprise_addresses_text', table_name='enterprise_addresses')
    op.drop_index('ix_enterprises_owner_id', table_name='enterprises')
    op.create_index('ix_enterprises_owner_id', 'enterprises', ['owner_id'], unique=False,
                    postgresql_where=HAS_OWNER, sqlite_where=HAS_OWNER)
    if op.get_bind().dialect.name != "sqlite":
        _year_trigger(WHEN)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        _year_trigger("")
    op.drop_index('ix_enterprises_owner_id', table_name='enterprises')
    op.create_index('ix_enterprises_owner_id', 'enterprises', ['owner_id'], unique=False)
    op.create_index('ix_enterprise_addresses_text', 'enterprise_addresses', ['text'], unique=False)

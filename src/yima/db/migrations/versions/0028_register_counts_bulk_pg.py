"""stats: on PostgreSQL too, a bulk import may pause the register counts' trigger within its own
transaction (``set_config('yima.register_counts_paused', 'on', true)``, which ends with the
transaction) and add the counts of what each batch inserted in grouped statements instead

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 08:30:00
"""
from __future__ import annotations

from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

WATCHED = "zone_id, established_on, cancelled_on, entity_type, industry_code, registered_capital, address_commitment"


def _trigger(when: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS register_counts ON enterprises")
    op.execute(f"CREATE TRIGGER register_counts AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} ON enterprises "
               f"FOR EACH ROW {when}EXECUTE FUNCTION register_counts_keep()")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        _trigger("WHEN (coalesce(current_setting('yima.register_counts_paused', true), '') <> 'on') ")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        _trigger("")

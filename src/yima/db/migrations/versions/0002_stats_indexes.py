"""stats: indexes for the zone figures

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:00:00

``ix_enterprises_stats_active`` serves "active on a day, by entity type and GB/T 4754 division":
the zone's entities in (type, division) order, so both SQLite and PostgreSQL group while reading
the index, and the dates are read from it without touching the table. The division is the
expression ``substr(industry_code, 1, 3)`` (``I65`` of ``I6513``); queries must write it the same
way, with literal arguments. ``ix_enterprises_stats_new`` serves "established in a period":
a range on the date, with the type, capital and commitment flag in the index.
``ix_applications_stats`` serves "decided in a period", by status, channel and matter.
The same indexes are declared on the tables in ``yima.stats.tables``.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_enterprises_stats_active', 'enterprises',
                    ['zone_id', 'entity_type', sa.text('substr(industry_code, 1, 3)'), 'established_on',
                     'cancelled_on'], unique=False)
    op.create_index('ix_enterprises_stats_new', 'enterprises',
                    ['zone_id', 'established_on', 'entity_type', 'registered_capital', 'address_commitment'],
                    unique=False)
    op.create_index('ix_applications_stats', 'applications',
                    ['zone_id', 'decided_at', 'status', 'channel', 'matter'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_applications_stats', table_name='applications')
    op.drop_index('ix_enterprises_stats_new', table_name='enterprises')
    op.drop_index('ix_enterprises_stats_active', table_name='enterprises')

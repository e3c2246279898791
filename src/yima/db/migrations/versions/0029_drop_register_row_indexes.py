"""stats: drop the two indexes the report counted the register's rows with
(``ix_enterprises_stats_active``, ``ix_enterprises_stats_new``, revision 0002): the report reads
the register's counts (revision 0025) and nothing else reads the rows that way, while every
registration and every imported row paid for keeping them (a fifth of an import's work)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 10:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_enterprises_stats_new', table_name='enterprises')
    op.drop_index('ix_enterprises_stats_active', table_name='enterprises')


def downgrade() -> None:
    op.create_index('ix_enterprises_stats_active', 'enterprises',
                    ['zone_id', 'entity_type', sa.text('substr(industry_code, 1, 3)'), 'established_on',
                     'cancelled_on'], unique=False)
    op.create_index('ix_enterprises_stats_new', 'enterprises',
                    ['zone_id', 'established_on', 'entity_type', 'registered_capital', 'address_commitment'],
                    unique=False)

"""projects: indexes for the investment figures — a zone's projects by the day they landed, started
and completed — so that the figures of a period read those projects through an index instead of
scanning every project of the zone

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 11:40:00

The same indexes are declared on the table in ``yima.projects.tables``.
"""
from __future__ import annotations

from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_projects_landed', 'projects', ['zone_id', 'landed_on'], unique=False)
    op.create_index('ix_projects_started', 'projects', ['zone_id', 'started_on'], unique=False)
    op.create_index('ix_projects_completed', 'projects', ['zone_id', 'completed_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_projects_completed', table_name='projects')
    op.drop_index('ix_projects_started', table_name='projects')
    op.drop_index('ix_projects_landed', table_name='projects')

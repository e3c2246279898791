"""projects: the investment figures read from indexes alone — a zone's projects by the day they
were signed with every column the figures read (the tags as an included column on PostgreSQL),
the landed projects with their amount, the completed ones with
the day they started, and the receipts of funds by the day they came in

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 13:10:00

The same indexes are declared on the tables in ``yima.projects.tables``.
"""
from __future__ import annotations

from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

FIGURES = ['zone_id', 'signed_on', 'amount', 'industry_code', 'landed_on', 'started_on', 'completed_on', 'investor']


def upgrade() -> None:
    op.create_index('ix_projects_figures', 'projects', FIGURES, unique=False, postgresql_include=['investor_tags'])
    op.drop_index('ix_projects_landed', table_name='projects')
    op.create_index('ix_projects_landed', 'projects', ['zone_id', 'landed_on', 'amount'], unique=False)
    op.drop_index('ix_projects_completed', table_name='projects')
    op.create_index('ix_projects_completed', 'projects', ['zone_id', 'completed_on', 'started_on'], unique=False)
    op.create_index('ix_project_funds_received_on', 'project_funds', ['received_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_project_funds_received_on', table_name='project_funds')
    op.drop_index('ix_projects_completed', table_name='projects')
    op.create_index('ix_projects_completed', 'projects', ['zone_id', 'completed_on'], unique=False)
    op.drop_index('ix_projects_landed', table_name='projects')
    op.create_index('ix_projects_landed', 'projects', ['zone_id', 'landed_on'], unique=False)
    op.drop_index('ix_projects_figures', table_name='projects')

"""projects: an index in the list's order (a zone's projects, newest signing first, projects
under negotiation last), so that any page of 100,000 projects is read from the index

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 07:40:00

PostgreSQL sorts NULL first in a descending order unless told; SQLite sorts it last and takes no
NULLS clause in an index, so the index is written for each. The same index is declared on the
table in ``yima.projects.tables``.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    nulls = '' if op.get_bind().dialect.name == 'sqlite' else ' NULLS LAST'
    op.create_index('ix_projects_list', 'projects',
                    ['zone_id', sa.text(f'signed_on DESC{nulls}'), sa.text('id DESC')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_projects_list', table_name='projects')

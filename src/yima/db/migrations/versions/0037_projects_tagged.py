"""projects: a partial index of the projects whose investors carry tags, by zone and day signed,
so that the figures' investors by tag read those projects only (about one in ten)

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05 13:50:00

The same index is declared on the table in ``yima.projects.tables``; the figures' query carries
the index's condition word for word (``yima.projects.service.TAGGED``), as SQLite requires.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_projects_tagged', 'projects', ['zone_id', 'signed_on', 'investor'], unique=False,
                    sqlite_where=sa.text("investor_tags <> '[]'"),
                    postgresql_where=sa.text("(investor_tags)::text <> '[]'::text"),
                    postgresql_include=['investor_tags'])


def downgrade() -> None:
    op.drop_index('ix_projects_tagged', table_name='projects')

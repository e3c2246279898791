"""projects: an index of the projects by the enterprise that carries them (``enterprise_uscc``),
the one reference to ``enterprises`` without one

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-05 18:45:00

Deleting or renumbering an enterprise makes the database look for the projects that refer to it
(the foreign key's check); without the index each such check read every project. Removing a
benchmark's million entities on PostgreSQL did a million scans of the projects table. No row
changes; the same index is declared on the table in ``yima.projects.tables``.
"""
from __future__ import annotations

from alembic import op

revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_projects_enterprise_uscc', 'projects', ['enterprise_uscc'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_projects_enterprise_uscc', table_name='projects')

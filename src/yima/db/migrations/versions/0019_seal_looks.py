"""seals: the look a seal's picture is drawn from (name, credit code, person) instead of the picture

Seals made before keep their stored pictures and are served from them; ``yima seal compact-images``
drops a stored picture once the same seal redraws to the same bytes (drawing takes about a second a
seal set, too long for an upgrade of a zone with tens of thousands of sets).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 07:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN only: SQLite does it without copying the table (and its stored pictures)
    op.add_column('seals', sa.Column('look_name', sa.String(length=200), nullable=True))
    op.add_column('seals', sa.Column('look_uscc', sa.String(length=18), nullable=True))
    op.add_column('seals', sa.Column('look_person', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('seals', schema=None) as batch_op:
        batch_op.drop_column('look_person')
        batch_op.drop_column('look_uscc')
        batch_op.drop_column('look_name')

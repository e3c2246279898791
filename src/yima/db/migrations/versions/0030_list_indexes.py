"""lists: indexes in the order of the paged lists that had none — the federation message log
(a zone's sent messages and its received ones, newest first) and the permits awaiting a decision
(a zone's, oldest first) — so that a page is read from an index

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 10:40:00

The same indexes are declared on the tables in ``yima.federation.tables`` and
``yima.licences.tables``. The permits' index replaces ``ix_permits_zone_status``, of which it is
an extension.
"""
from __future__ import annotations

from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_federation_outbox_log', 'federation_outbox', ['sender', 'created_at'], unique=False)
    op.create_index('ix_federation_inbox_log', 'federation_inbox', ['recipient', 'received_at'], unique=False)
    op.create_index('ix_permits_queue', 'permits', ['zone_id', 'status', 'created_at'], unique=False)
    op.drop_index('ix_permits_zone_status', table_name='permits')


def downgrade() -> None:
    op.create_index('ix_permits_zone_status', 'permits', ['zone_id', 'status'], unique=False)
    op.drop_index('ix_permits_queue', table_name='permits')
    op.drop_index('ix_federation_inbox_log', table_name='federation_inbox')
    op.drop_index('ix_federation_outbox_log', table_name='federation_outbox')

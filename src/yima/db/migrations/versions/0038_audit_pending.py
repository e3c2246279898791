"""audit: an entry may be stored pending, not yet linked into its chain (no seq, no hashes), and
linked after its transaction's commit by one integrator in the order of its id; an index finds
the pending entries of a chain

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-05 15:40:00

No row changes: every entry of an earlier release is linked, and its chain, its head and the
checkpoints signed over it verify as before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None

PENDING = "seq IS NULL"


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.BigInteger(), nullable=True)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=True)
    op.create_index('ix_audit_log_pending', 'audit_log', ['chain', 'id'], unique=False,
                    sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))


def downgrade() -> None:
    op.drop_index('ix_audit_log_pending', table_name='audit_log')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('seq', existing_type=sa.BigInteger(), nullable=False)

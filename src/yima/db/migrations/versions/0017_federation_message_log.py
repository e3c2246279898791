"""federation: the message log — each message signed once and kept as signed with its receipt at
both ends; dead letters and expiry in the outbox

Existing rows: a delivered message is ``delivered`` (its receipt's digest computed), any other
``pending`` with an expiry 72 hours after it was written (the default ``YIMA_MESSAGE_TTL_H``);
messages exchanged before this revision have no kept bytes (the first release re-signed each
attempt and kept none), which the message log shows as an empty digest.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 04:30:00
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_TTL = timedelta(hours=72)  # the default of YIMA_MESSAGE_TTL_H when this revision was written


def upgrade() -> None:
    with op.batch_alter_table('federation_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('signed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('receipt_sha256', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('refusal', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_federation_outbox_state', ['state', 'recipient', 'next_attempt_at'], unique=False)
    with op.batch_alter_table('federation_inbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('receipt_sha256', sa.String(length=64), nullable=False, server_default=''))
    conn = op.get_bind()
    outbox = sa.table('federation_outbox', sa.column('id', sa.String), sa.column('created_at', sa.DateTime(True)),
                      sa.column('delivered_at', sa.DateTime(True)), sa.column('receipt', sa.LargeBinary),
                      sa.column('state', sa.String), sa.column('expires_at', sa.DateTime(True)),
                      sa.column('receipt_sha256', sa.String), sa.column('closed_at', sa.DateTime(True)))
    for row in conn.execute(sa.select(outbox.c.id, outbox.c.created_at, outbox.c.delivered_at,
                                      outbox.c.receipt)).all():
        if row.delivered_at is not None:
            conn.execute(outbox.update().where(outbox.c.id == row.id).values(
                state='delivered', closed_at=row.delivered_at, expires_at=row.created_at + _TTL,
                receipt_sha256=hashlib.sha256(row.receipt).hexdigest() if row.receipt else ''))
        else:
            conn.execute(outbox.update().where(outbox.c.id == row.id).values(expires_at=row.created_at + _TTL))
    inbox = sa.table('federation_inbox', sa.column('id', sa.String), sa.column('receipt', sa.LargeBinary),
                     sa.column('receipt_sha256', sa.String))
    for received in conn.execute(sa.select(inbox.c.id, inbox.c.receipt)).all():
        conn.execute(inbox.update().where(inbox.c.id == received.id).values(
            receipt_sha256=hashlib.sha256(received.receipt).hexdigest()))


def downgrade() -> None:
    with op.batch_alter_table('federation_inbox', schema=None) as batch_op:
        batch_op.drop_column('receipt_sha256')
        batch_op.drop_column('message')
    with op.batch_alter_table('federation_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_federation_outbox_state')
        for column in ('closed_at', 'refusal', 'receipt_sha256', 'sha256', 'signed_at', 'signed', 'expires_at',
                       'state'):
            batch_op.drop_column(column)

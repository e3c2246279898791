"""federation: partners, outbox, inbox, cases, witnessed checkpoints

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 13:34:43.162001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('federation_checkpoints',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('checkpoint', sa.JSON(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_checkpoints'))
    )
    with op.batch_alter_table('federation_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_federation_checkpoints_zone_id'), ['zone_id'], unique=False)

    op.create_table('federation_inbox',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('sender', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('receipt', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_inbox'))
    )
    op.create_table('federation_outbox',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('sender', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('receipt', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_outbox'))
    )
    with op.batch_alter_table('federation_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_federation_outbox_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_federation_outbox_due', ['delivered_at', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_federation_outbox_recipient'), ['recipient'], unique=False)

    op.create_table('federation_partners',
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('local_zone', sa.String(length=32), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('trust_list_source', sa.String(length=500), nullable=False),
    sa.Column('trust_list', sa.JSON(), nullable=False),
    sa.Column('standard_digest', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['users.id'], name=op.f('fk_federation_partners_account_id_users')),
    sa.ForeignKeyConstraint(['local_zone'], ['zones.id'], name=op.f('fk_federation_partners_local_zone_zones')),
    sa.PrimaryKeyConstraint('zone_id', name=op.f('pk_federation_partners'))
    )
    op.create_table('federation_cases',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('partner_zone', sa.String(length=32), nullable=False),
    sa.Column('remote_application_id', sa.Integer(), nullable=True),
    sa.Column('remote_status', sa.String(length=32), nullable=False),
    sa.Column('remote_version', sa.Integer(), nullable=False),
    sa.Column('remote_findings', sa.JSON(), nullable=False),
    sa.Column('remote_missing', sa.JSON(), nullable=False),
    sa.Column('remote_due_on', sa.String(length=10), nullable=True),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('licence_qr', sa.Text(), nullable=True),
    sa.Column('licence_cose', sa.LargeBinary(), nullable=True),
    sa.Column('licence_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('licence_delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_federation_cases_application_id_applications')),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_federation_cases'))
    )
    with op.batch_alter_table('federation_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_federation_cases_partner_zone'), ['partner_zone'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('federation_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_federation_cases_partner_zone'))

    op.drop_table('federation_cases')
    op.drop_table('federation_partners')
    with op.batch_alter_table('federation_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_federation_outbox_recipient'))
        batch_op.drop_index('ix_federation_outbox_due')
        batch_op.drop_index(batch_op.f('ix_federation_outbox_application_id'))

    op.drop_table('federation_outbox')
    op.drop_table('federation_inbox')
    with op.batch_alter_table('federation_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_federation_checkpoints_zone_id'))

    op.drop_table('federation_checkpoints')

"""seals: seal sets and seals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('seal_sets',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('price_yuan', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['uscc'], ['enterprises.uscc'], name=op.f('fk_seal_sets_uscc_enterprises')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_seal_sets_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seal_sets')),
    sa.UniqueConstraint('uscc', name=op.f('uq_seal_sets_uscc'))
    )
    with op.batch_alter_table('seal_sets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seal_sets_status'), ['status'], unique=False)
        batch_op.create_index('ix_seal_sets_zone_issued', ['zone_id', 'issued_at'], unique=False)

    op.create_table('seals',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('cert_serial', sa.String(length=64), nullable=False),
    sa.Column('cert_pem', sa.Text(), nullable=False),
    sa.Column('key_pem', sa.Text(), nullable=False),
    sa.Column('image_svg', sa.Text(), nullable=False),
    sa.Column('image_png', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sa.String(length=400), nullable=True),
    sa.Column('crl_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['set_id'], ['seal_sets.id'], name=op.f('fk_seals_set_id_seal_sets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seals')),
    sa.UniqueConstraint('set_id', 'type', name='uq_seals_set_type')
    )
    with op.batch_alter_table('seals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seals_cert_serial'), ['cert_serial'], unique=False)
        batch_op.create_index(batch_op.f('ix_seals_set_id'), ['set_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('seals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seals_set_id'))
        batch_op.drop_index(batch_op.f('ix_seals_cert_serial'))

    op.drop_table('seals')
    with op.batch_alter_table('seal_sets', schema=None) as batch_op:
        batch_op.drop_index('ix_seal_sets_zone_issued')
        batch_op.drop_index(batch_op.f('ix_seal_sets_status'))

    op.drop_table('seal_sets')

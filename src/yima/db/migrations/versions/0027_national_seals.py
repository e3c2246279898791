"""seals: the GB/T 38540 form of a seal (SM2 key, certificate and SESeal), beside its X.509 one

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 08:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('national_seals',
    sa.Column('seal_id', sa.String(length=32), nullable=False),
    sa.Column('cert_serial', sa.String(length=64), nullable=False),
    sa.Column('cert_der', sa.LargeBinary(), nullable=False),
    sa.Column('key_pem', sa.Text(), nullable=False),
    sa.Column('seseal_der', sa.LargeBinary(), nullable=False),
    sa.Column('maker_kid', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['seal_id'], ['seals.id'], name=op.f('fk_national_seals_seal_id_seals')),
    sa.PrimaryKeyConstraint('seal_id', name=op.f('pk_national_seals'))
    )
    op.create_index(op.f('ix_national_seals_cert_serial'), 'national_seals', ['cert_serial'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_national_seals_cert_serial'), table_name='national_seals')
    op.drop_table('national_seals')

"""projects: key enterprises' certificate history (each with its validity period), fund receipts
reversed (never deleted); stats: published reports, signed with the zone key, and their restatements

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 04:50:00
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('key_enterprise_certificates',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key_enterprise_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['key_enterprise_id'], ['key_enterprises.id'],
                            name=op.f('fk_key_enterprise_certificates_key_enterprise_id_key_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_enterprise_certificates'))
    )
    with op.batch_alter_table('key_enterprise_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_enterprise_certificates_key_enterprise_id'), ['key_enterprise_id'],
                              unique=False)
    # The certificate each key enterprise holds becomes the first of its history.
    conn = op.get_bind()
    keys = sa.table('key_enterprises', sa.column('id', sa.Integer()), sa.column('cert_number', sa.String()),
                    sa.column('cert_issued_on', sa.Date()), sa.column('cert_expires_on', sa.Date()),
                    sa.column('updated_at', sa.DateTime(timezone=True)))
    history = sa.table('key_enterprise_certificates', sa.column('key_enterprise_id', sa.Integer()),
                       sa.column('number', sa.String()), sa.column('issued_on', sa.Date()),
                       sa.column('expires_on', sa.Date()), sa.column('recorded_at', sa.DateTime(timezone=True)))
    rows = [{"key_enterprise_id": r.id, "number": r.cert_number, "issued_on": r.cert_issued_on,
             "expires_on": r.cert_expires_on, "recorded_at": r.updated_at or datetime.now(UTC)}
            for r in conn.execute(sa.select(keys).where(keys.c.cert_number.is_not(None),
                                                        keys.c.cert_issued_on.is_not(None),
                                                        keys.c.cert_expires_on.is_not(None)))]
    if rows:
        conn.execute(sa.insert(history), rows)

    with op.batch_alter_table('project_funds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reversed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reversal_reason', sa.Text(), nullable=True))

    op.create_table('published_reports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('restates_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_published_reports_zone_id_zones')),
    sa.ForeignKeyConstraint(['restates_id'], ['published_reports.id'],
                            name=op.f('fk_published_reports_restates_id_published_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_reports'))
    )
    with op.batch_alter_table('published_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_reports_zone_id'), ['zone_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_reports_restates_id'), ['restates_id'], unique=False)


def downgrade() -> None:
    op.drop_table('published_reports')
    with op.batch_alter_table('project_funds', schema=None) as batch_op:
        batch_op.drop_column('reversal_reason')
        batch_op.drop_column('reversed_by')
        batch_op.drop_column('reversed_at')
    op.drop_table('key_enterprise_certificates')

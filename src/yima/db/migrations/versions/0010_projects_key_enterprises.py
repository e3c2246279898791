"""projects: investment projects, stages, funds in place, key enterprises and their service log

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 13:34:09
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('key_enterprises',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('specialist_id', sa.Integer(), nullable=True),
    sa.Column('cert_number', sa.String(length=64), nullable=True),
    sa.Column('cert_issued_on', sa.Date(), nullable=True),
    sa.Column('cert_expires_on', sa.Date(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['specialist_id'], ['users.id'], name=op.f('fk_key_enterprises_specialist_id_users')),
    sa.ForeignKeyConstraint(['uscc'], ['enterprises.uscc'], name=op.f('fk_key_enterprises_uscc_enterprises')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_key_enterprises_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_enterprises')),
    sa.UniqueConstraint('uscc', name=op.f('uq_key_enterprises_uscc'))
    )
    with op.batch_alter_table('key_enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_enterprises_specialist_id'), ['specialist_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_enterprises_zone_id'), ['zone_id'], unique=False)

    op.create_table('projects',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('investor', sa.String(length=200), nullable=False),
    sa.Column('investor_tags', sa.JSON(), nullable=False),
    sa.Column('industry_code', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('landed_on', sa.Date(), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('enterprise_uscc', sa.String(length=18), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_uscc'], ['enterprises.uscc'], name=op.f('fk_projects_enterprise_uscc_enterprises')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_projects_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('zone_id', 'code', name='uq_projects_zone_code')
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_zone_id'), ['zone_id'], unique=False)

    op.create_table('enterprise_services',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key_enterprise_id', sa.Integer(), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_enterprise_services_actor_id_users')),
    sa.ForeignKeyConstraint(['key_enterprise_id'], ['key_enterprises.id'], name=op.f('fk_enterprise_services_key_enterprise_id_key_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_services'))
    )
    with op.batch_alter_table('enterprise_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_services_key_enterprise_id'), ['key_enterprise_id'], unique=False)

    op.create_table('project_funds',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_project_funds_actor_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_funds_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_funds')),
    sa.UniqueConstraint('project_id', 'received_on', 'amount', name='uq_project_funds_receipt')
    )
    with op.batch_alter_table('project_funds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_funds_project_id'), ['project_id'], unique=False)

    op.create_table('project_stages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('reached_on', sa.Date(), nullable=False),
    sa.Column('enterprise_uscc', sa.String(length=18), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=True),
    sa.Column('document_name', sa.String(length=255), nullable=True),
    sa.Column('document_type', sa.String(length=64), nullable=True),
    sa.Column('document_size', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_project_stages_actor_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_stages_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_stages'))
    )
    with op.batch_alter_table('project_stages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_stages_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('project_stages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_stages_project_id'))

    op.drop_table('project_stages')
    with op.batch_alter_table('project_funds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_funds_project_id'))

    op.drop_table('project_funds')
    with op.batch_alter_table('enterprise_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_services_key_enterprise_id'))

    op.drop_table('enterprise_services')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_zone_id'))

    op.drop_table('projects')
    with op.batch_alter_table('key_enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_enterprises_zone_id'))
        batch_op.drop_index(batch_op.f('ix_key_enterprises_specialist_id'))

    op.drop_table('key_enterprises')

"""observers: observers, departments, suggestions and the ledger

Revision ID: 0009
Revises: 0011
Create Date: 2026-12-01 13:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('observer_departments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_observer_departments_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observer_departments')),
    sa.UniqueConstraint('zone_id', 'name', name='uq_observer_departments_zone_name')
    )
    with op.batch_alter_table('observer_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observer_departments_zone_id'), ['zone_id'], unique=False)

    op.create_table('observer_department_members',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['observer_departments.id'], name=op.f('fk_observer_department_members_department_id_observer_departments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_observer_department_members_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_observer_department_members'))
    )
    with op.batch_alter_table('observer_department_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observer_department_members_department_id'), ['department_id'], unique=False)

    op.create_table('observers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sector', sa.String(length=32), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('term_from', sa.Date(), nullable=False),
    sa.Column('term_to', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_observers_user_id_users')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_observers_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observers'))
    )
    with op.batch_alter_table('observers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observers_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observers_zone_id'), ['zone_id'], unique=False)

    op.create_table('suggestions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('observer_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ledger_no', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('round_no', sa.Integer(), nullable=False),
    sa.Column('assigned_on', sa.Date(), nullable=True),
    sa.Column('working_days', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('calendar', sa.String(length=64), nullable=True),
    sa.Column('extension_state', sa.String(length=16), nullable=True),
    sa.Column('extension_days', sa.Integer(), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['observer_departments.id'], name=op.f('fk_suggestions_department_id_observer_departments')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['suggestions.id'], name=op.f('fk_suggestions_merged_into_id_suggestions')),
    sa.ForeignKeyConstraint(['observer_id'], ['observers.id'], name=op.f('fk_suggestions_observer_id_observers')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_suggestions_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestions'))
    )
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestions_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestions_observer_id'), ['observer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestions_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestions_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestions_zone_id'), ['zone_id'], unique=False)

    op.create_table('suggestion_attachments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_suggestion_attachments_suggestion_id_suggestions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_attachments'))
    )
    with op.batch_alter_table('suggestion_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestion_attachments_suggestion_id'), ['suggestion_id'], unique=False)

    op.create_table('suggestion_replies',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=False),
    sa.Column('round_no', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('drafted_by', sa.Integer(), nullable=False),
    sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('rating', sa.String(length=32), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['observer_departments.id'], name=op.f('fk_suggestion_replies_department_id_observer_departments')),
    sa.ForeignKeyConstraint(['drafted_by'], ['users.id'], name=op.f('fk_suggestion_replies_drafted_by_users')),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_suggestion_replies_suggestion_id_suggestions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_replies')),
    sa.UniqueConstraint('suggestion_id', 'round_no', name='uq_suggestion_replies_round')
    )
    with op.batch_alter_table('suggestion_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestion_replies_suggestion_id'), ['suggestion_id'], unique=False)

    op.create_table('suggestion_steps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_suggestion_steps_actor_id_users')),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_suggestion_steps_suggestion_id_suggestions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_steps'))
    )
    with op.batch_alter_table('suggestion_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestion_steps_suggestion_id'), ['suggestion_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('suggestion_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suggestion_steps_suggestion_id'))

    op.drop_table('suggestion_steps')
    with op.batch_alter_table('suggestion_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suggestion_replies_suggestion_id'))

    op.drop_table('suggestion_replies')
    with op.batch_alter_table('suggestion_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suggestion_attachments_suggestion_id'))

    op.drop_table('suggestion_attachments')
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suggestions_zone_id'))
        batch_op.drop_index(batch_op.f('ix_suggestions_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_suggestions_state'))
        batch_op.drop_index(batch_op.f('ix_suggestions_observer_id'))
        batch_op.drop_index(batch_op.f('ix_suggestions_department_id'))

    op.drop_table('suggestions')
    with op.batch_alter_table('observers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observers_zone_id'))
        batch_op.drop_index(batch_op.f('ix_observers_user_id'))

    op.drop_table('observers')
    with op.batch_alter_table('observer_department_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observer_department_members_department_id'))

    op.drop_table('observer_department_members')
    with op.batch_alter_table('observer_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observer_departments_zone_id'))

    op.drop_table('observer_departments')

"""ratings (政务服务“好差评”): each case's ratings by the person served, with an officer's appeal,
and the reform office's ledger of bad ratings put right

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 07:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_ratings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('case_kind', sa.String(length=24), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('matter', sa.String(length=32), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('round_no', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('appeal_state', sa.String(length=16), nullable=True),
    sa.Column('appeal_reason', sa.Text(), nullable=False),
    sa.Column('appealed_by', sa.Integer(), nullable=True),
    sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appeal_note', sa.Text(), nullable=False),
    sa.Column('appeal_decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('excluded', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_service_ratings_zone_id_zones')),
    sa.ForeignKeyConstraint(['rater_id'], ['users.id'], name=op.f('fk_service_ratings_rater_id_users')),
    sa.ForeignKeyConstraint(['appealed_by'], ['users.id'], name=op.f('fk_service_ratings_appealed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_ratings')),
    sa.UniqueConstraint('case_kind', 'case_id', 'round_no', name='uq_service_ratings_case_round')
    )
    with op.batch_alter_table('service_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_ratings_zone_id'), ['zone_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_ratings_rater_id'), ['rater_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_ratings_rated_at'), ['rated_at'], unique=False)

    op.create_table('rating_rectifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('ledger_year', sa.Integer(), nullable=False),
    sa.Column('ledger_no', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('callback_due_on', sa.Date(), nullable=False),
    sa.Column('fix_due_on', sa.Date(), nullable=False),
    sa.Column('calendar', sa.String(length=64), nullable=False),
    sa.Column('due_provisional', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('called_back_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('callback_note', sa.Text(), nullable=False),
    sa.Column('put_right_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fix_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['rating_id'], ['service_ratings.id'],
                            name=op.f('fk_rating_rectifications_rating_id_service_ratings')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_rating_rectifications_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_rectifications')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_rating_rectifications_rating_id')),
    sa.UniqueConstraint('zone_id', 'ledger_year', 'ledger_no', name='uq_rating_rectifications_no')
    )
    with op.batch_alter_table('rating_rectifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_rectifications_zone_id'), ['zone_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_rectifications_state'), ['state'], unique=False)


def downgrade() -> None:
    op.drop_table('rating_rectifications')
    op.drop_table('service_ratings')

"""suggestion replies: the rating on the five levels of 好差评 (GB/T 39734-2020) and the
indicators it speaks to, beside the ledger's word (满意度)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 10:50:00

A reply rated before this release has its word only; the words are levels of the same scale
(满意 4, 基本满意 3, 不满意 2, ``yima.satisfaction.WORD_SCORES``), so its score is that level and no
rating changes its word, its state or a figure.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('suggestion_replies') as batch_op:
        batch_op.add_column(sa.Column('rating_score', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rating_indicators', sa.JSON(), nullable=True))
    for word, score in (('satisfied', 4), ('basically_satisfied', 3), ('dissatisfied', 2)):
        op.execute(sa.text('UPDATE suggestion_replies SET rating_score = :score WHERE rating = :word')
                   .bindparams(score=score, word=word))


def downgrade() -> None:
    with op.batch_alter_table('suggestion_replies') as batch_op:
        batch_op.drop_column('rating_indicators')
        batch_op.drop_column('rating_score')

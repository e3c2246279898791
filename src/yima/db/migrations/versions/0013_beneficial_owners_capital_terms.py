"""registration: beneficial owners (受益所有人) in their own table; LLC shareholders' contribution
terms default to the statutory limit (Company Law 2023 Art. 47; State Council Order No. 784 Art. 2)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 03:40:00
"""
from __future__ import annotations

import calendar
import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# As in yima.registration.capital, written out so that this revision means the same thing forever.
_LAW_IN_FORCE = date(2024, 7, 1)
_TRANSITION_LIMIT = date(2032, 6, 30)


def _statutory_due(established_on: date) -> date:
    if established_on < _LAW_IN_FORCE:
        return _TRANSITION_LIMIT
    year = established_on.year + 5
    return established_on.replace(year=year, day=min(established_on.day,
                                                     calendar.monthrange(year, established_on.month)[1]))


def upgrade() -> None:
    op.create_table('beneficial_owners',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('id_type', sa.String(length=16), nullable=False),
    sa.Column('id_number', sa.String(length=30), nullable=False),
    sa.Column('nationality', sa.String(length=3), nullable=False),
    sa.Column('basis', sa.String(length=24), nullable=False),
    sa.Column('share_pct', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                            name=op.f('fk_beneficial_owners_application_id_applications')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_beneficial_owners_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beneficial_owners'))
    )
    with op.batch_alter_table('beneficial_owners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_beneficial_owners_application_id'), ['application_id'], unique=False)
    _default_contribution_terms()


def _default_contribution_terms() -> None:
    """Every LLC shareholder without a term gets the statutory limit, marked as such."""
    conn = op.get_bind()
    enterprises = sa.table('enterprises', sa.column('uscc', sa.String), sa.column('entity_type', sa.String),
                           sa.column('established_on', sa.Date), sa.column('shareholders', sa.JSON))
    rows = conn.execute(sa.select(enterprises.c.uscc, enterprises.c.established_on, enterprises.c.shareholders)
                        .where(enterprises.c.entity_type == 'llc')).all()
    for uscc, established_on, holders in rows:
        if isinstance(holders, str):
            holders = json.loads(holders)
        if isinstance(established_on, str):
            established_on = date.fromisoformat(established_on)
        if not holders or all(h.get('contribution_due') for h in holders):
            continue
        due = _statutory_due(established_on).isoformat()
        changed = [h if h.get('contribution_due') else {**h, 'contribution_due': due, 'contribution_due_statutory': True}
                   for h in holders]
        conn.execute(enterprises.update().where(enterprises.c.uscc == uscc).values(shareholders=changed))


def downgrade() -> None:
    with op.batch_alter_table('beneficial_owners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_beneficial_owners_application_id'))
    op.drop_table('beneficial_owners')

"""observers: a ledger that cannot be gamed — the ledger number's year (台账编号 ``2026-0007``), the
deadline as assigned, provisional deadlines, when an extension was asked for and decided, a
declined suggestion's reason, and internal steps (notes, urging) the observer never sees

Existing suggestions are migrated from their recorded steps: the ledger year is the China Standard
Time year of the step that accepted it; the deadline as assigned is the one its latest assignment
step names (else the deadline stored); an extension's dates are those of its steps. Nothing
recorded changes.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-05 04:45:00
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None

_CHINA = ZoneInfo("Asia/Shanghai")
_DUE = re.compile(r"→ (\d{4}-\d{2}-\d{2})")


def _day(value: datetime | str) -> date:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    instant = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant
    return instant.astimezone(_CHINA).date()


def upgrade() -> None:
    with op.batch_alter_table('suggestions') as batch:
        batch.add_column(sa.Column('ledger_year', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('original_due_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('due_provisional', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('extension_requested_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('extension_decided_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('extension_note', sa.Text(), server_default='', nullable=False))
        batch.add_column(sa.Column('decline_reason', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('suggestion_steps') as batch:
        batch.add_column(sa.Column('internal', sa.Boolean(), server_default=sa.false(), nullable=False))

    connection = op.get_bind()
    suggestions = sa.table('suggestions', sa.column('id', sa.Integer), sa.column('ledger_no', sa.Integer),
                           sa.column('ledger_year', sa.Integer), sa.column('due_on', sa.Date),
                           sa.column('original_due_on', sa.Date), sa.column('submitted_at', sa.DateTime),
                           sa.column('extension_requested_on', sa.Date),
                           sa.column('extension_decided_on', sa.Date))
    steps = sa.table('suggestion_steps', sa.column('id', sa.Integer), sa.column('suggestion_id', sa.Integer),
                     sa.column('at', sa.DateTime), sa.column('action', sa.String), sa.column('note', sa.Text))
    found: dict[int, dict[str, object]] = {}
    for row in connection.execute(sa.select(steps.c.suggestion_id, steps.c.at, steps.c.action, steps.c.note)
                                  .order_by(steps.c.id)):
        seen = found.setdefault(row.suggestion_id, {})
        if row.action == "accepted":
            seen["year"] = _day(row.at).year
        elif row.action == "assigned":
            match = _DUE.search(row.note or "")
            seen["due"] = date.fromisoformat(match.group(1)) if match else None
        elif row.action == "extension_requested":
            seen["requested"] = _day(row.at)
        elif row.action in ("extension_granted", "extension_refused"):
            seen["decided"] = _day(row.at)
    for row in connection.execute(sa.select(suggestions.c.id, suggestions.c.ledger_no, suggestions.c.due_on,
                                            suggestions.c.submitted_at)):
        seen = found.get(row.id, {})
        values: dict[str, object] = {}
        if row.ledger_no is not None:
            values["ledger_year"] = seen.get("year") or _day(row.submitted_at).year
        if row.due_on is not None:
            values["original_due_on"] = seen.get("due") or row.due_on
        if "requested" in seen:
            values["extension_requested_on"] = seen["requested"]
        if "decided" in seen:
            values["extension_decided_on"] = seen["decided"]
        if values:
            connection.execute(suggestions.update().where(suggestions.c.id == row.id).values(**values))


def downgrade() -> None:
    with op.batch_alter_table('suggestion_steps') as batch:
        batch.drop_column('internal')
    with op.batch_alter_table('suggestions') as batch:
        for column in ('decline_reason', 'extension_note', 'extension_decided_on', 'extension_requested_on',
                       'due_provisional', 'original_due_on', 'ledger_year'):
            batch.drop_column(column)

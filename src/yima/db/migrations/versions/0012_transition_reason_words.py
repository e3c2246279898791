"""registration: a transition's reason whole in each language (reason_zh, reason_en)

Existing rows are migrated: a reason the rules wrote by joining the application's findings
(``中文 / English; 中文 / English``) is rebuilt from those findings, which are stored in both
languages; a single unambiguous ``中文 / English`` pair is taken apart; anything else is kept whole
on both sides. The one-string ``reason`` stays as recorded (the v1 field, and what the audit chain
hashed).

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-05 03:55:00
"""
from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def _findings(raw: Any) -> list[dict[str, Any]]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    return [f for f in value or [] if isinstance(f, dict)]


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def words_of(reason: str, findings: list[dict[str, Any]]) -> tuple[str, str]:
    """The (zh, en) pair a recorded reason stands for (see the module docstring); written out here,
    not imported, so that this revision does what it did when it was written."""
    if findings and reason == "; ".join(str(f.get("message", "")) for f in findings) \
            and all(f.get("message_zh") and f.get("message_en") for f in findings):
        return "；".join(str(f["message_zh"]) for f in findings), "; ".join(str(f["message_en"]) for f in findings)
    if reason.count(" / ") == 1:
        zh, _, en = reason.partition(" / ")
        if _CJK.search(zh) and not _CJK.search(en):
            return zh.strip(), en.strip()
    return reason, reason


def upgrade() -> None:
    with op.batch_alter_table('transitions') as batch:
        batch.add_column(sa.Column('reason_zh', sa.Text(), nullable=True))
        batch.add_column(sa.Column('reason_en', sa.Text(), nullable=True))
    connection = op.get_bind()
    transitions = sa.table('transitions', sa.column('id', sa.Integer), sa.column('application_id', sa.Integer),
                           sa.column('reason', sa.Text), sa.column('reason_zh', sa.Text),
                           sa.column('reason_en', sa.Text))
    applications = sa.table('applications', sa.column('id', sa.Integer), sa.column('findings', sa.JSON))
    rows = connection.execute(sa.select(transitions.c.id, transitions.c.reason, applications.c.findings)
                              .join(applications, applications.c.id == transitions.c.application_id)).all()
    updates = []
    for row in rows:
        zh, en = words_of(row.reason or "", _findings(row.findings))
        updates.append({"tid": row.id, "zh": zh, "en": en})
    if updates:
        connection.execute(transitions.update().where(transitions.c.id == sa.bindparam('tid'))
                           .values(reason_zh=sa.bindparam('zh'), reason_en=sa.bindparam('en')), updates)


def downgrade() -> None:
    with op.batch_alter_table('transitions') as batch:
        batch.drop_column('reason_en')
        batch.drop_column('reason_zh')

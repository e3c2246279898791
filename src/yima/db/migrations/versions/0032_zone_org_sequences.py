"""PostgreSQL numbers each zone's organisation codes with a sequence

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 11:15:00

An approval took the zone's next code by updating its row in ``zones``, a lock held until the
approval committed, so a zone's approvals waited for each other. On PostgreSQL each zone now has
a sequence (``zone_org_seq_<zone id>``) that goes on from the zone's counter; ``nextval`` takes no
lock. SQLite keeps the counter (its writers take turns anyway). Downgrading writes each
sequence's last value back to the counter.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def _name(zone_id: str) -> str:
    return "zone_org_seq_" + zone_id.replace("-", "_")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for zone_id, next_seq in bind.execute(sa.text("SELECT id, org_next_seq FROM zones")).all():
        op.execute(sa.text(f"CREATE SEQUENCE IF NOT EXISTS {_name(zone_id)} MINVALUE 1"))
        bind.execute(sa.text("SELECT setval(CAST(:sequence AS regclass), :next, false)"),
                     {"sequence": _name(zone_id), "next": next_seq + 1})


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for (zone_id,) in bind.execute(sa.text("SELECT id FROM zones")).all():
        name = _name(zone_id)
        last, called = bind.execute(sa.text(f"SELECT last_value, is_called FROM {name}")).one()
        bind.execute(sa.text("UPDATE zones SET org_next_seq = :seq WHERE id = :zone"),
                     {"seq": last if called else last - 1, "zone": zone_id})
        op.execute(sa.text(f"DROP SEQUENCE {name}"))

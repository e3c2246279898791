"""enterprises: an index of each zone's names in byte order on PostgreSQL, so that the names beginning
with a text are a range of it whatever the database's collation

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06 13:50:00

秒批 and the name check look for the zone's enterprises whose names may carry the 字号 of a new name
(``registration.service.registered_alike``): before, every name of the zone was read for the 字号
anywhere in it, so each lookup grew with the register; now the names that begin as such a name does,
a few ranges of an index. SQLite compares text in byte order already (its ``BINARY`` collation), so
its index on (zone, name) serves; a PostgreSQL database sorts by its collation, which need not be
byte order, so the ranges use the pattern operators and this index. Building it reads the register
once (a few seconds a million enterprises); nothing is changed.
"""
from __future__ import annotations

from alembic import op

revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_enterprises_zone_name_prefix", "enterprises", ["zone_id", "name"], unique=False,
                        postgresql_ops={"name": "text_pattern_ops"})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_enterprises_zone_name_prefix", table_name="enterprises")

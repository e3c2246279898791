"""projects: each zone's number of projects, kept by triggers in the same transaction as every
insert, deletion or move of a project (whichever code or tool makes it), so that the list's
pager reads one row instead of counting the zone's projects on every visit

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-05 18:55:00

The counts start from the projects already there. SQLite: a row trigger for each change.
PostgreSQL: statement triggers with transition tables for inserts and deletions (an import of
100,000 projects adds to its zone's count once) and a row trigger for a project moved to another
zone. Two transactions adding projects to one zone wait at its count for each other's commit.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None


def _add(zone: str, n: str) -> str:
    return (f"INSERT INTO project_counts (zone_id, projects) SELECT {zone}, {n} WHERE true "
            f"ON CONFLICT (zone_id) DO UPDATE SET projects = project_counts.projects + excluded.projects")


def upgrade() -> None:
    op.create_table('project_counts',
                    sa.Column('zone_id', sa.String(length=32), nullable=False),
                    sa.Column('projects', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('zone_id', name=op.f('pk_project_counts')))
    op.execute("INSERT INTO project_counts (zone_id, projects) SELECT zone_id, count(*) FROM projects GROUP BY zone_id")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE TRIGGER project_counts_insert AFTER INSERT ON projects BEGIN {_add('NEW.zone_id', '1')}; "
                   "END")
        op.execute(f"CREATE TRIGGER project_counts_delete AFTER DELETE ON projects BEGIN {_add('OLD.zone_id', '-1')}; "
                   "END")
        op.execute("CREATE TRIGGER project_counts_move AFTER UPDATE OF zone_id ON projects "
                   f"WHEN OLD.zone_id IS NOT NEW.zone_id BEGIN {_add('OLD.zone_id', '-1')}; "
                   f"{_add('NEW.zone_id', '1')}; END")
        return
    op.execute("""CREATE FUNCTION project_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO project_counts (zone_id, projects) SELECT zone_id, count(*) FROM changed GROUP BY zone_id
  ON CONFLICT (zone_id) DO UPDATE SET projects = project_counts.projects + excluded.projects;
  RETURN NULL;
END $$""")
    op.execute("""CREATE FUNCTION project_counts_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO project_counts (zone_id, projects) SELECT zone_id, -count(*) FROM changed GROUP BY zone_id
  ON CONFLICT (zone_id) DO UPDATE SET projects = project_counts.projects + excluded.projects;
  RETURN NULL;
END $$""")
    op.execute(f"""CREATE FUNCTION project_counts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_add('OLD.zone_id', '-1')};
  {_add('NEW.zone_id', '1')};
  RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER project_counts_insert AFTER INSERT ON projects REFERENCING NEW TABLE AS changed "
               "FOR EACH STATEMENT EXECUTE FUNCTION project_counts_added()")
    op.execute("CREATE TRIGGER project_counts_delete AFTER DELETE ON projects REFERENCING OLD TABLE AS changed "
               "FOR EACH STATEMENT EXECUTE FUNCTION project_counts_removed()")
    op.execute("CREATE TRIGGER project_counts_move AFTER UPDATE OF zone_id ON projects FOR EACH ROW "
               "WHEN (OLD.zone_id IS DISTINCT FROM NEW.zone_id) EXECUTE FUNCTION project_counts_moved()")


def downgrade() -> None:
    for name in ("insert", "delete", "move"):
        op.execute(f"DROP TRIGGER IF EXISTS project_counts_{name}"
                   + ("" if op.get_bind().dialect.name == "sqlite" else " ON projects"))
    if op.get_bind().dialect.name != "sqlite":
        for name in ("added", "removed", "moved"):
            op.execute(f"DROP FUNCTION IF EXISTS project_counts_{name}()")
    op.drop_table('project_counts')

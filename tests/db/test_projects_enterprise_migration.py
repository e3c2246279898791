"""Revisions 0040 and 0042: an index of the projects by their enterprise, and each zone's kept
number of projects. A database of the release before migrates with its projects and enterprises
unchanged and its projects counted; the index then answers the foreign key's check when an
enterprise is deleted, which still refuses to leave a project without its enterprise."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from previous_release import AT, add_zone, previous_release

from yima.db.migrate import upgrade

ENTERPRISES = [("91500107MA00000010", "重庆云帆科技有限公司"), ("91500107MA00000029", "重庆青石贸易有限公司")]


def _rows(engine: sa.Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return ([tuple(r) for r in conn.execute(sa.text("SELECT * FROM projects ORDER BY id"))],
                [tuple(r) for r in conn.execute(sa.text("SELECT * FROM enterprises ORDER BY uscc"))])


def test_an_earlier_releases_projects_and_enterprises_are_unchanged_and_the_key_still_holds(tmp_path) -> None:
    url, engine = previous_release(tmp_path, "0039")
    with engine.begin() as conn:  # as the release before stored them
        add_zone(conn)
        for uscc, name in ENTERPRISES:
            conn.execute(sa.text(
                "INSERT INTO enterprises (uscc, zone_id, name, entity_type, industry_code, registered_capital, "
                "established_on, status, scope, legal_representative, shareholders, source, address_commitment, "
                "created_at, updated_at) VALUES (:uscc, 'cq-gxq', :name, 'llc', 'I6510', 1000000.00, '2026-03-02', "
                "'active', '[]', '{}', '[]', 'online', 0, :at, :at)"), {"uscc": uscc, "name": name, "at": AT})
        for i, uscc in enumerate((ENTERPRISES[0][0], None, ENTERPRISES[0][0]), start=1):
            conn.execute(sa.text(
                "INSERT INTO projects (id, zone_id, code, name, investor, investor_tags, industry_code, amount, "
                "signed_on, enterprise_uscc, created_at, updated_at) VALUES (:id, 'cq-gxq', :code, '智能终端项目', "
                "'云帆集团', '[]', 'C39', 12.50, '2026-04-01', :uscc, :at, :at)"),
                {"id": i, "code": f"P-{i}", "uscc": uscc, "at": AT})
    before = _rows(engine)
    engine.dispose()

    upgrade(url)
    engine = sa.create_engine(url)
    try:
        assert _rows(engine) == before
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT zone_id, projects FROM project_counts")).all() == [("cq-gxq", 3)]
            assert "ix_projects_enterprise_uscc" in {ix["name"] for ix in sa.inspect(conn).get_indexes("projects")}
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT 1 FROM projects WHERE enterprise_uscc = ?", (ENTERPRISES[0][0],)))
            assert "ix_projects_enterprise_uscc" in plan, plan
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            conn.execute(sa.text("DELETE FROM enterprises WHERE uscc = :uscc"), {"uscc": ENTERPRISES[1][0]})
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            conn.execute(sa.text("DELETE FROM enterprises WHERE uscc = :uscc"), {"uscc": ENTERPRISES[0][0]})
        assert _rows(engine) == (before[0], before[1][:1])
    finally:
        engine.dispose()

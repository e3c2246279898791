"""Each zone's number of projects, kept by the database (revision 0042), equals a recount of the
projects after any sequence of changes (the ORM, a many-row statement, plain SQL; inserts,
deletions, moves to another zone) on both databases, and the list's pager shows it: the kept
count with no search, the matches counted with one."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from yima.actors import Actor
from yima.listing import PageRequest
from yima.projects.service import list_projects
from yima.projects.tables import Project, ProjectCount

pytestmark = pytest.mark.db
NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)


def _row(zone: str, seq: int) -> dict[str, object]:
    return {"zone_id": zone, "code": f"C{seq}", "name": f"项目{seq}", "investor": "云帆集团" if seq % 3 else "青石资本",
            "investor_tags": [], "industry_code": "C39", "amount": Decimal("12.50"), "created_at": NOW,
            "updated_at": NOW}


def _kept_equals_recount(db) -> dict[str, int]:
    with db.read() as session:
        kept = {zone: n for zone, n in session.execute(select(ProjectCount.zone_id, ProjectCount.projects)) if n}
        counted = dict(session.execute(select(Project.zone_id, func.count()).group_by(Project.zone_id)).all())
    assert kept == counted
    return counted


def test_the_kept_count_equals_a_recount_after_any_changes_and_the_pager_shows_it(db, zone_cq) -> None:
    zones, rng, seq = (zone_cq, "cd-gxq"), random.Random(20261205), 0
    steps = ["orm", "many", "sql", "delete", "delete_many", "move"] * 2
    rng.shuffle(steps)
    for step in ["many", *steps]:
        with db.write() as session:
            ids = list(session.scalars(select(Project.id)))
            if step == "orm":
                seq += 1
                session.add(Project(**_row(rng.choice(zones), seq)))
            elif step == "many":  # one statement, many rows (an import's batch)
                rows = [_row(rng.choice(zones), seq + i + 1) for i in range(rng.randrange(2, 9))]
                seq += len(rows)
                if rng.random() < 0.5:
                    session.execute(insert(Project), rows)  # the driver's executemany
                else:
                    session.execute(insert(Project).values(rows))  # INSERT … VALUES (…), (…)
            elif step == "sql":
                seq += 1
                session.execute(text("INSERT INTO projects (zone_id, code, name, investor, investor_tags, "
                                     "industry_code, amount, created_at, updated_at) VALUES (:zone, :code, '项目', "
                                     "'投资方', '[]', 'C39', 1, :at, :at)"),
                                {"zone": rng.choice(zones), "code": f"C{seq}", "at": NOW})
            elif step == "delete" and ids:
                session.delete(session.get(Project, rng.choice(ids)))
            elif step == "delete_many" and ids:
                session.execute(delete(Project).where(Project.id.in_(rng.sample(ids, min(3, len(ids))))))
            elif step == "move" and ids:
                seq += 1
                session.execute(update(Project).where(Project.id == rng.choice(ids))
                                .values(zone_id=rng.choice(zones), code=f"M{seq}"))
        counted = _kept_equals_recount(db)
    with db.write() as session:  # an update that does not move a project changes no count
        session.execute(update(Project).values(name="改名"))
    counted = _kept_equals_recount(db)
    office = Actor(1, "invest-cq", "investment_office", zone_cq)
    page = list_projects(db, office, zone_cq, PageRequest(per_page=5))
    assert page.total == counted.get(zone_cq, 0) > 0
    searched = list_projects(db, office, zone_cq, PageRequest(q="青石", per_page=5))
    with db.read() as session:
        assert searched.total == session.scalar(select(func.count()).select_from(Project).where(
            Project.zone_id == zone_cq, Project.investor == "青石资本")) < page.total

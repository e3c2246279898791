"""A zone's synthetic projects in bulk, for the benchmark of the lists (``yima bench lists``) and
the test that a page of 100,000 projects stays small: SQLAlchemy core, not the service (no stage
records, no audit entries). ``BATCH`` rows are written from Python, then copied inside the
database (``INSERT … SELECT``) with a suffix on the code and the name until there are enough: a
few seconds for 100,000 rows on either database.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import String, insert, literal, select

from yima.db import Database
from yima.projects.tables import Project

BATCH = 5_000
INDUSTRIES = ("C3921", "I6450", "C3091", "M7320", "G5990", "C3670")


def synthetic_project(seq: int, now: datetime) -> dict[str, Any]:
    """The ``seq``-th synthetic project: signed on a day of the ten years before ``now`` (every
    seventh still under negotiation), one in three landed two months later."""
    signed = None if seq % 7 == 0 else now.date() - timedelta(days=(seq * 37) % 3650)
    landed = signed + timedelta(days=60) if signed and seq % 3 == 0 and signed + timedelta(days=60) <= now.date() \
        else None
    return {"code": f"SYN-{seq:05d}", "name": f"合成项目{seq}", "investor": f"投资方{seq % 500}",
            "investor_tags": ["listed"] if seq % 11 == 0 else [], "industry_code": INDUSTRIES[seq % len(INDUSTRIES)],
            "amount": Decimal(10_000_000 + (seq % 997) * 1_000_000), "signed_on": signed, "landed_on": landed,
            "created_at": now, "updated_at": now}


COPIED = ("zone_id", "investor", "investor_tags", "industry_code", "amount", "signed_on", "registered_on",
          "landed_on", "started_on", "completed_on", "enterprise_uscc", "created_at", "updated_at")


def add_synthetic_projects(db: Database, zone_id: str, count: int, now: datetime) -> None:
    """``count`` synthetic projects in the zone (which has none named ``SYN-…`` yet): ``SYN-00001``
    to ``SYN-05000``, then their copies ``SYN-00001-1`` … in ``BATCH``-row rounds."""
    first = min(count, BATCH)
    with db.write() as session:
        session.connection().execute(insert(Project), [{**synthetic_project(seq, now), "zone_id": zone_id}
                                                     for seq in range(1, first + 1)])
        base = select(Project).where(Project.zone_id == zone_id, Project.code.like("SYN-_____")) \
            .order_by(Project.code).subquery()
        done, round_no = first, 1
        while done < count:
            take = min(BATCH, count - done)
            suffix = literal(f"-{round_no}", String)
            rows = select(*(base.c[name] for name in COPIED), base.c.code.concat(suffix),
                          base.c.name.concat(suffix)).limit(take)
            session.execute(insert(Project).from_select([*COPIED, "code", "name"], rows))
            done, round_no = done + take, round_no + 1

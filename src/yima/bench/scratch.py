"""What ``yima bench stats`` and ``yima bench lists`` share: a zone of their own to load, in a
fresh SQLite file or in the database given, and timing a piece of work a few times.

``scratch_zone`` makes the zone (``bench-`` and six hex digits) and, when it ends, removes the
rows the benchmark loaded (``remove_rows``) and then the zone, unless ``keep`` or other features
keep rows for it (its keys and certificates); its temporary directory goes too unless ``keep``.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yima.clock import local_date, utcnow
from yima.db import Database
from yima.db.migrate import upgrade
from yima.zones.service import add_zone
from yima.zones.tables import Zone


@dataclass(frozen=True)
class Scratch:
    workdir: Path
    db: Database
    zone_id: str
    org_block_start: int
    now: datetime
    today: date

    @property
    def database(self) -> str:
        return make_url(self.db.url).render_as_string(hide_password=True)


@contextmanager
def scratch_zone(prefix: str, db_url: str | None, remove_rows: Callable[[Session, str], None], *,
                 keep: bool = False) -> Iterator[Scratch]:
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    url = db_url or f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    zone_id = f"bench-{secrets.token_hex(3)}"
    now = utcnow()
    try:
        zone = add_zone(db, zone_id, "基准测试区", "500107", 1_000_000, now, name_en="Benchmark zone")
        yield Scratch(workdir, db, zone_id, zone.org_block_start, now, local_date(now))
    finally:
        if db_url and not keep:
            with db.write() as session:
                remove_rows(session, zone_id)
            try:
                with db.write() as session:
                    session.execute(delete(Zone).where(Zone.id == zone_id))
            except IntegrityError:
                pass
        db.dispose()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def timed(runs: int, work: Callable[[], Any]) -> list[float]:
    """Seconds each of ``runs`` runs of ``work`` took, in order (the first is the cold one)."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return timings

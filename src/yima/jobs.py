"""Scheduled jobs, run by ``yima jobs run`` and periodically by ``yima serve``."""

from __future__ import annotations

from datetime import datetime

from yima.db import Database
from yima.registration.service import lapse_overdue


def run_jobs(db: Database, now: datetime) -> list[str]:
    lapsed = lapse_overdue(db, now)
    return [f"lapsed {len(lapsed)} application(s) with overdue deferred materials"
            + (f": {', '.join(map(str, lapsed))}" if lapsed else "")]

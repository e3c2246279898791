"""Scheduled jobs, run by ``yima jobs run`` and periodically by ``yima serve``.

A job takes ``(db, now)`` and returns lines to report. Features add theirs to ``JOBS`` in their
``feature.install``; the composition root hands the collected jobs to ``run_jobs``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from yima.db import Database
from yima.registry import Slot

Job = Callable[[Database, datetime], list[str]]
JOBS: Slot[Job] = Slot("scheduled jobs")


def run_jobs(db: Database, now: datetime, jobs: Iterable[Job]) -> list[str]:
    lines: list[str] = []
    for job in jobs:
        lines.extend(job(db, now))
    return lines

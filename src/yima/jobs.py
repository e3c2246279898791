"""Scheduled jobs, run by ``yima jobs run`` and periodically by ``yima serve``.

A job takes ``(db, now)`` and returns lines to report; one that needs the matter standard takes
``(db, standard, now)`` and is added to ``STANDARD_JOBS`` instead. Features add theirs in their
``feature.install``; the composition root resolves the configured standard once and hands it,
with the collected jobs, to ``run_jobs``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from yima.db import Database
from yima.registry import Slot
from yima.standard.model import MatterStandard

Job = Callable[[Database, datetime], list[str]]
StandardJob = Callable[[Database, MatterStandard, datetime], list[str]]
JOBS: Slot[Job] = Slot("scheduled jobs")
STANDARD_JOBS: Slot[StandardJob] = Slot("scheduled jobs that apply the matter standard")
JobRun = Callable[[Database, datetime], list[str]]
"""Every job once, the standard bound (what the composition root hands the server and the demo)."""


def run_jobs(db: Database, now: datetime, standard: MatterStandard, jobs: Iterable[Job],
             standard_jobs: Iterable[StandardJob] = ()) -> list[str]:
    lines: list[str] = []
    for job in jobs:
        lines.extend(job(db, now))
    for standard_job in standard_jobs:
        lines.extend(standard_job(db, standard, now))
    return lines

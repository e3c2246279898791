"""The job runner: every feature's scheduled jobs, run once."""

from __future__ import annotations

from datetime import datetime

from yima import jobs
from yima.app.features import registry
from yima.db import Database


def run_jobs(db: Database, now: datetime) -> list[str]:
    return jobs.run_jobs(db, now, registry().items(jobs.JOBS))

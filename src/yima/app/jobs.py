"""The job runner: every feature's scheduled jobs, run once with the configured standard."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from yima import jobs
from yima.app.features import registry
from yima.db import Database
from yima.jobs import Job, JobRun
from yima.standard.model import MatterStandard


def run_jobs(db: Database, now: datetime, standard: MatterStandard, leave_out: Collection[Job] = ()) -> list[str]:
    parts = registry()
    return jobs.run_jobs(db, now, standard, [job for job in parts.items(jobs.JOBS) if job not in leave_out],
                         parts.items(jobs.STANDARD_JOBS))


def job_run(standard: MatterStandard, *, leave_out: Collection[Job] = ()) -> JobRun:
    """Every job once, with ``standard`` (what ``yima serve`` runs every ``--jobs-every`` seconds),
    but those in ``leave_out``."""
    return lambda db, now: run_jobs(db, now, standard, leave_out)

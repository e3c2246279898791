"""The job runner: every feature's scheduled jobs, run once with the configured standard."""

from __future__ import annotations

from datetime import datetime

from yima import jobs
from yima.app.features import registry
from yima.db import Database
from yima.jobs import JobRun
from yima.standard.model import MatterStandard


def run_jobs(db: Database, now: datetime, standard: MatterStandard) -> list[str]:
    parts = registry()
    return jobs.run_jobs(db, now, standard, parts.items(jobs.JOBS), parts.items(jobs.STANDARD_JOBS))


def job_run(standard: MatterStandard) -> JobRun:
    """Every job once, with ``standard`` (what ``yima serve`` runs every ``--jobs-every`` seconds)."""
    return lambda db, now: run_jobs(db, now, standard)

"""Scheduled jobs, run by ``yima jobs run`` and periodically by ``yima serve``.

Each job is ``module:function`` taking ``(db, now)`` and returning lines to report.
"""

from __future__ import annotations

import importlib
from datetime import datetime

from yima.db import Database

JOBS = (
    "yima.registration.service:lapse_overdue_job",
    "yima.licences.service:expire_overdue_verifications_job",
    "yima.seals.service:issue_pending_seal_sets_job",
    "yima.federation.delivery:deliver_outbox_job",
    "yima.federation.witness:witness_partners_job",
    "yima.observers.views:remind_due_suggestions_job",
)


def run_jobs(db: Database, now: datetime) -> list[str]:
    lines: list[str] = []
    for spec in JOBS:
        module, function = spec.split(":")
        try:
            job = getattr(importlib.import_module(module), function)
        except (ModuleNotFoundError, AttributeError) as err:
            if isinstance(err, ModuleNotFoundError) and err.name != module:
                raise
            continue
        lines.extend(job(db, now))
    return lines

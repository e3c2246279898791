"""Every feature, installed in one explicit list, and what they add plugged in where it runs."""

from __future__ import annotations

from functools import cache

from yima import bounded, uploads
from yima.accounts import feature as accounts
from yima.audit import feature as audit
from yima.bench import feature as bench
from yima.federation import feature as federation
from yima.licences import feature as licences
from yima.notifications import feature as notifications
from yima.observers import feature as observers
from yima.projects import feature as projects
from yima.ratings import feature as ratings
from yima.registration import feature as registration
from yima.registration import handoff
from yima.registry import Registry
from yima.seals import feature as seals
from yima.stats import feature as stats
from yima.stats import sections
from yima.stats import service as figures
from yima.zones import feature as zones

#: In this order routes match, commands are listed, jobs run and figure sections are shown.
INSTALLS = (accounts.install, zones.install, registration.install, licences.install, seals.install,
            stats.install, audit.install, notifications.install, federation.install, observers.install,
            projects.install, ratings.install, bench.install)


@cache
def registry() -> Registry:
    """Every feature's parts, collected once per process and plugged into registration (hand-offs)
    and statistics (figure sections and sources)."""
    built = Registry()
    for install in INSTALLS:
        install(built)
    built.add(bounded.JOBS, uploads.read_content)  # the kernel's own: every upload's content check
    handoff.use(built)
    bounded.use(built)
    sections.use(built)
    figures.use(built)
    return built

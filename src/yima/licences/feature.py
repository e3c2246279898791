"""What the licences feature adds to the application (the composition root calls ``install``)."""

from __future__ import annotations

from yima.cli_support import COMMANDS
from yima.jobs import JOBS
from yima.licences import api, cli, pages, service
from yima.registry import Registry
from yima.web.app import ROUTERS


def install(registry: Registry) -> None:
    registry.add(ROUTERS, api.router, pages.router)
    registry.add(COMMANDS, cli.add_commands)
    registry.add(JOBS, service.expire_overdue_verifications_job)

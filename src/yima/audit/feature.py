"""What the audit feature adds to the application (the composition root calls ``install``)."""

from __future__ import annotations

from pathlib import Path

from yima.audit import api, cli, pages, service
from yima.cli_support import COMMANDS
from yima.jobs import JOBS
from yima.registry import Registry
from yima.web.app import ROUTERS
from yima.web.templating import TEMPLATES


def install(registry: Registry) -> None:
    registry.add(TEMPLATES, Path(__file__).with_name("templates"))
    registry.add(ROUTERS, api.router, pages.router)
    registry.add(COMMANDS, cli.add_commands)
    registry.add(JOBS, service.integrate_pending_job)

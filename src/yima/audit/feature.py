"""What the audit feature adds to the application (the composition root calls ``install``)."""

from __future__ import annotations

from yima.audit import api, cli, pages
from yima.cli_support import COMMANDS
from yima.registry import Registry
from yima.web.app import ROUTERS


def install(registry: Registry) -> None:
    registry.add(ROUTERS, api.router, pages.router)
    registry.add(COMMANDS, cli.add_commands)

"""What the zones feature adds to the application (the composition root calls ``install``)."""

from __future__ import annotations

from yima.cli_support import COMMANDS
from yima.registry import Registry
from yima.web.app import ROUTERS
from yima.zones import api, cli


def install(registry: Registry) -> None:
    registry.add(ROUTERS, api.router)
    registry.add(COMMANDS, cli.add_commands)

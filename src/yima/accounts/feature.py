"""What the accounts feature adds to the application (the composition root calls ``install``)."""

from __future__ import annotations

from yima.accounts import api, cli, pages, signin
from yima.cli_support import COMMANDS
from yima.registry import Registry
from yima.web.app import ROUTERS


def install(registry: Registry) -> None:
    registry.add(ROUTERS, api.router, signin.router, pages.router)
    registry.add(COMMANDS, cli.add_commands)

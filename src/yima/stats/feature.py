"""What the statistics feature adds to the application (the composition root calls ``install``)."""

from __future__ import annotations

from pathlib import Path

from yima.cli_support import COMMANDS
from yima.registry import Registry
from yima.stats import api, cli, pages, reports_api
from yima.stats.service import warm_figures
from yima.web.app import ROUTERS, WARM_UPS
from yima.web.templating import TEMPLATES


def install(registry: Registry) -> None:
    registry.add(TEMPLATES, Path(__file__).with_name("templates"))
    registry.add(ROUTERS, api.router, reports_api.router, pages.router)
    registry.add(COMMANDS, cli.add_commands)
    registry.add(WARM_UPS, warm_figures)

"""What the investment-projects feature adds to the application (the composition root calls
``install``)."""

from __future__ import annotations

from pathlib import Path

from yima.cli_support import COMMANDS
from yima.projects import api, cli, figures, import_pages, pages
from yima.projects.rules import Stage
from yima.registry import Registry
from yima.stats.sections import SECTIONS
from yima.web.app import ROUTERS
from yima.web.templating import TEMPLATE_GLOBALS, TEMPLATES


def install(registry: Registry) -> None:
    registry.add(TEMPLATES, Path(__file__).with_name("templates"))
    registry.add(TEMPLATE_GLOBALS, ("ProjectStage", Stage))  # the stages, on a project's timeline
    registry.add(ROUTERS, api.router, import_pages.router, pages.router, import_pages.pages)
    registry.add(COMMANDS, cli.add_commands)
    registry.add(SECTIONS, *figures.SECTIONS)

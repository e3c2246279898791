"""What the observers feature (营商环境观察员) adds to the application (the composition root calls
``install``)."""

from __future__ import annotations

from pathlib import Path

from yima.cli_support import COMMANDS
from yima.jobs import JOBS
from yima.observers import api, cli, figures, pages, rules, service, views
from yima.observers.states import ExtensionState, SuggestionState, allowed
from yima.registry import Registry
from yima.stats.sections import SECTIONS
from yima.web.app import ROUTERS
from yima.web.templating import TEMPLATE_GLOBALS, TEMPLATES


def install(registry: Registry) -> None:
    registry.add(TEMPLATES, Path(__file__).with_name("templates"))
    registry.add(ROUTERS, api.router, pages.router)
    registry.add(COMMANDS, cli.add_commands)
    registry.add(JOBS, views.remind_due_suggestions_job, service.recount_provisional_deadlines_job,
                 service.notify_due_suggestions_job)
    registry.add(SECTIONS, figures.SECTION)
    registry.add(TEMPLATE_GLOBALS, ("observer_categories", rules.CATEGORIES))  # the stats dashboard's section
    # a suggestion's states, and which actions its page offers (the table of observers.states)
    registry.add(TEMPLATE_GLOBALS, ("SuggestionState", SuggestionState), ("ExtensionState", ExtensionState),
                 ("suggestion_may", allowed))

"""What the registration feature adds to the application (the composition root calls ``install``)."""

from __future__ import annotations

from pathlib import Path

from yima.cli_support import COMMANDS
from yima.jobs import JOBS
from yima.register.status import EnterpriseStatus
from yima.registration import api, cli, handoff, notices, pages, service
from yima.registration.appview import Withdrawal
from yima.registration.status import Status
from yima.registry import Registry
from yima.web.app import ROUTERS, WARM_UPS
from yima.web.templating import TEMPLATE_GLOBALS, TEMPLATES


def install(registry: Registry) -> None:
    registry.add(TEMPLATES, Path(__file__).with_name("templates"))
    # An application's and the register's states, for every page that shows one (registration's, licences', seals').
    registry.add(TEMPLATE_GLOBALS, ("EnterpriseStatus", EnterpriseStatus), ("Status", Status),
                 ("Withdrawal", Withdrawal))
    registry.add(ROUTERS, api.router, pages.router)
    registry.add(COMMANDS, cli.add_commands)
    registry.add(JOBS, service.lapse_overdue_job)
    registry.add(handoff.TRANSITION_LISTENERS, notices.on_transition)
    registry.add(WARM_UPS, service.warm_rules)

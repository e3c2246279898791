"""What the licences feature adds to the application (the composition root calls ``install``)."""

from __future__ import annotations

from pathlib import Path

from yima.cli_support import COMMANDS
from yima.jobs import JOBS
from yima.licences import api, cli, pages, service
from yima.licences.status import PermitStatus, in_force
from yima.registration import handoff
from yima.registry import Registry
from yima.web.app import ROUTERS
from yima.web.templating import TEMPLATE_GLOBALS, TEMPLATES


def install(registry: Registry) -> None:
    registry.add(TEMPLATES, Path(__file__).with_name("templates"))
    # a permit's states, for the licence and verification pages
    registry.add(TEMPLATE_GLOBALS, ("PermitStatus", PermitStatus), ("permit_in_force", in_force))
    registry.add(ROUTERS, api.router, pages.router)
    registry.add(COMMANDS, cli.add_commands)
    registry.add(JOBS, service.expire_overdue_verifications_job)
    registry.add(handoff.FOLLOWERS, service.LicencesFollowTheRegister())

"""What the seals feature adds to the application (the composition root calls ``install``)."""

from __future__ import annotations

from pathlib import Path

from yima.bounded import JOBS as BOUNDED_JOBS
from yima.cli_support import COMMANDS
from yima.jobs import JOBS
from yima.registration import handoff
from yima.registry import Registry
from yima.seals import api, cli, national, pages, sealing, service
from yima.seals.status import SealStatus
from yima.web.app import ROUTERS
from yima.web.templating import TEMPLATE_GLOBALS, TEMPLATES


def install(registry: Registry) -> None:
    registry.add(TEMPLATES, Path(__file__).with_name("templates"))
    registry.add(TEMPLATE_GLOBALS, ("SealStatus", SealStatus))  # a seal in force or revoked, on the seals page
    registry.add(ROUTERS, api.router, pages.router)
    registry.add(COMMANDS, cli.add_commands)
    registry.add(JOBS, service.issue_pending_seal_sets_job, national.make_national_forms_job)
    registry.add(BOUNDED_JOBS, sealing.check_pdf_seals)  # pyHanko's parsers, preloaded by the fork server
    registry.add(BOUNDED_JOBS, sealing.seal_pdf)
    registry.add(handoff.FOLLOWERS, service.SealsFollowTheRegister())

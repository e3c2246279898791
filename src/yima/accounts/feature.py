"""What the accounts feature adds to the application (the composition root calls ``install``)."""

from __future__ import annotations

from pathlib import Path

from yima.accounts import api, cli, pages, service, signin
from yima.audit.pages import USER_NAMES
from yima.cli_support import COMMANDS
from yima.jobs import JOBS
from yima.registry import Registry
from yima.web.app import ROUTERS
from yima.web.deps import AUTHENTICATOR
from yima.web.templating import TEMPLATES


def install(registry: Registry) -> None:
    registry.add(TEMPLATES, Path(__file__).with_name("templates"))
    registry.add(ROUTERS, api.router, signin.router, pages.router)
    registry.add(COMMANDS, cli.add_commands)
    registry.add(AUTHENTICATOR, service)
    registry.add(JOBS, service.purge_sign_in_attempts_job, service.purge_session_activity_job)
    registry.add(USER_NAMES, service.display_names)

"""What cross-region registration (跨省异地办照) adds to the application: its routes, commands,
jobs and delivery loop, its figures, and what registration hands over to it — applications for a
partner zone, their materials and withdrawals, the partner's view of them, and the decisions sent
back (the composition root calls ``install``)."""

from __future__ import annotations

from pathlib import Path

from yima.audit.cli import WITNESSES
from yima.cli_support import COMMANDS
from yima.federation import api, cli, delivery, figures, network, pages, service, withdrawal, witness
from yima.federation.states import CaseRole
from yima.jobs import JOBS, STANDARD_JOBS
from yima.registration import handoff
from yima.registry import Registry
from yima.stats.sections import SECTIONS
from yima.stats.service import FIGURE_SOURCES
from yima.web.app import ROUTERS
from yima.web.health import READINESS
from yima.web.limits import BODY_LIMITS
from yima.web.server import LOOPS
from yima.web.templating import TEMPLATE_GLOBALS, TEMPLATES


def install(registry: Registry) -> None:
    registry.add(TEMPLATES, Path(__file__).with_name("templates"))
    registry.add(TEMPLATE_GLOBALS, ("CaseRole", CaseRole))  # a case's pages say which side this zone is on
    registry.add(ROUTERS, api.router, pages.router)
    registry.add(BODY_LIMITS, (delivery.MESSAGES_PATH, api.message_body_limit))
    registry.add(COMMANDS, cli.add_commands)
    registry.add(WITNESSES, witness)
    registry.add(JOBS, witness.witness_partners_job)
    registry.add(STANDARD_JOBS, delivery.deliver_outbox_job, network.network_job)
    registry.add(LOOPS, delivery.delivery_loop, network.network_loop)
    registry.add(READINESS, network.closed_reason)
    service.on_commit(delivery.send_now)  # a message is sent as soon as its transaction commits
    registry.add(SECTIONS, figures.SECTION)
    registry.add(FIGURE_SOURCES, ("cross_region_licences", figures.licences_delivered))
    registry.add(handoff.FORWARDERS, service.PartnerForwarder())
    registry.add(handoff.COURIERS, service.MaterialCourier())
    registry.add(handoff.WITHDRAWALS, withdrawal.PartnerWithdrawal())
    registry.add(handoff.VIEW_EXTENSIONS, service.extend_view)
    registry.add(handoff.TRANSITION_LISTENERS, service.on_transition)

"""What the notifications feature adds (the composition root calls ``install``): its routes, its
page, the bell every page's header shows, and the job that emails the outbox."""

from __future__ import annotations

from pathlib import Path

from yima.jobs import JOBS
from yima.notifications import api, pages, service
from yima.registry import Registry
from yima.web.app import ROUTERS
from yima.web.templating import TEMPLATE_GLOBALS, TEMPLATES


def install(registry: Registry) -> None:
    registry.add(TEMPLATES, Path(__file__).with_name("templates"))
    registry.add(ROUTERS, api.router, pages.router)
    registry.add(JOBS, service.deliver_notifications_job)
    registry.add(TEMPLATE_GLOBALS, ("notification_bell", pages.bell))

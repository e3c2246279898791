"""What the ratings feature (政务服务“好差评”) adds to the application (the composition root calls
``install``)."""

from __future__ import annotations

from pathlib import Path

from yima.jobs import JOBS
from yima.ratings import api, figures, pages, rules, service
from yima.ratings.states import step_allowed
from yima.registration import handoff
from yima.registry import Registry
from yima.stats.sections import SECTIONS
from yima.web.app import ROUTERS
from yima.web.templating import TEMPLATE_GLOBALS, TEMPLATES


def install(registry: Registry) -> None:
    registry.add(TEMPLATES, Path(__file__).with_name("templates"))
    registry.add(ROUTERS, api.router, pages.router)
    registry.add(SECTIONS, figures.SECTION)
    registry.add(JOBS, service.remind_rectifications_job, service.recount_provisional_rectifications_job)
    registry.add(handoff.VIEW_EXTENSIONS, service.extend_view)  # an application's ratings on its page and JSON
    registry.add(TEMPLATE_GLOBALS, ("rating_scores", rules.SCORES), ("rating_indicators", rules.INDICATORS),
                 ("rating_appeal_states", rules.APPEAL_STATES), ("rating_rect_states", rules.RECTIFICATION_STATES),
                 ("rating_other_matters", rules.OTHER_MATTERS),
                 ("rectification_may", step_allowed))  # which steps the ledger offers (ratings.states)

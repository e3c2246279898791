"""``GET /api/v1/stats``: a zone's figures for a period, compared with a year earlier."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from yima.stats.schemas import StatsOut
from yima.stats.service import zone_figures
from yima.web.deps import DB, AppSettings, CurrentActor, Standard

router = APIRouter(prefix="/api/v1", tags=["stats"])


@router.get("/stats")
def stats(db: DB, standard: Standard, settings: AppSettings, actor: CurrentActor,
          zone: Annotated[str | None, Query(description="Zone id, e.g. cq-gxq")] = None,
          start: Annotated[str | None, Query(alias="from", description="First day, YYYY-MM-DD")] = None,
          end: Annotated[str | None, Query(alias="to", description="Last day, YYYY-MM-DD (at most 366 days)")] = None,
          ) -> StatsOut:
    """Every figure of the zone report as a number (null where undefined, e.g. growth on a zero base):
    ``new_domestic_enterprises``, ``market_entities``, ``domestic_enterprises`` (three industries),
    ``registration_matters``, ``approval_time`` (per matter), ``address_commitment_registrations``,
    ``one_code_licences``, ``cross_region_licences``, ``seal_sets``, ``seal_savings_yuan``,
    ``bundled_licences`` and ``monthly``. Officers see their own zone, administrators any zone."""
    figures = zone_figures(db, standard, actor, zone, start, end, seal_set_price_yuan=settings.seal_set_price_yuan)
    return StatsOut.model_validate(figures.as_json())

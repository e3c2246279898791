"""``/api/v1/reports``: publish a zone's figures as a signed report, restate them after a
correction, list and fetch them (publications are public, as the figures they publish)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from yima.clock import utcnow
from yima.db import Database
from yima.standard.model import MatterStandard
from yima.stats import published
from yima.stats.rules import Period, parse_period
from yima.stats.schemas import StatsOut
from yima.stats.service import compute_figures
from yima.web.deps import DB, AppSettings, CurrentActor, RowId, Standard

router = APIRouter(prefix="/api/v1", tags=["reports"])


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    zone: str = Field(min_length=1, max_length=32)
    from_: date = Field(alias="from", description="First day, YYYY-MM-DD")
    to: date = Field(description="Last day, YYYY-MM-DD (at most 366 days)")


class RestatementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000, description="Why the figures are restated (the correction made)")


class SignedReportOut(BaseModel):
    """The report as signed (check ``signature`` over the canonical JSON of ``report``)."""

    report: dict[str, Any]
    signature: dict[str, str]
    sha256: str


class ReportOut(SignedReportOut):
    restatements: list[SignedReportOut] = Field(default_factory=list)


class PeriodDays(BaseModel):
    from_: date = Field(alias="from", serialization_alias="from")
    to: date


class ChangeOut(BaseModel):
    path: str
    was: Any = None
    now: Any = None


class ReportSummaryOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    zone: str
    period: PeriodDays
    published_at: datetime
    published_by: str | None
    restates: int | None
    reason: str | None
    changes: list[ChangeOut]
    sha256: str
    restatements: list[ReportSummaryOut] = Field(default_factory=list)


def figures_of(db: Database, standard: MatterStandard, seal_set_price_yuan: int) -> published.FiguresOf:
    def compute(zone_id: str, period: Period) -> dict[str, Any]:
        figures = compute_figures(db, zone_id, period, standard, seal_set_price_yuan=seal_set_price_yuan)
        return StatsOut.model_validate(figures.as_json()).model_dump(mode="json", by_alias=True)
    return compute


@router.post("/reports", response_model=SignedReportOut, status_code=201)
def publish_report(body: ReportIn, db: DB, standard: Standard, settings: AppSettings,
                   actor: CurrentActor) -> SignedReportOut:
    """Freeze the zone's figures for the period (every figure of ``GET /api/v1/stats``) as a report
    signed with the zone's key; it never changes afterwards."""
    period = parse_period(body.from_.isoformat(), body.to.isoformat())
    envelope = published.publish(db, actor, body.zone, period,
                                 figures_of(db, standard, settings.seal_set_price_yuan), utcnow())
    return SignedReportOut.model_validate(envelope.as_json())


@router.post("/reports/{report_id}/restatements", response_model=SignedReportOut, status_code=201)
def restate_report(report_id: RowId, body: RestatementIn, db: DB, standard: Standard, settings: AppSettings,
                   actor: CurrentActor) -> SignedReportOut:
    """The report's figures as they are now, beside it: what changed (path, was, now), why, who.
    409 ``report.unchanged`` when nothing changed."""
    envelope = published.restate(db, actor, report_id, body.reason,
                                 figures_of(db, standard, settings.seal_set_price_yuan), utcnow())
    return SignedReportOut.model_validate(envelope.as_json())


@router.get("/reports", response_model=list[ReportSummaryOut])
def list_reports(db: DB, zone: Annotated[str | None, Query(max_length=32)] = None) -> list[ReportSummaryOut]:
    """Published reports, newest first, each with its restatements (anonymous)."""
    return [ReportSummaryOut.model_validate(r.as_json()) for r in published.list_reports(db, zone)]


@router.get("/reports/{report_id}", response_model=ReportOut)
def get_report(report_id: RowId, db: DB) -> ReportOut:
    """A published report as signed, and the restatements beside it (anonymous)."""
    return ReportOut.model_validate(published.get_report(db, report_id).as_json())

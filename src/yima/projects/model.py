"""The request and response shapes of the investment office's records (Pydantic, pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from yima.clock import UtcDatetime

StageName = Literal["signed", "registered", "landed", "started", "completed"]
InvestorTag = Literal["fortune_global_500", "central_soe", "china_top_500", "listed"]
ServiceKind = Literal["visit", "request"]
Amount = Field(gt=0, max_digits=18, decimal_places=2, description="Yuan (元), at most two decimals")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectIn(_In):
    zone: str = Field(min_length=1, max_length=32)
    code: str = Field(min_length=1, max_length=32, description="The office's project code, unique in the zone")
    name: str = Field(min_length=1, max_length=200)
    investor: str = Field(min_length=1, max_length=200)
    investor_tags: list[InvestorTag] = Field(default_factory=list, max_length=4)
    industry_code: str = Field(min_length=1, max_length=8, description="GB/T 4754-2017 code, e.g. C3914")
    amount: Decimal = Amount
    signed_on: date | None = Field(default=None, description="The contract's day (签约); empty while negotiating")
    note: str = Field(default="", max_length=2000, description="Evidence of the signing")


class StageIn(_In):
    stage: StageName
    on: date = Field(description="The day the stage was reached")
    note: str = Field(default="", max_length=2000, description="What shows it (the evidence)")
    reason: str | None = Field(default=None, max_length=2000,
                               description="Why a day already set is corrected (required then; in the audit log)")
    enterprise_uscc: str | None = Field(default=None, min_length=18, max_length=18,
                                        description="For 'registered': the project company's credit code")


class FundIn(_In):
    received_on: date
    amount: Decimal = Amount
    source: str = Field(default="", max_length=200, description="Where the money came from")


class DocumentOut(BaseModel):
    sha256: str
    name: str
    content_type: str
    size: int
    url: str


class StageOut(BaseModel):
    stage: StageName
    on: date
    note: str
    enterprise_uscc: str | None
    set_by: str | None = Field(description="User name; null for an import by the operator")
    set_by_role: str
    document: DocumentOut | None
    recorded_at: UtcDatetime


class FundOut(BaseModel):
    id: int = 0
    received_on: date
    amount: Decimal
    source: str
    recorded_at: UtcDatetime
    reversed_at: UtcDatetime | None = Field(default=None, description="Reversed (recorded in error): counts no more")
    reversal_reason: str | None = None


class Reason(_In):
    reason: str = Field(max_length=2000, description="Why (at least 4 characters); kept in the audit log")


class ProjectCorrection(_In):
    """A correction of a project's record: only the fields given change, each in the audit log
    with its old value and the reason. Stage days are corrected with ``/stages``."""

    code: str | None = Field(default=None, min_length=1, max_length=32)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    investor: str | None = Field(default=None, min_length=1, max_length=200)
    investor_tags: list[InvestorTag] | None = Field(default=None, max_length=4)
    industry_code: str | None = Field(default=None, min_length=1, max_length=8)
    amount: Decimal | None = Field(default=None, gt=0, max_digits=18, decimal_places=2)
    reason: str = Field(max_length=2000, description="Why (at least 4 characters); kept in the audit log")


class ProjectOut(BaseModel):
    id: int
    zone: str
    code: str
    name: str
    investor: str
    investor_tags: list[str]
    industry_code: str
    amount: Decimal
    stages_on: dict[str, date | None] = Field(description="The latest day of each stage, null if not reached")
    enterprise_uscc: str | None
    funds_in_place: Decimal
    next_stages: list[str]


class ProjectDetailOut(ProjectOut):
    stages: list[StageOut]
    funds: list[FundOut]


class CertificateIn(_In):
    """All three fields together (the rule ``key_enterprise.certificate`` names a missing one)."""

    number: str = Field(default="", max_length=64)
    issued_on: date | None = None
    expires_on: date | None = None


class KeyEnterpriseIn(_In):
    zone: str = Field(min_length=1, max_length=32)
    uscc: str = Field(min_length=18, max_length=18)
    specialist: str | None = Field(default=None, max_length=64, description="A service_specialist's user name")
    high_tech_certificate: CertificateIn | None = None


class KeyEnterpriseChange(_In):
    specialist: str | None = Field(default=None, max_length=64)
    high_tech_certificate: CertificateIn | None = None
    remove_certificate: bool = False
    reason: str | None = Field(default=None, max_length=2000, description="Why (required to correct the dates of "
                               "the certificate held or to remove it; in the audit log)")


class ServiceIn(_In):
    served_on: date
    kind: ServiceKind
    request: str = Field(default="", max_length=2000, description="What the enterprise asked")
    action: str = Field(default="", max_length=2000, description="What was done")
    resolved_on: date | None = None


class ResolveIn(_In):
    resolved_on: date
    action: str = Field(default="", max_length=2000)


class ServiceOut(BaseModel):
    id: int
    uscc: str
    enterprise_name: str
    served_on: date
    kind: ServiceKind
    request: str
    action: str
    resolved_on: date | None
    days_open: int | None = Field(description="Days from service to resolution, or until today while open")


class CertificateOut(BaseModel):
    number: str
    issued_on: date
    expires_on: date
    valid_today: bool


class KeyEnterpriseOut(BaseModel):
    uscc: str
    name: str
    zone: str
    industry_code: str
    specialist: str | None
    high_tech_certificate: CertificateOut | None
    services: int
    open_requests: int
    last_served_on: date | None


class CertificateRecordOut(BaseModel):
    """One certificate of the enterprise's history; ``ended_on``: the office removed it then."""

    number: str
    issued_on: date
    expires_on: date
    ended_on: date | None = None
    valid_today: bool


class KeyEnterpriseDetailOut(KeyEnterpriseOut):
    log: list[ServiceOut]
    certificates: list[CertificateRecordOut] = Field(
        default_factory=list, description="Every certificate held, oldest first, each with its validity")


class DeskOut(BaseModel):
    """A specialist's page: one page of their enterprises and the oldest requests still open."""

    specialist: str
    enterprises: list[KeyEnterpriseOut] = Field(description="One page (``page``, ``per_page``) of the "
                                                "specialist's enterprises matching ``q``, by credit code")
    open_requests: list[ServiceOut] = Field(description="The oldest open requests of the enterprises matching "
                                            "``q`` (at most ``per_page``)")
    enterprises_total: int = Field(0, description="How many of the specialist's enterprises match ``q``")
    open_requests_total: int = Field(0, description="How many open requests those enterprises have")
    page: int = Field(1, description="This page of the enterprises")
    pages: int = Field(1, description="How many pages of enterprises there are")


class Pair(BaseModel):
    """A figure of the period, the same figure a year earlier, and the growth (null on a zero base)."""

    value: int | float
    year_earlier: int | float
    growth_pct: float | None


class SignedOut(BaseModel):
    count: Pair
    amount_yuan: Pair


class Funnel(BaseModel):
    """Of the projects signed in the period, how many reached each stage by its last day."""

    signed: int
    landed: int
    started: int
    completed: int


class MonthOut(BaseModel):
    month: str
    count: int
    amount_yuan: float
    amount_year_earlier_yuan: float


class IndustryOut(BaseModel):
    section: str
    name_zh: str
    count: int
    amount_yuan: float


class ProjectFiguresOut(BaseModel):
    projects_signed: SignedOut
    funds_in_place_yuan: Pair
    signed_100m_or_more: Pair
    landed_100m_or_more: Pair
    landed: Pair
    started: Pair
    completed: Pair
    started_or_completed: Pair
    investors_by_tag: dict[InvestorTag, Pair] = Field(description="Distinct investors among the projects signed")
    funnel: Funnel
    monthly: list[MonthOut]
    by_industry: list[IndustryOut]


class ServiceFiguresOut(BaseModel):
    served: Pair
    high_tech: int
    high_tech_share_pct: float | None
    requests_resolved: Pair
    median_days_to_resolve: float | None
    open_requests: int


class FiguresOut(BaseModel):
    zone: str
    period: dict[str, date] = Field(description="'from' and 'to'")
    projects: ProjectFiguresOut
    key_enterprises: ServiceFiguresOut


ImportKind = Literal["projects", "project-funds", "key-enterprises", "services"]
RowStatus = Literal["new", "updated", "existing", "differs", "refused"]


class ImportRowOut(BaseModel):
    """What the import does (or did) with one row of the file."""

    line: int = Field(description="The row's line in the file (the header is line 1)")
    status: RowStatus = Field(description="new, updated (corrected), existing (the same record is there), "
                                          "differs (there, different, not corrected without update) or refused")
    key: str = Field(description="The record the row names (project code, credit code, …)")
    rule: str | None = Field(None, description="For a refused row: the rule it breaks")
    field: str | None = None
    message_zh: str | None = None
    message_en: str | None = None
    changes: dict[str, list[str | None]] = Field(default_factory=dict, description="field: [now, in the file]")


class ImportReportOut(BaseModel):
    kind: ImportKind
    zone: str
    encoding: str = Field(description="utf-8 or gbk")
    written: bool = Field(description="false: a preview, nothing was written")
    new: int
    updated: int
    existing: int
    differs: int
    refused: int
    rows: list[ImportRowOut]

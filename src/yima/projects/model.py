"""The request and response shapes of the investment office's records (Pydantic, pure)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    recorded_at: datetime


class FundOut(BaseModel):
    received_on: date
    amount: Decimal
    source: str
    recorded_at: datetime


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
    number: str = Field(min_length=1, max_length=64)
    issued_on: date
    expires_on: date


class KeyEnterpriseIn(_In):
    zone: str = Field(min_length=1, max_length=32)
    uscc: str = Field(min_length=18, max_length=18)
    specialist: str | None = Field(default=None, max_length=64, description="A service_specialist's user name")
    high_tech_certificate: CertificateIn | None = None


class KeyEnterpriseChange(_In):
    specialist: str | None = Field(default=None, max_length=64)
    high_tech_certificate: CertificateIn | None = None
    remove_certificate: bool = False


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


class KeyEnterpriseDetailOut(KeyEnterpriseOut):
    log: list[ServiceOut]


class DeskOut(BaseModel):
    """A specialist's page: their enterprises and the requests still open."""

    specialist: str
    enterprises: list[KeyEnterpriseOut]
    open_requests: list[ServiceOut]


class FiguresOut(BaseModel):
    zone: str
    period: dict[str, date]
    projects: dict[str, object]
    key_enterprises: dict[str, object]

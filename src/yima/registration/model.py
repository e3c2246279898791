"""What an applicant submits: the application body of the v1 API, validated for shape.

Shape (types, lengths, formats) is checked here by Pydantic; the registration rules in
``rules.py`` check meaning against the matter standard and the zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["online", "counter"]
Proof = Literal["commitment", "lease", "title"]
AddressKind = Literal["domicile", "site"]


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    text: str = Field(min_length=5, max_length=300)
    proof: Proof
    kind: AddressKind | None = None


IdType = Literal["resident_id", "passport", "hk_macao_permit", "taiwan_permit"]


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=50)
    id_type: IdType = Field(default="resident_id", description="The identity document (persons.py)")
    id_number: str = Field(min_length=5, max_length=18)
    phone: str | None = Field(default=None, pattern=r"^1[3-9]\d{9}$")


class ShareholderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    id_type: IdType = Field(default="resident_id", description="For a natural person (persons.py)")
    id_number: str | None = Field(default=None, min_length=5, max_length=18)
    uscc: str | None = Field(default=None, min_length=18, max_length=18)
    share_pct: Decimal = Field(gt=0, le=100, max_digits=7, decimal_places=4)
    contribution_due: date | None = Field(
        default=None, description="认缴出资期限 (an LLC): at most five years after establishment (Company Law 2023 "
        "Art. 47); absent means the statutory limit")
    paid_in: PaidInIn | None = Field(default=None, description="实缴出资: amount paid in so far and when")


class PaidInIn(BaseModel):
    """实缴出资: what a shareholder has paid in of its subscribed contribution, and on which day."""

    model_config = ConfigDict(extra="forbid")
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    date: date


OwnerBasis = Literal["shares_25", "income_or_votes_25", "control", "senior_manager"]


class BeneficialOwnerIn(BaseModel):
    """受益所有人 (受益所有人信息管理办法, 2024-11-01). Never public: see ``registration.owners``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=100)
    id_type: IdType = Field(default="resident_id", description="The identity document (persons.py)")
    id_number: str = Field(min_length=5, max_length=18)
    nationality: str = Field(default="CHN", min_length=3, max_length=3, pattern=r"^[A-Z]{3}$",
                             description="ISO 3166-1 alpha-3")
    basis: OwnerBasis
    share_pct: Decimal | None = Field(default=None, ge=0, le=100, max_digits=7, decimal_places=4)
    since: date


class ApplicationIn(BaseModel):
    """The application body of ``POST /api/v1/applications``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    zone: str = Field(min_length=1, max_length=32)
    matter: str = Field(min_length=1, max_length=32)
    channel: Channel = "online"
    uscc: str | None = Field(default=None, min_length=18, max_length=18,
                             description="The enterprise a change, cancellation or filing is for.")
    entity_type: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, min_length=2, max_length=100)
    registered_capital: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    industry_code: str | None = Field(default=None, max_length=8)
    scope: list[str] | None = Field(default=None, max_length=50)
    addresses: list[AddressIn] | None = Field(default=None, max_length=50)
    legal_representative: PersonIn | None = None
    shareholders: list[ShareholderIn] | None = Field(default=None, max_length=200)
    materials: list[str] = Field(default_factory=list, max_length=50)
    commitments: list[str] = Field(default_factory=list, max_length=20)
    beneficial_owners: list[BeneficialOwnerIn] | None = Field(
        default=None, max_length=50, description="受益所有人; never stored in the body nor shown publicly")

    def domicile(self) -> AddressIn | None:
        for address in self.addresses or []:
            if address.kind in (None, "domicile"):
                return address
        return None


@dataclass(frozen=True)
class ApplicationRecord:
    """An application as another feature reads it (cross-region registration, ratings): what it
    is and where it stands, never its row. Registration alone writes an application."""

    id: int
    zone_id: str
    applicant_id: int
    matter: str
    channel: str
    name: str
    status: str
    enterprise_uscc: str | None
    standard_digest: str
    findings: tuple[dict[str, Any], ...]
    missing_materials: tuple[str, ...]
    materials_due_on: date | None


@dataclass(frozen=True)
class StatusChange:
    """One recorded change of an application's status: from what to what, by whom, why and when."""

    from_status: str | None
    to_status: str
    actor_role: str
    reason_zh: str
    reason_en: str
    at: datetime


@dataclass(frozen=True)
class ApplicationChanged:
    """What one registration transaction did to an application: its changes of status, and how many
    it has had in all (``version``: the order in which a partner zone applies them)."""

    application: ApplicationRecord
    version: int
    changes: tuple[StatusChange, ...]

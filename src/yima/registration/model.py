"""What an applicant submits: the application body of the v1 API, validated for shape.

Shape (types, lengths, formats) is checked here by Pydantic; the registration rules in
``rules.py`` check meaning against the matter standard and the zone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

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

    def domicile(self) -> AddressIn | None:
        for address in self.addresses or []:
            if address.kind in (None, "domicile"):
                return address
        return None

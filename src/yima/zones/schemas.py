"""Response models of the zone routes."""

from __future__ import annotations

from yima.web.schemas import ResponseModel


class ZoneOut(ResponseModel):
    id: str
    name: str
    name_en: str
    division_code: str
    residents: int
    org_block_start: int
    authority_name: str
    place_names: list[str]


class AddressBanOut(ResponseModel):
    """One entry of a zone's address negative list (住所负面清单)."""

    pattern: str
    reason: str

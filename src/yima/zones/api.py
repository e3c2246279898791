"""Zones and the matter standard, as the v1 API publishes them."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from pydantic import BaseModel, Field

from yima.actors import may_work_zone, require_role
from yima.clock import utcnow
from yima.errors import Forbidden
from yima.standard.model import MatterStandard
from yima.web.deps import DB, CurrentActor, Standard
from yima.zones import service
from yima.zones.schemas import AddressBanOut, ZoneOut

router = APIRouter(prefix="/api/v1", tags=["zones"])


class AddressBanIn(BaseModel):
    pattern: str = Field(min_length=2, max_length=200)
    reason: str = Field(default="", max_length=400)


@router.get("/zones")
def list_zones(db: DB) -> list[ZoneOut]:
    return [ZoneOut.model_validate(asdict(z)) for z in service.list_zones(db)]


@router.get("/standard")
def get_standard(standard: Standard) -> MatterStandard:
    """The matter standard this zone runs, with its digest (同一标准办一件事)."""
    return standard


@router.get("/zones/{zone_id}/address-bans")
def list_bans(zone_id: str, db: DB) -> list[AddressBanOut]:
    return [AddressBanOut(pattern=p, reason=r) for p, r in service.address_bans(db, zone_id)]


@router.post("/zones/{zone_id}/address-bans", status_code=201)
def add_ban(zone_id: str, body: AddressBanIn, db: DB, actor: CurrentActor) -> AddressBanOut:
    require_role(actor, "admin", "officer")
    if not may_work_zone(actor, zone_id):
        raise Forbidden("zone.not_yours", "zone", "只能维护本区的住所负面清单", "Only your own zone's list")
    service.ban_address(db, zone_id, body.pattern, body.reason, utcnow())
    return AddressBanOut(pattern=body.pattern, reason=body.reason)

"""``GET /api/v1/audit`` (the newest entries of a chain), ``GET /api/v1/audit/verify`` and the
public, signed ``GET /api/v1/audit/checkpoint``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from yima.audit import service
from yima.audit.schemas import AuditEntryOut, ChainCheckOut, CheckpointOut
from yima.clock import utcnow
from yima.web.deps import DB, CurrentActor

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit")
def audit_entries(db: DB, actor: CurrentActor, zone: str, subject: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditEntryOut]:
    """The newest entries of a zone's chain (``zone=platform``: account changes; administrators
    only). Officers read their own zone's."""
    return [AuditEntryOut.model_validate(e.as_json()) for e in service.recent_entries(db, actor, zone, limit=limit,
                                                                          subject=subject)]


@router.get("/audit/verify")
def audit_verify(db: DB, actor: CurrentActor, zone: str) -> ChainCheckOut:
    """Recompute the chain from its first entry: ``ok``, or the entry where it breaks and why."""
    return ChainCheckOut.model_validate(service.verify_for(db, actor, zone).as_dict())


@router.get("/audit/checkpoint")
def audit_checkpoint(db: DB, zone: str) -> CheckpointOut:
    """Public: the zone's chain head signed with the zone's key. Anyone may keep copies; a later
    ``yima audit verify --checkpoint`` shows whether the chain still passes through it."""
    return CheckpointOut.model_validate(service.signed_checkpoint(db, zone, utcnow()).as_json())

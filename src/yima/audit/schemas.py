"""Response models of the audit routes: entries, the check of a chain, a signed checkpoint."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from yima.web.schemas import ResponseModel


class AuditEntryOut(ResponseModel):
    seq: int
    at: str
    actor_id: int | None
    actor_role: str
    action: str
    subject: str
    detail: dict[str, Any]
    hash: str = Field(description="Hex SHA-256 of the previous hash, the sequence number and the event")


class ChainCheckOut(ResponseModel):
    """The chain recomputed from its first entry: ``ok``, or where it breaks and why."""

    chain: str
    entries: int
    ok: bool
    head: str
    broken_at: int | None
    reason: str = Field(description="Empty when ok")
    reason_zh: str


class CheckpointOut(ResponseModel):
    """The zone's chain head signed with the zone's key (docs/audit-log.md)."""

    purpose: str
    chain: str
    seq: int
    hash: str
    at: str
    kid: str
    alg: str
    signature: str = Field(description="base64url, unpadded")

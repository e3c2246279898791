"""An application as its applicant or officer sees it: the typed read model that registration's
views build, that the features registration hands over to extend (a new view, never a patched
one), and that routes turn into their response models and pages render.

``as_json`` is the v1 JSON of an application (``ApplicationOut``, ``ApplicationSummaryOut``):
the same keys, present in the same cases, as before the view was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


class ViewPart(Protocol):
    """What a feature above registration adds to the view of one application (ratings' 好差评):
    a typed value that pages read by attribute and whose ``as_json`` the API answers with."""

    def as_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TransitionView:
    """One step of the application's history (a change of status here, or a partner zone's step)."""

    from_status: str | None
    to: str
    actor_role: str | None
    actor_id: int | None
    reason: str
    reason_zh: str
    reason_en: str
    at: str | None  # ISO 8601, UTC

    def as_json(self) -> dict[str, Any]:
        return {"from": self.from_status, "to": self.to, "actor_role": self.actor_role, "actor_id": self.actor_id,
                "reason": self.reason, "reason_zh": self.reason_zh, "reason_en": self.reason_en, "at": self.at}


@dataclass(frozen=True)
class UploadView:
    material: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: str | None

    def as_json(self) -> dict[str, Any]:
        return {"material": self.material, "filename": self.filename, "content_type": self.content_type,
                "size": self.size, "sha256": self.sha256, "uploaded_at": self.uploaded_at}


@dataclass(frozen=True)
class ApplicationDetail:
    """What the view of one application adds to a line of a list."""

    body: dict[str, Any]
    proved_addresses: list[int]
    transitions: tuple[TransitionView, ...]
    uploads: tuple[UploadView, ...]


class Withdrawal(StrEnum):
    """Where a withdrawal asked of the partner zone stands (the v1 JSON's ``withdrawal``), read off the
    case's steps and the partner's status (``federation.rules.withdrawal_state``)."""

    REQUESTED = "requested"  # sent, awaiting the partner's confirmation
    CONFIRMED = "confirmed"  # the partner withdrew it
    TOO_LATE = "too_late"  # the partner had decided


@dataclass(frozen=True)
class PartnerCase:
    """What cross-region registration (跨省异地办照) adds: the zone that accepted the application,
    the case (``cross_region``), and on the accepting side the partner's licence and the state of
    a withdrawal asked of it. The case and the licence are typed by the feature that knows them
    (``federation.service.CaseView``, ``DeliveredLicence``); pages read them by attribute."""

    accepting_zone: str
    cross_region: ViewPart
    accepting: bool
    licence: ViewPart | None = None
    withdrawal: Withdrawal | None = None


@dataclass(frozen=True)
class ApplicationView:
    id: int
    zone: str
    matter: str
    entity_type: str
    channel: str
    name: str
    status: str
    uscc: str | None
    findings: list[dict[str, Any]]
    missing_materials: list[str]
    materials_due_on: str | None
    submitted_at: str | None
    decided_at: str | None
    statutory_due_at: str | None
    time_left_hours: float | None
    overdue: bool
    detail: ApplicationDetail | None = None
    partner: PartnerCase | None = None
    rating: ViewPart | None = None  # 好差评, added by the ratings feature to the view of one application
    enterprise_status: str | None = None
    standing_read: bool = False  # enterprise_status was read (the API's answers carry it, null or not)

    # What pages read; absent parts read as nothing.
    @property
    def body(self) -> dict[str, Any]:
        return self.detail.body if self.detail else {}

    @property
    def transitions(self) -> tuple[TransitionView, ...]:
        return self.detail.transitions if self.detail else ()

    @property
    def uploads(self) -> tuple[UploadView, ...]:
        return self.detail.uploads if self.detail else ()

    @property
    def proved_addresses(self) -> list[int]:
        return self.detail.proved_addresses if self.detail else []

    @property
    def cross_region(self) -> ViewPart | None:
        return self.partner.cross_region if self.partner else None

    @property
    def accepting_zone(self) -> str | None:
        return self.partner.accepting_zone if self.partner else None

    @property
    def licence(self) -> ViewPart | None:
        return self.partner.licence if self.partner else None

    @property
    def withdrawal(self) -> Withdrawal | None:
        return self.partner.withdrawal if self.partner else None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "zone": self.zone, "matter": self.matter, "entity_type": self.entity_type,
            "channel": self.channel, "name": self.name, "status": self.status, "uscc": self.uscc,
            "findings": [dict(f) for f in self.findings], "missing_materials": list(self.missing_materials),
            "materials_due_on": self.materials_due_on, "submitted_at": self.submitted_at,
            "decided_at": self.decided_at, "statutory_due_at": self.statutory_due_at,
            "time_left_hours": self.time_left_hours, "overdue": self.overdue}
        if self.detail is not None:
            out.update(body=self.detail.body, proved_addresses=list(self.detail.proved_addresses),
                       transitions=[t.as_json() for t in self.detail.transitions],
                       uploads=[u.as_json() for u in self.detail.uploads])
        if self.partner is not None:
            out["accepting_zone"] = self.partner.accepting_zone
            if self.partner.accepting:
                licence = self.partner.licence
                out.update(withdrawal=self.partner.withdrawal, licence=licence.as_json() if licence else None)
            out["cross_region"] = self.partner.cross_region.as_json()
        if self.rating is not None:
            out["rating"] = self.rating.as_json()
        if self.standing_read:
            out["enterprise_status"] = self.enterprise_status
        return out

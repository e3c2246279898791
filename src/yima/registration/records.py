"""What other features may read of applications, without touching registration's tables.

Cross-region registration (``yima.federation``) keeps its cases beside applications it does not
own: it reads them here as ``ApplicationRecord``s, selects them by zone, channel and period with
``application_ids`` (a subquery it filters its own rows by), and never writes them — the service
functions of ``yima.registration.service`` do. Statistics count decided applications and time
approvals from the statements here (``decided_applications``, ``approval_instants``), licences and
seals get what they follow through ``registration.handoff``. An import-linter contract in
pyproject.toml keeps federation, ratings, stats, licences and seals from importing
``yima.registration.tables``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from yima.registration.model import ApplicationChanged, ApplicationRecord, StatusChange
from yima.registration.status import Status
from yima.registration.tables import Application, MaterialUpload, Transition

Between = tuple[datetime, datetime]
"""A half-open period ``[start, end)`` in UTC."""

Ts = TypeVarTuple("Ts")


def record_of(app: Application) -> ApplicationRecord:
    return ApplicationRecord(
        id=app.id, zone_id=app.zone_id, applicant_id=app.applicant_id, matter=app.matter, channel=app.channel,
        name=app.name, status=app.status, enterprise_uscc=app.enterprise_uscc, standard_digest=app.standard_digest,
        findings=tuple(app.findings or ()), missing_materials=tuple(app.missing_materials or ()),
        materials_due_on=app.materials_due_on)


def change_of(transition: Transition) -> StatusChange:
    return StatusChange(from_status=transition.from_status, to_status=transition.to_status,
                        actor_role=transition.actor_role, reason_zh=transition.reason_zh or "",
                        reason_en=transition.reason_en or "", at=transition.at)


def changed_since(app: Application, since: int) -> ApplicationChanged:
    """The application's changes of status from the ``since``-th on."""
    return ApplicationChanged(record_of(app), len(app.transitions),
                              tuple(change_of(t) for t in app.transitions[since:]))


def application_record(session: Session, app_id: int) -> ApplicationRecord | None:
    app = session.get(Application, app_id)
    return record_of(app) if app is not None else None


def application_records(session: Session, app_ids: Iterable[int]) -> dict[int, ApplicationRecord]:
    wanted = sorted(set(app_ids))
    if not wanted:
        return {}
    return {app.id: record_of(app) for app in session.scalars(select(Application).where(Application.id.in_(wanted)))}


def application_version(session: Session, app_id: int) -> int:
    """How many changes of status the application has had (the version a partner zone orders by)."""
    return int(session.scalar(select(func.count()).select_from(Transition)
                              .where(Transition.application_id == app_id)) or 0)


def has_upload(session: Session, app_id: int, sha256: str) -> bool:
    """Whether a material with this content was recorded for the application already."""
    return session.scalar(select(MaterialUpload.id).where(MaterialUpload.application_id == app_id,
                                                          MaterialUpload.sha256 == sha256).limit(1)) is not None


def application_ids(*, zone_id: str | None = None, channel: str | None = None, matter: str | None = None,
                    status: str | None = None, submitted: Between | None = None,
                    decided: Between | None = None) -> Select[int]:
    """The ids of the applications that match, as a statement to filter by (``id.in_(...)``)."""
    return _matching(select(Application.id), zone_id=zone_id, channel=channel, matter=matter,
                     statuses=None if status is None else (status,), submitted=submitted, decided=decided)


def decided_applications(*, zone_id: str, decided: Between, statuses: Sequence[str],
                         matter: str | None = None) -> Select[int, str, str, str, str, datetime, datetime | None]:
    """The applications of a zone decided in the period with one of ``statuses``: a statement of
    ``id, matter, entity_type, status, channel, submitted_at, decided_at`` to count from (as a
    subquery) or join by ``id`` (served by the index ``ix_applications_stats``)."""
    query = select(Application.id, Application.matter, Application.entity_type, Application.status,
                   Application.channel, Application.submitted_at, Application.decided_at)
    return _matching(query, zone_id=zone_id, matter=matter, statuses=statuses, decided=decided)


def approval_instants(*, zone_id: str, decided: Between) -> Select[int, str, Any, Any]:
    """For each application of the zone approved in the period: ``id, matter, submitted_at,
    approved_at``, the instants of its ``submitted`` and ``approved`` transitions (as recorded,
    not the application's own times), to time approvals from as a subquery."""
    return (select(Application.id.label("id"), Application.matter.label("matter"),
                   func.min(case((Transition.to_status == Status.SUBMITTED, Transition.at))).label("submitted_at"),
                   func.max(case((Transition.to_status == Status.APPROVED, Transition.at))).label("approved_at"))
            .join(Transition, Transition.application_id == Application.id)
            .where(Application.zone_id == zone_id, Application.status == Status.APPROVED,
                   Application.decided_at >= decided[0], Application.decided_at < decided[1],
                   Transition.to_status.in_((Status.SUBMITTED, Status.APPROVED)))
            .group_by(Application.id, Application.matter))


def _matching(query: Select[*Ts], *, zone_id: str | None = None, channel: str | None = None,
              matter: str | None = None, statuses: Sequence[str] | None = None,
              submitted: Between | None = None, decided: Between | None = None) -> Select[*Ts]:
    if zone_id is not None:
        query = query.where(Application.zone_id == zone_id)
    if channel is not None:
        query = query.where(Application.channel == channel)
    if matter is not None:
        query = query.where(Application.matter == matter)
    if statuses is not None:
        query = query.where(Application.status == statuses[0] if len(statuses) == 1
                            else Application.status.in_(statuses))
    if submitted is not None:
        query = query.where(Application.submitted_at >= submitted[0], Application.submitted_at < submitted[1])
    if decided is not None:
        query = query.where(Application.decided_at >= decided[0], Application.decided_at < decided[1])
    return query


def count_applications(session: Session, ids: Select[int]) -> int:
    """How many applications ``ids`` (from ``application_ids``) selects."""
    return int(session.scalar(select(func.count()).select_from(ids.subquery())) or 0)

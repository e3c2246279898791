"""Where registration hands an application over to another feature, without importing it.

Cross-region registration (跨省异地办照) lives in ``yima.federation``, which depends on this
package; registration must not depend on it. So registration declares here what it hands over,
as Protocols and a ``Slot`` for each; a feature adds its parts in its ``feature.install`` and the
composition root plugs them in with ``use(registry)`` when the application starts. What is handed
over is an ``ApplicationRecord`` (``model.py``), never the row (the register's followers, licences
and seals, get the enterprise they follow and an ``Establishment`` or ``Approval`` of the application):

* a ``Forwarder`` takes a submission whose ``zone`` it serves (a partner zone) instead of the local
  秒批 path, and answers with the application as its applicant sees it;
* a ``MaterialCourier`` takes a material supplied for an application it forwarded;
* a ``Withdrawal`` takes the applicant's withdrawal of an application it forwarded (the zone that
  decides it confirms, or answers that it had decided already);
* a ``ViewExtension`` adds what it knows (the partner's status, the delivered licence, the steps
  of the journey) to the view of an application;
* a ``TransitionListener`` runs inside every registration transaction after its transitions are
  recorded (a forwarded application decided here sends its decision back from there);
* a ``RegisterFollower`` keeps its records in step with the enterprise register inside the
  transaction that changes it (licences: permits and the signed licence; seals: the free seal
  set), and names the audit entry of each row it created.

With nothing plugged in, registration works alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from yima.actors import Actor
from yima.audit.rules import AuditEvent
from yima.db import Base, Database
from yima.db.bulk import PendingKey
from yima.register.status import EnterpriseStatus
from yima.register.tables import Enterprise
from yima.registration.appview import ApplicationView
from yima.registration.model import ApplicationChanged, ApplicationIn, ApplicationRecord
from yima.registry import Registry, Slot
from yima.standard.model import MatterStandard


@dataclass(frozen=True)
class Establishment:
    """An approved establishment as the register's followers see it when the new enterprise's rows
    are built: whose it is, in which zone, what the applicant committed to (告知承诺), and the
    application's id for a new row to name it (``Permit(application_id=...)``).

    The id is a ``PendingKey``: on the 秒批 path the application is inserted in the same batch as
    the rows the followers return (``insert_new``, parents first), so it is not known when they are
    built; ``insert_new`` puts it in place. The followers never see the application's row."""

    zone_id: str
    applicant_id: int
    commitments: tuple[str, ...]
    application_id: PendingKey


@dataclass(frozen=True)
class Approval:
    """The approval a follower's rows came of, for their audit entries: the application, the
    enterprise, and who made the last transition, when."""

    application_id: int
    zone_id: str
    enterprise_uscc: str | None
    at: datetime
    actor_id: int | None
    actor_role: str

    def event(self, action: str, subject: str, detail: Mapping[str, Any]) -> AuditEvent:
        """The audit entry of ``action`` on ``subject``, by whoever made the approval."""
        return AuditEvent(self.zone_id, self.at, self.actor_id, self.actor_role, action, subject, detail)


class Forwarder(Protocol):
    def serves(self, db: Database, zone_id: str) -> bool: ...

    def submit(self, db: Database, standard: MatterStandard, actor: Actor, body: ApplicationIn, now: datetime,
               idempotency_key: str | None) -> ApplicationView: ...


class MaterialCourier(Protocol):
    def carries(self, app: ApplicationRecord) -> bool: ...

    def supply(self, session: Session, app: ApplicationRecord, actor: Actor, material_id: str, filename: str,
               content_type: str, content: bytes, now: datetime) -> None: ...


class Withdrawal(Protocol):
    def carries(self, app: ApplicationRecord) -> bool: ...

    def withdraw(self, session: Session, app: ApplicationRecord, actor: Actor, now: datetime) -> None: ...


class ViewExtension(Protocol):
    def __call__(self, session: Session | None, app: ApplicationRecord, view: ApplicationView) -> ApplicationView:
        """The view with what the feature knows of the application (a new view; the one given is kept)."""


class TransitionListener(Protocol):
    def __call__(self, session: Session, changed: ApplicationChanged, created: Sequence[Base]) -> None: ...


class RegisterFollower(Protocol):
    def established(self, session: Session, standard: MatterStandard, enterprise: Enterprise,
                    establishment: Establishment, now: datetime) -> Sequence[Base]:
        """The rows a new enterprise brings, for registration to insert with it (parents first).
        Only reads through ``session``: on the 秒批 path it is a read session before the write
        transaction (the rows are built there, and inserted inside the writer lock)."""

    def changed(self, session: Session, standard: MatterStandard, enterprise: Enterprise, now: datetime,
                actor: Actor | None) -> None: ...

    def ended(self, session: Session, enterprise: Enterprise, now: datetime, status: EnterpriseStatus,
              reason: str) -> None: ...

    def audit_event(self, row: Base, approval: Approval) -> AuditEvent | None:
        """The entry for a row ``established`` returned (None: not one of this follower's)."""


FORWARDERS: Slot[Forwarder] = Slot("forwarders of applications for partner zones")
COURIERS: Slot[MaterialCourier] = Slot("couriers of materials for forwarded applications")
WITHDRAWALS: Slot[Withdrawal] = Slot("withdrawals of forwarded applications")
VIEW_EXTENSIONS: Slot[ViewExtension] = Slot("extensions of an application's view")
TRANSITION_LISTENERS: Slot[TransitionListener] = Slot("listeners to an application's transitions")
FOLLOWERS: Slot[RegisterFollower] = Slot("followers of the enterprise register")


@dataclass(frozen=True)
class Handoffs:
    forwarders: tuple[Forwarder, ...] = ()
    couriers: tuple[MaterialCourier, ...] = ()
    withdrawals: tuple[Withdrawal, ...] = ()
    view_extensions: tuple[ViewExtension, ...] = ()
    transition_listeners: tuple[TransitionListener, ...] = ()
    followers: tuple[RegisterFollower, ...] = ()


_plugged = Handoffs()


def use(registry: Registry) -> None:
    """Plug in what features added to the slots (the composition root calls this at start)."""
    global _plugged
    _plugged = Handoffs(registry.items(FORWARDERS), registry.items(COURIERS), registry.items(WITHDRAWALS),
                        registry.items(VIEW_EXTENSIONS), registry.items(TRANSITION_LISTENERS),
                        registry.items(FOLLOWERS))


def view_extensions() -> tuple[ViewExtension, ...]:
    return _plugged.view_extensions


def transition_listeners() -> tuple[TransitionListener, ...]:
    return _plugged.transition_listeners


def followers() -> tuple[RegisterFollower, ...]:
    return _plugged.followers


def forwarder_for(db: Database, zone_id: str) -> Forwarder | None:
    return next((f for f in _plugged.forwarders if f.serves(db, zone_id)), None)


def courier_for(app: ApplicationRecord) -> MaterialCourier | None:
    return next((c for c in _plugged.couriers if c.carries(app)), None)


def withdrawal_for(app: ApplicationRecord) -> Withdrawal | None:
    return next((w for w in _plugged.withdrawals if w.carries(app)), None)

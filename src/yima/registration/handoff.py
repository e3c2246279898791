"""Where registration hands an application over to another feature, without importing it.

Cross-region registration (跨省异地办照) lives in ``yima.federation``, which depends on this
package; registration must not depend on it. So registration calls the few functions that a
feature registered here at import time:

* a ``Forwarder`` takes a submission whose ``zone`` it serves (a partner zone) instead of the local
  秒批 path, and answers with the application as its applicant sees it;
* a ``MaterialCourier`` takes a material supplied for an application it forwarded;
* a ``Withdrawal`` takes the applicant's withdrawal of an application it forwarded (the zone that
  decides it confirms, or answers that it had decided already);
* a ``ViewExtension`` adds what it knows (the partner's status, the delivered licence, the steps
  of the journey) to the view of an application;
* a ``TransitionListener`` runs inside every registration transaction after its transitions are
  recorded (a forwarded application decided here sends its decision back from there).

With nothing registered, registration works alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session

from yima.accounts.rules import Actor
from yima.db import Base, Database
from yima.registration.model import ApplicationIn
from yima.standard.model import MatterStandard

if TYPE_CHECKING:
    from yima.registration.tables import Application


class Forwarder(Protocol):
    def serves(self, db: Database, zone_id: str) -> bool: ...

    def submit(self, db: Database, standard: MatterStandard, actor: Actor, body: ApplicationIn, now: datetime,
               idempotency_key: str | None) -> dict[str, Any]: ...


class MaterialCourier(Protocol):
    def carries(self, app: Application) -> bool: ...

    def supply(self, session: Session, app: Application, actor: Actor, material_id: str, filename: str,
               content_type: str, content: bytes, now: datetime) -> None: ...


class Withdrawal(Protocol):
    def carries(self, app: Application) -> bool: ...

    def withdraw(self, session: Session, app: Application, actor: Actor, now: datetime) -> None: ...


class ViewExtension(Protocol):
    def __call__(self, app: Application, view: dict[str, Any]) -> None: ...


class TransitionListener(Protocol):
    def __call__(self, session: Session, app: Application, since: int, created: Sequence[Base]) -> None: ...


forwarders: list[Forwarder] = []
couriers: list[MaterialCourier] = []
withdrawals: list[Withdrawal] = []
view_extensions: list[ViewExtension] = []
transition_listeners: list[TransitionListener] = []


def forwarder_for(db: Database, zone_id: str) -> Forwarder | None:
    return next((f for f in forwarders if f.serves(db, zone_id)), None)


def courier_for(app: Application) -> MaterialCourier | None:
    return next((c for c in couriers if c.carries(app)), None)


def withdrawal_for(app: Application) -> Withdrawal | None:
    return next((w for w in withdrawals if w.carries(app)), None)


def register(*, forwarder: Forwarder | None = None, courier: MaterialCourier | None = None,
             view_extension: ViewExtension | None = None, listener: TransitionListener | None = None,
             withdrawal: Withdrawal | None = None) -> None:
    """Add a feature's functions (each once, however often its module is imported)."""
    if withdrawal is not None and withdrawal not in withdrawals:
        withdrawals.append(withdrawal)
    if forwarder is not None and forwarder not in forwarders:
        forwarders.append(forwarder)
    if courier is not None and courier not in couriers:
        couriers.append(courier)
    if view_extension is not None and view_extension not in view_extensions:
        view_extensions.append(view_extension)
    if listener is not None and listener not in transition_listeners:
        transition_listeners.append(listener)

"""Shared by the seal tests: an enterprise established through registration (秒批), and its seals."""

from __future__ import annotations

from sqlalchemy import select

from factories import NOW, application_body, person
from yima.actors import Actor
from yima.db import Database
from yima.registration import service as registration
from yima.registration.tables import Application
from yima.seals import service
from yima.seals.model import SealType
from yima.seals.tables import SealSet
from yima.standard.model import MatterStandard

NAME = "重庆云帆科技有限公司"
PERSON = "张小明"


def establishment_body(name: str = NAME, person_name: str = PERSON, seq: int = 1) -> dict[str, object]:
    """An application that qualifies for 秒批, its legal representative the sole shareholder."""
    rep = person(person_name, seq=seq)
    return application_body(name=name, legal_representative=rep,
                            shareholders=[{"name": rep["name"], "id_number": rep["id_number"], "share_pct": "100"}])


def establish(db: Database, standard: MatterStandard, actor: Actor, name: str = NAME, person_name: str = PERSON,
              seq: int = 1) -> str:
    """An enterprise approved instantly for ``actor``; its credit code."""
    from yima.registration.model import ApplicationIn

    body = establishment_body(name, person_name, seq)
    app_id = registration.submit(db, standard, actor, ApplicationIn.model_validate(body), NOW)
    with db.read() as session:
        app = session.get(Application, app_id)
        assert app is not None and app.status == "approved", app and app.findings
        return app.enterprise_uscc


def seal_set_status(db: Database, uscc: str) -> str | None:
    with db.read() as session:
        return session.scalar(select(SealSet.status).where(SealSet.uscc == uscc))


def seal_ids(db: Database, actor: Actor, uscc: str) -> dict[SealType, str]:
    return {seal.type: seal.id for seal in service.list_seals(db, actor, uscc, NOW)}

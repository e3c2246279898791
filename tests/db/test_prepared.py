"""``Prepared``: a Core statement run on the driver's cursor reads and writes what SQLAlchemy would:
lists of constants (enum members among them) expanded once, typed values converted by the types'
own processors, rows touched counted."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, update

from factories import NOW
from yima.db import Database
from yima.db.base import table_of
from yima.db.prepared import Prepared
from yima.registration.status import PENDING, Status
from yima.registration.tables import Application

pytestmark = pytest.mark.db
_APPS = table_of(Application)


def test_constants_enums_and_typed_values(db: Database, people: dict) -> None:
    with db.write() as session:
        for status in (Status.SUBMITTED, Status.APPROVED):
            session.add(Application(zone_id="cq-gxq", applicant_id=people["alice"].id, matter="establish",
                                    entity_type="llc", channel="online", name=f"重庆{status}科技有限公司",
                                    status=status, body={"名": "值"}, statutory_due_at=NOW, submitted_at=NOW,
                                    standard_digest="0" * 64))
    pending = Prepared(select(_APPS.c.name, _APPS.c.id).where(_APPS.c.zone_id == bindparam("zone"),
                                                              _APPS.c.status.in_(PENDING)))
    set_due = Prepared(update(_APPS).where(_APPS.c.status.in_(PENDING)).values(statutory_due_at=bindparam("due")))
    with db.write() as session:
        assert [name for name, _ in pending.run(session, {"zone": "cq-gxq"})] == ["重庆submitted科技有限公司"]
        assert pending.run(session, {"zone": "cd-gxq"}) == []
        assert set_due.count(session, {"due": NOW.replace(year=2030)}) == 1
    with db.read() as session:
        due = dict(session.execute(select(Application.status, Application.statutory_due_at)).all())
    assert due[Status.SUBMITTED].year == 2030 and due[Status.APPROVED].year == NOW.year

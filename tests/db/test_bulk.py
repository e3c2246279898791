"""``insert_new``: rows of objects that never enter the session, with keys, defaults and parents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from factories import NOW
from yima.db import Database
from yima.db.bulk import PendingKey, insert_new, new_row
from yima.licences.tables import Licence, Permit
from yima.register.tables import Enterprise, EnterpriseAddress
from yima.registration.tables import Application, Transition


def _enterprise(uscc: str) -> Enterprise:
    enterprise = Enterprise(uscc=uscc, zone_id="cq-gxq", name="重庆测试科技有限公司", entity_type="llc",
                            industry_code="I6513", registered_capital="1000000.00", established_on=date(2026, 11, 25),
                            legal_representative={"name": "张三"}, owner_id=None, created_at=NOW, updated_at=NOW)
    enterprise.addresses = [EnterpriseAddress(kind="domicile", text="重庆市九龙坡区科城路60号", proof="commitment",
                                              added_at=NOW),
                            EnterpriseAddress(kind="site", text="重庆市九龙坡区科园一路1号", proof="lease",
                                              added_at=NOW)]
    return enterprise


def _application(applicant_id: int) -> Application:
    app = Application(zone_id="cq-gxq", applicant_id=applicant_id, matter="establish", entity_type="llc",
                      channel="online", name="重庆测试科技有限公司", status="approved", body={"k": "v"},
                      statutory_due_at=NOW, submitted_at=NOW, standard_digest="0" * 64)
    for to in ("submitted", "approved"):
        app.transitions.append(Transition(from_status=None, to_status=to, actor_role="system", at=NOW))
    return app


def test_rows_parents_defaults_and_generated_keys(db: Database, people: dict) -> None:
    enterprise, app = _enterprise("91500107MA00000001"), _application(people["alice"].id)
    permit = Permit(enterprise=enterprise, application_id=PendingKey(app), zone_id="cq-gxq", type="hygiene",
                    number="卫-1", status="active", decided_by="commitment", history=[], created_at=NOW)
    with db.write() as session:
        insert_new(session, [enterprise, *enterprise.addresses, app, *app.transitions, permit])
        assert not session.new  # nothing went through the unit of work
    assert app.id is not None and permit.id is not None
    with db.read() as session:
        stored = session.get(Enterprise, "91500107MA00000001")
        assert stored is not None
        assert stored.status == "active" and stored.source == "registered"  # column defaults applied
        assert stored.scope == [] and stored.shareholders == []
        assert stored.registered_capital == Decimal("1000000.00")
        assert [(a.kind, a.uscc) for a in stored.addresses] == [("domicile", stored.uscc), ("site", stored.uscc)]
        transitions = session.scalars(select(Transition).where(Transition.application_id == app.id)
                                      .order_by(Transition.id)).all()
        assert [t.to_status for t in transitions] == ["submitted", "approved"]
        stored_permit = session.get(Permit, permit.id)
        assert stored_permit is not None
        assert (stored_permit.uscc, stored_permit.application_id) == (stored.uscc, app.id)


def test_a_pending_key_is_the_parents_key_once_inserted_and_refused_before(db: Database, people: dict) -> None:
    enterprise, app = _enterprise("91500107MA00000003"), _application(people["alice"].id)
    key = PendingKey(app)
    assert key.value is None
    early = Permit(enterprise=enterprise, application_id=key, zone_id="cq-gxq", type="hygiene", number="卫-2",
                   status="active", decided_by="commitment", history=[], created_at=NOW)
    with pytest.raises(LookupError), db.write() as session:  # the child before its parent
        insert_new(session, [enterprise, *enterprise.addresses, early])
    with pytest.raises(TypeError):
        PendingKey(enterprise)  # its key is the credit code given, not generated


def test_many_rows_get_their_own_keys_in_order(db: Database, people: dict) -> None:
    apps = [_application(people["alice"].id) for _ in range(5)]
    for i, app in enumerate(apps):
        app.name = f"重庆第{i}科技有限公司"
    with db.write() as session:
        insert_new(session, apps)
    with db.read() as session:
        names = dict(session.execute(select(Application.id, Application.name)).all())
    assert [names[app.id] for app in apps] == [app.name for app in apps]


def test_a_failed_insert_leaves_nothing(db: Database, people: dict) -> None:
    enterprise = _enterprise("91500107MA00000002")
    licence = Licence(enterprise=enterprise, zone_id="no-such-zone", version=1, kid="k", cose=b"x", qr_text="q",
                      issued_at=NOW)
    with pytest.raises(IntegrityError), db.write() as session:
        insert_new(session, [enterprise, *enterprise.addresses, licence])
    with db.read() as session:
        assert session.get(Enterprise, "91500107MA00000002") is None
        assert session.scalars(select(EnterpriseAddress)).all() == []


def _drafted_application(applicant_id: int) -> Application:
    app = new_row(Application, zone_id="cq-gxq", applicant_id=applicant_id, matter="establish", entity_type="llc",
                  channel="online", name="重庆测试科技有限公司", status="approved", body={"k": "v"},
                  statutory_due_at=NOW, submitted_at=NOW, standard_digest="0" * 64, uploads=[])
    for to in ("submitted", "approved"):
        app.transitions.append(new_row(Transition, from_status=None, to_status=to, actor_role="system", at=NOW))
    return app


@pytest.mark.parametrize("through", ["insert_new", "session"])
def test_a_new_row_is_stored_as_the_constructors_object_is(db: Database, people: dict, through: str) -> None:
    """``new_row`` puts the column values in the object's state without the instrumentation's events;
    relationships still go through them: the transitions know their application (the back-reference)
    and both ``insert_new`` and a session's flush store every value."""
    drafted, built = _drafted_application(people["alice"].id), _application(people["alice"].id)
    columns = [c.key for c in Application.__table__.columns]
    assert [getattr(drafted, key) for key in columns] == [getattr(built, key) for key in columns]
    assert all(t.application is drafted for t in drafted.transitions)
    address = new_row(EnterpriseAddress, kind="site", text="重庆市九龙坡区科园一路1号", proof="lease", added_at=NOW)
    enterprise = _enterprise("91500107MA00000002")
    enterprise.addresses.append(address)
    assert address.enterprise is enterprise
    with db.write() as session:  # the constructor's object beside it, stored the same way
        if through == "insert_new":
            insert_new(session, [enterprise, *enterprise.addresses, drafted, *drafted.transitions,
                                 built, *built.transitions])
        else:
            session.add_all([enterprise, drafted, built])
            session.flush()
    assert drafted.id is not None and built.id is not None
    with db.read() as session:
        stored, expected = session.get(Application, drafted.id), session.get(Application, built.id)
        assert stored is not None and expected is not None
        assert [getattr(stored, key) for key in columns if key != "id"] == [
            getattr(expected, key) for key in columns if key != "id"]
        assert [t.to_status for t in stored.transitions] == ["submitted", "approved"]
        assert [a.text for a in session.get(Enterprise, "91500107MA00000002").addresses][-1] == address.text


def test_a_new_row_refuses_what_its_class_does_not_map() -> None:
    with pytest.raises(TypeError, match="'colour' is an invalid keyword argument for Application"):
        new_row(Application, colour="red")
    with pytest.raises(TypeError):
        Application(colour="red")  # as the constructor does

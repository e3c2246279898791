"""The issuing side of a withdrawal for an application it refused on arrival (a forwarded body its
rules would not store): no application and no case exist there, so the withdrawal is answered too
late, rejected, instead of being refused as unknown and retried for ever; a withdrawal naming a
forwarded message that never arrived is still refused, so that the sender retries it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from factories import NOW, application_body
from yima.audit.service import verify_chain
from yima.federation import inbox
from yima.federation.model import WITHDRAWN, new_message
from yima.federation.rules import Refusal, open_envelope
from yima.federation.tables import Case, InboxMessage
from yima.keys.model import ZoneKeyring
from yima.licences.cose import sign1
from yima.registration.tables import Application

pytestmark = pytest.mark.db


def _message(ring: ZoneKeyring, standard, kind: str, body: dict[str, Any]) -> tuple[str, bytes]:
    envelope = new_message(kind, "gz-gxq", "cq-gxq", standard.digest, body, NOW)
    return envelope.id, sign1(envelope.payload(), ring.active)


def _result(receipt: bytes) -> dict[str, Any]:
    return dict(open_envelope(receipt)[0].body["result"])


def test_a_withdrawal_of_an_application_refused_on_arrival_is_answered_too_late(db, standard, guangzhou) -> None:
    bad = application_body(name="重庆拒收测试科技有限公司", industry_code="Z9999")  # no such industry here
    forwarded_id, forwarded = _message(guangzhou, standard, "application.forwarded",
                                       {"application": 77, "application_body": bad, "applicant": "gz-applicant"})
    receipt, replayed = inbox.receive(db, standard, forwarded, NOW)
    assert not replayed and _result(receipt) == {"status": "rejected", "application": None}

    asked = {"application": None, "partner_application": 77, "withdrawn_at": NOW.isoformat(),
                  "reason": "申请人撤回", "forwarded_message": forwarded_id}
    _, message = _message(guangzhou, standard, WITHDRAWN, asked)
    answer, _ = inbox.receive(db, standard, message, NOW)
    assert _result(answer) == {"status": "too_late", "state": "rejected", "application": None}

    never_arrived = {**asked, "partner_application": 78, "forwarded_message": str(uuid.uuid4())}
    with pytest.raises(Refusal) as refused:
        inbox.receive(db, standard, _message(guangzhou, standard, WITHDRAWN, never_arrived)[1], NOW)
    assert refused.value.reason == "unknown_application" and refused.value.status == 422
    without = {key: value for key, value in never_arrived.items() if key != "forwarded_message"}
    with pytest.raises(Refusal):  # a sender that does not name its forwarded message: unknown, as before
        inbox.receive(db, standard, _message(guangzhou, standard, WITHDRAWN, without)[1], NOW)

    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Application)) == 0
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.scalar(select(func.count()).select_from(InboxMessage)) == 2
    assert verify_chain(db, "cq-gxq").ok

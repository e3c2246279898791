"""Taking a zone's next credit code: on PostgreSQL from the zone's sequence, which an open
transaction does not hold, so another approval of the zone goes ahead meanwhile; on SQLite from
the zone's counter, behind the writer lock. Either way the codes differ."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from factories import NOW, application_body
from yima.db import Database
from yima.licences.service import licence_record, verify_scanned
from yima.registration import reserve, service
from yima.registration.model import ApplicationIn
from yima.zones.tables import Zone


@pytest.mark.db
def test_an_open_transaction_holding_a_code_does_not_hold_the_zone(db: Database, standard, people) -> None:
    taken, release = threading.Event(), threading.Event()

    def hold_a_code() -> str:
        with db.write() as session:
            code = service._next_uscc(session, "cq-gxq", "llc")
            taken.set()
            release.wait(120)
        return code

    body = ApplicationIn.model_validate(application_body())
    with ThreadPoolExecutor(max_workers=2) as pool:
        held = pool.submit(hold_a_code)
        assert taken.wait(30)
        approval = pool.submit(service.submit_with_view, db, standard, people["alice"], body, NOW)
        if db.is_sqlite:  # writers take turns: the approval waits for the open transaction
            with pytest.raises(TimeoutError):
                approval.result(timeout=1)
        else:
            # well before the open transaction ends by itself (120 s), however loaded the machine
            assert approval.result(timeout=60).status == "approved"
        release.set()
        code, view = held.result(timeout=30), approval.result(timeout=30)
    assert view.uscc is not None and view.uscc != code and view.uscc[2:8] == code[2:8] == "500107"


@pytest.mark.db
def test_codes_taken_ahead_are_used_once_in_order_and_their_licences_verify(db: Database, standard, people) -> None:
    """On SQLite the first approval takes its code in the write transaction and, in the same commit,
    ``RESERVE`` more for the process; on PostgreSQL the first approval takes ``RESERVE`` values of
    the zone's sequence before its transaction. The next approvals' rows and licences are built
    with them before the write transaction. Codes stay distinct and in order, and every licence
    verifies."""
    views = [service.submit_with_view(db, standard, people["alice"], ApplicationIn.model_validate(
        application_body(name=f"重庆{trade}科技有限公司")), NOW) for trade in ("云帆", "星河", "嘉陵", "锦绣")]
    assert [v.status for v in views] == ["approved"] * 4
    assert [int(v.uscc[8:16]) for v in views if v.uscc] == [1, 2, 3, 4]  # the zone's block starts at 0
    with db.read() as session:
        counter = session.scalar(select(Zone.org_next_seq).where(Zone.id == "cq-gxq"))
    assert counter == (1 + reserve.RESERVE if db.is_sqlite else 0)  # PostgreSQL counts in its sequence
    for view in views:
        assert view.uscc is not None
        licence = licence_record(db, view.uscc)[0]
        verdict = verify_scanned(db, standard, licence.qr_text, NOW)
        assert verdict.in_force and verdict.payload is not None and verdict.payload.uscc == view.uscc
    reserve.forget_reserved()  # a process that stops: the codes it took and did not use are a gap
    again = service.submit_with_view(db, standard, people["alice"], ApplicationIn.model_validate(
        application_body(name="重庆青松科技有限公司")), NOW)
    assert again.uscc is not None
    assert int(again.uscc[8:16]) == (2 + reserve.RESERVE if db.is_sqlite else 1 + reserve.RESERVE)


def test_a_refill_hands_out_codes_only_once_committed() -> None:
    url = "sqlite:///reserve-rule"
    assert reserve.claim_refill(url, "z") and not reserve.claim_refill(url, "z")  # one refill at a time
    reserve.refilled(url, "z", None)  # its transaction rolled back: nothing to hand out
    assert reserve.take(url, "z") is None
    assert reserve.claim_refill(url, "z")
    reserve.refilled(url, "z", reserve.Codes(7, 8, "500107", 0))
    assert [reserve.take(url, "z"), reserve.take(url, "z"), reserve.take(url, "z")] == [
        reserve.Reserved(7, "500107", 0), reserve.Reserved(8, "500107", 0), None]
    reserve.forget_reserved()

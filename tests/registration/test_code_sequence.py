"""Taking a zone's next credit code: on PostgreSQL from the zone's sequence, which an open
transaction does not hold, so another approval of the zone goes ahead meanwhile; on SQLite from
the zone's counter, behind the writer lock. Either way the codes differ."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from factories import NOW, application_body
from yima.db import Database
from yima.registration import service
from yima.registration.model import ApplicationIn

pytestmark = pytest.mark.db


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

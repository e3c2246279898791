"""What a withdrawal of a forwarded application means on the accepting side: pure rules, no database."""

from __future__ import annotations

import pytest

from yima.errors import Conflict
from yima.federation.model import KINDS, WITHDRAWN
from yima.federation.rules import (
    WITHDRAWAL_REQUESTED,
    WITHDRAWAL_TOO_LATE,
    check_may_withdraw,
    partner_status,
    too_late_state,
    withdrawal_state,
)
from yima.registration.status import Status

ASKED = [{"step": "forwarded"}, {"step": "received"}, {"step": WITHDRAWAL_REQUESTED, "detail": "cd-gxq"}]


def test_the_new_kind_is_a_known_message_kind() -> None:
    assert WITHDRAWN == "application.withdrawn" and WITHDRAWN in KINDS


@pytest.mark.parametrize(("result", "state"), [
    ({"status": "too_late", "state": "approved", "application": 7}, "approved"),
    ({"status": "too_late", "state": "rejected"}, "rejected"),
    ({"status": "too_late"}, "decided"),
    ({"status": "withdrawn", "application": 7}, None),
    ({}, None),
])
def test_a_receipts_result_says_whether_the_withdrawal_came_too_late(result, state) -> None:
    assert too_late_state(result) == state


def test_nothing_is_withdrawn_before_the_issuing_zone_confirms() -> None:
    assert withdrawal_state([{"step": "forwarded"}], Status("under_review")) is None
    assert withdrawal_state(ASKED, Status("under_review")) == "requested"
    assert withdrawal_state(ASKED, Status("awaiting_materials")) == "requested"
    assert withdrawal_state(ASKED, None) == "requested"  # not even received yet
    assert withdrawal_state(ASKED, Status("withdrawn")) == "confirmed"


@pytest.mark.parametrize("decided", ["approved", "rejected", "lapsed"])
def test_a_decision_from_the_issuing_zone_makes_the_request_too_late(decided) -> None:
    assert withdrawal_state(ASKED, Status(decided)) == "too_late"


def test_a_too_late_receipt_counts_even_before_the_decision_itself_arrives() -> None:
    steps = [*ASKED, {"step": WITHDRAWAL_TOO_LATE, "detail": "", "state": "approved"}]
    assert withdrawal_state(steps, Status("under_review")) == "too_late"
    with pytest.raises(Conflict) as caught:
        check_may_withdraw(steps, Status("under_review"), "cd-gxq")
    assert caught.value.finding.rule == "withdraw.state" and "approved" in caught.value.finding.en


def test_a_second_request_in_flight_is_refused_naming_the_partner() -> None:
    check_may_withdraw([{"step": "forwarded"}], Status("under_review"), "cd-gxq")  # the first one may go
    with pytest.raises(Conflict) as caught:
        check_may_withdraw(ASKED, Status("under_review"), "cd-gxq")
    finding = caught.value.finding
    assert finding.rule == "withdraw.in_flight" and finding.field == "id"
    assert "cd-gxq" in finding.zh and "cd-gxq" in finding.en


@pytest.mark.parametrize("decided", ["approved", "rejected", "lapsed", "withdrawn"])
def test_a_decided_application_cannot_be_withdrawn_as_for_a_local_one(decided) -> None:
    with pytest.raises(Conflict) as caught:
        check_may_withdraw([{"step": "forwarded"}], Status(decided), "cd-gxq")
    assert caught.value.finding.rule == "withdraw.state" and decided in caught.value.finding.zh


@pytest.mark.parametrize("word", ["approved", "rejected", "under_review", "awaiting_materials", "withdrawn", "lapsed"])
def test_a_partner_reports_one_of_the_applications_states(word) -> None:
    assert partner_status(word) == Status(word)


@pytest.mark.parametrize("word", ["forwarded", "APPROVED", "accepted", "", None, 3, ["approved"]])
def test_any_other_status_word_from_a_partner_is_refused_naming_it(word) -> None:
    with pytest.raises(ValueError) as caught:
        partner_status(word)
    assert repr(word) in str(caught.value) and "approved" in str(caught.value)

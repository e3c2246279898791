"""The typed application view gives the v1 JSON: each key present in the same cases as before."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, replace
from typing import Any

import pytest

from yima.registration.appview import ApplicationDetail, ApplicationView, PartnerCase, TransitionView

LINE = ApplicationView(id=7, zone="cq-gxq", matter="establish", entity_type="llc", channel="online", name="云帆",
                       status="under_review", uscc=None, findings=[], missing_materials=["articles"],
                       materials_due_on=None, submitted_at="2026-11-25T01:00:00+00:00", decided_at=None,
                       statutory_due_at="2026-11-28T01:00:00+00:00", time_left_hours=71.0, overdue=False)
STEP = TransitionView(from_status=None, to="submitted", actor_role="applicant", actor_id=3, reason="",
                      reason_zh="", reason_en="", at="2026-11-25T01:00:00+00:00")


@dataclass(frozen=True)
class _Case:
    """A partner's case as a feature above registration types it (federation's ``CaseView``)."""

    role: str

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role}


def test_a_line_of_a_list_carries_no_detail_and_the_enterprise_status_only_once_read():
    assert set(LINE.as_json()) == {"id", "zone", "matter", "entity_type", "channel", "name", "status", "uscc",
                                   "findings", "missing_materials", "materials_due_on", "submitted_at",
                                   "decided_at", "statutory_due_at", "time_left_hours", "overdue"}
    read = replace(LINE, standing_read=True).as_json()
    assert "enterprise_status" in read and read["enterprise_status"] is None


def test_the_detail_and_a_partner_case_add_their_keys_and_a_transition_says_from():
    detail = ApplicationDetail(body={"name": "云帆"}, proved_addresses=[], transitions=(STEP,), uploads=())
    accepting = PartnerCase("cq-gxq", _Case("accepting"), accepting=True)
    shown = replace(LINE, detail=detail, partner=accepting, zone="cd-gxq").as_json()
    assert shown["transitions"] == [{"from": None, "to": "submitted", "actor_role": "applicant", "actor_id": 3,
                                     "reason": "", "reason_zh": "", "reason_en": "",
                                     "at": "2026-11-25T01:00:00+00:00"}]
    assert shown["zone"] == "cd-gxq" and shown["accepting_zone"] == "cq-gxq"
    assert "licence" in shown and shown["licence"] is None and "withdrawal" in shown  # the accepting side says so
    assert shown["cross_region"] == {"role": "accepting"}
    issuing = replace(LINE, partner=PartnerCase("gz-gxq", _Case("issuing"), accepting=False)).as_json()
    assert issuing["accepting_zone"] == "gz-gxq" and "licence" not in issuing and "withdrawal" not in issuing


def test_a_view_is_never_patched():
    with pytest.raises(FrozenInstanceError):
        LINE.status = "approved"  # type: ignore[misc]
    assert replace(LINE, status="approved").status == "approved" and LINE.status == "under_review"

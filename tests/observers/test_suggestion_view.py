"""The typed views of the observers keep the v1 JSON: the keys of their response models (no database)."""

from __future__ import annotations

from dataclasses import fields

from yima.observers.api import (
    AttachmentOut,
    DepartmentOut,
    ExtensionOut,
    ObserverOut,
    ReplyOut,
    StepOut,
    SuggestionOut,
)
from yima.observers.suggestionview import (
    AttachmentView,
    DepartmentView,
    ExtensionView,
    ObserverView,
    ReplyView,
    StepView,
    SuggestionView,
)


def test_each_view_has_exactly_the_fields_of_its_response_model():
    for view, model in ((SuggestionView, SuggestionOut), (ReplyView, ReplyOut), (AttachmentView, AttachmentOut),
                        (StepView, StepOut), (ExtensionView, ExtensionOut), (ObserverView, ObserverOut),
                        (DepartmentView, DepartmentOut)):
        assert {f.name for f in fields(view)} == set(model.model_fields), view.__name__


def test_a_reply_as_json_gives_its_indicators_as_a_list():
    reply = ReplyView(1, "已办结", True, "2026-03-01T08:00:00+00:00", "2026-03-02T08:00:00+00:00", "2026-03-08",
                      True, "satisfied", 5, ("speed",), "", "2026-03-03T08:00:00+00:00")
    assert ReplyOut.model_validate(reply.as_json()).indicators == ["speed"]
    assert reply.as_json()["indicators"] == ["speed"]

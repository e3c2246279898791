"""A notification as its user reads it keeps the v1 JSON of ``NotificationOut`` (no database)."""

from __future__ import annotations

from dataclasses import fields

from yima.notifications.api import NotificationOut
from yima.notifications.service import NotificationView


def test_a_notification_view_has_the_fields_of_notification_out():
    assert {f.name for f in fields(NotificationView)} == set(NotificationOut.model_fields)
    view = NotificationView(3, "application.rejected", "申请 #7：不予登记", "Application #7: refused", "名称不规范",
                            "The name is not allowed", "/applications/7", "2026-11-25T01:00:00+00:00", False, None,
                            "pending")
    assert NotificationOut.model_validate(view.as_json()).model_dump() == view.as_json()

"""The zone settings the registration rules read: cached briefly, current at once in this process."""

from __future__ import annotations

import pytest

from factories import NOW
from yima.zones import service
from yima.zones.tables import AddressBan

pytestmark = pytest.mark.db


def test_a_ban_added_here_counts_at_once_and_one_added_elsewhere_within_seconds(db, zone_cq, monkeypatch):
    assert service.rule_settings(db, "cq-gxq").address_bans == ()
    service.ban_address(db, "cq-gxq", "科城路99号", "拆迁", NOW)
    assert service.rule_settings(db, "cq-gxq").address_bans == (("科城路99号", "拆迁"),)
    with db.write() as session:  # what another worker process would do
        session.add(AddressBan(zone_id="cq-gxq", pattern="科园一路", reason="", created_at=NOW))
    assert len(service.rule_settings(db, "cq-gxq").address_bans) == 1  # still the cached answer
    monkeypatch.setattr(service, "ZONE_SETTINGS_SECONDS", 0.0)
    assert [p for p, _ in service.rule_settings(db, "cq-gxq").address_bans] == ["科城路99号", "科园一路"]


def test_an_unknown_zone_is_not_remembered(db, zone_cq):
    assert service.rule_settings(db, "gz-kxc") is None
    service.add_zone(db, "gz-kxc", "广州开发区", "440112", 1_000_000, NOW)
    assert service.rule_settings(db, "gz-kxc").place_names == ("广东", "广东省")

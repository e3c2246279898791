"""The ledger at scale (issue 21): one page of at most 100 suggestions, searched by title or ledger
number, the same view and scope as the whole ledger; notifications page back by id."""

from __future__ import annotations

from dataclasses import replace

import pytest
from observer_helpers import at, build_zone

from yima.listing import PageRequest
from yima.notifications import service as notifications
from yima.observers import service, views

pytestmark = pytest.mark.db
NOW = at("2026-03-02")


def test_the_ledger_is_paged_and_searched_in_the_callers_scope(db):
    zone = build_zone(db, NOW)
    topics = ("开办", "纳税", "用电")
    ids = [service.submit(db, zone.xie, f"建议{i}：优化{topics[i % 3]}流程", "内容", "registration", NOW)
           for i in range(5)]
    service.submit(db, zone.li, "李律师的建议", "内容", "registration", NOW)
    numbers = [service.accept(db, zone.office, i, NOW) for i in ids[:2]]
    office_view = views.ledger_page(db, zone.office, NOW, views.LedgerFilter(), PageRequest(per_page=4))
    assert (office_view.total, len(office_view.items), office_view.pages) == (6, 4, 2)
    assert [r.id for r in office_view.items] == [*ids[:4]]  # oldest first, as the whole ledger
    last = views.ledger_page(db, zone.office, NOW, views.LedgerFilter(), PageRequest(page=2, per_page=4))
    assert len(last.items) == 2 and not last.has_next
    assert [r.title for r in views.ledger_page(db, zone.office, NOW, views.LedgerFilter(),
                                                  PageRequest(q="纳税")).items] == ["建议1：优化纳税流程",
                                                                                   "建议4：优化纳税流程"]
    code = f"2026-{numbers[1]:04d}"
    by_code = views.ledger_page(db, zone.office, NOW, views.LedgerFilter(), PageRequest(q=code)).items
    assert [r.ledger_code for r in by_code] == [code]
    own = views.ledger_page(db, zone.li, NOW, views.LedgerFilter(), PageRequest(q="建议"))
    assert [r.title for r in own.items] == ["李律师的建议"] and own.total == 1  # an observer: their own only
    assert views.ledger_page(db, zone.office, NOW, views.LedgerFilter(), PageRequest(q="100%")).total == 0


def test_notifications_page_back_by_id(db):
    zone = build_zone(db, NOW)
    with db.write() as session:
        for i in range(7):
            notifications.notify(session, [zone.market.id], "test", (f"通知{i}", f"n{i}"), ("", ""), NOW)
    newest = notifications.notifications(db, zone.market, limit=4)
    older = notifications.notifications(db, zone.market, limit=4, before=newest[-1].id)
    assert [n.subject_zh for n in newest + older] == [f"通知{i}" for i in range(6, -1, -1)]


def test_the_reminders_are_read_from_the_suggestions_due_soon_and_listed_up_to_a_limit(db):
    """The ledger's reminders: the same as the reminders among all assigned suggestions, read from
    those due by the horizon only; a page lists the first few and counts them all."""
    zone = build_zone(db, NOW)
    ids = [service.submit(db, zone.xie, f"建议{i}", "内容", "registration", NOW) for i in range(4)]
    for days, suggestion in zip((1, 2, 3, 20), ids, strict=True):
        service.accept(db, zone.office, suggestion, NOW)
        service.assign(db, zone.office, suggestion, zone.market_id, days, NOW)
    later = at("2026-03-04")  # the first overdue, the second due today, the third tomorrow; the last not soon
    everything = views.reminders(views.ledger(db, zone.office, later, views.LedgerFilter(state="assigned")))
    shown, total = views.due_soon(db, zone.office, later, limit=2)
    assert [r.id for r in everything] == ids[:3] and total == 3
    assert shown == everything[:2]
    assert views.due_soon(db, zone.office, later) == (everything, 3)


def test_a_page_of_the_ledger_shows_its_rows_as_the_full_view_without_their_steps(db):
    """The ledger page reads its rows brief (no steps or attachments loaded; reading them would
    raise): every other field as the full view has it — the rating, the merge, the time left."""
    zone = build_zone(db, NOW)
    ids = [service.submit(db, zone.xie, f"建议{i}", "内容", "registration", NOW) for i in range(3)]
    for suggestion in ids:
        service.accept(db, zone.office, suggestion, NOW)
    service.merge(db, zone.office, ids[2], ids[0], NOW)
    service.assign(db, zone.office, ids[0], zone.market_id, 2, NOW)
    service.save_draft(db, zone.market, ids[0], "已办理", NOW)
    service.publish_reply(db, zone.market, ids[0], NOW)
    service.rate(db, zone.xie, ids[0], None, "", NOW, score=5)
    service.assign(db, zone.office, ids[1], zone.market_id, 1, NOW)
    later = at("2026-03-03")
    for actor in (zone.office, zone.market, zone.xie):
        full = views.ledger_page(db, actor, later, views.LedgerFilter(), PageRequest())
        brief = views.ledger_page(db, actor, later, views.LedgerFilter(), PageRequest(), brief=True)
        assert brief.total == full.total and full.items and any(r.steps for r in full.items)
        assert brief.items == [replace(r, steps=(), attachments=(), accepted_at=None) for r in full.items]
    rated = views.ledger_page(db, zone.office, later, views.LedgerFilter(), PageRequest(), brief=True).items
    assert rated[0].rating and rated[2].merged_into_code == rated[0].ledger_code
    assert views.due_soon(db, zone.office, later, brief=True) == \
        ([replace(r, steps=(), attachments=(), accepted_at=None) for r in views.due_soon(db, zone.office, later)[0]],
         1)

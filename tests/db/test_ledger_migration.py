"""Revision 0015 (the ledger that cannot be gamed) on a database of the previous release with ledger
rows: every recorded value stays as it was, and the new columns are derived from the recorded
steps (the ledger year of the acceptance in China Standard Time, the deadline as first assigned,
the days an extension was asked for and decided)."""

from __future__ import annotations

import sqlalchemy as sa
from previous_release import previous_release

from yima.db.migrate import upgrade

SUGGESTIONS = [  # id, ledger_no, state, submitted_at, due_on, extension_state, extension_days, extension_reason
    (1, 1, "replied", "2025-12-31 17:30:00.000000", "2026-01-20", "granted", 15, "需要会同税务部门核实"),
    (2, None, "submitted", "2026-01-05 02:00:00.000000", None, None, None, ""),
    (3, 2, "assigned", "2026-01-06 02:00:00.000000", "2026-01-27", None, None, ""),
]
STEPS = [  # id, suggestion_id, at, action, note
    (1, 1, "2025-12-31 17:30:00.000000", "submitted", ""),
    (2, 1, "2025-12-31 18:00:00.000000", "accepted", ""),  # 2026-01-01 02:00 in China: the ledger year 2026
    (3, 1, "2026-01-02 02:00:00.000000", "assigned", "区税务局，10个工作日 → 2026-01-16"),
    (4, 1, "2026-01-12 02:00:00.000000", "extension_requested", "15"),
    (5, 1, "2026-01-13 02:00:00.000000", "extension_granted", "15"),
    (6, 3, "2026-01-06 02:00:00.000000", "accepted", ""),
    (7, 3, "2026-01-06 03:00:00.000000", "assigned", "区市场监督管理局，15个工作日 → 2026-01-27"),
]


def _rows(conn: sa.Connection, table: str, columns: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in conn.execute(sa.text(f"SELECT {columns} FROM {table} ORDER BY id"))]


def test_ledger_rows_migrate_to_0015_without_changing_a_record(tmp_path) -> None:
    url, engine = previous_release(tmp_path, "0013")
    old_suggestions = ("id, zone_id, observer_id, title, text, category, state, submitted_at, ledger_no, "
                       "merged_into_id, department_id, round_no, assigned_on, working_days, due_on, calendar, "
                       "extension_state, extension_days, extension_reason, closed_at")
    old_steps = "id, suggestion_id, at, actor_id, actor_role, action, state, note"
    with engine.begin() as conn:  # foreign keys are not enforced on this bare connection
        for sid, number, state, at, due, extension, days, reason in SUGGESTIONS:
            conn.execute(sa.text(
                "INSERT INTO suggestions (id, zone_id, observer_id, title, text, category, state, submitted_at, "
                "ledger_no, round_no, due_on, extension_state, extension_days, extension_reason) VALUES "
                "(:id, 'gz-kfq', 1, :title, '内容', 'registration', :state, :at, :no, 1, :due, :ext, :days, :reason)"),
                {"id": sid, "title": f"建议{sid}", "state": state, "at": at, "no": number, "due": due,
                 "ext": extension, "days": days, "reason": reason})
        for step in STEPS:
            conn.execute(sa.text("INSERT INTO suggestion_steps (id, suggestion_id, at, actor_role, action, state, "
                                 "note) VALUES (:id, :sid, :at, 'reform_office', :action, 'assigned', :note)"),
                         dict(zip(("id", "sid", "at", "action", "note"), step, strict=True)))
        before = _rows(conn, "suggestions", old_suggestions), _rows(conn, "suggestion_steps", old_steps)
    upgrade(url, "0015")
    with engine.connect() as conn:
        after = _rows(conn, "suggestions", old_suggestions), _rows(conn, "suggestion_steps", old_steps)
        derived = _rows(conn, "suggestions", "id, ledger_year, original_due_on, extension_requested_on, "
                                             "extension_decided_on, due_provisional, decline_reason")
        internal = {row[0] for row in _rows(conn, "suggestion_steps", "internal")}
    engine.dispose()
    assert after == before
    assert derived == [(1, 2026, "2026-01-16", "2026-01-12", "2026-01-13", 0, ""),
                       (2, None, None, None, None, 0, ""),
                       (3, 2026, "2026-01-27", None, None, 0, "")]
    assert internal == {0}

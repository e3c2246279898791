"""Revision 0021 (好差评) adds the ratings and the reform office's ledger of bad ratings to a
previous release's database without changing any record it holds, and the upgraded database
takes a rating."""

from __future__ import annotations

import sqlalchemy as sa
from previous_release import AT, add_applicant, add_application, add_zone, previous_release

from yima.db.migrate import upgrade


def _snapshot(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {name: [tuple(row) for row in conn.execute(sa.text(f'SELECT * FROM "{name}" ORDER BY 1')).all()]
                for name in names if name != "alembic_version"}


def test_a_previous_release_migrates_without_changing_a_record(tmp_path) -> None:
    url, engine = previous_release(tmp_path, "0020")
    with engine.begin() as conn:
        add_zone(conn)
        add_applicant(conn)
        add_application(conn, "approved", decided=True)
        conn.execute(sa.text("INSERT INTO notifications (user_id, zone_id, kind, subject_zh, subject_en, body_zh, "
                             "body_en, link, created_at, email_state, attempts, last_error) VALUES (1, 'cq-gxq', "
                             "'application.approved', '申请 #1：已核准登记', 'Application #1: approved', 'b', 'b', "
                             "'/applications/1', :at, 'none', 0, '')"), {"at": AT})
    before = _snapshot(engine)
    assert before["applications"] and before["notifications"]
    upgrade(url)
    after = _snapshot(engine)
    assert {name: after[name] for name in before} == before
    assert after["service_ratings"] == [] and after["rating_rectifications"] == []
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO service_ratings (zone_id, case_kind, case_id, matter, rater_id, round_no, "
                             "score, indicators, comment, rated_at, appeal_reason, appeal_note) VALUES ('cq-gxq', "
                             "'application', 1, 'establish', 1, 1, 5, '[]', '', :at, '', '')"), {"at": AT})
        excluded = conn.execute(sa.text("SELECT excluded FROM service_ratings")).scalar_one()
    engine.dispose()
    assert not excluded  # the server default: counted

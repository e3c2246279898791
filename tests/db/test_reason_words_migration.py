"""Revision 0012 migrates the reasons recorded as one string into whole texts per language."""

from __future__ import annotations

import json

import sqlalchemy as sa
from previous_release import AT, add_applicant, add_application, add_zone, previous_release

from yima.db.migrate import upgrade

FINDINGS = [{"rule": "materials.missing", "field": "materials",
             "message": "缺少材料：公司章程，可容缺受理（15 日内补齐） / Missing material: Articles of association; "
                        "may follow within 15 days",
             "message_zh": "缺少材料：公司章程，可容缺受理（15 日内补齐）",
             "message_en": "Missing material: Articles of association; may follow within 15 days"},
            {"rule": "name.form", "field": "name", "message": "字号须至少两个汉字 / The trade name must have at least "
             "two characters", "message_zh": "字号须至少两个汉字",
             "message_en": "The trade name must have at least two characters"}]


def test_old_reasons_are_kept_readable_and_whole(tmp_path) -> None:
    url, engine = previous_release(tmp_path, "0010")
    joined = "; ".join(f["message"] for f in FINDINGS)
    with engine.begin() as conn:
        add_zone(conn)
        add_applicant(conn)
        add_application(conn, "under_review", findings=json.dumps(FINDINGS, ensure_ascii=False))
        for i, reason in enumerate([joined, "申请人撤回 / withdrawn by the applicant", "驳回：见附件 / 补正",
                                    "名称不规范; 请改为 A / B 形式"], start=1):
            conn.execute(sa.text("INSERT INTO transitions (id, application_id, from_status, to_status, actor_role, "
                                 "reason, at) VALUES (:id, 1, NULL, 'under_review', 'system', :reason, :at)"),
                         {"id": i, "reason": reason, "at": AT})
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT reason, reason_zh, reason_en FROM transitions ORDER BY id")).all()
    engine.dispose()
    assert rows[0] == (joined, "缺少材料：公司章程，可容缺受理（15 日内补齐）；字号须至少两个汉字",
                       "Missing material: Articles of association; may follow within 15 days; "
                       "The trade name must have at least two characters")
    assert rows[1][1:] == ("申请人撤回", "withdrawn by the applicant")
    assert rows[2][1:] == ("驳回：见附件 / 补正",) * 2  # not a zh / en pair: kept whole
    assert rows[3][1:] == ("名称不规范; 请改为 A / B 形式",) * 2

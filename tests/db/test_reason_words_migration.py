"""Revision 0012 migrates the reasons recorded as one string into whole texts per language."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from yima.db.migrate import upgrade

AT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC).isoformat()
FINDINGS = [{"rule": "materials.missing", "field": "materials",
             "message": "缺少材料：公司章程，可容缺受理（15 日内补齐） / Missing material: Articles of association; "
                        "may follow within 15 days",
             "message_zh": "缺少材料：公司章程，可容缺受理（15 日内补齐）",
             "message_en": "Missing material: Articles of association; may follow within 15 days"},
            {"rule": "name.form", "field": "name", "message": "字号须至少两个汉字 / The trade name must have at least "
             "two characters", "message_zh": "字号须至少两个汉字",
             "message_en": "The trade name must have at least two characters"}]


def test_old_reasons_are_kept_readable_and_whole(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0010")
    engine = sa.create_engine(url)
    joined = "; ".join(f["message"] for f in FINDINGS)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO zones (id, name, name_en, division_code, residents, org_block_start, "
                             "org_block_size, org_next_seq, authority_name, place_names, created_at) VALUES "
                             "('cq-gxq', '重庆高新区', '', '500107', 1, 0, 1000, 0, 'x', '[]', :at)"), {"at": AT})
        conn.execute(sa.text("INSERT INTO users (id, username, password_hash, role, zone_id, display_name, "
                             "created_at) VALUES (1, 'alice', 'x', 'applicant', NULL, '', :at)"), {"at": AT})
        conn.execute(sa.text("INSERT INTO applications (id, zone_id, applicant_id, matter, entity_type, channel, "
                             "name, status, body, findings, missing_materials, statutory_due_at, submitted_at, "
                             "standard_digest) VALUES (1, 'cq-gxq', 1, 'establish', 'llc', 'online', "
                             "'重庆云帆科技有限公司', "
                             "'under_review', '{}', :findings, '[]', :at, :at, 'x')"),
                     {"findings": json.dumps(FINDINGS, ensure_ascii=False), "at": AT})
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

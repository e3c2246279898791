"""Revision 0013 gives LLC shareholders registered without a contribution term the statutory limit,
marked as such, and adds the beneficial owners' own table; nothing else of a record changes."""

from __future__ import annotations

import json

import sqlalchemy as sa
from previous_release import AT, add_zone, previous_release

from yima.db.migrate import upgrade

HOLDER = {"name": "张三", "id_number": "500107199005170011", "share_pct": "60"}
TERMED = {"name": "李四", "id_number": "500107198001020032", "share_pct": "40", "contribution_due": "2027-01-01"}


def test_llc_shareholders_get_the_statutory_limit_and_others_are_untouched(tmp_path) -> None:
    url, engine = previous_release(tmp_path, "0012")
    with engine.begin() as conn:
        add_zone(conn)
        for uscc, etype, established, holders in (
                ("A", "llc", "2025-03-10", [HOLDER, TERMED]), ("B", "llc", "2019-05-01", [HOLDER]),
                ("C", "joint_stock", "2025-03-10", [HOLDER]), ("D", "llc", "2028-02-29", [HOLDER])):
            conn.execute(sa.text("INSERT INTO enterprises (uscc, zone_id, name, entity_type, industry_code, "
                                 "registered_capital, established_on, status, scope, legal_representative, "
                                 "shareholders, source, address_commitment, created_at, updated_at) VALUES "
                                 "(:uscc, 'cq-gxq', :uscc, :etype, 'I6513', 1000000, :est, 'active', '[]', '{}', "
                                 ":holders, 'registered', 0, :at, :at)"),
                         {"uscc": uscc, "etype": etype, "est": established, "at": AT,
                          "holders": json.dumps(holders, ensure_ascii=False)})
    upgrade(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT uscc, shareholders FROM enterprises")).all())
        owners_table = conn.execute(sa.text("SELECT count(*) FROM beneficial_owners")).scalar()
    engine.dispose()
    held = {uscc: json.loads(value) if isinstance(value, str) else value for uscc, value in rows.items()}
    assert held["A"] == [{**HOLDER, "contribution_due": "2030-03-10", "contribution_due_statutory": True}, TERMED]
    assert held["B"] == [{**HOLDER, "contribution_due": "2032-06-30", "contribution_due_statutory": True}]
    assert held["C"] == [HOLDER]
    assert held["D"][0]["contribution_due"] == "2033-02-28"
    assert owners_table == 0

"""The witness job leaves out partners this instance hosts itself (the single-instance demo: both
zones in one database, each the other's partner), so such an instance fetches nothing and logs no
"unreachable" every run; a partner on another instance is still fetched (and, unreachable, said)."""

from __future__ import annotations

import pytest

from live import free_port
from yima.clock import utcnow
from yima.federation.tables import Partner
from yima.federation.witness import witness_partners_job, witnessed_partners

pytestmark = pytest.mark.db


def _partner(zone: str, local: str, account: int) -> Partner:
    now = utcnow()
    return Partner(zone_id=zone, local_zone=local, url=f"http://127.0.0.1:{free_port()}", trust_list_source="",
                   trust_list={}, standard_digest="0" * 64, account_id=account, added_at=now, refreshed_at=now)


def test_a_zone_hosted_here_is_not_witnessed_one_elsewhere_is(db, people):
    officer = people["officer-cq"].id
    with db.write() as session:  # cq-gxq and cd-gxq both live in this database
        session.add(_partner("cd-gxq", "cq-gxq", officer))
        session.add(_partner("cq-gxq", "cd-gxq", officer))
    assert witnessed_partners(db) == []
    assert witness_partners_job(db, utcnow()) == []  # nothing fetched, nothing to say
    with db.write() as session:
        session.add(_partner("sh-pd", "cq-gxq", officer))  # a zone of another instance, not listening
    assert [p.zone_id for p in witnessed_partners(db)] == ["sh-pd"]
    lines = witness_partners_job(db, utcnow())
    assert len(lines) == 1 and lines[0].startswith("witness: sh-pd unreachable")

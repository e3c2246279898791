"""What the migration tests share: a SQLite database of a previous release (migrated up to the
revision that release ended with) to write that release's rows into with plain SQL, the way the
release stored them, and the rows most of them start from (a zone, an applicant, an application)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from yima.db.migrate import upgrade

AT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC).isoformat()


def previous_release(tmp_path: Path, revision: str) -> tuple[str, sa.Engine]:
    """The URL of a new database at ``revision`` and an engine on it (foreign keys are not
    enforced on its bare connections); the caller disposes of the engine."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, revision)
    return url, sa.create_engine(url)


def add_zone(conn: sa.Connection) -> None:
    """The zone ``cq-gxq`` as every release since the first stores it."""
    conn.execute(sa.text("INSERT INTO zones (id, name, name_en, division_code, residents, org_block_start, "
                         "org_block_size, org_next_seq, authority_name, place_names, created_at) VALUES "
                         "('cq-gxq', '重庆高新区', '', '500107', 1, 0, 1000, 0, 'x', '[]', :at)"), {"at": AT})


def add_applicant(conn: sa.Connection) -> None:
    """The applicant ``alice`` (user 1)."""
    conn.execute(sa.text("INSERT INTO users (id, username, password_hash, role, zone_id, display_name, "
                         "created_at) VALUES (1, 'alice', 'x', 'applicant', NULL, '', :at)"), {"at": AT})


def add_application(conn: sa.Connection, status: str, *, findings: str = "[]", decided: bool = False) -> None:
    """Application 1 of ``alice`` in ``cq-gxq`` (an establishment), with its findings as stored (JSON)."""
    conn.execute(sa.text("INSERT INTO applications (id, zone_id, applicant_id, matter, entity_type, channel, "
                         "name, status, body, findings, missing_materials, statutory_due_at, submitted_at, "
                         "decided_at, standard_digest) VALUES (1, 'cq-gxq', 1, 'establish', 'llc', 'online', "
                         "'重庆云帆科技有限公司', :status, '{}', :findings, '[]', :at, :at, :decided, 'x')"),
                 {"status": status, "findings": findings, "at": AT, "decided": AT if decided else None})

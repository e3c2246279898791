"""Use cases of published reports: publish a zone's figures for a period, restate them after a
correction, list and fetch them, check one offline (``publication`` has the rules).

Publishing computes the figures once, signs them with the zone's active key and stores the signed
document, which nothing changes afterwards: the figures a zone published stay as published even
when the records they came from are corrected. A restatement recomputes the figures, says what
changed against the latest published version, why and who, and is signed and stored beside it.
Both are appended to the zone's audit log in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yima.actors import Actor
from yima.audit import service as audit
from yima.clock import as_utc
from yima.db import Database
from yima.errors import Conflict, NotFound
from yima.keys import service as keys
from yima.stats.publication import REPORT_PURPOSE, canonical, changes, check_reason
from yima.stats.rules import Period, check_may_see_zone
from yima.stats.tables import PublishedReport
from yima.zones.tables import Zone

#: The figures of a zone and period as JSON (the ``GET /api/v1/stats`` answer).
FiguresOf = Callable[[str, Period], dict[str, Any]]


def _sign_and_store(session: Session, row: PublishedReport, report: dict[str, Any]) -> dict[str, Any]:
    session.add(row)
    session.flush()
    report["id"] = row.id
    signature = keys.sign(session, row.zone_id, canonical(report)).to_dict()
    envelope = {"report": report, "signature": signature}
    row.document = json.dumps(envelope, ensure_ascii=False, sort_keys=True)
    row.sha256 = hashlib.sha256(row.document.encode("utf-8")).hexdigest()
    return {**envelope, "sha256": row.sha256}


def publish(db: Database, actor: Actor, zone_id: str, period: Period, figures_of: FiguresOf,
            now: datetime) -> dict[str, Any]:
    """Freeze the zone's figures for ``period`` as a signed report; the envelope as stored and its SHA-256."""
    check_may_see_zone(actor.role, actor.zone_id, zone_id)
    figures = figures_of(zone_id, period)
    with db.write() as session:
        if session.get(Zone, zone_id) is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")
        row = PublishedReport(zone_id=zone_id, period_start=period.start, period_end=period.end,
                              published_at=now, actor_id=actor.id, document="", sha256="")
        report: dict[str, Any] = {"purpose": REPORT_PURPOSE, "id": None, "zone": zone_id,
                  "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
                  "published_at": as_utc(now).isoformat(timespec="seconds"), "published_by": actor.username,
                  "restates": None, "reason": None, "changes": [], "figures": figures}
        envelope = _sign_and_store(session, row, report)
        audit.record(session, [audit.event(zone_id, actor, now, "report.published", f"report:{row.id}",
                                           period_from=period.start.isoformat(), period_to=period.end.isoformat(),
                                           sha256=row.sha256)])
        return envelope


def _latest_version(session: Session, original: PublishedReport) -> PublishedReport:
    return session.scalars(select(PublishedReport).where(PublishedReport.restates_id == original.id)
                           .order_by(PublishedReport.id.desc()).limit(1)).first() or original


def _original(session: Session, report_id: int) -> PublishedReport:
    row = session.get(PublishedReport, report_id)
    if row is None:
        raise NotFound("report.unknown", "id", f"没有编号为 {report_id} 的报告", f"No published report {report_id}")
    return row


def restate(db: Database, actor: Actor, report_id: int, reason: str, figures_of: FiguresOf,
            now: datetime) -> dict[str, Any]:
    """The figures of a published report as they are now, beside it: what changed, why, who."""
    reason = check_reason(reason)
    with db.read() as session:
        original = _original(session, report_id)
        if original.restates_id is not None:
            raise Conflict("report.is_restatement", "id", f"第 {report_id} 号是更正报告，请更正原报告第 "
                           f"{original.restates_id} 号", f"Report {report_id} is a restatement; restate report "
                           f"{original.restates_id} instead")
        zone_id, period = original.zone_id, Period(original.period_start, original.period_end)
    check_may_see_zone(actor.role, actor.zone_id, zone_id)
    figures = figures_of(zone_id, period)
    with db.write() as session:
        original = _original(session, report_id)
        latest = _latest_version(session, original)
        was = json.loads(latest.document)["report"]["figures"]
        changed = changes(was, figures)
        if not changed:
            raise Conflict("report.unchanged", "id", "数据与最近一次发布的一致，无需更正",
                           "The figures are the same as last published; there is nothing to restate")
        row = PublishedReport(zone_id=zone_id, period_start=period.start, period_end=period.end,
                              restates_id=original.id, published_at=now, actor_id=actor.id, document="", sha256="")
        report: dict[str, Any] = {"purpose": REPORT_PURPOSE, "id": None, "zone": zone_id,
                  "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
                  "published_at": as_utc(now).isoformat(timespec="seconds"), "published_by": actor.username,
                  "restates": original.id, "reason": reason, "changes": changed, "figures": figures}
        envelope = _sign_and_store(session, row, report)
        audit.record(session, [audit.event(zone_id, actor, now, "report.restated", f"report:{original.id}",
                                           restatement=row.id, reason=reason, changes=len(changed),
                                           sha256=row.sha256)])
        return envelope


def _summary(row: PublishedReport, report: dict[str, Any]) -> dict[str, Any]:
    return {"id": row.id, "zone": row.zone_id, "period": {"from": row.period_start, "to": row.period_end},
            "published_at": as_utc(row.published_at), "published_by": report.get("published_by"),
            "restates": row.restates_id, "reason": report.get("reason"), "changes": report.get("changes") or [],
            "sha256": row.sha256}


def list_reports(db: Database, zone_id: str | None) -> list[dict[str, Any]]:
    """Published reports (newest first), each with its restatements; public, like the figures they publish."""
    with db.read() as session:
        query = select(PublishedReport).order_by(PublishedReport.id.desc())
        if zone_id:
            query = query.where(PublishedReport.zone_id == zone_id)
        rows = list(session.scalars(query.limit(500)))
    out, by_id = [], {}
    for row in rows:
        summary = _summary(row, json.loads(row.document)["report"])
        if row.restates_id is None:
            summary["restatements"] = []
            by_id[row.id] = summary
            out.append(summary)
    for row in reversed(rows):
        if row.restates_id in by_id:
            by_id[row.restates_id]["restatements"].append(_summary(row, json.loads(row.document)["report"]))
    return out


def get_report(db: Database, report_id: int) -> dict[str, Any]:
    """A published report as signed (``report``, ``signature``) and the restatements beside it."""
    with db.read() as session:
        row = _original(session, report_id)
        restatements = list(session.scalars(select(PublishedReport).where(PublishedReport.restates_id == row.id)
                                            .order_by(PublishedReport.id)))
        envelope = json.loads(row.document)
        return {**envelope, "sha256": row.sha256,
                "restatements": [{**json.loads(r.document), "sha256": r.sha256} for r in restatements]}


"""Use cases of published reports: publish a zone's figures for a period, restate them after a
correction, list and fetch them, check one offline (``publication`` has the rules).

Publishing computes the figures once, signs them with the zone's active key and stores the signed
document, which nothing changes afterwards: the figures a zone published stay as published even
when the records they came from are corrected. A restatement recomputes the figures, says what
changed against the latest published version, why and who, and is signed and stored beside it.
Both are appended to the zone's audit log in the same transaction.

The use cases answer with typed values (``SignedReport``, ``PublishedReportView``,
``ReportSummary``) whose ``as_json`` is the v1 body of the reports' routes; the signed document
itself (``report``, ``signature``) stays the JSON that was signed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class SignedReport:
    """A report as signed: ``report`` (JSON) and its ``signature`` over the canonical form, and the
    SHA-256 of the stored document (``SignedReportOut``)."""

    report: Mapping[str, Any]
    signature: Mapping[str, str]
    sha256: str

    @classmethod
    def stored(cls, row: PublishedReport) -> SignedReport:
        envelope = json.loads(row.document)
        return cls(envelope["report"], envelope["signature"], row.sha256)

    def as_json(self) -> dict[str, Any]:
        return {"report": dict(self.report), "signature": dict(self.signature), "sha256": self.sha256}


@dataclass(frozen=True)
class PublishedReportView(SignedReport):
    """A published report as signed and the restatements beside it, oldest first (``ReportOut``)."""

    restatements: tuple[SignedReport, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {**super().as_json(), "restatements": [r.as_json() for r in self.restatements]}


@dataclass(frozen=True)
class ReportSummary:
    """A line of the list of published reports (``ReportSummaryOut``): an original report carries
    its restatements, a restatement none."""

    id: int
    zone: str
    period: Period
    published_at: datetime
    published_by: str | None
    restates: int | None
    reason: str | None
    changes: tuple[Mapping[str, Any], ...]
    sha256: str
    restatements: tuple[ReportSummary, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "zone": self.zone, "period": {"from": self.period.start, "to": self.period.end},
                "published_at": self.published_at, "published_by": self.published_by, "restates": self.restates,
                "reason": self.reason, "changes": [dict(c) for c in self.changes], "sha256": self.sha256,
                "restatements": [r.as_json() for r in self.restatements]}


def _sign_and_store(session: Session, row: PublishedReport, report: dict[str, Any]) -> SignedReport:
    session.add(row)
    session.flush()
    report["id"] = row.id
    signature = keys.sign(session, row.zone_id, canonical(report)).to_dict()
    row.document = json.dumps({"report": report, "signature": signature}, ensure_ascii=False, sort_keys=True)
    row.sha256 = hashlib.sha256(row.document.encode("utf-8")).hexdigest()
    return SignedReport(report, signature, row.sha256)


def publish(db: Database, actor: Actor, zone_id: str, period: Period, figures_of: FiguresOf,
            now: datetime) -> SignedReport:
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
            now: datetime) -> SignedReport:
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


def _summary(row: PublishedReport, restatements: tuple[ReportSummary, ...] = ()) -> ReportSummary:
    report = json.loads(row.document)["report"]
    return ReportSummary(row.id, row.zone_id, Period(row.period_start, row.period_end), as_utc(row.published_at),
                         report.get("published_by"), row.restates_id, report.get("reason"),
                         tuple(report.get("changes") or ()), row.sha256, restatements)


def list_reports(db: Database, zone_id: str | None) -> list[ReportSummary]:
    """Published reports (newest first), each with its restatements (oldest first); public, like
    the figures they publish."""
    with db.read() as session:
        query = select(PublishedReport).order_by(PublishedReport.id.desc())
        if zone_id:
            query = query.where(PublishedReport.zone_id == zone_id)
        rows = list(session.scalars(query.limit(500)))
    restating: dict[int, list[ReportSummary]] = {}
    for row in reversed(rows):
        if row.restates_id is not None:
            restating.setdefault(row.restates_id, []).append(_summary(row))
    return [_summary(row, tuple(restating.get(row.id, ()))) for row in rows if row.restates_id is None]


def get_report(db: Database, report_id: int) -> PublishedReportView:
    """A published report as signed (``report``, ``signature``) and the restatements beside it."""
    with db.read() as session:
        row = _original(session, report_id)
        restatements = list(session.scalars(select(PublishedReport).where(PublishedReport.restates_id == row.id)
                                            .order_by(PublishedReport.id)))
        signed = SignedReport.stored(row)
        return PublishedReportView(signed.report, signed.signature, signed.sha256,
                                   tuple(SignedReport.stored(r) for r in restatements))

"""Use cases of the investment office: projects, their stages (with evidence) and funds in place.

An ``investment_office`` user works the projects of their own zone; an administrator any zone.
Every change is appended to the zone's audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, String, and_, bindparam, case, cast, func, literal, or_, select, text, true
from sqlalchemy.orm import Session, selectinload

from yima.accounts.tables import User
from yima.actors import Actor
from yima.audit import service as audit
from yima.clock import local_date
from yima.db import Database
from yima.errors import Conflict, DomainError, Forbidden, NotFound
from yima.listing import PageOf, PageRequest, check_export_size, like_pattern, search_text
from yima.projects import rules
from yima.projects.model import (
    DocumentOut,
    FundIn,
    FundOut,
    ProjectCorrection,
    ProjectDetailOut,
    ProjectIn,
    ProjectOut,
    StageIn,
    StageOut,
)
from yima.projects.rules import ProjectFigures, Stage
from yima.projects.tables import Project, ProjectCount, ProjectFund, ProjectStage
from yima.register.tables import Enterprise
from yima.standard.industry import normalise
from yima.stats.rules import Period
from yima.uploads import check_upload, store_upload, upload_path
from yima.zones.tables import Zone

OFFICE = "investment_office"


def may_work_projects(actor: Actor, zone_id: str) -> bool:
    return actor.role == "admin" or (actor.role == OFFICE and actor.zone_id == zone_id)


def require_office(actor: Actor, zone_id: str) -> None:
    if not may_work_projects(actor, zone_id):
        raise Forbidden("projects.not_yours", "zone", "只有本区招商部门可以查看和修改本区的项目",
                        "Only the zone's investment office may see and change its projects")


def office_zone(actor: Actor, zone_id: str | None) -> str:
    """The zone asked for, defaulting to the actor's own; checked."""
    zone = zone_id or actor.zone_id
    if not zone:
        raise DomainError("projects.zone_required", "zone", "请指定开发区（zone）", "The parameter 'zone' is required")
    require_office(actor, zone)
    return zone


def _project(session: Session, actor: Actor, project_id: int) -> Project:
    project = session.get(Project, project_id, options=[selectinload(Project.stages), selectinload(Project.funds)])
    if project is None or not may_work_projects(actor, project.zone_id):
        raise NotFound("project.unknown", "id", f"没有编号为 {project_id} 的项目", f"No project {project_id}")
    return project


def dates_of(project: Project) -> dict[str, date | None]:
    return {Stage.SIGNED: project.signed_on, Stage.REGISTERED: project.registered_on, Stage.LANDED: project.landed_on,
            Stage.STARTED: project.started_on, Stage.COMPLETED: project.completed_on}


def _set_date(project: Project, stage: str, day: date) -> None:
    setattr(project, f"{stage}_on", day)


def _enterprise_in_register(session: Session, zone_id: str, uscc: str) -> Enterprise:
    enterprise = session.get(Enterprise, uscc)
    if enterprise is None or enterprise.zone_id != zone_id:
        raise DomainError("project.enterprise_unknown", "enterprise_uscc",
                          f"本区登记簿中没有统一社会信用代码为 {uscc} 的企业（须先登记或导入）",
                          f"No enterprise {uscc} in the zone's register (register or import it first)")
    return enterprise


# --- changes --------------------------------------------------------------------------------------

def new_project(session: Session, zone_id: str, code: str, name: str, investor: str, tags: list[str],
                industry_code: str, amount: Decimal, now: datetime) -> Project:
    """A project row in the caller's transaction; the code must be free in the zone."""
    if session.scalar(select(Project.id).where(Project.zone_id == zone_id, Project.code == code)) is not None:
        raise Conflict("project.code_taken", "code", f"本区已有编号为 {code} 的项目",
                       f"The zone already has project {code}")
    project = Project(zone_id=zone_id, code=code, name=name, investor=investor, investor_tags=tags,
                      industry_code=industry_code, amount=amount, created_at=now, updated_at=now)
    session.add(project)
    return project


def add_stage(project: Project, stage: str, day: date, note: str, actor: Actor | None, now: datetime, *,
              enterprise_uscc: str | None = None, document: tuple[str, str, str, int] | None = None) -> None:
    """Record a stage on a loaded project (dates already checked): (sha256, name, type, size) of evidence."""
    sha, name, content_type, size = document if document else (None, None, None, None)
    project.stages.append(ProjectStage(
        stage=stage, reached_on=day, enterprise_uscc=enterprise_uscc, note=note, actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else "system", document_sha256=sha, document_name=name,
        document_type=content_type, document_size=size, recorded_at=now))
    _set_date(project, stage, day)
    project.updated_at = now


def create_project(db: Database, actor: Actor, body: ProjectIn, now: datetime) -> ProjectDetailOut:
    require_office(actor, body.zone)
    industry = normalise(body.industry_code)
    rules.check_amount(body.amount)
    if body.signed_on is not None:
        rules.check_stage_dates({Stage.SIGNED: body.signed_on}, local_date(now))
    with db.write() as session:
        if session.get(Zone, body.zone) is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{body.zone}", f"Unknown zone: {body.zone}")
        project = new_project(session, body.zone, body.code, body.name, body.investor,
                              rules.check_tags(body.investor_tags), industry, body.amount, now)
        if body.signed_on is not None:
            add_stage(project, Stage.SIGNED, body.signed_on, body.note, actor, now)
        session.flush()
        audit.record(session, [audit.event(body.zone, actor, now, "project.created", f"project:{body.code}",
                                           amount=str(body.amount), signed_on=_iso(body.signed_on))])
        return _detail(session, project)


def set_stage(db: Database, actor: Actor, project_id: int, body: StageIn, now: datetime, *,
              document: tuple[str, bytes] | None = None, data_dir: Path | None = None,
              max_bytes: int = 0) -> ProjectDetailOut:
    """Set (or correct) a stage's day, with a note and an optional document (filename, content):
    PDF, JPEG or PNG by content, size-limited, stored by its hash."""
    stored: tuple[str, str, str, int] | None = None
    if document is not None:
        filename, content = document
        content_type = check_upload(filename, content, max_bytes)
        if data_dir is None:
            raise ValueError("a document needs the data folder")
        stored = (store_upload(data_dir, content), filename[:255], content_type, len(content))
    with db.write() as session:
        project = _project(session, actor, project_id)
        if body.stage == Stage.REGISTERED:
            if not body.enterprise_uscc:
                raise DomainError("project.enterprise_required", "enterprise_uscc",
                                  "注册阶段须填写项目公司的统一社会信用代码",
                                  "The registered stage needs the project company's credit code")
            _enterprise_in_register(session, project.zone_id, body.enterprise_uscc)
            project.enterprise_uscc = body.enterprise_uscc
        was = dates_of(project)[body.stage]
        reason = rules.check_reason(body.reason) if was is not None and was != body.on else None
        rules.check_stage_dates({**dates_of(project), body.stage: body.on}, local_date(now))
        add_stage(project, body.stage, body.on, body.note, actor, now, enterprise_uscc=body.enterprise_uscc,
                  document=stored)
        session.flush()
        audit.record(session, [audit.event(project.zone_id, actor, now, "project.stage_set", f"project:{project.code}",
                                           stage=body.stage, on=body.on.isoformat(), uscc=body.enterprise_uscc,
                                           document=stored[0] if stored else None, was=_iso(was) if reason else None,
                                           reason=reason)])
        return _detail(session, project)


def add_fund(db: Database, actor: Actor, project_id: int, body: FundIn, now: datetime) -> ProjectDetailOut:
    rules.check_amount(body.amount)
    with db.write() as session:
        project = _project(session, actor, project_id)
        rules.check_receipt(project.signed_on, body.received_on, body.amount, local_date(now))
        if any(f.received_on == body.received_on and f.amount == body.amount for f in project.funds):
            raise Conflict("project.fund_exists", "amount", "同一天同一金额的到位资金已登记",
                           "A receipt of this amount on this day is already recorded")
        project.funds.append(ProjectFund(received_on=body.received_on, amount=body.amount, source=body.source,
                                         actor_id=actor.id, recorded_at=now))
        project.updated_at = now
        session.flush()
        audit.record(session, [audit.event(project.zone_id, actor, now, "project.funds_received",
                                           f"project:{project.code}", received_on=body.received_on.isoformat(),
                                           amount=str(body.amount))])
        return _detail(session, project)


def correct_fields(session: Session, project: Project, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Apply the fields given (checked by the same rules as a new project) to a loaded project;
    what changed, as ``{field: [old, new]}`` in text."""
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name == "code" and value != project.code and session.scalar(
                select(Project.id).where(Project.zone_id == project.zone_id, Project.code == value)) is not None:
            raise Conflict("project.code_taken", "code", f"本区已有编号为 {value} 的项目",
                           f"The zone already has project {value}")
        checked[name] = (rules.check_tags(value) if name == "investor_tags" else normalise(value)
                         if name == "industry_code" else rules.check_amount(Decimal(value)) if name == "amount"
                         else value)
    changed: dict[str, list[Any]] = {}
    for name, value in checked.items():
        old = getattr(project, name)
        if (list(old) if name == "investor_tags" else old) != value:
            changed[name] = [str(old) if name == "amount" else old, str(value) if name == "amount" else value]
            setattr(project, name, value)
    return changed


def correct_project(db: Database, actor: Actor, project_id: int, body: ProjectCorrection,
                    now: datetime) -> ProjectDetailOut:
    """Correct a project's record, with a reason; the old and new values go to the audit log and
    the figures follow (a published report keeps its figures; restate it)."""
    reason = rules.check_reason(body.reason)
    with db.write() as session:
        project = _project(session, actor, project_id)
        code = project.code
        changed = correct_fields(session, project, body.model_dump(exclude={"reason"}))
        if not changed:
            raise Conflict("correction.unchanged", "reason", "更正内容与现有记录相同", "The correction changes nothing")
        project.updated_at = now
        session.flush()
        audit.record(session, [audit.event(project.zone_id, actor, now, "project.corrected", f"project:{code}",
                                           changes=changed, reason=reason, source="api")])
        return _detail(session, project)


def reverse_fund(db: Database, actor: Actor, project_id: int, fund_id: int, reason: str,
                 now: datetime) -> ProjectDetailOut:
    """A receipt recorded in error is reversed, never deleted: it stays on the record, marked, and
    no figure counts it any more."""
    reason = rules.check_reason(reason)
    with db.write() as session:
        project = _project(session, actor, project_id)
        fund = next((f for f in project.funds if f.id == fund_id), None)
        if fund is None:
            raise NotFound("project.fund_unknown", "fund_id", f"该项目没有编号为 {fund_id} 的到位资金记录",
                           f"The project has no receipt {fund_id}")
        if fund.reversed_at is not None:
            raise Conflict("project.fund_reversed", "fund_id", "该笔到位资金已冲销", "This receipt is already reversed")
        fund.reversed_at, fund.reversed_by, fund.reversal_reason = now, actor.id, reason
        project.updated_at = now
        session.flush()
        audit.record(session, [audit.event(project.zone_id, actor, now, "project.funds_reversed",
                                           f"project:{project.code}", fund=fund.id,
                                           received_on=fund.received_on.isoformat(), amount=str(fund.amount),
                                           reason=reason)])
        return _detail(session, project)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --- reading --------------------------------------------------------------------------------------

def _summary(project: Project, funds: Decimal) -> ProjectOut:
    dates = dates_of(project)
    return ProjectOut(id=project.id, zone=project.zone_id, code=project.code, name=project.name,
                      investor=project.investor, investor_tags=list(project.investor_tags),
                      industry_code=project.industry_code, amount=project.amount, stages_on=dates,
                      enterprise_uscc=project.enterprise_uscc, funds_in_place=funds,
                      next_stages=rules.next_stages(dates))


def _detail(session: Session, project: Project) -> ProjectDetailOut:
    users = {u.id: u.username for u in session.scalars(
        select(User).where(User.id.in_({s.actor_id for s in project.stages if s.actor_id})))}
    stages = [StageOut(
        stage=s.stage, on=s.reached_on, note=s.note, enterprise_uscc=s.enterprise_uscc,
        set_by=users.get(s.actor_id) if s.actor_id else None, set_by_role=s.actor_role, recorded_at=s.recorded_at,
        document=DocumentOut(sha256=s.document_sha256, name=s.document_name or "", content_type=s.document_type or "",
                             size=s.document_size or 0,
                             url=f"/projects/{project.id}/documents/{s.document_sha256}")
        if s.document_sha256 else None) for s in project.stages]
    funds = [FundOut(id=f.id, received_on=f.received_on, amount=f.amount, source=f.source, recorded_at=f.recorded_at,
                     reversed_at=f.reversed_at, reversal_reason=f.reversal_reason) for f in project.funds]
    total = sum((f.amount for f in project.funds if f.reversed_at is None), Decimal(0))
    return ProjectDetailOut(**_summary(project, total).model_dump(), stages=stages, funds=funds)


def _matching(zone: str, q: str) -> Any:
    """The zone's projects whose code, name or investor contains ``q``."""
    query = select(Project).where(Project.zone_id == zone)
    if q:
        pattern = like_pattern(q)
        query = query.where(or_(Project.code.like(pattern, escape="\\"), Project.name.like(pattern, escape="\\"),
                                Project.investor.like(pattern, escape="\\")))
    return query


# Newest signing first, projects under negotiation (no signing day) last; the same on both databases.
_ORDER = (Project.signed_on.desc().nulls_last(), Project.id.desc())


def list_projects(db: Database, actor: Actor, zone_id: str | None,
                  request: PageRequest = PageRequest()) -> PageOf[ProjectOut]:
    """One page of the zone's projects (searched by code, name or investor) and how many match."""
    zone = office_zone(actor, zone_id)
    query = _matching(zone, request.q)
    with db.read() as session:
        # the zone's count as the database keeps it (``ProjectCount``); a search counts its matches
        total = session.scalar(
            select(ProjectCount.projects).where(ProjectCount.zone_id == zone) if not request.q
            else select(func.count()).select_from(query.with_only_columns(Project.id).subquery())) or 0
        projects = list(session.scalars(query.order_by(*_ORDER).offset(request.offset).limit(request.per_page)))
        funds = dict(session.execute(select(ProjectFund.project_id, func.sum(ProjectFund.amount))
                                     .where(ProjectFund.project_id.in_([p.id for p in projects]),
                                            ProjectFund.reversed_at.is_(None))
                                     .group_by(ProjectFund.project_id)).all()) if projects else {}
        items = [_summary(p, Decimal(funds.get(p.id) or 0)) for p in projects]
    return PageOf(items, total, request.page, request.per_page)


# The import file's columns first (an export corrected in a spreadsheet is re-imported with --update),
# then what the office cannot import: the registration stage, the project company, funds in place.
EXPORT_HEADER = ("code", "name", "investor", "investor_tags", "industry_code", "amount", "signed_on", "landed_on",
                 "started_on", "completed_on", "registered_on", "enterprise_uscc", "funds_in_place")


def export_projects(db: Database, actor: Actor, zone_id: str | None, q: str = "") -> list[list[Any]]:
    """Every project of the zone matching ``q``, as rows under ``EXPORT_HEADER`` (in list order)."""
    zone = office_zone(actor, zone_id)
    query = _matching(zone, search_text(q))
    with db.read() as session:
        check_export_size(session.scalar(select(func.count()).select_from(
            query.with_only_columns(Project.id).subquery())) or 0)
        funds = dict(session.execute(select(ProjectFund.project_id, func.sum(ProjectFund.amount))
                                     .join(Project).where(Project.zone_id == zone, ProjectFund.reversed_at.is_(None))
                                     .group_by(ProjectFund.project_id)).all())
        columns = query.with_only_columns(
            Project.id, Project.code, Project.name, Project.investor, Project.investor_tags, Project.industry_code,
            Project.amount, Project.signed_on, Project.landed_on, Project.started_on, Project.completed_on,
            Project.registered_on, Project.enterprise_uscc).order_by(*_ORDER)
        return [[code, name, investor, ";".join(tags or []), industry, str(amount), *(_iso(d) or "" for d in days),
                 uscc or "", str(Decimal(funds.get(pid) or 0))]
                for pid, code, name, investor, tags, industry, amount, *days, uscc in session.execute(columns)]


def get_project(db: Database, actor: Actor, project_id: int) -> ProjectDetailOut:
    with db.read() as session:
        return _detail(session, _project(session, actor, project_id))


def document_path(db: Database, actor: Actor, project_id: int, sha256: str, data_dir: Path) -> tuple[Path, str, str]:
    """The stored evidence document of one of the project's stages: (path, content type, name)."""
    with db.read() as session:
        project = _project(session, actor, project_id)
        stage = next((s for s in project.stages if s.document_sha256 == sha256), None)
    path = upload_path(data_dir, sha256) if stage else None
    if stage is None or path is None or not path.is_file():
        raise NotFound("project.document_unknown", "sha256", "该项目没有这份证明材料",
                       "The project has no such evidence document")
    return path, stage.document_type or "application/octet-stream", stage.document_name or sha256


# --- figures --------------------------------------------------------------------------------------

def _cents(amount: Any) -> Any:
    """A sum of amounts in whole fen (an integer sum is exact on both databases; SQLite keeps a
    ``Numeric`` as a float, and the figures are the sum of the amounts as each reads back)."""
    return func.coalesce(func.sum(cast(func.round(amount * 100), BigInteger)), 0)


def _yuan(cents: Any) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


#: Projects whose investors carry tags, in the words of ``ix_projects_tagged``'s condition (SQLite
#: reads a partial index only for a query that states its condition).
TAGGED = {"sqlite": text("investor_tags <> '[]'"), "postgresql": text("(investor_tags)::text <> '[]'::text")}


def _signed_figures() -> list[Any]:
    """``signed``, ``signed_amount`` and ``signed_large`` of the projects signed in a window (the
    query reads them from ``ix_projects_figures`` alone)."""
    return [func.count(), _cents(Project.amount), func.count(case((Project.amount >= rules.LARGE_PROJECT_YUAN, 1)))]


def _tag_figures() -> list[Any]:
    """The ``tag:…`` figures (distinct investors) of the projects signed in a window whose investors
    carry tags (read through ``ix_projects_tagged``)."""
    tags = cast(Project.investor_tags, String)
    return [func.count(case((tags.like(like_pattern(f'"{tag}"'), escape="\\"), Project.investor)).distinct())
            for tag in rules.INVESTOR_TAGS]


def _landed_figures(period: Period | _Window) -> list[Any]:
    """``landed_large`` and ``landed`` of ``period``."""
    landed = Project.landed_on.between(period.start, period.end)
    return [func.count(case((and_(landed, Project.amount >= rules.LARGE_PROJECT_YUAN), 1))),
            func.count(case((landed, 1)))]


SIGNED_FIGURES = ("signed", "signed_amount", "signed_large", *(f"tag:{tag}" for tag in rules.INVESTOR_TAGS))
MILESTONE_FIGURES = ("landed_large", "landed", "started", "completed", "started_or_completed")


@dataclass(frozen=True)
class _Window:
    """A window of days as bound parameters (``zone_project_figures``' values)."""

    start: Any
    end: Any


@dataclass(frozen=True)
class _FigureStatements:
    signed: tuple[Any, ...]  # the period, the year before
    tagged: tuple[Any, ...]
    landed: Any
    begun: Any
    ended: Any
    funnel: Any
    days: Any
    industries: Any
    funds: Any
    #: The one-row statements above (``ONE_ROW``) as one statement, their columns side by side:
    #: one round trip, not nine.
    one_row: Any = None
    widths: tuple[int, ...] = ()


#: ``_FigureStatements``' statements of one row each (aggregates over the whole window), in the
#: order ``one_row`` puts their columns.
ONE_ROW = ("signed0", "tagged0", "signed1", "tagged1", "landed", "begun", "ended", "funnel", "funds")


def _one_row(statements: dict[str, Any]) -> tuple[Any, tuple[int, ...]]:
    """The one-row statements side by side in one statement (each a subquery of one row, joined
    on true), and how many columns each contributes."""
    parts = [statements[name].subquery(name) for name in ONE_ROW]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.join(part, true())
    return (select(*(column for part in parts for column in part.c)).select_from(joined),
            tuple(len(part.c) for part in parts))


@cache
def _figures_statements(dialect: str) -> _FigureStatements:
    """``zone_project_figures``' statements, built once (building them took longer in Python than
    the database took to answer them): the zone, the period (``start``, ``end``), the same days a
    year earlier (``base_start``, ``base_end``) and the two together (``first``, ``last``) bound."""
    period = _Window(bindparam("start"), bindparam("end"))
    base = _Window(bindparam("base_start"), bindparam("base_end"))
    everything = _Window(bindparam("first"), bindparam("last"))

    def within(column: Any, days: _Window = everything) -> Any:
        return column.between(days.start, days.end)

    signed_now = within(Project.signed_on, period)
    in_zone = Project.zone_id == bindparam("zone")
    tagged = TAGGED.get(dialect, literal(True))
    of_zone = select(Project.id).where(Project.id == ProjectFund.project_id, in_zone).exists()
    statements = _FigureStatements(
        signed=tuple(select(*_signed_figures()).where(in_zone, within(Project.signed_on, days))
                     for days in (period, base)),
        tagged=tuple(select(*_tag_figures()).where(in_zone, within(Project.signed_on, days), tagged)
                     for days in (period, base)),
        landed=select(*_landed_figures(period), *_landed_figures(base)).where(in_zone, within(Project.landed_on)),
        begun=select(*(func.count(case((within(Project.started_on, days), 1))) for days in (period, base)))
        .where(in_zone, within(Project.started_on)),
        ended=select(*(func.count(case((within(Project.completed_on, days), 1))) for days in (period, base)),
                     *(func.count(case((and_(within(Project.completed_on, days), within(Project.started_on, days)), 1)))
                       for days in (period, base)))
        .where(in_zone, within(Project.completed_on)),
        funnel=select(func.count(), *(func.count(case((column <= period.end, 1)))
                                      for column in (Project.landed_on, Project.started_on, Project.completed_on)))
        .where(in_zone, signed_now),
        # by day (in the index's order), added up by month in Python: at most two years of days
        days=select(Project.signed_on, func.count(case((signed_now, 1))), _cents(Project.amount))
        .where(in_zone, within(Project.signed_on), or_(signed_now, within(Project.signed_on, base)))
        .group_by(Project.signed_on),
        industries=select(Project.industry_code, func.count(), _cents(Project.amount)).where(in_zone, signed_now)
        .group_by(Project.industry_code),
        # the receipts of the two windows (by their day's index), each matched to its project's zone
        funds=select(*(_cents(case((within(ProjectFund.received_on, days), ProjectFund.amount)))
                       for days in (period, base)))
        .where(within(ProjectFund.received_on), ProjectFund.reversed_at.is_(None), of_zone))
    one_row, widths = _one_row({"signed0": statements.signed[0], "tagged0": statements.tagged[0],
                                "signed1": statements.signed[1], "tagged1": statements.tagged[1],
                                "landed": statements.landed, "begun": statements.begun, "ended": statements.ended,
                                "funnel": statements.funnel, "funds": statements.funds})
    return replace(statements, one_row=one_row, widths=widths)


def zone_project_figures(db: Database, zone_id: str, period: Period) -> ProjectFigures:
    """The figures, counted and summed by the database: a few aggregate rows, each query reading
    through an index only the projects with a milestone (or the receipts) dated between the first
    day a year earlier and the period's end, whatever the number of projects
    (``rules.project_figures`` assembles them; no other row changes a figure). The statements are
    built once for each database (``_figures_statements``), the zone and the days bound to them."""
    base = period.year_earlier()
    values = {"zone": zone_id, "start": period.start, "end": period.end, "base_start": base.start,
              "base_end": base.end, "first": min(period.start, base.start), "last": period.end}
    with db.read() as session:
        q = _figures_statements(session.get_bind().dialect.name)
        # the one-row figures in one statement (``ONE_ROW``), then the rows by day and by industry
        row = tuple(session.execute(q.one_row, values).one())
        days = session.execute(q.days, values).all()
        industries = session.execute(q.industries, values).all()
    one: dict[str, tuple[Any, ...]] = {}
    for name, width in zip(ONE_ROW, q.widths, strict=True):
        one[name], row = row[:width], row[width:]
    signed = [(*one[f"signed{i}"], *one[f"tagged{i}"]) for i in (0, 1)]
    landed, begun, ended, funnel, funds = one["landed"], one["begun"], one["ended"], one["funnel"], one["funds"]
    # started, then completed (each through its own index); started or completed is the two less
    # the projects that did both in the window
    started = [(begun[i], ended[i], begun[i] + ended[i] - ended[2 + i]) for i in (0, 1)]

    def window(signed: Sequence[Any], landed: Sequence[Any], started: Sequence[Any]) -> dict[str, int | Decimal]:
        figures: dict[str, int | Decimal] = {key: int(value) for key, value in zip(
            (*SIGNED_FIGURES, *MILESTONE_FIGURES), (*signed, *landed, *started), strict=True)}
        figures["signed_amount"] = _yuan(signed[1])
        return figures

    return rules.project_figures(
        period, window(signed[0], landed[:2], started[0]), window(signed[1], landed[2:], started[1]),
        (_yuan(funds[0]), _yuan(funds[1])),
        dict(zip(("signed", "landed", "started", "completed"), funnel, strict=True)),
        [(f"{day.year:04d}-{day.month:02d}", int(count), _yuan(cents)) for day, count, cents in days],
        [(code, int(count), _yuan(cents)) for code, count, cents in industries])

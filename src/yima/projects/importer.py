"""``yima import projects | project-funds | key-enterprises | services``: a zone's existing records.

Each file is read row by row (``rows`` checks a row by itself); a bad row is reported with its
line number and reason and skipped, as in the register import (``yima.stats.importer``, whose
header check, summary and bad-row form are reused). What needs the database is checked as the row
is stored: a project code already in the zone counts as existing (the import is idempotent on
the code), a receipt already recorded for the project, day and amount likewise; an enterprise
must be in the zone's register; an unknown specialist becomes a ``service_specialist`` account
without a password. Rows are stored in transactions of ``BATCH_ROWS``, each record with its audit
entry. The files of an investment office hold hundreds of rows, not millions, so there is no
second checking process here. No value may hold a control or invisible character (``text.hidden_character``,
the one rule of ``yima.textcheck``).
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from yima.accounts.service import add_account_without_password
from yima.accounts.tables import User
from yima.audit import service as audit
from yima.audit.rules import AuditEvent
from yima.clock import local_date
from yima.db import Database
from yima.errors import DomainError
from yima.projects import key_enterprises, rows
from yima.projects.rows import FundRow, KeyEnterpriseRow, ProjectRow, ServiceRow
from yima.projects.rules import check_receipt
from yima.projects.service import add_stage, new_project
from yima.projects.tables import EnterpriseService, KeyEnterprise, Project, ProjectFund
from yima.stats.importer import MAX_REPORTED_BAD_ROWS, ImportSummary, require_zone
from yima.stats.rows import BadRow, check_header, wrong_width
from yima.textcheck import hidden_character

BATCH_ROWS = 500
T = TypeVar("T")
Check = Callable[[int, Sequence[str], date], T | BadRow]


def read_rows(path: Path, header: Sequence[str], check: Check[T], today: date,
              optional: Sequence[str] = ()) -> Iterator[T | BadRow]:
    """The file's records, each checked with the values of ``header`` then ``optional`` (empty when
    the file has no such column); blank lines are skipped. A file that is not UTF-8 CSV, or lacks a
    column of ``header``, stops with a DomainError naming the line."""
    if not path.is_file():
        raise DomainError("import.file", "file", f"找不到文件：{path}", f"No such file: {path}")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            found = next(reader, None)
            positions = check_header(found, header)
            names = [name.strip() for name in found or ()]
            extra = [names.index(name) if name in names else None for name in optional]
            width = len(found or ())
            for record in reader:
                if len(record) != width:
                    if any(value.strip() for value in record):
                        yield wrong_width(reader.line_num, len(record), width)
                    continue
                values = [record[i] for i in positions] + [record[i] if i is not None else "" for i in extra]
                hidden = next((f for f in (hidden_character(v, name, multiline=True)
                                           for name, v in zip([*header, *optional], values, strict=True)) if f), None)
                yield BadRow(reader.line_num, hidden) if hidden else check(reader.line_num, values, today)
        except (UnicodeDecodeError, csv.Error) as err:
            line = reader.line_num + 1
            raise DomainError("import.file_format", "file", f"第{line}行无法读取：文件须为 UTF-8 编码的 CSV（{err}）",
                              f"Line {line} cannot be read: the file must be UTF-8 CSV ({err})") from None


Store = Callable[[Session, T, list[AuditEvent]], bool]


def _store(db: Database, zone_id: str, checked: Iterable[T | BadRow], store: Store[T],
           on_progress: Callable[[int], None] | None) -> ImportSummary:
    """Store good rows batch by batch; ``store`` returns False for a row already present and
    raises DomainError for one the database refuses (reported as a bad row)."""
    require_zone(db, zone_id)
    summary = ImportSummary()
    started = time.perf_counter()
    handled = 0
    records = iter(checked)
    while batch := list(islice(records, BATCH_ROWS)):
        with db.write() as session:
            events: list[AuditEvent] = []
            for row in batch:
                if isinstance(row, BadRow):
                    _bad(summary, row)
                    continue
                try:
                    with session.begin_nested():
                        stored = store(session, row, events)
                except DomainError as err:
                    _bad(summary, BadRow(getattr(row, "line", 0), err.finding))
                    continue
                if stored:
                    summary.loaded += 1
                else:
                    summary.existing += 1
            if events:
                audit.record(session, events)
        handled += len(batch)
        if on_progress:
            on_progress(handled)
    summary.seconds = time.perf_counter() - started
    return summary


def _bad(summary: ImportSummary, row: BadRow) -> None:
    summary.bad += 1
    if len(summary.bad_rows) < MAX_REPORTED_BAD_ROWS:
        summary.bad_rows.append(row)


def _refuse(rule: str, field: str, zh: str, en: str) -> DomainError:
    return DomainError(rule, field, zh, en)


# --- projects and their funds ---------------------------------------------------------------------

def load_projects(db: Database, zone_id: str, checked: Iterable[ProjectRow | BadRow], now: datetime, *,
                  source: str = "import", on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    note = f"导入 / imported: {source}"

    def store(session: Session, row: ProjectRow, events: list[AuditEvent]) -> bool:
        if session.scalar(select(Project.id).where(Project.zone_id == zone_id, Project.code == row.code)):
            return False
        project = new_project(session, zone_id, row.code, row.name, row.investor, list(row.tags), row.industry_code,
                              row.amount, now)
        for stage, day in row.stage_dates().items():
            if day is not None:
                add_stage(project, stage, day, note, None, now)
        events.append(audit.event(zone_id, None, now, "project.imported", f"project:{row.code}", source=source,
                                  amount=str(row.amount), line=row.line))
        return True

    return _store(db, zone_id, checked, store, on_progress)


def load_funds(db: Database, zone_id: str, checked: Iterable[FundRow | BadRow], now: datetime, *,
               source: str = "import", on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    def store(session: Session, row: FundRow, events: list[AuditEvent]) -> bool:
        project = session.scalar(select(Project).where(Project.zone_id == zone_id, Project.code == row.project_code))
        if project is None:
            raise _refuse("import.project_code", "project_code", f"本区没有编号为 {row.project_code} 的项目",
                          f"The zone has no project {row.project_code}")
        check_receipt(project.signed_on, row.received_on, row.amount, local_date(now))
        if session.scalar(select(ProjectFund.id).where(ProjectFund.project_id == project.id,
                                                       ProjectFund.received_on == row.received_on,
                                                       ProjectFund.amount == row.amount)):
            return False
        session.add(ProjectFund(project_id=project.id, received_on=row.received_on, amount=row.amount,
                                source=row.source, recorded_at=now))
        events.append(audit.event(zone_id, None, now, "project.funds_imported", f"project:{row.project_code}",
                                  source=source, received_on=row.received_on.isoformat(), amount=str(row.amount)))
        return True

    return _store(db, zone_id, checked, store, on_progress)


# --- key enterprises and their services -----------------------------------------------------------

def load_key_enterprises(db: Database, zone_id: str, checked: Iterable[KeyEnterpriseRow | BadRow], now: datetime, *,
                         source: str = "import", on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    def store(session: Session, row: KeyEnterpriseRow, events: list[AuditEvent]) -> bool:
        key_enterprises.registered_enterprise(session, zone_id, row.uscc)
        if session.scalar(select(KeyEnterprise.id).where(KeyEnterprise.uscc == row.uscc)):
            return False
        user = session.scalar(select(User).where(User.username == row.specialist))
        if user is None:
            user = add_account_without_password(session, row.specialist, key_enterprises.SPECIALIST, zone_id, now)
        else:
            key_enterprises.specialist_in_zone(session, row.specialist, zone_id)
        key_enterprises.new_key_enterprise(session, zone_id, row.uscc, user, row.certificate, now)
        events.append(audit.event(zone_id, None, now, "key_enterprise.imported", f"enterprise:{row.uscc}",
                                  source=source, specialist=row.specialist,
                                  certificate=row.certificate.number if row.certificate else None))
        return True

    return _store(db, zone_id, checked, store, on_progress)


def load_services(db: Database, zone_id: str, checked: Iterable[ServiceRow | BadRow], now: datetime, *,
                  source: str = "import", on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    def store(session: Session, row: ServiceRow, events: list[AuditEvent]) -> bool:
        key = session.scalar(select(KeyEnterprise).where(KeyEnterprise.uscc == row.uscc,
                                                         KeyEnterprise.zone_id == zone_id))
        if key is None:
            raise _refuse("import.not_key_enterprise", "uscc", f"{row.uscc} 不是本区的重点企业",
                          f"{row.uscc} is not a key enterprise of the zone")
        if session.scalar(select(EnterpriseService.id).where(
                EnterpriseService.key_enterprise_id == key.id, EnterpriseService.served_on == row.served_on,
                EnterpriseService.kind == row.kind, EnterpriseService.request == row.request)):
            return False
        session.add(EnterpriseService(key_enterprise_id=key.id, served_on=row.served_on, kind=row.kind,
                                      request=row.request, action=row.action, resolved_on=row.resolved_on,
                                      actor_id=key.specialist_id, recorded_at=now))
        events.append(audit.event(zone_id, None, now, "service.imported", f"enterprise:{row.uscc}", source=source,
                                  kind=row.kind, served_on=row.served_on.isoformat()))
        return True

    return _store(db, zone_id, checked, store, on_progress)


# --- files ----------------------------------------------------------------------------------------

IMPORTS: dict[str, tuple[Sequence[str], Sequence[str], Check[object], Callable[..., ImportSummary]]] = {
    "projects": (rows.PROJECT_HEADER, (), rows.project_row, load_projects),
    "project-funds": (rows.FUND_HEADER, rows.FUND_OPTIONAL, rows.fund_row, load_funds),
    "key-enterprises": (rows.KEY_ENTERPRISE_HEADER, (), rows.key_enterprise_row, load_key_enterprises),
    "services": (rows.SERVICE_HEADER, (), rows.service_row, load_services),
}


def import_file(db: Database, kind: str, zone_id: str, path: Path, now: datetime, today: date, *,
                on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Check and store one file of ``kind`` (a key of ``IMPORTS``) into a zone."""
    header, optional, check, load = IMPORTS[kind]
    require_zone(db, zone_id)
    return load(db, zone_id, read_rows(path, header, check, today, optional), now, source=path.name,
                on_progress=on_progress)

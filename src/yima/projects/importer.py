"""``yima import projects | project-funds | key-enterprises | services`` and the web import: a
zone's existing records from CSV files as offices write them.

The file is decoded as UTF-8 (with or without a byte-order mark) or GBK, and its dates and numbers
read as Chinese Excel writes them (``yima.csvtext``). Each row is checked by itself (``rows``),
then against the records (a project code already in the zone, an enterprise not in the zone's
register, …) as it is stored; a row breaking a rule is refused with its line number, the rule id
and the reason in Chinese and English. The whole file runs in **one transaction**: a file that
cannot be read (a broken byte, a missing column) stops the import and nothing is written; a
preview (``write=False``) runs the very same steps and rolls them back, so what it shows is
exactly what the import then does.

A row whose record is already there counts as existing (the import is idempotent on the code, the
receipt's project, day and amount, the enterprise's credit code, the service's day, kind and
request). When it differs, an import with a ``Correction`` (``--update`` and a reason) corrects the
record instead: the old and new values and the reason go to the audit log, as a correction on
the page does; without one the row is reported as differing and left alone. An unknown
specialist becomes a ``service_specialist`` account without a password. No value may hold a
control or invisible character (``text.hidden_character``, the one rule of ``yima.textcheck``).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from yima.accounts.service import add_account_without_password
from yima.accounts.tables import User
from yima.actors import Actor
from yima.audit import service as audit
from yima.audit.rules import AuditEvent
from yima.clock import local_date
from yima.csvtext import decode_csv
from yima.db import Database
from yima.errors import DomainError, Finding
from yima.projects import key_enterprises, rows
from yima.projects.rows import FundRow, KeyEnterpriseRow, ProjectRow, ServiceRow
from yima.projects.rules import check_receipt, check_stage_dates
from yima.projects.service import add_stage, correct_fields, dates_of, new_project
from yima.projects.tables import EnterpriseService, KeyEnterprise, Project, ProjectFund
from yima.stats.importer import MAX_REPORTED_BAD_ROWS, ImportSummary, require_zone
from yima.stats.rows import BadRow, check_header, wrong_width
from yima.textcheck import hidden_character

PROGRESS_ROWS = 500
#: What one web upload may hold.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_ROWS = 20_000
T = TypeVar("T")
Check = Callable[[int, Sequence[str], date], T | BadRow]

NEW, UPDATED, EXISTING, DIFFERS, REFUSED = "new", "updated", "existing", "differs", "refused"


@dataclass(frozen=True)
class Correction:
    """A re-import corrects the records its rows differ from (``--update``): who, and why."""

    actor: Actor | None
    reason: str


@dataclass
class RowOutcome:
    """What the import does (or did) with one row: ``new``, ``updated``, ``existing`` (the same
    record is there), ``differs`` (it is there, different, and no correction was asked) or
    ``refused`` (with the rule broken)."""

    line: int
    status: str
    key: str = ""
    finding: Finding | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)


@dataclass
class ImportReport(ImportSummary):
    """An import's summary (``loaded`` new rows, ``existing`` unchanged or differing, ``bad``
    refused) with the corrected rows and every row's outcome."""

    kind: str = ""
    encoding: str = ""
    updated: int = 0
    differs: int = 0
    written: bool = False
    outcomes: list[RowOutcome] = field(default_factory=list)

    def add(self, outcome: RowOutcome) -> None:
        self.outcomes.append(outcome)
        if outcome.status == NEW:
            self.loaded += 1
        elif outcome.status == UPDATED:
            self.updated += 1
        elif outcome.status in (EXISTING, DIFFERS):
            self.existing += 1
            self.differs += outcome.status == DIFFERS
        else:
            self.bad += 1
            if len(self.bad_rows) < MAX_REPORTED_BAD_ROWS and outcome.finding is not None:
                self.bad_rows.append(BadRow(outcome.line, outcome.finding))


@dataclass(frozen=True)
class RefusedRow(BadRow):
    """A row refused by itself, with the record it names (its first value) for the report."""

    key: str = ""


def _key_of(row: Any) -> str:
    return str(getattr(row, "code", None) or getattr(row, "project_code", None) or getattr(row, "uscc", ""))


def read_text(path: Path) -> tuple[str, str]:
    """A file's text and encoding (``csvtext.decode_csv``)."""
    if not path.is_file():
        raise DomainError("import.file", "file", f"找不到文件：{path}", f"No such file: {path}")
    return decode_csv(path.read_bytes())


def check_rows(text: str, header: Sequence[str], check: Check[T], today: date,
               optional: Sequence[str] = (), max_rows: int | None = None) -> Iterator[T | BadRow]:
    """The file's records, each checked with the values of ``header`` then ``optional`` (empty when
    the file has no such column); blank lines are skipped. A missing column, a broken quote or more
    than ``max_rows`` records stop with a DomainError naming the line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        found = next(reader, None)
        positions = check_header(found, header)
        names = [name.strip() for name in found or ()]
        extra = [names.index(name) if name in names else None for name in optional]
        width = len(found or ())
        records = 0
        for record in reader:
            if len(record) != width:
                if any(value.strip() for value in record):
                    yield wrong_width(reader.line_num, len(record), width)
                continue
            records += 1
            if max_rows is not None and records > max_rows:
                raise DomainError("import.too_many_rows", "file", f"一次导入最多{max_rows}行，请分成几个文件",
                                  f"One import holds at most {max_rows} rows: split the file")
            values = [record[i] for i in positions] + [record[i] if i is not None else "" for i in extra]
            hidden = next((f for f in (hidden_character(v, name, multiline=True)
                                       for name, v in zip([*header, *optional], values, strict=True)) if f), None)
            checked = BadRow(reader.line_num, hidden) if hidden else check(reader.line_num, values, today)
            key = values[0].strip()[:64] if not hidden else ""
            yield RefusedRow(checked.line, checked.finding, key) if isinstance(checked, BadRow) else checked
    except csv.Error as err:
        line = reader.line_num
        raise DomainError("import.file_format", "file", f"第{line}行无法读取：CSV 格式有误（{err}）",
                          f"Line {line} cannot be read: the CSV is malformed ({err})") from None


def read_rows(path: Path, header: Sequence[str], check: Check[T], today: date,
              optional: Sequence[str] = ()) -> Iterator[T | BadRow]:
    """``check_rows`` of a file on disk."""
    return check_rows(read_text(path)[0], header, check, today, optional)


Store = Callable[[Session, T, list[AuditEvent], Correction | None], tuple[str, str, dict[str, list[Any]]]]


class _Preview(Exception):
    """Raised at the end of a preview: its transaction rolls back."""


def _run(db: Database, zone_id: str, checked: Iterable[T | BadRow], store: Store[T], *, kind: str = "",
         correction: Correction | None = None, write: bool = True,
         on_progress: Callable[[int], None] | None = None) -> ImportReport:
    """Every row in one transaction; ``store`` answers (status, record key, changes) for a row and
    raises DomainError for one the records refuse (reported, its savepoint rolled back)."""
    require_zone(db, zone_id)
    report = ImportReport(kind=kind)
    started = time.perf_counter()
    try:
        with db.write() as session:
            events: list[AuditEvent] = []
            for handled, row in enumerate(checked, 1):
                if isinstance(row, BadRow):
                    report.add(RowOutcome(row.line, REFUSED, getattr(row, "key", ""), finding=row.finding))
                else:
                    try:
                        with session.begin_nested():
                            status, key, changes = store(session, row, events, correction)
                    except DomainError as err:
                        report.add(RowOutcome(getattr(row, "line", 0), REFUSED, _key_of(row), finding=err.finding))
                    else:
                        report.add(RowOutcome(getattr(row, "line", 0), status, key, changes=changes))
                if on_progress and handled % PROGRESS_ROWS == 0:
                    on_progress(handled)
            if events:
                audit.record(session, events)
            if not write:
                raise _Preview
            report.written = True
    except _Preview:
        pass
    report.seconds = time.perf_counter() - started
    return report


def _refuse(rule: str, field: str, zh: str, en: str) -> DomainError:
    return DomainError(rule, field, zh, en)


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal | date) else value


def _changed(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [_text(current[name]), _text(value)] for name, value in wanted.items() if current[name] != value}


# --- projects and their funds ---------------------------------------------------------------------

Outcome = tuple[str, str, dict[str, list[Any]]]
Loader = Callable[..., ImportReport]


def _who(correction: Correction | None) -> Actor | None:
    return correction.actor if correction else None


def load_projects(db: Database, zone_id: str, checked: Iterable[ProjectRow | BadRow], now: datetime, *,
                  source: str = "import", correction: Correction | None = None, write: bool = True,
                  on_progress: Callable[[int], None] | None = None) -> ImportReport:
    note = f"导入 / imported: {source}"
    today = local_date(now)

    def store(session: Session, row: ProjectRow, events: list[AuditEvent], fix: Correction | None) -> Outcome:
        project = session.scalar(select(Project).options(selectinload(Project.stages))
                                 .where(Project.zone_id == zone_id, Project.code == row.code))
        if project is None:
            project = new_project(session, zone_id, row.code, row.name, row.investor, list(row.tags),
                                  row.industry_code, row.amount, now)
            for stage, day in row.stage_dates().items():
                if day is not None:
                    add_stage(project, stage, day, note, None, now)
            events.append(audit.event(zone_id, None, now, "project.imported", f"project:{row.code}", source=source,
                                      amount=str(row.amount), line=row.line))
            return NEW, row.code, {}
        fields = {"name": row.name, "investor": row.investor, "investor_tags": list(row.tags),
                  "industry_code": row.industry_code, "amount": row.amount}
        current = {name: list(project.investor_tags) if name == "investor_tags" else getattr(project, name)
                   for name in fields}
        days = {stage: day for stage, day in row.stage_dates().items() if day is not None}  # empty: not known
        changes = _changed(current, fields) | {f"{stage}_on": [_text(was), _text(days[stage])]
                                               for stage, was in dates_of(project).items()
                                               if stage in days and was != days[stage]}
        if not changes or fix is None:
            return (DIFFERS if changes else EXISTING), row.code, changes
        check_stage_dates({**dates_of(project), **days}, today)
        correct_fields(session, project, {name: fields[name] for name in fields if name in changes})
        for stage, day in days.items():
            if dates_of(project)[stage] != day:
                add_stage(project, stage, day, f"更正 / corrected: {fix.reason}", fix.actor, now)
        project.updated_at = now
        events.append(audit.event(zone_id, fix.actor, now, "project.corrected", f"project:{row.code}",
                                  changes=changes, reason=fix.reason, source=f"import: {source}", line=row.line))
        return UPDATED, row.code, changes

    return _run(db, zone_id, checked, store, kind="projects", correction=correction, write=write,
                on_progress=on_progress)


def load_funds(db: Database, zone_id: str, checked: Iterable[FundRow | BadRow], now: datetime, *,
               source: str = "import", correction: Correction | None = None, write: bool = True,
               on_progress: Callable[[int], None] | None = None) -> ImportReport:
    """A receipt is identified by its project, day and amount: a corrected receipt is another one
    (the wrong one is reversed on the project's page), so ``correction`` changes nothing here."""
    def store(session: Session, row: FundRow, events: list[AuditEvent], fix: Correction | None) -> Outcome:
        key = f"{row.project_code} {row.received_on} {row.amount}"
        project = session.scalar(select(Project).where(Project.zone_id == zone_id, Project.code == row.project_code))
        if project is None:
            raise _refuse("import.project_code", "project_code", f"本区没有编号为 {row.project_code} 的项目",
                          f"The zone has no project {row.project_code}")
        check_receipt(project.signed_on, row.received_on, row.amount, local_date(now))
        if session.scalar(select(ProjectFund.id).where(ProjectFund.project_id == project.id,
                                                       ProjectFund.received_on == row.received_on,
                                                       ProjectFund.amount == row.amount)):
            return EXISTING, key, {}
        session.add(ProjectFund(project_id=project.id, received_on=row.received_on, amount=row.amount,
                                source=row.source, actor_id=fix.actor.id if fix and fix.actor else None,
                                recorded_at=now))
        events.append(audit.event(zone_id, _who(fix), now, "project.funds_imported", f"project:{row.project_code}",
                                  source=source, received_on=row.received_on.isoformat(), amount=str(row.amount)))
        return NEW, key, {}

    return _run(db, zone_id, checked, store, kind="project-funds", correction=correction, write=write,
                on_progress=on_progress)


# --- key enterprises and their services -----------------------------------------------------------

def _specialist(session: Session, username: str, zone_id: str, now: datetime, fix: Correction | None) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        return add_account_without_password(session, username, key_enterprises.SPECIALIST, zone_id, now, _who(fix))
    return key_enterprises.specialist_in_zone(session, username, zone_id)


def load_key_enterprises(db: Database, zone_id: str, checked: Iterable[KeyEnterpriseRow | BadRow], now: datetime, *,
                         source: str = "import", correction: Correction | None = None, write: bool = True,
                         on_progress: Callable[[int], None] | None = None) -> ImportReport:
    def store(session: Session, row: KeyEnterpriseRow, events: list[AuditEvent], fix: Correction | None) -> Outcome:
        key_enterprises.registered_enterprise(session, zone_id, row.uscc)
        key = session.scalar(select(KeyEnterprise).options(selectinload(KeyEnterprise.certificates))
                             .where(KeyEnterprise.uscc == row.uscc))
        if key is None:
            user = _specialist(session, row.specialist, zone_id, now, fix)
            key_enterprises.new_key_enterprise(session, zone_id, row.uscc, user, row.certificate, now)
            events.append(audit.event(zone_id, _who(fix), now, "key_enterprise.imported", f"enterprise:{row.uscc}",
                                      source=source, specialist=row.specialist,
                                      certificate=row.certificate.number if row.certificate else None))
            return NEW, row.uscc, {}
        specialist = session.scalar(select(User.username).where(User.id == key.specialist_id)) \
            if key.specialist_id else None
        held = key_enterprises.certificate_of(key)
        changes: dict[str, list[Any]] = {}
        if specialist != row.specialist:
            changes["specialist"] = [specialist, row.specialist]
        if row.certificate is not None and row.certificate != held:  # an empty certificate: not known
            changes["certificate"] = [_certificate_text(held), _certificate_text(row.certificate)]
        if not changes or fix is None:
            return (DIFFERS if changes else EXISTING), row.uscc, changes
        if "specialist" in changes:
            key.specialist_id = _specialist(session, row.specialist, zone_id, now, fix).id
        if "certificate" in changes:
            key_enterprises.set_certificate(key, row.certificate, now)
        key.updated_at = now
        events.append(audit.event(zone_id, fix.actor, now, "key_enterprise.changed", f"enterprise:{row.uscc}",
                                  changes=changes, reason=fix.reason, source=f"import: {source}", line=row.line))
        return UPDATED, row.uscc, changes

    return _run(db, zone_id, checked, store, kind="key-enterprises", correction=correction, write=write,
                on_progress=on_progress)


def _certificate_text(certificate: Any) -> str | None:
    if certificate is None:
        return None
    return f"{certificate.number} {certificate.issued_on}–{certificate.expires_on}"


def load_services(db: Database, zone_id: str, checked: Iterable[ServiceRow | BadRow], now: datetime, *,
                  source: str = "import", correction: Correction | None = None, write: bool = True,
                  on_progress: Callable[[int], None] | None = None) -> ImportReport:
    """A service is identified by its enterprise, day, kind and request; a correction changes what
    was done and the day it was resolved."""
    def store(session: Session, row: ServiceRow, events: list[AuditEvent], fix: Correction | None) -> Outcome:
        key = session.scalar(select(KeyEnterprise).where(KeyEnterprise.uscc == row.uscc,
                                                         KeyEnterprise.zone_id == zone_id))
        if key is None:
            raise _refuse("import.not_key_enterprise", "uscc", f"{row.uscc} 不是本区的重点企业",
                          f"{row.uscc} is not a key enterprise of the zone")
        label = f"{row.uscc} {row.served_on} {row.kind}"
        entry = session.scalar(select(EnterpriseService).where(
            EnterpriseService.key_enterprise_id == key.id, EnterpriseService.served_on == row.served_on,
            EnterpriseService.kind == row.kind, EnterpriseService.request == row.request))
        if entry is None:
            session.add(EnterpriseService(key_enterprise_id=key.id, served_on=row.served_on, kind=row.kind,
                                          request=row.request, action=row.action, resolved_on=row.resolved_on,
                                          actor_id=key.specialist_id, recorded_at=now))
            events.append(audit.event(zone_id, _who(fix), now, "service.imported", f"enterprise:{row.uscc}",
                                      source=source, kind=row.kind, served_on=row.served_on.isoformat()))
            return NEW, label, {}
        changes = _changed({"action": entry.action, "resolved_on": entry.resolved_on},
                           {"action": row.action, "resolved_on": row.resolved_on})
        if not changes or fix is None:
            return (DIFFERS if changes else EXISTING), label, changes
        entry.action, entry.resolved_on = row.action, row.resolved_on
        events.append(audit.event(zone_id, fix.actor, now, "service.corrected", f"enterprise:{row.uscc}",
                                  service=entry.id, changes=changes, reason=fix.reason, source=f"import: {source}",
                                  line=row.line))
        return UPDATED, label, changes

    return _run(db, zone_id, checked, store, kind="services", correction=correction, write=write,
                on_progress=on_progress)


# --- files ----------------------------------------------------------------------------------------

IMPORTS: dict[str, tuple[Sequence[str], Sequence[str], Check[Any], Loader]] = {
    "projects": (rows.PROJECT_HEADER, (), rows.project_row, load_projects),
    "project-funds": (rows.FUND_HEADER, rows.FUND_OPTIONAL, rows.fund_row, load_funds),
    "key-enterprises": (rows.KEY_ENTERPRISE_HEADER, (), rows.key_enterprise_row, load_key_enterprises),
    "services": (rows.SERVICE_HEADER, (), rows.service_row, load_services),
}


def import_text(db: Database, kind: str, zone_id: str, text: str, now: datetime, today: date, *, source: str,
                correction: Correction | None = None, write: bool = True, max_rows: int | None = None,
                on_progress: Callable[[int], None] | None = None) -> ImportReport:
    """Check, and with ``write`` store, the decoded text of a file of ``kind`` (a key of ``IMPORTS``)."""
    header, optional, check, load = IMPORTS[kind]
    require_zone(db, zone_id)
    return load(db, zone_id, check_rows(text, header, check, today, optional, max_rows), now, source=source,
                correction=correction, write=write, on_progress=on_progress)


def import_content(db: Database, kind: str, zone_id: str, filename: str, content: bytes, now: datetime, *,
                   correction: Correction | None = None, write: bool = False) -> ImportReport:
    """An uploaded file (at most ``MAX_UPLOAD_BYTES`` and ``MAX_UPLOAD_ROWS`` rows): by default a
    preview of what the import would do, nothing written."""
    if not content:
        raise DomainError("upload.empty", "file", "上传的文件为空", "The uploaded file is empty")
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError("upload.too_large", "file", f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB 上限",
                          f"The file exceeds the {MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit")
    text, encoding = decode_csv(content)
    report = import_text(db, kind, zone_id, text, now, local_date(now), source=filename, correction=correction,
                         write=write, max_rows=MAX_UPLOAD_ROWS)
    report.encoding = encoding
    return report


def import_file(db: Database, kind: str, zone_id: str, path: Path, now: datetime, today: date, *,
                correction: Correction | None = None, on_progress: Callable[[int], None] | None = None) -> ImportReport:
    """Check and store one file of ``kind`` (a key of ``IMPORTS``) into a zone, in one transaction."""
    require_zone(db, zone_id)
    text, encoding = read_text(path)
    report = import_text(db, kind, zone_id, text, now, today, source=path.name, correction=correction,
                         on_progress=on_progress)
    report.encoding = encoding
    return report

"""The four import files of the investment office, and the checks one row must pass (pure).

Each file is CSV (UTF-8 or GBK, ``yima.csvtext``) with the header given here (columns in any
order, other columns ignored; a ``*_OPTIONAL`` column may be left out); dates are written
YYYY-MM-DD or as Excel writes them (``2026/1/5``), amounts with or without thousands separators
(``1,000,000``). A date that does not exist (``2026-02-30``) is ``import.no_such_date``. The
industry code is checked by the standard's rule (``industry_code.unknown``), as on the page and
the API.
A row breaking a rule becomes a ``yima.stats.rows.BadRow`` naming its line, field and reason in
Chinese and English, as in the register import. What needs the database (a project code already
taken, an enterprise not in the register) is checked when the row is stored (``importer``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from yima.csvtext import ValueProblem, parse_day, parse_number
from yima.errors import DomainError
from yima.projects.rules import (
    Certificate,
    Stage,
    check_amount,
    check_certificate,
    check_service,
    check_stage_dates,
    check_tags,
)
from yima.registration.codes import is_valid_uscc
from yima.standard.industry import normalise
from yima.stats.rows import BadRow, RowError

PROJECT_HEADER: tuple[str, ...] = ("code", "name", "investor", "investor_tags", "industry_code", "amount",
                                   "signed_on", "landed_on", "started_on", "completed_on")
FUND_HEADER: tuple[str, ...] = ("project_code", "received_on", "amount")
FUND_OPTIONAL: tuple[str, ...] = ("source",)  # where the money came from (资金来源)
KEY_ENTERPRISE_HEADER: tuple[str, ...] = ("uscc", "specialist", "high_tech_cert", "cert_issued_on", "cert_expires_on")
SERVICE_HEADER: tuple[str, ...] = ("uscc", "served_on", "kind", "request", "action", "resolved_on")


@dataclass(frozen=True)
class ProjectRow:
    line: int
    code: str
    name: str
    investor: str
    tags: tuple[str, ...]
    industry_code: str
    amount: Decimal
    signed_on: date | None
    landed_on: date | None
    started_on: date | None
    completed_on: date | None

    def stage_dates(self) -> dict[str, date | None]:
        return {Stage.SIGNED: self.signed_on, Stage.LANDED: self.landed_on, Stage.STARTED: self.started_on,
                Stage.COMPLETED: self.completed_on}


@dataclass(frozen=True)
class FundRow:
    line: int
    project_code: str
    received_on: date
    amount: Decimal
    source: str = ""


@dataclass(frozen=True)
class KeyEnterpriseRow:
    line: int
    uscc: str
    specialist: str
    certificate: Certificate | None


@dataclass(frozen=True)
class ServiceRow:
    line: int
    uscc: str
    served_on: date
    kind: str
    request: str
    action: str
    resolved_on: date | None


def _text(value: str, field_name: str, limit: int, *, required: bool = True) -> str:
    if (required and not value) or len(value) > limit:
        if not required:
            raise RowError(f"import.{field_name}", field_name, f"{field_name} 不超过{limit}个字符",
                           f"'{field_name}' is at most {limit} characters")
        raise RowError(f"import.{field_name}", field_name, f"{field_name} 不能为空且不超过{limit}个字符",
                       f"'{field_name}' is required, at most {limit} characters")
    return value


def _required_day(value: str, field_name: str) -> date:
    try:
        return parse_day(value)
    except ValueProblem as problem:
        rule = "import.no_such_date" if problem.kind == "no_such_date" else f"import.{field_name}"
        raise RowError(rule, field_name, problem.zh, problem.en) from None


def _day(value: str, field_name: str) -> date | None:
    return _required_day(value, field_name) if value else None


def _amount(value: str, field_name: str) -> Decimal:
    try:
        return check_amount(parse_number(value), field_name)
    except ValueProblem:
        raise RowError(f"import.{field_name}", field_name, f"金额“{value[:40]}”须为数字（元）",
                       f"The amount '{value[:40]}' must be a number of yuan") from None


def _uscc(value: str) -> str:
    if not is_valid_uscc(value):
        raise RowError("import.uscc", "uscc", f"统一社会信用代码“{value}”不符合 GB 32100-2015",
                       f"'{value}' is not a valid unified social credit code (GB 32100-2015)")
    return value


def _bad(line: int, err: DomainError | RowError) -> BadRow:
    return BadRow(line, err.finding)


def project_row(line: int, values: Sequence[str], today: date) -> ProjectRow | BadRow:
    code, name, investor, tags, industry, amount, signed, landed, started, completed = [v.strip() for v in values]
    try:
        row = ProjectRow(
            line, _text(code, "code", 32), _text(name, "name", 200), _text(investor, "investor", 200),
            tuple(check_tags(t.strip() for t in tags.split(";") if t.strip())), normalise(industry),
            _amount(amount, "amount"), _day(signed, "signed_on"), _day(landed, "landed_on"),
            _day(started, "started_on"), _day(completed, "completed_on"))
        check_stage_dates(row.stage_dates(), today)
    except (DomainError, RowError) as err:
        return _bad(line, err)
    return row


def fund_row(line: int, values: Sequence[str], today: date) -> FundRow | BadRow:
    code, received, amount, source = [v.strip() for v in values]
    try:
        # the receipt's dates are checked where the project is known, by ``rules.check_receipt``
        return FundRow(line, _text(code, "project_code", 32), _required_day(received, "received_on"),
                       _amount(amount, "amount"), _text(source, "source", 200, required=False))
    except (DomainError, RowError) as err:
        return _bad(line, err)


def key_enterprise_row(line: int, values: Sequence[str], today: date) -> KeyEnterpriseRow | BadRow:
    uscc, specialist, number, issued, expires = [v.strip() for v in values]
    try:
        return KeyEnterpriseRow(line, _uscc(uscc), _text(specialist, "specialist", 64),
                                check_certificate(number, _day(issued, "cert_issued_on"),
                                                  _day(expires, "cert_expires_on")))
    except (DomainError, RowError) as err:
        return _bad(line, err)


def service_row(line: int, values: Sequence[str], today: date) -> ServiceRow | BadRow:
    uscc, served, kind, request, action, resolved = [v.strip() for v in values]
    try:
        served_on = _day(served, "served_on")
        if served_on is None:
            raise RowError("import.served_on", "served_on", "服务日期不能为空", "The service date is required")
        row = ServiceRow(line, _uscc(uscc), served_on, kind, _text(request, "request", 2000, required=False),
                         _text(action, "action", 2000, required=False), _day(resolved, "resolved_on"))
        check_service(row.kind, row.served_on, row.resolved_on, row.request, today)
    except (DomainError, RowError) as err:
        return _bad(line, err)
    return row

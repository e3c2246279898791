"""Import of an existing register of market entities (历史登记数据) from CSV.

The file is UTF-8 CSV with the header ``uscc,name,entity_type,industry_code,registered_capital,
established_on,cancelled_on,address``. Each row is checked by the pure functions below: the
credit code's GB 32100-2015 check character and its entity category (position 2: 1 enterprise,
2 individual business, 3 farmer cooperative, under registration authority 9), an industry code of
GB/T 4754-2017 that falls in one of the three industries, a known entity type, a registered
capital in yuan (decimal, >= 0, at most two places), ISO dates in order and not in the future.
A bad row is reported with its line number and reason, in Chinese and English, and skipped.

Good rows are inserted in batches with SQLAlchemy Core (``INSERT ... ON CONFLICT (uscc) DO
NOTHING``), so importing the same file again changes nothing: a credit code already in the
register, or earlier in the same batch, is counted as existing. Each imported entity gets its
domicile in ``enterprise_addresses`` (proof: a lease, the pre-commitment norm).
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from yima.db import Database
from yima.errors import DomainError, Finding, NotFound
from yima.registration.codes import is_valid_uscc
from yima.registration.tables import Enterprise, EnterpriseAddress
from yima.standard.industry import normalise, three_industry
from yima.stats.rules import MARKET_ENTITY_TYPES
from yima.zones.tables import Zone

HEADER: tuple[str, ...] = ("uscc", "name", "entity_type", "industry_code", "registered_capital",
                           "established_on", "cancelled_on", "address")
BATCH_SIZE = 5_000
MAX_REPORTED_BAD_ROWS = 1_000
_MAX_CAPITAL = Decimal("1e18")
#: GB 32100 position 2 under registration authority 9 (market regulation) per entity category.
_CATEGORY_CHAR = {"individual_business": "2", "farmer_cooperative": "3"}
_ENTERPRISE_CHAR = "1"


@dataclass(frozen=True)
class EntityRow:
    """One valid row of a register, ready to insert."""

    uscc: str
    name: str
    entity_type: str
    industry_code: str
    registered_capital: Decimal
    established_on: date
    cancelled_on: date | None
    address: str
    address_commitment: bool = False


@dataclass(frozen=True)
class BadRow:
    line: int
    finding: Finding

    @property
    def message(self) -> str:
        return f"第{self.line}行 / line {self.line}: {self.finding.zh} / {self.finding.en}"


@dataclass
class ImportSummary:
    loaded: int = 0
    existing: int = 0
    bad: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.loaded + self.existing + self.bad

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


class RowError(Exception):
    def __init__(self, rule: str, field: str, zh: str, en: str) -> None:
        super().__init__(f"{rule} [{field}]")
        self.finding = Finding(rule, field, zh, en)


# --- row validation (pure) ----------------------------------------------------------------------

def check_entity_type(value: str) -> str:
    if value not in MARKET_ENTITY_TYPES:
        raise RowError("import.entity_type", "entity_type", f"未知的市场主体类型“{value}”",
                       f"Unknown entity type '{value}' (one of: {', '.join(MARKET_ENTITY_TYPES)})")
    return value


def check_uscc(value: str, entity_type: str) -> str:
    if not is_valid_uscc(value):
        raise RowError("import.uscc", "uscc", f"统一社会信用代码“{value}”不符合 GB 32100-2015（校验码错误或格式不对）",
                       f"'{value}' is not a valid unified social credit code (GB 32100-2015 check character "
                       "or format)")
    if value[0] == "9":
        wanted = _CATEGORY_CHAR.get(entity_type, _ENTERPRISE_CHAR)
        if value[1] != wanted:
            raise RowError("import.uscc_category", "uscc",
                           f"统一社会信用代码第2位（机构类别）为{value[1]}，与主体类型“{entity_type}”应有的{wanted}不符",
                           f"Position 2 of the credit code (entity category) is {value[1]}; "
                           f"'{entity_type}' needs {wanted}")
    return value


@lru_cache(maxsize=8192)
def _industry(value: str) -> str | Finding:
    try:
        canonical = normalise(value)
        three_industry(canonical)
    except DomainError as err:
        return err.finding
    return canonical


def check_industry_code(value: str) -> str:
    result = _industry(value)
    if isinstance(result, Finding):
        raise RowError("import.industry_code", "industry_code", result.zh, result.en)
    return result


def check_capital(value: str) -> Decimal:
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= _MAX_CAPITAL \
            or amount != amount.quantize(Decimal("0.01")):
        raise RowError("import.registered_capital", "registered_capital",
                       f"注册资本“{value}”须为不小于0、最多两位小数的金额（元）",
                       f"Registered capital '{value}' must be an amount in yuan, >= 0, with at most two decimals")
    return amount


def check_date(value: str, field_name: str, today: date) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise RowError(f"import.{field_name}", field_name, f"日期“{value}”须为 YYYY-MM-DD 格式",
                       f"Date '{value}' must be YYYY-MM-DD") from None
    if len(value) != 10:
        raise RowError(f"import.{field_name}", field_name, f"日期“{value}”须为 YYYY-MM-DD 格式",
                       f"Date '{value}' must be YYYY-MM-DD")
    if day > today:
        raise RowError(f"import.{field_name}_future", field_name, f"日期{value}晚于今天（{today}）",
                       f"Date {value} is after today ({today})")
    return day


def parse_row(line: int, record: Mapping[str, str | None], today: date) -> EntityRow | BadRow:
    """Validate one CSV record; the first broken rule makes it a ``BadRow``."""
    def text(key: str) -> str:
        return (record.get(key) or "").strip()

    try:
        name = text("name")
        if not name or len(name) > 200:
            raise RowError("import.name", "name", "名称不能为空且不超过200字", "The name is required, at most 200 "
                           "characters")
        entity_type = check_entity_type(text("entity_type"))
        uscc = check_uscc(text("uscc"), entity_type)
        industry = check_industry_code(text("industry_code"))
        capital = check_capital(text("registered_capital"))
        established = check_date(text("established_on"), "established_on", today)
        cancelled_text = text("cancelled_on")
        cancelled = check_date(cancelled_text, "cancelled_on", today) if cancelled_text else None
        if cancelled is not None and cancelled < established:
            raise RowError("import.dates_order", "cancelled_on",
                           f"注销日期{cancelled}早于成立日期{established}",
                           f"Cancelled on {cancelled}, before it was established ({established})")
        address = text("address")
        if len(address) > 300:
            raise RowError("import.address", "address", "住所不超过300字", "The address is at most 300 characters")
    except RowError as err:
        return BadRow(line, err.finding)
    return EntityRow(uscc, name, entity_type, industry, capital, established, cancelled, address)


def check_header(header: list[str] | None) -> None:
    missing = [name for name in HEADER if name not in (header or [])]
    if missing:
        raise DomainError("import.header", "header", f"CSV 表头缺少列：{', '.join(missing)}（应为 {','.join(HEADER)}）",
                          f"The CSV header lacks: {', '.join(missing)} (expected {','.join(HEADER)})")


def read_register(path: Path, today: date) -> Iterator[EntityRow | BadRow]:
    """The records of a register file, validated, in file order."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        check_header(list(reader.fieldnames or []))
        for record in reader:
            if None in record:  # more fields than the header names
                yield BadRow(reader.line_num, Finding("import.columns", "row", "该行的列数多于表头",
                                                      "The row has more fields than the header"))
                continue
            yield parse_row(reader.line_num, record, today)


def count_records(path: Path) -> int:
    """Lines after the header: the progress bar's total (exact unless fields hold line breaks)."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


# --- loading ------------------------------------------------------------------------------------

def _insert(db: Database, table: Any) -> Any:
    return (sqlite_insert if db.is_sqlite else pg_insert)(table)


def _status(row: EntityRow) -> str:
    return "active" if row.cancelled_on is None else "cancelled"


def _store_batch(db: Database, zone_id: str, batch: list[EntityRow], source: str, now: datetime) -> tuple[int, int]:
    """Insert the rows of one batch that are not in the register yet; (loaded, existing)."""
    unique: dict[str, EntityRow] = {}
    for row in batch:
        unique.setdefault(row.uscc, row)
    enterprises = Enterprise.__table__
    with db.engine.begin() as conn:
        taken = set(conn.scalars(select(enterprises.c.uscc).where(enterprises.c.uscc.in_(list(unique)))))
        fresh = [row for uscc, row in unique.items() if uscc not in taken]
        if fresh:
            conn.execute(_insert(db, enterprises).on_conflict_do_nothing(index_elements=["uscc"]), [{
                "uscc": r.uscc, "zone_id": zone_id, "name": r.name, "entity_type": r.entity_type,
                "industry_code": r.industry_code, "registered_capital": r.registered_capital,
                "established_on": r.established_on, "cancelled_on": r.cancelled_on, "status": _status(r),
                "scope": [], "legal_representative": {}, "shareholders": [], "owner_id": None,
                "source": source, "address_commitment": r.address_commitment, "created_at": now,
                "updated_at": now} for r in fresh])
            addressed = [r for r in fresh if r.address]
            if addressed:
                conn.execute(EnterpriseAddress.__table__.insert(), [{
                    "uscc": r.uscc, "kind": "domicile", "text": r.address,
                    "proof": "commitment" if r.address_commitment else "lease", "added_at": now}
                    for r in addressed])
    return len(fresh), len(batch) - len(fresh)


def require_zone(db: Database, zone_id: str) -> None:
    with db.read() as session:
        if session.get(Zone, zone_id) is None:
            raise NotFound("zone.unknown", "zone", f"未知的开发区：{zone_id}", f"Unknown zone: {zone_id}")


def load_entities(db: Database, zone_id: str, rows: Iterable[EntityRow | BadRow], now: datetime, *,
                  source: str = "imported", batch_size: int = BATCH_SIZE,
                  on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Store the good rows in batches, count the bad ones; ``on_progress`` gets rows handled so far."""
    require_zone(db, zone_id)
    summary = ImportSummary()
    started = time.perf_counter()
    batch: list[EntityRow] = []
    handled = 0

    def flush() -> None:
        loaded, existing = _store_batch(db, zone_id, batch, source, now)
        summary.loaded += loaded
        summary.existing += existing
        batch.clear()

    for row in rows:
        handled += 1
        if isinstance(row, BadRow):
            summary.bad += 1
            if len(summary.bad_rows) < MAX_REPORTED_BAD_ROWS:
                summary.bad_rows.append(row)
        else:
            batch.append(row)
            if len(batch) >= batch_size:
                flush()
                if on_progress:
                    on_progress(handled)
    if batch:
        flush()
    if on_progress:
        on_progress(handled)
    summary.seconds = time.perf_counter() - started
    return summary


def import_register(db: Database, zone_id: str, path: Path, now: datetime, today: date, *,
                    on_progress: Callable[[int], None] | None = None) -> ImportSummary:
    """``yima import entities``: validate and load one register file into a zone."""
    if not path.is_file():
        raise DomainError("import.file", "file", f"找不到文件：{path}", f"No such file: {path}")
    return load_entities(db, zone_id, read_register(path, today), now, on_progress=on_progress)


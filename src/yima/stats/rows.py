"""One row of an imported register, and the checks it must pass (pure functions).

The import file's columns are ``HEADER``. A row is good when: its entity type is known; its credit
code is valid under GB 32100-2015 (``is_valid_uscc``: the character set, the division digits and
the check character) and, under registration authority 9 (market regulation), its category
character (position 2) matches the type: 1 enterprise, 2 individual business, 3 farmer cooperative;
its industry code is a GB/T 4754-2017 code that falls in one of the three industries (a bare
section A, B or C spans two and is refused); its registered capital is an amount in yuan, at least
0 and with at most two decimals; its dates are ISO (YYYY-MM-DD), not after today, and it was not
cancelled before it was established. The first broken rule makes it a ``BadRow`` that names the
line, the field and the reason in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from yima.errors import DomainError, Finding
from yima.registration.codes import is_valid_uscc
from yima.registration.names import character_findings
from yima.standard.industry import normalise, three_industry
from yima.standard.model import MatterStandard
from yima.stats.rules import MARKET_ENTITY_TYPES
from yima.textcheck import hidden_character

HEADER: tuple[str, ...] = ("uscc", "name", "entity_type", "industry_code", "registered_capital",
                           "established_on", "cancelled_on", "address")
_MAX_CAPITAL = Decimal("1e18")
_CENT = Decimal("0.01")
#: GB 32100 position 2 under registration authority 9 (market regulation), by entity type.
_CATEGORY_CHAR = {"individual_business": "2", "farmer_cooperative": "3"}
_ENTERPRISE_CHAR = "1"
_ENTITY_TYPES = frozenset(MARKET_ENTITY_TYPES)

#: A row as text, the way it travels between processes and into SQLite: uscc, name, entity type,
#: industry code (canonical), capital, established (ISO), cancelled (ISO or None), address, and
#: whether the address was declared by commitment.
RowText = tuple[str, str, str, str, str, str, str | None, str, bool]


@dataclass(frozen=True)
class EntityRow:
    """One valid row of a register."""

    uscc: str
    name: str
    entity_type: str
    industry_code: str
    registered_capital: Decimal
    established_on: date
    cancelled_on: date | None
    address: str
    address_commitment: bool = False

    def as_text(self) -> RowText:
        return (self.uscc, self.name, self.entity_type, self.industry_code, str(self.registered_capital),
                self.established_on.isoformat(), self.cancelled_on.isoformat() if self.cancelled_on else None,
                self.address, self.address_commitment)


@dataclass(frozen=True)
class BadRow:
    line: int
    finding: Finding

    @property
    def message(self) -> str:
        return f"第{self.line}行 / line {self.line}: [{self.finding.field}] {self.finding.zh} / {self.finding.en}"


class RowError(Exception):
    def __init__(self, rule: str, field: str, zh: str, en: str) -> None:
        super().__init__(f"{rule} [{field}]")
        self.finding = Finding(rule, field, zh, en)


def check_entity_type(value: str) -> str:
    if value not in MARKET_ENTITY_TYPES:
        raise RowError("import.entity_type", "entity_type", f"未知的市场主体类型“{value}”",
                       f"Unknown entity type '{value}' (one of: {', '.join(MARKET_ENTITY_TYPES)})")
    return value


def check_uscc(value: str, entity_type: str) -> str:
    if not is_valid_uscc(value):
        raise RowError("import.uscc", "uscc", f"统一社会信用代码“{value}”不符合 GB 32100-2015（格式或校验码错误）",
                       f"'{value}' is not a valid unified social credit code (GB 32100-2015 format or check "
                       "character)")
    if value[0] == "9":
        wanted = _CATEGORY_CHAR.get(entity_type, _ENTERPRISE_CHAR)
        if value[1] != wanted:
            raise RowError("import.uscc_category", "uscc",
                           f"统一社会信用代码第2位（机构类别）为{value[1]}，与主体类型“{entity_type}”应有的{wanted}不符",
                           f"Position 2 of the credit code (entity category) is {value[1]}; '{entity_type}' "
                           f"needs {wanted}")
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
        amount = Decimal(value)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= _MAX_CAPITAL \
            or amount != amount.quantize(_CENT):
        raise RowError("import.registered_capital", "registered_capital",
                       f"注册资本“{value}”须为不小于0、最多两位小数的金额（元）",
                       f"Registered capital '{value}' must be an amount in yuan, >= 0, with at most two decimals")
    return amount


def check_date(value: str, field_name: str, today: date) -> date:
    try:
        day = date.fromisoformat(value)
        if day.isoformat() != value:  # only YYYY-MM-DD (fromisoformat also reads 2020-W01-1 and 20200101)
            raise ValueError(value)
    except ValueError:
        raise RowError(f"import.{field_name}", field_name, f"日期“{value}”须为 YYYY-MM-DD 格式",
                       f"Date '{value}' must be YYYY-MM-DD") from None
    if day > today:
        raise RowError(f"import.{field_name}_future", field_name, f"日期{value}晚于今天（{today}）",
                       f"Date {value} is after today ({today})")
    return day


class _Remembered:
    """What the checks of one value decided, for values that repeat from row to row (industry
    codes, amounts, dates: a register of millions has a few thousand of each): the rule function
    runs once per distinct value (and day, for dates), and its finding, if any, is raised again
    as it was. Each table is emptied when it reaches ``LIMIT`` entries."""

    LIMIT = 100_000

    def __init__(self) -> None:
        self.today: date | None = None
        self.industry: dict[str, str | Finding] = {}
        self.capital: dict[str, str | Finding] = {}
        self.dates: dict[tuple[str, str], str | Finding] = {}

    def on(self, today: date) -> _Remembered:
        if today != self.today:
            self.today = today
            self.dates = {}
        return self

    @staticmethod
    def _decided(result: str | Finding) -> str:
        if isinstance(result, Finding):
            raise RowError(result.rule, result.field, result.zh, result.en)
        return result

    def industry_code(self, value: str) -> str:
        result = self.industry.get(value)
        if result is None:
            if len(self.industry) >= self.LIMIT:
                self.industry.clear()
            try:
                result = check_industry_code(value)
            except RowError as err:
                result = err.finding
            self.industry[value] = result
        return self._decided(result)

    def capital_text(self, value: str) -> str:
        """The amount in the one written form it is stored in (``1e3`` is ``1000``)."""
        result = self.capital.get(value)
        if result is None:
            if len(self.capital) >= self.LIMIT:
                self.capital.clear()
            try:
                result = format(check_capital(value), "f")
            except RowError as err:
                result = err.finding
            self.capital[value] = result
        return self._decided(result)

    def date_text(self, value: str, field_name: str, today: date) -> str:
        """The date as YYYY-MM-DD text (the ``value`` itself, once it passed)."""
        key = (value, field_name)
        result = self.dates.get(key)
        if result is None:
            if len(self.dates) >= self.LIMIT:
                self.dates.clear()
            try:
                result = check_date(value, field_name, today).isoformat()
            except RowError as err:
                result = err.finding
            self.dates[key] = result
        return self._decided(result)


_remembered = _Remembered()


class _PassedCharacters:
    """Characters already seen in a name that passed ``character_findings`` under one standard.

    Each of that function's rules looks at one character at a time (hidden, markup, Latin, not a
    standard character, no glyph), so a name passes exactly when every one of its characters would
    pass alone; a name made only of characters seen in passing names passes without the scan. A
    few thousand distinct characters make up a register's names; the set stops growing at
    ``LIMIT``."""

    LIMIT = 65_536

    def __init__(self) -> None:
        self.standard: object = None
        self.chars: set[str] = set()

    def passes(self, name: str, standard: object) -> bool:
        if standard is not self.standard:
            self.standard, self.chars = standard, set()
        return self.chars.issuperset(name)

    def remember(self, name: str) -> None:
        if len(self.chars) < self.LIMIT:
            self.chars.update(name)


_passed = _PassedCharacters()


def check_text(name: str, address: str, standard: MatterStandard) -> None:
    """The register's name by the characters of enterprise names (``registration.names``), its
    address free of control and invisible characters (``textcheck``): the same rule ids as an
    application."""
    if not _passed.passes(name, standard):
        found = character_findings(name, "name", standard)
        if found:
            raise RowError(found[0].rule, found[0].field, found[0].zh, found[0].en)
        _passed.remember(name)
    hidden = hidden_character(address, "address")
    if hidden is not None:
        raise RowError(hidden.rule, hidden.field, hidden.zh, hidden.en)


def check_values(line: int, values: Sequence[str], today: date, standard: MatterStandard) -> RowText | BadRow:
    """Check the eight values of one row, in ``HEADER`` order; a good row comes back as checked text
    (the industry code in Yima's written form), ready to store without converting it again. The
    checks of values that repeat (industry code, capital, dates) are remembered (``_Remembered``).
    A value that passes is passed here without calling its rule's function again (a value it
    already passed, a type in the list, a credit code whose check character and category are
    right); anything else goes to the rule's function, which raises its finding."""
    uscc, name, entity_type, industry, capital, established, cancelled, address = map(str.strip, values)
    remembered = _remembered.on(today)
    try:
        if not name or len(name) > 200:
            raise RowError("import.name", "name", "名称不能为空且不超过200字",
                           "The name is required, at most 200 characters")
        check_text(name, address, standard)
        if entity_type not in _ENTITY_TYPES:
            check_entity_type(entity_type)
        if not is_valid_uscc(uscc) or (uscc[0] == "9" and uscc[1] != _CATEGORY_CHAR.get(entity_type, _ENTERPRISE_CHAR)):
            check_uscc(uscc, entity_type)
        found = remembered.industry.get(industry)
        industry = found if found.__class__ is str else remembered.industry_code(industry)
        found = remembered.capital.get(capital)  # one written form for every database: "1e3" is 1000
        capital = found if found.__class__ is str else remembered.capital_text(capital)
        found = remembered.dates.get((established, "established_on"))
        established = found if found.__class__ is str else \
            remembered.date_text(established, "established_on", today)
        if cancelled:
            found = remembered.dates.get((cancelled, "cancelled_on"))
            if (found if found.__class__ is str else remembered.date_text(cancelled, "cancelled_on", today)) \
                    < established:
                raise RowError("import.dates_order", "cancelled_on", f"注销日期{cancelled}早于成立日期{established}",
                               f"Cancelled on {cancelled}, before it was established ({established})")
        if len(address) > 300:
            raise RowError("import.address", "address", "住所不超过300字", "The address is at most 300 characters")
    except RowError as err:
        return BadRow(line, err.finding)
    return uscc, name, entity_type, industry, capital, established, cancelled or None, address, False


def parse_values(line: int, values: Sequence[str], today: date, standard: MatterStandard) -> EntityRow | BadRow:
    """Check the eight values of one row, in ``HEADER`` order, into an ``EntityRow``."""
    checked = check_values(line, values, today, standard)
    if isinstance(checked, BadRow):
        return checked
    uscc, name, entity_type, industry, capital, established, cancelled, address, _ = checked
    return EntityRow(uscc, name, entity_type, industry, Decimal(capital), date.fromisoformat(established),
                     date.fromisoformat(cancelled) if cancelled else None, address)


def parse_row(line: int, record: Mapping[str, str | None], today: date,
              standard: MatterStandard) -> EntityRow | BadRow:
    """Check one record given as a mapping of the ``HEADER`` columns (missing ones are empty)."""
    return parse_values(line, [record.get(key) or "" for key in HEADER], today, standard)


def check_header(header: Sequence[str] | None, expected: Sequence[str] = HEADER) -> list[int]:
    """Where each ``expected`` column sits in the file's header; a missing column is a DomainError."""
    names = [name.strip() for name in header or []]
    missing = [name for name in expected if name not in names]
    if missing:
        raise DomainError("import.header", "header",
                          f"CSV 表头缺少列：{', '.join(missing)}（应为 {','.join(expected)}）",
                          f"The CSV header lacks: {', '.join(missing)} (expected {','.join(expected)})")
    return [names.index(name) for name in expected]


def wrong_width(line: int, width: int, expected: int) -> BadRow:
    return BadRow(line, Finding("import.columns", "row", f"该行有{width}列，表头有{expected}列",
                                f"The row has {width} fields; the header has {expected}"))

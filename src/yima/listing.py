"""Lists at scale: every list a page or a route shows is one page of at most ``PER_PAGE`` rows,
searchable by what a person types (a name, a code), and exportable in full as CSV.

A service takes a ``PageRequest`` (page number, rows a page, search text) and answers a
``PageOf`` (the rows, the number of matching rows, which page). Paging is an ``OFFSET`` over an
indexed order: a zone's 100,000 projects answer their first page in milliseconds, and no page
number beyond ``ranges.MAX_PAGE`` is accepted. A search text is matched as a substring, with
``%`` and ``_`` taken literally (``like_pattern``). An export holds every matching row up to
``MAX_EXPORT_ROWS``; more is refused with a rule naming the limit (narrow the filter), never cut
short silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from yima.errors import DomainError

T = TypeVar("T")

#: Rows of one page, by default and at most.
PER_PAGE = 100
#: The longest search text (longer is cut: nobody types a 100-character name to find it).
MAX_SEARCH = 100
#: The most rows one export holds.
MAX_EXPORT_ROWS = 100_000


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list: 1-based ``page``, ``per_page`` rows (1 to ``PER_PAGE``), and the
    search text ``q`` (empty: everything)."""

    page: int = 1
    per_page: int = PER_PAGE
    q: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "page", max(1, self.page))
        object.__setattr__(self, "per_page", min(max(1, self.per_page), PER_PAGE))
        object.__setattr__(self, "q", search_text(self.q))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class PageOf(Generic[T]):
    """One page of a list and how many rows match in all."""

    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def search_text(q: str | None) -> str:
    """What a person typed into a search box, trimmed and at most ``MAX_SEARCH`` characters."""
    return (q or "").strip()[:MAX_SEARCH]


def like_pattern(q: str) -> str:
    """A ``LIKE … ESCAPE '\\'`` pattern matching ``q`` anywhere, its ``%`` and ``_`` literal."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def check_export_size(total: int) -> None:
    """An export of ``total`` rows, or a rule saying the filter must be narrower."""
    if total > MAX_EXPORT_ROWS:
        raise DomainError("export.too_many_rows", "q",
                          f"符合条件的记录有 {total} 条，超过一次导出的上限 {MAX_EXPORT_ROWS} 条，请缩小筛选范围",
                          f"{total} records match, more than the {MAX_EXPORT_ROWS} one export holds: "
                          "narrow the filter")

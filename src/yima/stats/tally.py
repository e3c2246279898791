"""The register counts of a set of new rows, added up in Python (pure): what the counts' triggers
would add for them, by day, entity type and GB/T 4754 division.

An import adds these up where the rows are checked (``checker``, in its own process) and hands
them on with each batch as rows ready to write (``CountRow``), so that the process that stores
the rows only writes them (the database sums a day given by several batches); it adds them up
itself only for the rows of a batch it did not insert in full (codes already registered or given
twice). Capital is added up in fen (分, whole hundredths of a yuan: a checked amount has at most
two decimals), so that the sums are exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal

from yima.stats.rows import RowText

#: (day as ISO text, entity type, division: the industry code's first three characters).
DayKey = tuple[str, str, str]
#: Per day key: entities established, entities ended (the later of establishment and
#: cancellation), capital established in fen, address commitments established.
DayCounts = dict[DayKey, list[int]]
#: A day's counts as written: day, month, entity type, division, established, cancelled,
#: capital in yuan (as text, exact), address commitments.
CountRow = tuple[str, str, str, str, int, int, str, int]

_CENTS = Decimal(100)
_AMOUNTS_LIMIT = 100_000


class RegisterTally:
    def __init__(self) -> None:
        self.days: DayCounts = {}
        self._fen: dict[str, int] = {}  # capital text -> fen; amounts repeat (rounded sums)

    def __bool__(self) -> bool:
        return bool(self.days)

    def clear(self) -> None:
        self.days.clear()

    def fen(self, capital: str) -> int:
        amount = self._fen.get(capital)
        if amount is None:
            amount = int((Decimal(capital) * _CENTS).to_integral_value(ROUND_HALF_UP))
            if len(self._fen) < _AMOUNTS_LIMIT:
                self._fen[capital] = amount
        return amount

    def add(self, rows: Iterable[RowText]) -> None:
        days, fen = self.days, self._fen
        for _, _, kind, industry, capital, established, cancelled, _, commitment in rows:
            division = industry[:3]
            key = (established, kind, division)
            amount = fen.get(capital)
            if amount is None:
                amount = self.fen(capital)
            counts = days.get(key)
            if counts is None:
                days[key] = [1, 0, amount, 1 if commitment else 0]
            else:
                counts[0] += 1
                counts[2] += amount
                if commitment:
                    counts[3] += 1
            if cancelled:
                key = (cancelled if cancelled > established else established, kind, division)
                counts = days.get(key)
                if counts is None:
                    days[key] = [0, 1, 0, 0]
                else:
                    counts[1] += 1

    def rows(self) -> Iterator[CountRow]:
        for (day, kind, division), (established, cancelled, capital, commitments) in self.days.items():
            yield (day, day[:7], kind, division, established, cancelled, format(Decimal(capital).scaleb(-2), "f"),
                   commitments)


def tally(rows: Iterable[RowText]) -> list[CountRow]:
    """The register counts of ``rows``, one row per day key."""
    counted = RegisterTally()
    counted.add(rows)
    return list(counted.rows())

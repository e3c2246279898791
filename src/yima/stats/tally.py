"""The register counts of a set of new rows, added up in Python (pure): what the counts' triggers
would add for them, by day, entity type and GB/T 4754 division.

An import adds these up where the rows are checked (``checker``, in its own process) and hands
them on with each batch (``DayCounts``), so that the process that stores
the rows only writes them (the database sums a day given by several batches); it adds them up
itself only for the rows of a batch it did not insert in full (codes already registered or given
twice). Capital is added up in fen (分, whole hundredths of a yuan: a checked amount has at most
two decimals), so that the sums are exact, and travels in fen, so that the storing process adds
the batches of a transaction up with integers (``RegisterTally.merge``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from yima.stats.rows import RowText

#: Day as ISO text, entity type, division (the industry code's first three characters), joined by
#: tabs: one string (its hash kept with it, cheap to add up by) that is also the key's columns in
#: ``COPY``'s text format (checked types, divisions and dates hold no tab or backslash).
DayKey = str
#: Per day key: entities established, entities ended (the later of establishment and
#: cancellation), capital established in fen, address commitments established.
DayCounts = dict[DayKey, list[int]]

_CENTS = Decimal(100)
_AMOUNTS_LIMIT = 100_000


#: capital text -> fen, for every tally of the process: amounts repeat (rounded sums)
_FEN: dict[str, int] = {}


class RegisterTally:
    def __init__(self) -> None:
        self.days: DayCounts = {}
        self._fen = _FEN

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
            key = f"{established}\t{kind}\t{division}"
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
                key = f"{cancelled if cancelled > established else established}\t{kind}\t{division}"
                counts = days.get(key)
                if counts is None:
                    days[key] = [0, 1, 0, 0]
                else:
                    counts[1] += 1

    def merge(self, counted: DayCounts) -> None:
        """Add counts added up elsewhere (another batch's ``tally``) to these; ``counted`` is taken
        over (its lists become these counts'). Batches of a file in date order share few days:
        the keys new to these counts are taken over whole, the shared ones added up."""
        days = self.days
        for key in days.keys() & counted.keys():
            mine, theirs = days[key], counted[key]
            counted[key] = [mine[0] + theirs[0], mine[1] + theirs[1], mine[2] + theirs[2], mine[3] + theirs[3]]
        days.update(counted)


def rolled_up(counts: DayCounts, width: int) -> DayCounts:
    """Counts by day (or by month) added up by the first ``width`` characters of their key's ISO
    date (or month): 7 gives months ('YYYY-MM'), 4 years."""
    rolled: DayCounts = {}
    for key, (established, cancelled, capital, commitments) in counts.items():
        tab = key.index("\t")
        key = key[:width] + key[tab:]
        found = rolled.get(key)
        if found is None:
            rolled[key] = [established, cancelled, capital, commitments]
        else:
            found[0] += established
            found[1] += cancelled
            found[2] += capital
            found[3] += commitments
    return rolled


def yuan(fen: int) -> str:
    """An amount in fen as exact yuan text: 123456 is '1234.56'."""
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{whole}.{cents:02d}"


def tally(rows: Iterable[RowText]) -> DayCounts:
    """The register counts of ``rows`` by day key."""
    counted = RegisterTally()
    counted.add(rows)
    return counted.days

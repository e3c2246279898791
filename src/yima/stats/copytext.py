"""Checked register rows as PostgreSQL ``COPY`` text, and back (pure).

An import into PostgreSQL copies each batch of checked rows into ``enterprises`` and
``enterprise_addresses`` (``storage.PostgresWriter``). The checking process (``checker``) writes a
batch's rows straight in that text (``copy_rows``), so that the storing process neither reads the
rows in again nor writes them out once more: it sorts the entities' lines by name (``by_name``) and
hands the text to the server. Only a batch the key refuses (a code registered already, or given
twice) is read back into rows (``rows_of``), to copy its new rows alone.

The entities' columns are ``ENTITY_COLUMNS``: the name first, so that sorting the lines as bytes
sorts them by name (UTF-8 sorts as the code points do), then the values of the row, then the
import's constants, written once per import (``CopyConstants``) and added to each line as one
piece. Values are in ``COPY``'s text format: a backslash, tab or line break in a value is escaped,
``\\N`` is NULL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from yima.stats.rows import RowText

NULL = "\\N"
ENTITY_COLUMNS = ("name", "uscc", "entity_type", "industry_code", "registered_capital", "established_on",
                  "cancelled_on", "status", "address_commitment", "zone_id", "scope", "legal_representative",
                  "shareholders", "owner_id", "source", "created_at", "updated_at")
ADDRESS_COLUMNS = ("uscc", "kind", "text", "proof", "added_at")

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_ESCAPED = re.compile(r"\\(.)")
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def copy_value(value: str) -> str:
    """A value in ``COPY``'s text format (a backslash, tab or line break escaped)."""
    return value.translate(_ESCAPES) if "\\" in value or "\t" in value or "\n" in value or "\r" in value \
        else value


def _unescaped(value: str) -> str:
    return _ESCAPED.sub(lambda found: _UNESCAPES.get(found.group(1), found.group(1)), value) \
        if "\\" in value else value


@dataclass(frozen=True)
class CopyConstants:
    """What every imported row has alike: the pieces of text each line ends with."""

    #: the entity's line after its own values: zone, empty scope, representative and
    #: shareholders, no owner, source, created and updated
    entity_tail: str
    #: the domicile's line after its proof: added
    address_tail: str
    #: the status of an entity without, and with, a cancellation date, as ``\tstatus``
    active: str
    cancelled: str


def copy_constants(zone_id: str, source: str, now: datetime, active: str, cancelled: str) -> CopyConstants:
    stamp = now.isoformat()
    return CopyConstants(
        entity_tail=f"\t{copy_value(zone_id)}\t[]\t{{}}\t[]\t{NULL}\t{copy_value(source)}\t{stamp}\t{stamp}\n",
        address_tail=f"\t{stamp}\n", active=f"\t{copy_value(active)}", cancelled=f"\t{copy_value(cancelled)}")


#: A batch as it crosses from the checking process: the entities' lines (file order), the
#: domiciles' lines (of the rows with an address, in file order), and for each row b"1" if it has
#: an address, b"0" if not.
CopyFrame = tuple[bytes, bytes, bytes]


def copy_rows(rows: list[RowText], constants: CopyConstants) -> CopyFrame:
    """The rows as ``COPY`` text: one line each for ``enterprises`` (``ENTITY_COLUMNS``), one for
    ``enterprise_addresses`` (``ADDRESS_COLUMNS``) for each row with an address."""
    tail, active, ended, added = constants.entity_tail, constants.active, constants.cancelled, constants.address_tail
    entities = "".join(
        f"{copy_value(name)}\t{uscc}\t{kind}\t{industry}\t{capital}\t{established}\t"
        f"{NULL + active if cancelled is None else cancelled + ended}\t{'t' if commitment else 'f'}{tail}"
        for uscc, name, kind, industry, capital, established, cancelled, _, commitment in rows)
    addresses = "".join(
        f"{row[0]}\tdomicile\t{copy_value(row[7])}\t{'commitment' if row[8] else 'lease'}{added}"
        for row in rows if row[7])
    addressed = "".join("1" if row[7] else "0" for row in rows)
    return entities.encode(), addresses.encode(), addressed.encode()


class CopyRows:
    """A batch of checked rows as ``COPY`` text (``copy_rows``); its length is its rows'."""

    __slots__ = ("entities", "addresses", "addressed")

    def __init__(self, entities: bytes, addresses: bytes, addressed: bytes) -> None:
        self.entities, self.addresses, self.addressed = entities, addresses, addressed

    def __len__(self) -> int:
        return len(self.addressed)


def by_name(entities: bytes) -> bytes:
    """The entities' lines in the order of their names (each entry of the zone-and-name index then
    lands next to the one before it)."""
    lines = entities.split(b"\n")
    last = lines.pop()  # b"": the text ends with a line break
    lines.sort()
    lines.append(last)
    return b"\n".join(lines)


def rows_of(batch: CopyRows) -> list[RowText]:
    """The rows ``copy_rows`` wrote ``batch`` from, in their order."""
    addresses = iter(batch.addresses.decode().split("\n"))
    rows: list[RowText] = []
    for line, addressed in zip(batch.entities.decode().split("\n"), batch.addressed, strict=False):
        name, uscc, kind, industry, capital, established, cancelled, _, commitment = line.split("\t", 9)[:9]
        address = _unescaped(next(addresses).split("\t")[2]) if addressed == ord("1") else ""
        rows.append((uscc, _unescaped(name), kind, industry, capital, established,
                     None if cancelled == NULL else cancelled, address, commitment == "t"))
    return rows

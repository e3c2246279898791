"""A batch of checked rows as ``COPY`` text (``copytext``), as the checking process writes it for
PostgreSQL: read back, it gives the same rows in the same order (what the storing process does
with a batch the key refuses); its entities sorted as bytes are sorted by name (names as checked); every value
arrives in ``COPY``'s text format (plain functions, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from yima.stats.copytext import ENTITY_COLUMNS, CopyRows, by_name, copy_constants, copy_rows, rows_of

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
CONSTANTS = copy_constants("cq\\gxq", "imported", NOW, "active", "cancelled")

days = st.dates().map(lambda d: d.isoformat())
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
rows = st.lists(st.tuples(
    st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=18, max_size=18), text.filter(bool),
    st.sampled_from(["llc", "individual_business"]), st.sampled_from(["I6513", "C3011"]),
    st.sampled_from(["0", "100.50", "1000000"]), days, st.one_of(st.none(), days), text, st.booleans()),
    max_size=30)


def _unescaped(value: str) -> str:
    """``COPY``'s reading of a text value, one escape at a time (as the server reads it)."""
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append({"t": "\t", "n": "\n", "r": "\r"}.get(following, following))
        else:
            out.append(char)
    return "".join(out)


@given(rows)
def test_rows_read_back_from_their_copy_text_are_the_rows(batch):
    assert rows_of(CopyRows(*copy_rows(batch, CONSTANTS))) == batch


@given(rows)
def test_every_line_holds_the_row_as_copy_reads_it(batch):
    entities, addresses, addressed = copy_rows(batch, CONSTANTS)
    assert len(CopyRows(entities, addresses, addressed)) == len(batch)
    lines = entities.decode().split("\n")
    assert lines.pop() == "" and len(lines) == len(batch)
    domiciles = iter(addresses.decode().split("\n"))
    for line, (uscc, name, kind, industry, capital, established, cancelled, address, commitment) in zip(
            lines, batch, strict=True):
        values = dict(zip(ENTITY_COLUMNS, line.split("\t"), strict=True))
        assert _unescaped(values["name"]) == name and values["uscc"] == uscc
        assert (values["entity_type"], values["industry_code"], values["registered_capital"]) == \
            (kind, industry, capital)
        assert values["established_on"] == established
        assert values["cancelled_on"] == (cancelled or "\\N")
        assert values["status"] == ("active" if cancelled is None else "cancelled")
        assert values["address_commitment"] == ("t" if commitment else "f")
        assert _unescaped(values["zone_id"]) == "cq\\gxq" and values["owner_id"] == "\\N"
        assert (values["scope"], values["legal_representative"], values["shareholders"]) == ("[]", "{}", "[]")
        assert values["created_at"] == values["updated_at"] == NOW.isoformat()
        if address:
            home = next(domiciles).split("\t")
            assert home[0] == uscc and _unescaped(home[2]) == address
            assert home[1:2] + home[3:] == ["domicile", "commitment" if commitment else "lease", NOW.isoformat()]
    assert next(domiciles) == ""


#: names as the checks let them through: no control characters, no backslash
checked_names = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\"), min_size=1,
                        max_size=12)


@given(rows, st.lists(checked_names, min_size=30, max_size=30))
def test_entities_sorted_as_bytes_are_sorted_by_name(batch, names):
    batch = [(row[0], name, *row[2:]) for row, name in zip(batch, names, strict=False)]
    entities = by_name(copy_rows(batch, CONSTANTS)[0])
    assert entities.endswith(b"\n") or not batch
    names = [row[1] for row in rows_of(CopyRows(entities, b"", b"0" * len(batch)))]
    assert names == sorted(row[1] for row in batch)

"""``yima import entities`` on SQLite and PostgreSQL: bad rows by line, idempotent re-import, addresses."""

from __future__ import annotations

import csv
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from yima.errors import DomainError, NotFound
from yima.register.tables import Enterprise, EnterpriseAddress
from yima.registration.codes import make_uscc
from yima.standard import load_standard
from yima.stats.importer import import_register
from yima.stats.rows import HEADER
from yima.stats.storage import IMPORT_SLOT, SQLITE_COUNTS_TRIGGER, PostgresWriter, SqliteWriter
from yima.stats.tables import RegisterDayCount, RegisterMonthCount, RegisterYearCount

STANDARD = load_standard()

pytestmark = pytest.mark.db
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)


def code(seq: int, entity_type: str = "llc") -> str:
    return make_uscc(entity_type, "500107", 900_000 + seq, 0)


def write(path: Path, rows: list[list[str]], header: tuple[str, ...] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


GOOD = [
    [code(1), "重庆云帆科技有限公司", "domestic_enterprise", "I6513", "1000000", "2019-03-01", "",
     "重庆市九龙坡区科城路60号"],
    [code(2, "individual_business"), "九龙坡区张记小面馆", "individual_business", "H6210", "30000", "2015-06-01",
     "2020-06-30", "重庆市九龙坡区含谷大道5号"],
    [code(3), "重庆渝新外贸有限公司", "foreign_enterprise", "F5179", "5000000.50", "2021-01-04", "", ""],
]
BAD = [
    [code(4)[:-1] + ("0" if code(4)[-1] != "0" else "1"), "校验码错", "domestic_enterprise", "I6513", "1", "2019-01-01",
     "", "x"],
    [code(5), "行业代码错", "domestic_enterprise", "Q9999", "1", "2019-01-01", "", "x"],
    [code(6), "日期倒置", "domestic_enterprise", "I6513", "1", "2019-01-01", "2018-12-31", "x"],
    [code(7), "列数不对", "domestic_enterprise"],
]


def counts(db) -> tuple[int, int]:
    with db.read() as session:
        return (session.scalar(select(func.count()).select_from(Enterprise)),
                session.scalar(select(func.count()).select_from(EnterpriseAddress)))


@pytest.mark.parametrize("pipeline", [False, True], ids=["in-process", "checker-process"])
def test_bad_rows_are_reported_by_line_and_good_rows_load(db, zone_cq, tmp_path, pipeline):
    path = write(tmp_path / "register.csv", [GOOD[0], BAD[0], GOOD[1], BAD[1], [], BAD[2], GOOD[2], BAD[3]])
    summary = import_register(db, STANDARD, zone_cq, path, NOW, TODAY, pipeline=pipeline)
    assert (summary.loaded, summary.existing, summary.bad) == (3, 0, 4)
    assert [(b.line, b.finding.field, b.finding.rule) for b in summary.bad_rows] == [
        (3, "uscc", "import.uscc"), (5, "industry_code", "import.industry_code"),
        (7, "cancelled_on", "import.dates_order"), (9, "row", "import.columns")]
    assert counts(db) == (3, 2)  # the third entity has no address
    with db.read() as session:
        shop = session.get(Enterprise, code(2, "individual_business"))
        assert (shop.status, shop.cancelled_on, shop.source, shop.zone_id) == ("cancelled", date(2020, 6, 30),
                                                                               "imported", zone_cq)
        assert shop.scope == [] and shop.owner_id is None and shop.address_commitment is False
        homes = [(a.kind, a.proof, a.text) for a in shop.addresses]
        assert homes == [("domicile", "lease", "重庆市九龙坡区含谷大道5号")]
        foreign = session.get(Enterprise, code(3))
        assert foreign.registered_capital == pytest.approx(5000000.50) and foreign.status == "active"


def test_importing_the_same_file_again_changes_nothing(db, zone_cq, tmp_path):
    path = write(tmp_path / "register.csv", GOOD + [GOOD[0]])
    first = import_register(db, STANDARD, zone_cq, path, NOW, TODAY)
    assert (first.loaded, first.existing, first.bad) == (3, 1, 0)
    before = counts(db)
    again = import_register(db, STANDARD, zone_cq, path, NOW, TODAY)
    assert (again.loaded, again.existing, again.bad) == (0, 4, 0)
    assert counts(db) == before


@pytest.mark.parametrize("pipeline", [False, True], ids=["in-process", "checker-process"])
def test_a_code_given_twice_or_known_loads_its_first_row_once_with_its_own_domicile(db, zone_cq, tmp_path, pipeline):
    """The batch the key refuses is looked up and its new rows copied alone: for a code given twice
    the first row counts (here without an address, the second with one: no domicile), an address
    with a backslash arrives as written, and importing the file again finds every row existing. The
    checking process (for PostgreSQL it hands on the rows as ``COPY`` text, read back for this)
    and this process load the same."""
    twice = [code(8), "重庆先到有限公司", "domestic_enterprise", "I6513", "12.5", "2020-02-03", "2021-04-05", ""]
    later = [code(8), "重庆后到有限公司", "domestic_enterprise", "I6520", "99", "2020-02-04", "", "科城路8号"]
    slash = [code(9), "重庆反斜有限公司", "domestic_enterprise", "I6513", "1", "2020-02-05", "", "科城路\\9号\\tB座"]
    path = write(tmp_path / "register.csv", [GOOD[0], twice, GOOD[1], later, slash, GOOD[2]])
    first = import_register(db, STANDARD, zone_cq, path, NOW, TODAY, pipeline=pipeline)
    assert (first.loaded, first.existing, first.bad) == (5, 1, 0)
    assert counts(db) == (5, 3)
    with db.read() as session:
        kept = session.get(Enterprise, code(8))
        assert (kept.name, kept.industry_code, kept.registered_capital, kept.status) == \
            ("重庆先到有限公司", "I6513", Decimal("12.50"), "cancelled")
        assert kept.addresses == []
        assert [a.text for a in session.get(Enterprise, code(9)).addresses] == ["科城路\\9号\\tB座"]
        assert session.scalar(select(func.sum(RegisterDayCount.established))) == 5
        assert session.scalar(select(func.sum(RegisterDayCount.cancelled))) == 2
        assert session.scalar(select(func.sum(RegisterMonthCount.capital))) == Decimal("6030014.00")
    again = import_register(db, STANDARD, zone_cq, path, NOW, TODAY, pipeline=pipeline)
    assert (again.loaded, again.existing, again.bad) == (0, 6, 0)
    assert counts(db) == (5, 3)
    with db.read() as session:
        assert session.scalar(select(func.sum(RegisterDayCount.established))) == 5


def test_a_file_with_new_and_known_rows_adds_only_the_new(db, zone_cq, tmp_path):
    import_register(db, STANDARD, zone_cq, write(tmp_path / "a.csv", GOOD[:2]), NOW, TODAY)
    summary = import_register(db, STANDARD, zone_cq, write(tmp_path / "b.csv", GOOD[1:]), NOW, TODAY)
    assert (summary.loaded, summary.existing) == (1, 1)
    assert counts(db) == (3, 2)


def test_a_missing_column_or_unknown_zone_or_binary_file_stops_the_import(db, zone_cq, tmp_path):
    with pytest.raises(DomainError) as caught:
        import_register(db, STANDARD, zone_cq, write(tmp_path / "h.csv", [GOOD[0][:7]], HEADER[:7]), NOW, TODAY)
    assert caught.value.finding.rule == "import.header" and "address" in caught.value.finding.en
    with pytest.raises(NotFound):
        import_register(db, STANDARD, "nowhere", write(tmp_path / "z.csv", GOOD), NOW, TODAY)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(HEADER).encode() + b"\n" + "重庆".encode("gb18030") + b",x\n")
    with pytest.raises(DomainError) as caught:
        import_register(db, STANDARD, zone_cq, latin, NOW, TODAY)
    assert caught.value.finding.rule == "import.file_format"
    with pytest.raises(DomainError):
        import_register(db, STANDARD, zone_cq, latin, NOW, TODAY, pipeline=True)
    assert counts(db) == (0, 0)


def test_a_failure_midway_leaves_nothing_half_written(db, zone_cq, tmp_path):
    """Good rows, then a line that is not UTF-8: the import stops, and the rows before it are not
    left behind without their domiciles or counts (the transaction is rolled back)."""
    path = write(tmp_path / "register.csv", GOOD)
    path.write_bytes(path.read_bytes() + "重庆".encode("gb18030") + b",x\n")
    with pytest.raises(DomainError):
        import_register(db, STANDARD, zone_cq, path, NOW, TODAY)
    assert counts(db) == (0, 0)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(RegisterDayCount)) == 0


def _counts_trigger(db) -> str | None:
    with db.read() as session:
        return session.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
                              {"name": SQLITE_COUNTS_TRIGGER})


def test_sqlite_import_puts_back_the_counts_trigger_and_the_foreign_keys(db, zone_cq):
    """On SQLite the import drops the counts' insert trigger in its own transaction and checks the
    foreign keys once a transaction: after a commit and after a rollback the trigger is there as it
    was, the connection checks foreign keys again, and a zone deleted before the import began is
    refused rather than referenced."""
    if not db.is_sqlite:
        pytest.skip("the trigger is dropped and foreign keys are set aside on SQLite only")
    trigger = _counts_trigger(db)
    assert trigger is not None
    rows = [(code(n), f"重庆测试{n}有限公司", "domestic_enterprise", "I6513", "7", "2020-01-02", None, f"科城路{n}号",
             False) for n in range(1, 4)]
    with db.engine.connect() as conn:
        writer = SqliteWriter(conn, zone_cq, "imported", NOW)
        try:
            assert writer.store(rows) == (3, 0)
            writer.commit()
            assert writer.store([(code(9), *rows[0][1:])]) == (1, 0)  # then given up: rolled back
        finally:
            writer.close()
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        conn.rollback()
    assert _counts_trigger(db) == trigger
    assert counts(db) == (3, 3)
    with db.read() as session:
        assert session.get(Enterprise, code(9)) is None
        assert session.scalar(select(func.sum(RegisterDayCount.established))) == 3
    with db.engine.connect() as conn:
        writer = SqliteWriter(conn, "nowhere", "imported", NOW)
        try:
            with pytest.raises(NotFound):
                writer.store([(code(10), *rows[0][1:])])
        finally:
            writer.close()
    assert counts(db) == (3, 3) and _counts_trigger(db) == trigger


def test_postgresql_copies_text_as_written_and_a_code_registered_meanwhile_counts_as_existing(db, zone_cq):
    """The COPY path: a backslash in an address arrives as written. A batch is copied without a
    look-up first: a code another transaction registered before the COPY (forced here) makes the
    key refuse it, and the batch is looked up and copied again; a code registered between that
    look-up and the COPY (forced too) makes the key refuse it once more, and the batch is looked
    up again. Both codes count as existing, and the counts stay equal to a recount."""
    if db.is_sqlite:
        pytest.skip("SQLite has one writer: nothing can register a code between the look-up and the insert")
    rows = [(code(n), f"重庆测试{n}有限公司", "domestic_enterprise", "I6513", "100.50", "2020-01-02",
             "2021-03-04" if n % 2 else None, f"重庆市科城路{n}号\\B座", n == 3) for n in range(1, 7)]

    def register_elsewhere(n: int) -> None:
        with db.engine.connect() as other:  # a registration, committed meanwhile (the triggers count it)
            other.execute(insert(Enterprise).values(
                uscc=code(n), zone_id=zone_cq, name="别处登记", entity_type="llc", industry_code="I6513",
                registered_capital=1, established_on=date(2020, 1, 2), status="active", scope=[],
                legal_representative={}, shareholders=[], source="registered", address_commitment=False,
                created_at=NOW, updated_at=NOW))
            other.commit()

    class Raced(PostgresWriter):
        copies = 0
        looked_up = 0

        def _copy(self, new: list, prepared: tuple[bytes, bytes] | None = None) -> None:
            self.copies += 1
            if self.copies == 1:
                register_elsewhere(2)
            super()._copy(new, prepared)

        def _registered(self, codes: list[str]) -> set[str]:
            found = super()._registered(codes)
            self.looked_up += 1
            if self.looked_up == 1:
                register_elsewhere(4)
            return found

    with db.engine.connect() as conn:
        writer = Raced(conn, zone_cq, "imported", NOW)
        try:
            assert writer.store(rows) == (4, 2)
            assert (writer.copies, writer.looked_up) == (3, 2)
            writer.commit()
        finally:
            writer.close()
    with db.read() as session:
        assert session.get(Enterprise, code(2)).name == "别处登记"
        assert session.get(Enterprise, code(4)).name == "别处登记"
        assert [a.text for a in session.get(Enterprise, code(1)).addresses] == ["重庆市科城路1号\\B座"]
        assert session.get(Enterprise, code(3)).address_commitment is True
        assert session.scalar(select(func.sum(RegisterDayCount.established))) == 6
        assert session.scalar(select(func.sum(RegisterDayCount.cancelled))) == 3
        assert session.scalar(select(func.sum(RegisterMonthCount.capital))) == Decimal("404.00")
        assert session.scalar(select(func.sum(RegisterMonthCount.address_commitment))) == 1


def test_postgresql_import_counts_go_to_its_own_slot_and_a_key_written_meanwhile_is_added_to(db, zone_cq):
    """The import writes its day, month and year counts with ``COPY`` into a slot no trigger
    writes (``IMPORT_SLOT``), after looking up the keys that slot holds. Another import commits a
    count of one of the same keys between that look-up and the ``COPY`` (forced here): the key
    refuses the ``COPY``, the keys are looked up again and that one is added to. The counts equal
    a recount, in that slot only."""
    if db.is_sqlite:
        pytest.skip("on SQLite every count is in slot 0 and one writer writes at a time")
    rows = [(code(n), f"重庆测试{n}有限公司", "domestic_enterprise", "I6513", "10.25", "2020-01-02",
             "2021-03-04" if n % 2 else None, f"科城路{n}号", False) for n in range(1, 5)]
    other = [(code(9), "重庆别处导入有限公司", "domestic_enterprise", "I6520", "1.50", "2020-01-02", None, "科城路9号",
              True)]

    def import_elsewhere() -> None:
        with db.engine.connect() as conn:
            writer = PostgresWriter(conn, zone_cq, "imported", NOW)
            try:
                assert writer.store(other) == (1, 0)
                writer.commit()
            finally:
                writer.close()

    class Raced(PostgresWriter):
        looks: list[str] = []

        def _held(self, table: str, grain: str, keys: list[str]) -> set[str]:
            held = super()._held(table, grain, keys)
            self.looks.append(grain)
            if len(self.looks) == 1:  # after the day counts' look-up, before their COPY
                import_elsewhere()
            return held

    with db.engine.connect() as conn:
        writer = Raced(conn, zone_cq, "imported", NOW)
        try:
            assert writer.store(rows) == (4, 0)
            writer.commit()
        finally:
            writer.close()
    assert Raced.looks == ["day", "day", "month", "year"]
    with db.read() as session:
        for table in (RegisterDayCount, RegisterMonthCount, RegisterYearCount):
            assert set(session.scalars(select(table.slot).distinct())) == {IMPORT_SLOT}
            assert session.execute(select(func.sum(table.established), func.sum(table.cancelled),
                                          func.sum(table.capital), func.sum(table.address_commitment))).one() == \
                (5, 2, Decimal("42.50"), 1)
        day = session.execute(select(RegisterDayCount.established, RegisterDayCount.capital)
                              .where(RegisterDayCount.day == date(2020, 1, 2))).one()
        assert day == (5, Decimal("42.50"))  # one row: the other import's count added to
        assert session.scalar(select(func.count()).select_from(RegisterDayCount)) == 2


def test_postgresql_import_skips_no_trigger_it_does_not_know(db, zone_cq, tmp_path):
    """Per-row triggers are skipped for the foreign keys only while the tables the import writes
    have no other such trigger than the counts': a trigger added later still runs for every row."""
    if db.is_sqlite:
        pytest.skip("the trigger bypass exists on PostgreSQL only")
    with db.write() as session:
        session.execute(text("CREATE TABLE test_import_seen (uscc text)"))
        session.execute(text("CREATE FUNCTION test_import_seen() RETURNS trigger LANGUAGE plpgsql AS "
                             "$$ BEGIN INSERT INTO test_import_seen VALUES (NEW.uscc); RETURN NEW; END $$"))
        session.execute(text("CREATE TRIGGER test_import_seen AFTER INSERT ON enterprise_addresses "
                             "FOR EACH ROW EXECUTE FUNCTION test_import_seen()"))
    try:
        summary = import_register(db, STANDARD, zone_cq, write(tmp_path / "register.csv", GOOD), NOW, TODAY)
        assert summary.loaded == 3
        with db.read() as session:
            assert sorted(session.scalars(text("SELECT uscc FROM test_import_seen"))) == sorted([code(1), GOOD[1][0]])
    finally:
        with db.write() as session:
            session.execute(text("DROP TRIGGER test_import_seen ON enterprise_addresses"))
            session.execute(text("DROP FUNCTION test_import_seen()"))
            session.execute(text("DROP TABLE test_import_seen"))


def test_postgresql_import_by_a_role_without_the_grant_checks_every_row_and_loads_the_same(db, zone_cq):
    """A role that may not set session_replication_role: the import finds out once, keeps the
    per-row foreign-key triggers, and stores the same rows and counts."""
    if db.is_sqlite:
        pytest.skip("the trigger bypass exists on PostgreSQL only")
    role = f"yima_test_importer_{secrets.token_hex(4)}"
    with db.write() as session:
        session.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        session.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
        session.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    rows = [(code(n), f"重庆测试{n}有限公司", "domestic_enterprise", "I6513", "7", "2020-01-02", None, f"科城路{n}号",
             False) for n in range(1, 4)]
    try:
        with db.engine.connect() as conn:
            conn.exec_driver_sql(f"SET ROLE {role}")
            conn.commit()
            try:
                writer = PostgresWriter(conn, zone_cq, "imported", NOW)
                try:
                    assert writer.store(rows) == (3, 0)
                    writer.commit()
                    assert writer.replica is False
                finally:
                    writer.close()
            finally:
                conn.exec_driver_sql("RESET ROLE")
                conn.commit()
        assert counts(db) == (3, 3)
        with db.read() as session:
            assert session.scalar(select(func.sum(RegisterMonthCount.capital))) == Decimal("21.00")
    finally:
        with db.write() as session:
            session.execute(text(f"DROP OWNED BY {role}"))
            session.execute(text(f"DROP ROLE {role}"))

"""The tables statistics own: the reports a zone published (migration 0018) and the register's
counts by day, month and year the report reads (``RegisterDayCount``, ``RegisterMonthCount``,
migration 0025; ``RegisterYearCount``, migration 0035), and the GB/T 4754 division of an
enterprise's industry code.

Statistics count from ``enterprises`` and ``applications``, which they do not own: the index the
figures use on applications (``ix_applications_stats``, migration 0002) is declared with that
table in ``yima.registration.tables``; ``yima.app.schema`` imports this module so that
``Base.metadata`` equals the migrated schema."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from yima.db.base import Base
from yima.register.tables import Enterprise

#: The GB/T 4754 division of a written industry code (``I65`` of ``I6513``), with literal arguments
#: so that it reads the same on SQLite and PostgreSQL.
INDUSTRY_DIVISION = func.substr(Enterprise.industry_code, literal_column("1"), literal_column("3"))

#: The report's index on applications (``ix_applications_stats``) is declared with the table, in
#: ``yima.registration.tables``. The register's rows had two (by type and division, by day) until
#: the report read the register's counts instead (revision 0029 drops them).


class PublishedReport(Base):
    """A zone's figures for a period as published: the signed document (``document``, JSON text)
    is written once and never changed. A restatement is another row that names the report it
    restates (``restates_id``), with what changed, why and who, signed the same way."""

    __tablename__ = "published_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    restates_id: Mapped[int | None] = mapped_column(ForeignKey("published_reports.id"), nullable=True, index=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    document: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))


class _RegisterCounts:
    """What the register's entities add up to in one (zone, day or month, entity type, GB/T 4754
    division): entities established (``established``), their registered capital and how many
    with an address commitment, and entities that ended (``cancelled``, counted on the later of
    their establishment and cancellation days, so that "active on a day" is a running sum).

    Kept by database triggers on ``enterprises`` in the same transaction as every change to a
    row, whichever way it is made (registration, import, correction, cancellation, deletion): an
    insert adds the row's contribution, a delete takes it away, an update does both. Rows whose
    counts fall to zero stay. ``tests/stats/test_register_counts.py`` checks the counts against a
    recount from the rows after random changes.

    A count is kept in slots (``slot``, part of the key) that readers add up: on PostgreSQL each
    transaction adds to the slot of its transaction id (modulo 32), so that concurrent
    registrations of the same zone, day, type and division do not wait for each other's commit
    on one row (migration 0039); on SQLite everything is in slot 0; a bulk import on PostgreSQL
    writes slot 32, which no trigger writes (``storage.IMPORT_SLOT``)."""

    zone_id: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    division: Mapped[str] = mapped_column(String(3))
    established: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    capital: Mapped[Decimal] = mapped_column(Numeric(24, 2), default=0)
    address_commitment: Mapped[int] = mapped_column(Integer, default=0)
    slot: Mapped[int] = mapped_column(SmallInteger, default=0, server_default=text("0"))


class RegisterDayCount(_RegisterCounts, Base):
    __tablename__ = "register_day_counts"
    __table_args__ = (PrimaryKeyConstraint("zone_id", "day", "entity_type", "division", "slot"),)

    day: Mapped[date] = mapped_column(Date)


class RegisterMonthCount(_RegisterCounts, Base):
    __tablename__ = "register_month_counts"
    __table_args__ = (PrimaryKeyConstraint("zone_id", "month", "entity_type", "division", "slot"),)

    month: Mapped[str] = mapped_column(String(7))  # 'YYYY-MM'


class RegisterYearCount(_RegisterCounts, Base):
    """The month counts added up by year: kept by triggers on ``register_month_counts`` (not on
    ``enterprises``), so they follow the month counts however those change (migration 0035)."""

    __tablename__ = "register_year_counts"
    __table_args__ = (PrimaryKeyConstraint("zone_id", "year", "entity_type", "division", "slot"),)

    year: Mapped[str] = mapped_column(String(4))  # 'YYYY'


class RegisterCountsState(Base):
    """One row: ``paused`` is 1 only inside a bulk import's own SQLite transaction, which then adds
    the counts of each batch itself (``storage.SqliteWriter``; migration 0026). On PostgreSQL the
    import pauses the trigger with a setting local to its transaction (migration 0028)."""

    __tablename__ = "register_counts_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paused: Mapped[int] = mapped_column(Integer)


REGISTER_COUNT_TABLES = ("register_day_counts", "register_month_counts", "register_year_counts")

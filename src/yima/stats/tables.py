"""The indexes the figures need, declared on the register's tables (created by migration 0002).

Statistics count from ``enterprises`` and ``applications``; the one table they own keeps the
reports a zone published (migration 0018). Declaring the indexes here keeps ``Base.metadata``
equal to the migrated schema (``yima.app.schema`` imports this).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from yima.db.base import Base
from yima.register.tables import Enterprise
from yima.registration.tables import Application

#: The GB/T 4754 division of a written industry code (``I65`` of ``I6513``). The arguments are
#: literal so that the expression matches the index's, on SQLite and PostgreSQL alike.
INDUSTRY_DIVISION = func.substr(Enterprise.industry_code, literal_column("1"), literal_column("3"))

STATS_INDEXES = (
    Index("ix_enterprises_stats_active", Enterprise.zone_id, Enterprise.entity_type, INDUSTRY_DIVISION,
          Enterprise.established_on, Enterprise.cancelled_on),
    Index("ix_enterprises_stats_new", Enterprise.zone_id, Enterprise.established_on, Enterprise.entity_type,
          Enterprise.registered_capital, Enterprise.address_commitment),
    Index("ix_applications_stats", Application.zone_id, Application.decided_at, Application.status,
          Application.channel, Application.matter),
)


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

"""Ratings of cases (好差评) and the reform office's ledger of bad ratings put right (差评整改台账)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yima.db.base import Base


class Rating(Base):
    """One rating of one case by the person served: the first (round 1) and, after a bad rating was
    put right, the second (round 2)."""

    __tablename__ = "service_ratings"
    __table_args__ = (UniqueConstraint("case_kind", "case_id", "round_no", name="uq_service_ratings_case_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"), index=True)
    #: What was rated: ``application`` (a registration decision).
    case_kind: Mapped[str] = mapped_column(String(24))
    case_id: Mapped[int] = mapped_column(Integer)
    #: The matter of the standard the case was (for the figures by matter).
    matter: Mapped[str] = mapped_column(String(32))
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    round_no: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    #: An officer's appeal of the rating as malicious: pending, upheld (excluded), rejected.
    appeal_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    appeal_reason: Mapped[str] = mapped_column(Text, default="")
    appealed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    appealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    appeal_note: Mapped[str] = mapped_column(Text, default="")
    appeal_decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Left out of every figure (an upheld appeal).
    excluded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    rectification: Mapped[Rectification | None] = relationship(back_populates="rating", uselist=False,
                                                                lazy="joined")


class Rectification(Base):
    """A bad rating in the reform office's ledger: its call back and its fix, each with its deadline."""

    __tablename__ = "rating_rectifications"
    __table_args__ = (UniqueConstraint("zone_id", "ledger_year", "ledger_no", name="uq_rating_rectifications_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("service_ratings.id"), unique=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"), index=True)
    ledger_year: Mapped[int] = mapped_column(Integer)
    ledger_no: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    callback_due_on: Mapped[date] = mapped_column(Date)
    fix_due_on: Mapped[date] = mapped_column(Date)
    #: The calendar package (and version) the deadlines were counted with, and whether they were
    #: counted by weekends only over a year it did not cover yet.
    calendar: Mapped[str] = mapped_column(String(64))
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    called_back_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    callback_note: Mapped[str] = mapped_column(Text, default="")
    put_right_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    fix_note: Mapped[str] = mapped_column(Text, default="")

    rating: Mapped[Rating] = relationship(back_populates="rectification", lazy="joined")

"""Observers, the zone's departments, suggestions with their replies, ratings, attachments and steps."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yima.db.base import Base


class Department(Base):
    """A department of the zone that handles suggestions (承办部门); the zone keeps the list."""

    __tablename__ = "observer_departments"
    __table_args__ = (UniqueConstraint("zone_id", "name", name="uq_observer_departments_zone_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DepartmentMember(Base):
    """Binds a user of role ``department`` to the one department they act for."""

    __tablename__ = "observer_department_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("observer_departments.id"), index=True)


class Observer(Base):
    """One appointment of an observer for a term; a person appointed again has another row."""

    __tablename__ = "observers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    sector: Mapped[str] = mapped_column(String(32))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    term_from: Mapped[date] = mapped_column(Date)
    term_to: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Suggestion(Base):
    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"), index=True)
    observer_id: Mapped[int] = mapped_column(ForeignKey("observers.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    #: Its number in the zone's ledger for the year it was accepted in (台账编号 ``year-0007``).
    ledger_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ledger_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"), nullable=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("observer_departments.id"), nullable=True,
                                                      index=True)
    round_no: Mapped[int] = mapped_column(Integer, default=0)
    assigned_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    working_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The calendar package (and version) the deadline was counted with.
    calendar: Mapped[str | None] = mapped_column(String(64), nullable=True)
    extension_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    extension_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    #: The deadline as assigned (before any extension), and whether it was counted over a year the
    #: calendar did not cover yet (by weekends only, to be counted again).
    original_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    extension_requested_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    extension_decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    extension_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Why the office declined it (the observer reads it).
    decline_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    observer: Mapped[Observer] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    merged_into: Mapped[Suggestion | None] = relationship(remote_side=[id], lazy="select")
    replies: Mapped[list[Reply]] = relationship(order_by="Reply.round_no", cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id", cascade="all, delete-orphan")
    steps: Mapped[list[Step]] = relationship(order_by="Step.id", cascade="all, delete-orphan")


class Reply(Base):
    """The department's reply of one round: a draft until published; a rating belongs to it."""

    __tablename__ = "suggestion_replies"
    __table_args__ = (UniqueConstraint("suggestion_id", "round_no", name="uq_suggestion_replies_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    round_no: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(ForeignKey("observer_departments.id"))
    text: Mapped[str] = mapped_column(Text)
    drafted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drafted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    on_time: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    #: The ledger's word for the rating (满意度), from ``rating_score`` (``yima.satisfaction.ledger_word``).
    rating: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: The rating on the five levels of 好差评 and the indicators it speaks to.
    rating_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_indicators: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Attachment(Base):
    __tablename__ = "suggestion_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Step(Base):
    """One step in a suggestion's life, with who took it and when (also in the audit log)."""

    __tablename__ = "suggestion_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    #: Seen by the office and the department only, never by the observer (notes, urging).
    internal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

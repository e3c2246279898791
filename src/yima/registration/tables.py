"""Applications as stored: their transitions and the materials uploaded for them.

The enterprises they establish and change are the register's (``yima.register.tables``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yima.db.base import Base
from yima.words import Words, legacy_words


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("applicant_id", "idempotency_key", name="uq_applications_idempotency"),
        Index("ix_applications_zone_status", "zone_id", "status", "submitted_at"),
        # The statistics' "decided in a period, by status, channel and matter" (migration 0002).
        Index("ix_applications_stats", "zone_id", "decided_at", "status", "channel", "matter"),
        # 秒批's check that no pending application of the zone holds the same name (migration 0044).
        Index("ix_applications_zone_name", "zone_id", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    matter: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    findings: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    missing_materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    materials_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    statutory_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    standard_digest: Mapped[str] = mapped_column(String(64))

    transitions: Mapped[list[Transition]] = relationship(
        back_populates="application", order_by="Transition.id", cascade="all, delete-orphan"
    )
    uploads: Mapped[list[MaterialUpload]] = relationship(
        back_populates="application", order_by="MaterialUpload.id", cascade="all, delete-orphan"
    )


class Transition(Base):
    """One state change of an application: who, when, from what to what, and why."""

    __tablename__ = "transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    # The reason whole in each language (yima.words); null on rows recorded before the pair existed.
    reason_zh: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    application: Mapped[Application] = relationship(back_populates="transitions")

    @property
    def words(self) -> Words:
        if self.reason_zh is None or self.reason_en is None:
            return legacy_words(self.reason or "")
        return Words(self.reason_zh, self.reason_en)


class MaterialUpload(Base):
    __tablename__ = "material_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    material: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    application: Mapped[Application] = relationship(back_populates="uploads")


class BeneficialOwner(Base):
    """受益所有人 reported with an application (受益所有人信息管理办法). Kept apart from the application's
    body and the enterprise's record so that no view of those can carry it: only
    ``registration.owner_records`` reads it, for the zone's officers and administrators, audited."""

    __tablename__ = "beneficial_owners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    name: Mapped[str] = mapped_column(String(100))
    id_type: Mapped[str] = mapped_column(String(16))
    id_number: Mapped[str] = mapped_column(String(30))
    nationality: Mapped[str] = mapped_column(String(3))
    basis: Mapped[str] = mapped_column(String(24))
    share_pct: Mapped[Decimal | None] = mapped_column(Numeric(7, 4), nullable=True)
    since: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yima.db.base import Base
from yima.register.tables import Enterprise


class Permit(Base):
    """A sector permit or filing bundled with the licence (一业一证)."""

    __tablename__ = "permits"
    __table_args__ = (Index("ix_permits_queue", "zone_id", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), index=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), nullable=True)
    type: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64), unique=True)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    verification_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    # Set on creation so that one batch inserts the enterprise, the application and then the permits
    # (``yima.db.bulk.insert_new``); ``application_id`` is then the application's ``PendingKey``
    # (``registration.handoff.Establishment.application_id``): licences never see its row.
    enterprise: Mapped[Enterprise] = relationship()


class Licence(Base):
    """One issued version of an enterprise's one-code licence (一码通行): the signed CWT and its QR text."""

    __tablename__ = "licences"
    __table_args__ = (UniqueConstraint("uscc", "version", name="uq_licences_uscc_version"),
                      Index("ix_licences_zone_issued", "zone_id", "issued_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), index=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    version: Mapped[int] = mapped_column(Integer)
    kid: Mapped[str] = mapped_column(String(32))
    cose: Mapped[bytes] = mapped_column(LargeBinary)
    qr_text: Mapped[str] = mapped_column(Text)
    permit_count: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    enterprise: Mapped[Enterprise] = relationship()

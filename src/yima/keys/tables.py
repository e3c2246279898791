"""The zone's signing keys as stored: the private key encrypted at rest, its status and lifetime."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yima.db.base import Base


class ZoneSigningKeyRow(Base):
    """A zone's signing key: it signs licences (COSE), audit checkpoints and messages to other zones.
    Encrypted at rest; retired keys keep verifying what they signed."""

    __tablename__ = "zone_signing_keys"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"), index=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    key_pem: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yima.db.base import Base


class ZoneCertificate(Base):
    """The zone's X.509 material: its CA root, issuing CA and the licence-signing certificate.

    Private keys are stored only as encrypted PKCS#8 (the key from ``YIMA_KEY_ENCRYPTION_KEY``).
    """

    __tablename__ = "zone_certificates"
    __table_args__ = (UniqueConstraint("zone_id", "role", name="uq_zone_certificates_zone_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    role: Mapped[str] = mapped_column(String(16))
    serial: Mapped[str] = mapped_column(String(64))
    cert_pem: Mapped[str] = mapped_column(Text)
    key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

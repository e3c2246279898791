from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from yima.db.base import Base


class Zone(Base):
    __tablename__ = "zones"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    division_code: Mapped[str] = mapped_column(String(6))
    residents: Mapped[int] = mapped_column(BigInteger)
    org_block_start: Mapped[int] = mapped_column(BigInteger, unique=True)
    org_block_size: Mapped[int] = mapped_column(BigInteger)
    org_next_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    authority_name: Mapped[str] = mapped_column(String(200), default="")
    place_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AddressBan(Base):
    """An entry on the zone's address negative list (住所负面清单)."""

    __tablename__ = "address_bans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"), index=True)
    pattern: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def org_sequence(zone_id: str) -> str:
    """On PostgreSQL, the sequence that numbers a zone's organisation codes (``nextval`` takes no
    lock, so a zone's approvals do not wait for each other's commit on it; a code taken by an
    approval that then fails is not reused). Zone ids are lower-case letters, digits and hyphens,
    so the name is unique and needs no quoting. SQLite counts in ``zones.org_next_seq``."""
    return "zone_org_seq_" + zone_id.replace("-", "_")

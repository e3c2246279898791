"""The register of market entities (市场主体登记簿) as stored: each enterprise of a zone and its
addresses (一照多址). Registration writes it; licences, seals and statistics read it without
depending on registration.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yima.db.base import Base
from yima.register.status import EnterpriseStatus


class Enterprise(Base):
    """A market entity of the zone: registered here, or imported from an earlier register."""

    __tablename__ = "enterprises"
    # owner_id by its users only: most entities (every imported one) have none (revision 0041)
    # The names beginning with a text, in byte order whatever the database's collation: PostgreSQL's
    # pattern operators (revision 0043; SQLite's BINARY order is the index above's already).
    __table_args__ = (Index("ix_enterprises_zone_name", "zone_id", "name"),
                      Index("ix_enterprises_zone_name_prefix", "zone_id", "name",
                            postgresql_ops={"name": "text_pattern_ops"}).ddl_if(dialect="postgresql"),
                      Index("ix_enterprises_owner_id", "owner_id", postgresql_where=sql("owner_id IS NOT NULL"),
                            sqlite_where=sql("owner_id IS NOT NULL")))

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    name: Mapped[str] = mapped_column(String(200))
    entity_type: Mapped[str] = mapped_column(String(32))
    industry_code: Mapped[str] = mapped_column(String(8))
    registered_capital: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    established_on: Mapped[date] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=EnterpriseStatus.ACTIVE.value)
    scope: Mapped[list[str]] = mapped_column(JSON, default=list)
    legal_representative: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    shareholders: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="registered")
    address_commitment: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    addresses: Mapped[list[EnterpriseAddress]] = relationship(
        back_populates="enterprise", order_by="EnterpriseAddress.id", cascade="all, delete-orphan"
    )


class EnterpriseAddress(Base):
    """一照多址: a domicile plus business sites; 一址多照: many enterprises may share one text.
    Nothing looks addresses up by their text, so the text has no index (revision 0041)."""

    __tablename__ = "enterprise_addresses"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(300))
    proof: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    enterprise: Mapped[Enterprise] = relationship(back_populates="addresses")

"""Seal sets and seals as stored. Private keys only as encrypted PKCS#8 (``yima.pki.service.encrypt_key``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yima.db.base import Base
from yima.register.tables import Enterprise


class SealSet(Base):
    """The free set of seals of one enterprise: pending until its keys and images are made, then issued.

    ``price_yuan`` is what the set would have cost, fixed when it is issued (the money saved).
    """

    __tablename__ = "seal_sets"
    __table_args__ = (Index("ix_seal_sets_zone_issued", "zone_id", "issued_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("enterprises.uscc"), unique=True)
    zone_id: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | issued | revoked
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    price_yuan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(String(400), nullable=True)

    seals: Mapped[list[Seal]] = relationship(back_populates="seal_set", order_by="Seal.position")
    enterprise: Mapped[Enterprise] = relationship()  # orders the INSERT after the new enterprise's


class Seal(Base):
    """One seal: its key pair (key encrypted), certificate from the zone's seal CA, and what its image
    is drawn from (``look_*``: the enterprise's name and credit code and the person's name as they were
    when the seal was made; ``yima.seals.images.SealLook``). The picture is drawn when asked, not stored:
    ``image_svg``/``image_png`` are empty, except for seals made before revision 0019 that still keep
    the picture they were made with (``yima seal compact-images`` drops it once it redraws identically).

    ``id`` is a short random token used in URLs; ``format`` is how the seal signs (``SealFormat``).
    ``crl_reason`` is the RFC 5280 CRLReason published for a revoked seal.
    """

    __tablename__ = "seals"
    __table_args__ = (UniqueConstraint("set_id", "type", name="uq_seals_set_type"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("seal_sets.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(16))
    cert_serial: Mapped[str] = mapped_column(String(64), index=True)
    cert_pem: Mapped[str] = mapped_column(Text)
    key_pem: Mapped[str] = mapped_column(Text)
    image_svg: Mapped[str] = mapped_column(Text, default="")
    image_png: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    look_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    look_uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)
    look_person: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # active | revoked
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(String(400), nullable=True)
    crl_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)

    seal_set: Mapped[SealSet] = relationship(back_populates="seals")


class NationalSeal(Base):
    """A seal's GB/T 38540 form (the national profile), made beside its X.509 one: the holder's SM2
    key (encrypted, SM4), its SM2 certificate from the zone's CA (DER) and the ``SESeal`` the zone
    made and signed as seal maker with its SM2 key (DER, with the seal's picture)."""

    __tablename__ = "national_seals"

    seal_id: Mapped[str] = mapped_column(ForeignKey("seals.id"), primary_key=True)
    cert_serial: Mapped[str] = mapped_column(String(64), index=True)
    cert_der: Mapped[bytes] = mapped_column(LargeBinary)
    key_pem: Mapped[str] = mapped_column(Text)
    seseal_der: Mapped[bytes] = mapped_column(LargeBinary)
    maker_kid: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

"""Partners, the outbox and inbox of signed messages, and the forwarded applications' cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from yima.db.base import Base
from yima.federation.states import CaseRole, MessageState
from yima.registration.status import Status


class Partner(Base):
    """A partner zone: the base URL of its instance and its trust list (keys and standard digest)."""

    __tablename__ = "federation_partners"

    zone_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    local_zone: Mapped[str] = mapped_column(ForeignKey("zones.id"))
    url: Mapped[str] = mapped_column(String(500))
    trust_list_source: Mapped[str] = mapped_column(String(500))
    trust_list: Mapped[dict[str, Any]] = mapped_column(JSON)
    standard_digest: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxMessage(Base):
    """A message to a partner, written in the transaction of the change that causes it; signed once
    at its first attempt and kept as signed (``signed``, ``sha256``), with the partner's signed
    receipt once delivered — the sender's half of the message log. ``state``: ``pending`` (tried
    until ``expires_at``), ``delivered``, ``dead`` (refused for good: ``refusal`` says why) or
    ``expired``."""

    __tablename__ = "federation_outbox"
    __table_args__ = (Index("ix_federation_outbox_due", "delivered_at", "next_attempt_at"),
                      Index("ix_federation_outbox_state", "state", "recipient", "next_attempt_at"),
                      Index("ix_federation_outbox_log", "sender", "created_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sender: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # the CBOR envelope as first signed
    application_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    receipt: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=MessageState.PENDING.value)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    signed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    receipt_sha256: Mapped[str] = mapped_column(String(64), default="")
    refusal: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class InboxMessage(Base):
    """A message accepted from a partner, with the first answer given: a message id seen again is
    answered with it and changes nothing. ``message`` keeps the exact bytes received (the
    receiver's half of the message log; empty for messages received before it was kept)."""

    __tablename__ = "federation_inbox"
    __table_args__ = (Index("ix_federation_inbox_log", "recipient", "received_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sender: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    receipt: Mapped[bytes] = mapped_column(LargeBinary)
    message: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    receipt_sha256: Mapped[str] = mapped_column(String(64), default="")


class Case(Base):
    """A cross-region application on either side: ``accepting`` (forwarded from here, with what came
    back) or ``issuing`` (received here and decided as our own, with the accepting zone recorded)."""

    __tablename__ = "federation_cases"
    __table_args__ = (Index("ix_federation_cases_pdf_due", "application_id",
                            sqlite_where=text("licence_qr IS NOT NULL AND licence_pdf IS NULL"),
                            postgresql_where=text("licence_qr IS NOT NULL AND licence_pdf IS NULL")),)

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    partner_zone: Mapped[str] = mapped_column(String(32), index=True)
    remote_application_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    remote_status: Mapped[str] = mapped_column(String(32), default="")  # "" until the partner reports; see ``remote``
    remote_version: Mapped[int] = mapped_column(Integer, default=0)
    remote_findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    remote_missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    remote_due_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    licence_qr: Mapped[str | None] = mapped_column(Text, nullable=True)
    licence_cose: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    licence_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    licence_delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def remote(self) -> Status | None:
        """The partner's status as reported (checked on arrival, ``rules.partner_status``), None
        until its first ``application.decided``."""
        return Status(self.remote_status) if self.remote_status else None


PDF_DUE = (Case.licence_qr.is_not(None), Case.licence_pdf.is_(None), Case.role == CaseRole.ISSUING)
"""An issuing case whose licence PDF is still to be made (read through ``ix_federation_cases_pdf_due``)."""


class WitnessedCheckpoint(Base):
    """A partner's signed audit checkpoint, fetched and kept as a witness of its history."""

    __tablename__ = "federation_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[str] = mapped_column(String(32), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    checkpoint: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NetworkAuthority(Base):
    """The network this instance hosts as its authority: its signing key, its member zones (as
    listed: id, name, url, standard digest, keys), the keys it revoked, and the configuration it
    last signed (``document``, version ``version``)."""

    __tablename__ = "federation_network_authority"

    network_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_pem: Mapped[str] = mapped_column(Text)
    zones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    revoked: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    document: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NetworkMembership(Base):
    """The network this instance's zones joined: where its configuration is read, the authority's
    pinned key (``anchor``), and the copy taken last (``document``, its version and expiry)."""

    __tablename__ = "federation_network_membership"

    network_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    anchor: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    document: Mapped[bytes] = mapped_column(LargeBinary)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from yima.db.base import Base

#: An entry not linked into its chain yet (``yima.audit.service``): no seq and no hashes.
PENDING = "seq IS NULL"


class AuditEntry(Base):
    """One entry of a chain; ``(chain, seq)`` is unique, so two writers can never fork a chain.

    On PostgreSQL an entry is first stored pending (``seq``, ``prev_hash`` and ``hash`` empty) in
    its use case's transaction and linked into the chain after the commit, in the order of ``id``
    (``yima.audit.service``; migration 0038); on SQLite it is linked in the transaction itself."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_audit_log_chain_seq"),
                      Index("ix_audit_log_pending", "chain", "id", sqlite_where=text(PENDING),
                            postgresql_where=text(PENDING)))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    chain: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(100), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditHead(Base):
    """The last entry linked into each chain; whoever links entries (on SQLite the writer, on
    PostgreSQL the one integrator holding the chain's advisory lock) moves it."""

    __tablename__ = "audit_heads"

    chain: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))

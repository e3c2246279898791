from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from yima.db.base import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    zone_id: Mapped[str | None] = mapped_column(ForeignKey("zones.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Tokens carry the generation they were issued in; raising it signs the user out everywhere.
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SignInAttempts(Base):
    """Failed sign-ins of one key — an account name or a client address — and its lock, kept in the
    database so that every worker process sees the same count (``yima.accounts.throttle``)."""

    __tablename__ = "sign_in_attempts"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # "account" | "address"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SessionActivity(Base):
    """When a session (one issued token, kept as its SHA-256) was last used, so that every worker
    process ends it after the idle timeout (``yima.accounts.idle``)."""

    __tablename__ = "session_activity"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

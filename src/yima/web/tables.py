"""The web plumbing's one table: the rate limits' counters (``yima.web.ratelimit``)."""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from yima.db.base import Base


class RateLimitCounter(Base):
    """Requests counted against one limit key (route limit and caller) in its current window,
    kept in the database so that every worker process and server counts together."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float)  # when the window ends, seconds since the epoch

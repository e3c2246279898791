"""The indexes the figures need, declared on the register's tables (created by migration 0002).

Statistics own no table: they read ``enterprises`` and ``applications``. Declaring the indexes
here keeps ``Base.metadata`` equal to the migrated schema (``yima.app.schema`` imports this).
"""

from __future__ import annotations

from sqlalchemy import Index, func, literal_column

from yima.register.tables import Enterprise
from yima.registration.tables import Application

#: The GB/T 4754 division of a written industry code (``I65`` of ``I6513``). The arguments are
#: literal so that the expression matches the index's, on SQLite and PostgreSQL alike.
INDUSTRY_DIVISION = func.substr(Enterprise.industry_code, literal_column("1"), literal_column("3"))

STATS_INDEXES = (
    Index("ix_enterprises_stats_active", Enterprise.zone_id, Enterprise.entity_type, INDUSTRY_DIVISION,
          Enterprise.established_on, Enterprise.cancelled_on),
    Index("ix_enterprises_stats_new", Enterprise.zone_id, Enterprise.established_on, Enterprise.entity_type,
          Enterprise.registered_capital, Enterprise.address_commitment),
    Index("ix_applications_stats", Application.zone_id, Application.decided_at, Application.status,
          Application.channel, Application.matter),
)

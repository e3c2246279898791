"""Every feature's tables in ``Base.metadata``: the schema the migrations build (Alembic, tests).

Importing this module imports each feature's ``tables`` module; a feature with tables adds its
line here.
"""

from __future__ import annotations

import yima.accounts.tables  # noqa: F401
import yima.audit.tables  # noqa: F401
import yima.federation.tables  # noqa: F401
import yima.keys.tables  # noqa: F401
import yima.licences.tables  # noqa: F401
import yima.observers.tables  # noqa: F401
import yima.pki.tables  # noqa: F401
import yima.projects.tables  # noqa: F401
import yima.registration.tables  # noqa: F401
import yima.seals.tables  # noqa: F401
import yima.stats.tables  # noqa: F401
import yima.zones.tables  # noqa: F401
from yima.db.base import Base

metadata = Base.metadata

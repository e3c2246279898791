"""Every feature's tables in ``Base.metadata``: the schema the migrations build (tests compare
the two; Alembic's autogenerate reads it through ``yima.db.migrations.env``).

Each feature's mapped classes join the shared ``Base`` (``yima.db.base``) when its ``tables``
module is imported; the composition root imports them all here, so that ``yima.db`` imports no
feature. A feature with tables adds its line here.
"""

from __future__ import annotations

import yima.accounts.tables  # noqa: F401
import yima.audit.tables  # noqa: F401
import yima.federation.tables  # noqa: F401
import yima.keys.tables  # noqa: F401
import yima.licences.tables  # noqa: F401
import yima.notifications.tables  # noqa: F401
import yima.observers.tables  # noqa: F401
import yima.pki.tables  # noqa: F401
import yima.projects.tables  # noqa: F401
import yima.ratings.tables  # noqa: F401
import yima.register.tables  # noqa: F401
import yima.registration.tables  # noqa: F401
import yima.seals.tables  # noqa: F401
import yima.stats.tables  # noqa: F401
import yima.web.tables  # noqa: F401
import yima.zones.tables  # noqa: F401
from yima.db.base import Base

metadata = Base.metadata

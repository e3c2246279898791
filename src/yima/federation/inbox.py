"""The one entry point for a message from a partner zone: every kind this instance applies.

``service.receive`` checks and applies the kinds it owns; the withdrawal of a forwarded application
is applied by ``withdrawal``, which depends on ``service`` — so the table of every kind is here,
above both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yima.db import Database
from yima.federation import service, withdrawal
from yima.federation.model import WITHDRAWN
from yima.standard.model import MatterStandard

RECEIVERS: dict[str, service.Receiver] = {WITHDRAWN: withdrawal.receive_withdrawn}


def receive(db: Database, standard: MatterStandard, data: bytes, now: datetime, *, data_dir: Any = None,
            max_bytes: int = 10 * 1024 * 1024, client: str = "") -> tuple[bytes, bool]:
    """Check a message, apply it once, answer with a signed receipt: ``(receipt, replayed)``;
    ``client`` is the address it came from (a refusal is logged under it)."""
    return service.receive(db, standard, data, now, data_dir=data_dir, max_bytes=max_bytes, receivers=RECEIVERS,
                           client=client)

"""The matter standard the installation is configured with (``YIMA_STANDARD_FILE``, else the one
shipped), resolved here — in the composition root, once per start of the app, a command, the job
runner or the server — and passed to every feature that applies it. No feature resolves it."""

from __future__ import annotations

from yima.config import Settings, get_settings
from yima.standard import configured_standard
from yima.standard.model import MatterStandard


def the_standard(settings: Settings | None = None) -> MatterStandard:
    return configured_standard(settings or get_settings())

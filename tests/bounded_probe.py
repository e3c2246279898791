"""A job for ``yima.bounded`` that imports nothing of Yima's: it reports which of the given modules
the child it runs in already had loaded (``test_pdf_limits``)."""

from __future__ import annotations

import sys


def loaded(names: list[str]) -> list[str]:
    return [name for name in names if name in sys.modules]

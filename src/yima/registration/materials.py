"""Uploaded materials: accepted by their content (magic bytes), not their name or declared type.

The checks and the storage by hash live in ``yima.uploads``, shared with other features.
"""

from __future__ import annotations

from yima.uploads import SIGNATURES, check_upload, store_by_hash

__all__ = ["SIGNATURES", "check_upload", "store_by_hash"]

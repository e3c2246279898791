"""Uploaded materials: accepted by their content (magic bytes), not their name or declared type.

The check itself lives in ``yima.uploads``, shared with the other features that take uploads.
"""

from __future__ import annotations

from yima.uploads import SIGNATURES, check_upload, clean_filename

__all__ = ["SIGNATURES", "check_upload", "clean_filename"]

"""Masking of personal data (ID numbers, phone numbers, names) on every public surface.

The one place that decides how much of a personal datum may be shown.
"""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """GB 11643 ID number: keep the first 6 (division) and last 4 characters."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Mobile number: keep the first 3 and last 4 digits."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """Personal name: keep the family name (first character)."""
    if len(value) <= 1:
        return value
    return value[0] + "*" * (len(value) - 1)

"""Errors of the signed licence: text, QR, COSE or claims that cannot be read."""

from __future__ import annotations

from yima.errors import DomainError


class MalformedLicence(DomainError):
    """The licence text, its compression, its COSE structure or its claims cannot be decoded."""

    def __init__(self, en: str, zh: str = "执照二维码内容无法解析", field: str = "qr") -> None:
        super().__init__("licence.malformed", field, zh, en)


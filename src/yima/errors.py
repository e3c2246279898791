"""Domain errors: a rule id, the field path it concerns, and a message in Chinese and English.

The web layer maps them to HTTP statuses in one handler; the CLI prints them and exits non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One failed rule: which rule, which field, and why (in both languages)."""

    rule: str
    field: str
    zh: str
    en: str

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}"

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "field": self.field, "message": self.message,
                "message_zh": self.zh, "message_en": self.en}


class DomainError(Exception):
    """A request that breaks a rule. ``status`` is the HTTP status the web layer answers with."""

    status = 422

    def __init__(self, rule: str, field: str, zh: str, en: str) -> None:
        super().__init__(f"{rule} [{field}]: {zh} / {en}")
        self.findings = [Finding(rule, field, zh, en)]

    @classmethod
    def of(cls, findings: list[Finding]) -> DomainError:
        first = findings[0]
        err = cls(first.rule, first.field, first.zh, first.en)
        err.findings = list(findings)
        return err

    @property
    def finding(self) -> Finding:
        return self.findings[0]


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Unauthorized(DomainError):
    status = 401


class MissingPart(RuntimeError):
    """A part of the installation is missing (a font, a package, a tool): not the request's fault.

    The web layer answers 503 naming the part and how to install it (and logs it once); the CLI
    prints the same. ``part`` is a short id, e.g. ``cjk_font``."""

    def __init__(self, part: str, zh: str, en: str, install: str) -> None:
        super().__init__(f"{part} missing: {en}; {install}")
        self.part, self.zh, self.en, self.install = part, zh, en, install


class TooManyRequests(DomainError):
    """Refused for now; ``retry_after`` seconds later it may succeed (HTTP 429 with Retry-After)."""

    status = 429

    def __init__(self, rule: str, field: str, zh: str, en: str, retry_after: int = 60) -> None:
        super().__init__(rule, field, zh, en)
        self.retry_after = retry_after

"""The errors of a message between zones: each a domain error with the HTTP status the receiving
endpoint answers with and a short ``reason`` kept in the audit log (docs/federation-messages.md)."""

from __future__ import annotations

from yima.errors import DomainError


class Refusal(DomainError):
    """A message the receiver does not accept; ``reason`` is the short name kept in the audit log."""

    def __init__(self, reason: str, status: int, zh: str, en: str) -> None:
        super().__init__(f"federation.{reason}", "message", zh, en)
        self.reason = reason
        self.status = status


class MalformedMessage(Refusal):
    """The bytes are not a message: not a COSE_Sign1, or its payload not an envelope (422)."""

    def __init__(self, what: str) -> None:
        super().__init__("malformed", 422, f"消息格式不正确：{what}", f"The message is malformed: {what}")


class NetworkClosed(DomainError):
    """This instance's copy of its network configuration expired: it neither sends nor accepts (503)."""

    status = 503

    def __init__(self, zh: str, en: str) -> None:
        super().__init__("federation.network_expired", "network", zh, en)

"""The signed message between two zones' instances (跨省异地办照) and its receipt: pure data.

A message is a COSE_Sign1 (RFC 9052 §4.2), made by ``yima.federation.codec`` with the signer the
one-code licence uses too (``yima.licences.cose``) and the sending zone's active key from its trust
list. Its payload is
one CBOR map (RFC 8949) with text keys::

    {"v": 1, "id": "<UUID made by the sender>", "kind": "application.forwarded",
     "from": "cq-gxq", "to": "cd-gxq", "created": "<RFC 3339 UTC>", "sent": "<RFC 3339 UTC>",
     "standard": "<hex digest of the matter standard>", "body": {...}}

``created`` is when the message was written (it never changes); ``sent`` when it was signed;
``expires`` when the sender stops trying. A message is signed once and the same bytes are sent on
every attempt, so both ends keep exactly what was exchanged (the message log); the receiver
accepts it until ``expires``. A receipt is a message of kind
``receipt`` whose body names the message received and the SHA-256 of the exact bytes received
(non-repudiation of receipt, as eDelivery AS4 receipts do). The format is in
docs/federation-messages.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import cbor2

VERSION = 1
RECEIPT = "receipt"
WITHDRAWN = "application.withdrawn"
LICENCE_PDF = "application.licence_pdf"
"""The signed PDF of a licence whose decision went before it (``application.decided`` with ``pdf_follows``)."""
CHAIN_ENTRIES = "chain.entries"
"""A partner asks for entries of the recipient's audit chain (answered at ``/api/v1/federation/chain/entries``)."""
KINDS = ("application.forwarded", "application.decided", "application.material", WITHDRAWN, RECEIPT, CHAIN_ENTRIES,
         LICENCE_PDF)


def instant_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_instant(text: Any) -> datetime:
    if not isinstance(text, str):
        raise ValueError("an instant is RFC 3339 text")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("an instant carries its offset")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Envelope:
    """What a message says, as signed. ``body`` holds CBOR-ready values (text, numbers, bytes, maps)."""

    id: str
    kind: str
    sender: str
    recipient: str
    created: datetime
    sent: datetime
    standard: str
    body: Mapping[str, Any] = field(default_factory=dict)
    expires: datetime | None = None

    def payload(self) -> bytes:
        members = {"v": VERSION, "id": self.id, "kind": self.kind, "from": self.sender, "to": self.recipient,
                   "created": instant_text(self.created), "sent": instant_text(self.sent),
                   "standard": self.standard, "body": dict(self.body)}
        if self.expires is not None:
            members["expires"] = instant_text(self.expires)
        return cbor2.dumps(members, canonical=True)

    def resent(self, at: datetime) -> Envelope:
        """This envelope signed at ``at`` (the one signing of a message)."""
        return replace(self, sent=at)

    def expiring(self, at: datetime) -> Envelope:
        return replace(self, expires=at)

    def with_body(self, body: Mapping[str, Any]) -> Envelope:
        return replace(self, body=body)


def new_message(kind: str, sender: str, recipient: str, standard: str, body: Mapping[str, Any],
                now: datetime, message_id: str | None = None) -> Envelope:
    return Envelope(message_id or str(uuid.uuid4()), kind, sender, recipient, now, now, standard, body)


def envelope_from_payload(data: Any) -> Envelope:
    """The envelope of a decoded payload; ``ValueError`` naming the member that is wrong."""
    if not isinstance(data, Mapping):
        raise ValueError("the payload is not a CBOR map")
    if data.get("v") != VERSION:
        raise ValueError(f"member 'v' is not {VERSION}")
    texts = {}
    for key in ("id", "kind", "from", "to", "standard"):
        value = data.get(key)
        if not isinstance(value, str) or not value or len(value) > 200:
            raise ValueError(f"member {key!r} is missing or not text")
        texts[key] = value
    try:
        uuid.UUID(texts["id"])
    except ValueError as err:
        raise ValueError("member 'id' is not a UUID") from err
    if texts["kind"] not in KINDS:
        raise ValueError(f"member 'kind' is not one of {', '.join(KINDS)}")
    body = data.get("body")
    if not isinstance(body, Mapping):
        raise ValueError("member 'body' is not a map")
    expires = parse_instant(data["expires"]) if data.get("expires") is not None else None
    return Envelope(texts["id"], texts["kind"], texts["from"], texts["to"], parse_instant(data.get("created")),
                    parse_instant(data.get("sent")), texts["standard"], dict(body), expires)


@dataclass(frozen=True)
class DeliveryRefusal:
    """Why a message will not be delivered (it is ``dead`` or ``expired``): the partner's HTTP
    status (None when no answer says so), its rule and its words in both languages, or this zone's
    own (``federation.expired``, ``federation.not_partner``). Kept on the outbox row as its JSON
    (``OutboxMessage.refusal``, ``RefusalOut``)."""

    status: int | None
    error: str
    message_zh: str
    message_en: str

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "error": self.error, "message_zh": self.message_zh,
                "message_en": self.message_en}

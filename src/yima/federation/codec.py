"""The bytes of a message between zones (docs/federation-messages.md): the envelope's CBOR payload
(``Envelope.payload``, RFC 8949 canonical) in a COSE_Sign1 (RFC 9052 §4.2) signed with the sending
zone's active key, and back. The COSE_Sign1 is made and parsed by the one signer Yima has
(``yima.licences.cose``, the licence's); anything that cannot be read is a ``MalformedMessage``
here, never a licence's error."""

from __future__ import annotations

from dataclasses import dataclass

from yima.federation.errors import MalformedMessage
from yima.federation.model import Envelope, envelope_from_payload
from yima.keys.model import ZoneSigningKey
from yima.licences.cose import decode_cbor, decode_sign1, sign1
from yima.licences.errors import MalformedLicence


@dataclass(frozen=True)
class Opened:
    """A message as claimed, not yet trusted: the envelope, and what checking its signature needs."""

    envelope: Envelope
    kid: bytes
    signature: bytes
    signed: bytes  # the Sig_structure the signature covers


def seal(envelope: Envelope, key: ZoneSigningKey) -> bytes:
    """The envelope as a COSE_Sign1 signed with ``key``."""
    return sign1(envelope.payload(), key)


def open_message(data: bytes) -> Opened:
    """The envelope a message claims, with its kid, signature and signed bytes; ``MalformedMessage``."""
    try:
        message = decode_sign1(data)
        envelope = envelope_from_payload(decode_cbor(message.payload, "payload"))
    except MalformedLicence as err:  # the COSE layer's words, about a message here
        raise MalformedMessage(err.finding.en) from err
    except ValueError as err:
        raise MalformedMessage(str(err)) from err
    return Opened(envelope, message.kid, message.signature, message.to_be_signed())

"""Federation routes: the receiving endpoint for partners' signed messages, the partner list, the
late forwarded applications, and the licence PDF delivered by a partner."""

from __future__ import annotations

import binascii
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from yima.actors import require_role
from yima.clock import utcnow
from yima.config import Settings
from yima.errors import DomainError, NotFound
from yima.federation import delivery, inbox, network, network_rules, partners, views, witness
from yima.federation.states import MessageState
from yima.licences.documents import default_zone
from yima.licences.qr import render_qr_png
from yima.listing import search_text
from yima.web.deps import DB, AppSettings, CurrentActor, RowId, Standard
from yima.web.listing import PageNo, PerPage, Search, page_request, set_page_headers
from yima.web.params import SeqParam

router = APIRouter(tags=["federation"])


ENVELOPE_SLACK = 1024 * 1024


def message_body_limit(settings: Settings) -> int:
    """The largest body of the federation endpoint: a message carrying a material as large as an
    upload may be, base64url-encoded (4/3), with room for the envelope and the rest of the body."""
    return settings.max_upload_bytes * 4 // 3 + ENVELOPE_SLACK


class MessageIn(BaseModel):
    message: str = Field(min_length=1, max_length=40_000_000,
                         description="The signed message: a COSE_Sign1, base64url without padding")


class ReceiptOut(BaseModel):
    receipt: str = Field(description="The receiver's signed receipt (COSE_Sign1, base64url without padding)")
    replayed: bool = Field(description="True when the message id was seen before: the first receipt, nothing changed")


class PartnerOut(BaseModel):
    zone: str
    local_zone: str
    url: str
    standard_digest: str
    keys: int
    refreshed_at: str
    last_delivery: str | None
    waiting: int
    dead: int = Field(description="Messages to the partner that will not be delivered (refused for good or "
                                  "expired)")


class LateCaseOut(BaseModel):
    application: int
    partner_zone: str
    name: str
    forwarded_at: str
    waiting_messages: int


@router.post("/api/v1/federation/messages", response_model=ReceiptOut)
def receive_message(body: MessageIn, request: Request, db: DB, standard: Standard,
                    settings: AppSettings) -> ReceiptOut:
    """A partner zone's signed message; answered with a signed receipt, or refused with 4xx (logged,
    rate-limited per address; nothing is written for a message whose signature does not verify)."""
    try:
        data = delivery.unb64(body.message)
    except (binascii.Error, ValueError) as err:
        raise DomainError("federation.malformed", "message", "消息不是 base64url 文本",
                          "The message is not base64url text") from err
    receipt, replayed = inbox.receive(db, standard, data, utcnow(), data_dir=settings.data_dir,
                                      max_bytes=settings.max_upload_bytes,
                                      client=request.client.host if request.client else "")
    return ReceiptOut(receipt=delivery.b64(receipt), replayed=replayed)


class RefusalOut(BaseModel):
    status: int | None = Field(description="The partner's HTTP status; null when this zone gave up (expiry)")
    error: str = Field(description="The rule: the partner's error id, or federation.expired")
    message_zh: str
    message_en: str


class LoggedMessageOut(BaseModel):
    id: str = Field(description="The message id (UUID), as in its payload")
    kind: str
    direction: str = Field(description="out: sent by this zone; in: received by it")
    partner: str = Field(description="The other zone")
    zone: str = Field(description="This instance's zone that sent or received it")
    sha256: str = Field(description="SHA-256 of the signed bytes; empty until signed (or exchanged before they "
                                    "were kept)")
    receipt_sha256: str = Field(description="SHA-256 of the signed receipt; empty until delivered")
    state: str = Field(description="pending | delivered | dead | expired")
    created_at: str | None = Field(description="Written (out) or received (in)")
    signed_at: str | None
    settled_at: str | None = Field(description="Delivered, refused for good or expired (out); received (in)")
    expires_at: str | None
    attempts: int
    last_error: str
    refusal: RefusalOut | None = Field(description="Why a dead or expired message will not be delivered")
    application: int | None


#: Messages a page of the log holds when the caller names no ``per_page`` (nor ``limit``): the v1 answer.
MESSAGES_PER_PAGE = 50


@router.get("/api/v1/federation/messages", response_model=list[LoggedMessageOut])
def list_messages(db: DB, actor: CurrentActor, response: Response,
                  partner: Annotated[str | None, Query(max_length=32)] = None,
                  state: Annotated[Literal["pending", "delivered", "dead", "expired"] | None, Query()] = None,
                  direction: Annotated[Literal["in", "out"] | None, Query()] = None, q: Search = "",
                  page: PageNo = 1, per_page: PerPage = MESSAGES_PER_PAGE,
                  limit: Annotated[int | None, Query(ge=1, le=200, description="v1: rows from ``offset`` "
                                                     "(instead of ``page``/``per_page``)")] = None,
                  offset: Annotated[int | None, Query(ge=0, le=10_000, description="v1: rows to skip")] = None,
                  ) -> list[LoggedMessageOut]:
    """The message log, newest first: every message sent to or received from a partner, with the
    SHA-256 of its signed bytes and of its receipt (officers: their zone's), by ``partner``,
    ``state``, ``direction`` and the search text ``q`` (part of a message id or kind). One page of
    ``per_page`` messages (default 50, at most 100): ``X-Total-Count`` and ``Link`` (next, prev,
    first, last) give the rest. Without any paging parameter the answer is the 50 newest, as in v1;
    the v1 ``limit``/``offset`` still pick rows by count (they win over ``page``/``per_page``)."""
    require_role(actor, "officer", "admin")
    filters = views.MessageFilter(partner, state, direction, search_text(q))
    if limit is not None or offset is not None:
        rows, total = views.message_log(db, actor, filters, offset=offset or 0, limit=limit or MESSAGES_PER_PAGE)
        response.headers["X-Total-Count"] = str(total)
        return [LoggedMessageOut.model_validate(m.as_json()) for m in rows]
    found = views.messages_page(db, actor, filters, page_request(page, per_page, q))
    set_page_headers(response, "/api/v1/federation/messages", found,
                     {"partner": partner, "state": state, "direction": direction, "q": q})
    return [LoggedMessageOut.model_validate(m.as_json()) for m in found.items]


@router.get("/api/v1/federation/messages/{message_id}/signed", response_class=Response,
            responses={200: {"content": {"application/cose": {}}, "description": "The COSE_Sign1 as exchanged"}})
def signed_message(message_id: Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{36}$")], db: DB,
                   actor: CurrentActor) -> Response:
    """The exact signed bytes of a message (COSE_Sign1, RFC 9052), as sent or as received."""
    require_role(actor, "officer", "admin")
    data = views.signed_message(db, actor, message_id)
    return Response(data, media_type="application/cose",
                    headers={"Content-Disposition": f'attachment; filename="message-{message_id[:36]}.cose"'})


class ResentOut(BaseModel):
    id: str
    state: Literal["pending"] = Field(description="Pending again: sent by the partner's lane at once")
    partner: str


@router.post("/api/v1/federation/messages/{message_id}/resend", response_model=ResentOut)
def resend_message(message_id: Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{36}$")], db: DB, standard: Standard,
                   actor: CurrentActor) -> ResentOut:
    """Send a dead or expired message again once its cause is fixed (officers of the sending zone;
    audited). Its signed bytes go again while their expiry lasts, else it is signed anew."""
    require_role(actor, "officer", "admin")
    partner = delivery.resend(db, standard, actor, message_id, utcnow())
    return ResentOut(id=message_id, state=MessageState.PENDING.value, partner=partner)


@router.get("/api/v1/federation/partners", response_model=list[PartnerOut])
def list_partners(db: DB, actor: CurrentActor) -> list[PartnerOut]:
    """The partner zones, their standard digest, the last delivery and what waits in the outbox."""
    require_role(actor, "officer", "admin")
    return [PartnerOut(**p.__dict__) for p in partners.list_partners(db)]


@router.get("/api/v1/federation/late", response_model=list[LateCaseOut])
def late_cases(db: DB, actor: CurrentActor) -> list[LateCaseOut]:
    """Forwarded applications the partner has not answered after a day (the accepting officers')."""
    require_role(actor, "officer", "admin")
    return [LateCaseOut(**asdict(c)) for c in views.late_cases(db, actor, utcnow())]


LOCAL_LICENCE: dict[int | str, dict[str, Any]] = {
    307: {"description": "An application this zone registered itself: its licence, at the licence's own route"}}


@router.get("/api/v1/applications/{app_id}/licence.pdf", response_class=Response, responses=LOCAL_LICENCE)
def delivered_licence_pdf(app_id: RowId, db: DB, actor: CurrentActor) -> Response:
    """The licence PDF signed by the partner zone, served from the copy it delivered; for an
    application this zone approved itself, a redirect to its licence's PDF."""
    case = views.delivered_licence(db, actor, app_id)
    if isinstance(case, str):
        return RedirectResponse(f"/api/v1/licences/{case}/licence.pdf", status_code=307)
    return Response(case.licence_pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="licence-application-{app_id}.pdf"'})


@router.get("/api/v1/applications/{app_id}/licence-qr.png", response_class=Response, responses=LOCAL_LICENCE)
def delivered_licence_qr(app_id: RowId, db: DB, actor: CurrentActor) -> Response:
    """The QR of the licence the partner zone delivered, to print and hand over here; for an
    application this zone approved itself, a redirect to its licence's QR."""
    case = views.delivered_licence(db, actor, app_id, pdf=False)
    if isinstance(case, str):
        return RedirectResponse(f"/api/v1/licences/{case}/qr.png", status_code=307)
    return Response(render_qr_png(case.licence_qr or "", scale=6), media_type="image/png")


class ChainEntryOut(BaseModel):
    """An entry with everything its hash covers (docs/audit-log.md)."""

    seq: int
    at: str = Field(description="ISO 8601, UTC, to the microsecond, as hashed")
    actor_id: int | None
    actor_role: str
    action: str
    subject: str
    detail: dict[str, Any]


class ChainEntriesOut(BaseModel):
    zone: str
    entries: list[ChainEntryOut] = Field(description="Entries after ``after`` up to ``until`` (at most 1000), with "
                                                     "everything their hashes cover: seq, at, actor_id, actor_role, "
                                                     "action, subject, detail")


@router.post("/api/v1/federation/chain/entries", response_model=ChainEntriesOut)
def chain_entries(body: MessageIn, request: Request, db: DB, standard: Standard) -> ChainEntriesOut:
    """A partner's signed request (a ``chain.entries`` message) for entries of this zone's audit
    chain, to recompute it between this zone's signed checkpoints; answered to partners only,
    nothing written."""
    try:
        data = delivery.unb64(body.message)
    except (binascii.Error, ValueError) as err:
        raise DomainError("federation.malformed", "message", "消息不是 base64url 文本",
                          "The message is not base64url text") from err
    zone, after, until = witness.checked_entries_request(db, standard.digest, data, utcnow(),
                                                         request.client.host if request.client else "")
    entries = witness.entries_between(db, zone, after, until)
    return ChainEntriesOut.model_validate({"zone": zone, "entries": [e.as_json() for e in entries]})


class ChainHashesOut(BaseModel):
    zone: str
    hashes: dict[int, str] = Field(description="entry number → its hash, for the numbers asked (at most 1000)")


@router.get("/api/v1/federation/chain", response_model=ChainHashesOut)
def chain_hashes(db: DB, zone: str, seq: Annotated[list[SeqParam], Query(max_length=1000)]) -> ChainHashesOut:
    """Public: the hashes of the zone's audit entries at the given positions (not their content),
    so that partners check the chain still passes through the checkpoints they witnessed."""
    return ChainHashesOut(zone=zone, hashes=witness.hashes_at(db, zone, seq))


@router.get("/.well-known/yima/trust-list.cose", response_class=Response,
            responses={200: {"content": {"application/cose": {}},
                             "description": "The trust list as a COSE_Sign by the zone's active and latest retired "
                                            "keys (docs/federation-messages.md)"}})
def signed_trust_list(db: DB, standard: Standard, zone: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    """The zone's trust list, signed by its active key and the keys it retired last, so that
    partners follow a key rotation on their own; ``?zone=`` picks a zone when this instance serves
    several."""
    zone_id = zone or default_zone(db)
    if zone_id is None:
        raise NotFound("zone.unknown", "zone", "本平台尚无开发区", "No zone on this instance yet")
    return Response(partners.signed_trust_list(db, standard, zone_id), media_type="application/cose",
                    headers={"Cache-Control": "public, max-age=60"})


class NetworkDocumentOut(BaseModel):
    network: str = Field(description="The network's id (as the signed payload names it)")
    signed: str = Field(description="The configuration: a COSE_Sign1 by the authority's key, base64url without "
                                    "padding; its payload is the JSON of docs/federation-messages.md §9")


@router.get(network_rules.WELL_KNOWN, response_model=NetworkDocumentOut)
def network_configuration(db: DB) -> NetworkDocumentOut:
    """The signed network configuration (信任配置) of the network this instance hosts as authority."""
    document = network.published(db)
    if document is None:
        raise NotFound("federation.no_network", "network", "本平台未主管任何网络", "This instance hosts no network")
    return NetworkDocumentOut(**document)

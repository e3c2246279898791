"""Licence pages: the public page a phone opens when it scans the licence QR, and the licence page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yima.clock import utcnow
from yima.errors import DomainError
from yima.licences import documents, service
from yima.web.deps import DB, Standard
from yima.web.templating import render, text

router = APIRouter(include_in_schema=False)


def _scanned(request: Request, db: DB, standard: Standard, segment: str) -> Response:
    result = service.verify_scanned(db, standard, segment, utcnow())
    licence = result.get("licence")
    permits = []
    if licence:
        for permit in licence.get("permits", []):
            kind = standard.permits.get(permit["type"])
            permits.append({**permit, "type_name": (kind.name.en if text(request, "zh", "en") == "en" else kind.name.zh)
                            if kind else permit["type"],
                            "item_names": [standard.scope[i].name.zh if i in standard.scope else i
                                           for i in permit.get("items", [])]})
    status = 200 if result["valid"] else 422
    return render(request, "verify.html", {"result": result, "licence": licence, "permits": permits,
                                           "message": text(request, result.get("message_zh", ""),
                                                           result.get("message_en", ""))}, status=status)


@router.get("/v/{segment}")
def scanned_lower(request: Request, segment: str, db: DB, standard: Standard) -> Response:
    """What a phone opens when it scans the licence: the licence verified, with its live status."""
    return _scanned(request, db, standard, segment)


@router.get("/V/{segment}")
def scanned_upper(request: Request, segment: str, db: DB, standard: Standard) -> Response:
    return _scanned(request, db, standard, segment)


@router.get("/licences/{uscc}")
def licence_page(request: Request, uscc: str, db: DB, standard: Standard) -> Response:
    try:
        view = documents.licence_view(db, standard, uscc)
    except DomainError as err:
        return render(request, "error.html", {"errors": [{"rule": f.rule, "text": text(request, f.zh, f.en)}
                                                         for f in err.findings]}, status=err.status)
    return render(request, "licence.html", {"l": view})


@router.get("/verify")
def verify_form(request: Request) -> Response:
    return render(request, "verify_form.html")

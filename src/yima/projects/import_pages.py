"""The web import of the investment office (``/imports/{kind}``) and its API
(``POST /api/v1/imports/{kind}``): projects, funds in place, key enterprises and the service log.

A template to download; an upload is checked in full and shown as a preview (new, corrected,
unchanged and refused rows, each refused one with its line, rule and reason) before anything is
written; the office then confirms, and the file is imported in one transaction (``importer``).
Between the two the file waits in the data folder under its SHA-256 (``imports/``), removed once
imported; previews never confirmed are removed after a day.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.datastructures import UploadFile as FormFile

from yima.actors import Actor
from yima.clock import utcnow
from yima.errors import DomainError, Finding
from yima.exports import csv_bytes
from yima.projects import rules, service
from yima.projects.importer import IMPORTS, MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS, Correction, ImportReport, import_content
from yima.projects.model import ImportKind, ImportReportOut, ImportRowOut
from yima.uploads import attachment_disposition, clean_filename
from yima.web.deps import DB, AppSettings, CurrentActor, OptionalActor
from yima.web.listing import CSV
from yima.web.templating import language, login_redirect, render, text

router = APIRouter()
pages = APIRouter(include_in_schema=False)

KINDS: dict[str, tuple[str, str]] = {
    "projects": ("招商项目", "Investment projects"),
    "project-funds": ("到位资金", "Funds in place"),
    "key-enterprises": ("重点企业", "Key enterprises"),
    "services": ("服务记录", "Service log"),
}
EXAMPLES: dict[str, list[str]] = {  # one row as an office writes it, shown on the page
    "projects": ["CQ-2026-001", "智能终端产业园", "渝电股份", "listed;china_top_500", "C3921", "1,000,000,000",
                 "2026/1/5", "2026/3/1", "", ""],
    "project-funds": ["CQ-2026-001", "2026/2/1", "200,000,000", "自有资金"],
    "key-enterprises": ["91500107MA5U7XXXXX", "spec-wang", "GR202550000123", "2025/12/1", "2028/11/30"],
    "services": ["91500107MA5U7XXXXX", "2026/3/2", "request", "申请人才公寓", "已协调分配", "2026/3/12"],
}
COLUMN_WORDS: dict[str, tuple[str, str]] = {
    "code": ("项目编号（本区唯一）", "Project code (unique in the zone)"), "name": ("项目名称", "Project name"),
    "investor": ("投资方", "Investor"),
    "investor_tags": ("投资方类别，多个以分号分隔：fortune_global_500 世界500强、central_soe 央企、china_top_500 "
                      "中国500强、listed 上市公司", "Investor tags, separated by semicolons: fortune_global_500, "
                      "central_soe, china_top_500, listed"),
    "industry_code": ("行业代码（GB/T 4754-2017）", "Industry code (GB/T 4754-2017)"),
    "amount": ("金额（元）", "Amount (yuan)"), "signed_on": ("签约日期", "Signed on"),
    "landed_on": ("落地日期", "Landed on"), "started_on": ("开工日期", "Started on"),
    "completed_on": ("竣工投产日期", "Completed on"), "project_code": ("项目编号", "Project code"),
    "received_on": ("到位日期", "Received on"),
    "source": ("资金来源（可省略此列）", "Source of the funds (optional column)"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "specialist": ("服务专员用户名（不存在则新建账号）", "Service specialist's user name (created when unknown)"),
    "high_tech_cert": ("高新技术企业证书编号（可空）", "High-tech certificate number (may be empty)"),
    "cert_issued_on": ("发证日期", "Issued on"), "cert_expires_on": ("有效期至", "Expires on"),
    "served_on": ("服务日期", "Served on"), "kind": ("类型：visit 走访、request 诉求", "Kind: visit or request"),
    "request": ("诉求内容", "Request"), "action": ("办理情况", "What was done"),
    "resolved_on": ("办结日期（可空）", "Resolved on (may be empty)"),
}
HELD_FOR = 24 * 3600
_SHA = re.compile(r"[0-9a-f]{64}")


def _columns(kind: str) -> list[str]:
    header, optional, _, _ = IMPORTS[kind]
    return [*header, *optional]


# --- the file between preview and import ----------------------------------------------------------

def _folder(data_dir: Path) -> Path:
    return data_dir / "imports"


def _hold(data_dir: Path, content: bytes) -> str:
    """Keep an uploaded file until it is imported: its SHA-256. Files older than a day go."""
    folder = _folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - HELD_FOR
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    digest = hashlib.sha256(content).hexdigest()
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.replace(temporary, folder / digest)
    return digest


def _held(data_dir: Path, digest: str) -> bytes:
    path = _folder(data_dir) / digest
    if not _SHA.fullmatch(digest) or not path.is_file():
        raise DomainError("import.preview_gone", "file", "预览的文件已不在（已导入或超过一天），请重新上传",
                          "The previewed file is gone (imported, or older than a day): upload it again")
    return path.read_bytes()


# --- what the import does -------------------------------------------------------------------------

def _report_out(report: ImportReport, zone: str) -> ImportReportOut:
    return ImportReportOut.model_validate({
        "kind": report.kind, "zone": zone, "encoding": report.encoding, "written": report.written,
        "new": report.loaded, "updated": report.updated, "existing": report.existing - report.differs,
        "differs": report.differs, "refused": report.bad,
        "rows": [ImportRowOut(line=o.line, status=o.status, key=o.key,
                              rule=o.finding.rule if o.finding else None, field=o.finding.field if o.finding else None,
                              message_zh=o.finding.zh if o.finding else None,
                              message_en=o.finding.en if o.finding else None,
                              changes={k: [None if v is None else str(v) for v in pair]
                                       for k, pair in o.changes.items()})
                 for o in report.outcomes]})


def _correction(actor: Actor, update: bool, reason: str) -> Correction | None:
    return Correction(actor, rules.check_reason(reason)) if update else None


def run_import(db: DB, actor: Actor, kind: str, zone: str | None, filename: str, content: bytes, *, update: bool,
               reason: str, write: bool) -> ImportReportOut:
    zone_id = service.office_zone(actor, zone)
    report = import_content(db, kind, zone_id, clean_filename(filename, "import.csv"), content, utcnow(),
                            correction=_correction(actor, update, reason), write=write)
    return _report_out(report, zone_id)


@router.post("/api/v1/imports/{kind}", response_model=ImportReportOut, tags=["projects"])
async def import_api(kind: ImportKind, db: DB, actor: CurrentActor,
                     file: Annotated[UploadFile, File(description="CSV in UTF-8 or GBK, at most 5 MB and "
                                                                  f"{MAX_UPLOAD_ROWS} rows")],
                     zone: Annotated[str | None, Form(max_length=32)] = None,
                     update: Annotated[bool, Form(description="Correct the records a row differs from")] = False,
                     reason: Annotated[str, Form(max_length=2000, description="Why (with update)")] = "",
                     commit: Annotated[bool, Form(description="false (default): a preview, nothing written; "
                                                              "true: import, in one transaction")] = False
                     ) -> ImportReportOut:
    """Import a file of the investment office: projects, project-funds, key-enterprises or
    services (the same columns as ``yima import``). Without ``commit`` it only answers what the
    import would do, row by row, refused rows with their line, rule and reason."""
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    return run_import(db, actor, kind, zone, file.filename or "import.csv", content, update=update, reason=reason,
                      write=commit)


# --- pages ----------------------------------------------------------------------------------------

def _page(request: Request, actor: Actor, zone: str, kind: str, *, report: ImportReportOut | None = None,
          errors: list[Finding] | None = None, held: str = "", update: bool = False, reason: str = "",
          filename: str = "", status: int = 200) -> Response:
    pick = 1 if language(request) == "en" else 0
    return render(request, "projects/import.html", {
        "kind": kind, "kinds": {k: v[pick] for k, v in KINDS.items()}, "columns": _columns(kind),
        "column_words": {k: v[pick] for k, v in COLUMN_WORDS.items()},
        "example": EXAMPLES[kind], "report": report, "held": held, "update": update, "reason": reason,
        "filename": filename, "max_rows": MAX_UPLOAD_ROWS, "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "errors": [{"rule": f.rule, "field": f.field, "text": text(request, f.zh, f.en)} for f in errors or []],
        "zone": zone}, status=status)


def _office(request: Request, actor: Actor | None, zone: str | None) -> tuple[Actor, str] | Response:
    """The investment office (or an administrator, naming the zone) and the zone it imports into."""
    if actor is None:
        return login_redirect(request)
    try:
        return actor, service.office_zone(actor, zone or None)
    except DomainError as err:
        return render(request, "error.html", {"errors": [{"rule": f.rule, "text": text(request, f.zh, f.en)}
                                                         for f in err.findings]}, status=err.status)


@pages.get("/imports/{kind}")
def import_page(request: Request, kind: ImportKind, signed_in: OptionalActor, zone: str | None = None) -> Response:
    office = _office(request, signed_in, zone)
    return office if isinstance(office, Response) else _page(request, *office, kind)


@pages.get("/imports/{kind}/template.csv")
def template(kind: ImportKind, signed_in: OptionalActor, request: Request, zone: str | None = None) -> Response:
    office = _office(request, signed_in, zone)
    if isinstance(office, Response):
        return office
    return Response(csv_bytes(_columns(kind), []), media_type=CSV,
                    headers={"Content-Disposition": attachment_disposition(f"{kind}.csv")})


def _form_text(form: Any, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


@pages.post("/imports/{kind}")
async def preview(request: Request, kind: ImportKind, db: DB, settings: AppSettings,
                  signed_in: OptionalActor) -> Response:
    form = await request.form()
    office = _office(request, signed_in, _form_text(form, "zone", 32))
    if isinstance(office, Response):
        return office
    actor, zone = office
    upload, update, reason = form.get("file"), form.get("update") == "1", _form_text(form, "reason")
    filename = clean_filename(upload.filename if isinstance(upload, FormFile) else "", "import.csv")
    try:
        if not isinstance(upload, FormFile) or not upload.filename:
            raise DomainError("upload.empty", "file", "请选择要导入的 CSV 文件", "Choose the CSV file to import")
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        report = run_import(db, actor, kind, zone, filename, content, update=update, reason=reason, write=False)
    except DomainError as err:
        return _page(request, actor, zone, kind, errors=err.findings, update=update, reason=reason, status=err.status)
    return _page(request, actor, zone, kind, report=report, held=_hold(settings.data_dir, content), update=update,
                 reason=reason, filename=filename)


@pages.post("/imports/{kind}/confirm")
async def confirm(request: Request, kind: ImportKind, db: DB, settings: AppSettings,
                  signed_in: OptionalActor) -> Response:
    form = await request.form()
    office = _office(request, signed_in, _form_text(form, "zone", 32))
    if isinstance(office, Response):
        return office
    actor, zone = office
    held, update, reason = _form_text(form, "held", 64), form.get("update") == "1", _form_text(form, "reason")
    filename = clean_filename(_form_text(form, "filename", 255), "import.csv")
    try:
        content = _held(settings.data_dir, held)
        report = run_import(db, actor, kind, zone, filename, content, update=update, reason=reason, write=True)
    except DomainError as err:
        return _page(request, actor, zone, kind, errors=err.findings, update=update, reason=reason, status=err.status)
    (_folder(settings.data_dir) / held).unlink(missing_ok=True)
    return _page(request, actor, zone, kind, report=report, filename=filename)

"""One place that turns errors into HTTP answers: a status, the rule, the field, both languages.

Validation errors from Pydantic are translated into the same shape, so a client never sees a
stack trace and always learns which field broke which rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from yima.errors import DomainError, Finding, MissingPart, TooManyRequests
from yima.textcheck import RULE as HIDDEN_CHARACTER
from yima.web.templating import render, text
from yima.web.textguard import HiddenCharacter

log = logging.getLogger("yima.web")

PYDANTIC_ZH: dict[str, tuple[str, str]] = {
    "missing": ("必填项未填写", "is required"),
    "string_too_short": ("长度不足", "is too short"),
    "string_too_long": ("长度超出上限", "is too long"),
    "string_pattern_mismatch": ("格式不正确", "has the wrong format"),
    "string_type": ("须为文本", "must be text"),
    "literal_error": ("取值不在允许范围内", "is not one of the allowed values"),
    "decimal_parsing": ("须为数字", "must be a number"),
    "decimal_type": ("须为数字", "must be a number"),
    "decimal_max_digits": ("数字位数过多", "has too many digits"),
    "decimal_max_places": ("小数位数过多", "has too many decimal places"),
    "greater_than": ("数值过小", "is too small"),
    "greater_than_equal": ("数值过小", "is too small"),
    "less_than_equal": ("数值过大", "is too large"),
    "list_type": ("须为列表", "must be a list"),
    "too_long": ("条目过多", "has too many items"),
    "extra_forbidden": ("不允许的字段", "is not an allowed field"),
    "model_attributes_type": ("须为对象", "must be an object"),
    "dict_type": ("须为对象", "must be an object"),
    "json_invalid": ("不是有效的 JSON", "is not valid JSON"),
    "int_parsing": ("须为整数", "must be an integer"),
    "date_from_datetime_parsing": ("须为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_parsing": ("须为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_range": ("须为 1900-01-01 至 2199-12-31 之间的日期", "must be a date from 1900-01-01 to 2199-12-31"),
    "less_than": ("数值过大", "is too large"),
    "greater_than_equal_or_less_than_equal": ("超出允许范围", "is out of range"),
}


# The fields of a request body in words, for messages people read (the path stays the field).
FIELD_WORDS: dict[str, tuple[str, str]] = {
    "body": ("申请内容", "the request"), "zone": ("开发区", "zone"), "matter": ("登记事项", "matter"),
    "channel": ("办理渠道", "channel"), "uscc": ("统一社会信用代码", "Unified Social Credit Code"),
    "entity_type": ("市场主体类型", "entity type"), "name": ("企业名称", "enterprise name"),
    "registered_capital": ("注册资本", "registered capital"), "industry_code": ("主营行业", "main industry"),
    "scope": ("经营范围", "business scope"), "addresses": ("地址", "addresses"),
    "legal_representative": ("法定代表人", "legal representative"),
    "legal_representative.name": ("法定代表人姓名", "legal representative's name"),
    "legal_representative.id_number": ("法定代表人身份证号码", "legal representative's ID number"),
    "legal_representative.phone": ("法定代表人手机号码", "legal representative's mobile phone"),
    "shareholders": ("股东", "shareholders"), "materials": ("材料", "materials"),
    "commitments": ("承诺事项", "commitments"),
    "app_id": ("申请编号", "application id"), "permit_id": ("许可编号", "permit id"),
    "suggestion_id": ("建议编号", "suggestion id"), "attachment_id": ("附件编号", "attachment id"),
    "department_id": ("部门编号", "department id"), "project_id": ("项目编号", "project id"),
    "service_id": ("服务记录编号", "service record id"),
    "rating_id": ("评价编号", "rating id"), "rect_id": ("差评整改事项编号", "rectification item id"),
    "score": ("评分", "score"), "indicators": ("评价指标", "indicators"),
}
ITEM_WORDS: dict[str, tuple[str, str, str, str]] = {  # list field: zh item, en item, zh/en of its parts
    "addresses": ("第{n}个地址", "address {n}", "text:|proof:的证明方式|kind:的类型",
                  "text:|proof:proof|kind:kind"),
    "shareholders": ("第{n}位股东", "shareholder {n}",
                     "name:的姓名|id_number:的身份证号码|uscc:的统一社会信用代码|share_pct:的出资比例",
                     "name:name|id_number:ID number|uscc:credit code|share_pct:share"),
    "scope": ("第{n}项经营范围", "business scope item {n}", "", ""),
    "materials": ("第{n}项材料", "material {n}", "", ""),
    "commitments": ("第{n}项承诺", "commitment {n}", "", ""),
}


def field_words(path: str) -> tuple[str, str]:
    """A field path (``shareholders.1.share_pct``) in words: (第2位股东出资比例, shareholder 2's share)."""
    if path in FIELD_WORDS:
        return FIELD_WORDS[path]
    head, _, rest = path.partition(".")
    index, _, part = rest.partition(".")
    if head in ITEM_WORDS and index.isascii() and index.isdigit():
        zh_item, en_item, zh_parts, en_parts = ITEM_WORDS[head]
        n = int(index) + 1
        zh, en = zh_item.format(n=n), en_item.format(n=n)
        if part:
            zh_part = dict(p.split(":") for p in zh_parts.split("|") if p).get(part, part)
            en_part = dict(p.split(":") for p in en_parts.split("|") if p).get(part, part)
            zh, en = zh + zh_part, (f"{en}'s {en_part}" if en_part else en)
        return zh, en
    return path, path


def findings_of_validation(errors: Iterable[Mapping[str, Any]],
                           words: Callable[[str], tuple[str, str]] = field_words) -> list[Finding]:
    """Pydantic's errors as findings; ``words`` names the fields (a page may name them as its form does)."""
    findings = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form")]
        path = ".".join(loc) or "body"
        kind = error.get("type", "value_error")
        ctx = error.get("ctx") or {}
        if kind == HIDDEN_CHARACTER:  # a domain rule checked while reading the body: its own id and words
            field_zh, field_en = words(path)
            findings.append(Finding(kind, path, f"{field_zh}：{ctx.get('zh', '')}", f"{field_en}: {ctx.get('en', '')}"))
            continue
        zh, en = PYDANTIC_ZH.get(kind, ("格式不正确", "is not valid"))
        field_zh, field_en = words(path)
        sentence = f"{field_en} {en}"
        findings.append(Finding(f"schema.{kind}", path, f"{field_zh}{zh}", sentence[:1].upper() + sentence[1:]))
    return findings


def problem(findings: list[Finding], status: int) -> JSONResponse:
    first = findings[0]
    return JSONResponse(status_code=status, content={
        "error": first.rule, "field": first.field, "message": first.message,
        "detail": [f.as_dict() for f in findings]})


FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def wrong_content_type(request: Request) -> Finding | None:
    """The body was sent as a type the route does not read (a form to a JSON route, text to any
    route): 415 naming the type expected, rather than the fields that then look missing. A request
    without a Content-Type is read as JSON, as FastAPI does."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    sent = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if body_field is None or not sent:
        return None
    if isinstance(body_field.field_info, params.Form):  # a route with a file reads multipart only
        expected = FORMS[:1] if isinstance(body_field.field_info, params.File) else FORMS
    else:
        expected = ("application/json",)
    if sent in expected or (expected[0] == "application/json" and sent.endswith("+json")):
        return None
    wanted = " 或 ".join(expected)
    return Finding("request.content_type", "Content-Type", f"请求内容类型须为 {wanted}，收到的是 {sent}",
                   f"The request body must be sent as {' or '.join(expected)}, not {sent}")


_reported_parts: set[str] = set()


def missing_part(request: Request, exc: MissingPart) -> Response:
    """503: the installation lacks a part. Named with how to install it, never a stack trace; the
    log says it once per part and process, not once per request."""
    if exc.part not in _reported_parts:
        _reported_parts.add(exc.part)
        log.error("installation part missing: %s: %s; %s", exc.part, exc.en, exc.install)
    finding = Finding(f"installation.{exc.part}", exc.part, f"{exc.zh}。安装方法：{exc.install}",
                      f"{exc.en}. To install: {exc.install}")
    wants_page = not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")
    if wants_page:
        return render(request, "error.html", {"errors": [{"rule": finding.rule, "text": text(
            request, finding.zh, finding.en)}]}, status=503)
    return problem([finding], 503)


def install(app: FastAPI) -> None:
    @app.exception_handler(MissingPart)
    async def _missing(request: Request, exc: MissingPart) -> Response:
        return missing_part(request, exc)

    @app.exception_handler(HiddenCharacter)
    async def _hidden(request: Request, exc: HiddenCharacter) -> Response:
        if not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", ""):
            return render(request, "error.html", {"errors": [
                {"rule": f.rule, "field": f.field, "text": f"{f.field}: {text(request, f.zh, f.en)}"}
                for f in exc.findings]}, status=422)
        return problem(exc.findings, 422)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        response: Response
        if (isinstance(exc, TooManyRequests) and not request.url.path.startswith("/api/")
                and "text/html" in request.headers.get("accept", "")):  # a page: the reason as a page
            response = render(request, "error.html", {"errors": [
                {"rule": f.rule, "field": f.field, "text": text(request, f.zh, f.en)} for f in exc.findings]},
                status=429)
        else:
            response = problem(exc.findings, exc.status)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        wrong_type = wrong_content_type(request)
        if wrong_type is not None:
            return problem([wrong_type], 415)
        return problem(findings_of_validation(list(exc.errors())), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # a body FastAPI could not decode (not UTF-8, broken multipart)
            zh = "请求内容无法解析：须为 UTF-8 编码的 JSON 或表单"
            en = f"The request body cannot be read: it must be UTF-8 JSON or a form ({exc.detail})"
            return problem([Finding("request.unreadable", "body", zh, en)], 400)
        zh = {404: "未找到", 405: "不支持的请求方法", 401: "请先登录", 403: "无权访问"}.get(exc.status_code, "请求错误")
        return problem([Finding(f"http.{exc.status_code}", "path", zh, str(exc.detail))], exc.status_code)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if not exc.connection_invalidated:
            return await _unexpected(request, exc)
        # The database dropped the connection (a restart): nothing of this request was stored, the
        # pool has been renewed, and the same request sent again is served by a new connection.
        log.warning("database connection lost on %s %s; the pool was renewed", request.method, request.url.path)
        response = problem([Finding("database.reconnecting", "", "数据库连接已中断并已重新建立，未保存任何内容，请重试",
                                    "The database connection was lost and has been renewed; nothing was "
                                    "stored, please try again")], 503)
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem([Finding("internal", "", "服务器内部错误，已记录，请稍后重试",
                                "Internal error; it has been logged, please try again")], 500)

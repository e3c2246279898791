"""One place that turns errors into HTTP answers: a status, the rule, the field, both languages.

Validation errors from Pydantic are translated into the same shape, so a client never sees a
stack trace and always learns which field broke which rule.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from yima.errors import DomainError, Finding

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
}


def findings_of_validation(errors: Iterable[Mapping[str, Any]]) -> list[Finding]:
    findings = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form")]
        path = ".".join(loc) or "body"
        kind = error.get("type", "value_error")
        zh, en = PYDANTIC_ZH.get(kind, ("格式不正确", "is not valid"))
        detail = error.get("msg", "")
        findings.append(Finding(f"schema.{kind}", path, f"{path}：{zh}", f"{path} {en} ({detail})"))
    return findings


def problem(findings: list[Finding], status: int) -> JSONResponse:
    first = findings[0]
    return JSONResponse(status_code=status, content={
        "error": first.rule, "field": first.field, "message": first.message,
        "detail": [f.as_dict() for f in findings]})


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem(exc.findings, exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(findings_of_validation(list(exc.errors())), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        zh = {404: "未找到", 405: "不支持的请求方法", 401: "请先登录", 403: "无权访问"}.get(exc.status_code, "请求错误")
        return problem([Finding(f"http.{exc.status_code}", "path", zh, str(exc.detail))], exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem([Finding("internal", "", "服务器内部错误，已记录，请稍后重试",
                                "Internal error; it has been logged, please try again")], 500)

"""Shapes every JSON route shares: the error body and the base of the response models.

Response models describe what the routes return today (the v1 contract). They allow fields they
do not name, so that a field a later change adds is never dropped on the way out; the suite's
schemathesis run tightens them to the named fields, so a field the models forget fails a test.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="allow")


class FindingOut(ResponseModel):
    """One failed rule, in both languages."""

    rule: str = Field(description="Rule id, e.g. id_number.check_digit")
    field: str = Field(description="Path of the field it concerns, e.g. legal_representative.id_number")
    message: str = Field(description="中文 / English")
    message_zh: str
    message_en: str


class ErrorOut(ResponseModel):
    """Every 4xx answer: the first failed rule, the field, the message in both languages, and all findings."""

    error: str = Field(description="Rule id of the first finding")
    field: str
    message: str
    detail: list[FindingOut]


class Done(ResponseModel):
    status: str


ERRORS: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorOut, "description": "The request breaks a rule: which rule, which field, and why "
                                              "(401 sign in, 403 not allowed, 404 unknown, 409 conflict, "
                                              "413 too large, 415 wrong type, 422 invalid, 429 too many)"},
}

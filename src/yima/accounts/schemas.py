"""Response models of the account routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from yima.web.schemas import ResponseModel


class TokenOut(ResponseModel):
    """An OAuth2 bearer token, with the role and zone it acts for."""

    access_token: str
    token_type: str = Field(description="bearer")
    role: str = Field(description="applicant | officer | admin …")
    zone: str | None


class MeOut(ResponseModel):
    id: int
    username: str
    role: str
    zone: str | None
    display_name: str


class SignedOutOut(ResponseModel):
    signed_out: bool


class AccountActionOut(ResponseModel):
    username: str
    role: str
    action: str = Field(description="disable | enable | sign-out")


class PasswordChangeIn(BaseModel):
    """A user's own new password; the current one proves it is them."""

    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128, description="At least 8 characters, not a common password")

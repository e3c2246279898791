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


class UserOut(ResponseModel):
    """An account as administrators list it: no password hash."""

    username: str
    display_name: str
    role: str = Field(description="applicant | officer | admin …")
    zone: str | None
    disabled: bool
    created_at: str = Field(description="ISO 8601, UTC")
    locked_until: str | None = Field(description="ISO 8601, UTC: failed sign-ins make its next sign-in wait "
                                     "until then; null when none does")
    failed_sign_ins: int

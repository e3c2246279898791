"""Response models of the registration routes: applications as their applicant or officer sees
them, enterprises as the public does (personal data masked)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from yima.web.schemas import FindingOut, ResponseModel


class ApplicationSummaryOut(ResponseModel):
    id: int
    zone: str
    matter: str = Field(description="establishment | change | cancellation …")
    entity_type: str
    channel: str = Field(description="online | counter")
    name: str
    status: str = Field(description="approved | rejected | under_review | awaiting_materials | withdrawn …")
    uscc: str | None = Field(description="The credit code, once assigned")
    findings: list[FindingOut]
    missing_materials: list[str]
    materials_due_on: str | None = Field(description="YYYY-MM-DD, for 容缺受理")
    submitted_at: str | None = Field(description="ISO 8601, UTC")
    decided_at: str | None
    statutory_due_at: str | None
    time_left_hours: float | None = Field(description="Against the statutory limit, while pending")
    overdue: bool
    enterprise_status: str | None = Field(None, description="The registered enterprise's status now (active | "
                                          "revoked | cancelled …); null before it is registered")


class TransitionOut(ResponseModel):
    from_: str | None = Field(alias="from")
    to: str
    actor_id: int | None = Field(None, description="The acting user's id; null for the system or a partner zone")
    actor_role: str | None
    reason: str | None = Field(description="The reason as one string (中文 / English, or as typed)")
    reason_zh: str | None = Field(None, description="The reason whole in Chinese")
    reason_en: str | None = Field(None, description="The reason whole in English")
    at: str | None


class UploadOut(ResponseModel):
    material: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: str | None


class ApplicationOut(ApplicationSummaryOut):
    """An application with what its applicant submitted, its history and its uploads."""

    body: dict[str, Any]
    proved_addresses: list[int] = Field(default_factory=list, description="Indexes of body.addresses whose use an "
                                        "uploaded material proved when an officer approved (not by commitment)")
    transitions: list[TransitionOut]
    uploads: list[UploadOut]
    withdrawal: str | None = Field(None, description="For an application forwarded to a partner zone whose "
                                   "applicant asked to withdraw it: requested (sent, awaiting the partner's "
                                   "confirmation; status is still the partner's) | confirmed (status withdrawn) | "
                                   "too_late (the partner had decided); null otherwise")
    rating: dict[str, Any] | None = Field(None, description="好差评 of this case, added by the ratings feature: "
                                          "open_to_applicant (may the applicant rate now), round, and ratings "
                                          "(score 1–5, indicators, comment, appeal, rectification), as in "
                                          "GET /api/v1/ratings/…; null where not installed")


class RepresentativeOut(ResponseModel):
    name: str
    id_number: str = Field(description="Masked, e.g. 110101********1234")
    phone: str | None = Field(description="Masked, e.g. 138****5678")


class ShareholderOut(ResponseModel):
    name: str
    share_pct: str | float | None
    id_number: str | None = Field(description="Masked")
    uscc: str | None
    subscribed: str = Field("0.00", description="认缴出资额: the share of the registered capital, yuan")
    contribution_due: str | None = Field(None, description="认缴出资期限 (an LLC), YYYY-MM-DD")
    contribution_due_statutory: bool = Field(False, description="True when no term was declared: the date is the "
                                             "statutory limit (Company Law Art. 47)")
    paid_in: str = Field("0.00", description="实缴出资额 so far, yuan")
    paid_in_on: str | None = Field(None, description="实缴日期, YYYY-MM-DD")


class ScopeItemOut(ResponseModel):
    id: str
    name: str


class AddressOut(ResponseModel):
    kind: str = Field(description="domicile | site")
    text: str
    by_commitment: bool


class BeneficialOwnerOut(ResponseModel):
    """受益所有人, for the zone's officers and administrators only (each read audited)."""

    name: str
    id_type: str = Field(description="resident_id | passport | hk_macao_permit | taiwan_permit")
    id_number: str
    nationality: str = Field(description="ISO 3166-1 alpha-3")
    basis: str = Field(description="shares_25 | income_or_votes_25 | control | senior_manager")
    share_pct: str | None
    since: str
    application: int = Field(description="The application that reported them")


class EnterpriseOut(ResponseModel):
    """What anyone may see of an enterprise: personal data masked."""

    uscc: str
    name: str
    zone: str
    entity_type: str
    entity_type_name: str
    status: str
    industry_code: str | None
    registered_capital: str = Field(description="Yuan, two decimals")
    established_on: str
    cancelled_on: str | None
    legal_representative: RepresentativeOut
    shareholders: list[ShareholderOut]
    scope: list[ScopeItemOut]
    addresses: list[AddressOut]

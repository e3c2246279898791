"""The matter standard (同一标准办一件事) as typed data.

Everything a zone decides by policy lives in the versioned data file, not in code: the matters,
their materials, which materials a commitment may replace (告知承诺制), which may be supplied
later (容缺受理) and by when, statutory time limits, the business-scope catalogue with the
industry class (GB/T 4754-2017) and permits of each item, and the negative lists. Two zones that
load the same file share one standard, identified by its digest.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Text(BaseModel):
    model_config = ConfigDict(frozen=True)
    zh: str
    en: str


class Material(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    name: Text
    commitment: str | None = Field(
        default=None, description="Commitment id that may replace this material (告知承诺制)."
    )
    deferrable_days: int | None = Field(
        default=None, description="May be supplied this many days after acceptance (容缺受理)."
    )


class Matter(BaseModel):
    """One registration matter (设立/变更/注销/备案) and what it needs."""

    model_config = ConfigDict(frozen=True)
    id: str
    name: Text
    statutory_days: int
    instant: bool = Field(description="May be approved by machine (秒批) when every rule passes.")
    needs_enterprise: bool = False
    materials: dict[str, list[str]] = Field(
        description="Required material ids per entity type; key '*' applies to every type."
    )

    def required_materials(self, entity_type: str) -> list[str]:
        return list(self.materials.get(entity_type, self.materials.get("*", [])))


class EntityType(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    name: Text
    name_suffixes: list[str] = Field(default_factory=list, description="Organisation forms (组织形式).")
    company: bool = False
    needs_shareholders: bool = True
    instant: bool = True


class ScopeItem(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    name: Text
    industry_code: str
    permit: str | None = None


class PermitType(BaseModel):
    """A sector permit bundled with the licence (一业一证 / 多证合一)."""

    model_config = ConfigDict(frozen=True)
    id: str
    name: Text
    kind: str = Field(description="permit, or filing (备案) completed in the registration step")
    department: Text
    number_prefix: str
    validity_years: int | None = None
    statutory_days: int
    commitment: bool = Field(description="Decided on the spot by commitment (告知承诺制)")
    verification_days: int | None = Field(default=None, description="Commitment verified within (days)")
    licence_waits: bool = Field(default=False, description="The licence waits for this permit's decision")
    revoke_licence_on_false_commitment: bool = False
    change_by_commitment: bool = Field(default=False, description="Change or renewal decided on the spot")
    separate_materials: list[str] = Field(description="Materials when applied for on its own")
    bundled_materials: list[str] = Field(description="Extra materials when bundled with the licence")


class NegativeScope(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    reason: Text


class Commitment(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    text: Text


class NameRules(BaseModel):
    """The word lists and messages of the enterprise-name rules (``yima.registration.names``)."""

    model_config = ConfigDict(frozen=True)
    banned_words: list[str] = Field(default_factory=list, description="Refused (禁用字词).")
    restricted_words: list[str] = Field(default_factory=list, description="Examined by an officer (限制使用).")
    messages: dict[str, Text] = Field(default_factory=dict, description="Rule id → message with {placeholders}.")


class MatterStandard(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    title: Text
    digest: str = ""
    matters: dict[str, Matter]
    entity_types: dict[str, EntityType]
    materials: dict[str, Material]
    commitments: dict[str, Commitment]
    scope: dict[str, ScopeItem]
    scope_negative_list: dict[str, NegativeScope]
    permits: dict[str, PermitType] = Field(default_factory=dict)
    separate_registration_materials: list[str] = Field(
        default_factory=list, description="Materials of a licence applied for on its own, for comparisons")
    industry_words: list[str] = Field(description="行业 terms an enterprise name may carry.")
    address_negative_list: list[str] = Field(
        default_factory=list, description="Standard-wide 住所负面清单 patterns; zones add their own."
    )
    minimum_age: int = 18
    names: NameRules = Field(default_factory=NameRules)

    def matter(self, matter_id: str) -> Matter | None:
        return self.matters.get(matter_id)

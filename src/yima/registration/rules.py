"""The registration rules that a machine can check (秒批), as plain functions.

Each rule takes the application and a ``RuleContext`` (the standard, the zone, the names already
taken, the zone's address negative list, the target enterprise) and returns findings. Rules come
in three kinds:

* ``INVALID`` — the input cannot be a valid application (unknown scope, bad ID number check
  digit, shares not summing to 100 ...): the request is refused with 422 and nothing is stored;
* ``REFUSE`` — a lawful refusal at registration (经营范围负面清单, environmental risk): the
  application is stored as rejected with the reason;
* ``REVIEW`` — an officer must look (name form, name taken, address on the 住所负面清单 under
  commitment, missing materials): the application goes to the zone's queue with the findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from yima.errors import DomainError, Finding
from yima.identity import age_on, validate_id_number
from yima.register.status import in_existence
from yima.registration import addresses, capital, names, owners, persons
from yima.registration.model import ApplicationIn
from yima.registration.status import Status
from yima.standard import industry
from yima.standard.model import MatterStandard
from yima.textcheck import hidden_characters


class Kind(Enum):
    INVALID = "invalid"
    REFUSE = "refuse"
    REVIEW = "review"


@dataclass(frozen=True)
class AddressBanEntry:
    pattern: str
    reason: str = ""


@dataclass(frozen=True)
class EnterpriseFacts:
    """What the rules know of the enterprise a change, cancellation or filing is for: read from the
    register (``service.enterprise_facts``) before the rules run."""

    uscc: str
    name: str
    entity_type: str
    status: str
    owner_id: int | None
    established_on: date
    registered_capital: Decimal


@dataclass(frozen=True)
class RuleContext:
    standard: MatterStandard
    zone_id: str
    zone_known: bool
    place_names: tuple[str, ...]
    today: date
    taken_names: frozenset[str] = frozenset()
    address_bans: tuple[AddressBanEntry, ...] = ()
    enterprise: EnterpriseFacts | None = None
    zone_division: str = ""  # GB/T 2260 code of the zone
    divisions: tuple[tuple[str, str], ...] = ()  # (place name, GB/T 2260 code prefix) an address may begin with
    registered: tuple[tuple[str, str], ...] = ()  # (name, uscc) of active enterprises sharing the 字号


@dataclass
class Evaluation:
    invalid: list[Finding] = field(default_factory=list)
    refusals: list[Finding] = field(default_factory=list)
    review: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return self.refusals + self.review


Rule = Callable[[ApplicationIn, RuleContext], list[Finding]]


def _f(rule: str, path: str, zh: str, en: str) -> Finding:
    return Finding(rule, path, zh, en)


def entity_type_of(app: ApplicationIn, ctx: RuleContext) -> str | None:
    if app.entity_type:
        return app.entity_type
    return ctx.enterprise.entity_type if ctx.enterprise else None


# --- INVALID: the application cannot stand as submitted ------------------------------------------

#: Fields whose own rule reports a hidden character (names.py, persons.py), so it is said once.
_OWN_CHECK = ("name", "legal_representative.name")


def text_is_clean(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    """No control or invisible character in any text of the application (``text.hidden_character``)."""
    skip = frozenset((*_OWN_CHECK, *(f"shareholders.{i}.name" for i in range(len(app.shareholders or [])))))
    return hidden_characters(app.model_dump(mode="json", exclude_none=True), skip)


def name_characters_are_allowed(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    return names.character_findings(app.name, "name", ctx.standard) if app.name else []


def person_names_are_valid(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    """The legal representative and natural-person shareholders by ``persons.name_findings``; a
    legal-person shareholder (credit code, no identity number) by the enterprise-name characters."""
    findings: list[Finding] = []
    if app.legal_representative:
        person = app.legal_representative
        findings += persons.name_findings(person.name, "legal_representative.name", person.id_type)
    for i, holder in enumerate(app.shareholders or []):
        path = f"shareholders.{i}.name"
        if holder.uscc and not holder.id_number:
            findings += names.character_findings(holder.name, path, ctx.standard)
        else:
            findings += persons.name_findings(holder.name, path, holder.id_type)
    return findings


def zone_is_known(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    if ctx.zone_known:
        return []
    return [_f("zone.unknown", "zone", f"未知的开发区：{app.zone}", f"Unknown zone: {app.zone}")]


def matter_is_known(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    if app.matter in ctx.standard.matters:
        return []
    known = ", ".join(ctx.standard.matters)
    return [_f("matter.unknown", "matter", f"未知的登记事项：{app.matter}（可选：{known}）",
               f"Unknown matter: {app.matter} (one of: {known})")]


def enterprise_is_given(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    matter = ctx.standard.matter(app.matter)
    if matter is None or not matter.needs_enterprise:
        return []
    if not app.uscc:
        return [_f("uscc.required", "uscc", "变更、注销和备案须填写企业统一社会信用代码",
                   "A change, cancellation or filing must name the enterprise's credit code")]
    if ctx.enterprise is None:
        return [_f("uscc.unknown", "uscc", f"本区没有统一社会信用代码为 {app.uscc} 的企业",
                   f"No enterprise of this zone has the credit code {app.uscc}")]
    if not in_existence(ctx.enterprise.status):
        return [_f("enterprise.not_active", "uscc", "该企业已注销或被吊销，不能办理此事项",
                   "The enterprise is cancelled or revoked and cannot take this matter")]
    return []


def establishment_fields_present(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    if app.matter != "establish":
        return []
    required = {"entity_type": app.entity_type, "name": app.name,
                "registered_capital": app.registered_capital, "industry_code": app.industry_code,
                "scope": app.scope, "addresses": app.addresses,
                "legal_representative": app.legal_representative}
    return [_f("field.required", path, f"设立登记必须填写 {path}", f"{path} is required for an establishment")
            for path, value in required.items() if value in (None, [], "")]


def entity_type_is_known(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    if app.entity_type is None or app.entity_type in ctx.standard.entity_types:
        return []
    known = ", ".join(ctx.standard.entity_types)
    return [_f("entity_type.unknown", "entity_type", f"未知的市场主体类型：{app.entity_type}（可选：{known}）",
               f"Unknown entity type: {app.entity_type} (one of: {known})")]


def scope_items_are_known(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    return [_f("scope.unknown", f"scope.{i}", f"经营范围目录中没有 {item}",
               f"{item} is not in the business-scope catalogue")
            for i, item in enumerate(app.scope or []) if item not in ctx.standard.scope]


def industry_code_is_valid(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    if not app.industry_code:
        return []
    try:
        industry.lookup(app.industry_code)
    except DomainError as err:
        return [_f(err.finding.rule, "industry_code", err.finding.zh, err.finding.en)]
    return []


def id_numbers_are_valid(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    findings: list[Finding] = []
    people: list[tuple[str, str, str]] = []
    if app.legal_representative:
        person = app.legal_representative
        people.append(("legal_representative.id_number", person.id_type, person.id_number))
    for i, holder in enumerate(app.shareholders or []):
        if holder.id_number:
            people.append((f"shareholders.{i}.id_number", holder.id_type, holder.id_number))
    for path, id_type, value in people:
        try:
            persons.validate_identity(id_type, value, path)
        except DomainError as err:
            findings.extend(err.findings)
    return findings


def legal_representative_is_adult(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    person = app.legal_representative
    if person is None or person.id_type != "resident_id":
        return []  # only the resident identity number carries the birth date
    try:
        birth = validate_id_number(person.id_number, "legal_representative.id_number")
    except DomainError:
        return []  # reported by id_numbers_are_valid
    minimum = ctx.standard.minimum_age
    if age_on(birth, ctx.today) >= minimum:
        return []
    return [_f("legal_representative.age", "legal_representative.id_number",
               f"法定代表人须年满 {minimum} 周岁", f"The legal representative must be at least {minimum}")]


def shareholders_are_given(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    etype = ctx.standard.entity_types.get(app.entity_type or "")
    if app.matter != "establish" or etype is None or not etype.needs_shareholders or app.shareholders:
        return []
    return [_f("shareholders.required", "shareholders", f"{etype.name.zh}须填写股东（出资人）",
               f"A {etype.name.en.lower()} must list its shareholders (investors)")]


def shareholder_is_identified(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    return [_f("shareholders.identity", f"shareholders.{i}", "股东须填写身份证号码或统一社会信用代码",
               "A shareholder needs an ID number or a credit code")
            for i, holder in enumerate(app.shareholders or []) if not (holder.id_number or holder.uscc)]


def shares_sum_to_100(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    if not app.shareholders:
        return []
    total = sum((holder.share_pct for holder in app.shareholders), Decimal(0))
    if total == Decimal(100):
        return []
    return [_f("shareholders.share_total", "shareholders", f"股东出资比例合计须为 100%，现为 {total}%",
               f"Shareholders' shares must sum to exactly 100%, not {total}%")]


def materials_and_commitments_are_known(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    findings = [_f("materials.unknown", f"materials.{i}", f"事项标准中没有材料 {m}",
                   f"{m} is not a material of the standard")
                for i, m in enumerate(app.materials) if m not in ctx.standard.materials]
    findings += [_f("commitments.unknown", f"commitments.{i}", f"事项标准中没有承诺事项 {c}",
                    f"{c} is not a commitment of the standard")
                 for i, c in enumerate(app.commitments) if c not in ctx.standard.commitments]
    return findings


def address_commitment_is_made(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    if not any(a.proof == "commitment" for a in app.addresses or []) or "address" in app.commitments:
        return []
    return [_f("commitments.address_missing", "commitments",
               "以承诺方式申报住所的，须勾选住所申报承诺（commitments 中含 address）",
               "An address declared by commitment needs the address commitment in commitments")]


# --- REFUSE: refused at registration -------------------------------------------------------------

def scope_not_on_negative_list(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    findings: list[Finding] = []
    for i, item in enumerate(app.scope or []):
        banned = ctx.standard.scope_negative_list.get(item)
        if banned:
            findings.append(_f("scope.negative_list", f"scope.{i}", f"经营范围负面清单：{banned.reason.zh}",
                               f"Business-scope negative list: {banned.reason.en}"))
    return findings


def name_has_no_banned_word(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    return names.banned_findings(app.name, ctx.standard) if app.name else []


def name_differs_from_the_register(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    """Refused: the 字号 and industry feature of an active enterprise of the zone."""
    if not app.name:
        return []
    return names.register_findings(app.name, ctx.place_names, ctx.standard, _others(ctx))[0]


def _others(ctx: RuleContext) -> tuple[tuple[str, str], ...]:
    own = ctx.enterprise.uscc if ctx.enterprise else None
    return tuple(entry for entry in ctx.registered if entry[1] != own)


# --- REVIEW: an officer decides ----------------------------------------------------------------

def name_has_no_restricted_word(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    return names.restricted_findings(app.name, ctx.standard) if app.name else []


def name_is_not_alike_a_registered_one(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    if not app.name:
        return []
    return names.register_findings(app.name, ctx.place_names, ctx.standard, _others(ctx))[1]


def name_has_the_lawful_form(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    """Companies: 行政区划 + 字号 + 行业 + 组织形式; other types: their organisation form."""
    etype = ctx.standard.entity_types.get(entity_type_of(app, ctx) or "")
    if not app.name or etype is None:
        return []
    name = app.name
    suffix = next((s for s in sorted(etype.name_suffixes, key=len, reverse=True) if name.endswith(s)), None)
    if etype.name_suffixes and suffix is None:
        forms = "、".join(etype.name_suffixes)
        return [_f("name.form", "name", f"{etype.name.zh}的名称须以组织形式结尾（{forms}）",
                   f"A {etype.name.en.lower()}'s name must end with its organisation form ({forms})")]
    if not etype.company:
        if "公司" in name:
            return [_f("name.form", "name", "非公司企业的名称不得使用“公司”字样",
                       "Only companies may use 公司 in their name")]
        return []
    core = name[: len(name) - len(suffix or "")]
    place = next((p for p in sorted(ctx.place_names, key=len, reverse=True) if core.startswith(p)), None)
    if place is not None:
        core = core[len(place):]
    else:
        bracketed = next((p for p in ctx.place_names if f"（{p}）" in core or f"({p})" in core), None)
        if bracketed is None:
            places = "、".join(ctx.place_names)
            return [_f("name.form", "name", f"公司名称须冠以行政区划（{places}）",
                       f"A company name must carry the administrative division ({places})")]
        core = core.replace(f"（{bracketed}）", "").replace(f"({bracketed})", "")
    trade = next((w for w in sorted(ctx.standard.industry_words, key=len, reverse=True) if core.endswith(w)), None)
    if trade is None:
        return [_f("name.form", "name", "公司名称须含表明行业的字样（如“科技”“餐饮”）",
                   "A company name must state its industry (e.g. 科技, 餐饮)")]
    if len(core) - len(trade) < 2:
        return [_f("name.form", "name", "字号须至少两个汉字", "The trade name must have at least two characters")]
    return []


def name_is_unique(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    if not app.name:
        return []
    own = ctx.enterprise.name if ctx.enterprise else None
    if app.name in ctx.taken_names and app.name != own:
        return [_f("name.taken", "name", "本区已有同名企业或同名在办申请", "The name is already taken in this zone")]
    return []


def addresses_not_on_negative_list(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    bans = [AddressBanEntry(p) for p in ctx.standard.address_negative_list] + list(ctx.address_bans)
    findings: list[Finding] = []
    for i, address in enumerate(app.addresses or []):
        if address.proof != "commitment":
            continue
        hit = next((b for b in bans if b.pattern in address.text), None)
        if hit:
            why = f"（{hit.reason}）" if hit.reason else ""
            findings.append(_f("address.negative_list", f"addresses.{i}.text",
                               f"该住所属于住所负面清单“{hit.pattern}”{why}，不适用承诺制，请提交使用证明",
                               f"The address is on the address negative list ({hit.pattern}); "
                               "commitment is refused, proof of use is needed"))
    return findings


def required_materials(app: ApplicationIn, standard: MatterStandard, entity_type: str) -> list[str]:
    """The matter's materials plus what each bundled permit adds (一业一证: one application)."""
    matter = standard.matters[app.matter]
    required = matter.required_materials(entity_type)
    if app.matter == "establish":
        for permit_id in permits_needed(app.scope or [], standard):
            required += [m for m in standard.permits[permit_id].bundled_materials if m not in required]
    return required


def permits_needed(scope: list[str], standard: MatterStandard) -> list[str]:
    """The sector permits a business scope needs, in catalogue order, each once."""
    needed: list[str] = []
    for item in scope:
        entry = standard.scope.get(item)
        if entry and entry.permit and entry.permit not in needed:
            needed.append(entry.permit)
    return needed


def missing_materials(app: ApplicationIn, ctx: RuleContext) -> list[str]:
    """Required materials neither supplied nor replaced by a commitment the applicant made."""
    matter = ctx.standard.matter(app.matter)
    etype = entity_type_of(app, ctx)
    if matter is None or etype is None:
        return []
    supplied = set(app.materials)
    missing: list[str] = []
    for material_id in required_materials(app, ctx.standard, etype):
        material = ctx.standard.materials[material_id]
        if material_id in supplied:
            continue
        if material.commitment and material.commitment in app.commitments:
            continue
        missing.append(material_id)
    return missing


def materials_are_complete(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    findings: list[Finding] = []
    for material_id in missing_materials(app, ctx):
        material = ctx.standard.materials[material_id]
        later_zh = f"，可容缺受理（{material.deferrable_days} 日内补齐）" if material.deferrable_days else ""
        later_en = f"; may follow within {material.deferrable_days} days" if material.deferrable_days else ""
        findings.append(_f("materials.missing", "materials", f"缺少材料：{material.name.zh}{later_zh}",
                           f"Missing material: {material.name.en}{later_en}"))
    return findings


def industry_matches_scope(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    if not app.industry_code or not app.scope or not industry.is_valid(app.industry_code):
        return []
    main = industry.normalise(app.industry_code)
    classes = {ctx.standard.scope[s].industry_code for s in app.scope if s in ctx.standard.scope}
    if any(c.startswith(main) or main.startswith(c) for c in classes):
        return []
    return [_f("industry_code.scope_mismatch", "industry_code", "主营行业与经营范围不一致",
               "The main industry does not match any business-scope item")]


def matter_allows_instant_approval(app: ApplicationIn, ctx: RuleContext) -> list[Finding]:
    matter = ctx.standard.matter(app.matter)
    etype = ctx.standard.entity_types.get(entity_type_of(app, ctx) or "")
    if matter is not None and not matter.instant:
        return [_f("review.matter", "matter", f"{matter.name.zh}须经审批人员审核",
                   f"{matter.name.en} is decided by an officer")]
    if app.matter == "establish" and etype is not None and not etype.instant:
        return [_f("review.entity_type", "entity_type", f"{etype.name.zh}设立须经审批人员审核",
                   f"Establishing a {etype.name.en.lower()} is decided by an officer")]
    return []


RULES: tuple[tuple[Kind, Rule], ...] = (
    (Kind.INVALID, text_is_clean),
    (Kind.INVALID, zone_is_known),
    (Kind.INVALID, matter_is_known),
    (Kind.INVALID, enterprise_is_given),
    (Kind.INVALID, establishment_fields_present),
    (Kind.INVALID, entity_type_is_known),
    (Kind.INVALID, scope_items_are_known),
    (Kind.INVALID, industry_code_is_valid),
    (Kind.INVALID, id_numbers_are_valid),
    (Kind.INVALID, legal_representative_is_adult),
    (Kind.INVALID, shareholders_are_given),
    (Kind.INVALID, shareholder_is_identified),
    (Kind.INVALID, shares_sum_to_100),
    (Kind.INVALID, materials_and_commitments_are_known),
    (Kind.INVALID, address_commitment_is_made),
    (Kind.INVALID, name_characters_are_allowed),
    (Kind.INVALID, person_names_are_valid),
    (Kind.INVALID, capital.contribution_term),
    (Kind.INVALID, capital.paid_in_within_subscribed),
    (Kind.INVALID, owners.owners_are_valid),
    (Kind.REFUSE, scope_not_on_negative_list),
    (Kind.REFUSE, name_has_no_banned_word),
    (Kind.REFUSE, name_differs_from_the_register),
    (Kind.REVIEW, name_has_the_lawful_form),
    (Kind.REVIEW, name_has_no_restricted_word),
    (Kind.REVIEW, name_is_not_alike_a_registered_one),
    (Kind.REVIEW, name_is_unique),
    (Kind.REVIEW, addresses_not_on_negative_list),
    (Kind.REVIEW, addresses.domicile_in_zone),
    (Kind.REVIEW, materials_are_complete),
    (Kind.REVIEW, industry_matches_scope),
    (Kind.REVIEW, matter_allows_instant_approval),
    (Kind.REVIEW, owners.beneficial_owner_is_declared),
)


def evaluate(app: ApplicationIn, ctx: RuleContext) -> Evaluation:
    """Run every rule. Meaning rules run only once the input is valid."""
    result = Evaluation()
    lists = {Kind.INVALID: result.invalid, Kind.REFUSE: result.refusals, Kind.REVIEW: result.review}
    for kind, rule in RULES:
        if kind is not Kind.INVALID and result.invalid:
            break
        lists[kind].extend(rule(app, ctx))
    return result


#: What ``warm`` evaluates: an establishment every rule reads (a name of Chinese characters, an
#: industry code, identity numbers, an address); made up, no one's.
SAMPLE: dict[str, object] = {
    "zone": "sample", "matter": "establish", "entity_type": "llc", "channel": "online",
    "name": "重庆示例科技有限公司", "registered_capital": "1000000.00", "industry_code": "I6513",
    "scope": ["software_development"], "addresses": [{"text": "重庆市九龙坡区科城路60号", "proof": "commitment"}],
    "legal_representative": {"name": "张三", "id_number": "110101199001010015", "phone": "13800000000"},
    "shareholders": [{"name": "张三", "id_number": "110101199001010015", "share_pct": "100"}],
    "materials": ["application_form", "articles_of_association"], "commitments": ["address", "beneficial_owner"],
}


def warm(standard: MatterStandard, today: date) -> Evaluation:
    """Every rule once on ``SAMPLE``, so that the tables the rules read when first asked (the
    characters the licence font draws, the standard characters, the industry classification) are
    read at a process's start rather than by its first applicant: that first 秒批 took about 0.12 s
    more CPU than the next ones (0.1 s of it reading the font's character map)."""
    ctx = RuleContext(standard=standard, zone_id="sample", zone_known=True, place_names=("重庆", "重庆市"),
                      today=today)
    return evaluate(ApplicationIn.model_validate(SAMPLE), ctx)


def outcome(evaluation: Evaluation) -> Status:
    """The status an evaluated submission takes: rejected, under_review, or approved (秒批)."""
    if evaluation.invalid:
        raise DomainError.of(evaluation.invalid)
    if evaluation.refusals:
        return Status.REJECTED
    if evaluation.review:
        return Status.UNDER_REVIEW
    return Status.APPROVED

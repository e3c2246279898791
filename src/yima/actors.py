"""Who acts: the roles, the actor a request or a command acts as, and what each role may do
(plain data and functions every layer may use)."""

from __future__ import annotations

from dataclasses import dataclass

from yima.errors import Forbidden

ROLES: dict[str, tuple[str, str]] = {
    "applicant": ("申请人", "Applicant"),
    "officer": ("审批人员", "Officer"),
    "admin": ("管理员", "Administrator"),
    "observer": ("营商环境观察员", "Business-environment observer"),
    "reform_office": ("营商环境改革办", "Business-environment reform office"),
    "department": ("承办部门", "Department"),
    "investment_office": ("招商部门", "Investment office"),
    "service_specialist": ("服务专员", "Service specialist"),
}
ZONE_BOUND = {"officer", "observer", "reform_office", "department", "investment_office", "service_specialist"}


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    role: str
    zone_id: str | None
    display_name: str = ""
    token_generation: int = 0  # of the token (or the user record) this actor came from


def check_role(role: str, zone_id: str | None) -> None:
    if role not in ROLES:
        raise Forbidden("user.role", "role", f"未知角色：{role}（可选：{', '.join(ROLES)}）",
                        f"Unknown role: {role} (one of: {', '.join(ROLES)})")
    if role in ZONE_BOUND and not zone_id:
        raise Forbidden("user.zone_required", "zone", f"{ROLES[role][0]}必须绑定一个开发区",
                        f"An account of role {role} must be bound to one zone")


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden("auth.role", "role", "无权执行此操作", "You are not allowed to do this")


def may_work_zone(actor: Actor, zone_id: str) -> bool:
    return actor.role == "admin" or (actor.role == "officer" and actor.zone_id == zone_id)

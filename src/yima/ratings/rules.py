"""政务服务“好差评”: the person served rates each case once (一事一评), as the State Council General
Office's opinion on the rating system (国办发〔2019〕51号) and GB/T 39734-2020 (政务服务“一次一评”
“一事一评”工作规范) set out.

* Five levels (GB/T 39734-2020 §7.3): 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意. A
  rating of 4 or 5 counts as satisfied; a rating of 2 or less is a bad rating (差评).
* Fixed indicators the person may tick, each a code with a Chinese and an English label; a bad
  rating names at least one (what went wrong), so that it can be put right.
* Who may rate: the person served by a decided case, once (§7.1) — the applicant of a registration
  approved or rejected, the authorised user of a key enterprise whose request (诉求) was resolved;
  once more only after a bad rating was put right (整改后再评价).
* A bad rating opens a rectification item in the reform office's ledger: called back within one
  working day and put right within fifteen (§9.3), counted on China's official calendar.
* An officer may appeal a rating as malicious (恶意差评) with a reason; the reform office decides:
  upheld, the rating is excluded from the figures; rejected, it stays.

Pure: no database, no clock; ``today`` and the calendar are arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from yima import satisfaction
from yima.errors import Conflict, DomainError, Forbidden
from yima.observers.calendar import PACKAGE_CALENDAR, OfficialCalendar
from yima.observers.rules import Deadline, deadline
from yima.ratings.states import AppealState, RectificationState, appeal_may_move, step_allowed
from yima.registration.status import Status

SCORES = satisfaction.SCORES
INDICATORS = satisfaction.INDICATORS
SATISFIED_FROM = satisfaction.SATISFIED_FROM
BAD_UP_TO = satisfaction.BAD_UP_TO
MAX_COMMENT = satisfaction.MAX_COMMENT
MAX_REASON = 1000
CALLBACK_WORKING_DAYS = 1
FIX_WORKING_DAYS = 15
#: What may be rated: the kind of case, and the statuses after which it is decided (办结).
DECIDED_STATUSES: dict[str, tuple[str, ...]] = {
    "application": (Status.APPROVED, Status.REJECTED),  # a registration decision
    "key_enterprise_request": ("resolved",),  # a key enterprise's request (诉求), resolved
}
#: Cases that are no matter of the standard, by the name the figures give them.
OTHER_MATTERS: dict[str, tuple[str, str]] = {
    "key_enterprise_request": ("重点企业诉求", "Key-enterprise request"),
    "suggestion_reply": ("营商环境观察员建议答复", "Reply to an observer's suggestion"),
}


#: Who may appeal a rating of each kind as malicious: the staff who handled such cases.
APPEALED_BY: dict[str, str] = {"application": "officer", "key_enterprise_request": "investment_office"}


def is_decided(kind: str, status: str) -> bool:
    return status in DECIDED_STATUSES[kind]

#: A rectification item (差评整改): open → called back → put right; an upheld appeal withdraws it.
RECTIFICATION_STATES: dict[str, tuple[str, str]] = {
    RectificationState.OPEN: ("待回访", "Waiting for the call back"),
    RectificationState.CALLED_BACK: ("已回访，整改中", "Called back; being put right"),
    RectificationState.PUT_RIGHT: ("已整改", "Put right"),
    RectificationState.WITHDRAWN: ("申诉成立，已撤销", "Withdrawn: the appeal was upheld"),
}
APPEAL_STATES: dict[str, tuple[str, str]] = {
    AppealState.PENDING: ("申诉待核实", "Appeal pending"),
    AppealState.UPHELD: ("申诉成立（不计入统计）", "Appeal upheld (excluded from the figures)"),
    AppealState.REJECTED: ("申诉不成立", "Appeal rejected"),
}


satisfied = satisfaction.satisfied
is_bad = satisfaction.is_bad


@dataclass(frozen=True)
class RatingAsked:
    score: int
    indicators: tuple[str, ...]
    comment: str


def check_rating(score: int, indicators: Sequence[str], comment: str) -> RatingAsked:
    """The rating as it will be stored; a ``DomainError`` naming the field and the rule otherwise."""
    score = satisfaction.check_score(score)
    chosen = satisfaction.check_indicators(indicators)
    comment = satisfaction.check_comment(comment)
    if is_bad(score) and not chosen:
        raise DomainError("rating.bad_needs_indicator", "indicators", "差评须至少选择一项不满意的评价指标",
                          "A bad rating names at least one indicator that was not met")
    return RatingAsked(score, chosen, comment)


@dataclass(frozen=True)
class CaseForRating:
    """What the rules need of a case: whether it is decided, who was served, and its ratings."""

    decided: bool
    served_user_id: int
    #: ``(round, score)`` of each rating given, in order.
    ratings: tuple[tuple[int, int], ...] = ()
    #: The state of the rectification the last bad rating opened (None: none).
    rectification: str | None = None


def next_round(case: CaseForRating, user_id: int, role: str) -> int:
    """The round a rating by this person would be (1: the first; 2: after a bad rating was put
    right); a refusal saying why when they may not rate now."""
    if role != "applicant" or user_id != case.served_user_id:
        raise Forbidden("rating.not_served", "id", "只有办事的申请人本人可以评价",
                        "Only the applicant who was served may rate this case")
    if not case.decided:
        raise Conflict("rating.not_decided", "id", "办件办结（作出决定）后才能评价",
                       "A case can be rated once it is decided")
    if not case.ratings:
        return 1
    last_round, last_score = case.ratings[-1]
    if last_round == 1 and is_bad(last_score) and case.rectification == "put_right":
        return 2
    if last_round == 1 and is_bad(last_score) and case.rectification in ("open", "called_back"):
        raise Conflict("rating.awaiting_rectification", "id", "差评正在整改，整改完成后可再次评价",
                       "The bad rating is being put right; you may rate again once it is")
    raise Conflict("rating.once", "id", "每件事只能评价一次（一事一评）", "A case is rated once (一事一评)")


def may_rate(case: CaseForRating, user_id: int, role: str) -> bool:
    try:
        next_round(case, user_id, role)
    except DomainError:
        return False
    return True


@dataclass(frozen=True)
class RectificationDue:
    """The two deadlines of a bad rating: the call back and the fix."""

    callback: Deadline
    fix: Deadline

    @property
    def provisional(self) -> bool:
        return self.callback.provisional or self.fix.provisional


def rectification_due(rated_on: date, calendar: OfficialCalendar = PACKAGE_CALENDAR) -> RectificationDue:
    """Called back within one working day and put right within fifteen, counted from the day of
    the rating (which does not count) on China's official calendar."""
    return RectificationDue(deadline(rated_on, CALLBACK_WORKING_DAYS, calendar),
                            deadline(rated_on, FIX_WORKING_DAYS, calendar))


def check_rectification_step(step: str, state: str) -> None:
    """A Conflict naming the item's state when ``step`` is not allowed in it (``states.RECTIFICATION_MOVES``)."""
    if not step_allowed(step, state):
        zh, en = RECTIFICATION_STATES.get(state, (state, state))
        raise Conflict(f"rectification.{step}.state", "state", f"整改事项当前为“{zh}”，不能执行此操作",
                       f"The rectification item is: {en.lower()}; this step is not possible now")


def check_appeal(appeal_state: str | None, reason: str) -> str:
    """An officer's appeal of a rating as malicious: once, with a reason; the reason as stored."""
    if not appeal_may_move(appeal_state, AppealState.PENDING):
        raise Conflict("appeal.once", "id", "该评价已申诉过，每条评价只能申诉一次",
                       "This rating has been appealed already; a rating is appealed once")
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise DomainError("appeal.reason", "reason", f"申诉理由须为 1 至 {MAX_REASON} 个字符",
                          f"The reason for the appeal must have 1 to {MAX_REASON} characters")
    return reason


def check_appeal_decision(appeal_state: str | None) -> None:
    if not appeal_may_move(appeal_state, AppealState.UPHELD):
        raise Conflict("appeal.none_pending", "id", "该评价没有待核实的申诉", "This rating has no appeal to decide")


def ledger_code(year: int, number: int) -> str:
    """The rectification item's number in the reform office's ledger (per zone and year): ``2026-0003``."""
    return f"{year}-{number:04d}"


# --- the published figures ---------------------------------------------------------------------

@dataclass(frozen=True)
class RatingFact:
    """One rating as the figures see it: nobody's identity, only what is counted."""

    matter: str
    month: str  # YYYY-MM, China Standard Time, of the rating
    score: int
    excluded: bool
    #: For a bad rating: put right (True/False) by its fix deadline, or None when not yet due.
    put_right_on_time: bool | None = None


@dataclass(frozen=True)
class RatingTally:
    """Ratings (excluded ones apart), the share satisfied, bad ratings and those put right on time
    out of those due, and how many gave each score."""

    ratings: int
    satisfied: int
    satisfied_pct: float | None
    bad: int
    put_right_due: int
    put_right_on_time: int
    put_right_on_time_pct: float | None
    by_score: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RatingFigures:
    """The totals, and the same by matter, by month and by matter and month (``rows``)."""

    total: RatingTally
    by_matter: dict[str, RatingTally]
    by_month: dict[str, RatingTally]
    rows: list[tuple[str, str, RatingTally]]

    def as_json(self) -> dict[str, Any]:
        return {**self.total.as_json(),
                "by_matter": {m: t.as_json() for m, t in self.by_matter.items()},
                "by_month": {m: t.as_json() for m, t in self.by_month.items()},
                "rows": [{"matter": m, "month": mo, **t.as_json()} for m, mo, t in self.rows]}


def tally(facts: Iterable[RatingFact]) -> RatingTally:
    counted = [f for f in facts if not f.excluded]
    rated, happy = len(counted), sum(satisfied(f.score) for f in counted)
    bad = [f for f in counted if is_bad(f.score)]
    due = [f for f in bad if f.put_right_on_time is not None]
    on_time = sum(bool(f.put_right_on_time) for f in due)
    return RatingTally(ratings=rated, satisfied=happy, satisfied_pct=share(happy, rated), bad=len(bad),
                       put_right_due=len(due), put_right_on_time=on_time,
                       put_right_on_time_pct=share(on_time, len(due)),
                       by_score={str(score): sum(f.score == score for f in counted) for score in sorted(SCORES)})


def share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def put_right_on_time(fixed_on: date | None, fix_due_on: date, today: date) -> bool | None:
    """Put right by the deadline (True), late or not at all once it passed (False), or not due yet."""
    if fixed_on is not None:
        return fixed_on <= fix_due_on
    return False if today > fix_due_on else None


def figures(facts: Sequence[RatingFact]) -> RatingFigures:
    matters = sorted({f.matter for f in facts})
    months = sorted({f.month for f in facts})
    return RatingFigures(
        total=tally(facts),
        by_matter={m: tally(f for f in facts if f.matter == m) for m in matters},
        by_month={m: tally(f for f in facts if f.month == m) for m in months},
        rows=[(m, mo, tally(f for f in facts if f.matter == m and f.month == mo))
              for m in matters for mo in months if any(f.matter == m and f.month == mo for f in facts)])


def pick(pairs: Mapping[Any, tuple[str, str]], key: Any, lang: str) -> str:
    found = pairs.get(key)
    return (found[1] if lang == "en" else found[0]) if found else str(key)

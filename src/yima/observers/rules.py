"""Business-environment observers (营商环境观察员) and their suggestions in the reform office's
ledger (台账): the states a suggestion passes through, who may move it, and its deadline.

Deadlines are counted in working days on China's official calendar, with its public holidays and
the weekend days worked in exchange (调休), as published each year by the State Council's General
Office. The calendar comes from the ``chinese-calendar`` package and a zone's supplement of years
announced since (``yima.observers.calendar``); its version is stored with every deadline, and a
deadline that would fall in a year the calendar does not cover is refused rather than guessed (the
holidays of a year are only known once they are announced).

Pure: no database, no clock; ``today`` is always an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from yima.errors import Conflict, DomainError
from yima.observers.calendar import PACKAGE_CALENDAR, NotCovered, OfficialCalendar

SECTORS: dict[str, tuple[str, str]] = {
    "enterprise": ("企业", "Enterprise"),
    "industry_association": ("行业协会", "Industry association"),
    "lawyer": ("律师", "Lawyer"),
    "accountant": ("会计师", "Accountant"),
    "media": ("媒体", "Media"),
    "deputy": ("人大代表或政协委员", "Deputy or CPPCC member"),
    "other": ("其他", "Other"),
}
CATEGORIES: dict[str, tuple[str, str]] = {
    "registration": ("商事登记", "Registration"),
    "permits": ("审批许可", "Permits"),
    "tax": ("税务", "Tax"),
    "utilities": ("水电气网", "Utilities"),
    "finance": ("融资", "Finance"),
    "other": ("其他", "Other"),
}
RATINGS: dict[str, tuple[str, str]] = {
    "satisfied": ("满意", "Satisfied"),
    "basically_satisfied": ("基本满意", "Basically satisfied"),
    "dissatisfied": ("不满意", "Dissatisfied"),
}
SATISFIED = ("satisfied", "basically_satisfied")

# submitted → accepted (into the ledger) or merged (into an earlier suggestion: final)
# accepted → assigned (to a department, with a deadline) → replied (a published reply)
# replied → closed (rated satisfied or basically satisfied, or dissatisfied with the second reply)
# replied → reopened (dissatisfied with the first reply) → assigned (same department, new deadline)
STATES: dict[str, tuple[str, str]] = {
    "submitted": ("已提交", "Submitted"),
    "accepted": ("已纳入台账", "In the ledger"),
    "assigned": ("办理中", "With the department"),
    "replied": ("已答复", "Replied"),
    "reopened": ("重新办理", "Reopened"),
    "closed": ("已办结", "Closed"),
    "merged": ("已合并", "Merged"),
}
STEPS: dict[str, tuple[str, str]] = {
    "submitted": ("提出建议", "Submitted"),
    "attached": ("补充附件", "Attachment added"),
    "accepted": ("纳入台账", "Accepted into the ledger"),
    "merged": ("合并", "Merged"),
    "assigned": ("交办", "Assigned"),
    "reply_drafted": ("起草答复", "Reply drafted"),
    "reply_published": ("发布答复", "Reply published"),
    "extension_requested": ("申请延期", "Extension requested"),
    "extension_granted": ("同意延期", "Extension granted"),
    "extension_refused": ("不同意延期", "Extension refused"),
    "rated": ("评价答复", "Reply rated"),
}
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "accept": ("submitted",),
    "merge": ("submitted", "accepted"),
    "assign": ("accepted", "reopened"),
    "draft_reply": ("assigned",),
    "publish_reply": ("assigned",),
    "request_extension": ("assigned",),
    "decide_extension": ("assigned",),
    "rate": ("replied",),
    "attach": ("submitted", "accepted", "assigned", "reopened"),
}
OPEN = ("submitted", "accepted", "assigned", "reopened")
MAX_ROUNDS = 2  # the first reply and, once reopened, a second one
MAX_WORKING_DAYS = 60
REMIND_WITHIN = 2  # working days


def check_transition(action: str, state: str) -> None:
    """A Conflict naming the state when the action is not allowed in it."""
    if state not in TRANSITIONS[action]:
        zh, en = STATES[state]
        raise Conflict(f"suggestion.{action}.state", "state", f"建议当前为“{zh}”，不能执行此操作",
                       f"The suggestion is {en.lower()}; this step is not possible now")


def after_rating(rating: str, round_no: int) -> str:
    """The state a rating leads to: a first reply rated dissatisfied reopens the suggestion, once."""
    if rating not in RATINGS:
        raise DomainError("rating.value", "rating", f"未知评价：{rating}（可选：{', '.join(RATINGS)}）",
                          f"Unknown rating: {rating} (one of: {', '.join(RATINGS)})")
    return "reopened" if rating == "dissatisfied" and round_no < MAX_ROUNDS else "closed"


def check_choice(value: str, choices: dict[str, tuple[str, str]], field: str, label_zh: str, label_en: str) -> None:
    if value not in choices:
        raise DomainError(f"{field}.value", field, f"未知{label_zh}：{value}（可选：{', '.join(choices)}）",
                          f"Unknown {label_en}: {value} (one of: {', '.join(choices)})")


def check_term(term_from: date, term_to: date) -> None:
    if term_to < term_from:
        raise DomainError("observer.term", "term_to", f"任期结束日 {term_to} 早于开始日 {term_from}",
                          f"The term ends ({term_to}) before it starts ({term_from})")


def serving(term_from: date, term_to: date, on: date) -> bool:
    return term_from <= on <= term_to


# --- the official calendar -------------------------------------------------------------------


def calendar_version(calendar: OfficialCalendar = PACKAGE_CALENDAR) -> str:
    """The calendar's package and version (and supplement), stored with each deadline computed with it."""
    return calendar.version()


def covered_years(calendar: OfficialCalendar = PACKAGE_CALENDAR) -> tuple[int, int]:
    """The first and last year whose holidays and adjusted working days the calendar knows."""
    return calendar.covered_years()


class CalendarNotCovered(DomainError):
    """A day in a year the calendar has no official arrangement for."""

    def __init__(self, year: int, calendar: OfficialCalendar = PACKAGE_CALENDAR, field: str = "deadline") -> None:
        first, last = calendar.covered_years()
        super().__init__(
            "deadline.calendar_not_covered", field,
            f"{year} 年不在所装日历（{calendar.version()}，涵盖 {first}–{last} 年）之内：该年的法定节假日和调休安排"
            f"尚未收录，工作日无法计算，不予推定；请缩短时限，或更新日历包、在 YIMA_CALENDAR_FILE 中补录该年安排后再试",
            f"{year} is outside the installed calendar ({calendar.version()}, covering {first}–{last}): that "
            f"year's public holidays and adjusted working days are not in it, so working days cannot be counted "
            f"and are not guessed; shorten the time limit, or update the calendar package or enter the year's "
            f"arrangement in YIMA_CALENDAR_FILE")


def is_working_day(day: date, calendar: OfficialCalendar = PACKAGE_CALENDAR) -> bool:
    """A working day on the official calendar: a weekday that is no holiday, or a weekend day
    worked in exchange (调休)."""
    try:
        return calendar.is_working_day(day)
    except NotCovered as err:
        raise CalendarNotCovered(err.year, calendar) from err


@dataclass(frozen=True)
class Deadline:
    """The last day for a reply: ``working_days`` working days after ``start`` (the day of
    assignment does not count), and the calendar it was computed with."""

    start: date
    working_days: int
    due_on: date
    calendar: str


def check_working_days(working_days: int, field: str = "working_days") -> None:
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        raise DomainError("deadline.working_days", field, f"时限须为 1 至 {MAX_WORKING_DAYS} 个工作日",
                          f"The time limit must be 1 to {MAX_WORKING_DAYS} working days")


def deadline(start: date, working_days: int, calendar: OfficialCalendar = PACKAGE_CALENDAR) -> Deadline:
    check_working_days(working_days)
    day, counted = start, 0
    while counted < working_days:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            counted += 1
    return Deadline(start, working_days, day, calendar.version())


@dataclass(frozen=True)
class TimeLeft:
    """Working days left until ``due_on`` (0: due today), or the calendar days it is overdue;
    ``days_left`` is None when overdue or when the calendar does not cover the days in between
    (then ``note_*`` says why, and the suggestion is flagged rather than guessed safe)."""

    due_on: date
    days_left: int | None
    days_overdue: int
    remind: bool
    note_zh: str = ""
    note_en: str = ""

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


def working_days_between(first: date, last: date, calendar: OfficialCalendar = PACKAGE_CALENDAR) -> int:
    """Working days in ``first`` < day <= ``last``."""
    day, counted = first, 0
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            counted += 1
    return counted


def time_left(due_on: date, today: date, calendar: OfficialCalendar = PACKAGE_CALENDAR) -> TimeLeft:
    if today > due_on:
        return TimeLeft(due_on, None, (today - due_on).days, True)
    try:
        days = working_days_between(today, due_on, calendar)
    except CalendarNotCovered as err:
        return TimeLeft(due_on, None, 0, True, err.finding.zh, err.finding.en)
    return TimeLeft(due_on, days, 0, days <= REMIND_WITHIN)

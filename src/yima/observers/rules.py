"""Business-environment observers (营商环境观察员) and their suggestions in the reform office's
ledger (台账): the states a suggestion passes through, who may move it, and its deadline.

Deadlines are counted in working days on China's official calendar, with its public holidays and
the weekend days worked in exchange (调休), as published each year by the State Council's General
Office. The calendar comes from the ``chinese-calendar`` package and a zone's supplement of years
announced since (``yima.observers.calendar``); its version is stored with every deadline. A day of
a year the calendar does not cover yet (the holidays of a year are only known once announced) is
counted by weekends alone and the deadline is marked provisional, in words, until the year's
arrangement is added and the deadline is counted again (``recount``); a deadline is never refused
because the calendar ends.

The ledger cannot be gamed: an extension is asked for and granted only by the deadline it extends,
and a reply is on time when it is published by the deadline in force when it was due (an
extension granted after the deadline passed never counts). Each suggestion in the ledger has one
number per zone and year (台账编号, ``2026-0007``) shown everywhere.

Pure: no database, no clock; ``today`` is always an argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol, TypeVar

from yima import satisfaction
from yima.errors import Conflict, DomainError
from yima.observers.calendar import PACKAGE_CALENDAR, NotCovered, OfficialCalendar
from yima.observers.states import Action, SuggestionState, allowed

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

# The states and what each action may do to them: ``observers.states``.
STATES: dict[str, tuple[str, str]] = {
    SuggestionState.SUBMITTED: ("已提交", "Submitted"),
    SuggestionState.ACCEPTED: ("已纳入台账", "In the ledger"),
    SuggestionState.ASSIGNED: ("办理中", "With the department"),
    SuggestionState.REPLIED: ("已答复", "Replied"),
    SuggestionState.REOPENED: ("重新办理", "Reopened"),
    SuggestionState.CLOSED: ("已办结", "Closed"),
    SuggestionState.MERGED: ("已合并", "Merged"),
    SuggestionState.DECLINED: ("不予受理", "Declined"),
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
    "declined": ("不予受理", "Declined"),
    "transferred": ("转办", "Transferred"),
    "taken_back": ("收回", "Taken back"),
    "urged": ("催办", "Urged"),
    "noted": ("内部备注", "Internal note"),
    "deadline_recounted": ("重新计算期限", "Deadline re-counted"),
}
MAX_ROUNDS = 2  # the first reply and, once reopened, a second one
MAX_WORKING_DAYS = 60
REMIND_WITHIN = 2  # working days


def check_transition(action: str, state: str) -> None:
    """A Conflict naming the state when the action is not allowed in it (``states.TRANSITIONS``)."""
    if not allowed(action, state):
        zh, en = STATES.get(state, (state, state))
        raise Conflict(f"suggestion.{action}.state", "state", f"建议当前为“{zh}”，不能执行此操作",
                       f"The suggestion is {en.lower()}; this step is not possible now")


class Mergeable(Protocol):
    """What ``merge_candidates`` reads of a suggestion (``SuggestionView`` has it)."""

    @property
    def id(self) -> int: ...
    @property
    def state(self) -> str: ...
    @property
    def ledger_no(self) -> int | None: ...
    @property
    def submitted_at(self) -> str: ...  # ISO 8601, UTC: compared as text


M = TypeVar("M", bound=Mergeable)


def merge_candidates(suggestion: Mergeable, ledger: Iterable[M]) -> list[M]:
    """The earlier suggestions of the ledger that ``suggestion`` may be merged into: in the ledger
    (numbered), not itself, not merged away, received no later than it; none once it may no longer
    be merged."""
    if not allowed(Action.MERGE, suggestion.state):
        return []
    return [row for row in ledger if row.ledger_no and row.id != suggestion.id
            and row.state != SuggestionState.MERGED and row.submitted_at <= suggestion.submitted_at]


#: How many merge candidates the office's page offers at a time (a search finds the others).
MERGE_CHOICES = 20
_LEDGER_CODE = re.compile(r"(?:(\d{4})\s*[-－—]\s*)?0*(\d{1,6})")


def ledger_code_of(text: str) -> tuple[int | None, int] | None:
    """What a search for a ledger number asks for: ``2026-0007`` is (2026, 7), ``0007`` or ``7``
    is (None, 7) (that number in any year); None when the text is not a ledger number."""
    found = _LEDGER_CODE.fullmatch(text.strip())
    if found is None or int(found.group(2)) == 0:
        return None
    return (int(found.group(1)) if found.group(1) else None), int(found.group(2))


def rating_of(word: str | None, score: int | None) -> tuple[int, str]:
    """A reply's rating as stored: its score on the five levels and the ledger's word for it. The
    score decides; a word given alone (v1) is its level; a word that is not the score's is refused."""
    if word is not None and word not in RATINGS:
        raise DomainError("rating.value", "rating", f"未知评价：{word}（可选：{', '.join(RATINGS)}）",
                          f"Unknown rating: {word} (one of: {', '.join(RATINGS)})")
    if score is None:
        if word is None:
            raise DomainError("rating.score", "score", "请选择评分（1 至 5）", "Choose a score (1 to 5)")
        return satisfaction.WORD_SCORES[word], word
    score = satisfaction.check_score(score)
    if word is not None and word != satisfaction.ledger_word(score):
        raise DomainError("rating.word_mismatch", "rating",
                          f"评价“{RATINGS[word][0]}”与评分 {score}（{satisfaction.SCORES[score][0]}）不一致",
                          f"The rating '{RATINGS[word][1]}' is not the score {score} "
                          f"({satisfaction.SCORES[score][1].lower()})")
    return score, satisfaction.ledger_word(score)


def after_rating(rating: str, round_no: int) -> SuggestionState:
    """The state a rating leads to: a first reply rated dissatisfied reopens the suggestion, once."""
    if rating not in RATINGS:
        raise DomainError("rating.value", "rating", f"未知评价：{rating}（可选：{', '.join(RATINGS)}）",
                          f"Unknown rating: {rating} (one of: {', '.join(RATINGS)})")
    reopens = rating == "dissatisfied" and round_no < MAX_ROUNDS
    return SuggestionState.REOPENED if reopens else SuggestionState.CLOSED


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


def provisional_words(year: int) -> tuple[str, str]:
    """Why a deadline is provisional, in Chinese and English."""
    return (f"暂定期限：{year} 年的法定节假日和调休安排尚未收录，暂按周末推算；收录后将重新计算",
            f"Provisional: {year}'s public holidays and adjusted working days are not in the calendar yet, so "
            f"this is counted by weekends only; it will be counted again once they are added")


def working_day(day: date, calendar: OfficialCalendar = PACKAGE_CALENDAR) -> tuple[bool, bool]:
    """Whether ``day`` is a working day, and whether that is provisional: a day of a year the
    calendar does not cover yet counts as a working day exactly when it is a weekday."""
    try:
        return calendar.is_working_day(day), False
    except NotCovered:
        return day.weekday() < 5, True


def is_working_day(day: date, calendar: OfficialCalendar = PACKAGE_CALENDAR) -> bool:
    """A working day on the official calendar: a weekday that is no holiday, or a weekend day
    worked in exchange (调休); by weekends alone in a year not covered yet."""
    return working_day(day, calendar)[0]


@dataclass(frozen=True)
class Deadline:
    """The last day for a reply: ``working_days`` working days after ``start`` (the day of
    assignment does not count), and the calendar it was computed with."""

    start: date
    working_days: int
    due_on: date
    calendar: str
    #: Counted over days of a year the calendar does not cover yet (by weekends only).
    provisional: bool = False
    provisional_year: int | None = None


def check_working_days(working_days: int, field: str = "working_days") -> None:
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        raise DomainError("deadline.working_days", field, f"时限须为 1 至 {MAX_WORKING_DAYS} 个工作日",
                          f"The time limit must be 1 to {MAX_WORKING_DAYS} working days")


def deadline(start: date, working_days: int, calendar: OfficialCalendar = PACKAGE_CALENDAR) -> Deadline:
    check_working_days(working_days)
    day, counted, unsure = start, 0, None
    while counted < working_days:
        day += timedelta(days=1)
        working, provisional = working_day(day, calendar)
        if provisional and unsure is None:
            unsure = day.year
        counted += working
    return Deadline(start, working_days, day, calendar.version(), unsure is not None, unsure)


@dataclass(frozen=True)
class TimeLeft:
    """Working days left until ``due_on`` (0: due today), or the calendar days it is overdue;
    ``days_left`` is None when overdue; counted by weekends over a year the calendar does not cover
    yet (then ``note_*`` says the count is provisional)."""

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
        counted += is_working_day(day, calendar)
    return counted


def uncovered_year(first: date, last: date, calendar: OfficialCalendar = PACKAGE_CALENDAR) -> int | None:
    """The first year of ``first``..``last`` the calendar does not cover yet."""
    covered_to = calendar.covered_years()[1]
    return next((year for year in range(first.year, last.year + 1) if year > covered_to), None)


def remind_horizon(today: date, calendar: OfficialCalendar = PACKAGE_CALENDAR) -> date:
    """The last due day that still calls for a reminder on ``today`` (``time_left(...).remind``):
    the day before the ``REMIND_WITHIN + 1``-th working day after today. Every earlier due day
    (overdue ones too) calls for one, no later one does: the working days left only grow with the
    due day. A list of reminders reads the suggestions due by then, not every one assigned."""
    day, counted = today, 0
    while counted <= REMIND_WITHIN:
        day += timedelta(days=1)
        counted += is_working_day(day, calendar)
    return day - timedelta(days=1)


def time_left(due_on: date, today: date, calendar: OfficialCalendar = PACKAGE_CALENDAR) -> TimeLeft:
    if today > due_on:
        return TimeLeft(due_on, None, (today - due_on).days, True)
    days = working_days_between(today, due_on, calendar)
    year = uncovered_year(today, due_on, calendar)
    zh, en = provisional_words(year) if year is not None else ("", "")
    return TimeLeft(due_on, days, 0, days <= REMIND_WITHIN, zh, en)


# --- the ledger that cannot be gamed ---------------------------------------------------------


def ledger_code(year: int | None, number: int | None) -> str | None:
    """The ledger number (台账编号) as shown everywhere: ``2026-0007``."""
    if number is None:
        return None
    return f"{year}-{number:04d}" if year else str(number)


def check_before_deadline(today: date, due_on: date, action: str, field: str = "working_days") -> None:
    """An extension is asked for and granted only by the deadline it extends."""
    if today > due_on:
        raise Conflict("extension.after_deadline", field,
                       f"期限 {due_on} 已过（已逾期 {(today - due_on).days} 天），不能再{action}延期；逾期照实记录",
                       f"The deadline {due_on} has passed ({(today - due_on).days} day(s) overdue): an extension "
                       "can no longer be " + ("asked for" if action == "申请" else "granted") + "; lateness stays "
                       "on the record")


def due_in_force(original_due: date, extended_due: date | None, granted_on: date | None) -> date:
    """The deadline in force when the reply was due: an extension counts only when it was granted
    by the deadline it extended."""
    if extended_due is not None and granted_on is not None and granted_on <= original_due:
        return extended_due
    return original_due


def on_time(published_on: date, original_due: date, extended_due: date | None, granted_on: date | None) -> bool:
    return published_on <= due_in_force(original_due, extended_due, granted_on)

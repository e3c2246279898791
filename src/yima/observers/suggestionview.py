"""A suggestion as its reader sees it (the observer, the department, the reform office): the
typed read model that ``observers.views`` builds, that routes turn into their response models,
pages render and the ledger workbook writes out.

``as_json`` is the v1 JSON of each (``SuggestionOut``, ``ObserverOut``, ``DepartmentOut``): the
same keys, present in the same cases, as before the views were typed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ReplyView:
    """One reply of one round, published or (for the department and the office) a draft."""

    round: int
    text: str
    published: bool
    drafted_at: str  # ISO 8601, UTC
    published_at: str | None
    due_on: str | None  # ISO date
    on_time: bool | None
    rating: str | None  # the ledger's word
    score: int | None  # 好差评, 1–5
    indicators: tuple[str, ...]
    rating_comment: str
    rated_at: str | None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "indicators": list(self.indicators)}


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StepView:
    """One step of the suggestion's history (internal ones only for the office and the department)."""

    at: str
    actor_role: str
    action: str
    state: str
    note: str
    internal: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ExtensionView:
    """The extension asked for the suggestion's deadline, and what the office decided."""

    state: str
    working_days: int | None
    reason: str
    requested_on: str | None
    decided_on: str | None
    note: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SuggestionView:
    id: int
    zone: str
    ledger_no: int | None
    ledger_year: int | None
    ledger_code: str | None  # 台账编号, 2026-0007
    merged_into_code: str | None
    original_due_on: str | None
    due_provisional: bool
    provisional_note_zh: str
    provisional_note_en: str
    decline_reason: str
    observer: str
    observer_id: int
    sector: str
    organisation: str
    title: str
    text: str
    category: str
    state: str
    submitted_at: str
    merged_into: int | None
    department_id: int | None
    department: str | None
    department_en: str | None
    round: int
    assigned_on: str | None
    working_days: int | None
    due_on: str | None
    calendar: str | None
    days_left: int | None
    days_overdue: int
    overdue: bool
    remind: bool
    time_note_zh: str
    time_note_en: str
    extension: ExtensionView | None
    replies: tuple[ReplyView, ...]
    rating: str | None  # the word of the last rated reply
    attachments: tuple[AttachmentView, ...]
    steps: tuple[StepView, ...]
    accepted_at: str | None
    closed_at: str | None

    def as_json(self) -> dict[str, Any]:
        body = {name: getattr(self, name) for name in self.__dataclass_fields__}
        body.update(extension=self.extension.as_json() if self.extension else None,
                    replies=[r.as_json() for r in self.replies],
                    attachments=[a.as_json() for a in self.attachments], steps=[s.as_json() for s in self.steps])
        return body


@dataclass(frozen=True)
class DepartmentView:
    id: int
    zone: str
    name: str
    name_en: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ObserverView:
    """An observer's appointment for one term (dates ISO), with the account they sign in with."""

    id: int
    zone: str
    name: str
    sector: str
    organisation: str
    term_from: str
    term_to: str
    username: str
    serving: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

"""Figures that later features add to a zone's report, each as a named section.

The core figures (registrations, market entities, matters, licences, seals) are counted by this
package. Features with records of their own — cross-region registration, the observers' ledger,
investment projects — count theirs in their own package and describe them here as a
``Section``: the JSON key under which ``GET /api/v1/stats`` and ``yima stats --format json``
carry it, the rows the command-line table prints, and the dashboard partial that draws it.

A feature adds its sections to ``SECTIONS`` in its ``feature.install``; the composition root plugs
them in with ``use(registry)`` when the application starts, in the order features install, which
is the order they appear on the dashboard and in reports. The section's numbers are computed for
the same zone and period as the rest of the report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from yima.db import Database
from yima.registry import Registry, Slot
from yima.stats.rules import Period


@dataclass(frozen=True)
class SectionRow:
    """One printed line of a section: labels in both languages, the value, its unit, growth."""

    zh: str
    en: str
    value: float | int | None
    unit_zh: str = ""
    unit_en: str = ""
    year_earlier: float | int | None = None
    growth_pct: float | None = None


class SectionFigures(Protocol):
    """A section's numbers, typed by the feature that counts them; ``as_json`` gives them as the
    report carries them (null where undefined)."""

    def as_json(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Section:
    """``compute(db, zone_id, period)`` returns the section's numbers (``SectionFigures``);
    ``rows(numbers)`` the lines of the command-line table and the printed report; ``template`` a
    Jinja partial the dashboard includes with ``section`` bound to the numbers."""

    name: str
    title_zh: str
    title_en: str
    compute: Callable[[Database, str, Period], SectionFigures]
    rows: Callable[[Mapping[str, Any]], list[SectionRow]] = field(default=lambda numbers: [])
    template: str | None = None


SECTIONS: Slot[Section] = Slot("figure sections")
_plugged: tuple[Section, ...] = ()


def use(registry: Registry) -> None:
    """Plug in the sections features added (the composition root calls this at start)."""
    global _plugged
    _plugged = registry.items(SECTIONS)


def sections() -> list[Section]:
    return list(_plugged)


def compute_sections(db: Database, zone_id: str, period: Period) -> dict[str, dict[str, Any]]:
    return {section.name: dict(section.compute(db, zone_id, period).as_json()) for section in sections()}

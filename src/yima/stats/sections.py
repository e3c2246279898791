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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from yima.db import Database
from yima.registry import Registry, Slot
from yima.stats.rules import Period, SectionFigures


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


F = TypeVar("F", bound=SectionFigures)


def _no_rows(figures: SectionFigures) -> list[SectionRow]:
    return []


@dataclass(frozen=True)
class Section(Generic[F]):
    """``compute(db, zone_id, period)`` returns the section's numbers, typed by the feature that
    counts them (``F``, a ``SectionFigures``; ``ZoneFigures.sections`` holds them); ``rows(figures)``
    the lines of the command-line table and the printed report; ``template`` a Jinja partial the
    dashboard includes with ``section`` bound to the numbers as the report carries them
    (``as_json``: the same partial draws them on the feature's own page from its API's JSON)."""

    name: str
    title_zh: str
    title_en: str
    compute: Callable[[Database, str, Period], F]
    rows: Callable[[F], list[SectionRow]] = field(default=_no_rows)
    template: str | None = None


SECTIONS: Slot[Section[Any]] = Slot("figure sections")
_plugged: tuple[Section[Any], ...] = ()


def use(registry: Registry) -> None:
    """Plug in the sections features added (the composition root calls this at start)."""
    global _plugged
    _plugged = registry.items(SECTIONS)


def sections() -> list[Section[Any]]:
    return list(_plugged)


def compute_sections(db: Database, zone_id: str, period: Period) -> dict[str, SectionFigures]:
    return {section.name: section.compute(db, zone_id, period) for section in sections()}

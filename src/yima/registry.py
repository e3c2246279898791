"""What each feature adds to the application, collected by the composition root (``yima.app``).

A package that runs something other packages add — the app factory its routers, the command its
groups, the job runner its jobs, registration its hand-offs, stats its figure sections — declares a
typed ``Slot`` for it. A feature's ``feature.install(registry)`` adds its parts to the slots; the
root calls every feature's ``install`` in one explicit list and hands each slot's items to the
package that runs them. Nothing is added when a module is imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Slot(Generic[T]):
    """A named place for one kind of part; its owner reads the parts back in the order added."""

    name: str


@dataclass
class Registry:
    _items: dict[Slot[Any], list[Any]] = field(default_factory=dict)

    def add(self, slot: Slot[T], *items: T) -> None:
        self._items.setdefault(slot, []).extend(items)

    def items(self, slot: Slot[T]) -> tuple[T, ...]:
        return tuple(self._items.get(slot, ()))

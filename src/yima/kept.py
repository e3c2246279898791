"""Bytes made once and kept by content hash: a least-recently-used cache bounded in bytes, safe
across threads.

What goes in is costly to make and the same every time it is made from the same inputs: a seal's
picture drawn from its look, a licence's document signed for what the licence says and who signs
it. The caller names the inputs by a digest (``digest_of``); a request finding the digest kept gets
the kept bytes, otherwise they are made and kept, and the least recently used go when the bound is
passed. Two threads asking for the same missing digest at once may both make it (the bytes are
made outside the lock, so that a slow make holds no one else up); one copy is kept.

Written here rather than taken from a library: it is twenty lines over ``OrderedDict``, and the
well-known caches (``functools.lru_cache``, cachetools) bound the number of entries, not their bytes,
or need a dependency for this one class.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


def digest_of(*parts: Any) -> str:
    """The SHA-256 of ``parts`` written as JSON: the key a made thing is kept under."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class KeptBytes:
    """A least-recently-used cache of bytes by digest, bounded in bytes (see the module)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.made = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size(self) -> int:
        return self._size

    def get(self, digest: str, make: Callable[[], bytes]) -> bytes:
        """The bytes kept under ``digest``; made by ``make`` now (and kept) when they are not."""
        with self._lock:
            found = self._items.get(digest)
            if found is not None:
                self._items.move_to_end(digest)
                return found
        data = make()
        with self._lock:
            self.made += 1
            if digest not in self._items and len(data) <= self.max_bytes:
                self._items[digest] = data
                self._size += len(data)
                while self._size > self.max_bytes:
                    _, dropped = self._items.popitem(last=False)
                    self._size -= len(dropped)
        return data

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0

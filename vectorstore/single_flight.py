"""A bounded, least-recently-used cache whose concurrent misses of one key wait for a single build.

Why: a popular search arriving from many visitors at once would otherwise be encoded (query vectors,
vectorstore.embeddings) or rendered (pages, app.templating.PageCache) once per visitor. Both caches
had their own copy of this lock-and-futures dance; this is the one copy. It lives in vectorstore,
the lowest layer, because both the search index and the web app use it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class CacheStats:
    """Lookups answered from the cache (`hits`) and by a build (`misses`, a waiter on another caller's
    build included), for the operator's hit rates (/metrics, the admin's System health page).

    Two integers bumped under the cache's own lock: counting costs nothing a lookup did not already
    pay. One instance may be shared by successive caches (PageCache starts a new cache per version).
    """

    hits: int = 0
    misses: int = 0

    @property
    def hit_rate(self) -> float | None:
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else None


class SingleFlightCache(Generic[K, V]):
    """Values by key, at most `limit` of them (the least recently used goes first)."""

    def __init__(self, limit: int, stats: CacheStats | None = None) -> None:
        self.limit = limit
        self.stats = stats if stats is not None else CacheStats()
        self._values: OrderedDict[K, V] = OrderedDict()
        self._in_flight: dict[K, Future[V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K, build: Callable[[], V]) -> V:
        """The stored value, or `build()`'s (stored); a caller missing a key already being built waits
        for that build's value (or exception) instead of building it again."""
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
                self.stats.hits += 1
                return value
            self.stats.misses += 1
            pending = self._in_flight.get(key)
            owner = pending is None
            if pending is None:
                pending = self._in_flight[key] = Future()
        if not owner:
            return pending.result()
        try:
            value = build()
        except BaseException as exc:
            with self._lock:
                del self._in_flight[key]
            pending.set_exception(exc)
            raise
        with self._lock:
            self._store(key, value)
            del self._in_flight[key]
        pending.set_result(value)
        return value

    def missing(self, keys: Iterable[K]) -> list[K]:
        """The keys not stored, each once, in order (to fill them ahead of time with `put_many`)."""
        with self._lock:
            return list(dict.fromkeys(key for key in keys if key not in self._values))

    def put_many(self, items: Iterable[tuple[K, V]]) -> None:
        with self._lock:
            for key, value in items:
                self._store(key, value)

    def _store(self, key: K, value: V) -> None:
        self._values[key] = value
        while len(self._values) > self.limit:
            self._values.popitem(last=False)

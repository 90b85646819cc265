"""The shared single-flight LRU cache (concurrent misses are covered through PageCache in test_pages)."""

from __future__ import annotations

import pytest

from vectorstore.single_flight import CacheStats, SingleFlightCache


def test_the_least_recently_used_value_goes_first() -> None:
    cache: SingleFlightCache[str, int] = SingleFlightCache(2)
    cache.put_many([("a", 1), ("b", 2)])
    assert cache.get("a", lambda: 0) == 1  # "a" is now the most recent
    cache.put_many([("c", 3)])
    assert cache.missing(["a", "b", "c", "b"]) == ["b"]


def test_a_failed_build_is_not_stored_and_the_next_caller_builds_again() -> None:
    cache: SingleFlightCache[str, int] = SingleFlightCache(4)

    def broken() -> int:
        raise RuntimeError("model not loaded")

    with pytest.raises(RuntimeError):
        cache.get("q", broken)
    assert cache.get("q", lambda: 7) == 7 and cache.missing(["q"]) == []


def test_hits_and_misses_are_counted_into_shared_stats() -> None:
    stats = CacheStats()
    cache: SingleFlightCache[str, int] = SingleFlightCache(4, stats)
    assert stats.hit_rate is None
    cache.get("a", lambda: 1)
    cache.get("a", lambda: 2)
    cache.get("a", lambda: 3)
    SingleFlightCache(4, stats).get("a", lambda: 4)  # a successor cache (a new version) counts on
    assert (stats.hits, stats.misses) == (2, 2) and stats.hit_rate == 0.5

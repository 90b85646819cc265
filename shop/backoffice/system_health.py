"""Request figures per 5 minutes, kept in MongoDB for the admin's System health page.

Why in the database and not only in /metrics: the owner's page must show the last day across
restarts and across every process serving the shop, with no Prometheus server to ask. So each
process adds up its requests per 5-minute bucket in memory (`RequestHistory.record`, ~1 µs under a
lock, on the request path) and a background thread (app/middleware/metrics.py) moves them to the
`system_health` collection once a minute with one `$inc` upsert per bucket (`save`): a crash loses at
most a minute of one process's figures, and no request ever waits for the database on their account.

Latencies are kept as counts per fixed bucket (LATENCY_BOUNDS_MS), not as percentiles: counts of
several processes and minutes add up, percentiles do not. p50/p95 are read back from the summed
counts (`quantile`), exact to the bucket and interpolated inside it. Documents expire after 3 days
(TTL index in shop.core.db.INDEXES, checked on SecantusDB: an expired document went within 60 s).
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

BUCKET_SECONDS = 300
KEEP = timedelta(days=3)
# Upper bounds in milliseconds; a last, open bucket holds what is slower.
LATENCY_BOUNDS_MS: tuple[float, ...] = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)


@dataclass
class _Bucket:
    requests: int = 0
    errors: int = 0  # 5xx
    rejected: int = 0  # 4xx
    total_ms: float = 0.0
    counts: list[int] | None = None

    def __post_init__(self) -> None:
        if self.counts is None:
            self.counts = [0] * (len(LATENCY_BOUNDS_MS) + 1)


def bucket_start(epoch_seconds: float) -> int:
    return int(epoch_seconds // BUCKET_SECONDS * BUCKET_SECONDS)


class RequestHistory:
    """One process's request figures per 5-minute bucket, since the last `take`."""

    def __init__(self) -> None:
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def record(self, epoch_seconds: float, duration_ms: float, status: int) -> None:
        start = int(epoch_seconds // BUCKET_SECONDS * BUCKET_SECONDS)
        slot = bisect.bisect_left(LATENCY_BOUNDS_MS, duration_ms)
        with self._lock:
            bucket = self._buckets.get(start)
            if bucket is None:
                bucket = self._buckets[start] = _Bucket()
            bucket.requests += 1
            bucket.total_ms += duration_ms
            bucket.counts[slot] += 1  # type: ignore[index]
            if status >= 500:
                bucket.errors += 1
            elif status >= 400:
                bucket.rejected += 1

    def take(self) -> dict[int, _Bucket]:
        """What was recorded since the last call, which starts afresh."""
        with self._lock:
            taken, self._buckets = self._buckets, {}
        return taken

    def give_back(self, taken: dict[int, _Bucket]) -> None:
        """Put figures that could not be saved back, to be saved with the next ones."""
        with self._lock:
            for start, old in taken.items():
                bucket = self._buckets.setdefault(start, _Bucket())
                bucket.requests += old.requests
                bucket.errors += old.errors
                bucket.rejected += old.rejected
                bucket.total_ms += old.total_ms
                bucket.counts = [a + b for a, b in zip(bucket.counts, old.counts, strict=True)]  # type: ignore[arg-type]


def save(db: Database, process: str, taken: dict[int, _Bucket]) -> None:
    """Add `taken` to this process's documents (one per bucket): safe to call again for the same
    bucket, which is how a bucket spread over several flushes adds up."""
    if not taken:
        return
    writes = []
    for start, bucket in taken.items():
        increments: dict[str, Any] = {
            "requests": bucket.requests,
            "errors": bucket.errors,
            "rejected": bucket.rejected,
            "totalMs": bucket.total_ms,
        }
        increments.update({f"latency.b{i}": n for i, n in enumerate(bucket.counts or ()) if n})
        writes.append(
            UpdateOne(
                {"_id": f"{process}:{start}"},
                {"$inc": increments, "$setOnInsert": {"process": process, "at": datetime.fromtimestamp(start, UTC)}},
                upsert=True,
            )
        )
    db.system_health.bulk_write(writes, ordered=False)


def remove_old(db: Database, now: datetime) -> int:
    """Documents older than KEEP (the TTL index does this too on MongoDB; this keeps it bounded
    wherever TTL monitors are slow or off)."""
    return db.system_health.delete_many({"at": {"$lt": now - KEEP}}).deleted_count


def quantile(counts: list[int], q: float) -> float | None:
    """The q-quantile in ms of latency bucket counts, interpolated linearly inside its bucket (the open
    last bucket answers its lower bound)."""
    total = sum(counts)
    if not total:
        return None
    rank = q * total
    seen = 0
    for i, n in enumerate(counts):
        if n and seen + n >= rank:
            low = LATENCY_BOUNDS_MS[i - 1] if i > 0 else 0.0
            if i >= len(LATENCY_BOUNDS_MS):
                return low
            return low + (LATENCY_BOUNDS_MS[i] - low) * max(0.0, rank - seen) / n
        seen += n
    return LATENCY_BOUNDS_MS[-1]


@dataclass(frozen=True)
class HealthPoint:
    """Every process's requests in one 5-minute bucket."""

    at: datetime
    requests: int
    errors: int
    rejected: int
    p50_ms: float | None
    p95_ms: float | None

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


def history(db: Database, now: datetime, hours: int = 24) -> list[HealthPoint]:
    """One point per 5-minute bucket of the last `hours`, oldest first; a bucket without requests is
    a point with zeros (so a quiet night reads as quiet, not as missing)."""
    first = bucket_start((now - timedelta(hours=hours)).timestamp()) + BUCKET_SECONDS
    last = bucket_start(now.timestamp())
    size = len(LATENCY_BOUNDS_MS) + 1
    sums: dict[int, _Bucket] = {}
    for doc in db.system_health.find({"at": {"$gte": datetime.fromtimestamp(first, UTC)}}, {"process": 0}):
        start = int(doc["at"].timestamp())
        bucket = sums.setdefault(start, _Bucket())
        bucket.requests += int(doc.get("requests", 0))
        bucket.errors += int(doc.get("errors", 0))
        bucket.rejected += int(doc.get("rejected", 0))
        latency = doc.get("latency") or {}
        for i in range(size):
            bucket.counts[i] += int(latency.get(f"b{i}", 0))  # type: ignore[index]
    points = []
    for start in range(first, last + 1, BUCKET_SECONDS):
        bucket = sums.get(start) or _Bucket()
        counts = bucket.counts or []
        points.append(
            HealthPoint(
                at=datetime.fromtimestamp(start, UTC),
                requests=bucket.requests,
                errors=bucket.errors,
                rejected=bucket.rejected,
                p50_ms=quantile(counts, 0.5),
                p95_ms=quantile(counts, 0.95),
            )
        )
    return points


def reporting_processes(db: Database, since: datetime) -> list[str]:
    """The processes that saved figures since `since` (each flushes once a minute while it serves)."""
    return sorted(str(name) for name in db.system_health.distinct("process", {"at": {"$gte": since}}))

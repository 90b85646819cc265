"""The request history behind the System health page, on the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.database import Database

from shop.backoffice.system_health import (
    BUCKET_SECONDS,
    RequestHistory,
    history,
    quantile,
    remove_old,
    reporting_processes,
    save,
)


def test_quantiles_are_read_from_bucket_counts() -> None:
    # bounds (ms): 5, 10, 25, ...; 10 requests under 5 ms, 10 between 10 and 25 ms
    counts = [10, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert quantile(counts, 0.5) == 5.0
    assert quantile(counts, 0.95) == 10 + 15 * 9 / 10
    assert quantile([0] * 12, 0.5) is None
    assert quantile([0] * 11 + [3], 0.95) == 10000  # the open bucket answers its lower bound


def test_flushes_of_several_processes_add_up_per_bucket(db: Database) -> None:
    now = datetime.now(UTC)
    epoch = now.timestamp()
    first, second = RequestHistory(), RequestHistory()
    for ms in (3, 4, 30, 3000):
        first.record(epoch, ms, 200)
    first.record(epoch, 7, 503)
    save(db, "host-1", first.take())
    first.record(epoch, 2, 404)
    save(db, "host-1", first.take())  # the same bucket again: it adds up
    second.record(epoch, 12, 200)
    save(db, "host-2", second.take())
    assert first.take() == {}

    points = history(db, now)
    assert len(points) == 24 * 3600 // BUCKET_SECONDS
    last = points[-1]
    assert (last.requests, last.errors, last.rejected) == (7, 1, 1)
    assert last.p50_ms is not None and 5 <= last.p50_ms <= 10
    assert last.p95_ms is not None and last.p95_ms >= 2500
    assert all(p.requests == 0 and p.p95_ms is None for p in points[:-1])
    assert reporting_processes(db, now - timedelta(minutes=10)) == ["host-1", "host-2"]


def test_figures_that_could_not_be_saved_are_kept_for_the_next_flush() -> None:
    recorded = RequestHistory()
    recorded.record(1_000_000.0, 8, 200)
    taken = recorded.take()
    recorded.record(1_000_000.0, 40, 500)
    recorded.give_back(taken)
    bucket = recorded.take()[int(1_000_000 // BUCKET_SECONDS * BUCKET_SECONDS)]
    assert (bucket.requests, bucket.errors) == (2, 1) and sum(bucket.counts or []) == 2


def test_old_figures_are_removed(db: Database) -> None:
    now = datetime.now(UTC)
    recorded = RequestHistory()
    recorded.record((now - timedelta(days=4)).timestamp(), 5, 200)
    recorded.record(now.timestamp(), 5, 200)
    save(db, "host-1", recorded.take())
    assert remove_old(db, now) == 1 and db.system_health.count_documents({}) == 1

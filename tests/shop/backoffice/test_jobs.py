"""The job lock and bookkeeping that keep two processes from running one job twice."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from shop.backoffice import jobs


def test_only_one_holder_until_release(db: Database) -> None:
    first = jobs.acquire_lock(db, "forecast")
    assert first is not None
    assert jobs.acquire_lock(db, "forecast") is None
    assert jobs.acquire_lock(db, "backup") is not None  # locks are per job
    jobs.release_lock(db, "forecast", first)
    assert jobs.acquire_lock(db, "forecast") is not None


def test_an_expired_lock_is_taken_over_and_the_old_holder_cannot_release_it(db: Database) -> None:
    past = datetime.now(UTC) - timedelta(hours=3)
    crashed = jobs.acquire_lock(db, "forecast", ttl=timedelta(hours=1), now=past)
    assert crashed is not None

    fresh = jobs.acquire_lock(db, "forecast")

    assert fresh is not None and fresh != crashed
    jobs.release_lock(db, "forecast", crashed)  # a late release of the dead process's lock
    assert db.job_locks.find_one({"_id": "forecast"})["holder"] == fresh
    assert not jobs.extend_lock(db, "forecast", crashed)
    assert jobs.extend_lock(db, "forecast", fresh)


def test_racing_processes_run_the_job_once(db: Database) -> None:
    runs: list[int] = []
    barrier = threading.Barrier(5)
    outcomes: list[jobs.JobOutcome] = []

    def work() -> int:
        runs.append(1)
        time.sleep(0.3)
        return len(runs)

    def process() -> None:
        barrier.wait()
        outcomes.append(jobs.run_job(db, "forecast", work, interval=timedelta(hours=24)))

    threads = [threading.Thread(target=process) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(runs) == 1
    assert sum(o.ran for o in outcomes) == 1
    assert {o.skipped_reason for o in outcomes if not o.ran} <= {"already running in another process", "not due"}
    assert db.job_locks.count_documents({}) == 0  # released


def test_due_is_checked_again_after_taking_the_lock(db: Database) -> None:
    calls: list[str] = []
    outcome = jobs.run_job(db, "backup", lambda: calls.append("x"), interval=timedelta(hours=24))
    assert outcome.ran
    again = jobs.run_job(db, "backup", lambda: calls.append("x"), interval=timedelta(hours=24))
    assert not again.ran and again.skipped_reason == "not due"
    assert calls == ["x"]
    info = jobs.job_info(db, "backup")
    assert info.status == "ok" and info.last_run_at is not None and info.running_since is None


def test_a_failing_job_is_recorded_and_retried_later_not_at_once(db: Database) -> None:
    def broken() -> Any:
        raise RuntimeError("disk full")

    outcome = jobs.run_job(db, "backup", broken, interval=timedelta(hours=24))

    assert not outcome.ran and outcome.error == "RuntimeError: disk full"
    info = jobs.job_info(db, "backup")
    assert info.failed and info.error == "RuntimeError: disk full" and info.last_run_at is None
    assert not jobs.is_due(db, "backup", timedelta(hours=24))  # waits RETRY_AFTER
    later = datetime.now(UTC) + jobs.RETRY_AFTER + timedelta(minutes=1)
    assert jobs.is_due(db, "backup", timedelta(hours=24), now=later)
    assert db.job_locks.count_documents({}) == 0


def test_job_info_reports_a_running_job(db: Database) -> None:
    token = jobs.acquire_lock(db, "forecast")
    assert token is not None
    assert jobs.job_info(db, "forecast").running_since is not None
    with jobs.job_lock(db, "forecast") as held:
        assert held is False
    jobs.release_lock(db, "forecast", token)
    with jobs.job_lock(db, "forecast") as held:
        assert held is True

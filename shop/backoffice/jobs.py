"""Owner jobs (forecast, backup, low-stock check): when they last ran, and a lock so each runs once.

Why a lock document in MongoDB and not a file or a thread lock: the shop may run as several
processes (uvicorn workers, a second machine, an owner typing `python -m app forecast` while the
shop is up), and the database is the one thing they all share. The lock is a document in
`job_locks` whose `_id` is the job name; `_id` is unique on every server, so of two processes
inserting it at once exactly one wins, on MongoDB and on SecantusDB alike. A lock carries an
expiry, so a process killed mid-job (kill -9, power cut) blocks the job only until then.

Why `jobs` keeps one document per job name (`{name, lastRunAt, status, ...}`): the dashboard shows
"last run" from it, and the scheduler decides from it whether a job is due. A failed run records
`lastAttemptAt` and the error but keeps `lastRunAt`, so the dashboard tells the truth ("last good
forecast: 3 days ago; last attempt failed: ...") and the scheduler retries after `RETRY_AFTER`,
not on every tick.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pymongo.database import Database

# The lock itself lives in shop.core.locks (the shared vector index takes one too); its names stay
# importable from here, where the jobs' callers and tests look for them.
from shop.core.locks import DEFAULT_LOCK_TTL, LOCKS, acquire_lock, extend_lock, job_lock, release_lock  # noqa: F401

log = logging.getLogger(__name__)

JOBS = "jobs"
RETRY_AFTER = timedelta(hours=1)
"""After a failed run, wait this long before the scheduler tries again (a broken job must not spin)."""

T = TypeVar("T")


# --------------------------------------------------------------------------------------------------
# Job records
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobInfo:
    """What the dashboard shows about one job."""

    name: str
    last_run_at: datetime | None
    last_attempt_at: datetime | None
    status: str | None
    error: str | None
    duration_seconds: float | None
    details: dict[str, Any]
    running_since: datetime | None

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def job_info(db: Database, name: str, *, now: datetime | None = None) -> JobInfo:
    doc = db[JOBS].find_one({"name": name}) or {}
    lock = db[LOCKS].find_one({"_id": name})
    moment = now or datetime.now(UTC)
    running = lock["acquiredAt"] if lock and lock.get("expiresAt") and lock["expiresAt"] > moment else None
    skip = {"_id", "name", "lastRunAt", "lastAttemptAt", "status", "error", "durationSeconds"}
    return JobInfo(
        name=name,
        last_run_at=doc.get("lastRunAt"),
        last_attempt_at=max((t for t in (doc.get("lastAttemptAt"), doc.get("lastRunAt")) if t), default=None),
        status=doc.get("status"),
        error=doc.get("error"),
        duration_seconds=doc.get("durationSeconds"),
        details={k: v for k, v in doc.items() if k not in skip},
        running_since=running,
    )


def record_success(db: Database, name: str, *, started: datetime, duration: float, **details: Any) -> None:
    db[JOBS].update_one(
        {"name": name},
        {
            "$set": {
                "name": name,
                "lastRunAt": started,
                "lastAttemptAt": started,
                "status": "ok",
                "durationSeconds": round(duration, 2),
                **details,
            },
            "$unset": {"error": ""},
        },
        upsert=True,
    )


def record_failure(db: Database, name: str, *, started: datetime, error: BaseException) -> None:
    db[JOBS].update_one(
        {"name": name},
        {
            "$set": {
                "name": name,
                "lastAttemptAt": started,
                "status": "failed",
                "error": f"{type(error).__name__}: {error}"[:500],
            }
        },
        upsert=True,
    )


def is_due(db: Database, name: str, interval: timedelta, *, now: datetime | None = None) -> bool:
    """Due when the last good run is older than `interval` and no failed attempt is recent."""
    moment = now or datetime.now(UTC)
    doc = db[JOBS].find_one({"name": name}, {"lastRunAt": 1, "lastAttemptAt": 1, "status": 1})
    if doc is None:
        return True
    last_run = doc.get("lastRunAt")
    if last_run is not None and moment - last_run < interval:
        return False
    attempt = doc.get("lastAttemptAt")
    return not (doc.get("status") == "failed" and attempt is not None and moment - attempt < RETRY_AFTER)


@dataclass(frozen=True)
class JobOutcome:
    """What `run_job` did: ran (with its result), skipped (not due / locked), or failed."""

    name: str
    ran: bool
    result: Any = None
    skipped_reason: str | None = None
    error: str | None = None


def run_job(
    db: Database,
    name: str,
    work: Callable[[], T],
    *,
    interval: timedelta | None = None,
    ttl: timedelta = DEFAULT_LOCK_TTL,
    record: bool = True,
    details: Callable[[T], dict[str, Any]] | None = None,
) -> JobOutcome:
    """Run `work` under the job's lock and record the run.

    With `interval`, the job runs only when due, checked again AFTER taking the lock: another
    process may have finished the same job a moment ago. `record=False` is for jobs that write
    their own record (the forecast job stores its own summary in `jobs`). Errors are recorded and
    returned, not raised: a scheduler thread must survive a failing job.
    """
    if interval is not None and not is_due(db, name, interval):
        return JobOutcome(name, ran=False, skipped_reason="not due")
    token = acquire_lock(db, name, ttl=ttl)
    if token is None:
        return JobOutcome(name, ran=False, skipped_reason="already running in another process")
    started = datetime.now(UTC)
    clock = time.monotonic()
    try:
        if interval is not None and not is_due(db, name, interval):
            return JobOutcome(name, ran=False, skipped_reason="not due")
        try:
            result = work()
        except Exception as exc:
            log.exception("job %s failed", name)
            record_failure(db, name, started=started, error=exc)
            return JobOutcome(name, ran=False, error=f"{type(exc).__name__}: {exc}")
        if record:
            record_success(
                db, name, started=started, duration=time.monotonic() - clock, **(details(result) if details else {})
            )
        return JobOutcome(name, ran=True, result=result)
    finally:
        release_lock(db, name, token)

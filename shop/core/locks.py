"""Locks kept in MongoDB, so several processes (workers, hosts, a CLI command) run a job once.

Why a document and not a file or a thread lock: the database is the one thing every process of a
shop shares. A lock is a document in `job_locks` whose `_id` is its name; `_id` is unique on every
server, so of two processes inserting it at once exactly one wins, on MongoDB and on SecantusDB alike.
A lock carries an expiry, so a process killed while holding it (kill -9, power cut) blocks others
only until then. Used by the owner jobs (shop.backoffice.jobs) and the shared vector index
(shop.discovery.index_sync).
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

LOCKS = "job_locks"
DEFAULT_LOCK_TTL = timedelta(hours=1)


def _holder() -> str:
    """Who holds a lock: readable in the database when the owner wonders why a job is 'running'."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


def acquire_lock(
    db: Database, name: str, *, ttl: timedelta = DEFAULT_LOCK_TTL, now: datetime | None = None
) -> str | None:
    """Take the lock `name` for `ttl`; returns the holder token, or None when someone else holds it.

    Two steps, each atomic on its own: take over an EXPIRED lock with a conditional update, else
    insert a fresh one (a duplicate `_id` means another process holds it).
    """
    moment = now or datetime.now(UTC)
    token = _holder()
    fields = {"holder": token, "acquiredAt": moment, "expiresAt": moment + ttl}
    taken = db[LOCKS].update_one({"_id": name, "expiresAt": {"$lte": moment}}, {"$set": fields})
    if taken.modified_count == 1:
        return token
    try:
        db[LOCKS].insert_one({"_id": name, **fields})
    except DuplicateKeyError:
        return None
    return token


def extend_lock(db: Database, name: str, token: str, *, ttl: timedelta = DEFAULT_LOCK_TTL) -> bool:
    """Push the expiry of a lock we still hold (long jobs call this); False if we lost it."""
    result = db[LOCKS].update_one({"_id": name, "holder": token}, {"$set": {"expiresAt": datetime.now(UTC) + ttl}})
    return result.matched_count == 1


def release_lock(db: Database, name: str, token: str) -> None:
    """Delete the lock only if it is still ours (an expired lock may have passed to someone else)."""
    db[LOCKS].delete_one({"_id": name, "holder": token})


@contextmanager
def job_lock(db: Database, name: str, *, ttl: timedelta = DEFAULT_LOCK_TTL) -> Iterator[bool]:
    """`with job_lock(db, "backup") as held:` runs the block either way; `held` says if we got it."""
    token = acquire_lock(db, name, ttl=ttl)
    try:
        yield token is not None
    finally:
        if token is not None:
            release_lock(db, name, token)

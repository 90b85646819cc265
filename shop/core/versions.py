"""Versions kept in the database, so every process's caches follow writes made by any process.

Each in-process cache of the shop (the catalog snapshot and everything stamped with its version: page
caches, product cards, the keyword index, the assistant's vocabulary; the vector index's in-memory
mirror) is one "kind". A write that changes what a kind shows bumps its counter in the `versions`
collection (one small document per kind) after it has committed; every process reads the whole
collection, a handful of tiny documents, at most once per `poll_seconds` and refreshes the caches of
a kind whose counter moved. So an edit made through one process shows in the others within about
one poll interval, and an idle shop costs each process one small query a second.

Bumps are coalesced: a burst of orders committing at once costs one or two `$inc`s, not one each
(a bump asked for while another is in flight is done once more after it, so the last write is
always followed by a bump).
"""

from __future__ import annotations

import logging
import threading
import time

import pymongo
from pymongo import ReturnDocument
from pymongo.database import Database

from shop.core.db import CACHE_READ_TIMEOUT_SECONDS, known_down

log = logging.getLogger(__name__)

VERSIONS = "versions"
CATALOG = "catalog"
"""Products and categories (and so everything shown from the catalog snapshot)."""
VECTORS = "vectors"
"""The vectors of the product index (a shared Chroma server): a process that did not write them
reloads its in-memory copy."""


class SharedVersions:
    """The `versions` collection as one process sees it: `bump(kind)` after a write, `get(kind)` to
    compare. Thread-safe; a failed poll or bump is logged and retried, never raised into a page
    (the catalog's periodic full check covers what a lost bump would have announced)."""

    def __init__(self, db: Database, *, poll_seconds: float = 1.0) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self._known: dict[str, int] = {}
        self._polled_at = float("-inf")
        self._poll_lock = threading.Lock()
        self._bump_lock = threading.Lock()
        self._bumping: set[str] = set()
        self._again: set[str] = set()

    def get(self, kind: str) -> int:
        """The kind's counter as last read, re-read when older than `poll_seconds` (0 when never bumped).

        One reader polls; concurrent readers meanwhile take the previous values, which are at most
        `poll_seconds` old."""
        if time.monotonic() - self._polled_at >= self.poll_seconds and self._poll_lock.acquire(blocking=False):
            try:
                if time.monotonic() - self._polled_at >= self.poll_seconds:
                    self.poll()
            finally:
                self._poll_lock.release()
        return self._known.get(kind, 0)

    def poll(self) -> None:
        started = time.monotonic()
        try:
            if known_down(self.db.client):  # keep the caches at once; the request's own read reports it
                return
            with pymongo.timeout(CACHE_READ_TIMEOUT_SECONDS):
                self._known = {str(doc["_id"]): int(doc.get("n", 0)) for doc in self.db[VERSIONS].find({}, {"n": 1})}
        except Exception:
            log.warning("could not read the shared versions; caches keep their current state", exc_info=True)
        finally:
            self._polled_at = started

    def bump(self, kind: str) -> int | None:
        """Announce a committed write of `kind` to every process; returns the new counter, or None
        when another thread's bump in flight takes this one over (it bumps once more after)."""
        with self._bump_lock:
            if kind in self._bumping:
                self._again.add(kind)
                return None
            self._bumping.add(kind)
        value: int | None = None
        try:
            while True:
                value = self._increment(kind)
                with self._bump_lock:
                    if kind not in self._again:
                        self._bumping.discard(kind)
                        return value
                    self._again.discard(kind)
        except BaseException:
            with self._bump_lock:
                self._bumping.discard(kind)
                self._again.discard(kind)
            raise

    def _increment(self, kind: str) -> int | None:
        try:
            doc = self.db[VERSIONS].find_one_and_update(
                {"_id": kind}, {"$inc": {"n": 1}}, upsert=True, return_document=ReturnDocument.AFTER
            )
        except Exception:
            log.warning("could not bump the shared version of %s", kind, exc_info=True)
            return None
        value = int(doc["n"]) if doc else None
        if value is not None:
            self._known[kind] = max(value, self._known.get(kind, 0))
        return value

"""What each visitor did: views, searches, add-to-cart, purchases and wishlist changes.

The log feeds "Recommended for you" (shop.discovery.recommendations). It is written on almost every page view,
so a write must never slow or fail the page: `record` only appends to an in-memory list and a single
background thread inserts the batch (one `insert_many` per burst instead of one round trip per view;
SecantusDB manages ~700 inserts/s). If the queue is full or the database is down, events are dropped
and logged: a lost "view" costs a slightly worse recommendation, a failed page costs a customer.

Keyed by the visitor's session id (the cookie), and also by the customer's email once we know it (a
purchase), so the history follows a customer who comes back on another device and buys again.
Documents expire after `RETENTION` (TTL index on `at`): old behaviour says little about today's taste
and the log should not grow forever.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bson import ObjectId
from pymongo import DESCENDING
from pymongo.database import Database
from pymongo.errors import PyMongoError

from shop.core.validation import is_object_id

log = logging.getLogger(__name__)

COLLECTION = "userInteractions"
InteractionType = Literal["view", "search", "cart", "purchase", "wishlist"]
TYPES: tuple[str, ...] = ("view", "search", "cart", "purchase", "wishlist")
RETENTION = timedelta(days=180)
MAX_PENDING = 10_000
"""Events waiting for the writer; beyond this they are dropped (the database is down or far behind)."""
REPEAT_SECONDS = 60.0
"""The same view or search by the same visitor within this window is one event (reloads, typing)."""
HISTORY_SECONDS = 30.0
"""How long a history read from the database is reused for the visitor's next pages. Events recorded
by this process join it at once; what another process or device recorded shows within this time."""


@dataclass(frozen=True, slots=True)
class Interaction:
    type: str
    product_id: str | None
    query: str | None
    at: datetime


class InteractionLog:
    """Cheap, fire-and-forget writes plus the few reads the recommender needs."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._scheduled = False
        self._dropped = 0
        # (visitor, type, product or query) -> monotonic time of the last recorded event.
        self._recent: dict[tuple[str, str, str], float] = {}
        # Visitor ids known to have a history, so the home page does not ask the database each time.
        self._known: dict[str, float] = {}
        self._unknown: dict[str, float] = {}  # visitor -> when the database said "no history"
        # visitor -> (monotonic time read, limit, event documents): see HISTORY_SECONDS.
        self._histories: dict[str, tuple[float, int, list[dict[str, Any]]]] = {}

    # --- writes ---------------------------------------------------------------------------------
    def record(
        self,
        visitor_id: str | None,
        kind: InteractionType,
        *,
        product_id: str | None = None,
        query: str | None = None,
        customer_email: str | None = None,
    ) -> None:
        """Queue one event; returns at once and never raises (see the module docstring)."""
        try:
            self._record(visitor_id, kind, product_id, query, customer_email)
        except Exception:  # a bug here must not break the page that called it
            log.exception("could not queue an interaction")

    def _record(
        self,
        visitor_id: str | None,
        kind: str,
        product_id: str | None,
        query: str | None,
        customer_email: str | None,
    ) -> None:
        if not visitor_id and not customer_email:
            return
        if kind not in TYPES:
            raise ValueError(f"unknown interaction type {kind!r}")
        if product_id is not None and not is_object_id(product_id):
            return
        query = " ".join(query.split())[:100] if query else None
        now = time.monotonic()
        if kind in ("view", "search"):
            key = (visitor_id or customer_email or "", kind, (product_id or query or "").lower())
            last = self._recent.get(key)
            if last is not None and now - last < REPEAT_SECONDS:
                return
            if len(self._recent) > 50_000:
                self._recent.clear()
            self._recent[key] = now
        doc: dict[str, Any] = {"visitorId": visitor_id, "type": kind, "at": datetime.now(UTC)}
        if customer_email:
            doc["customerEmail"] = customer_email.lower()
        if product_id is not None:
            doc["productId"] = ObjectId(product_id)
        if query:
            doc["query"] = query
        if visitor_id:
            self._known[visitor_id] = now
            self._unknown.pop(visitor_id, None)
        with self._lock:
            if len(self._pending) >= MAX_PENDING:
                self._dropped += 1
                if self._dropped % 1000 == 1:
                    log.warning("interaction queue full; %d events dropped so far", self._dropped)
                return
            self._pending.append(doc)
            cached = self._histories.get(visitor_id) if visitor_id else None
            if cached is not None:
                cached[2].append(doc)
            if self._scheduled:
                return
            self._scheduled = True
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="interactions")
            executor = self._executor
        executor.submit(self._write_pending)

    def _write_pending(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            self._scheduled = False
        if not batch:
            return
        try:
            self.db[COLLECTION].insert_many(batch, ordered=False)
        except PyMongoError:
            log.exception("could not store %d interactions; they are dropped", len(batch))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event is written (tests, benches, shutdown)."""
        with self._lock:
            executor = self._executor
        if executor is None:
            self._write_pending()
            return True
        done: Future[None] = executor.submit(self._write_pending)
        try:
            done.result(timeout=timeout)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self.flush()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    # --- reads ----------------------------------------------------------------------------------
    def popular_searches(self, *, days: int = 30, limit: int = 200) -> list[str]:
        """The most searched texts of the last `days`, most searched first (for the search warm-up)."""
        since = datetime.now(UTC) - timedelta(days=days)
        pipeline: list[dict[str, Any]] = [
            {"$match": {"type": "search", "at": {"$gte": since}}},
            {"$group": {"_id": "$query", "n": {"$sum": 1}}},
            {"$sort": {"n": -1, "_id": 1}},
            {"$limit": limit},
        ]
        return [doc["_id"] for doc in self.db[COLLECTION].aggregate(pipeline) if isinstance(doc["_id"], str)]

    def history(self, visitor_id: str, *, limit: int = 100) -> list[Interaction]:
        """The visitor's most recent events, newest first, including those made under the email they
        bought with (on any device). Events still in the write queue are included too, so a view
        shows up in the next page's recommendations even before the writer has run."""
        now = time.monotonic()
        with self._lock:
            cached = self._histories.get(visitor_id)
            if cached is not None and now - cached[0] < HISTORY_SECONDS and cached[1] >= limit:
                docs = list(cached[2])
            else:
                cached = None
        if cached is None:
            docs = self._read_history(visitor_id, limit)
            with self._lock:
                # Queued events are not in the database yet; one the writer stored meanwhile is read
                # twice, hence the set of what is already there.
                seen = {(d["type"], d.get("productId"), d.get("query"), d["at"]) for d in docs}
                docs.extend(
                    doc
                    for doc in self._pending
                    if doc.get("visitorId") == visitor_id
                    and (doc["type"], doc.get("productId"), doc.get("query"), doc["at"]) not in seen
                )
                if len(self._histories) > 10_000:
                    self._histories.clear()
                self._histories[visitor_id] = (now, limit, docs)
                docs = list(docs)
        docs.sort(key=lambda doc: doc["at"], reverse=True)
        return [
            Interaction(
                doc["type"],
                str(doc["productId"]) if doc.get("productId") is not None else None,
                doc.get("query"),
                doc["at"],
            )
            for doc in docs[:limit]
        ]

    def _read_history(self, visitor_id: str, limit: int) -> list[dict[str, Any]]:
        docs = self._fetch({"visitorId": visitor_id}, limit)
        emails = {doc["customerEmail"] for doc in docs if doc.get("customerEmail")}
        for email in sorted(emails)[:3]:
            docs.extend(
                doc for doc in self._fetch({"customerEmail": email}, limit) if doc.get("visitorId") != visitor_id
            )
        return docs

    def _fetch(self, filters: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        since = datetime.now(UTC) - RETENTION
        cursor = (
            self.db[COLLECTION]
            .find(
                {**filters, "at": {"$gte": since}},
                {"_id": 0, "type": 1, "productId": 1, "query": 1, "at": 1, "visitorId": 1, "customerEmail": 1},
            )
            .sort("at", DESCENDING)
            .limit(limit)
        )
        return list(cursor)

    def has_history(self, visitor_id: str | None) -> bool:
        """Whether the visitor has done anything we remember (cheap: cached once known)."""
        if not visitor_id:
            return False
        if visitor_id in self._known:
            return True
        # A visitor found without history is not asked about again for HISTORY_SECONDS: their own
        # events through this process mark them known at once (see `_record`).
        now = time.monotonic()
        checked = self._unknown.get(visitor_id)
        if checked is not None and now - checked < HISTORY_SECONDS:
            return False
        found = self.db[COLLECTION].find_one({"visitorId": visitor_id}, {"_id": 1}) is not None
        if found:
            if len(self._known) > 100_000:
                self._known.clear()
            self._known[visitor_id] = now
        else:
            if len(self._unknown) > 100_000:
                self._unknown.clear()
            self._unknown[visitor_id] = now
        return found

    def counts(self, kinds: Iterable[str] = ("view",), *, days: int = 7) -> dict[str, int]:
        """Events per product in the last `days` (e.g. recent views for "trending")."""
        since = datetime.now(UTC) - timedelta(days=days)
        counts: dict[str, int] = {}
        cursor = self.db[COLLECTION].find(
            {"at": {"$gte": since}, "type": {"$in": list(kinds)}, "productId": {"$ne": None}},
            {"_id": 0, "productId": 1},
        )
        for doc in cursor:
            pid = str(doc["productId"])
            counts[pid] = counts.get(pid, 0) + 1
        return counts

"""Request limits: how many orders, chat messages, reviews, contact messages, return requests and
sign-in attempts a
visitor and a client address may send per period, counted in MongoDB so that every app process serving
the shop shares one count.

Why in the database: the limits used to be nowhere (30 orders from one client in 1 s were all
accepted, and unpaid orders take stock at once), and a count kept in one process's memory is lifted by
sending to another process. Why fixed windows: one counter document per (action, who, window) is one
write per check. The document's `_id` names the window, so a new window is a new document and nothing
ever has to be reset; a TTL index on `expiresAt` removes old ones (SecantusDB honours TTL indexes: an
expired document was gone within ~60 s, measured with a probe). A burst that straddles two windows can
reach twice the limit once; that is the price of one write.

One write decides: `update_one({_id, n: {$lt: limit}}, {$inc: {n: 1}}, upsert=True)` matches while the
window has room and counts the hit; when the window is full the filter matches nothing, the upsert tries
to insert a second document with the same `_id` and fails with a duplicate key, which means "over the
limit" and counts nothing. No read, no find_one_and_update (a collection scan on SecantusDB), and no
race: two processes hitting the same full window are both refused. The visitor's and the address's
counters go in one bulk write, and so do the checks of concurrent requests (group commit, as for
orders); a hit refused by one counter is taken back from the other (a second write, on refusals
only), so a refused visitor does not use up its address's share. What it costs (bench/load.py, 20
clients, 2,000 products): checkout p95 155 ms with RATE_LIMITS=false, 294 ms with a write per
request, 272 ms grouped. SecantusDB applies each conditional upsert as its own synced operation
(~1.2 ms), so a bulk write saves round trips but not that: 242 checks/s one at a time, 376/s from
20 threads. Orders are therefore counted by the order's own transaction instead (`plan`, then
`TransactionCounts` in the order batch): one read and one `$inc` per counter a batch touches, and
checkout p95 went from 233 ms to 118 ms (115 -> 194 orders/s; bench/load.py --clients 20 --only
checkout). The other actions are rare enough to keep their own write.
A window once seen full is remembered in the process until it ends, so a flood is refused from
memory: a check costs a write (~1.2 ms alone on SecantusDB, 5-15 ms under load, measured with
bench/limits_probe.py), and an attacker's refused requests should not cost that each.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pymongo import UpdateOne
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from shop.core.errors import ShopError
from shop.core.group_commit import GroupCommit
from shop.core.settings import Settings
from shop.security.addresses import limit_key

Action = Literal["orders", "chat", "reviews", "contact", "login", "returns"]
Scope = Literal["visitor", "ip", "account"]

COLLECTION = "rate_limits"
_Check = tuple["Rate", str, float]
"""One counter a hit is counted on: its rate, the window's document id, the window's end."""
DUPLICATE_KEY = 11000
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d{1,9})\s*/\s*(\d{0,9})\s*([smhd]?)\s*$")

WHAT: dict[Action, str] = {
    "orders": "You have placed several orders in a short time.",
    "chat": "You have sent many chat messages in a short time.",
    "reviews": "You have written several reviews in a short time.",
    "contact": "You have sent several messages through the contact form in a short time.",
    "login": "There have been too many sign-in attempts.",
    "returns": "You have sent several return requests in a short time.",
}
"""The first half of what a refused client reads; the second says when to try again."""


@dataclass(frozen=True)
class Rate:
    """At most `count` hits per `seconds`; a count of 0 is no limit."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """ "5/10m" -> 5 per 600 s; a bare number of seconds ("5/600") and "5/m" (one minute) work too."""
        match = _RATE.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not a limit like 5/10m (count/period, period in s, m, h or d)")
        count, amount, unit = match.groups()
        seconds = int(amount or 1) * _UNITS[unit]
        if seconds <= 0:
            raise ValueError(f"{text!r}: the period must be longer than 0")
        return cls(int(count), seconds)

    @property
    def off(self) -> bool:
        return self.count <= 0


class RateLimited(ShopError):
    """Over a limit: HTTP 429 with `retry_after` seconds (the Retry-After header)."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def wait_text(seconds: int) -> str:
    """ "30 seconds", "7 minutes", "3 hours": when a refused client may try again, in words."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


def account_key(email: str) -> str:
    """An account's counter key: a hash, so the counters never hold email addresses."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


class RateLimits:
    """The shop's request limits, read from the settings (`LIMIT_<ACTION>_PER_<SCOPE>`)."""

    def __init__(self, db: Database, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self.collection = db[COLLECTION]
        self.enabled = settings.rate_limits
        self.clock = clock
        self._group: GroupCommit[list[_Check], set[int]] = GroupCommit(self._count, split_on=lambda _: False)
        """Concurrent checks share one bulk write: one round trip for a batch (the updates in it still
        cost SecantusDB ~1.2 ms each; see the module docstring)."""
        self._full: dict[str, float] = {}
        """Windows this process saw full (counter id -> window end): counts never fall within a window."""
        self.rates: dict[tuple[Action, Scope], Rate] = {}
        for name, value in settings.model_dump().items():
            if name.startswith("limit_") and "_per_" in name:
                action, scope = name.removeprefix("limit_").split("_per_")
                self.rates[(action, scope)] = Rate.parse(value)  # type: ignore[index]

    def rate(self, action: Action, scope: Scope) -> Rate | None:
        rate = self.rates.get((action, scope))
        return None if rate is None or rate.off or not self.enabled else rate

    def plan(
        self, action: Action, *, visitor: str | None = None, ip: str | None = None, account: str | None = None
    ) -> Hit | None:
        """The counters one `action` of these clients counts on, not counted yet; None when no limit
        applies. RateLimited at once when one of them is a window this process has seen full.

        `ip` is the client address (an IPv6 address counts as its /64: one subscriber's network);
        `account` an email address (hashed). Who is not given, or whose limit is off, is not counted.
        """
        now = self.clock()
        who: list[tuple[Scope, str]] = [("visitor", visitor or ""), ("ip", limit_key(ip) if ip else "")]
        who.append(("account", account_key(account) if account else ""))
        checks: list[_Check] = []
        for scope, key in who:
            rate = self.rate(action, scope)
            if rate is None or not key:
                continue
            start = math.floor(now / rate.seconds) * rate.seconds
            checks.append((rate, f"{action}:{scope}:{key}:{start}", start + rate.seconds))
        if not checks:
            return None
        full = [end for _, doc_id, end in checks if self._full.get(doc_id, 0.0) > now]
        if full:  # known full in this window: refused without a write (a flood costs the database nothing)
            raise self._refusal(action, max(full) - now)
        return Hit(action, tuple(checks), now)

    def hit(
        self, action: Action, *, visitor: str | None = None, ip: str | None = None, account: str | None = None
    ) -> None:
        """Count one `action` for each of who is given (see `plan`); RateLimited when any of them is over."""
        planned = self.plan(action, visitor=visitor, ip=ip, account=account)
        if planned is None:
            return
        refused = self._group.submit(list(planned.checks))
        if refused:
            raise self._refused(planned, refused)

    def in_transaction(self, session: ClientSession, hits: Sequence[Hit]) -> TransactionCounts:
        """Counts for hits that are counted by the caller's own transaction (the order batch): one read
        of their counters now, one write of what was taken (`TransactionCounts.write`) before commit."""
        ids = sorted({doc_id for planned in hits for _, doc_id, _ in planned.checks})
        counts = (
            {doc["_id"]: int(doc.get("n", 0)) for doc in self.collection.find({"_id": {"$in": ids}}, session=session)}
            if ids
            else {}
        )
        return TransactionCounts(self, session, counts)

    def _refused(self, planned: Hit, refused: set[int]) -> RateLimited:
        """The error for a hit refused by the counters at `refused`; those windows are remembered full."""
        if len(self._full) > 10_000:
            self._full.clear()
        for i in refused:
            self._full[planned.checks[i][1]] = planned.checks[i][2]
        return self._refusal(planned.action, max(planned.checks[i][2] for i in refused) - planned.at)

    def _count(self, hits: Sequence[list[_Check]]) -> list[set[int]]:
        """Count concurrent hits in one bulk write; for each hit, the indexes of its checks refused.

        A hit refused by one of its counters is taken back from the others (one more bulk write for
        the whole batch, on refusals only), so a refused visitor does not use up its address's share.
        Several hits on one counter in one batch are applied one after the other by the server, each
        with its own `n < limit` condition, so a batch never lets more through than hits one by one.
        """
        owner = [(h, i) for h, checks in enumerate(hits) for i in range(len(checks))]
        writes = [
            UpdateOne(
                {"_id": doc_id, "n": {"$lt": rate.count}},
                {"$inc": {"n": 1}, "$setOnInsert": {"expiresAt": datetime.fromtimestamp(end, UTC)}},
                upsert=True,
            )
            for checks in hits
            for rate, doc_id, end in checks
        ]
        refused: list[set[int]] = [set() for _ in hits]
        try:
            self.collection.bulk_write(writes, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            for error in errors:
                h, i = owner[error["index"]]
                refused[h].add(i)
            undo = [
                UpdateOne({"_id": doc_id}, {"$inc": {"n": -1}})
                for h, checks in enumerate(hits)
                if refused[h]
                for i, (_, doc_id, _) in enumerate(checks)
                if i not in refused[h]
            ]
            if undo:
                self.collection.bulk_write(undo, ordered=False)
        return refused

    @staticmethod
    def _refusal(action: Action, wait: float) -> RateLimited:
        retry_after = max(1, math.ceil(wait))
        return RateLimited(f"{WHAT[action]} Please try again in {wait_text(retry_after)}.", retry_after=retry_after)


@dataclass(frozen=True)
class Hit:
    """One request's hit of an action, planned (`RateLimits.plan`) and waiting to be counted."""

    action: Action
    checks: tuple[_Check, ...]
    at: float
    """When it was planned: the windows' start and the wait a refusal names are from this moment."""


class TransactionCounts:
    """The counters of a batch of hits, read inside the caller's transaction and written by it.

    Why: an order's limit counted by a write of its own cost SecantusDB ~1.2 ms per counter (a
    conditional upsert it applies as its own synced operation), on top of the order's transaction,
    and both queue for the one database: checkout p95 was 233 ms at 20 clients (bench/load.py).
    Counted in the order batch, the counters cost one read and one `$inc` per counter the batch
    touches (twenty orders from one address: one write for the address), and a refused order takes
    no stock in the same all-or-nothing step. Correct with several processes: two transactions that
    both read a counter and both write it conflict, and the one that retries reads the other's count
    (SecantusDB runs transactions one at a time). A retried transaction builds its counts anew.
    """

    def __init__(self, limits: RateLimits, session: ClientSession, counts: dict[str, int]) -> None:
        self.limits = limits
        self.session = session
        self.counts = counts
        self.taken: dict[str, tuple[int, float]] = {}
        """Counter id -> (hits this batch counted on it, its window's end)."""

    def take(self, planned: Hit) -> RateLimited | None:
        """Count `planned` unless one of its counters is full (then its error, and nothing counted)."""
        refused = {
            i
            for i, (rate, doc_id, _) in enumerate(planned.checks)
            if self.counts.get(doc_id, 0) + self.taken.get(doc_id, (0, 0.0))[0] >= rate.count
        }
        if refused:
            return self.limits._refused(planned, refused)
        for _, doc_id, end in planned.checks:
            self.taken[doc_id] = (self.taken.get(doc_id, (0, end))[0] + 1, end)
        return None

    def write(self) -> None:
        """The batch's counts, one `$inc` per counter, in the caller's transaction."""
        if self.taken:
            self.limits.collection.bulk_write(
                [
                    UpdateOne(
                        {"_id": doc_id},
                        {"$inc": {"n": n}, "$setOnInsert": {"expiresAt": datetime.fromtimestamp(end, UTC)}},
                        upsert=True,
                    )
                    for doc_id, (n, end) in sorted(self.taken.items())
                ],
                session=self.session,
            )

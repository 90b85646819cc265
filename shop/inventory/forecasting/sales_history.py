"""Sales history for forecasting: units sold per product per day, and the shop's weekly rhythm.

How it is read, and why:

- History comes from orders (cancelled ones excluded) through `$unwind` + `$group`. SecantusDB returns
  wrong answers for expressions that walk arrays (`"$products.quantity"` on the array) and for
  `distinct` on array fields, so each order line is unwound into its own document first; after that,
  `"$products.quantity"` is a plain sub-document path and is correct on SecantusDB and on MongoDB.
  Days are UTC calendar days (`$dateToString "%Y-%m-%d"`, verified on SecantusDB 0.7.0b3).
- Only whole days are history: today's partial sales would look like a collapse in demand.
- Each product's series starts at its first sale in the window (earlier zeros are unknown, not
  demand) and runs to yesterday with missing days filled with 0.

Why `SalesHistory` is an object the service container builds once: measuring the shop's weekly
rhythm is one query (~0.5 s on SecantusDB for the demo's orders) that every product chart and chat
question needs, so each app keeps its measurements, and two apps in one process (tests, a CLI beside
a server) never share them. A kept rhythm carries an explicit version: the writes to its window's
orders from shortly before it was measured (ids and `updatedAt` stamps since `WRITE_OVERLAP` before).
Each read asks for those writes again (`orders.updatedAt` is indexed: ~2 ms for the demo's orders),
and any other answer measures the rhythm again, so an order cancelled by another process is
counted on the next read. New orders belong to today, which no rhythm counts until the day is whole;
the next day is a new key, measured afresh. An order written without a fresh `updatedAt` (a restored
backup) is counted from the next day on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from bson import ObjectId
from pymongo.database import Database

from shop.core.errors import InvalidInput
from shop.core.validation import parse_object_id
from shop.inventory.forecasting.models import FIT_DAYS, SEASON, series_frame

WEEKDAY_PRIOR_ORDERS = 50
"""Pseudo-orders added to every weekday before the shop's rhythm is measured: a shop with a few
orders a week gets an almost flat week instead of one shaped by chance."""
WRITE_OVERLAP = timedelta(minutes=2)
"""A rhythm's version holds the writes from this long before its measurement, so an order committed
late, or stamped by a process whose clock runs a little behind, is still compared."""
KEPT_RHYTHMS = 64
"""Measurements kept per SalesHistory (one per day and window is the usual use): all are dropped
when this many are kept, which costs one query per day and window again."""


def day_start(moment: datetime | date | None) -> datetime:
    """Midnight UTC of `moment`'s day (now when None): history is made of whole UTC days."""
    if moment is None:
        moment = datetime.now(UTC)
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def product_object_ids(product_ids: Iterable[str | ObjectId]) -> list[ObjectId]:
    """The products a forecast is asked about; one that is not an id is the caller's mistake."""
    return [
        parse_object_id(pid, or_raise=InvalidInput(f"{str(pid)[:40]!r} is not a product id.", field="productId"))
        for pid in product_ids
    ]


@dataclass(frozen=True)
class _Rhythm:
    """A measured weekly rhythm and its version (`since`, `writes`)."""

    profile: tuple[float, ...]
    since: datetime
    """The measurement's start less WRITE_OVERLAP: writes stamped earlier were all counted."""
    writes: frozenset[tuple[str, datetime]]
    """(order id, updatedAt) of the window's orders written since `since`, read before the measurement."""


class SalesHistory:
    """The sales of one shop database as forecasting reads them, with its weekly rhythm kept between reads.

    Thread-safe enough for the request threads that share it: two first reads of the same rhythm
    at once both measure it, and either answer is right.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._rhythms: dict[tuple[datetime, int], _Rhythm] = {}

    def series(
        self,
        since: datetime,
        until: datetime,
        product_ids: Sequence[str | ObjectId] | None,
    ) -> dict[str, tuple[date, np.ndarray]]:
        """product id -> (first sale day, daily units up to the day before `until`, zeros filled)."""
        match: dict[str, Any] = {"createdAt": {"$gte": since, "$lt": until}, "status": {"$ne": "cancelled"}}
        ids = None if product_ids is None else product_object_ids(product_ids)
        if ids is not None:
            # A query (not an expression) on the array: correct on both servers, and it skips the
            # orders without these products before the costly unwind (4x faster for one product's chart).
            match["products.productId"] = {"$in": ids}
        pipeline: list[dict[str, Any]] = [
            {"$match": match},
            {"$project": {"_id": 0, "createdAt": 1, "products.productId": 1, "products.quantity": 1}},
            # One document per order line: grouping then sees scalars, which SecantusDB gets right.
            {"$unwind": "$products"},
        ]
        if ids is not None:
            pipeline.append({"$match": {"products.productId": {"$in": ids}}})
        pipeline.append(
            {
                "$group": {
                    "_id": {
                        "p": "$products.productId",
                        "d": {"$dateToString": {"format": "%Y-%m-%d", "date": "$createdAt"}},
                    },
                    "y": {"$sum": "$products.quantity"},
                }
            }
        )
        first_day = since.date()
        n_days = (until.date() - first_day).days
        rows: dict[str, list[tuple[int, float]]] = {}
        for doc in self.db.orders.aggregate(pipeline, allowDiskUse=True):
            offset = (date.fromisoformat(doc["_id"]["d"]) - first_day).days
            if 0 <= offset < n_days:
                rows.setdefault(str(doc["_id"]["p"]), []).append((offset, float(doc["y"] or 0)))
        series: dict[str, tuple[date, np.ndarray]] = {}
        for pid, points in rows.items():
            begin = min(offset for offset, _ in points)
            values = np.zeros(n_days - begin)
            for offset, units in points:
                values[offset - begin] += units
            series[pid] = (first_day + timedelta(days=begin), values)
        return series

    def daily_sales(
        self,
        *,
        since: datetime | date,
        until: datetime | date,
        product_ids: Sequence[str | ObjectId] | None = None,
    ) -> pd.DataFrame:
        """Units sold per product per UTC day over whole days [since, until), in statsforecast's long format.

        `since`/`until` are truncated to midnight UTC, so passing `now` as `until` leaves out today's
        incomplete day. Each product's rows run from its first sale in the window to the day before
        `until`, days without sales as 0; products that never sold in the window have no rows.
        """
        return series_frame(self.series(day_start(since), day_start(until), product_ids))

    def weekday_profile(self, *, until: datetime | date, days: int = FIT_DAYS) -> tuple[float, ...]:
        """The shop's weekly rhythm: orders per weekday (Monday first) relative to the average day.

        Measured over the whole days of the `days` before `until` (a multiple of 7, so every weekday
        counts equally), from all orders whatever products they hold: a forecast for one product gets
        the same rhythm as the nightly job. Counting orders needs no `$unwind`, so this stays cheap.
        """
        if days % SEASON:
            raise ValueError("The profile window must be whole weeks.")
        end = day_start(until)
        start = end - timedelta(days=days)
        key = (end, days)
        kept = self._rhythms.get(key)
        if kept is not None and self._writes(kept.since, start, end) == kept.writes:
            return kept.profile
        since = datetime.now(UTC) - WRITE_OVERLAP
        writes = self._writes(since, start, end)  # before measuring: a write in between measures again
        profile = self._measure_rhythm(start, end)
        if len(self._rhythms) >= KEPT_RHYTHMS:
            self._rhythms.clear()
        self._rhythms[key] = _Rhythm(profile, since, writes)
        return profile

    def _writes(self, since: datetime, start: datetime, end: datetime) -> frozenset[tuple[str, datetime]]:
        """The orders created in [start, end) and written (placed, cancelled, changed) since `since`."""
        written = {"updatedAt": {"$gte": since}, "createdAt": {"$gte": start, "$lt": end}}
        return frozenset((str(doc["_id"]), doc["updatedAt"]) for doc in self.db.orders.find(written, {"updatedAt": 1}))

    def _measure_rhythm(self, start: datetime, end: datetime) -> tuple[float, ...]:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"createdAt": {"$gte": start, "$lt": end}, "status": {"$ne": "cancelled"}}},
            {"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$createdAt"}}, "n": {"$sum": 1}}},
        ]
        counts = [0.0] * SEASON
        for doc in self.db.orders.aggregate(pipeline):
            counts[date.fromisoformat(doc["_id"]).weekday()] += doc["n"]
        mean = sum(counts) / SEASON
        return tuple((n + WEEKDAY_PRIOR_ORDERS) / (mean + WEEKDAY_PRIOR_ORDERS) for n in counts)

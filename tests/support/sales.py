"""Handmade order histories for the forecasting tests, whose right answer is known."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from bson import ObjectId
from pymongo.database import Database

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)  # a Monday; history ends on Sunday 1 June
TODAY = date(2025, 6, 2)
_order_numbers = itertools.count()


def order(
    day: date, lines: Sequence[tuple[ObjectId, int]], *, status: str = "completed", hour: int = 12
) -> dict[str, Any]:
    created = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    return {
        "_id": f"ORD-T{next(_order_numbers):07d}",
        "customerId": ObjectId(),
        "customerName": "Ada Lovelace",
        "email": "ada@example.com",
        "address": "12 Analytical Street",
        "products": [
            {"productId": pid, "name": "x", "quantity": qty, "unitPrice": Decimal("5.00")} for pid, qty in lines
        ],
        "totalAmount": Decimal("5.00"),
        "status": status,
        "sessionId": None,
        "createdAt": created,
        "updatedAt": created,
    }


def sell(db: Database, product_id: ObjectId, units: Sequence[float]) -> None:
    """One order per day with sales, the last value on the day before TODAY."""
    first = TODAY - timedelta(days=len(units))
    docs = [order(first + timedelta(days=i), [(product_id, int(u))]) for i, u in enumerate(units) if u > 0]
    if docs:
        db.orders.insert_many(docs)


def sparse_units(seed: int, days: int = 140) -> list[int]:
    """A slow seller without a weekly pattern: a sale on about one day in four, 1 or 2 units."""
    rng = np.random.default_rng(seed)
    return [int(u) for u in (rng.random(days) < 0.25) * rng.integers(1, 3, days)]

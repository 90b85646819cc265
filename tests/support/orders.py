"""Orders in tests: the JSON API's order body, and order history written straight to the database
(for tests of what is learnt from it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database


def order_body(product_id: Any, quantity: Any = 1, **overrides: Any) -> dict[str, Any]:
    """A valid POST /api/orders body for `quantity` of one product; `overrides` replace its fields."""
    body = {
        "customerName": "Grace Hopper",
        "email": "grace@example.com",
        "address": "1 Compiler Way, Arlington",
        "items": [{"productId": str(product_id), "quantity": quantity}],
    }
    body.update(overrides)
    return body


def bought_together(db: Database, products: list[dict[str, Any]], times: int = 3) -> None:
    """`times` completed orders, each of one of every product given (co-purchase statistics)."""
    now = datetime.now(UTC)
    db.orders.insert_many(
        [
            {
                "_id": f"ORD-{n}",
                "status": "completed",
                "products": [{"productId": p["_id"], "quantity": 1} for p in products],
                "createdAt": now,
                "updatedAt": now,
            }
            for n in range(times)
        ]
    )

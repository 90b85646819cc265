"""How a received return's money goes back: a `Refunder`, the shape of `PaymentService.refund`.

`PaymentService.refund(order_id, amount, *, reason, key)` (shop.payments, built in parallel with this
package) sends a refund back through the payment provider, idempotent by `key`. The returns service
needs only that one method, so it depends on this protocol and ShopServices.build passes it one; the
merge switches that one line from `ManualRefunder(db)` to the payment service.

`ManualRefunder` is a real mode, not a stand-in: an offline payment (pay on delivery, bank transfer)
is refunded by hand by the owner, and the shop records that it owes it. It records the refund once
per key (the key is the document's `_id` in `return_refunds`, so a second call with the same key, from
a retry or a racing request, finds the first record instead of making another).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


class Refunder(Protocol):
    def refund(self, order_id: str, amount: Decimal, *, reason: str, key: str) -> Any:
        """Refund `amount` of the order's payment, once per `key`; returns the refund (id, status, ...)."""
        ...


@dataclass(frozen=True)
class ManualRefund:
    id: str
    order_id: str
    amount: Decimal
    method: str
    status: str
    created_at: datetime


class ManualRefunder:
    """Records a refund the owner pays back by hand (offline payments)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def refund(self, order_id: str, amount: Decimal, *, reason: str, key: str) -> ManualRefund:
        doc = {
            "_id": key,
            "orderId": order_id,
            "amount": amount,
            "reason": reason,
            "method": "manual",
            "status": "to_pay",
            "createdAt": datetime.now(UTC),
        }
        try:
            self.db.return_refunds.insert_one(doc)
        except DuplicateKeyError:
            doc = self.db.return_refunds.find_one({"_id": key}) or doc
        return ManualRefund(
            doc["_id"], doc["orderId"], Decimal(str(doc["amount"])), doc["method"], doc["status"], doc["createdAt"]
        )


def describe_refund(result: Any, amount: Decimal) -> dict[str, Any]:
    """What the return keeps of a refund, from a ManualRefund or the payment service's Refund alike."""
    return {
        "id": str(getattr(result, "id", "") or ""),
        "amount": amount,
        "method": str(getattr(result, "method", None) or getattr(result, "provider", None) or "provider"),
        "status": str(getattr(result, "status", "") or "issued"),
        "at": datetime.now(UTC),
    }

"""How a received return's money goes back: a `Refunder`, the shape of `PaymentService.refund`.

`PaymentService.refund(order_id, amount, *, reason, key)` (shop.payments) sends a refund back through
Stripe or PayPal, or records a manual refund for an offline payment (the owner pays it back by hand),
idempotent by `key`. The returns service needs only that one method, so it depends on this protocol
and ShopServices.build passes it the payment service.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol


class Refunder(Protocol):
    def refund(self, order_id: str, amount: Decimal, *, reason: str, key: str) -> Any:
        """Refund `amount` of the order's payment, once per `key`; returns the refund (id, status, ...)."""
        ...


def describe_refund(result: Any, amount: Decimal) -> dict[str, Any]:
    """What the return keeps of a refund, from a ManualRefund or the payment service's Refund alike."""
    return {
        "id": str(getattr(result, "id", "") or ""),
        "amount": amount,
        "method": "manual" if getattr(result, "manual", False) else str(getattr(result, "provider", "") or "provider"),
        "status": str(getattr(result, "status", "") or "issued"),
        "at": datetime.now(UTC),
    }

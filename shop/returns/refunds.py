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

from shop.payments.service import Refund


class Refunder(Protocol):
    def refund(self, order_id: str, amount: Decimal, *, reason: str, key: str) -> Refund:
        """Refund `amount` of the order's payment, once per `key`."""
        ...


def describe_refund(result: Refund, amount: Decimal) -> dict[str, Any]:
    """What the return keeps of the payment service's refund."""
    return {
        "id": result.id,
        "amount": amount,
        "method": "manual" if result.manual else result.provider,
        "status": result.status,
        "at": datetime.now(UTC),
    }

"""Returns in tests: a delivered order written through the real order service, then marked delivered
on the document directly (the delivered step belongs to shop/fulfillment)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from shop.ordering.orders import OrderRequest, OrderView
from shop.returns.service import ReturnInput
from shop.services import ShopServices

EMAIL = "ada@example.com"


def delivered_order(
    services: ShopServices,
    lines: list[tuple[dict[str, Any], int]],
    *,
    days_ago: int | None = 3,
    email: str = EMAIL,
    shipping: Decimal | None = None,
    status: str = "completed",
) -> OrderView:
    """An order of `lines` ([(product doc, quantity)]) delivered `days_ago` days ago (None: not delivered)."""
    request = OrderRequest(
        customerName="Ada Lovelace",
        email=email,
        address="12 Analytical Row, London",
        items=[{"productId": str(p["_id"]), "quantity": q} for p, q in lines],
    )
    order = services.orders.place(request)
    fields: dict[str, Any] = {"status": status}
    if days_ago is not None:
        fields["deliveredAt"] = datetime.now(UTC) - timedelta(days=days_ago, minutes=1)
    if shipping is not None:
        fields["shippingCost"] = shipping
        fields["subtotal"] = order.total
    services.db.orders.update_one({"_id": order.id}, {"$set": fields})
    return order


def return_input(*items: tuple[Any, int], opened: bool = False, damaged: bool = False, **extra: Any) -> ReturnInput:
    return ReturnInput.model_validate(
        {
            "items": [
                {"productId": str(p["_id"]), "quantity": q, "opened": opened, "damaged": damaged} for p, q in items
            ],
            **extra,
        }
    )

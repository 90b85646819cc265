"""Admin: an order's payment (payments, issue 14) — refund all or part of it, and record an offline
payment as received. Both are plain forms on the order page (POST, then redirect back with a notice).

A refund needs the "I confirm" box ticked, and its form carries a key made of the order's payment
revision: submitting one form twice (double click, reload) refunds once.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from fastapi import APIRouter
from fastapi.responses import Response

from app.admin_ui import redirect_with_notice
from app.deps import AdminWrite, FormText
from app.routes.admin.orders import _detail
from shop.core.errors import InvalidInput, NotFound, ShopError
from shop.ordering.orders import normalize_order_id
from shop.payments.service import refundable

router = APIRouter(tags=["admin"], include_in_schema=False)


def _order_id(order_id: str) -> str:
    normalized = normalize_order_id(order_id)
    if normalized is None:
        raise NotFound("There is no order with that number.")
    return normalized


@router.post("/admin/orders/{order_id}/payment/refund")
def refund(
    order_id: str,
    admin: AdminWrite,
    amount: FormText = "",
    reason: FormText = "",
    key: FormText = "",
    confirm: FormText = "",
) -> Response:
    normalized = _order_id(order_id)
    payments = admin.services.payments
    try:
        if confirm != "yes":
            raise InvalidInput("Tick the box to confirm the refund.", field="confirm")
        if not key or len(key) > 100:
            raise InvalidInput("This form has expired; reload the page.", field="key")
        if amount.strip():
            try:
                value = Decimal(amount.strip().replace(",", "."))
            except InvalidOperation:
                raise InvalidInput("The amount is not a number.", field="amount") from None
        else:
            doc = admin.services.db.orders.find_one({"_id": normalized})
            if doc is None:
                raise NotFound("There is no order with that number.")
            value = refundable(doc)
        payments.refund(normalized, value, reason=reason.strip()[:500] or "refund by the owner", key=f"admin:{key}")
    except ShopError as exc:
        return _detail(admin, normalized, error=exc.message)
    return redirect_with_notice(f"/admin/orders/{normalized}", "refunded")


@router.post("/admin/orders/{order_id}/payment/paid")
def mark_paid(order_id: str, admin: AdminWrite) -> Response:
    normalized = _order_id(order_id)
    try:
        admin.services.payments.mark_paid(normalized, owner=admin.owner.email)
    except ShopError as exc:
        return _detail(admin, normalized, error=exc.message)
    return redirect_with_notice(f"/admin/orders/{normalized}", "paid")

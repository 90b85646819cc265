"""Storefront pages for paying (payments, issue 14): pay (again), and where the providers send the
customer back (return) or when they give up on the provider's page (cancel).

Only the visitor who placed the order (its session), or someone who knows the order's email (the
link in the confirmation email), can start a payment for it. The return page asks the provider
itself whether the order is paid (the webhook may come later), so nothing a browser sends back is
taken as proof of payment.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response

from app.deps import Services, SessionId
from shop.core.errors import NotFound
from shop.ordering.orders import OrderView, normalize_order_id

router = APIRouter(tags=["storefront"], include_in_schema=False)

OptionalText = Annotated[str | None, Query(max_length=300)]


def _own_order(services: Services, order_id: str, session_id: str, email: str | None) -> OrderView:
    if email:
        return services.orders.lookup(order_id, email)
    return services.orders.for_session(order_id, session_id)


@router.get("/orders/{order_id}/pay")
def pay(order_id: str, services: Services, session_id: SessionId, email: OptionalText = None) -> Response:
    """Go to the provider's payment page (opening a new one after a failure); back to the
    confirmation, which says why, when it cannot be opened or there is nothing to pay."""
    order = _own_order(services, order_id, session_id, email)
    doc = services.payments.pay(order.id)
    payment = doc.get("payment") or {}
    if payment.get("redirectUrl") and payment.get("status") == "pending" and doc["status"] == "pending":
        return RedirectResponse(payment["redirectUrl"], status_code=303)
    if order.session_id != session_id:
        return RedirectResponse("/orders/lookup", status_code=303)
    return RedirectResponse(f"/orders/{order.id}/confirmation", status_code=303)


@router.get("/orders/{order_id}/payment/return")
def payment_return(
    order_id: str, services: Services, session_id: OptionalText = None, token: OptionalText = None
) -> Response:
    try:
        order = services.payments.returned(order_id, session_id=session_id, token=token)
    except NotFound:
        return RedirectResponse("/orders/lookup", status_code=303)
    return RedirectResponse(f"/orders/{order['_id']}/confirmation", status_code=303)


@router.get("/orders/{order_id}/payment/cancel")
def payment_cancel(order_id: str) -> Response:
    """Back from the provider's page without paying: the order stays, unpaid, with a "Pay now" button."""
    normalized = normalize_order_id(order_id)
    if normalized is None:
        return RedirectResponse("/orders/lookup", status_code=303)
    return RedirectResponse(f"/orders/{normalized}/confirmation?payment=cancelled", status_code=303)

"""Provider events, read into one shape (`PaymentUpdate`) that the payment service applies.

Only the events that move a payment are mapped to a status; every other verified event is still
stored (by its id, so a duplicate is recognised) and answered 200, so the provider stops resending.

Stripe (Checkout Sessions):
    checkout.session.completed with payment_status "paid"  -> paid
    checkout.session.async_payment_succeeded                -> paid
    checkout.session.async_payment_failed                   -> failed
    checkout.session.expired                                -> failed (the customer may pay again)
    payment_intent.payment_failed                           -> failed
PayPal (Orders v2):
    CHECKOUT.ORDER.APPROVED           -> authorized (the service then captures it)
    PAYMENT.CAPTURE.COMPLETED         -> paid
    PAYMENT.CAPTURE.DENIED / DECLINED -> failed
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class PaymentUpdate:
    provider: str
    event_id: str
    type: str
    order_id: str | None
    provider_ref: str | None
    """The provider's id of the attempt (Checkout Session, PayPal order): finds the order without order_id."""
    status: str | None
    """The payment status the event reports; None: recorded only."""
    amount: Decimal | None = None
    capture_ref: str | None = None
    """What refunds go through: Stripe's PaymentIntent, PayPal's capture."""


def _amount(value: Any, *, minor_units: bool = False) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount / 100 if minor_units else amount


def stripe_update(event: dict[str, Any]) -> PaymentUpdate:
    kind = str(event.get("type", ""))
    obj = (event.get("data") or {}).get("object") or {}
    metadata = obj.get("metadata") or {}
    order_id = metadata.get("orderId") or obj.get("client_reference_id")
    status: str | None = None
    ref = obj.get("id")
    capture = obj.get("payment_intent")
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        status = "paid" if obj.get("payment_status") in ("paid", "no_payment_required") else None
    elif kind in ("checkout.session.async_payment_failed", "checkout.session.expired"):
        status = "failed"
    elif kind == "payment_intent.payment_failed":
        status, ref, capture = "failed", None, obj.get("id")
    amount = _amount(obj.get("amount_total"), minor_units=True) if status == "paid" else None
    return PaymentUpdate("stripe", str(event.get("id", "")), kind, order_id, ref, status, amount, capture)


def paypal_update(event: dict[str, Any]) -> PaymentUpdate:
    kind = str(event.get("event_type", ""))
    resource = event.get("resource") or {}
    status: str | None = None
    order_id: str | None = None
    ref: str | None = None
    capture: str | None = None
    amount: Decimal | None = None
    if kind.startswith("CHECKOUT.ORDER."):
        units = resource.get("purchase_units") or [{}]
        order_id = units[0].get("custom_id") or units[0].get("reference_id")
        ref = resource.get("id")
        status = "authorized" if kind == "CHECKOUT.ORDER.APPROVED" else None
    elif kind.startswith("PAYMENT.CAPTURE."):
        order_id = resource.get("custom_id")
        ref = ((resource.get("supplementary_data") or {}).get("related_ids") or {}).get("order_id")
        capture = resource.get("id")
        if kind == "PAYMENT.CAPTURE.COMPLETED":
            status = "paid"
            amount = _amount((resource.get("amount") or {}).get("value"))
        elif kind in ("PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED"):
            status = "failed"
    return PaymentUpdate("paypal", str(event.get("id", "")), kind, order_id, ref, status, amount, capture)

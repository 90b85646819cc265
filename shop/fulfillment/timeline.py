"""The customer-visible timeline of an order, built from what each area records; nothing is stored twice.

Sources, each read only if present (an old order has none of the new ones):
- createdAt and statusHistory [{status, from, at, by}] (shop/ordering/admin.py);
- payment.events [{status or type, at or createdAt, amount?}] (shop/payments);
- shipments [{carrier, carrierName, trackingNumber, trackingUrl, shippedAt, deliveredAt?,
  locationName?}] and deliveredAt (shop/fulfillment); a split order's parcels read "Parcel 1 of 2",
  counting the parcels its locations have still to send (shop/fulfillment/progress.py);
- the order's documents in the `returns` collection (shop/returns): {_id or number, status,
  createdAt, updatedAt?, history or statusHistory [{status, at}]?}.

Each event is a time and a plain sentence for the customer; who did it (the owner's email) and
internal words (a webhook's event type) stay out. Events at the same moment keep the order of an
order's life (placed, paid, confirmed, shipped, delivered, returned), so a transaction that wrote two
facts at once still reads in sequence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bson.decimal128 import Decimal128
from pymongo.database import Database

from shop.core.money import format_money
from shop.fulfillment.progress import parcel_progress

MAX_RETURNS = 50

_RANK = {"placed": 0, "payment": 1, "confirmed": 2, "shipped": 3, "delivered": 4, "return": 5, "cancelled": 6}

PAYMENT_SENTENCES = {
    "authorized": "Your payment was authorised; it is taken when your order ships.",
    "paid": "We received your payment.",
    "succeeded": "We received your payment.",
    "failed": "Your payment did not go through.",
    "refunded": "Your payment was refunded.",
    "partially_refunded": "Part of your payment was refunded.",
}
RETURN_SENTENCES = {
    "requested": "You asked for a return ({rma}).",
    "pending": "You asked for a return ({rma}).",
    "approved": "Your return {rma} was approved.",
    "rejected": "Your return {rma} was declined.",
    "received": "We received your return {rma}.",
    "refunded": "Your return {rma} was refunded.",
    "exchanged": "The exchange for return {rma} is on its way.",
    "completed": "Your return {rma} is complete.",
    "cancelled": "Your return {rma} was cancelled.",
}
_WORD = re.compile(r"[a-z_]{1,30}")


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str
    """placed | payment | confirmed | shipped | delivered | return | cancelled"""
    text: str
    url: str | None = None
    """A link that goes with the sentence (the parcel's tracking page)."""

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"at": self.at.isoformat(), "kind": self.kind, "text": self.text}
        if self.url:
            body["url"] = self.url
        return body


def order_returns(db: Database, order_id: str) -> list[dict[str, Any]]:
    """The order's returns, as the returns area stores them; none while that area is not installed."""
    return list(db.returns.find({"orderId": order_id}).limit(MAX_RETURNS))


def build_timeline(order: dict[str, Any], returns: list[dict[str, Any]] | None = None) -> list[TimelineEvent]:
    events: list[TimelineEvent] = [TimelineEvent(_utc(order["createdAt"]), "placed", "You placed your order.")]
    parcels = [p for p in order.get("shipments") or [] if isinstance(p.get("shippedAt"), datetime)]
    delivered_at = order.get("deliveredAt")
    for change in order.get("statusHistory") or []:
        status, at = change.get("status"), change.get("at")
        if not isinstance(at, datetime):
            continue
        if status == "confirmed":
            events.append(TimelineEvent(_utc(at), "confirmed", "We confirmed your order and are preparing it."))
        elif status == "shipped" and not parcels:  # a tracked parcel says it better, below
            events.append(TimelineEvent(_utc(at), "shipped", "Your order left our shop."))
        elif status == "completed" and not isinstance(delivered_at, datetime):  # orders from before deliveredAt
            events.append(TimelineEvent(_utc(at), "delivered", "Your order was delivered."))
        elif status == "cancelled":
            events.append(TimelineEvent(_utc(at), "cancelled", "Your order was cancelled."))
    events.extend(_payment_events(order.get("payment")))
    # A split order counts the parcels its locations still owe too: "Parcel 1 of 2" after the first.
    total = max(len(parcels), parcel_progress(order).expected)
    several = total > 1
    for number, parcel in enumerate(parcels, start=1):
        which = f"Parcel {number} of {total}" if several else "Your order"
        carrier = _plain(parcel.get("carrierName") or parcel.get("carrier") or "the carrier")
        origin = _plain(parcel.get("locationName") or "") if several else ""
        tracking = _plain(parcel.get("trackingNumber") or "")
        text = f"{which} was shipped with {carrier}" + (f" from {origin}" if origin else "")
        text += f", tracking number {tracking}." if tracking else "."
        events.append(TimelineEvent(_utc(parcel["shippedAt"]), "shipped", text, parcel.get("trackingUrl")))
        parcel_delivered = parcel.get("deliveredAt")
        # A parcel delivered before the rest is its own event; the last one is the order's delivery.
        if several and isinstance(parcel_delivered, datetime) and parcel_delivered != delivered_at:
            events.append(TimelineEvent(_utc(parcel_delivered), "delivered", f"{which} was delivered."))
    if isinstance(delivered_at, datetime):
        events.append(TimelineEvent(_utc(delivered_at), "delivered", "Your order was delivered."))
    for rma in returns or []:
        events.extend(_return_events(rma))
    indexed = sorted(enumerate(events), key=lambda pair: (pair[1].at, _RANK.get(pair[1].kind, 9), pair[0]))
    return [event for _, event in indexed]


def _payment_events(payment: Any) -> list[TimelineEvent]:
    if not isinstance(payment, dict):
        return []
    events = []
    for event in payment.get("events") or []:
        if not isinstance(event, dict):
            continue
        at = event.get("at") or event.get("createdAt")
        word = str(event.get("status") or event.get("type") or "").lower()
        sentence = PAYMENT_SENTENCES.get(word)
        if sentence is None or not isinstance(at, datetime):
            continue  # a provider's internal event (a webhook's type) is not the customer's news
        amount = _amount(event.get("amount"))
        if amount is not None and word in ("refunded", "partially_refunded"):
            sentence = sentence.rstrip(".") + f": {format_money(amount)}."
        events.append(TimelineEvent(_utc(at), "payment", sentence))
    return events


def _return_events(rma: dict[str, Any]) -> list[TimelineEvent]:
    name = _plain(str(rma.get("number") or rma.get("_id") or "")) or "your return"
    steps: list[tuple[Any, Any]] = [
        (step.get("status"), step.get("at"))
        for step in rma.get("history") or rma.get("statusHistory") or []
        if isinstance(step, dict)
    ]
    if not steps or steps[0][0] not in ("requested", "pending"):
        steps.insert(0, ("requested", rma.get("createdAt")))
    if rma.get("status") and rma.get("status") not in [status for status, _ in steps]:
        steps.append((rma.get("status"), rma.get("updatedAt")))
    events = []
    for status, at in steps:
        if not isinstance(at, datetime) or not isinstance(status, str) or not _WORD.fullmatch(status):
            continue
        template = RETURN_SENTENCES.get(status, "Your return {rma} is now " + status.replace("_", " ") + ".")
        events.append(TimelineEvent(_utc(at), "return", template.format(rma=name)))
    return events


def _amount(value: Any) -> Decimal | None:
    try:
        if isinstance(value, Decimal128):
            return value.to_decimal()
        if isinstance(value, int | float | str | Decimal) and not isinstance(value, bool):
            return Decimal(str(value))
    except InvalidOperation:
        return None
    return None


def _plain(text: str) -> str:
    """One line of at most 60 printable characters (what other areas stored is shown, not trusted)."""
    return "".join(c for c in str(text) if c.isprintable())[:60]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

"""The shipped and delivered emails: carrier, tracking link and estimated delivery, or the day it arrived.

OrderAdmin calls `status_email` (wired in shop/services.py) for every status change after the commit,
so a shipment recorded here and an order marked shipped or delivered by the owner's plain buttons get
the same emails; any other status keeps the plain status email. A split order (one parcel per stock
location) gets one shipped email per parcel, about that parcel and saying how many are still to come;
its delivered email is sent once, when the order completes (every location's parcel delivered).
"""

from __future__ import annotations

from datetime import datetime

from shop.core.settings import Settings
from shop.fulfillment.estimate import estimate, shop_zone
from shop.fulfillment.progress import parcel_progress
from shop.fulfillment.shipments import shipments_of
from shop.messaging.mail import Email, render
from shop.ordering.orders import OrderView


def status_email(order: OrderView, settings: Settings) -> Email | None:
    if order.status not in ("shipped", "completed") or not order.source:
        return None
    zone = shop_zone(settings.shop_timezone)
    parcels = shipments_of(order.source)
    if order.status == "shipped":
        progress = parcel_progress(order.source)
        on_the_way = [p for p in parcels if p.status != "delivered"]
        subject = f"Your order {order.id} is on its way"
        if progress.split and parcels:
            # SPLIT SHIPMENTS (issue 14): one email per parcel, about that parcel (the newest).
            on_the_way = parcels[-1:]
            subject = f"Parcel {len(parcels)} of {progress.expected} of your order {order.id} is on its way"
        text, html = render(
            "order_shipped",
            order=order,
            settings=settings,
            shipments=on_the_way,
            newest=on_the_way[-1] if on_the_way else None,
            estimate=estimate(order.source, zone),
            progress=progress,
            parcel_number=len(parcels),
        )
        return Email([order.email], subject, text, html, "order_shipped")
    delivered_at = order.source.get("deliveredAt")
    day = delivered_at.astimezone(zone) if isinstance(delivered_at, datetime) else None
    text, html = render("order_delivered", order=order, settings=settings, delivered_on=day)
    # The kind stays "order_completed": completed is the delivered status (shop/ordering/admin.py).
    return Email([order.email], f"Your order {order.id} was delivered", text, html, "order_completed")

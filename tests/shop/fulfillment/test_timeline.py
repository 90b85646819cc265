"""The customer's timeline: every area's facts in the order they happened, each in a plain sentence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bson.decimal128 import Decimal128

from shop.fulfillment.carriers import parse_tracking
from shop.fulfillment.timeline import build_timeline
from shop.ordering.orders import OrderRequest
from shop.services import ShopServices

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OWNER = "owner@example.com"


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_every_source_in_order_with_plain_sentences() -> None:
    order = {
        "_id": "ORD-TEST0000",
        "createdAt": T0,
        "status": "completed",
        "statusHistory": [
            {"status": "confirmed", "from": "pending", "at": at(2), "by": OWNER},
            {"status": "shipped", "from": "confirmed", "at": at(20), "by": OWNER},
            {"status": "completed", "from": "shipped", "at": at(70), "by": OWNER},
        ],
        "payment": {
            "method": "stripe",
            "status": "partially_refunded",
            "events": [
                {"type": "payment_intent.created", "at": at(0)},  # internal: not the customer's news
                {"status": "paid", "at": at(0.1)},
                {"status": "partially_refunded", "at": at(100), "amount": Decimal128("4.50")},
            ],
        },
        "shipments": [
            {
                "id": "SHP-A",
                "carrier": "ups",
                "carrierName": "UPS",
                "trackingNumber": "1Z999AA10123456784",
                "trackingUrl": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
                "status": "delivered",
                "shippedAt": at(20),
                "deliveredAt": at(50),
            },
            {
                "id": "SHP-B",
                "carrier": "other",
                "carrierName": "Bike <b>Couriers</b>",
                "trackingNumber": "AB123456",
                "trackingUrl": None,
                "status": "delivered",
                "shippedAt": at(30),
                "deliveredAt": at(70),
            },
        ],
        "deliveredAt": at(70),
    }
    returns = [
        {"_id": "RMA-1", "orderId": "ORD-TEST0000", "status": "refunded", "createdAt": at(80),
         "history": [{"status": "requested", "at": at(80)}, {"status": "approved", "at": at(90)},
                     {"status": "refunded", "at": at(100)}]},
    ]  # fmt: skip
    events = build_timeline(order, returns)
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert [(e.kind, e.text) for e in events] == [
        ("placed", "You placed your order."),
        ("payment", "We received your payment."),
        ("confirmed", "We confirmed your order and are preparing it."),
        ("shipped", "Parcel 1 of 2 was shipped with UPS, tracking number 1Z999AA10123456784."),
        ("shipped", "Parcel 2 of 2 was shipped with Bike <b>Couriers</b>, tracking number AB123456."),
        ("delivered", "Parcel 1 of 2 was delivered."),
        ("delivered", "Your order was delivered."),
        ("return", "You asked for a return (RMA-1)."),
        ("return", "Your return RMA-1 was approved."),
        ("payment", "Part of your payment was refunded: $4.50."),
        ("return", "Your return RMA-1 was refunded."),
    ]
    assert events[3].url == "https://www.ups.com/track?tracknum=1Z999AA10123456784" and events[4].url is None
    assert OWNER not in str([e.to_json() for e in events])  # who did it stays in the admin


def test_an_old_order_without_the_new_fields_still_reads_well() -> None:
    order = {
        "_id": "ORD-OLD00000",
        "createdAt": T0.replace(tzinfo=None),  # a naive datetime from a client without tz_aware
        "status": "completed",
        "statusHistory": [
            {"status": "confirmed", "at": at(1)},
            {"status": "shipped", "at": at(2)},
            {"status": "completed", "at": at(3)},
        ],
    }
    assert [e.text for e in build_timeline(order)] == [
        "You placed your order.",
        "We confirmed your order and are preparing it.",
        "Your order left our shop.",
        "Your order was delivered.",
    ]
    cancelled = {"_id": "ORD-C", "createdAt": T0, "statusHistory": [{"status": "cancelled", "at": at(1)}]}
    assert [e.kind for e in build_timeline(cancelled, [])] == ["placed", "cancelled"]


def test_the_service_reads_returns_from_their_collection(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=3)
    order = services.orders.place(
        OrderRequest(
            customerName="Ada",
            email="ada@example.com",
            address="12 Analytical Street",
            items=[{"productId": str(product["_id"]), "quantity": 1}],
        )
    )
    services.order_admin.change_status(order.id, "confirmed", owner=OWNER)
    services.fulfillment.ship(order.id, parse_tracking("usps", "9400111899223197428490"), owner=OWNER)
    services.order_admin.change_status(order.id, "completed", owner=OWNER)
    services.db.returns.insert_one(
        {"_id": "RMA-7", "orderId": order.id, "status": "requested", "createdAt": datetime.now(UTC)}
    )
    services.db.returns.insert_one({"_id": "RMA-8", "orderId": "ORD-SOMEONE0", "createdAt": datetime.now(UTC)})
    tracking = services.fulfillment.tracking(services.orders.get(order.id))
    assert [e.kind for e in tracking.timeline] == ["placed", "confirmed", "shipped", "delivered", "return"]
    assert "RMA-7" in tracking.timeline[-1].text and tracking.estimate is None
    assert tracking.to_json()["shipments"][0]["status"] == "delivered"

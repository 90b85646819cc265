"""Shipping and delivering orders through the lifecycle: one transition per race, emails after the commit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shop.core.errors import Conflict, NotFound
from shop.fulfillment.carriers import parse_tracking
from shop.fulfillment.shipments import Fulfillment, delivered_at
from shop.ordering.orders import OrderRequest, OrderView
from shop.services import ShopServices

OWNER = "owner@example.com"
UPS = "1Z999AA10123456784"


def place(services: ShopServices, product: dict[str, Any], *, confirm: bool = True) -> OrderView:
    order = services.orders.place(
        OrderRequest(
            customerName="Ada Lovelace",
            email="ada@example.com",
            address="12 Analytical Street\nLondon",
            items=[{"productId": str(product["_id"]), "quantity": 1}],
        )
    )
    if confirm:
        services.order_admin.change_status(order.id, "confirmed", owner=OWNER)
    return order


def test_ship_records_the_parcel_moves_the_order_and_emails_the_link(
    services: ShopServices, product_factory: Any
) -> None:
    order = place(services, product_factory(name="Kenya AA", stock=5))
    shipped = services.fulfillment.ship(order.id, parse_tracking("ups", UPS), owner=OWNER)
    assert shipped.order.status == "shipped"
    stored = services.db.orders.find_one({"_id": order.id})
    [parcel] = stored["shipments"]
    assert parcel["carrier"] == "ups" and parcel["trackingNumber"] == UPS and parcel["status"] == "shipped"
    assert parcel["trackingUrl"] == f"https://www.ups.com/track?tracknum={UPS}"
    assert isinstance(parcel["shippedAt"], datetime) and parcel["id"].startswith("SHP-")
    assert [h["status"] for h in stored["statusHistory"]] == ["confirmed", "shipped"]
    entry = services.db.activity_log.find_one({"entity": "order", "after.status": "shipped"})
    assert entry["before"] == {"status": "confirmed"} and entry["after"]["shipment"]["trackingNumber"] == UPS
    mail = services.db.outbox.find_one({"kind": "order_shipped"})
    assert mail["to"] == ["ada@example.com"] and "on its way" in mail["subject"]
    assert parcel["trackingUrl"] in mail["text"] and f'href="{parcel["trackingUrl"]}"' in mail["html"]
    assert "Estimated delivery:" in mail["text"] and "Kenya AA" in mail["html"]


def test_a_second_parcel_keeps_the_order_shipped_and_a_double_submit_is_refused(
    services: ShopServices, product_factory: Any
) -> None:
    order = place(services, product_factory(stock=5))
    services.fulfillment.ship(order.id, parse_tracking("ups", UPS), owner=OWNER)
    with pytest.raises(Conflict, match="already recorded"):
        services.fulfillment.ship(order.id, parse_tracking("ups", UPS.lower()), owner=OWNER)
    second = services.fulfillment.ship(order.id, parse_tracking("fedex", "123456789012"), owner=OWNER)
    assert second.order.status == "shipped"
    stored = services.db.orders.find_one({"_id": order.id})
    assert [p["carrier"] for p in stored["shipments"]] == ["ups", "fedex"]
    assert [h["status"] for h in stored["statusHistory"]] == ["confirmed", "shipped"]  # one transition
    assert services.db.outbox.count_documents({"kind": "order_shipped"}) == 2
    assert services.db.activity_log.count_documents({"action": "order.shipment"}) == 1


@pytest.mark.parametrize(("path", "words"), [([], "not confirmed yet"), (["cancelled"], "cannot be shipped")])
def test_orders_that_cannot_ship_are_refused_unchanged(
    services: ShopServices, product_factory: Any, path: list[str], words: str
) -> None:
    order = place(services, product_factory(stock=5), confirm=False)
    for status in path:
        services.order_admin.change_status(order.id, status, owner=OWNER)
    mails = services.db.outbox.count_documents({})
    with pytest.raises(Conflict, match=words):
        services.fulfillment.ship(order.id, parse_tracking("ups", UPS), owner=OWNER)
    stored = services.db.orders.find_one({"_id": order.id})
    assert "shipments" not in stored and services.db.outbox.count_documents({}) == mails
    with pytest.raises(NotFound):
        services.fulfillment.ship("ORD-00000000", parse_tracking("ups", UPS), owner=OWNER)


@pytest.mark.parametrize("same_parcel", [True, False])
def test_concurrent_ship_actions_record_one_transition(
    services: ShopServices, product_factory: Any, same_parcel: bool
) -> None:
    """The same parcel submitted four times (a double click, two owners) is recorded once; four
    different parcels racing move the order once, and each parcel recorded is a real one."""
    order = place(services, product_factory(stock=5))
    start = threading.Barrier(4)
    outcomes: list[str] = []
    numbers = ["123456789012"] * 4 if same_parcel else ["123456789012", "123456789013", "123456789014", "123456789015"]

    def ship(number: str) -> None:
        other = Fulfillment(services.order_admin)
        start.wait()
        try:
            other.ship(order.id, parse_tracking("fedex", number), owner=OWNER)
            outcomes.append("shipped")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=ship, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) == 4 and "shipped" in outcomes
    if same_parcel:
        assert sorted(outcomes) == ["refused", "refused", "refused", "shipped"]
    stored = services.db.orders.find_one({"_id": order.id})
    assert [h["status"] for h in stored["statusHistory"]] == ["confirmed", "shipped"]
    assert services.db.activity_log.count_documents({"entity": "order", "after.status": "shipped"}) == 1
    # Each refused ship left nothing behind; each recorded one has its parcel and its email.
    assert len(stored["shipments"]) == outcomes.count("shipped")
    assert services.db.outbox.count_documents({"kind": "order_shipped"}) == outcomes.count("shipped")


def test_delivering_parcel_by_parcel_completes_the_order_with_the_last(
    services: ShopServices, product_factory: Any
) -> None:
    order = place(services, product_factory(stock=5))
    services.fulfillment.ship(order.id, parse_tracking("ups", UPS), owner=OWNER)
    services.fulfillment.ship(order.id, parse_tracking("dhl", "1234567890"), owner=OWNER)
    first, second = (p["id"] for p in services.db.orders.find_one({"_id": order.id})["shipments"])
    partly = services.fulfillment.deliver(order.id, first, owner=OWNER)
    assert partly.order.status == "shipped"
    stored = services.db.orders.find_one({"_id": order.id})
    assert [p["status"] for p in stored["shipments"]] == ["delivered", "shipped"] and "deliveredAt" not in stored
    with pytest.raises(Conflict, match="already marked delivered"):
        services.fulfillment.deliver(order.id, first, owner=OWNER)
    with pytest.raises(NotFound):
        services.fulfillment.deliver(order.id, "SHP-NOPE00", owner=OWNER)
    assert services.db.outbox.count_documents({"kind": "order_completed"}) == 0
    done = services.fulfillment.deliver(order.id, second, owner=OWNER)
    assert done.order.status == "completed"
    stored = services.db.orders.find_one({"_id": order.id})
    assert isinstance(stored["deliveredAt"], datetime)
    assert [p["status"] for p in stored["shipments"]] == ["delivered", "delivered"]
    assert stored["shipments"][1]["deliveredAt"] == stored["deliveredAt"]
    mail = services.db.outbox.find_one({"kind": "order_completed"})
    assert "was delivered" in mail["subject"] and "was delivered on" in mail["text"]


def test_marking_the_order_delivered_marks_every_parcel_and_records_the_day(
    services: ShopServices, product_factory: Any
) -> None:
    order = place(services, product_factory(stock=5))
    services.fulfillment.ship(order.id, parse_tracking("ups", UPS), owner=OWNER)
    # The owner's plain status button goes through the same lifecycle (completed is delivered).
    services.order_admin.change_status(order.id, "completed", owner=OWNER)
    stored = services.db.orders.find_one({"_id": order.id})
    assert stored["status"] == "completed" and isinstance(stored["deliveredAt"], datetime)
    assert stored["shipments"][0]["status"] == "delivered"
    assert stored["shipments"][0]["deliveredAt"] == stored["deliveredAt"]
    with pytest.raises(Conflict):
        services.fulfillment.deliver(order.id, owner=OWNER)
    assert services.fulfillment.estimate(services.orders.get(order.id)) is None


def test_delivered_at_of_orders_from_before_it_was_recorded() -> None:
    day = datetime(2026, 11, 3, 12, tzinfo=UTC)
    assert delivered_at({"status": "completed", "deliveredAt": day}) == day
    history = [{"status": "shipped", "at": day - timedelta(days=2)}, {"status": "completed", "at": day}]
    assert delivered_at({"status": "completed", "statusHistory": history}) == day
    assert delivered_at({"status": "completed"}) is None  # nothing says when
    assert delivered_at({"status": "shipped", "statusHistory": history[:1]}) is None

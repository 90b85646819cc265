"""An order allocated at two stock locations ships in two parcels: partly shipped after the first,
one email per parcel, delivered only when both locations' parcels are (shop/fulfillment/shipments.py)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from shop.core.errors import Conflict, InvalidInput
from shop.fulfillment.carriers import parse_tracking
from shop.fulfillment.progress import ParcelProgress, parcel_progress
from shop.fulfillment.shipments import Fulfillment
from shop.services import ShopServices
from tests.support.split_orders import EAST, OWNER, two_location_order

UPS = "1Z999AA10123456784"
FEDEX = "123456789012"


def test_two_parcels_from_two_locations_deliver_the_order_only_when_both_are_delivered(
    services: ShopServices, product_factory: Any
) -> None:
    order, beans, tea = two_location_order(services, product_factory)

    first = services.fulfillment.ship(order.id, parse_tracking("ups", UPS), owner=OWNER, location_id="main")
    assert first.order.status == "shipped"
    stored = services.db.orders.find_one({"_id": order.id})
    [parcel] = stored["shipments"]
    assert (parcel["locationId"], parcel["locationName"]) == ("main", "Main store")
    assert parcel["items"] == [{"productId": str(beans["_id"]), "name": "Kenya Beans", "quantity": 2}]
    assert parcel_progress(stored).to_json() == {
        "state": "partially_shipped",
        "parcels": 2,
        "shipped": 1,
        "delivered": 0,
    }
    tracking = services.fulfillment.tracking(services.orders.get(order.id))
    assert tracking.timeline[-1].text == f"Parcel 1 of 2 was shipped with UPS from Main store, tracking number {UPS}."
    mail = services.db.outbox.find_one({"kind": "order_shipped"})
    assert mail["subject"] == f"Parcel 1 of 2 of your order {order.id} is on its way"
    assert "ships separately" in mail["text"] and parcel["trackingUrl"] in mail["text"]
    assert "In this parcel:\n- 2 x Kenya Beans\n\n" in mail["text"]  # the tea is in the other parcel
    assert "In this parcel:" in mail["html"] and "2 × Kenya Beans" in mail["html"]

    # Delivering the only parcel recorded does not deliver an order whose other location never shipped.
    partly = services.fulfillment.deliver(order.id, parcel["id"], owner=OWNER)
    assert partly.order.status == "shipped"
    assert "deliveredAt" not in services.db.orders.find_one({"_id": order.id})
    with pytest.raises(Conflict, match=r"1 of 2 parcels .* has not shipped yet \(from Warehouse East\)"):
        services.order_admin.change_status(order.id, "completed", owner=OWNER)  # the plain button too
    assert services.db.outbox.count_documents({"kind": "order_completed"}) == 0

    second = services.fulfillment.ship(order.id, parse_tracking("fedex", FEDEX), owner=OWNER, location_id=EAST)
    assert second.order.status == "shipped"
    stored = services.db.orders.find_one({"_id": order.id})
    assert stored["shipments"][1]["items"] == [{"productId": str(tea["_id"]), "name": "Darjeeling Tea", "quantity": 1}]
    assert [h["status"] for h in stored["statusHistory"]] == ["confirmed", "shipped"]
    mails = list(services.db.outbox.find({"kind": "order_shipped"}).sort("_id", 1))
    assert len(mails) == 2 and mails[1]["subject"].startswith("Parcel 2 of 2")
    assert "ships separately" not in mails[1]["text"] and "Warehouse East" in mails[1]["text"]

    done = services.fulfillment.deliver(order.id, stored["shipments"][1]["id"], owner=OWNER)
    assert done.order.status == "completed"
    assert parcel_progress(services.db.orders.find_one({"_id": order.id})).state == "delivered"
    assert services.db.outbox.count_documents({"kind": "order_completed"}) == 1


def test_a_split_parcel_needs_a_location_of_the_order_and_only_what_is_left_there(
    services: ShopServices, product_factory: Any
) -> None:
    order, beans, tea = two_location_order(services, product_factory)
    services.locations.save(None, name="Shop Floor", address="", priority=3, active=True, owner=OWNER)
    mails = services.db.outbox.count_documents({})
    with pytest.raises(InvalidInput, match="ships from 2 locations"):
        services.fulfillment.ship(order.id, parse_tracking("ups", UPS), owner=OWNER)
    with pytest.raises(InvalidInput, match="nothing to ship from that location"):
        services.fulfillment.ship(order.id, parse_tracking("ups", UPS), owner=OWNER, location_id="shop-floor")
    with pytest.raises(InvalidInput, match="only what the order still has to send"):
        services.fulfillment.ship(
            order.id, parse_tracking("ups", UPS), owner=OWNER, location_id="main",
            items=[{"productId": str(tea["_id"]), "quantity": 1}],
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="only what the order still has to send"):
        services.fulfillment.ship(
            order.id, parse_tracking("ups", UPS), owner=OWNER, location_id="main",
            items=[{"productId": str(beans["_id"]), "quantity": 3}],
        )  # fmt: skip
    for quantity in ("1.5", True, None, "-1"):
        with pytest.raises(InvalidInput, match="only what the order still has to send"):
            services.fulfillment.ship(
                order.id, parse_tracking("ups", UPS), owner=OWNER, location_id="main",
                items=[{"productId": str(beans["_id"]), "quantity": quantity}],
            )  # fmt: skip
    with pytest.raises(InvalidInput, match="at least one item"):
        services.fulfillment.ship(order.id, parse_tracking("ups", UPS), owner=OWNER, location_id="main", items=[])
    stored = services.db.orders.find_one({"_id": order.id})
    assert stored["status"] == "confirmed" and "shipments" not in stored
    assert services.db.outbox.count_documents({}) == mails

    # The main store sends its two bags in two parcels: the order then expects three.
    services.fulfillment.ship(
        order.id, parse_tracking("ups", UPS), owner=OWNER, location_id="main",
        items=[{"productId": str(beans["_id"]), "quantity": "1"}],
    )  # fmt: skip
    stored = services.db.orders.find_one({"_id": order.id})
    assert parcel_progress(stored) == ParcelProgress(3, 1, 0)
    services.fulfillment.ship(order.id, parse_tracking("dhl", "1234567890"), owner=OWNER, location_id="main")
    stored = services.db.orders.find_one({"_id": order.id})
    assert [p["items"][0]["quantity"] for p in stored["shipments"]] == [1, 1]
    with pytest.raises(Conflict, match="at Main store has already shipped"):
        services.fulfillment.ship(order.id, parse_tracking("fedex", FEDEX), owner=OWNER, location_id="main")
    assert len(services.db.orders.find_one({"_id": order.id})["shipments"]) == 2
    assert parcel_progress(stored).text() == "2 of 3 parcels shipped"


def test_a_one_location_order_ships_as_before() -> None:
    """No allocations (an order from before locations) or one location: the parcels recorded are all
    that is expected, so a second parcel of the same order is simply one more."""
    shipped = {"shippedAt": datetime(2026, 12, 1, tzinfo=UTC), "status": "shipped"}
    assert parcel_progress({"status": "confirmed"}) == ParcelProgress(1, 0, 0)
    assert parcel_progress({"status": "shipped", "shipments": [shipped, shipped]}).state == "shipped"
    one_place = {"allocations": [{"productId": "a", "locationId": "east", "quantity": 2}], "status": "shipped"}
    assert parcel_progress({**one_place, "shipments": [shipped]}) == ParcelProgress(1, 1, 0)
    split = {"allocations": [{"productId": "a", "locationId": "main"}, {"productId": "b", "locationId": "east"}]}
    assert parcel_progress({**split, "status": "confirmed"}).to_json()["parcels"] == 2
    assert parcel_progress({**split, "status": "shipped"}).state == "shipped"  # the plain button, untracked
    assert parcel_progress({**split, "status": "completed"}).state == "delivered"


def test_two_owners_shipping_the_same_location_at_once_record_its_items_once(
    services: ShopServices, product_factory: Any
) -> None:
    """Four parcels from the main store racing (two owners, double clicks): the compare-and-set on the
    order (its status, then its number of parcels) lets one through; its two bags are never sent twice."""
    order, _, _ = two_location_order(services, product_factory)
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def ship(number: str) -> None:
        other = Fulfillment(services.order_admin)
        start.wait()
        try:
            other.ship(order.id, parse_tracking("fedex", number), owner=OWNER, location_id="main")
            outcomes.append("shipped")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=ship, args=(f"12345678901{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["refused", "refused", "refused", "shipped"]
    stored = services.db.orders.find_one({"_id": order.id})
    assert [p["locationId"] for p in stored["shipments"]] == ["main"]
    assert services.db.outbox.count_documents({"kind": "order_shipped"}) == 1
    assert parcel_progress(stored).text() == "1 of 2 parcels shipped"

"""Stock locations against the real database: the allocation rule, split orders, the last units at two
locations under many concurrent buyers, cancellation back to the right locations, transfers that never
go negative, and a one-location shop that writes exactly what it wrote before."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from pymongo import monitoring

from shop.core.db import connect, database
from shop.core.errors import Conflict, InvalidInput, OutOfStock
from shop.core.location_stock import DEFAULT_LOCATION_ID, LOCATION_STOCK, stock_by_location
from shop.inventory.locations import Location, allocate
from shop.ordering.orders import OrderRequest, OrderService
from shop.services import ShopServices

OWNER = "owner@example.com"
MAIN = Location("main", "Main store", "", 1, True)
EAST = Location("east", "Warehouse East", "", 2, True)
WEST = Location("west", "Warehouse West", "", 3, True)
CLOSED = Location("closed", "Closed Depot", "", 0, False)


def order_request(*items: tuple[Any, int], email: str = "ada@example.com") -> OrderRequest:
    return OrderRequest(
        customerName="Ada Lovelace",
        email=email,
        address="12 Analytical Street\nLondon",
        items=[{"productId": str(pid), "quantity": qty} for pid, qty in items],
    )


@pytest.mark.parametrize(
    ("lines", "stock", "expected"),
    [
        # 1. one location fills the whole order: the highest-priority such one ships everything
        (
            [("a", 2), ("b", 1)],
            {"a": {"main": 5, "east": 5}, "b": {"main": 1, "east": 9}},
            [("a", "main", 2), ("b", "main", 1)],
        ),
        (
            [("a", 2), ("b", 2)],
            {"a": {"main": 5, "east": 5}, "b": {"main": 1, "east": 9}},
            [("a", "east", 2), ("b", "east", 2)],
        ),
        # 2. no location fills the order: each line from the first location that fills that line
        (
            [("a", 3), ("b", 2)],
            {"a": {"main": 3, "east": 0}, "b": {"main": 0, "west": 2}},
            [("a", "main", 3), ("b", "west", 2)],
        ),
        # 3. no location fills the line: split in priority order
        ([("a", 6)], {"a": {"main": 2, "east": 1, "west": 10}}, [("a", "west", 6)]),
        ([("a", 6)], {"a": {"main": 2, "east": 3, "west": 2}}, [("a", "main", 2), ("a", "east", 3), ("a", "west", 1)]),
        # inactive locations never ship, even when first by priority
        ([("a", 1)], {"a": {"closed": 5, "east": 1}}, [("a", "east", 1)]),
        # not enough anywhere
        ([("a", 4)], {"a": {"main": 1, "east": 2}}, None),
        ([("a", 1)], {"a": {"closed": 9}}, None),
    ],
)
def test_allocation_rule(lines: list[Any], stock: dict[str, dict[str, int]], expected: Any) -> None:
    assert allocate(lines, stock, [WEST, CLOSED, EAST, MAIN]) == expected


def _east(services: ShopServices, priority: int = 2) -> Location:
    east = services.locations.save(
        None, name="Warehouse East", address="1 Dock Road", priority=priority, active=True, owner=OWNER
    )
    assert east.id == "warehouse-east"  # from the name
    return east


def _held(services: ShopServices, product_id: Any) -> dict[str, int]:
    return stock_by_location(services.db.products.find_one({"_id": product_id}))


def test_a_one_location_shop_writes_what_it_wrote_before(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=5)
    order = services.orders.place(order_request((product["_id"], 2)))
    stored = services.db.products.find_one({"_id": product["_id"]})
    assert stored["stock"] == 3 and LOCATION_STOCK not in stored
    assert services.db.orders.find_one({"_id": order.id})["allocations"] == [
        {"productId": product["_id"], "locationId": DEFAULT_LOCATION_ID, "quantity": 2}
    ]
    assert [loc.id for loc in services.locations.all()] == [DEFAULT_LOCATION_ID]
    assert [a.to_json() for a in services.locations.availability(str(product["_id"]), 3)] == [
        {"locationId": "main", "name": "Main store", "quantity": 3}
    ]


def test_an_order_split_across_two_locations_and_cancelled_returns_each_unit_home(
    services: ShopServices, product_factory: Any
) -> None:
    east = _east(services)
    product = product_factory(stock=5)
    services.locations.transfer(str(product["_id"]), "main", east.id, 3, owner=OWNER)
    assert _held(services, product["_id"]) == {"main": 2, "warehouse-east": 3}

    order = services.orders.place(order_request((product["_id"], 4)))

    stored = services.db.orders.find_one({"_id": order.id})
    assert stored["allocations"] == [
        {"productId": product["_id"], "locationId": "main", "quantity": 2},
        {"productId": product["_id"], "locationId": "warehouse-east", "quantity": 2},
    ]
    assert _held(services, product["_id"]) == {"main": 0, "warehouse-east": 1}
    groups = services.locations.shipments(stored)
    assert [(g.name, [i["quantity"] for i in g.items]) for g in groups] == [
        ("Main store", [2]),
        ("Warehouse East", [2]),
    ]

    services.order_admin.change_status(order.id, "cancelled", owner=OWNER)
    assert _held(services, product["_id"]) == {"main": 2, "warehouse-east": 3}
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 5


def test_many_buyers_for_the_last_units_at_two_locations_never_oversell(
    services: ShopServices, product_factory: Any
) -> None:
    east = _east(services)
    product = product_factory(stock=2, name="Last Two Bags")
    services.locations.transfer(str(product["_id"]), "main", east.id, 1, owner=OWNER)
    outcomes: list[str] = []
    barrier = threading.Barrier(30)

    def buy(n: int) -> None:
        request = order_request((product["_id"], 1), email=f"buyer{n}@example.com")
        barrier.wait()
        try:
            services.orders.place(request)
            outcomes.append("ok")
        except OutOfStock:
            outcomes.append("short")

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(outcomes) == {"ok": 2, "short": 28}
    assert _held(services, product["_id"]) == {"main": 0, "warehouse-east": 0}
    allocated = [a["locationId"] for o in services.db.orders.find() for a in o["allocations"]]
    assert sorted(allocated) == ["main", "warehouse-east"]


def test_concurrent_transfers_never_take_a_location_below_zero(services: ShopServices, product_factory: Any) -> None:
    east = _east(services)
    product = product_factory(stock=5)
    outcomes: list[str] = []
    barrier = threading.Barrier(12)

    def move(n: int) -> None:
        source, target = ("main", east.id) if n % 2 else (east.id, "main")
        barrier.wait()
        try:
            services.locations.transfer(str(product["_id"]), source, target, 2, owner=OWNER)
            outcomes.append("moved")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=move, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    held = _held(services, product["_id"])
    assert min(held.values()) >= 0 and sum(held.values()) == 5
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 5
    moved = services.db.activity_log.count_documents({"action": "inventory.transfer"})
    assert moved == outcomes.count("moved") >= 1


def test_adjusting_a_location_keeps_the_total_and_refuses_going_negative(
    services: ShopServices, product_factory: Any
) -> None:
    east = _east(services)
    product = product_factory(stock=4)
    pid = str(product["_id"])
    assert services.locations.adjust(pid, east.id, 6, 0, owner=OWNER) == 10
    assert _held(services, product["_id"]) == {"main": 4, "warehouse-east": 6}
    assert services.db.inventory.find_one({"productId": product["_id"]})["stockLevel"] == 10
    with pytest.raises(Conflict):
        services.locations.adjust(pid, "main", 0, 5, owner=OWNER)  # removes 5 of the 4 at main
    assert services.locations.adjust(pid, "main", 1, 4, owner=OWNER) == 7
    with pytest.raises(InvalidInput):
        services.locations.adjust(pid, east.id, -1, 6, owner=OWNER)
    # The product form's stock is the default location's: it cannot take the units held at East.
    with pytest.raises(Conflict):
        services.product_admin.bulk_stock([pid], delta=-2, owner=OWNER)
    assert _held(services, product["_id"]) == {"main": 1, "warehouse-east": 6}


def test_a_location_with_units_cannot_be_deactivated_nor_receive_units_while_inactive(
    services: ShopServices, product_factory: Any
) -> None:
    east = _east(services)
    product = product_factory(stock=3)
    services.locations.transfer(str(product["_id"]), "main", east.id, 1, owner=OWNER)
    with pytest.raises(Conflict, match="transfer them"):
        services.locations.save(east.id, name=east.name, address="", priority=2, active=False, owner=OWNER)
    services.locations.transfer(str(product["_id"]), east.id, "main", 1, owner=OWNER)
    services.locations.save(east.id, name=east.name, address="", priority=2, active=False, owner=OWNER)
    with pytest.raises(InvalidInput, match="not active"):
        services.locations.transfer(str(product["_id"]), "main", east.id, 1, owner=OWNER)
    with pytest.raises(InvalidInput):
        services.locations.save("main", name="Main store", address="", priority=1, active=False, owner=OWNER)
    with pytest.raises(InvalidInput, match="already a location"):
        services.locations.save(None, name="warehouse east", address="", priority=3, active=True, owner=OWNER)
    assert [a.name for a in services.locations.availability(str(product["_id"]), 3)] == ["Main store"]


class _Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        collection = event.command.get(event.command_name)
        self.seen.append((event.command_name, collection if isinstance(collection, str) else ""))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _order_commands(services: ShopServices, db_name: str, uri: str, request: OrderRequest) -> list[tuple[str, str]]:
    """The commands one order's transaction sends (the customer-directory update after it left out)."""
    listener = _Commands()
    client = connect(uri, event_listeners=[listener])
    try:
        writer = OrderService(database(client, db_name), services.settings, services.mailer)
        writer.place(request)
    finally:
        client.close()
    names = [name for name, _ in listener.seen]
    assert "commitTransaction" in names
    return listener.seen[: names.index("commitTransaction") + 1]


def test_one_location_orders_send_the_same_commands_and_several_locations_no_more_writes(
    services: ShopServices, settings: Any, product_factory: Any
) -> None:
    """What checkout costs on SecantusDB is its commands: a one-location shop's order sends no query
    about locations, and an order from a shop with two locations sends the same writes plus one read."""
    product = product_factory(stock=10)
    one = _order_commands(services, services.db.name, settings.mongodb_uri, order_request((product["_id"], 1)))
    assert not any(collection == "locations" for _, collection in one)
    writes = [c for c in one if c[0] in ("insert", "update", "delete", "findAndModify")]
    assert writes == [("update", "products"), ("update", "inventory"), ("insert", "orders"), ("insert", "outbox")]

    east = _east(services)
    services.locations.transfer(str(product["_id"]), "main", east.id, 9, owner=OWNER)
    two = _order_commands(services, services.db.name, settings.mongodb_uri, order_request((product["_id"], 1)))
    assert [c for c in two if c[0] in ("insert", "update", "delete", "findAndModify")] == writes
    assert sorted(set(two) - set(one)) == [("find", "locations")]
    assert _held(services, product["_id"]) == {"main": 0, east.id: 8}

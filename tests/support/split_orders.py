"""A confirmed order split over two stock locations, as bench/load.py --second-location makes them:
Kenya beans only at the main store, Darjeeling tea moved whole to Warehouse East, so the allocation
rule (shop/inventory/locations.py) can fill the order from no single location and ships each line
from where it is."""

from __future__ import annotations

from typing import Any

from shop.ordering.orders import OrderRequest, OrderView
from shop.services import ShopServices

OWNER = "owner@example.com"
EAST = "warehouse-east"


def two_location_order(
    services: ShopServices, product_factory: Any
) -> tuple[OrderView, dict[str, Any], dict[str, Any]]:
    """(order, beans at the main store, tea at Warehouse East); the order is confirmed."""
    east = services.locations.save(
        None, name="Warehouse East", address="1 Dock Road", priority=2, active=True, owner=OWNER
    )
    assert east.id == EAST
    beans = product_factory(name="Kenya Beans", stock=5)
    tea = product_factory(name="Darjeeling Tea", stock=4)
    services.locations.transfer(str(tea["_id"]), "main", EAST, 4, owner=OWNER)
    order = services.orders.place(
        OrderRequest(
            customerName="Ada Lovelace",
            email="ada@example.com",
            address="12 Analytical Street\nLondon",
            items=[{"productId": str(beans["_id"]), "quantity": 2}, {"productId": str(tea["_id"]), "quantity": 1}],
        )
    )
    services.order_admin.change_status(order.id, "confirmed", owner=OWNER)
    allocated = {
        (a["locationId"], a["quantity"]) for a in services.db.orders.find_one({"_id": order.id})["allocations"]
    }
    assert allocated == {("main", 2), (EAST, 1)}, "the order is split over the two locations"
    return order, beans, tea

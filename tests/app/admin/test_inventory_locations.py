"""Locations, stock per location, transfers, suppliers and purchase orders through HTTP as the owner
uses them; availability per location on the product page and in the API; the order page's parcels."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from shop.core.location_stock import stock_by_location
from shop.ordering.orders import OrderRequest
from shop.services import ShopServices

OWNER = "owner@example.com"


def _post(client: TestClient, path: str, **data: str) -> Any:
    return client.post(path, data={"csrf_token": client.csrf, **data}, follow_redirects=False)  # type: ignore[attr-defined]


def test_one_location_shop_shows_no_locations_but_answers_availability(
    client: TestClient, owner_client: TestClient, product_factory: Any
) -> None:
    product = product_factory(name="Solo Beans", slug="solo-beans", stock=7)
    page = client.get("/products/solo-beans").text
    assert "In stock at" not in page
    detail = client.get(f"/api/products/{product['_id']}").json()
    assert detail["availability"] == [{"locationId": "main", "name": "Main store", "quantity": 7}]
    assert detail["stock"] == 7
    inventory = owner_client.get(f"/admin/inventory/{product['_id']}").text
    assert "Stock by location" in inventory and "Add a location" in inventory


def test_owner_adds_a_location_moves_stock_and_customers_see_where(
    client: TestClient, owner_client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(name="Split Beans", slug="split-beans", stock=15)
    pid = str(product["_id"])
    created = _post(
        owner_client, "/admin/inventory/locations", name="Warehouse East", address="1 Dock Rd", priority="2", active="1"
    )
    assert created.status_code == 303
    assert "Warehouse East" in owner_client.get("/admin/inventory/locations").text

    moved = _post(
        owner_client, f"/admin/inventory/{pid}/transfer", **{"from": "main", "to": "warehouse-east", "quantity": "12"}
    )
    assert moved.status_code == 303 and moved.headers["location"].endswith("#locations")
    too_many = _post(
        owner_client, f"/admin/inventory/{pid}/transfer", **{"from": "main", "to": "warehouse-east", "quantity": "4"}
    )
    assert too_many.status_code == 409 and "has only 3" in too_many.text
    bad = _post(owner_client, f"/admin/inventory/{pid}/transfer", **{"from": "main", "to": "main", "quantity": "x"})
    assert bad.status_code == 422
    assert stock_by_location(services.db.products.find_one({"_id": product["_id"]})) == {
        "main": 3,
        "warehouse-east": 12,
    }

    adjusted = _post(
        owner_client, f"/admin/inventory/{pid}/location-stock", location="warehouse-east", quantity="10", seen="12"
    )
    assert adjusted.status_code == 303
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 13
    assert (
        services.db.activity_log.count_documents({"action": {"$in": ["inventory.transfer", "inventory.adjust"]}}) == 2
    )

    page = client.get("/products/split-beans").text
    assert "In stock at Main store (3), Warehouse East (10)" in page  # in priority order
    detail = client.get(f"/api/products/{pid}").json()
    assert detail["availability"] == [
        {"locationId": "main", "name": "Main store", "quantity": 3},
        {"locationId": "warehouse-east", "name": "Warehouse East", "quantity": 10},
    ]

    order = services.orders.place(
        OrderRequest(
            customerName="Ada",
            email="ada@example.com",
            address="1 Engine Row, London",
            items=[{"productId": pid, "quantity": 5}],
        )
    )
    order_page = owner_client.get(f"/admin/orders/{order.id}").text
    assert "Ships from Warehouse East" in order_page and "5 × Split Beans" in order_page


def test_location_form_errors_are_shown_not_raised(owner_client: TestClient) -> None:
    blank = _post(owner_client, "/admin/inventory/locations", name="", priority="1")
    assert blank.status_code == 422 and "Enter the location" in blank.text
    default_off = _post(owner_client, "/admin/inventory/locations", location_id="main", name="Main store", priority="1")
    assert default_off.status_code == 422 and "cannot be deactivated" in default_off.text
    unknown = _post(
        owner_client, "/admin/inventory/locations", location_id="nowhere", name="X", priority="1", active="1"
    )
    assert unknown.status_code == 404


def test_purchase_order_from_the_advice_to_the_shelf(
    owner_client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    beans = product_factory(name="Advice Beans", supplier="Leafy Ltd", stock=1)
    pid = str(beans["_id"])
    saved = _post(owner_client, "/admin/inventory/purchase-orders", **{f"qty_{pid}": "20"})
    assert saved.status_code == 303
    po_path = saved.headers["location"].split("?")[0]
    po_id = po_path.rsplit("/", 1)[1]
    assert "Advice Beans" in owner_client.get(po_path).text
    assert po_id in owner_client.get("/admin/inventory/purchase-orders").text

    no_email = _post(owner_client, f"{po_path}/send", revision="0")
    assert no_email.status_code == 422 and "Add an email address for Leafy Ltd" in no_email.text
    supplier = _post(
        owner_client, "/admin/inventory/suppliers", name="Leafy Ltd", email="po@leafy.example", leadTimeDays="4"
    )
    assert supplier.status_code == 303
    assert "po@leafy.example" in owner_client.get("/admin/inventory/suppliers").text
    assert _post(owner_client, f"{po_path}/send", revision="0").status_code == 303
    assert services.db.outbox.count_documents({"kind": "purchase_order", "to": ["po@leafy.example"]}) == 1

    page = owner_client.get(po_path).text
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    first = _post(owner_client, f"{po_path}/receive", **{f"recv_{pid}": "20", "location": "main", "revision": revision})
    again = _post(owner_client, f"{po_path}/receive", **{f"recv_{pid}": "20", "location": "main", "revision": revision})
    assert first.status_code == 303 and again.status_code == 409
    assert services.db.products.find_one({"_id": beans["_id"]})["stock"] == 21
    assert "Received" in owner_client.get(po_path).text

    empty = _post(owner_client, "/admin/inventory/purchase-orders", **{f"qty_{pid}": "0"})
    assert empty.status_code == 422
    assert owner_client.get("/admin/inventory/purchase-orders/PO-nope").status_code == 404

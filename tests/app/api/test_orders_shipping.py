"""POST /api/orders with a structured address, shipping method and the money lines; the old string
address still works; hostile addresses are 422s, never 500s; old orders without the lines still show."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shop.services import ShopServices
from tests.support.orders import order_body

ADDRESS = {"line1": "350 Fifth Avenue", "line2": "Floor 20", "city": "New York", "region": "ny", "postalCode": "10118",
           "country": "us"}  # fmt: skip


def test_an_object_address_and_express_shipping_are_stored_and_answered(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(price=Decimal("30.00"), stock=5)
    body = order_body(product["_id"], 2, address=ADDRESS, shippingMethod="express")
    response = client.post("/api/orders", json=body)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["address"] == "350 Fifth Avenue, Floor 20, New York, NY 10118, US"
    assert order["shippingAddress"] == {**ADDRESS, "region": "NY", "country": "US"}
    assert (order["subtotal"], order["shipping"], order["tax"]) == (60.0, 12.95, 0.0)
    assert order["total"] == order["totalAmount"] == 72.95
    assert order["shippingMethod"] == "express" and order["deliveryDays"] == {"min": 1, "max": 2}
    stored = services.db.orders.find_one({"_id": order["id"]})
    assert stored["subtotal"] == Decimal("60.00") and stored["shippingCost"] == Decimal("12.95")
    assert stored["tax"] == Decimal("0.00") and stored["totalAmount"] == Decimal("72.95")
    email = services.db.outbox.find_one({"kind": "order_confirmation"})
    assert "Shipping (express): $12.95" in email["text"] and "Total: $72.95" in email["text"]
    assert "Subtotal: $60.00" in email["text"] and "Tax: $0.00" in email["text"]
    found = client.get(f"/api/orders/{order['id']}", params={"email": "grace@example.com"}).json()
    assert found["shipping"] == 12.95 and found["shippingAddress"]["postalCode"] == "10118"


def test_the_tax_the_owner_configured_is_charged_from_the_prices_read_in_the_transaction(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    config = services.commerce.get()
    rates = [{"country": "US", "region": "NY", "rate": "8.875"}]
    services.commerce.save(config.model_validate({**config.model_dump(), "tax_rates": rates}), based_on=config.version)
    product = product_factory(price=Decimal("19.99"), stock=5)
    services.catalog.all()  # the storefront's cached price ...
    services.db.products.update_one({"_id": product["_id"]}, {"$set": {"price": Decimal("29.99")}})  # ... is stale
    order = client.post("/api/orders", json=order_body(product["_id"], 2, address=ADDRESS)).json()
    assert order["subtotal"] == 59.98 and order["shipping"] == 0.0  # free over $50
    assert order["tax"] == 5.32 and order["total"] == 65.30  # 59.98 x 8.875% = 5.323...


def test_the_old_string_address_is_line1_in_the_home_country(client: TestClient, product_factory: Any) -> None:
    product = product_factory(price=Decimal("4.00"), stock=5)
    order = client.post("/api/orders", json=order_body(product["_id"])).json()
    assert order["address"] == "1 Compiler Way, Arlington"
    assert order["shippingAddress"]["line1"] == "1 Compiler Way, Arlington"
    assert order["shippingAddress"]["country"] == "US" and order["total"] == 9.95


@pytest.mark.parametrize(
    ("address", "field"),
    [
        ({**ADDRESS, "postalCode": "1011"}, "address.postalCode"),
        ({**ADDRESS, "region": ""}, "address.region"),
        ({**ADDRESS, "line1": "x" * 1_000_000}, "address.line1"),
        ({**ADDRESS, "city": "New\u0000York"}, "address.city"),
        ({**ADDRESS, "country": 1}, "address.country"),
        ({**ADDRESS, "country": "ZZ"}, "address.country"),
        ({**ADDRESS, "line1": {"$gt": ""}}, "address.line1"),
        ({"line1": "350 Fifth Avenue"}, "address.country"),
        (["350 Fifth Avenue"], "address"),
        (12345, "address"),
        ("x", "address"),
    ],
)
def test_a_bad_address_is_a_422_on_its_field(
    client: TestClient, services: ShopServices, product_factory: Any, address: Any, field: str
) -> None:
    product = product_factory(stock=5)
    response = client.post("/api/orders", json=order_body(product["_id"], address=address))
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert services.db.orders.count_documents({}) == 0


def test_an_address_outside_every_zone_or_an_unknown_method_is_a_422_sentence(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(stock=5)
    paris = {"line1": "5 Avenue Anatole France", "city": "Paris", "postalCode": "75007", "country": "FR"}
    abroad = client.post("/api/orders", json=order_body(product["_id"], address=paris))
    assert abroad.status_code == 422 and "we do not ship to France" in abroad.json()["detail"]
    drone = client.post("/api/orders", json=order_body(product["_id"], address=ADDRESS, shippingMethod="drone"))
    assert drone.status_code == 422 and "not offered" in drone.json()["detail"]
    bad = client.post("/api/orders", json=order_body(product["_id"], shippingMethod="$where"))
    assert bad.status_code == 422 and "shippingMethod" in bad.json()["errors"]
    assert services.db.orders.count_documents({}) == 0 and services.db.products.find_one()["stock"] == 5


def test_an_order_placed_before_shipping_lines_still_renders(client: TestClient, services: ShopServices) -> None:
    now = datetime.now(UTC)
    services.db.orders.insert_one(
        {
            "_id": "ORD-00000AAA",
            "customerName": "Old Customer",
            "email": "old@example.com",
            "address": "7 Old Road",
            "products": [
                {
                    "productId": "0" * 24,
                    "name": "Old Tea",
                    "slug": "old-tea",
                    "quantity": 2,
                    "unitPrice": Decimal("4.50"),
                }
            ],
            "totalAmount": Decimal("9.00"),
            "status": "pending",
            "createdAt": now,
            "updatedAt": now,
        }
    )
    api = client.get("/api/orders/ORD-00000AAA", params={"email": "old@example.com"})
    assert api.status_code == 200
    assert (api.json()["subtotal"], api.json()["shipping"], api.json()["tax"], api.json()["total"]) == (9.0, 0, 0, 9.0)
    page = client.post("/orders/lookup", data={"order_id": "ORD-00000AAA", "email": "old@example.com"})
    assert page.status_code == 200 and "Old Tea" in page.text and "$9.00" in page.text and "Subtotal" not in page.text


def test_a_rate_by_weight_uses_the_weight_read_in_the_transaction(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    config = services.commerce.get()
    zones = config.model_dump()["zones"]
    zones[0]["methods"].insert(
        0, {"id": "parcel", "name": "Parcel", "price": "2.00", "per_kg": "1.50", "delivery_days": {"min": 3, "max": 6}}
    )
    services.commerce.save(config.model_validate({**config.model_dump(), "zones": zones}), based_on=config.version)
    heavy = product_factory(price=Decimal("5.00"), stock=5, weightGrams=1200)
    light = product_factory(price=Decimal("5.00"), stock=5)  # no weight: the default 500 g
    body = order_body(heavy["_id"], 2, address=ADDRESS)
    body["items"].append({"productId": str(light["_id"]), "quantity": 1})
    order = client.post("/api/orders", json=body).json()  # 2,400 g + 500 g: three started kilograms
    assert order["shippingMethod"] == "parcel" and order["shipping"] == 6.5 and order["total"] == 21.5

"""The owner ships an order from its admin page; the customer sees it on the lookup page and in the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shop.ordering.orders import OrderRequest, OrderView
from shop.services import ShopServices
from tests.support.orders import order_body

UPS = "1Z999AA10123456784"
UPS_LINK = f"https://www.ups.com/track?tracknum={UPS}"


def confirmed_order(services: ShopServices, product: dict[str, Any]) -> OrderView:
    order = services.orders.place(
        OrderRequest(
            customerName="Grace Hopper",
            email="grace@example.com",
            address="1 Harbour Road\nArlington",
            items=[{"productId": str(product["_id"]), "quantity": 1}],
        )
    )
    services.order_admin.change_status(order.id, "confirmed", owner="owner@example.com")
    return order


def ship(owner_client: Any, order_id: str, **fields: str) -> Any:
    return owner_client.post(
        f"/admin/orders/{order_id}/shipments",
        data={"csrf_token": owner_client.csrf, **fields},
        follow_redirects=False,
    )


def test_ship_with_tracking_from_the_admin_page(
    owner_client: Any, client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    order = confirmed_order(services, product_factory(name="Sumatra", price=Decimal("11.00"), stock=9))
    page = owner_client.get(f"/admin/orders/{order.id}")
    assert "Ship this order" in page.text and '<option value="fedex"' in page.text
    response = ship(owner_client, order.id, carrier="ups", tracking_number="1z999aa1 0123456784")
    assert response.status_code == 303 and "notice=shipped" in response.headers["location"]
    detail = owner_client.get(response.headers["location"])
    assert "emailed the tracking link" in detail.text and f'href="{UPS_LINK}"' in detail.text
    assert "Ship another parcel" in detail.text and "Mark delivered" in detail.text
    assert services.db.orders.find_one({"_id": order.id})["status"] == "shipped"
    mail = services.db.outbox.find_one({"kind": "order_shipped", "to": "grace@example.com"})
    assert UPS_LINK in mail["text"] and "Estimated delivery" in mail["text"]

    api = client.get(f"/api/orders/{order.id}", params={"email": "grace@example.com"})
    assert api.status_code == 200
    body = api.json()
    assert body["status"] == "shipped"
    assert [{k: s[k] for k in ("carrier", "trackingNumber", "trackingUrl", "status")} for s in body["shipments"]] == [
        {"carrier": "ups", "trackingNumber": UPS, "trackingUrl": UPS_LINK, "status": "shipped"}
    ]
    assert set(body["estimatedDelivery"]) == {"earliest", "latest", "shipped"} and body["estimatedDelivery"]["shipped"]
    assert body["deliveredAt"] is None
    assert [e["kind"] for e in body["timeline"]] == ["placed", "confirmed", "shipped"]
    assert body["timeline"][-1]["url"] == UPS_LINK and "shipped with UPS" in body["timeline"][-1]["text"]

    lookup = client.post("/orders/lookup", data={"order_id": order.id, "email": "grace@example.com"})
    assert lookup.status_code == 200
    assert "What happened so far" in lookup.text and "We confirmed your order" in lookup.text
    assert f'href="{UPS_LINK}"' in lookup.text and "Estimated delivery" in lookup.text

    parcel = body["shipments"][0]["id"]
    delivered = owner_client.post(
        f"/admin/orders/{order.id}/shipments/{parcel}/delivered",
        data={"csrf_token": owner_client.csrf},
        follow_redirects=False,
    )
    assert delivered.status_code == 303
    after = client.get(f"/api/orders/{order.id}", params={"email": "grace@example.com"}).json()
    assert after["status"] == "completed" and after["deliveredAt"] and after["estimatedDelivery"] is None
    assert after["timeline"][-1]["text"] == "Your order was delivered."
    lookup = client.post("/orders/lookup", data={"order_id": order.id, "email": "grace@example.com"})
    assert "Your order was delivered." in lookup.text and ">Delivered<" in lookup.text


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"carrier": "pigeon", "tracking_number": UPS}, "Choose a carrier from the list"),
        ({"carrier": "ups", "tracking_number": "<script>alert(1)</script>"}, "6 to 40 letters and digits"),
        ({"carrier": "ups", "tracking_number": "123456789012"}, "That is not a UPS tracking number"),
        ({"carrier": "other", "tracking_number": "AB123456", "carrier_name": "Acme",
          "tracking_url": "javascript:alert(document.cookie)"}, "must be a web address starting with https://"),
    ],
)  # fmt: skip
def test_bad_carrier_or_hostile_tracking_is_refused_with_a_sentence(
    owner_client: Any, services: ShopServices, product_factory: Any, fields: dict[str, str], words: str
) -> None:
    order = confirmed_order(services, product_factory(stock=3))
    mails = services.db.outbox.count_documents({})
    response = ship(owner_client, order.id, **fields)
    assert response.status_code == 422 and words in response.text
    assert "<script>alert(1)</script>" not in response.text and 'href="javascript' not in response.text
    stored = services.db.orders.find_one({"_id": order.id})
    assert stored["status"] == "confirmed" and "shipments" not in stored
    assert services.db.outbox.count_documents({}) == mails


def test_shipping_a_pending_order_is_refused_and_ship_needs_the_csrf_token(
    owner_client: Any, services: ShopServices, product_factory: Any
) -> None:
    order = services.orders.place(
        OrderRequest(
            customerName="Grace",
            email="grace@example.com",
            address="1 Harbour Road",
            items=[{"productId": str(product_factory(stock=3)["_id"]), "quantity": 1}],
        )
    )
    refused = ship(owner_client, order.id, carrier="ups", tracking_number=UPS)
    assert refused.status_code == 409 and "confirm it before shipping" in refused.text
    forged = owner_client.post(f"/admin/orders/{order.id}/shipments", data={"carrier": "ups", "tracking_number": UPS})
    assert forged.status_code == 403
    assert "shipments" not in services.db.orders.find_one({"_id": order.id})
    assert ship(owner_client, "ORD-00000000", carrier="ups", tracking_number=UPS).status_code == 404


def test_api_of_an_order_not_yet_shipped_has_an_estimate_and_no_parcels(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    order = confirmed_order(services, product_factory(stock=3))
    body = client.get(f"/api/orders/{order.id}", params={"email": "grace@example.com"}).json()
    assert body["shipments"] == [] and body["estimatedDelivery"]["shipped"] is False
    assert [e["kind"] for e in body["timeline"]] == ["placed", "confirmed"]


def test_a_new_order_from_the_api_comes_with_its_estimate(client: TestClient, product_factory: Any) -> None:
    product = product_factory(stock=3)
    placed = client.post("/api/orders", json=order_body(product["_id"]))
    assert placed.status_code == 201
    estimate = placed.json()["estimatedDelivery"]
    assert estimate["shipped"] is False and estimate["earliest"] < estimate["latest"]
    assert placed.json()["shipments"] == [] and placed.json()["timeline"] == []

"""POST /api/orders/{id}/returns?email= and the returns in GET /api/orders/{id}: the contract's
answers (201, 422 with the policy's reason, 404 for a wrong email) and hostile input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from shop.services import ShopServices
from tests.support.returns import EMAIL, delivered_order


def _body(product: dict[str, Any], quantity: Any = 1, **item: Any) -> dict[str, Any]:
    return {"items": [{"productId": str(product["_id"]), "quantity": quantity, **item}], "reason": "Changed my mind"}


def test_201_with_number_status_and_refund_then_listed_on_the_order(
    client: TestClient, services: ShopServices, items: Any
) -> None:
    order = delivered_order(services, [(items["earl"], 2)])
    made = client.post(f"/api/orders/{order.id}/returns", params={"email": EMAIL}, json=_body(items["earl"], 2))
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["id"].startswith("RMA-") and body["status"] == "requested" and body["refundAmount"] == 19.0
    assert set(body) == {"id", "status", "refundAmount"}
    listed = client.get(f"/api/orders/{order.id}", params={"email": EMAIL}).json()["returns"]
    assert [(r["id"], r["status"], r["items"][0]["quantity"]) for r in listed] == [(body["id"], "requested", 2)]


def test_422_carries_the_policys_reason(client: TestClient, services: ShopServices, items: Any) -> None:
    order = delivered_order(services, [(items["earl"], 1)], days_ago=31)
    late = client.post(f"/api/orders/{order.id}/returns", params={"email": EMAIL}, json=_body(items["earl"]))
    assert late.status_code == 422
    assert late.json()["detail"] == (
        "Unopened items can be returned within 30 days of delivery, and it has been 31 days, so Earl Grey "
        "Supreme can no longer be returned."
    )
    fresh = delivered_order(services, [(items["earl"], 1)], days_ago=None, status="pending")
    pending = client.post(f"/api/orders/{fresh.id}/returns", params={"email": EMAIL}, json=_body(items["earl"]))
    assert pending.status_code == 422 and "can be cancelled instead" in pending.json()["detail"]
    assert services.db.returns.count_documents({}) == 0


def test_404_for_a_wrong_email_or_number(client: TestClient, services: ShopServices, items: Any) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    other = client.post(
        f"/api/orders/{order.id}/returns", params={"email": "mallory@example.com"}, json=_body(items["earl"])
    )
    unknown = client.post("/api/orders/ORD-00000000/returns", params={"email": EMAIL}, json=_body(items["earl"]))
    assert other.status_code == unknown.status_code == 404
    assert other.json()["detail"] == unknown.json()["detail"] == "No order matches that number and email."
    assert services.db.returns.count_documents({}) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {"items": [{"productId": "nope", "quantity": 1}]},
        {"items": [{"productId": "a" * 24, "quantity": 0}]},
        {"items": [{"productId": "a" * 24, "quantity": -3}]},
        {"items": [{"productId": "a" * 24, "quantity": 10**12}]},
        {"items": [{"productId": "a" * 24, "quantity": True}]},
        {"items": [{"productId": "a" * 24, "quantity": 1}], "resolution": "store credit"},
        {"items": [{"productId": "a" * 24, "quantity": 1, "customerId": "x"}]},
        {"items": "all of them"},
        {"items": [{"productId": "a" * 24, "quantity": 1}], "reason": "x" * 5000},
    ],
)
def test_hostile_bodies_are_422_and_write_nothing(
    body: dict[str, Any], client: TestClient, services: ShopServices, items: Any
) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    response = client.post(f"/api/orders/{order.id}/returns", params={"email": EMAIL}, json=body)
    assert response.status_code == 422, response.text
    assert services.db.returns.count_documents({}) == 0


def test_more_than_ordered_or_a_product_not_in_the_order_is_422(
    client: TestClient, services: ShopServices, items: Any
) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    url, params = f"/api/orders/{order.id}/returns", {"email": EMAIL}
    assert "at most 1 of Earl Grey Supreme" in client.post(url, params=params, json=_body(items["earl"], 2)).text
    assert client.post(url, params=params, json=_body(items["honey"])).status_code == 422
    assert client.post(url, params=params, json=_body(items["earl"], 1, opened=True)).status_code == 422
    assert services.db.returns.count_documents({}) == 0

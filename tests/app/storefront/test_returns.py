"""The order lookup page's return form and the customer's return label."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from shop.services import ShopServices
from tests.support.returns import EMAIL, delivered_order, return_input


def test_a_delivered_order_offers_the_form_and_a_request_is_made_from_it(
    client: TestClient, services: ShopServices, items: Any
) -> None:
    order = delivered_order(services, [(items["earl"], 2), (items["honey"], 1)])
    page = client.post("/orders/lookup", data={"order_id": order.id, "email": EMAIL})
    assert page.status_code == 200 and "Return or exchange items" in page.text
    assert "within 30 days of delivery" in page.text and "Opened items of Tea, Pantry &amp; Treats cannot" in page.text
    earl, honey = str(items["earl"]["_id"]), str(items["honey"]["_id"])
    form = {"email": EMAIL, f"qty_{earl}": "1", f"qty_{honey}": "0", "resolution": "refund", "reason": "Too strong"}
    made = client.post(f"/orders/{order.id}/returns", data=form)
    assert made.status_code == 201 and "We received your return request" in made.text and "$9.50" in made.text
    stored = services.db.returns.find_one({"orderId": order.id})
    assert stored["items"][0]["quantity"] == 1 and stored["reason"] == "Too strong" and stored["channel"] == "web"
    refused = client.post(f"/orders/{order.id}/returns", data={**form, f"qty_{honey}": "1", f"opened_{honey}": "on"})
    assert refused.status_code == 422 and "cannot be returned for hygiene reasons" in refused.text
    nothing = client.post(f"/orders/{order.id}/returns", data={"email": EMAIL, f"qty_{earl}": "0"})
    assert nothing.status_code == 422 and "at least one item" in nothing.text
    other = client.post(f"/orders/{order.id}/returns", data={**form, "email": "eve@example.com"})
    assert other.status_code == 404 and services.db.returns.count_documents({}) == 1


def test_an_order_not_delivered_has_no_form(client: TestClient, services: ShopServices, items: Any) -> None:
    order = delivered_order(services, [(items["earl"], 1)], days_ago=None, status="shipped")
    page = client.post("/orders/lookup", data={"order_id": order.id, "email": EMAIL})
    assert page.status_code == 200 and "Return or exchange items" not in page.text


def test_the_label_is_the_customers_once_approved(client: TestClient, services: ShopServices, items: Any) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    made = services.returns.request(order.id, EMAIL, return_input((items["earl"], 1)))
    url = f"/orders/{order.id}/returns/{made.id}/label.pdf"
    assert client.get(url, params={"email": EMAIL}).status_code == 409  # not approved yet
    services.returns.approve(made.id, owner="owner@example.com")
    pdf = client.get(url, params={"email": EMAIL})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and made.id.encode() in pdf.content
    assert client.get(url, params={"email": "eve@example.com"}).status_code == 404
    page = client.post("/orders/lookup", data={"order_id": order.id, "email": EMAIL})
    assert f"{made.id}/label.pdf" in page.text

"""The checkout form's structured address: fields, per-field errors (422, never a 500), the shipping
method choice, and subtotal / shipping / tax / total on the cart, checkout and confirmation pages."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shop.services import ShopServices

ADDRESS = {"line1": "200 N Spring St", "line2": "", "city": "Los Angeles", "region": "CA", "postalCode": "90012",
           "country": "US"}  # fmt: skip


def fill_cart(client: TestClient, product_factory: Any, price: str = "12.00", quantity: int = 2) -> dict[str, Any]:
    product = product_factory(name="Kenya AA", price=Decimal(price), stock=10)
    client.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": str(quantity)})
    return product


def form_key(client: TestClient) -> str:
    key = re.search(r'name="idempotency_key" value="([^"]+)"', client.get("/checkout").text)
    assert key is not None
    return key.group(1)


def field_error(page: str, field: str) -> str | None:
    match = re.search(rf'id="field-{field}-error">(?:<svg.*?</svg>)?([^<]*)</p>', page, re.S)
    return match.group(1) if match else None


def test_the_cart_shows_an_estimate_and_the_checkout_the_address_fields(
    client: TestClient, product_factory: Any
) -> None:
    fill_cart(client, product_factory)
    cart = client.get("/cart").text
    assert "Subtotal" in cart and "$24.00" in cart and "$5.95" in cart and "Estimated total" in cart
    assert "$29.95" in cart and "estimated for delivery in United States" in cart
    page = client.get("/checkout").text
    for name in ("line1", "line2", "city", "region", "postalCode"):
        assert f'name="{name}"' in page
    assert re.search(r'<select id="field-country" name="country"[^>]*>\s*<option value="US" selected>', page)
    assert 'value="standard" checked' in page and 'value="express"' in page
    assert "Place order · $29.95" in page


def test_structured_address_places_the_order_with_the_chosen_method(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    fill_cart(client, product_factory)
    form = {"customerName": "Ada", "email": "ada@example.com", **ADDRESS, "shippingMethod": "express"}
    placed = client.post("/checkout", data={**form, "idempotency_key": form_key(client)}, follow_redirects=False)
    assert placed.status_code == 303, placed.text[:500]
    order = services.db.orders.find_one()
    assert order["address"] == "200 N Spring St, Los Angeles, CA 90012, US"
    assert order["shippingAddress"]["city"] == "Los Angeles" and order["shippingMethod"] == "express"
    assert order["totalAmount"] == Decimal("36.95") and order["deliveryDays"] == {"min": 1, "max": 2}
    page = client.get(placed.headers["location"]).text
    assert "Subtotal" in page and "$24.00" in page and "$12.95" in page and "$36.95" in page
    assert "1–2 working days" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"postalCode": "9001"}, "postalCode", "not a valid postal code for United States"),
        ({"region": ""}, "region", "is required for United States"),
        ({"city": ""}, "city", "is required"),
        ({"line1": "x" * 900}, "line1", "at most 200 characters"),
        ({"country": "QQ"}, "country", "ISO 3166"),
    ],
)
def test_a_bad_field_is_a_422_with_its_message_beside_it(
    client: TestClient, services: ShopServices, product_factory: Any, changes: dict[str, str], field: str, message: str
) -> None:
    fill_cart(client, product_factory)
    data = {"customerName": "Ada", "email": "ada@example.com", **ADDRESS, **changes, "idempotency_key": "k1"}
    response = client.post("/checkout", data=data, follow_redirects=False)
    assert response.status_code == 422
    error = field_error(response.text, field)
    assert error is not None and message in error, response.text[:3000]
    assert services.db.orders.count_documents({}) == 0


def test_a_country_not_shipped_to_and_a_method_not_offered_are_422s(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    fill_cart(client, product_factory)
    paris = {**ADDRESS, "region": "", "city": "Paris", "postalCode": "75007", "country": "FR"}
    data = {"customerName": "Ada", "email": "ada@example.com", "idempotency_key": "k2"}
    abroad = client.post("/checkout", data={**data, **paris}, follow_redirects=False)
    assert abroad.status_code == 422 and "we do not ship to France" in abroad.text
    drone = client.post("/checkout", data={**data, **ADDRESS, "shippingMethod": "drone"}, follow_redirects=False)
    assert drone.status_code == 422 and "not offered" in drone.text
    huge = client.post("/checkout", data={**data, **ADDRESS, "postalCode": "9" * 5000}, follow_redirects=False)
    assert huge.status_code == 422
    nul = client.post("/checkout", data={**data, **ADDRESS, "line2": "Apt\x00 4"}, follow_redirects=False)
    assert nul.status_code == 422  # refused for every form by app/middleware/request_limits.py
    assert services.db.orders.count_documents({}) == 0

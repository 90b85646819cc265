"""Checkout: the one way a cart and the customer's details become an order, for the page, API and chat."""

from __future__ import annotations

from typing import Any

import pytest

from shop.core.errors import InvalidInput
from shop.discovery.interactions import COLLECTION
from shop.ordering.checkout import EmptyCart, InvalidDetails, idempotency_key, order_request
from shop.ordering.orders import OrderRequest
from shop.services import ShopServices

ADA = {"name": "Ada Lovelace", "email": "Ada@Example.com", "address": "12 Analytical Street, London"}


def test_a_cart_becomes_an_order_request(services: ShopServices, product_factory: Any) -> None:
    beans, tea = product_factory(), product_factory()
    services.carts.add("visitor", str(beans["_id"]), 2)
    services.carts.add("visitor", str(tea["_id"]), 1)

    request = order_request(services.carts.view("visitor"), **ADA)

    assert request.customerName == "Ada Lovelace" and request.email == "ada@example.com"
    assert {(item.productId, item.quantity) for item in request.items} == {
        (str(beans["_id"]), 2),
        (str(tea["_id"]), 1),
    }


def test_an_empty_cart_or_bad_details_are_refused(services: ShopServices, product_factory: Any) -> None:
    with pytest.raises(EmptyCart) as empty:
        order_request(services.carts.view("nobody"), **ADA)
    assert (empty.value.message, empty.value.status_code) == ("Your cart is empty.", 409)

    services.carts.add("visitor", str(product_factory()["_id"]), 1)
    with pytest.raises(InvalidDetails) as bad:
        order_request(services.carts.view("visitor"), name="", email="not an email", address="12 Analytical St")
    assert set(bad.value.errors) == {"customerName", "email"}
    assert bad.value.status_code == 422 and bad.value.field == "customerName"


def test_idempotency_keys_are_stored_per_channel() -> None:
    assert idempotency_key("web", "form-1", cart_id="session-9") == "web:session-9:form-1"
    assert idempotency_key("api", "abc-1") == "api:abc-1"
    assert idempotency_key("chat", "act_123", cart_id="session-9") == "chat:act_123"
    assert idempotency_key("web", "", cart_id="session-9") is None
    assert idempotency_key("api", None) is None


def _purchases(services: ShopServices) -> list[dict[str, Any]]:
    assert services.interactions.flush()
    return list(services.db[COLLECTION].find({"type": "purchase"}))


def test_an_order_from_a_cart_empties_those_lines_and_records_the_purchase_once(
    services: ShopServices, product_factory: Any
) -> None:
    beans, honey = product_factory(stock=10), product_factory(stock=10)
    services.carts.add("visitor", str(beans["_id"]), 2)
    request = order_request(services.carts.view("visitor"), **ADA)
    services.carts.add("visitor", str(honey["_id"]), 1)  # added while the form was being filled in

    order = services.checkout.place(request, channel="web", key="form-1", cart_id="visitor")

    assert services.carts.quantities("visitor") == {str(honey["_id"]): 1}
    assert services.db.orders.find_one({"_id": order.id})["idempotencyKey"] == "web:visitor:form-1"
    assert services.orders.for_session(order.id, "visitor").id == order.id
    purchases = _purchases(services)
    assert [(p["visitorId"], p["productId"], p["customerEmail"]) for p in purchases] == [
        ("visitor", beans["_id"], "ada@example.com")
    ]

    again = services.checkout.place(request, channel="web", key="form-1", cart_id="visitor")
    assert again.id == order.id and again.replayed
    assert len(_purchases(services)) == 1
    assert services.db.products.find_one({"_id": beans["_id"]})["stock"] == 8


def test_an_order_without_a_cart_touches_no_cart(services: ShopServices, product_factory: Any) -> None:
    beans = product_factory(stock=10)
    services.carts.add("visitor", str(beans["_id"]), 1)
    request = OrderRequest(
        customerName="Ada",
        email="ada@example.com",
        address="12 Analytical St",
        items=[{"productId": str(beans["_id"]), "quantity": 1}],
    )

    order = services.checkout.place(request, channel="api", key="abc-1")

    assert services.db.orders.find_one({"_id": order.id})["idempotencyKey"] == "api:abc-1"
    assert services.carts.quantities("visitor") == {str(beans["_id"]): 1}
    assert _purchases(services) == []
    with pytest.raises(InvalidInput, match="already used for a different order"):
        other = request.model_copy(update={"address": "Somewhere else entirely"})
        services.checkout.place(other, channel="api", key="abc-1")

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from shop.errors import InvalidInput, NotFound, OutOfStock
from shop.orders import ORDER_ID_PATTERN, OrderRequest
from shop.services import ShopServices


def order_request(*items: tuple[Any, int], email: str = "ada@example.com") -> OrderRequest:
    return OrderRequest(
        customerName="Ada Lovelace",
        email=email,
        address="12 Analytical Street\nLondon",
        items=[{"productId": str(pid), "quantity": qty} for pid, qty in items],
    )


def test_order_decrements_stock_and_captures_prices(services: ShopServices, product_factory: Any) -> None:
    coffee = product_factory(price=Decimal("12.35"), stock=5)
    tea = product_factory(price=Decimal("0.10"), stock=50, category="tea")

    order = services.orders.place(order_request((coffee["_id"], 2), (tea["_id"], 3)))

    assert ORDER_ID_PATTERN.match(order.id)
    assert order.total == Decimal("25.00")  # 2 x 12.35 + 3 x 0.10, exact
    assert order.status == "pending"
    db = services.db
    assert db.products.find_one({"_id": coffee["_id"]})["stock"] == 3
    assert db.inventory.find_one({"productId": coffee["_id"]})["stockLevel"] == 3
    stored = db.orders.find_one({"_id": order.id})
    assert stored["totalAmount"] == Decimal("25.00")
    assert {line["unitPrice"] for line in stored["products"]} == {Decimal("12.35"), Decimal("0.10")}
    assert db.customers.find_one({"email": "ada@example.com"})["name"] == "Ada Lovelace"
    # A later price change does not change what was ordered.
    db.products.update_one({"_id": coffee["_id"]}, {"$set": {"price": Decimal("99.00")}})
    assert services.orders.get(order.id).total == Decimal("25.00")


def test_confirmation_email_goes_to_outbox(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(name="Kenya AA", price=Decimal("14.00"))
    order = services.orders.place(order_request((product["_id"], 1)))
    mail = services.db.outbox.find_one({"kind": "order_confirmation"})
    assert mail["to"] == ["ada@example.com"]
    assert order.id in mail["subject"]
    assert "Kenya AA" in mail["text"] and "$14.00" in mail["text"]
    assert mail["status"] == "stored" and mail["provider"] == "outbox"


def test_short_stock_aborts_whole_order(services: ShopServices, product_factory: Any) -> None:
    plenty = product_factory(stock=10)
    scarce = product_factory(stock=1, name="Last Jar of Honey")
    with pytest.raises(OutOfStock, match="Only 1 of Last Jar of Honey"):
        services.orders.place(order_request((plenty["_id"], 2), (scarce["_id"], 2)))
    db = services.db
    assert db.products.find_one({"_id": plenty["_id"]})["stock"] == 10  # nothing half-written
    assert db.orders.count_documents({}) == 0
    assert db.customers.count_documents({}) == 0


def test_sold_out_unknown_and_deleted_products(services: ShopServices, product_factory: Any) -> None:
    sold_out = product_factory(stock=0, name="Gone Tea")
    deleted = product_factory(stock=5)
    services.db.products.update_one({"_id": deleted["_id"]}, {"$set": {"deletedAt": deleted["createdAt"]}})
    with pytest.raises(OutOfStock, match="sold out"):
        services.orders.place(order_request((sold_out["_id"], 1)))
    with pytest.raises(NotFound):
        services.orders.place(order_request(("0123456789abcdef01234567", 1)))
    with pytest.raises(NotFound):
        services.orders.place(order_request((deleted["_id"], 1)))


def test_fifty_concurrent_orders_for_the_last_units_sell_exactly_the_stock(
    services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(stock=7, name="Last Seven Bags")
    outcomes: list[str] = []
    barrier = threading.Barrier(50)

    def buy(n: int) -> None:
        request = order_request((product["_id"], 1), email=f"buyer{n}@example.com")
        barrier.wait()
        try:
            services.orders.place(request)
            outcomes.append("ok")
        except OutOfStock:
            outcomes.append("short")

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(outcomes) == {"ok": 7, "short": 43}
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 0
    assert services.db.inventory.find_one({"productId": product["_id"]})["stockLevel"] == 0
    assert services.db.orders.count_documents({}) == 7


def test_idempotency_key_makes_a_retry_the_same_order(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=10)
    request = order_request((product["_id"], 2))
    first = services.orders.place(request, idempotency_key="key-1")
    again = services.orders.place(request, idempotency_key="key-1")
    assert again.id == first.id and again.replayed
    assert services.db.orders.count_documents({}) == 1
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 8
    with pytest.raises(InvalidInput, match="already used for a different order"):
        services.orders.place(order_request((product["_id"], 3)), idempotency_key="key-1")


def test_concurrent_retries_with_one_key_make_one_order(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=10)
    request = order_request((product["_id"], 1))
    ids: list[str] = []
    barrier = threading.Barrier(10)

    def retry() -> None:
        barrier.wait()
        ids.append(services.orders.place(request, idempotency_key="same-key").id)

    threads = [threading.Thread(target=retry) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 10 and len(set(ids)) == 1
    assert services.db.orders.count_documents({}) == 1
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 9


def test_duplicate_lines_are_merged_and_bounded(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=200)
    order = services.orders.place(order_request((product["_id"], 2), (product["_id"], 3)))
    assert [(line.quantity) for line in order.lines] == [5]
    with pytest.raises(InvalidInput, match="at most 99"):
        services.orders.place(order_request((product["_id"], 60), (product["_id"], 60)))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customerName", {"$gt": ""}),
        ("customerName", "$where"),
        ("customerName", ""),
        ("customerName", "x" * 101),
        ("email", "not-an-email"),
        ("email", {"$ne": None}),
        ("address", "   "),
        ("items", []),
        ("items", [{"productId": {"$gt": ""}, "quantity": 1}]),
        ("items", [{"productId": "0123456789abcdef01234567", "quantity": 0}]),
        ("items", [{"productId": "0123456789abcdef01234567", "quantity": -1}]),
        ("items", [{"productId": "0123456789abcdef01234567", "quantity": 100}]),
        ("items", [{"productId": "0123456789abcdef01234567", "quantity": 10**12}]),
        ("items", [{"productId": "0123456789abcdef01234567", "quantity": True}]),
        ("items", [{"productId": "0123456789abcdef01234567", "quantity": 1.5}]),
    ],
)
def test_order_request_rejects_bad_input(field: str, value: Any) -> None:
    data: dict[str, Any] = {
        "customerName": "Ada",
        "email": "ada@example.com",
        "address": "12 Analytical Street",
        "items": [{"productId": "0123456789abcdef01234567", "quantity": 1}],
    }
    data[field] = value
    with pytest.raises(ValidationError):
        OrderRequest.model_validate(data)


def test_lookup_needs_the_matching_email(services: ShopServices, product_factory: Any) -> None:
    product = product_factory()
    order = services.orders.place(order_request((product["_id"], 1)))
    assert services.orders.lookup(order.id.lower(), " ADA@example.com ").id == order.id
    with pytest.raises(NotFound, match="No order matches"):
        services.orders.lookup(order.id, "eve@example.com")
    with pytest.raises(NotFound, match="No order matches"):
        services.orders.lookup("ORD-ZZZZZZZZ", "ada@example.com")
    with pytest.raises(NotFound):
        services.orders.lookup('{"$gt": ""}', "ada@example.com")

from __future__ import annotations

import threading
import time
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from shop.core.errors import InvalidInput, NotFound, OutOfStock
from shop.ordering.orders import ORDER_ID_PATTERN, OrderAttempt, OrderItem, OrderRequest, OrderView
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
    assert order.subtotal == Decimal("25.00")  # 2 x 12.35 + 3 x 0.10, exact
    assert order.shipping_cost == Decimal("5.95") and order.total == Decimal("30.95")  # standard, under $50
    assert order.status == "pending"
    db = services.db
    assert db.products.find_one({"_id": coffee["_id"]})["stock"] == 3
    assert db.inventory.find_one({"productId": coffee["_id"]})["stockLevel"] == 3
    stored = db.orders.find_one({"_id": order.id})
    assert stored["subtotal"] == Decimal("25.00") and stored["totalAmount"] == Decimal("30.95")
    assert {line["unitPrice"] for line in stored["products"]} == {Decimal("12.35"), Decimal("0.10")}
    assert db.customers.find_one({"email": "ada@example.com"})["name"] == "Ada Lovelace"
    # A later price change does not change what was ordered.
    db.products.update_one({"_id": coffee["_id"]}, {"$set": {"price": Decimal("99.00")}})
    assert services.orders.get(order.id).total == Decimal("30.95")


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


def test_one_batch_gives_each_order_its_own_outcome(services: ShopServices, product_factory: Any) -> None:
    """Orders written by one shared transaction succeed or fail each on its own, in arrival order."""
    coffee = product_factory(stock=3, name="Three Bags", price=Decimal("10.00"))
    tea = product_factory(stock=0, name="Gone Tea", category="tea")
    earlier = services.orders.place(order_request((coffee["_id"], 1)), idempotency_key="earlier")
    first = order_request((coffee["_id"], 1), email="first@example.com")
    attempts = [
        OrderAttempt(first, "k1"),  # placed
        OrderAttempt(order_request((tea["_id"], 1)), "k2"),  # sold out: its key is not kept
        OrderAttempt(first, "k1"),  # the same request again in the same batch: the same order
        OrderAttempt(order_request((coffee["_id"], 2)), "k1"),  # the key with other items
        OrderAttempt(order_request((coffee["_id"], 1)), "earlier"),  # a retry of an order placed before
        OrderAttempt(order_request((coffee["_id"], 1), email="second@example.com")),  # the last bag
        OrderAttempt(order_request((coffee["_id"], 1), email="third@example.com")),  # none left
    ]

    outcomes = services.orders.place_many(attempts)

    placed, sold_out, again, other_items, retry, last, none_left = outcomes
    assert isinstance(placed, OrderView) and not placed.replayed and placed.subtotal == Decimal("10.00")
    assert isinstance(sold_out, OutOfStock) and "Gone Tea is sold out" in sold_out.message
    assert isinstance(again, OrderView) and again.id == placed.id and again.replayed
    assert isinstance(other_items, InvalidInput) and other_items.field == "Idempotency-Key"
    assert isinstance(retry, OrderView) and retry.id == earlier.id and retry.replayed
    assert isinstance(last, OrderView) and last.email == "second@example.com"
    assert isinstance(none_left, OutOfStock) and "Three Bags is sold out" in none_left.message

    db = services.db
    assert db.orders.count_documents({}) == 3  # earlier, placed, last
    assert db.products.find_one({"_id": coffee["_id"]})["stock"] == 0
    inventory = db.inventory.find_one({"productId": coffee["_id"]})
    assert inventory["stockLevel"] == 0 and inventory["restockAlert"] is True
    assert {k["_id"] for k in db.order_keys.find()} == {"earlier", "k1"}
    confirmations = db.outbox.find({"kind": "order_confirmation"})
    assert sorted(mail["to"][0] for mail in confirmations) == [
        "ada@example.com",
        "first@example.com",
        "second@example.com",
    ]
    assert {c["email"] for c in db.customers.find()} == {"ada@example.com", "first@example.com", "second@example.com"}


def test_a_key_taken_by_another_process_mid_batch_replays_that_order(
    services: ShopServices, product_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another app process places an order with one of the batch's keys after the batch read the keys:
    the batch is written again from fresh reads, and that attempt becomes a replay of the other order."""
    product = product_factory(stock=10)
    other = services.orders.place(order_request((product["_id"], 1)), idempotency_key="raced")
    services.db.order_keys.delete_one({"_id": "raced"})  # as if the other process had not written it yet
    document = services.mailer.document
    calls = 0

    def other_process_writes_the_key(email: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 1:
            services.db.order_keys.insert_one(
                {"_id": "raced", "orderId": other.id, "fingerprint": order_request((product["_id"], 1)).fingerprint()}
            )
        return document(email)

    monkeypatch.setattr(services.mailer, "document", other_process_writes_the_key)
    outcomes = services.orders.place_many(
        [
            OrderAttempt(order_request((product["_id"], 2), email="bob@example.com"), "fine"),
            OrderAttempt(order_request((product["_id"], 1)), "raced"),
        ]
    )

    fine, replayed = outcomes
    assert isinstance(fine, OrderView) and not fine.replayed
    assert isinstance(replayed, OrderView) and replayed.replayed and replayed.id == other.id
    assert services.db.orders.count_documents({}) == 2
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 7  # 10 - 1 - 2, once each


def test_a_returning_customer_is_one_entry_with_their_latest_details(
    services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(stock=10)
    services.orders.place(order_request((product["_id"], 1)))
    first = services.db.customers.find_one({"email": "ada@example.com"})
    services.orders.place(order_request((product["_id"], 1)))  # same details: the entry is not rewritten
    assert services.db.customers.find_one({"email": "ada@example.com"})["updatedAt"] == first["updatedAt"]
    moved = order_request((product["_id"], 1)).model_copy(update={"address": "1 New Road\nCambridge"})
    services.orders.place(moved)
    entries = list(services.db.customers.find({"email": "ada@example.com"}))
    assert len(entries) == 1 and entries[0]["address"] == "1 New Road\nCambridge"
    assert entries[0]["createdAt"] == first["createdAt"]


def test_an_order_the_database_cannot_store_fails_alone_in_its_batch(
    services: ShopServices, product_factory: Any
) -> None:
    """36 orders at once, one of them with text that slipped past validation (a lone surrogate cannot
    be encoded for MongoDB): the other 35 are placed, only it fails, with a 422, and nothing of it is
    written. The first order's transaction is held until the other 35 queue, so they form one batch."""
    product = product_factory(stock=100, name="Batch Beans")
    poisoned = OrderRequest.model_construct(  # what validation now refuses, as if it had slipped past
        customerName="Mallory \ud800",
        email="mallory@example.com",
        address="1 Broken Text Road",
        items=[OrderItem(productId=str(product["_id"]), quantity=1)],
    )
    requests = [order_request((product["_id"], 1), email=f"buyer{n}@example.com") for n in range(36)]
    requests[20] = poisoned
    group = services.orders._group
    write, batches, hold = group._write_batch, [], threading.Event()

    def held_write(attempts: Any) -> Any:
        if not batches:
            hold.set()
            while hold.is_set():
                time.sleep(0.001)
        batches.append(len(attempts))
        return write(attempts)

    group._write_batch = held_write
    outcomes: dict[int, object] = {}

    def buy(n: int) -> None:
        try:
            outcomes[n] = services.orders.place(requests[n])
        except Exception as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(36)]
    threads[0].start()
    assert hold.wait(5)
    for thread in threads[1:]:
        thread.start()
    while len(group._queue) < 35:
        time.sleep(0.001)
    hold.clear()
    for thread in threads:
        thread.join(30)

    assert batches[:2] == [1, 32]  # the poisoned order (21st) shared a batch with 31 honest ones
    assert isinstance(outcomes[20], InvalidInput) and outcomes[20].status_code == 422
    assert "cannot be saved" in outcomes[20].message
    placed = [outcome for n, outcome in outcomes.items() if n != 20]
    assert all(isinstance(order, OrderView) for order in placed) and len({o.id for o in placed}) == 35
    db = services.db
    assert db.orders.count_documents({}) == 35
    assert db.orders.count_documents({"email": "mallory@example.com"}) == 0
    assert db.outbox.count_documents({"kind": "order_confirmation"}) == 35
    assert db.products.find_one({"_id": product["_id"]})["stock"] == 65
    assert db.inventory.find_one({"productId": product["_id"]})["stockLevel"] == 65

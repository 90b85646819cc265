"""Order limits counted by the order transaction itself (shop.security.limits.TransactionCounts): exactly
the limit gets through when a visitor's orders arrive together, a refused order takes no stock and
fails none of the orders batched with it, and a replayed order counts nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo.database import Database

from shop.core.settings import Settings
from shop.ordering.orders import OrderRequest, OrderView
from shop.security.limits import COLLECTION, RateLimited
from shop.services import ShopServices

LIMITS = {"rate_limits": True, "limit_orders_per_visitor": "3/1h", "limit_orders_per_ip": "5/1h"}


@pytest.fixture
def limited(db: Database, settings: Settings) -> Iterator[ShopServices]:
    built = ShopServices.build(db, settings.model_copy(update=LIMITS), background_mail=False)
    yield built
    built.close()


def request_for(product: dict[str, Any]) -> OrderRequest:
    return OrderRequest(
        customerName="Ada Lovelace",
        email="ada@example.com",
        address="12 Analytical Street, London",
        items=[{"productId": str(product["_id"]), "quantity": 1}],
    )


def place(services: ShopServices, product: dict[str, Any], visitor: str, ip: str, key: str) -> OrderView:
    hit = services.security.limits.plan("orders", visitor=visitor, ip=ip)
    return services.checkout.place(request_for(product), channel="api", key=key, limit=hit)


def test_concurrent_orders_of_one_visitor_let_exactly_the_limit_through(
    limited: ShopServices, product_factory: Any
) -> None:
    product = product_factory(stock=50)
    outcomes: list[object] = []
    start = threading.Barrier(10)

    def buyer(n: int) -> None:
        start.wait()
        try:
            outcomes.append(place(limited, product, "visitor-1", "203.0.113.7", f"key-{n}"))
        except RateLimited as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    placed = [o for o in outcomes if isinstance(o, OrderView)]
    refused = [o for o in outcomes if isinstance(o, RateLimited)]
    assert (len(placed), len(refused)) == (3, 7)
    assert all(exc.retry_after > 0 and "several orders" in exc.message for exc in refused)
    assert limited.db.orders.count_documents({}) == 3
    assert limited.db.products.find_one({"_id": product["_id"]})["stock"] == 47  # refused orders took none
    counts = {doc["_id"].split(":")[1]: doc["n"] for doc in limited.db[COLLECTION].find()}
    assert counts == {"visitor": 3, "ip": 3}  # a refused order is counted nowhere


def test_the_address_limit_counts_every_visitor_behind_it(limited: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=50)
    for n in range(5):
        place(limited, product, f"visitor-{n}", "203.0.113.8", f"key-{n}")
    with pytest.raises(RateLimited):
        place(limited, product, "visitor-new", "203.0.113.8", "key-new")
    place(limited, product, "visitor-new", "198.51.100.1", "key-elsewhere")  # another address is not affected
    assert limited.db.orders.count_documents({}) == 6


def test_a_replayed_order_is_not_counted_again(limited: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=50)
    first = place(limited, product, "visitor-2", "203.0.113.9", "same-key")
    for _ in range(4):  # a client retrying one order (timeouts, double clicks) gets the same order back
        again = place(limited, product, "visitor-2", "203.0.113.9", "same-key")
        assert again.id == first.id and again.replayed
    place(limited, product, "visitor-2", "203.0.113.9", "key-2")
    place(limited, product, "visitor-2", "203.0.113.9", "key-3")
    with pytest.raises(RateLimited):  # the 4th order, however many retries came before
        place(limited, product, "visitor-2", "203.0.113.9", "key-4")


def test_a_window_seen_full_is_refused_before_the_transaction(limited: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=50)
    for n in range(3):
        place(limited, product, "visitor-3", "203.0.113.10", f"key-{n}")
    with pytest.raises(RateLimited):
        place(limited, product, "visitor-3", "203.0.113.10", "key-3")
    with pytest.raises(RateLimited):  # known full in this process: refused by `plan`, no order attempted
        limited.security.limits.plan("orders", visitor="visitor-3", ip="203.0.113.10")

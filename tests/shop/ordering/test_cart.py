from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from bson import ObjectId

from shop.core.errors import InvalidInput, NotFound, OutOfStock
from shop.services import ShopServices


def test_add_update_remove(services: ShopServices, product_factory: Any) -> None:
    coffee = product_factory(price=Decimal("11.50"), stock=20)
    tea = product_factory(price=Decimal("6.25"), stock=20)
    carts = services.carts
    carts.add("s1", str(coffee["_id"]), 2)
    carts.add("s1", str(coffee["_id"]), 1)
    cart = carts.add("s1", str(tea["_id"]), 4)
    assert {line.product.id: line.quantity for line in cart.lines} == {str(coffee["_id"]): 3, str(tea["_id"]): 4}
    assert cart.subtotal == Decimal("59.50") and cart.count == 7

    cart = carts.set_quantity("s1", str(coffee["_id"]), 1)
    assert cart.subtotal == Decimal("36.50")
    cart = carts.set_quantity("s1", str(tea["_id"]), 0)
    assert [line.product.id for line in cart.lines] == [str(coffee["_id"])]
    assert carts.view("someone-else").empty


def test_cart_limits(services: ShopServices, product_factory: Any) -> None:
    scarce = product_factory(stock=2, name="Rare Oolong")
    sold_out = product_factory(stock=0, name="Gone")
    big = product_factory(stock=500)
    with pytest.raises(OutOfStock, match="Only 2 of Rare Oolong"):
        services.carts.add("s", str(scarce["_id"]), 3)
    with pytest.raises(OutOfStock, match="sold out"):
        services.carts.add("s", str(sold_out["_id"]), 1)
    with pytest.raises(InvalidInput, match="at most 99"):
        services.carts.set_quantity("s", str(big["_id"]), 100)
    with pytest.raises(InvalidInput):
        services.carts.set_quantity("s", str(big["_id"]), -1)
    with pytest.raises(NotFound):
        services.carts.add("s", "0123456789abcdef01234567", 1)
    with pytest.raises(NotFound):
        services.carts.add("s", '{"$gt": ""}', 1)
    assert services.carts.view("s").empty


def test_cart_explains_products_that_ran_short_or_vanished(services: ShopServices, product_factory: Any) -> None:
    a = product_factory(stock=5, name="Honey")
    b = product_factory(stock=5, name="Jam")
    services.carts.add("s", str(a["_id"]), 4)
    services.carts.add("s", str(b["_id"]), 1)
    services.db.products.update_one({"_id": a["_id"]}, {"$set": {"stock": 2, "updatedAt": a["updatedAt"].now()}})
    services.db.products.update_one(
        {"_id": b["_id"]}, {"$set": {"deletedAt": b["createdAt"], "updatedAt": b["updatedAt"].now()}}
    )
    services.catalog.invalidate()
    cart = services.carts.view("s")
    assert [line.product.name for line in cart.lines] == ["Honey"]
    assert "Only 2 left of Honey." in cart.problems
    assert any("no longer sold" in problem for problem in cart.problems)


def test_concurrent_adds_lose_nothing(services: ShopServices, product_factory: Any) -> None:
    products = [product_factory(stock=50) for _ in range(8)]
    barrier = threading.Barrier(len(products))

    def add(product: dict[str, Any]) -> None:
        barrier.wait()
        services.carts.add("busy", str(product["_id"]), 1)

    threads = [threading.Thread(target=add, args=(p,)) for p in products]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(services.carts.view("busy").lines) == 8


def test_a_change_made_elsewhere_since_this_process_wrote_is_kept(services: ShopServices, product_factory: Any) -> None:
    """The cart this process last wrote is where the next change starts; another tab, process or
    checkout writing in between must not be overwritten by it."""
    first, second, third = (str(product_factory(stock=20)["_id"]) for _ in range(3))
    carts = services.carts
    assert carts.add("tabs", first, 1).count == 1
    services.db.carts.update_one(  # another process adds to the same cart
        {"_id": "tabs"},
        {"$push": {"items": {"productId": ObjectId(second), "quantity": 2}}, "$inc": {"version": 1}},
    )

    cart = carts.add("tabs", third, 1)

    assert {line.product.id: line.quantity for line in cart.lines} == {first: 1, second: 2, third: 1}
    assert carts.count("tabs") == 4
    carts.clear("tabs")
    assert carts.add("tabs", first, 3).count == 3  # after a checkout emptied it, nothing comes back
    assert services.db.carts.find_one({"_id": "tabs"})["items"] == [{"productId": ObjectId(first), "quantity": 3}]


def test_a_visitors_next_change_and_badge_need_no_read(
    services: ShopServices, product_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = (str(product_factory(stock=20)["_id"]) for _ in range(2))
    carts = services.carts
    carts.add("quick", first, 1)
    reads: list[str] = []
    read = carts._items
    monkeypatch.setattr(carts, "_items", lambda session_id: reads.append(session_id) or read(session_id))

    assert carts.add("quick", second, 2).count == 3
    assert carts.count("quick") == 3

    assert reads == []
    assert services.db.carts.find_one({"_id": "quick"})["version"] == 2

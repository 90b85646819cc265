"""The order history: consistent lines and totals, statuses by age, ~30 orders a day with weekend peaks."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from demo.seed import DemoShop
from tests.support.sample_shop import TODAY, sample_shop

ORDER_ID = re.compile(r"^ORD-[0-9A-HJKMNP-TV-Z]{8}$")


@pytest.fixture
def shop() -> DemoShop:
    return sample_shop()


def test_orders_are_consistent(shop: DemoShop) -> None:
    products = {p["_id"]: p for p in shop.products}
    customers = {c["email"]: c for c in shop.customers}
    ids = [o["_id"] for o in shop.orders]
    assert len(set(ids)) == len(ids)
    for order in shop.orders:
        assert ORDER_ID.match(order["_id"]), order["_id"]
        assert 1 <= len(order["products"]) <= 4
        assert len({line["productId"] for line in order["products"]}) == len(order["products"])
        total = Decimal("0.00")
        for line in order["products"]:
            product = products[line["productId"]]
            assert line["name"] == product["name"]
            assert 1 <= line["quantity"] <= 3
            assert isinstance(line["unitPrice"], Decimal) and line["unitPrice"] > 0
            total += line["unitPrice"] * line["quantity"]
        assert order["totalAmount"] == total
        customer = customers[order["email"]]
        assert (order["customerName"], order["email"], order["address"]) == (
            customer["name"],
            customer["email"],
            customer["address"],
        )
        assert customer["createdAt"] <= order["createdAt"]
        assert TODAY - timedelta(days=366) <= order["createdAt"] <= order["updatedAt"] < TODAY
        assert "idempotencyKey" not in order


def test_order_statuses_follow_the_age_of_the_order(shop: DemoShop) -> None:
    statuses = Counter(o["status"] for o in shop.orders)
    assert statuses["completed"] > 0.85 * len(shop.orders)
    assert statuses["cancelled"] > 0
    recent = {o["status"] for o in shop.orders if o["createdAt"] > TODAY - timedelta(days=3)}
    assert {"pending", "confirmed", "shipped"} <= recent
    old = {o["status"] for o in shop.orders if o["createdAt"] < TODAY - timedelta(days=8)}
    assert old == {"completed", "cancelled"}
    assert all((o.get("deliveredAt") == o["updatedAt"]) == (o["status"] == "completed") for o in shop.orders)


def test_orders_per_day_and_weekend_uplift(shop: DemoShop) -> None:
    daily = Counter(o["createdAt"].date() for o in shop.orders)
    assert 25 <= statistics.mean(daily.values()) <= 40
    by_weekday: dict[int, list[int]] = defaultdict(list)
    for day, count in daily.items():
        by_weekday[day.weekday()].append(count)
    weekdays = statistics.mean(c for d in range(4) for c in by_weekday[d])
    weekend = statistics.mean(c for d in (5, 6) for c in by_weekday[d])
    assert weekend > 1.25 * weekdays

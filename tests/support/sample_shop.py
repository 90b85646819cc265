"""The demo shop the tests under tests/demo read, built once per test session, and helpers to query it.

Building the 160-product shop takes about a second; the test modules only read it, so they share one
build instead of paying for it in each module.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from functools import cache
from typing import Any

from demo.seed import DemoShop, build_demo_shop

NOW = datetime(2025, 11, 20, 15, 30, tzinfo=UTC)
TODAY = datetime(2025, 11, 20, tzinfo=UTC)
ATTRIBUTE_KEYS = {
    "coffee": {"origin", "roast", "process", "caffeine", "weight", "notes"},
    "tea": {"origin", "type", "caffeine", "weight", "notes"},
    "food": {"weight", "diet", "ingredients"},
    "beauty": {"skinType", "volume", "keyIngredients", "scent"},
}


@cache
def sample_shop() -> DemoShop:
    """`build_demo_shop(now=NOW)`: the default demo shop at a fixed moment. Do not modify it."""
    return build_demo_shop(now=NOW)


def by_slug(shop: DemoShop) -> dict[str, dict[str, Any]]:
    return {p["slug"]: p for p in shop.products}


def order_slug_sets(shop: DemoShop) -> list[set[str]]:
    slugs = {p["_id"]: p["slug"] for p in shop.products}
    return [{slugs[line["productId"]] for line in order["products"]} for order in shop.orders]


def units_by_month(shop: DemoShop, slug: str) -> Counter[int]:
    product_id = by_slug(shop)[slug]["_id"]
    months: Counter[int] = Counter()
    for order in shop.orders:
        for line in order["products"]:
            if line["productId"] == product_id:
                months[order["createdAt"].month] += line["quantity"]
    return months

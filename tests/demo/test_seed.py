"""build_demo_shop is deterministic and sized as documented; seed_demo_shop fills an empty database.

The pure tests build the shop in memory (fast); the one database test seeds a real SecantusDB through
the shared `db` fixture.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pymongo.database import Database

from demo.seed import DemoShop, DemoShopError, build_demo_shop, seed_demo_shop
from tests.support.sample_shop import ATTRIBUTE_KEYS, NOW, TODAY, sample_shop


@pytest.fixture
def shop() -> DemoShop:
    return sample_shop()


def test_two_builds_with_the_same_arguments_are_identical(shop: DemoShop) -> None:
    again = build_demo_shop(now=NOW)
    assert again == shop
    assert [p["_id"] for p in again.products] == [p["_id"] for p in shop.products]


def test_a_different_random_stream_gives_a_different_shop() -> None:
    first = build_demo_shop(n_products=30, seed=1, now=NOW, months=1)
    second = build_demo_shop(n_products=30, seed=2, now=NOW, months=1)
    assert [p["name"] for p in first.products] != [p["name"] for p in second.products]


def test_now_is_truncated_to_the_day() -> None:
    morning = build_demo_shop(n_products=20, now=TODAY + timedelta(hours=1), months=1)
    evening = build_demo_shop(n_products=20, now=TODAY + timedelta(hours=23, minutes=59), months=1)
    assert morning == evening
    assert max(o["createdAt"] for o in morning.orders) < TODAY


def test_default_counts(shop: DemoShop) -> None:
    assert len(shop.products) == 160
    assert len(shop.inventory) == 160
    assert len(shop.customers) == 400
    assert 6.5 <= len(shop.reviews) / len(shop.products) <= 10
    assert 9_000 <= len(shop.orders) <= 15_000
    assert len(shop.images) == 160


@pytest.mark.parametrize("n_products", [1, 4, 17, 40])
def test_small_catalogs_build(n_products: int) -> None:
    small = build_demo_shop(n_products=n_products, now=NOW, months=1)
    assert len(small.products) == n_products
    if n_products >= 4:
        assert {p["category"] for p in small.products} == set(ATTRIBUTE_KEYS)


def test_seed_demo_shop_into_an_empty_database(db: Database, tmp_path: Path) -> None:
    try:
        messages: list[str] = []
        counts = seed_demo_shop(db, tmp_path / "media", n_products=40, now=NOW, progress=messages.append)
        for collection in ("products", "inventory", "customers", "reviews", "orders"):
            assert db[collection].count_documents({}) == counts[collection] > 0
        # VARIANTS: 40 products, 4 of which have a variant (another size or grind) stored as a product.
        assert counts["products"] == 40 + counts["variants"] and counts["variants"] == 4
        assert counts["images"] == 40
        assert messages
        expected = build_demo_shop(n_products=40, now=NOW)
        stored = db.products.find_one({"slug": expected.products[0]["slug"]})
        assert stored is not None
        assert stored["price"] == expected.products[0]["price"] and isinstance(stored["price"], Decimal)
        order = db.orders.find_one({"_id": expected.orders[-1]["_id"]})
        assert order is not None and order["totalAmount"] == expected.orders[-1]["totalAmount"]
        files = sorted((tmp_path / "media" / "products").glob("*.svg"))
        assert len(files) == 40
        ET.fromstring(files[0].read_bytes())  # noqa: S314 - written by the seed a moment ago
        with pytest.raises(DemoShopError):
            seed_demo_shop(db, tmp_path / "media", n_products=40, now=NOW)
    finally:
        # SecantusDB drops a collection at ~150 documents/s (11k orders: ~75 s) but empties it with
        # delete_many in ~2 s, so empty first and let the fixture's drop_database find nothing left.
        for name in db.list_collection_names():
            db[name].delete_many({})

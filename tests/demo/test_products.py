"""Product and inventory documents: the fields the shop reads, attributes per category, varied descriptions, stock."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from bson import ObjectId

from demo.seed import DemoShop
from shop.core.text import slugify
from tests.support.sample_shop import ATTRIBUTE_KEYS, TODAY, by_slug, sample_shop

SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
PRODUCT_KEYS = {
    "_id",
    "slug",
    "name",
    "description",
    "category",
    "price",
    "stock",
    "imageUrl",
    "tags",
    "attributes",
    "supplier",
    "leadTimeDays",
    "featured",
    "rating",
    "reviewCount",
    "createdAt",
    "updatedAt",
    "deletedAt",
}


@pytest.fixture
def shop() -> DemoShop:
    return sample_shop()


def test_product_documents_have_the_fields_the_shop_reads(shop: DemoShop) -> None:
    for p in shop.products:
        assert set(p) == PRODUCT_KEYS
        assert isinstance(p["_id"], ObjectId)
        assert p["slug"] == slugify(p["name"])
        assert p["imageUrl"] == f"/media/products/{p['slug']}.svg"
        assert isinstance(p["price"], Decimal) and p["price"] == p["price"].quantize(Decimal("0.01"))
        assert Decimal("4.50") <= p["price"] <= Decimal("45.00")
        assert isinstance(p["stock"], int) and p["stock"] >= 0
        assert p["tags"] and all(t == t.lower() and " " not in t for t in p["tags"])
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in p["attributes"].items())
        assert p["supplier"] and 3 <= p["leadTimeDays"] <= 21
        assert p["deletedAt"] is None
        assert p["createdAt"] <= p["updatedAt"] < TODAY
        assert p["createdAt"].tzinfo is not None
    assert len({p["slug"] for p in shop.products}) == len(shop.products)
    assert len({p["name"] for p in shop.products}) == len(shop.products)
    assert 10 <= sum(p["featured"] for p in shop.products) <= 12


def test_attributes_fit_the_category(shop: DemoShop) -> None:
    for p in shop.products:
        attrs = p["attributes"]
        assert set(attrs) == ATTRIBUTE_KEYS[p["category"]], p["name"]
        if p["category"] == "coffee":
            assert attrs["caffeine"] in {"caffeinated", "decaf"}
            assert attrs["roast"] in {"light", "medium", "medium-dark", "dark"}
        if p["category"] == "tea":
            assert attrs["type"] in {"black", "green", "white", "oolong", "herbal", "rooibos"}
            expected = {"none"} if attrs["type"] in {"herbal", "rooibos"} else {"low", "medium", "high"}
            assert attrs["caffeine"] in expected
    decaf = by_slug(shop)["colombia-huila-decaf"]
    assert decaf["attributes"]["caffeine"] == "decaf"


def test_descriptions_have_two_to_four_varied_sentences(shop: DemoShop) -> None:
    counts = Counter(len(SENTENCE_END.findall(p["description"])) for p in shop.products)
    assert set(counts) <= {2, 3, 4}
    assert len(counts) == 3  # all three lengths occur
    assert len({p["description"] for p in shop.products}) == len(shop.products)


def test_stock_has_sold_out_and_low_items_and_inventory_mirrors_it(shop: DemoShop) -> None:
    stocks = [p["stock"] for p in shop.products]
    assert sum(s == 0 for s in stocks) >= 3
    assert sum(1 <= s <= 3 for s in stocks) >= 3
    assert sum(5 <= s <= 120 for s in stocks) >= 0.85 * len(stocks)
    products = {p["_id"]: p for p in shop.products}
    assert len({i["productId"] for i in shop.inventory}) == len(shop.products)
    for item in shop.inventory:
        product = products[item["productId"]]
        assert item["stockLevel"] == product["stock"]
        assert item["restockAlert"] is (product["stock"] <= 5)
        assert item["predictedDemand"] is None
        assert TODAY - timedelta(days=45) < item["lastRestocked"] < TODAY

"""The demo shop generator: deterministic, contract-shaped, and with demand a model can learn.

The pure tests build the shop in memory (fast); the one database test seeds a real SecantusDB through
the shared `db` fixture.
"""

from __future__ import annotations

import re
import statistics
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from demo.generator import ANCHOR_PAIRS, DemoShop, DemoShopError, build_demo_shop, seed_demo_shop, slugify

NOW = datetime(2025, 11, 20, 15, 30, tzinfo=UTC)
TODAY = datetime(2025, 11, 20, tzinfo=UTC)
SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
ORDER_ID = re.compile(r"^ORD-[0-9A-HJKMNP-TV-Z]{8}$")
ATTRIBUTE_KEYS = {
    "coffee": {"origin", "roast", "process", "caffeine", "weight", "notes"},
    "tea": {"origin", "type", "caffeine", "weight", "notes"},
    "food": {"weight", "diet", "ingredients"},
    "beauty": {"skinType", "volume", "keyIngredients", "scent"},
}
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


@pytest.fixture(scope="module")
def shop() -> DemoShop:
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


# --- determinism and size ----------------------------------------------------------------------------


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


def test_2000_products_have_distinct_names_and_slugs() -> None:
    started = time.perf_counter()
    big = build_demo_shop(n_products=2000, now=NOW)
    elapsed = time.perf_counter() - started
    names = [p["name"] for p in big.products]
    slugs = [p["slug"] for p in big.products]
    assert len(names) == len(set(names)) == 2000
    assert len(slugs) == len(set(slugs)) == 2000
    assert all(slugify(p["name"]) == p["slug"] for p in big.products)
    assert elapsed < 30, f"building 2,000 products took {elapsed:.1f} s"  # ~2 s on the 2-core dev box


@pytest.mark.parametrize("n_products", [1, 4, 17, 40])
def test_small_catalogs_build(n_products: int) -> None:
    small = build_demo_shop(n_products=n_products, now=NOW, months=1)
    assert len(small.products) == n_products
    if n_products >= 4:
        assert {p["category"] for p in small.products} == set(ATTRIBUTE_KEYS)


# --- products ----------------------------------------------------------------------------------------


def test_every_category_and_the_named_anchor_products_exist(shop: DemoShop) -> None:
    counts = Counter(p["category"] for p in shop.products)
    assert set(counts) == {"coffee", "tea", "food", "beauty"}
    assert min(counts.values()) >= 20
    names = {p["name"] for p in shop.products}
    for name in (
        "Ethiopia Yirgacheffe Washed",
        "Colombia Huila Decaf",
        "Darjeeling First Flush",
        "Chamomile & Lavender Herbal Blend",
        "Dark Chocolate 72% Sea Salt",
        "Shea Butter Hand Cream",
    ):
        assert name in names


def test_product_documents_follow_the_contract(shop: DemoShop) -> None:
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


def test_caffeine_free_herbal_teas_under_15_dollars_exist(shop: DemoShop) -> None:
    sleepy = [
        p
        for p in shop.products
        if p["category"] == "tea" and p["attributes"]["caffeine"] == "none" and p["price"] < 15
    ]
    assert len(sleepy) >= 5
    assert any("sleep" in p["tags"] and "sleep" in p["description"] for p in sleepy)


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


# --- customers and reviews ---------------------------------------------------------------------------


def test_customers_have_unique_lowercase_example_emails(shop: DemoShop) -> None:
    emails = [c["email"] for c in shop.customers]
    assert len(set(emails)) == len(emails)
    assert all(e == e.lower() and e.endswith(("@example.com", "@example.org")) for e in emails)
    assert all(c["name"].count(" ") >= 1 and c["address"].count(",") >= 2 for c in shop.customers)


def test_rating_and_review_count_equal_the_visible_reviews(shop: DemoShop) -> None:
    visible: dict[ObjectId, list[int]] = defaultdict(list)
    for review in shop.reviews:
        assert 1 <= review["rating"] <= 5
        assert review["text"] and review["authorName"]
        assert (review["customerId"] is None) != (review["visitorId"] is None)
        if not review["hidden"]:
            visible[review["productId"]].append(review["rating"])
    assert any(r["hidden"] for r in shop.reviews)
    for p in shop.products:
        ratings = visible.get(p["_id"], [])
        assert p["reviewCount"] == len(ratings)
        assert p["rating"] == (round(sum(ratings) / len(ratings), 2) if ratings else 0.0)
    no_reviews = sum(p["reviewCount"] == 0 for p in shop.products)
    assert 0 < no_reviews < len(shop.products) * 0.25


def test_ratings_follow_the_hidden_quality(shop: DemoShop) -> None:
    pairs = [(shop.truth[p["slug"]]["quality"], p["rating"]) for p in shop.products if p["reviewCount"] >= 5]
    assert statistics.correlation([q for q, _ in pairs], [r for _, r in pairs]) > 0.5


def test_reviews_mention_product_attributes(shop: DemoShop) -> None:
    products = {p["_id"]: p for p in shop.products}
    mentions = 0
    for review in shop.reviews:
        attrs = products[review["productId"]]["attributes"]
        words = {w.strip() for v in attrs.values() for w in v.split(",")}
        mentions += any(w and w in review["text"] for w in words)
    assert mentions > len(shop.reviews) * 0.3


# --- orders and demand -------------------------------------------------------------------------------


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


def test_orders_per_day_and_weekend_uplift(shop: DemoShop) -> None:
    daily = Counter(o["createdAt"].date() for o in shop.orders)
    assert 25 <= statistics.mean(daily.values()) <= 40
    by_weekday: dict[int, list[int]] = defaultdict(list)
    for day, count in daily.items():
        by_weekday[day.weekday()].append(count)
    weekdays = statistics.mean(c for d in range(4) for c in by_weekday[d])
    weekend = statistics.mean(c for d in (5, 6) for c in by_weekday[d])
    assert weekend > 1.25 * weekdays


def test_planted_pairs_are_bought_together_far_more_than_chance(shop: DemoShop) -> None:
    baskets = order_slug_sets(shop)
    counts = Counter(slug for basket in baskets for slug in basket)
    names = {p["name"]: p["slug"] for p in shop.products}
    planted = set(shop.bought_together)
    for a_name, b_name in ANCHOR_PAIRS:
        assert (names[a_name], names[b_name]) in planted or (names[b_name], names[a_name]) in planted
    for a, b in shop.bought_together:
        both = sum(1 for basket in baskets if a in basket and b in basket)
        expected = counts[a] * counts[b] / len(baskets)
        assert both >= 20 and both > 4 * expected, (a, b, both, expected)
    espresso, biscotti = names["House Espresso Roast"], names["Almond Biscotti"]
    with_espresso = [b for b in baskets if espresso in b]
    assert sum(biscotti in b for b in with_espresso) / len(with_espresso) > 0.4


def test_summer_and_winter_products_peak_in_their_season(shop: DemoShop) -> None:
    cold_brew = units_by_month(shop, "cold-brew-blend")
    assert sum(cold_brew[m] for m in (6, 7, 8)) > 2 * sum(cold_brew[m] for m in (12, 1, 2))
    winter = [slug for slug, t in shop.truth.items() if t["season"] == "winter" and t["launchedAt"] is None]
    totals: Counter[int] = Counter()
    for slug in winter:
        totals.update(units_by_month(shop, slug))
    assert sum(totals[m] for m in (12, 1, 2)) > 1.3 * sum(totals[m] for m in (6, 7, 8))


def test_growing_and_declining_products_show_their_trend(shop: DemoShop) -> None:
    start = TODAY - timedelta(days=365)
    first, last = start + timedelta(days=120), TODAY - timedelta(days=120)
    products = {p["_id"]: p["slug"] for p in shop.products}
    early: Counter[str] = Counter()
    late: Counter[str] = Counter()
    for order in shop.orders:
        bucket = early if order["createdAt"] < first else late if order["createdAt"] >= last else None
        if bucket is not None:
            for line in order["products"]:
                bucket[products[line["productId"]]] += line["quantity"]

    def ratio(slugs: list[str]) -> float:
        return sum(late[s] for s in slugs) / max(1, sum(early[s] for s in slugs))

    growing = [s for s, t in shop.truth.items() if t["trend"] > 0.7 and t["launchedAt"] is None and not t["season"]]
    declining = [s for s, t in shop.truth.items() if t["trend"] < -0.7 and t["launchedAt"] is None and not t["season"]]
    assert growing and declining
    assert ratio(growing) > 1.4
    assert ratio(declining) < 0.75


def test_sparse_sellers_sell_only_a_few_a_month(shop: DemoShop) -> None:
    sparse = [s for s, t in shop.truth.items() if t["sparse"] and t["launchedAt"] is None]
    assert len(sparse) >= 5
    for slug in sparse:
        yearly = sum(units_by_month(shop, slug).values())
        assert 5 <= yearly <= 90, (slug, yearly)


# --- images ------------------------------------------------------------------------------------------


def test_images_are_small_valid_svg_named_after_the_product(shop: DemoShop) -> None:
    for p in shop.products:
        svg = shop.images[p["imageUrl"].removeprefix("/media/")]
        assert 800 <= len(svg) <= 3500
        root = ET.fromstring(svg)  # noqa: S314 - our own generated SVG, not untrusted input
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        title = root.find("{http://www.w3.org/2000/svg}title")
        assert title is not None and title.text == p["name"]


# --- seeding a real database -------------------------------------------------------------------------


def test_seed_demo_shop_into_an_empty_database(db: Database, tmp_path: Path) -> None:
    try:
        messages: list[str] = []
        counts = seed_demo_shop(db, tmp_path / "media", n_products=40, now=NOW, progress=messages.append)
        for collection in ("products", "inventory", "customers", "reviews", "orders"):
            assert db[collection].count_documents({}) == counts[collection] > 0
        assert counts["products"] == 40 and counts["images"] == 40
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

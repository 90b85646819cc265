"""Recommendations on tiny handmade histories whose right answers are known.

The co-purchase statistics are pure Python and tested on plain order documents; the database-backed
index, the recommender's blending and the keyword-only fallbacks run against the real SecantusDB.
One test uses the real MiniLM embeddings (the session's, from tests/fixtures.py) for "similar products".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from shop.discovery.hybrid import HybridSearch
from shop.discovery.index_sync import ProductIndex
from shop.discovery.interactions import Interaction
from shop.discovery.recommendations import Blend, CoPurchaseIndex, CoPurchaseStats, Recommender, basket_of
from shop.services import ShopServices

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def order(order_id: str, *items: str, status: str = "completed", days_ago: float = 1.0) -> dict[str, Any]:
    at = NOW - timedelta(days=days_ago)
    return {
        "_id": order_id,
        "status": status,
        "products": [{"productId": item, "quantity": 1} for item in items],
        "createdAt": at,
        "updatedAt": at,
    }


# --- co-purchase statistics ---------------------------------------------------------------------


def test_cancelled_orders_and_repeated_lines_count_for_nothing_extra() -> None:
    assert basket_of(order("o1", "a", "b", "a")) == frozenset({"a", "b"})
    assert basket_of(order("o2", "a", "b", status="cancelled")) == frozenset()


def test_bought_together_is_cosine_over_orders_with_minimum_support() -> None:
    history = [
        *(order(f"ab{i}", "a", "b") for i in range(3)),  # a+b three times
        order("ac", "a", "c"),  # once: below the minimum support of 2
        *(order(f"ad{i}", "a", "d", status="cancelled") for i in range(5)),  # cancelled: ignored
        *(order(f"ae{i}", "a", "e") for i in range(2)),  # twice, but e is a bestseller
        *(order(f"e{i}", "e") for i in range(20)),
    ]
    stats = CoPurchaseStats.from_orders(history, now=NOW)
    related = dict(stats.related("a"))
    assert set(related) == {"b", "e"}
    # a: 6 orders, b: 3, e: 22 -> cos(a,b) = 3/sqrt(18) ~ 0.71, cos(a,e) = 2/sqrt(132) ~ 0.17
    assert related["b"] == pytest.approx(3 / (6 * 3) ** 0.5)
    assert related["e"] == pytest.approx(2 / (6 * 22) ** 0.5)
    assert [item for item, _ in stats.related("a")] == ["b", "e"]
    assert stats.related("d") == []
    assert stats.order_count == 26


def test_incremental_updates_equal_a_rebuild() -> None:
    first = [order("o1", "a", "b"), order("o2", "a", "b"), order("o3", "b", "c"), order("o4", "b", "c")]
    stats = CoPurchaseStats.from_orders(first, now=NOW)
    assert [i for i, _ in stats.related("b")] == ["a", "c"] or [i for i, _ in stats.related("b")] == ["c", "a"]
    changes = [order("o2", "a", "b", status="cancelled"), order("o5", "b", "c")]
    touched = stats.apply(changes)
    stats.finish(touched, now=NOW)
    rebuilt = CoPurchaseStats.from_orders([first[0], changes[0], first[2], first[3], changes[1]], now=NOW)
    assert stats.neighbours == rebuilt.neighbours
    assert stats.item_orders == rebuilt.item_orders
    assert stats.related("a") == []  # a+b now shares only one order


def test_related_version_moves_only_when_neighbours_change() -> None:
    """Pages showing "bought together" are kept until this version moves (the product page cache)."""
    baskets = [order("o1", "a", "b"), order("o2", "a", "b")]
    stats = CoPurchaseStats.from_orders(baskets, now=NOW)
    built = stats.related_version
    assert built > CoPurchaseStats().related_version == 0
    stats.finish(stats.apply(baskets), now=NOW)  # re-read orders (the sync overlap): nothing changed
    stats.finish(set(), now=NOW)
    assert stats.related_version == built
    stats.finish(stats.apply([order("o3", "a", "c"), order("o4", "a", "c")]), now=NOW)
    assert stats.related_version > built and [i for i, _ in stats.related("c")] == ["a"]
    rebuilt = CoPurchaseStats.from_orders(baskets, now=NOW)  # same data, but another object: a new version
    assert rebuilt.related_version not in (built, stats.related_version)


def test_trending_decays_with_age() -> None:
    history = [*(order(f"old{i}", "old", days_ago=60) for i in range(6)), *(order(f"new{i}", "new") for i in range(3))]
    stats = CoPurchaseStats.from_orders(history, now=NOW, half_life_days=14)
    assert stats.trending["new"] > stats.trending["old"]  # 3 recent beat 6 from two months ago


# --- the database-backed index ------------------------------------------------------------------


def test_index_follows_new_and_cancelled_orders(db: Database) -> None:
    a, b, c = (ObjectId() for _ in range(3))
    now = datetime.now(UTC)

    def doc(items: list[ObjectId], status: str = "completed") -> dict[str, Any]:
        return {
            "_id": f"ORD-{ObjectId()}",
            "status": status,
            "products": [{"productId": pid, "quantity": 1} for pid in items],
            "createdAt": now,
            "updatedAt": now,
        }

    db.orders.insert_many([doc([a, b]), doc([a, b]), doc([a, c])])
    index = CoPurchaseIndex(db)
    index.refresh()
    assert [pid for pid, _ in index.stats.related(str(a))] == [str(b)]

    late = [doc([a, c]), doc([a, c]), doc([a, c])]
    db.orders.insert_many(late)
    db.orders.update_many({"products.productId": b}, {"$set": {"status": "cancelled", "updatedAt": datetime.now(UTC)}})
    index.refresh()  # incremental: reads orders by updatedAt
    assert [pid for pid, _ in index.stats.related(str(a))] == [str(c)]
    full = CoPurchaseIndex(db)
    full.refresh(full=True)
    assert full.stats.neighbours == index.stats.neighbours


# --- the recommender ----------------------------------------------------------------------------


@pytest.fixture
def little_shop(services: ShopServices, product_factory: Any) -> dict[str, str]:
    """Espresso is bought with biscotti, matcha with honey; the chocolate is sold out."""
    docs = {
        "espresso": product_factory(name="House Espresso", category="coffee", tags=["espresso"]),
        "biscotti": product_factory(name="Almond Biscotti", category="food", tags=["biscuits"]),
        "matcha": product_factory(name="Ceremonial Matcha", category="tea", tags=["green"]),
        "honey": product_factory(name="Acacia Honey", category="food", tags=["honey"]),
        "chocolate": product_factory(name="Dark Chocolate", category="food", tags=["chocolate"], stock=0),
        "decaf": product_factory(name="Decaf Espresso", category="coffee", tags=["espresso", "decaf"]),
        "bestseller": product_factory(name="Breakfast Tea", category="tea", tags=["black"]),
    }
    ids = {name: str(d["_id"]) for name, d in docs.items()}
    now = datetime.now(UTC)
    orders = []

    def add(*names: str, n: int, days_ago: float = 2) -> None:
        for _ in range(n):
            at = now - timedelta(days=days_ago)
            orders.append(
                {
                    "_id": f"ORD-{ObjectId()}",
                    "status": "completed",
                    "products": [{"productId": docs[name]["_id"], "quantity": 1} for name in names],
                    "createdAt": at,
                    "updatedAt": at,
                }
            )

    add("espresso", "biscotti", n=4)
    add("espresso", "chocolate", n=4)
    add("matcha", "honey", n=3)
    add("bestseller", n=12)
    services.db.orders.insert_many(orders)
    services.copurchase.refresh()
    return ids


def test_bought_together_lists_partners_in_stock_first(services: ShopServices, little_shop: dict[str, str]) -> None:
    together = services.recommender.bought_together(little_shop["espresso"])
    assert [p.name for p in together] == ["Almond Biscotti", "Dark Chocolate"]  # sold out goes last
    assert services.recommender.bought_together(little_shop["decaf"]) == []


def test_recommended_for_you_follows_the_history_and_skips_cart_and_sold_out(
    services: ShopServices, little_shop: dict[str, str]
) -> None:
    now = datetime.now(UTC)
    history = [Interaction("view", little_shop["matcha"], None, now - timedelta(hours=1))]
    recs = services.recommender.for_visitor("v1", 3, history=history)
    assert recs.personal
    assert recs.items[0].name == "Acacia Honey"  # matcha's partner

    history = [Interaction("purchase", little_shop["espresso"], None, now - timedelta(days=1))]
    recs = services.recommender.for_visitor("v1", 5, history=history, cart=[little_shop["biscotti"]])
    names = [p.name for p in recs.items]
    assert "Almond Biscotti" not in names  # already in the cart
    assert "Dark Chocolate" not in names  # sold out
    assert "Decaf Espresso" in names  # content: same kind of coffee


def test_visitor_without_history_gets_trending(services: ShopServices, little_shop: dict[str, str]) -> None:
    recs = services.recommender.for_visitor("nobody", 3, history=[])
    assert not recs.personal
    assert recs.items[0].name == "Breakfast Tea"


def test_profile_weights_purchases_over_views_and_fades(services: ShopServices, little_shop: dict[str, str]) -> None:
    now = datetime.now(UTC)
    profile = services.recommender.profile(
        [
            Interaction("view", little_shop["matcha"], None, now),
            Interaction("purchase", little_shop["honey"], None, now),
            Interaction("purchase", little_shop["decaf"], None, now - timedelta(days=60)),
            Interaction("search", None, "biscotti", now),
        ],
        now=now,
    )
    assert profile[little_shop["honey"]] > profile[little_shop["matcha"]] > profile[little_shop["decaf"]]
    assert profile[little_shop["biscotti"]] > 0  # a search counts for what it finds


def test_similar_without_embeddings_uses_term_overlap(services: ShopServices, little_shop: dict[str, str]) -> None:
    similar = services.recommender.similar(little_shop["espresso"], 2)
    assert similar[0].name == "Decaf Espresso"


def test_copurchase_only_blend_is_deterministic(services: ShopServices, little_shop: dict[str, str]) -> None:
    recommender = Recommender(
        services.catalog, services.search, services.copurchase, blend=Blend(copurchase=1, content=0, popularity=0)
    )
    items = recommender.recommend({little_shop["espresso"]: 1.0}, 5)
    assert [p.name for p in items] == ["Almond Biscotti"]


# --- with the real embeddings -------------------------------------------------------------------


def test_similar_products_are_embedding_neighbours_in_stock_first(
    services: ShopServices, product_factory: Any, tmp_path: Path, embedding: Any
) -> None:
    from vectorstore import ProductVectorStore

    chamomile = product_factory(
        name="Chamomile Bedtime Tea", category="tea", description="Calming herbal tea for sleep."
    )
    product_factory(
        name="Lavender Sleep Tisane", category="tea", description="Herbal tea that helps you sleep.", stock=0
    )
    product_factory(
        name="Valerian Night Blend", category="tea", description="Caffeine-free herbal tea for a calm night."
    )
    product_factory(name="Espresso Forte", category="coffee", description="Strong dark roast for espresso.")
    store = ProductVectorStore(tmp_path / "chroma", embedding=embedding)
    ProductIndex(store).sync(services.catalog)
    recommender = Recommender(services.catalog, HybridSearch(store), services.copurchase)
    names = [p.name for p in recommender.similar(str(chamomile["_id"]), 3)]
    # The closest buyable product first; the sold-out near twin is still shown, after those in stock.
    assert names == ["Valerian Night Blend", "Espresso Forte", "Lavender Sleep Tisane"]

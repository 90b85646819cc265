"""The planted demand is learnable from the orders alone: pairs, seasons, trends and sparse sellers show."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from demo.demand import ANCHOR_PAIRS
from demo.seed import DemoShop
from tests.support.sample_shop import TODAY, order_slug_sets, sample_shop, units_by_month


@pytest.fixture
def shop() -> DemoShop:
    return sample_shop()


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

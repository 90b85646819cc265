"""Reviews: product ratings equal their visible reviews, follow the hidden quality and mention the product."""

from __future__ import annotations

import statistics
from collections import defaultdict

import pytest
from bson import ObjectId

from demo.seed import DemoShop
from tests.support.sample_shop import sample_shop


@pytest.fixture
def shop() -> DemoShop:
    return sample_shop()


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

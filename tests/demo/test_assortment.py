"""The assortment: every category and its anchors are stocked, and even 2,000 products keep distinct names."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from demo.seed import DemoShop, build_demo_shop
from shop.core.text import slugify
from tests.support.sample_shop import NOW, sample_shop


@pytest.fixture
def shop() -> DemoShop:
    return sample_shop()


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

"""Tea recipes: the herbal teas a shopper asks for at bedtime exist, cheap and caffeine-free."""

from __future__ import annotations

import pytest

from demo.seed import DemoShop
from tests.support.sample_shop import sample_shop


@pytest.fixture
def shop() -> DemoShop:
    return sample_shop()


def test_caffeine_free_herbal_teas_under_15_dollars_exist(shop: DemoShop) -> None:
    sleepy = [
        p for p in shop.products if p["category"] == "tea" and p["attributes"]["caffeine"] == "none" and p["price"] < 15
    ]
    assert len(sleepy) >= 5
    assert any("sleep" in p["tags"] and "sleep" in p["description"] for p in sleepy)

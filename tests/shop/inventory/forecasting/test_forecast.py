"""A forecast of the products asked for, against a real database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pymongo.database import Database

from shop.core.errors import InvalidInput
from shop.inventory.forecasting.forecast import forecast
from shop.inventory.forecasting.sales_history import SalesHistory
from tests.support.sales import NOW, TODAY, sell


def test_steady_seller_is_forecast_at_its_rate(db: Database, product_factory: Any) -> None:
    product = product_factory()
    sell(db, product["_id"], [10] * 90)

    result = forecast(SalesHistory(db), horizon_days=14, now=NOW)

    item = result.get(str(product["_id"]))
    assert item is not None
    assert item.seller_class == "regular"
    assert item.dates[0] == TODAY and len(item.point) == 14
    assert item.point == pytest.approx([10.0] * 14, abs=0.5)
    assert item.total == pytest.approx(140, abs=5)
    assert all(lo <= p <= hi for lo, p, hi in zip(item.lower, item.point, item.upper, strict=True))
    assert item.history[-1] == 10 and item.history_dates[-1] == TODAY - timedelta(days=1)


def test_product_without_sales_is_listed_with_zero_demand(db: Database, product_factory: Any) -> None:
    silent = product_factory(category="tea")
    product_factory(category="coffee")

    result = forecast(SalesHistory(db), horizon_days=7, now=NOW, category="tea")

    assert [p.product_id for p in result.products] == [str(silent["_id"])]
    assert result.products[0].seller_class == "inactive"
    assert result.products[0].total == 0


def test_bad_arguments_are_refused_with_a_readable_error(db: Database) -> None:
    with pytest.raises(InvalidInput, match="not a product id"):
        forecast(SalesHistory(db), horizon_days=7, product_ids=["nope"])
    with pytest.raises(InvalidInput, match="horizon"):
        forecast(SalesHistory(db), horizon_days=0)

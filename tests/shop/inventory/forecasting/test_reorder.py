"""Reorder advice: the formula by hand, and suggestions from a forecast of the database."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from pymongo.database import Database

from shop.inventory.forecasting.forecast import ProductForecast
from shop.inventory.forecasting.reorder import reorder_suggestion, reorder_suggestions
from shop.inventory.forecasting.sales_history import SalesHistory
from tests.support.sales import NOW, TODAY, sell


def test_reorder_formula_by_hand() -> None:
    item = ProductForecast(
        product_id="p",
        name="Acacia Honey",
        category="food",
        supplier="Bees Ltd",
        stock=10,
        lead_time_days=4,
        low_stock_threshold=None,
        seller_class="regular",
        model="AutoETS(A,N,A)",
        dates=[TODAY + timedelta(days=i) for i in range(30)],
        point=[3.0] * 30,
        lower=[1.0] * 30,
        upper=[5.0] * 30,
        history_start=None,
        history=[],
        demand_sd=2.0,
    )

    advice = reorder_suggestion(item, service_level=0.95, review_days=14)

    z = 1.6448536269514722
    assert advice.lead_time_demand == pytest.approx(12.0)  # 4 days x 3
    assert advice.safety_stock == pytest.approx(z * 2.0 * 2.0)  # z x sd x sqrt(4)
    assert advice.reorder_point == pytest.approx(12.0 + 6.579, abs=1e-3)
    assert advice.review_period_demand == pytest.approx(42.0)  # 14 days x 3
    assert advice.suggested_quantity == math.ceil(12.0 + z * 4.0 + 42.0 - 10)  # 51
    assert advice.days_of_cover == pytest.approx(10 / 3)
    assert advice.needs_reorder


def test_reorder_suggestions_from_the_database(db: Database, product_factory: Any) -> None:
    low = product_factory(stock=30, leadTimeDays=7, name="Running Low")
    plenty = product_factory(stock=1000, leadTimeDays=7, name="Plenty")
    sell(db, low["_id"], [10] * 70)
    sell(db, plenty["_id"], [10] * 70)

    advice = reorder_suggestions(SalesHistory(db), now=NOW)

    assert [a.name for a in advice] == ["Running Low", "Plenty"]
    first = advice[0]
    # Constant demand: sd 0, so the reorder point is the lead-time demand alone.
    assert first.demand_sd == pytest.approx(0.0)
    assert first.reorder_point == pytest.approx(70, abs=3)
    assert first.suggested_quantity == pytest.approx(70 + 140 - 30, abs=6)
    assert first.days_of_cover == pytest.approx(3.0, abs=0.2)
    assert first.needs_reorder and not advice[1].needs_reorder
    assert advice[1].suggested_quantity == 0

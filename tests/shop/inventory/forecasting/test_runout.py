"""What runs out within a horizon: the rule by hand on a forecast, and the report from the database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pymongo.database import Database

from shop.inventory.forecasting.forecast import ForecastResult, ProductForecast, forecast
from shop.inventory.forecasting.reorder import days_of_cover
from shop.inventory.forecasting.runout import clamp_days, runout_report
from shop.inventory.forecasting.sales_history import SalesHistory
from tests.support.sales import NOW, TODAY, sell


def _item(pid: str, stock: int, point: list[float]) -> ProductForecast:
    return ProductForecast(
        product_id=pid,
        name=pid.title(),
        category="food",
        supplier="Bees Ltd",
        stock=stock,
        lead_time_days=5,
        low_stock_threshold=None,
        seller_class="regular",
        model="test",
        dates=[TODAY + timedelta(days=i) for i in range(len(point))],
        point=point,
        lower=point,
        upper=point,
        history_start=None,
        history=[],
        demand_sd=0.0,
    )


def test_the_rule_by_hand() -> None:
    """Weekdays 1 a day, weekends 2.5 (TODAY is a Monday): 10 units in the first 7 days."""
    week = [1.0, 1.0, 1.0, 1.0, 1.0, 2.5, 2.5]
    items = [
        _item("honey", 7, week * 2),  # 7 <= 10: runs out on Saturday (5 + 2.5), cover 7 / (10/7) = 4.9 days
        _item("jam", 10, week * 2),  # exactly the week's demand: runs out on Sunday, cover 7.0
        _item("tea", 15, week * 2),  # 15 > 10: not within 7 days
        _item("gone", 0, week * 2),  # sold out: its own list
        _item("idle", 3, [0.0] * 14),  # no demand: never runs out
    ]
    result = ForecastResult(NOW, TODAY, 7, 80, [_item(i.product_id, i.stock, i.point[:7]) for i in items], 0.0)
    report = runout_report(None, 7, result=result)  # type: ignore[arg-type]
    assert [r.product_id for r in report.rows] == ["honey", "jam"]
    honey, jam = report.rows
    assert honey.days_of_cover == pytest.approx(4.9) and honey.demand == pytest.approx(10.0)
    assert honey.runs_out_on == date(2025, 6, 7)
    assert jam.days_of_cover == pytest.approx(7.0) and jam.runs_out_on == date(2025, 6, 8)
    assert report.sold_out == ["gone"]
    assert days_of_cover(12, 1.5) == pytest.approx(8.0) and days_of_cover(5, 0.0) is None


def test_horizons_are_clamped() -> None:
    assert [clamp_days(d) for d in (0, -3, 1, 14, 90, 91, 400)] == [1, 1, 1, 14, 90, 90, 90]
    assert clamp_days(None) == 14 and clamp_days("30") == 30 and clamp_days("soon") == 14 and clamp_days(7.9) == 7


def test_the_report_from_the_database(db: Database, product_factory: Any) -> None:
    """Two steady sellers of 2 a day: 10 in stock lasts 5 days, 40 lasts 20; the horizon decides."""
    short = product_factory(name="Short Honey", stock=10)
    long = product_factory(name="Long Honey", stock=40)
    gone = product_factory(name="Gone Honey", stock=0)
    for doc in (short, long, gone):
        sell(db, doc["_id"], [2] * 140)
    history = SalesHistory(db)
    week = runout_report(history, 7, now=NOW)
    month = runout_report(history, 30, now=NOW)
    assert [r.name for r in week.rows] == ["Short Honey"]
    assert [r.name for r in month.rows] == ["Short Honey", "Long Honey"]
    assert week.rows[0].days_of_cover == pytest.approx(5.0, abs=0.5)
    assert week.sold_out == month.sold_out == [str(gone["_id"])]
    same = forecast(history, horizon_days=30, now=NOW)
    assert runout_report(history, 30, result=same).rows == month.rows  # the dashboard's forecast, reused

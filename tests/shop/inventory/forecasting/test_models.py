"""Each seller class gets its model, on handmade histories whose right answer is known."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from pymongo.database import Database

from shop.inventory.forecasting import models
from shop.inventory.forecasting.forecast import forecast
from shop.inventory.forecasting.sales_history import SalesHistory
from tests.support.sales import NOW, TODAY, order, sell, sparse_units


def test_weekly_pattern_keeps_weekend_peaks(db: Database, product_factory: Any) -> None:
    product = product_factory()
    rng = np.random.default_rng(3)
    first = TODAY - timedelta(days=112)
    units = [(14 if (first + timedelta(days=i)).weekday() >= 5 else 5) + int(rng.integers(0, 2)) for i in range(112)]
    sell(db, product["_id"], units)

    item = forecast(SalesHistory(db), horizon_days=14, now=NOW).products[0]

    assert item.seller_class == "regular"
    assert item.model.startswith("AutoETS") and not item.fallback
    weekend = [p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() >= 5]
    weekdays = [p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() < 5]
    assert min(weekend) > max(weekdays) + 5
    assert np.mean(weekend) == pytest.approx(14.5, abs=1.5)
    assert np.mean(weekdays) == pytest.approx(5.5, abs=1.5)


def test_sparse_seller_gets_an_intermittent_demand_model(db: Database, product_factory: Any) -> None:
    product = product_factory()
    units = sparse_units(0)
    sell(db, product["_id"], units)

    item = forecast(SalesHistory(db), horizon_days=28, now=NOW).products[0]

    assert item.seller_class == "sparse"
    assert item.model in {"ADIDA", "CrostonSBA"} and not item.fallback
    assert item.total / 28 == pytest.approx(np.mean(units), abs=0.1)
    # Empirical interval: quantiles of the daily history, containing the point forecast.
    assert all(lo <= p <= hi for lo, p, hi in zip(item.lower, item.point, item.upper, strict=True))
    assert item.upper[0] >= 1.0


def test_sparse_seller_with_a_weekly_pattern_is_given_the_seasonal_model(db: Database, product_factory: Any) -> None:
    product = product_factory()
    first = TODAY - timedelta(days=140)
    sell(db, product["_id"], [2 if (first + timedelta(days=i)).weekday() == 5 else 0 for i in range(140)])

    item = forecast(SalesHistory(db), horizon_days=14, now=NOW).products[0]

    assert item.seller_class == "sparse"  # one selling day in seven
    assert item.model == "AutoETS(A,N,A)"  # it won the validation weeks: Croston cannot place a weekday
    saturdays = [p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() == 5]
    others = [p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() != 5]
    assert saturdays == pytest.approx([2.0, 2.0], abs=0.3)
    assert max(others) < 0.3


def test_sparse_forecast_takes_the_weekday_rhythm_of_the_whole_shop(db: Database, product_factory: Any) -> None:
    slow, busy = product_factory(), product_factory()
    units = sparse_units(0)
    sell(db, slow["_id"], units)
    first = TODAY - timedelta(days=182)
    days = [first + timedelta(days=i) for i in range(182)]
    # The shop's other orders: 3 on a weekday, 9 on Saturday and Sunday.
    db.orders.insert_many([order(d, [(busy["_id"], 1)]) for d in days for _ in range(9 if d.weekday() >= 5 else 3)])

    item = forecast(SalesHistory(db), horizon_days=28, now=NOW, product_ids=[slow["_id"]]).products[0]

    assert item.model in {"ADIDA", "CrostonSBA"}
    week = SalesHistory(db).weekday_profile(until=NOW)
    assert week[5] > 1.5 * week[0]
    weekend = np.mean([p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() >= 5])
    weekdays = np.mean([p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() < 5])
    assert weekend / weekdays == pytest.approx(week[5] / week[0], rel=0.05)
    assert item.total / 28 == pytest.approx(np.mean(units), abs=0.1)  # spread over the week, not added


def test_short_history_uses_seasonal_naive(db: Database, product_factory: Any) -> None:
    product = product_factory()
    units = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
    sell(db, product["_id"], units)

    item = forecast(SalesHistory(db), horizon_days=14, now=NOW).products[0]

    assert item.seller_class == "short"
    assert item.model == "SeasonalNaive"
    assert item.point == pytest.approx(units[-7:] * 2)


def test_a_failing_model_falls_back_to_seasonal_naive(
    db: Database, product_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = product_factory()
    units = [5, 6, 7, 8, 9, 10, 11] * 10
    sell(db, product["_id"], units)

    def broken(name: str) -> Any:
        raise RuntimeError(f"{name} exploded")

    monkeypatch.setattr(models, "_statsforecast_model", broken)
    item = forecast(SalesHistory(db), horizon_days=7, now=NOW).products[0]

    assert item.seller_class == "regular"
    assert item.model == "SeasonalNaive" and item.fallback
    assert item.point == pytest.approx(units[-7:])

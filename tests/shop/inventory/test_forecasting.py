"""Forecasting against a real database, on handmade histories whose right answer is known."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from bson import ObjectId
from pymongo.database import Database

from shop.core.errors import InvalidInput
from shop.inventory import forecasting
from shop.inventory.forecasting import (
    ProductForecast,
    backtest,
    daily_sales,
    forecast,
    refresh_inventory_forecasts,
    reorder_suggestion,
    reorder_suggestions,
)

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)  # a Monday; history ends on Sunday 1 June
TODAY = date(2025, 6, 2)
_order_numbers = itertools.count()


def order(
    day: date, lines: Sequence[tuple[ObjectId, int]], *, status: str = "completed", hour: int = 12
) -> dict[str, Any]:
    created = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    return {
        "_id": f"ORD-T{next(_order_numbers):07d}",
        "customerId": ObjectId(),
        "customerName": "Ada Lovelace",
        "email": "ada@example.com",
        "address": "12 Analytical Street",
        "products": [
            {"productId": pid, "name": "x", "quantity": qty, "unitPrice": Decimal("5.00")} for pid, qty in lines
        ],
        "totalAmount": Decimal("5.00"),
        "status": status,
        "sessionId": None,
        "createdAt": created,
        "updatedAt": created,
    }


def sell(db: Database, product_id: ObjectId, units: Sequence[float]) -> None:
    """One order per day with sales, the last value on the day before TODAY."""
    first = TODAY - timedelta(days=len(units))
    docs = [order(first + timedelta(days=i), [(product_id, int(u))]) for i, u in enumerate(units) if u > 0]
    if docs:
        db.orders.insert_many(docs)


def test_daily_sales_counts_every_line_of_multi_line_orders_and_skips_cancelled(
    db: Database, product_factory: Any
) -> None:
    a, b = product_factory()["_id"], product_factory()["_id"]
    day1, day2 = date(2025, 5, 30), date(2025, 5, 31)
    db.orders.insert_many(
        [
            order(day1, [(a, 2), (b, 5)]),
            order(day1, [(a, 100)], status="cancelled"),
            order(day1, [(b, 1), (a, 7)], hour=23),
            order(day2, [(a, 3)], hour=0),
        ]
    )

    frame = daily_sales(db, since=date(2025, 5, 1), until=NOW)

    got = {(row.unique_id, row.ds.date()): row.y for row in frame.itertuples()}
    assert got == {
        (str(a), day1): 9.0,
        (str(a), day2): 3.0,
        (str(a), date(2025, 6, 1)): 0.0,  # filled to the day before `until`
        (str(b), day1): 6.0,
        (str(b), day2): 0.0,
        (str(b), date(2025, 6, 1)): 0.0,
    }
    only_a = daily_sales(db, since=date(2025, 5, 1), until=NOW, product_ids=[str(a)])
    assert set(only_a["unique_id"]) == {str(a)}
    assert only_a["y"].sum() == 12


def test_steady_seller_is_forecast_at_its_rate(db: Database, product_factory: Any) -> None:
    product = product_factory()
    sell(db, product["_id"], [10] * 90)

    result = forecast(db, horizon_days=14, now=NOW)

    item = result.get(str(product["_id"]))
    assert item is not None
    assert item.seller_class == "regular"
    assert item.dates[0] == TODAY and len(item.point) == 14
    assert item.point == pytest.approx([10.0] * 14, abs=0.5)
    assert item.total == pytest.approx(140, abs=5)
    assert all(lo <= p <= hi for lo, p, hi in zip(item.lower, item.point, item.upper, strict=True))
    assert item.history[-1] == 10 and item.history_dates[-1] == TODAY - timedelta(days=1)


def test_weekly_pattern_keeps_weekend_peaks(db: Database, product_factory: Any) -> None:
    product = product_factory()
    rng = np.random.default_rng(3)
    first = TODAY - timedelta(days=112)
    units = [(14 if (first + timedelta(days=i)).weekday() >= 5 else 5) + int(rng.integers(0, 2)) for i in range(112)]
    sell(db, product["_id"], units)

    item = forecast(db, horizon_days=14, now=NOW).products[0]

    assert item.seller_class == "regular"
    assert item.model.startswith("AutoETS") and not item.fallback
    weekend = [p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() >= 5]
    weekdays = [p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() < 5]
    assert min(weekend) > max(weekdays) + 5
    assert np.mean(weekend) == pytest.approx(14.5, abs=1.5)
    assert np.mean(weekdays) == pytest.approx(5.5, abs=1.5)


def sparse_units(seed: int, days: int = 140) -> list[int]:
    """A slow seller without a weekly pattern: a sale on about one day in four, 1 or 2 units."""
    rng = np.random.default_rng(seed)
    return [int(u) for u in (rng.random(days) < 0.25) * rng.integers(1, 3, days)]


def test_sparse_seller_gets_an_intermittent_demand_model(db: Database, product_factory: Any) -> None:
    product = product_factory()
    units = sparse_units(0)
    sell(db, product["_id"], units)

    item = forecast(db, horizon_days=28, now=NOW).products[0]

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

    item = forecast(db, horizon_days=14, now=NOW).products[0]

    assert item.seller_class == "sparse"  # one selling day in seven
    assert item.model == "AutoETS(A,N,A)"  # it won the validation weeks: Croston cannot place a weekday
    saturdays = [p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() == 5]
    others = [p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() != 5]
    assert saturdays == pytest.approx([2.0, 2.0], abs=0.3)
    assert max(others) < 0.3


def test_model_choice_never_sees_the_backtest_holdout(db: Database, product_factory: Any) -> None:
    """Saturday-only sales inside the holdout must not earn the seasonal model; inside training they do."""
    in_holdout, in_training = product_factory(), product_factory()
    first = TODAY - timedelta(days=168)
    rng = np.random.default_rng(5)
    saturday = [int(rng.integers(1, 4)) if (first + timedelta(days=i)).weekday() == 5 else 0 for i in range(168)]
    sell(db, in_holdout["_id"], sparse_units(0, 140) + saturday[140:])
    sell(db, in_training["_id"], saturday[:140] + sparse_units(0, 28))

    report = backtest(db, holdout_days=28, now=NOW)

    assert report["sparse_models"] == list(forecasting.SPARSE_MODELS)
    sparse = report["classes"]["sparse"]
    assert sparse["series"] == 2
    assert sparse["models"].get("AutoETS(A,N,A)") == 1  # the product whose training showed the pattern


def test_sparse_forecast_takes_the_weekday_rhythm_of_the_whole_shop(db: Database, product_factory: Any) -> None:
    slow, busy = product_factory(), product_factory()
    units = sparse_units(0)
    sell(db, slow["_id"], units)
    first = TODAY - timedelta(days=182)
    days = [first + timedelta(days=i) for i in range(182)]
    # The shop's other orders: 3 on a weekday, 9 on Saturday and Sunday.
    db.orders.insert_many([order(d, [(busy["_id"], 1)]) for d in days for _ in range(9 if d.weekday() >= 5 else 3)])

    item = forecast(db, horizon_days=28, now=NOW, product_ids=[slow["_id"]]).products[0]

    assert item.model in {"ADIDA", "CrostonSBA"}
    week = forecasting.weekday_profile(db, until=NOW)
    assert week[5] > 1.5 * week[0]
    weekend = np.mean([p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() >= 5])
    weekdays = np.mean([p for d, p in zip(item.dates, item.point, strict=True) if d.weekday() < 5])
    assert weekend / weekdays == pytest.approx(week[5] / week[0], rel=0.05)
    assert item.total / 28 == pytest.approx(np.mean(units), abs=0.1)  # spread over the week, not added


def test_weekday_profile_counts_whole_days_of_live_orders_and_is_shrunk_toward_flat(
    db: Database, product_factory: Any
) -> None:
    pid = product_factory()["_id"]
    monday = date(2025, 5, 26)
    db.orders.insert_many(
        [order(monday, [(pid, 1)]) for _ in range(7)]
        + [order(date(2025, 5, 27), [(pid, 1)], status="cancelled")]
        + [order(TODAY, [(pid, 1)], hour=1)]  # today is not a whole day yet
        + [order(TODAY - timedelta(days=forecasting.FIT_DAYS + 1), [(pid, 1)])]  # before the window
    )

    week = forecasting.weekday_profile(db, until=NOW)

    prior = forecasting.WEEKDAY_PRIOR_ORDERS
    assert week[0] == pytest.approx((7 + prior) / (1 + prior))  # 7 orders on Monday, 1 a day on average
    assert week[1:] == pytest.approx([prior / (1 + prior)] * 6)
    assert np.mean(week) == pytest.approx(1.0)
    assert forecasting.weekday_profile(db, until=date(2024, 1, 1)) == pytest.approx(forecasting.FLAT_WEEK)


def test_short_history_uses_seasonal_naive(db: Database, product_factory: Any) -> None:
    product = product_factory()
    units = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
    sell(db, product["_id"], units)

    item = forecast(db, horizon_days=14, now=NOW).products[0]

    assert item.seller_class == "short"
    assert item.model == "SeasonalNaive"
    assert item.point == pytest.approx(units[-7:] * 2)


def test_product_without_sales_is_listed_with_zero_demand(db: Database, product_factory: Any) -> None:
    silent = product_factory(category="tea")
    product_factory(category="coffee")

    result = forecast(db, horizon_days=7, now=NOW, category="tea")

    assert [p.product_id for p in result.products] == [str(silent["_id"])]
    assert result.products[0].seller_class == "inactive"
    assert result.products[0].total == 0


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

    advice = reorder_suggestions(db, now=NOW)

    assert [a.name for a in advice] == ["Running Low", "Plenty"]
    first = advice[0]
    # Constant demand: sd 0, so the reorder point is the lead-time demand alone.
    assert first.demand_sd == pytest.approx(0.0)
    assert first.reorder_point == pytest.approx(70, abs=3)
    assert first.suggested_quantity == pytest.approx(70 + 140 - 30, abs=6)
    assert first.days_of_cover == pytest.approx(3.0, abs=0.2)
    assert first.needs_reorder and not advice[1].needs_reorder
    assert advice[1].suggested_quantity == 0


def test_refresh_writes_inventory_forecasts_and_the_job(db: Database, product_factory: Any) -> None:
    steady = product_factory(stock=500)
    short_stock = product_factory(stock=20)
    override = product_factory(stock=100, lowStockThreshold=150)
    sell(db, steady["_id"], [10] * 70)
    sell(db, short_stock["_id"], [10] * 70)
    sell(db, override["_id"], [1] * 70)
    messages: list[str] = []

    summary = refresh_inventory_forecasts(db, now=NOW, progress=messages.append)

    assert summary.products == 3 and summary.alerts == 2
    rows = {row["productId"]: row for row in db.inventory.find({})}
    predicted = rows[steady["_id"]]["predictedDemand"]
    assert predicted["d7"] == pytest.approx(70, abs=3)
    assert predicted["d30"] == pytest.approx(300, abs=12)
    assert predicted["model"] and predicted["sellerClass"] == "regular"
    assert predicted["at"] == NOW
    assert rows[steady["_id"]]["restockAlert"] is False
    assert rows[short_stock["_id"]]["restockAlert"] is True  # 20 units < reorder point ~70
    assert rows[override["_id"]]["restockAlert"] is True  # 100 <= its own threshold of 150
    job = db.jobs.find_one({"name": "forecast"})
    assert job["lastRunAt"] == NOW and job["products"] == 3 and job["durationSeconds"] >= 0
    assert messages


def test_backtest_beats_seasonal_naive_on_a_noisy_seller(db: Database, product_factory: Any) -> None:
    product = product_factory()
    rng = np.random.default_rng(11)
    first = TODAY - timedelta(days=140)
    rates = [12 if (first + timedelta(days=i)).weekday() >= 5 else 6 for i in range(140)]
    sell(db, product["_id"], [int(rng.poisson(r)) for r in rates])

    report = backtest(db, holdout_days=28, now=NOW)

    overall = report["overall"]
    assert report["cutoff"] == (TODAY - timedelta(days=28)).isoformat()
    assert overall["series"] == 1 and set(report["classes"]) == {"regular"}
    assert overall["mase"] < overall["mase_seasonal_naive"]
    assert overall["mase"] < 1.0


def test_a_failing_model_falls_back_to_seasonal_naive(
    db: Database, product_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = product_factory()
    units = [5, 6, 7, 8, 9, 10, 11] * 10
    sell(db, product["_id"], units)

    def broken(name: str) -> Any:
        raise RuntimeError(f"{name} exploded")

    monkeypatch.setattr(forecasting, "_statsforecast_model", broken)
    item = forecast(db, horizon_days=7, now=NOW).products[0]

    assert item.seller_class == "regular"
    assert item.model == "SeasonalNaive" and item.fallback
    assert item.point == pytest.approx(units[-7:])


def test_bad_arguments_are_refused_with_a_readable_error(db: Database) -> None:
    with pytest.raises(InvalidInput, match="not a product id"):
        forecast(db, horizon_days=7, product_ids=["nope"])
    with pytest.raises(InvalidInput, match="horizon"):
        forecast(db, horizon_days=0)

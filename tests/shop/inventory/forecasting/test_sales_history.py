"""Sales history read from orders: daily units per product, and the shop's weekly rhythm with its kept versions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from pymongo.database import Database

from shop.inventory.forecasting.models import FIT_DAYS, FLAT_WEEK
from shop.inventory.forecasting.sales_history import WEEKDAY_PRIOR_ORDERS, SalesHistory
from tests.shop.inventory.forecasting.sales import NOW, TODAY, order


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

    frame = SalesHistory(db).daily_sales(since=date(2025, 5, 1), until=NOW)

    got = {(row.unique_id, row.ds.date()): row.y for row in frame.itertuples()}
    assert got == {
        (str(a), day1): 9.0,
        (str(a), day2): 3.0,
        (str(a), date(2025, 6, 1)): 0.0,  # filled to the day before `until`
        (str(b), day1): 6.0,
        (str(b), day2): 0.0,
        (str(b), date(2025, 6, 1)): 0.0,
    }
    only_a = SalesHistory(db).daily_sales(since=date(2025, 5, 1), until=NOW, product_ids=[str(a)])
    assert set(only_a["unique_id"]) == {str(a)}
    assert only_a["y"].sum() == 12


def test_weekday_profile_counts_whole_days_of_live_orders_and_is_shrunk_toward_flat(
    db: Database, product_factory: Any
) -> None:
    pid = product_factory()["_id"]
    monday = date(2025, 5, 26)
    db.orders.insert_many(
        [order(monday, [(pid, 1)]) for _ in range(7)]
        + [order(date(2025, 5, 27), [(pid, 1)], status="cancelled")]
        + [order(TODAY, [(pid, 1)], hour=1)]  # today is not a whole day yet
        + [order(TODAY - timedelta(days=FIT_DAYS + 1), [(pid, 1)])]  # before the window
    )

    week = SalesHistory(db).weekday_profile(until=NOW)

    prior = WEEKDAY_PRIOR_ORDERS
    assert week[0] == pytest.approx((7 + prior) / (1 + prior))  # 7 orders on Monday, 1 a day on average
    assert week[1:] == pytest.approx([prior / (1 + prior)] * 6)
    assert np.mean(week) == pytest.approx(1.0)
    assert SalesHistory(db).weekday_profile(until=date(2024, 1, 1)) == pytest.approx(FLAT_WEEK)

"""Sales history read from orders: daily units per product, and the shop's weekly rhythm with its kept versions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from pymongo.database import Database

from shop.inventory.forecasting.models import FIT_DAYS, FLAT_WEEK
from shop.inventory.forecasting.sales_history import WEEKDAY_PRIOR_ORDERS, SalesHistory
from tests.support.sales import NOW, TODAY, order


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


def counting_measurements(history: SalesHistory, monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The windows' ends `history` measures its rhythm for from now on, one entry per measurement."""
    ends: list[datetime] = []
    measure = history._measure_rhythm

    def counted(start: datetime, end: datetime) -> tuple[float, ...]:
        ends.append(end)
        return measure(start, end)

    monkeypatch.setattr(history, "_measure_rhythm", counted)
    return ends


def test_the_rhythm_is_kept_until_an_order_of_its_window_is_written(
    db: Database, product_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = product_factory()["_id"]
    db.orders.insert_many([order(date(2025, 5, 26), [(pid, 1)]) for _ in range(7)])
    history = SalesHistory(db)
    measured = counting_measurements(history, monkeypatch)
    first = history.weekday_profile(until=NOW)
    assert history.weekday_profile(until=NOW) == first and len(measured) == 1

    # Another process takes an order today: not a whole day yet, so the kept rhythm still holds.
    db.orders.insert_one({**order(TODAY, [(pid, 1)], hour=1), "updatedAt": datetime.now(UTC)})
    assert history.weekday_profile(until=NOW) == first and len(measured) == 1

    # ...and cancels one of last Monday's: written since the rhythm was measured, so it is measured again.
    db.orders.update_one({"createdAt": {"$lt": NOW}}, {"$set": {"status": "cancelled", "updatedAt": datetime.now(UTC)}})
    fewer = history.weekday_profile(until=NOW)
    assert len(measured) == 2
    prior = WEEKDAY_PRIOR_ORDERS
    assert first[0] == pytest.approx((7 + prior) / (1 + prior))
    assert fewer[0] == pytest.approx((6 + prior) / (6 / 7 + prior))
    assert history.weekday_profile(until=NOW) == fewer and len(measured) == 2


def test_a_new_day_measures_the_rhythm_again_with_the_orders_of_the_day_before(
    db: Database, product_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = product_factory()["_id"]
    history = SalesHistory(db)
    measured = counting_measurements(history, monkeypatch)
    assert history.weekday_profile(until=NOW) == pytest.approx(FLAT_WEEK)
    db.orders.insert_many([order(TODAY, [(pid, 1)]) for _ in range(7)])  # a busy Monday

    tomorrow = history.weekday_profile(until=NOW + timedelta(days=1))

    assert measured == [datetime(2025, 6, 2, tzinfo=UTC), datetime(2025, 6, 3, tzinfo=UTC)]
    assert tomorrow[0] > 1 > tomorrow[1]


def test_two_histories_on_one_database_keep_their_own_rhythms(
    db: Database, product_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two apps on one database (or in one process) share no measurement: each measures its own."""
    pid = product_factory()["_id"]
    one, other = SalesHistory(db), SalesHistory(db)
    assert one.weekday_profile(until=NOW) == pytest.approx(FLAT_WEEK)
    # Orders written with their old stamps (a restored backup): not "written since" for `one`.
    db.orders.insert_many([order(date(2025, 5, 26), [(pid, 1)]) for _ in range(7)])
    measured = counting_measurements(other, monkeypatch)

    assert other.weekday_profile(until=NOW)[0] > 1 and len(measured) == 1
    assert one.weekday_profile(until=NOW) == pytest.approx(FLAT_WEEK)  # its own version, counted from the next day
    assert one.weekday_profile(until=NOW + timedelta(days=1))[0] > 1

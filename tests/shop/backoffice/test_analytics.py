"""Sales analytics checked by hand on a small, handmade order set (against the real database)."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from shop.backoffice import analytics
from shop.core.errors import InvalidInput

_numbers = itertools.count()
MONDAY = date(2025, 6, 2)


def order(
    at: datetime, lines: Sequence[tuple[dict[str, Any], int, str]], *, status: str = "completed"
) -> dict[str, Any]:
    products = [
        {"productId": p["_id"], "name": p["name"], "quantity": qty, "unitPrice": Decimal(price)}
        for p, qty, price in lines
    ]
    total = sum((Decimal(price) * qty for _p, qty, price in lines), Decimal("0.00"))
    return {
        "_id": f"ORD-A{next(_numbers):07d}",
        "customerName": "Grace Hopper",
        "email": "grace@example.com",
        "address": "1 Compiler Lane",
        "products": products,
        "totalAmount": total,
        "status": status,
        "createdAt": at,
        "updatedAt": at,
    }


@pytest.fixture
def shop(db: Database, product_factory: Any) -> dict[str, Any]:
    """Three products and six orders; the right answers are worked out in the comments."""
    beans = product_factory(name="Espresso Beans", category="coffee", price=Decimal("12.50"))
    tea = product_factory(name="Sencha", category="tea", price=Decimal("4.99"))
    honey = product_factory(name="Acacia Honey", category="food", price=Decimal("3.10"))
    db.orders.insert_many(
        [
            # Monday 2 June: a multi-line order (2 x 12.50 + 1 x 4.99 = 29.99) and one of 3 x 3.10 = 9.30.
            order(datetime(2025, 6, 2, 10, tzinfo=UTC), [(beans, 2, "12.50"), (tea, 1, "4.99")]),
            order(datetime(2025, 6, 2, 15, tzinfo=UTC), [(honey, 3, "3.10")]),
            # Tuesday 3 June: 4 x 4.99 = 19.96, and a CANCELLED order that must not count anywhere.
            order(datetime(2025, 6, 3, 9, tzinfo=UTC), [(tea, 4, "4.99")]),
            order(datetime(2025, 6, 3, 11, tzinfo=UTC), [(beans, 10, "12.50")], status="cancelled"),
            # Tuesday 10 June (next ISO week): beans sold at an older price, 11.00; the line price counts.
            order(datetime(2025, 6, 10, 8, tzinfo=UTC), [(beans, 1, "11.00")]),
            # Before the period: excluded by date.
            order(datetime(2025, 6, 1, 23, 59, tzinfo=UTC), [(beans, 5, "12.50")]),
        ]
    )
    return {"beans": beans, "tea": tea, "honey": honey}


def test_totals_by_hand(db: Database, shop: dict[str, Any]) -> None:
    report = analytics.sales_report(db, start=MONDAY, end=date(2025, 6, 15), granularity="day")

    # 29.99 + 9.30 + 19.96 + 11.00
    assert report.revenue == Decimal("70.25")
    assert report.orders == 4
    assert report.average_order_value == Decimal("17.56")  # 70.25 / 4 = 17.5625
    assert report.units == 2 + 1 + 3 + 4 + 1
    assert len(report.buckets) == 14
    first = report.buckets[0]
    assert (first.key, first.orders, first.revenue) == ("2025-06-02", 2, Decimal("39.29"))
    assert (report.buckets[1].orders, report.buckets[1].revenue) == (1, Decimal("19.96"))
    assert (report.buckets[8].key, report.buckets[8].revenue) == ("2025-06-10", Decimal("11.00"))
    assert sum(b.orders for b in report.buckets[2:8]) == 0


def test_weeks_and_months_roll_up_days(db: Database, shop: dict[str, Any]) -> None:
    weekly = analytics.sales_report(db, start=MONDAY, end=date(2025, 6, 15), granularity="week")
    assert [(b.key, b.orders, b.revenue) for b in weekly.buckets] == [
        ("2025-W23", 3, Decimal("59.25")),
        ("2025-W24", 1, Decimal("11.00")),
    ]
    assert weekly.buckets[0].start == MONDAY and weekly.buckets[1].end == date(2025, 6, 15)

    monthly = analytics.sales_report(db, start=date(2025, 5, 20), end=date(2025, 6, 30), granularity="month")
    # The order of 1 June 23:59 UTC now falls inside the period, in June; May has none.
    assert [(b.key, b.orders, b.revenue) for b in monthly.buckets] == [
        ("2025-05", 0, Decimal("0.00")),
        ("2025-06", 5, Decimal("132.75")),  # 70.25 + 5 x 12.50 on 1 June
    ]
    assert monthly.buckets[0].start == date(2025, 5, 20)  # clipped to the chosen period


def test_top_sellers_and_category_split(db: Database, shop: dict[str, Any]) -> None:
    report = analytics.sales_report(db, start=MONDAY, end=date(2025, 6, 15))

    by_revenue = [(p.name, p.units, p.revenue, p.orders) for p in report.top_by_revenue()]
    assert by_revenue == [
        ("Espresso Beans", 3, Decimal("36.00"), 2),  # 2 x 12.50 + 1 x 11.00
        ("Sencha", 5, Decimal("24.95"), 2),  # 1 x 4.99 + 4 x 4.99
        ("Acacia Honey", 3, Decimal("9.30"), 1),
    ]
    assert [p.name for p in report.top_by_units()] == ["Sencha", "Espresso Beans", "Acacia Honey"]
    split = {c.category: (c.units, c.revenue) for c in report.categories}
    assert split == {
        "coffee": (3, Decimal("36.00")),
        "tea": (5, Decimal("24.95")),
        "food": (3, Decimal("9.30")),
        "beauty": (0, Decimal("0.00")),
    }
    assert sum(c.revenue for c in report.categories) == report.revenue
    assert report.categories[0].category == "coffee"
    assert report.categories[0].share == pytest.approx(36.00 / 70.25)


def test_deleted_products_keep_their_sales(db: Database, shop: dict[str, Any]) -> None:
    db.products.update_one({"_id": shop["honey"]["_id"]}, {"$set": {"deletedAt": datetime.now(UTC)}})
    report = analytics.sales_report(db, start=MONDAY, end=MONDAY)
    assert "Acacia Honey" in [p.name for p in report.products]
    assert report.revenue == Decimal("39.29")


def test_money_is_summed_exactly(db: Database, product_factory: Any) -> None:
    """Ten orders of 0.10: a float sum would give 0.9999999999999999."""
    cheap = product_factory(price=Decimal("0.10"))
    at = datetime(2025, 6, 2, 12, tzinfo=UTC)
    db.orders.insert_many([order(at, [(cheap, 1, "0.10")]) for _ in range(10)])

    report = analytics.sales_report(db, start=MONDAY, end=MONDAY)

    assert report.revenue == Decimal("1.00")
    assert isinstance(report.revenue, Decimal)
    assert report.products[0].revenue == Decimal("1.00")


def test_days_follow_the_shop_timezone(db: Database, product_factory: Any) -> None:
    product = product_factory()
    # 02:30 UTC on 3 June is still 2 June (22:30) in New York.
    db.orders.insert_one(order(datetime(2025, 6, 3, 2, 30, tzinfo=UTC), [(product, 1, "5.00")]))

    utc = analytics.sales_report(db, start=MONDAY, end=date(2025, 6, 3))
    new_york = analytics.sales_report(db, start=MONDAY, end=date(2025, 6, 3), timezone="America/New_York")

    assert [b.orders for b in utc.buckets] == [0, 1]
    assert [b.orders for b in new_york.buckets] == [1, 0]


def test_csv_exports(db: Database, shop: dict[str, Any]) -> None:
    report = analytics.sales_report(db, start=MONDAY, end=date(2025, 6, 15), granularity="week")

    series = list(csv.reader(io.StringIO(analytics.report_csv(report, "series"))))
    assert series[0] == ["period", "start", "end", "orders", "revenue", "average_order_value"]
    assert series[1] == ["2025-W23", "2025-06-02", "2025-06-08", "3", "59.25", "19.75"]
    assert series[-1] == ["total", "2025-06-02", "2025-06-15", "4", "70.25", "17.56"]
    products = list(csv.reader(io.StringIO(analytics.report_csv(report, "products"))))
    assert products[1][2:] == ["Espresso Beans", "coffee", "3", "36.00", "2"]
    categories = list(csv.reader(io.StringIO(analytics.report_csv(report, "categories"))))
    assert categories[1] == ["coffee", "Coffee", "3", "36.00", f"{36 / 70.25:.4f}"]


def test_bad_periods_are_refused(db: Database) -> None:
    with pytest.raises(InvalidInput, match="before"):
        analytics.sales_report(db, start=date(2025, 6, 2), end=date(2025, 6, 1))
    with pytest.raises(InvalidInput, match="timezone"):
        analytics.sales_report(db, start=MONDAY, end=MONDAY, timezone="Mars/Olympus")


def test_presets() -> None:
    today = date(2025, 6, 18)
    assert analytics.preset_period("7d", today) == (date(2025, 6, 12), today, "day")
    assert analytics.preset_period("last-month", today) == (date(2025, 5, 1), date(2025, 5, 31), "day")
    assert analytics.preset_period("12m", today) == (date(2024, 7, 1), today, "month")


def test_the_cache_returns_the_same_report(db: Database, shop: dict[str, Any]) -> None:
    cache = analytics.ReportCache(ttl=60)
    first, at = cache.get(db, start=MONDAY, end=MONDAY, granularity="day", timezone="UTC")
    db.orders.delete_many({})
    again, at_again = cache.get(db, start=MONDAY, end=MONDAY, granularity="day", timezone="UTC")
    assert again is first and at_again == at
    assert ObjectId.is_valid(first.products[0].product_id)

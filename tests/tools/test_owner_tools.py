"""Owner tools over a real order history: the same numbers as the dashboard's modules."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tools import owner as t
from tools.context import ToolContext
from tools.owner import OWNER_TOOLS

_numbers = itertools.count()


@pytest.fixture
def history(items: Any, services: Any) -> None:
    """60 days of sales: 3 Yirgacheffe a day, 1 hand cream a day, honey every third day; one cancelled."""
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    docs = []
    for day in range(1, 61):
        created = now - timedelta(days=day)
        lines = [(items["yirga"], 3), (items["cream"], 1)] + ([(items["honey"], 2)] if day % 3 == 0 else [])
        products = [
            {"productId": p["_id"], "name": p["name"], "slug": p["slug"], "quantity": q, "unitPrice": p["price"]}
            for p, q in lines
        ]
        total = sum((p["price"] * q for p, q in lines), Decimal("0.00"))
        docs.append(
            {
                "_id": f"ORD-H{next(_numbers):07d}",
                "customerName": "Ada",
                "email": "ada@example.com",
                "address": "1 Analytical Street",
                "products": products,
                "totalAmount": total,
                "status": "cancelled" if day == 2 else "completed",
                "sessionId": None,
                "createdAt": created,
                "updatedAt": created,
            }
        )
    services.db.orders.insert_many(docs)


@pytest.fixture
def octx(make_ctx: Any) -> ToolContext:
    return make_ctx("owner")


def test_owner_tools_are_reads_with_small_schemas() -> None:
    assert {tool.name for tool in OWNER_TOOLS} == {
        "low_stock_report", "demand_forecast", "reorder_suggestions", "sales_summary", "top_sellers"
    }  # fmt: skip


def test_sales_summary_matches_the_orders(octx: ToolContext, history: None) -> None:
    out = t.sales(octx, "7d")
    # Days 1..6 are in the last 7 days (today has no sales yet); day 2 was cancelled: 5 orders.
    # Each: 3 x 14.50 + 18.00 = 61.50, plus honey (2 x 10.50) on day 3 and 6.
    assert "5 orders" in out and "revenue $349.50" in out
    assert Decimal("349.50") in octx.turn.amounts


def test_top_sellers_by_units_and_revenue(octx: ToolContext, history: None, items: Any) -> None:
    by_units = t.top_sellers(octx, "30d", "units", 3)
    lines = [line for line in by_units.splitlines() if line[:1].isdigit()]
    assert lines[0].startswith("1. Ethiopia Yirgacheffe") and "Rose Hand Cream" in lines[1]
    by_revenue = t.top_sellers(octx, "last-month", "revenue")
    assert "Top sellers by revenue" in by_revenue
    assert str(items["yirga"]["_id"]) in octx.turn.products


def test_forecast_for_a_product_and_a_category(octx: ToolContext, history: None) -> None:
    one = t.demand_forecast(octx, product="Ethiopia Yirgacheffe", days=14)
    units = float(one.split("Yirgacheffe: ")[1].split(" units")[0])
    assert 25 <= units <= 60  # ~3 a day
    shelf = t.demand_forecast(octx, category="coffee", days=7)
    assert "Forecast for Coffee, next 7 days" in shelf and "Ethiopia Yirgacheffe" in shelf
    assert "No product matches" in t.demand_forecast(octx, product="unicorn")


def test_reorder_and_low_stock(octx: ToolContext, history: None) -> None:
    reorder = t.reorder(octx)
    assert "Rose Hand Cream | order" in reorder  # 3 left, selling one a day
    low = t.low_stock(octx)
    assert "Rose Hand Cream | stock 3" in low and "Chamomile Dream | stock 0" in low

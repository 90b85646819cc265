"""The forecast job stores demand and restock alerts on inventory rows and records its run."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.database import Database

from shop.inventory.forecasting.stored_forecasts import refresh_inventory_forecasts
from tests.support.sales import NOW, sell


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

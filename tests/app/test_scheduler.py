"""The in-app scheduler: jobs run when due, once, and low stock is checked after stock changes."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from app.scheduler import Scheduler
from shop.backoffice import backup
from shop.backoffice.jobs import job_info
from shop.services import ShopServices


def test_a_tick_runs_due_jobs_once(services: ShopServices, product_factory: Any) -> None:
    product_factory(name="Nearly Gone", stock=2)
    scheduler = Scheduler(services)

    first = scheduler.tick()

    assert [(o.name, o.ran) for o in first] == [("forecast", True), ("backup", True)]
    forecast = job_info(services.db, "forecast")
    assert forecast.status == "ok" and forecast.details["products"] == 1
    assert len(backup.list_backups(services.settings.resolved_backup_dir)) == 1
    assert services.db.outbox.count_documents({"kind": "low_stock"}) == 1
    assert services.db.inventory.find_one({})["predictedDemand"]["model"] == "Zero"

    second = scheduler.tick()

    assert [(o.name, o.ran, o.skipped_reason) for o in second] == [
        ("forecast", False, "not due"),
        ("backup", False, "not due"),
    ]
    assert services.db.outbox.count_documents({"kind": "low_stock"}) == 1


def test_jobs_can_be_turned_off(services: ShopServices) -> None:
    services.settings.backup_interval_hours = 0
    services.settings.forecast_interval_hours = 0
    assert Scheduler(services).tick() == []


def test_stock_changes_wake_the_low_stock_check(services: ShopServices, product_factory: Any) -> None:
    services.settings.backup_interval_hours = 0
    services.settings.forecast_interval_hours = 0
    product = product_factory(stock=50)
    scheduler = Scheduler(services, first_run_delay=0, poll_seconds=30, low_stock_poll_seconds=3600)
    scheduler.start()
    try:
        services.db.products.update_one({"_id": product["_id"]}, {"$set": {"stock": 1, "updatedAt": datetime.now(UTC)}})
        services.catalog.invalidate()
        services.catalog.all()  # the refresh sees the change and tells the scheduler
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not services.db.outbox.count_documents({"kind": "low_stock"}):
            time.sleep(0.1)
    finally:
        scheduler.stop()
    assert services.db.outbox.count_documents({"kind": "low_stock"}) == 1


def test_a_stock_change_checks_only_the_products_that_changed(services: ShopServices, product_factory: Any) -> None:
    services.settings.backup_interval_hours = 0
    services.settings.forecast_interval_hours = 0
    quiet = product_factory(name="Quiet Jar", stock=50)
    sold = product_factory(name="Sold Jar", stock=50)
    scheduler = Scheduler(services, low_stock_poll_seconds=3600)
    scheduler.tick()  # the first pass looks at every product: none is low
    for product in (quiet, sold):
        services.db.products.update_one({"_id": product["_id"]}, {"$set": {"stock": 1}})
    scheduler.stock_changed([services.catalog.get(str(sold["_id"]))])

    scheduler.tick()

    emails = list(services.db.outbox.find({"kind": "low_stock"}))
    assert [e["subject"] for e in emails] == ["Low stock: Sold Jar (1 left)"]

    Scheduler(services).tick()  # a periodic pass (here: a new scheduler's first) catches the rest

    subjects = {e["subject"] for e in services.db.outbox.find({"kind": "low_stock"})}
    assert subjects == {"Low stock: Sold Jar (1 left)", "Low stock: Quiet Jar (1 left)"}

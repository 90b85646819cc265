"""Stored forecasts: the batch job that forecasts every product and stores its demand and restock alert.

Why stored: fitting models for the whole catalogue is the expensive part, so the job runs on a
schedule (shop/backoffice/owner_jobs.py) and writes `inventory.predictedDemand` and
`inventory.restockAlert`; the dashboard, the low-stock email and the owner's tools then read cheap
stored numbers (shop/inventory/stock.py) instead of refitting models per request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.database import Database

from shop.catalog.snapshot import LOW_STOCK
from shop.inventory.forecasting.forecast import active_products, forecast
from shop.inventory.forecasting.models import Advance, Progress
from shop.inventory.forecasting.reorder import (
    DEFAULT_REVIEW_DAYS,
    DEFAULT_SERVICE_LEVEL,
    reorder_horizon,
    reorder_suggestions,
)
from shop.inventory.forecasting.sales_history import SalesHistory

BULK_CHUNK = 500


@dataclass
class RefreshSummary:
    """What a run stored: products and alerts, its durations, and the seller classes and models used."""

    products: int
    alerts: int
    duration_seconds: float
    forecast_seconds: float
    by_class: dict[str, int] = field(default_factory=dict)
    by_model: dict[str, int] = field(default_factory=dict)


def refresh_inventory_forecasts(
    db: Database,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
    service_level: float = DEFAULT_SERVICE_LEVEL,
    review_days: int = DEFAULT_REVIEW_DAYS,
    low_stock_threshold: int = LOW_STOCK,
    advance: Advance | None = None,
) -> RefreshSummary:
    """Forecast every active product and store demand and restock alerts on its inventory row.

    The dashboard and the agent then read cheap stored numbers instead of refitting models per
    request. A product alerts when its stock is at or below its reorder point, or at or below its low
    stock threshold (`lowStockThreshold` on the product overrides the shop default).
    """
    started = time.monotonic()
    moment = now or datetime.now(UTC)
    # Its own history, not the app's: the job measures the shop's rhythm afresh, once per run.
    history = SalesHistory(db)
    horizon = reorder_horizon(active_products(db, None, None), review_days)
    result = forecast(history, horizon_days=horizon, now=moment, progress=progress, advance=advance)
    forecast_seconds = time.monotonic() - started
    suggestions = {
        s.product_id: s
        for s in reorder_suggestions(history, service_level=service_level, review_days=review_days, result=result)
    }
    operations: list[UpdateOne] = []
    alerts = 0
    for product in result.products:
        advice = suggestions[product.product_id]
        threshold = low_stock_threshold if product.low_stock_threshold is None else product.low_stock_threshold
        alert = product.stock <= advice.reorder_point or product.stock <= threshold
        alerts += alert
        predicted = {
            "d7": round(product.demand(0, 7), 2),
            "d30": round(product.demand(0, 30), 2),
            "model": product.model,
            "sellerClass": product.seller_class,
            "reorderPoint": round(advice.reorder_point, 2),
            "safetyStock": round(advice.safety_stock, 2),
            "suggestedQuantity": advice.suggested_quantity,
            "daysOfCover": None if advice.days_of_cover is None else round(advice.days_of_cover, 1),
            # The level an order should bring stock up to, and the stock it was computed for: the
            # dashboard recomputes the quantity and cover from the CURRENT stock between job runs.
            "orderUpTo": round(advice.reorder_point + advice.review_period_demand, 2),
            "stockAtForecast": product.stock,
            "at": moment,
        }
        operations.append(
            UpdateOne(
                {"productId": ObjectId(product.product_id)},
                {
                    "$set": {"predictedDemand": predicted, "restockAlert": alert},
                    "$setOnInsert": {"stockLevel": product.stock, "lastRestocked": None},
                },
                upsert=True,
            )
        )
    for offset in range(0, len(operations), BULK_CHUNK):
        db.inventory.bulk_write(operations[offset : offset + BULK_CHUNK], ordered=False)
    duration = time.monotonic() - started
    db.jobs.update_one(
        {"name": "forecast"},
        {
            "$set": {
                "name": "forecast",
                "lastRunAt": moment,
                "durationSeconds": round(duration, 2),
                "products": len(result.products),
                "alerts": alerts,
                "byClass": result.by_class,
                "byModel": result.by_model,
                "status": "ok",
            }
        },
        upsert=True,
    )
    if progress:
        progress(f"Stored forecasts for {len(result.products)} products ({alerts} restock alerts) in {duration:.1f} s")
    return RefreshSummary(len(result.products), alerts, duration, forecast_seconds, result.by_class, result.by_model)

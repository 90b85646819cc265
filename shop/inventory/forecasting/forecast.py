"""A demand forecast of the products asked for: daily units from today, with an interval, per product.

Why forecasts are also made on request, beside the nightly job's stored figures: the product chart
and the owner's chat questions ask for a horizon, an interval level, a history or a category the
stored figures do not hold. They read through the app's `SalesHistory`, so the shop's weekly rhythm
is measured once, not once per chart.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from bson import ObjectId
from pymongo.database import Database

from shop.core.errors import InvalidInput
from shop.inventory.forecasting.models import FIT_DAYS, SEASON, Advance, Progress, fit_all
from shop.inventory.forecasting.sales_history import SalesHistory, day_start, product_object_ids

HISTORY_DAYS = 365
"""History returned to callers (charts); models see only the last FIT_DAYS of it."""
LEVELS: tuple[int, ...] = (80, 95)
MAX_HORIZON_DAYS = 365


@dataclass
class StockedProduct:
    """Which product, who supplies it and how many are in stock.

    The head every row about a forecast product starts with (the forecast itself, the reorder advice,
    the run-out report): declared once, and copied from the forecast with `product_fields`, so the
    reports cannot drift from the forecast they were made from.
    """

    product_id: str
    name: str
    category: str
    supplier: str
    stock: int

    def product_fields(self) -> dict[str, Any]:
        """These fields by name, to start another row about the same product."""
        return {field.name: getattr(self, field.name) for field in fields(StockedProduct)}


@dataclass
class ProductForecast(StockedProduct):
    """One product's history and forecast; every number is a plain float (units, never money)."""

    lead_time_days: int
    low_stock_threshold: int | None
    seller_class: str
    model: str
    dates: list[date]
    point: list[float]
    lower: list[float]
    upper: list[float]
    history_start: date | None
    history: list[float]
    demand_sd: float
    """Standard deviation of daily demand over the fit window; drives the safety stock."""
    fallback: bool = False

    @property
    def total(self) -> float:
        return float(sum(self.point))

    @property
    def total_lower(self) -> float:
        return float(sum(self.lower))

    @property
    def total_upper(self) -> float:
        return float(sum(self.upper))

    @property
    def mean_daily(self) -> float:
        return self.total / len(self.point) if self.point else 0.0

    @property
    def history_dates(self) -> list[date]:
        if self.history_start is None:
            return []
        return [self.history_start + timedelta(days=i) for i in range(len(self.history))]

    def demand(self, start: int, days: int) -> float:
        """Forecast units in forecast days [start, start + days).

        A horizon shorter than asked is extended with the mean of its last week, so reorder maths
        never silently drops days for products with long lead times.
        """
        values = self.point[start : start + days]
        missing = days - len(values)
        if missing > 0:
            tail = self.point[-SEASON:] or [0.0]
            return float(sum(values) + missing * (sum(tail) / len(tail)))
        return float(sum(values))

    def to_dict(self, *, history_days: int | None = 90) -> dict[str, Any]:
        """JSON-friendly shape for the API and the agent's tools (recent history only by default)."""
        history = self.history if history_days is None else self.history[-history_days:]
        history_dates = self.history_dates[len(self.history) - len(history) :]
        return {
            "productId": self.product_id,
            "name": self.name,
            "category": self.category,
            "sellerClass": self.seller_class,
            "model": self.model,
            "fallback": self.fallback,
            "stock": self.stock,
            "total": round(self.total, 2),
            "totalLower": round(self.total_lower, 2),
            "totalUpper": round(self.total_upper, 2),
            "meanDaily": round(self.mean_daily, 3),
            "forecast": [
                {"date": d.isoformat(), "units": round(p, 3), "lower": round(lo, 3), "upper": round(hi, 3)}
                for d, p, lo, hi in zip(self.dates, self.point, self.lower, self.upper, strict=True)
            ],
            "history": [{"date": d.isoformat(), "units": v} for d, v in zip(history_dates, history, strict=True)],
        }


@dataclass
class ForecastResult:
    generated_at: datetime
    start: date
    horizon_days: int
    level: int
    products: list[ProductForecast]
    duration_seconds: float

    def get(self, product_id: str) -> ProductForecast | None:
        for product in self.products:
            if product.product_id == str(product_id):
                return product
        return None

    @property
    def by_class(self) -> dict[str, int]:
        return dict(Counter(p.seller_class for p in self.products))

    @property
    def by_model(self) -> dict[str, int]:
        return dict(Counter(p.model for p in self.products))


def active_products(
    db: Database, product_ids: Sequence[str | ObjectId] | None, category: str | None
) -> list[dict[str, Any]]:
    """The products a forecast covers (not deleted), in id order, with the fields a forecast reports."""
    query: dict[str, Any] = {"deletedAt": None}
    if product_ids is not None:
        query["_id"] = {"$in": product_object_ids(product_ids)}
    if category:
        query["category"] = category
    fields = ["name", "category", "supplier", "stock", "leadTimeDays", "lowStockThreshold"]
    docs = list(db.products.find(query, dict.fromkeys(fields, 1)))
    docs.sort(key=lambda d: str(d["_id"]))
    return docs


def forecast(
    history: SalesHistory,
    *,
    horizon_days: int,
    product_ids: Sequence[str | ObjectId] | None = None,
    category: str | None = None,
    now: datetime | None = None,
    level: int = 80,
    history_days: int = HISTORY_DAYS,
    progress: Progress | None = None,
    advance: Advance | None = None,
) -> ForecastResult:
    """Forecast daily unit demand of active products from today (UTC) for `horizon_days` days.

    Products without any sale in the fit window are still returned (class "inactive", zero demand)
    so that callers see every product they asked for.
    """
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise InvalidInput(f"The forecast horizon must be 1 to {MAX_HORIZON_DAYS} days.", field="horizon_days")
    if not 50 <= level < 100:
        raise InvalidInput("The interval level must be a percentage from 50 to 99.", field="level")
    started = time.monotonic()
    generated_at = now or datetime.now(UTC)
    until = day_start(generated_at)
    since = until - timedelta(days=max(history_days, FIT_DAYS))
    products = active_products(history.db, product_ids, category)
    ids = [d["_id"] for d in products]
    sales = history.series(since, until, ids if product_ids is not None or category else None)
    if progress:
        progress(f"Read the sales history of {len(sales)} products in {time.monotonic() - started:.1f} s")
    last_day = until.date() - timedelta(days=1)
    fit_windows = {str(pid): _fit_window(sales.get(str(pid))) for pid in ids}
    levels = sorted({level, *LEVELS})
    week = history.weekday_profile(until=until)
    fits = fit_all(fit_windows, last_day, horizon_days, levels, week=week, progress=progress, advance=advance)
    dates = [until.date() + timedelta(days=i) for i in range(horizon_days)]
    results = []
    for doc in products:
        pid = str(doc["_id"])
        seller_class, fit = fits[pid]
        first, sold = sales.get(pid, (None, np.zeros(0)))
        shown = sold[len(sold) - min(len(sold), history_days) :]
        window = fit_windows[pid]
        lower, upper = fit.bands[level]
        threshold = doc.get("lowStockThreshold")
        results.append(
            ProductForecast(
                product_id=pid,
                name=doc.get("name", ""),
                category=doc.get("category", ""),
                supplier=doc.get("supplier", ""),
                stock=int(doc.get("stock") or 0),
                lead_time_days=int(doc.get("leadTimeDays") or 7),
                low_stock_threshold=None if threshold is None else int(threshold),
                seller_class=seller_class,
                model=fit.model,
                dates=dates,
                point=[float(v) for v in fit.point],
                lower=[float(v) for v in lower],
                upper=[float(v) for v in upper],
                history_start=None if first is None or not len(shown) else last_day - timedelta(days=len(shown) - 1),
                history=[float(v) for v in shown],
                demand_sd=float(np.std(window, ddof=1)) if len(window) > 1 else 0.0,
                fallback=fit.fallback,
            )
        )
    return ForecastResult(generated_at, until.date(), horizon_days, level, results, time.monotonic() - started)


def _fit_window(entry: tuple[date, np.ndarray] | None) -> np.ndarray:
    if entry is None:
        return np.zeros(0)
    return entry[1][-FIT_DAYS:]

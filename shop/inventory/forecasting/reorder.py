"""Reorder advice from a forecast: reorder point, safety stock, order quantity and days of cover.

Why periodic review: stock is looked at again only after `DEFAULT_REVIEW_DAYS`, so an order must
cover the lead time plus the days until the next review, with a safety stock for the uncertainty of
demand over the lead time. The job stores these figures (stored_forecasts.py), and the dashboard
recomputes the quantity and the cover from the current stock between runs (shop/inventory/stock.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import NormalDist
from typing import Any

from bson import ObjectId

from shop.core.errors import InvalidInput
from shop.inventory.forecasting.forecast import (
    MAX_HORIZON_DAYS,
    ForecastResult,
    ProductForecast,
    StockedProduct,
    active_products,
    forecast,
)
from shop.inventory.forecasting.sales_history import SalesHistory

DEFAULT_SERVICE_LEVEL = 0.95
DEFAULT_REVIEW_DAYS = 14
REFRESH_HORIZON_DAYS = 30


@dataclass
class ReorderSuggestion(StockedProduct):
    """What to order of one product, and the figures behind it (units and days, never money)."""

    lead_time_days: int
    seller_class: str
    model: str
    mean_daily_demand: float
    demand_sd: float
    lead_time_demand: float
    safety_stock: float
    reorder_point: float
    review_period_demand: float
    suggested_quantity: int
    days_of_cover: float | None
    """None when no demand is forecast: the stock then lasts indefinitely."""
    needs_reorder: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "name": self.name,
            "category": self.category,
            "supplier": self.supplier,
            "stock": self.stock,
            "leadTimeDays": self.lead_time_days,
            "sellerClass": self.seller_class,
            "model": self.model,
            "meanDailyDemand": round(self.mean_daily_demand, 3),
            "leadTimeDemand": round(self.lead_time_demand, 2),
            "safetyStock": round(self.safety_stock, 2),
            "reorderPoint": round(self.reorder_point, 2),
            "suggestedQuantity": self.suggested_quantity,
            "daysOfCover": None if self.days_of_cover is None else round(self.days_of_cover, 1),
            "needsReorder": self.needs_reorder,
        }


def days_of_cover(stock: int, mean_daily: float) -> float | None:
    """How many days `stock` lasts at `mean_daily` forecast units a day; None when no demand is forecast.

    The one formula behind the dashboard's cover, the reorder advice and the chat's run-out report:
    12 jars selling 1.5 a day cover 8.0 days. A product with stock 0 has 0 days of cover.
    """
    return max(0, stock) / mean_daily if mean_daily > 1e-9 else None


def reorder_suggestion(
    product: ProductForecast,
    *,
    service_level: float = DEFAULT_SERVICE_LEVEL,
    review_days: int = DEFAULT_REVIEW_DAYS,
) -> ReorderSuggestion:
    """Classic periodic-review advice with a safety stock for demand uncertainty over the lead time.

    The sd is of daily demand (not of forecast errors): it is what the owner can check against the
    sales chart, and for weekly-seasonal sellers it errs on the safe side.
    """
    lead = max(1, product.lead_time_days)
    z = NormalDist().inv_cdf(service_level)
    lead_demand = product.demand(0, lead)
    safety = max(0.0, z * product.demand_sd * math.sqrt(lead))
    reorder_point = lead_demand + safety
    review_demand = product.demand(lead, review_days)
    quantity = max(0, math.ceil(reorder_point + review_demand - product.stock - 1e-9))
    mean_daily = product.mean_daily
    return ReorderSuggestion(
        **product.product_fields(),
        lead_time_days=product.lead_time_days,
        seller_class=product.seller_class,
        model=product.model,
        mean_daily_demand=mean_daily,
        demand_sd=product.demand_sd,
        lead_time_demand=lead_demand,
        safety_stock=safety,
        reorder_point=reorder_point,
        review_period_demand=review_demand,
        suggested_quantity=quantity,
        days_of_cover=days_of_cover(product.stock, mean_daily),
        needs_reorder=product.stock <= reorder_point and quantity > 0,
    )


def reorder_horizon(products: Iterable[dict[str, Any]], review_days: int) -> int:
    """Long enough for 30-day totals and for every lead time plus the review period."""
    needed = [REFRESH_HORIZON_DAYS, *(int(d.get("leadTimeDays") or 7) + review_days for d in products)]
    return min(MAX_HORIZON_DAYS, max(needed))


def reorder_suggestions(
    history: SalesHistory,
    *,
    product_ids: Sequence[str | ObjectId] | None = None,
    category: str | None = None,
    service_level: float = DEFAULT_SERVICE_LEVEL,
    review_days: int = DEFAULT_REVIEW_DAYS,
    now: datetime | None = None,
    result: ForecastResult | None = None,
) -> list[ReorderSuggestion]:
    """Reorder advice, most urgent first (needing a reorder, then fewest days of cover).

    Pass `result` to reuse a forecast already made; otherwise one is made whose horizon covers the
    longest lead time plus the review period.
    """
    if not 0.5 <= service_level < 1:
        raise InvalidInput("The service level must be at least 0.5 and below 1.", field="service_level")
    if result is None:
        horizon = reorder_horizon(active_products(history.db, product_ids, category), review_days)
        result = forecast(history, horizon_days=horizon, product_ids=product_ids, category=category, now=now)
    suggestions = [reorder_suggestion(p, service_level=service_level, review_days=review_days) for p in result.products]
    suggestions.sort(
        key=lambda s: (not s.needs_reorder, s.days_of_cover if s.days_of_cover is not None else math.inf, s.name)
    )
    return suggestions

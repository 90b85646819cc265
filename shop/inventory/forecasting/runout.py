"""What runs out within a horizon: products whose forecast demand over the next `days` reaches their stock.

Why a report of its own: "which products will run out in the next two weeks?" is not the low-stock
list. A product with 40 jars selling 4 a day runs out in 10 days without ever being "low", and a
product already at 0 has run out, it will not. So this report takes the same forecast as the
dashboard and the reorder advice (forecast.forecast, with the horizon asked for) and keeps the products
in stock whose forecast demand over the horizon is at least their stock, fewest days of cover first.

The three figures it shows agree by construction: days of cover is stock / mean daily demand over
the horizon (reorder.days_of_cover, the dashboard's formula), so "demand over `days` >= stock" is
exactly "cover <= `days`"; the run-out date is the first forecast day on which the cumulative demand
reaches the stock, which lies inside the horizon for the same reason (weekend days count heavier, so
the date can fall a day before today + cover).

Open purchase orders would count as stock arriving, but the shop keeps none: a purchase order is a CSV
drafted and downloaded (purchase_orders.py), never stored, so there is nothing to add.

Sold-out products (stock 0) are counted apart: they are a restocking matter, not a forecast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from shop.inventory.forecasting.forecast import ForecastResult, ProductForecast, StockedProduct, forecast
from shop.inventory.forecasting.reorder import days_of_cover
from shop.inventory.forecasting.sales_history import SalesHistory

MIN_DAYS = 1
MAX_DAYS = 90
"""Horizons the chat accepts: past 90 days a daily forecast from 26 weeks of sales says little."""


def clamp_days(days: int | float | str | None, default: int = 14) -> int:
    """A horizon in 1..90 days from whatever the model filled in ("14", 14.0, 0, 400, None)."""
    try:
        value = int(float(days)) if days not in (None, "") else default  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = default
    return max(MIN_DAYS, min(MAX_DAYS, value))


@dataclass
class RunoutRow(StockedProduct):
    """One product that runs out within the horizon."""

    demand: float
    """Forecast units over the horizon (>= stock)."""
    days_of_cover: float
    runs_out_on: date


@dataclass(frozen=True)
class RunoutReport:
    days: int
    start: date
    rows: list[RunoutRow]
    """Fewest days of cover first."""
    sold_out: list[str]
    """Ids of products already at 0 (not in `rows`)."""


def _runs_out_on(product: ProductForecast) -> date:
    """The first forecast day on which the cumulative demand reaches the stock."""
    total = 0.0
    for day, units in zip(product.dates, product.point, strict=True):
        total += units
        if total >= product.stock:
            return day
    return product.dates[-1]


def runout_report(
    history: SalesHistory, days: int, *, now: datetime | None = None, result: ForecastResult | None = None
) -> RunoutReport:
    """Products in stock whose forecast demand over the next `days` (clamped to 1..90) reaches their stock.

    Pass `result` (a forecast of exactly `days`) to reuse one already made.
    """
    days = clamp_days(days)
    if result is None:
        result = forecast(history, horizon_days=days, now=now)
    rows = []
    for product in result.products:
        if product.stock <= 0:
            continue
        demand = product.demand(0, days)
        cover = days_of_cover(product.stock, demand / days)
        if cover is None or demand < product.stock:
            continue
        rows.append(
            RunoutRow(**product.product_fields(), demand=demand, days_of_cover=cover, runs_out_on=_runs_out_on(product))
        )
    rows.sort(key=lambda r: (r.days_of_cover, r.name.lower()))
    sold_out = sorted(p.product_id for p in result.products if p.stock <= 0)
    return RunoutReport(days=days, start=result.start, rows=rows, sold_out=sold_out)

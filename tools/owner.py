"""The owner's tools: stock, demand forecasts, reorder advice and sales. Reads only.

Every number comes from the same modules as the admin dashboard: forecasts and reorder advice from
shop/inventory/forecasting/ (the one implementation, so the chat and the dashboard never disagree),
sales from shop/backoffice/analytics.py, stock rows from shop/inventory/stock.py. These tools sit in
OWNER_TOOLS only; a customer's agent is built without them, so no customer message can reach them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from langchain.tools import ToolRuntime, tool

from shop.inventory.forecasting.forecast import MAX_HORIZON_DAYS, forecast
from shop.inventory.forecasting.reorder import reorder_suggestions
from shop.inventory.stock import filter_rows, inventory_rows
from tools.common import clean, fence, money, resolve_product
from tools.context import ToolContext

Period = Literal["7d", "30d", "90d", "month", "last-month", "12m", "year"]
PERIOD_NAMES = {
    "7d": "the last 7 days",
    "30d": "the last 30 days",
    "90d": "the last 90 days",
    "month": "this month",
    "last-month": "last month",
    "12m": "the last 12 months",
    "year": "this year",
}
MAX_ROWS = 8


def _category(ctx: ToolContext, value: str) -> str | None:
    """The slug of the shop's category named by `value` (its slug or its display name)."""
    value = (value or "").strip().lower()
    for category in ctx.services.catalog.all_categories():
        if value in (category.slug, category.name.lower()):
            return category.slug
    return None


def _name(ctx: ToolContext, product_id: str, fallback: str) -> str:
    """Remember a product the report names, so the reply may name it too."""
    product = ctx.services.catalog.get_any(product_id)
    if product is not None:
        ctx.remember(product)
        return clean(product.name, 80)
    return clean(fallback, 80)


def _answer(ctx: ToolContext, text: str, source: str) -> str:
    """The report is the answer: code shows it to the owner as written and ends the turn.

    Measured on the small local model, an answer written from a report took 20-50 s and mislabelled
    or dropped figures about half the time ("top sellers by units" with revenue figures). Choosing
    the report and its arguments (period, category, horizon) is the model's part; the figures are code's.
    """
    ctx.note(text)
    ctx.turn.direct_reply = text.replace(" | ", ", ")
    return fence(text, source)


def low_stock(ctx: ToolContext, limit: int = MAX_ROWS) -> str:
    """Products at or below their low-stock threshold, with the forecast cover where one exists."""
    limit = max(1, min(int(limit or MAX_ROWS), 20))
    settings = ctx.services.settings
    rows = filter_rows(inventory_rows(ctx.services.db, settings), status="low", sort="urgency")
    lines = []
    for row in rows[:limit]:
        cover = row.days_of_cover
        cover_text = "" if cover is None or cover == float("inf") else f" | {cover:.0f} days of cover"
        lines.append(
            f"{_name(ctx, row.product_id, row.name)} | stock {row.stock} (threshold {row.threshold})"
            f"{cover_text} | supplier {clean(row.supplier, 40) or '-'}"
        )
    if not lines:
        return _answer(ctx, "No product is low on stock.", "inventory")
    text = f"{len(rows)} products low on stock; most urgent first:\n" + "\n".join(lines)
    return _answer(ctx, text, "inventory")


def demand_forecast(ctx: ToolContext, product: str = "", category: str = "", days: int = 30) -> str:
    days = max(1, min(int(days or 30), MAX_HORIZON_DAYS))
    history = ctx.services.sales_history
    if _category(ctx, product):  # "tea" is a shelf, not a product named "... Tea ..."
        product, category = "", category or product
    if product.strip():
        found = resolve_product(ctx, product)
        if found is None:
            return f"No product matches {clean(product, 60)!r}."
        result = forecast(history, horizon_days=days, product_ids=[found.id])
        item = result.get(found.id)
        if item is None:
            return "No forecast for that product."
        ctx.remember(found)
        text = (
            f"{clean(found.name, 80)}: {item.total:.0f} units expected in the next {days} days "
            f"(80% range {item.total_lower:.0f}-{item.total_upper:.0f}; about {item.mean_daily:.1f} a day). "
            f"Stock now {item.stock}. Model {item.model}, seller class {item.seller_class}."
        )
        return _answer(ctx, text, "forecast")
    slug = _category(ctx, category)
    result = forecast(history, horizon_days=days, category=slug)
    ranked = sorted(result.products, key=lambda f: -f.total)
    total = sum(f.total for f in ranked)
    named = ctx.services.catalog.category(slug)
    scope = named.name if named else "the whole shop"
    lines = [f"{_name(ctx, f.product_id, f.name)} | {f.total:.0f} units | stock {f.stock}" for f in ranked[:MAX_ROWS]]
    text = f"Forecast for {scope}, next {days} days: {total:.0f} units in all. Top products:\n" + "\n".join(lines)
    return _answer(ctx, text, "forecast")


def reorder(ctx: ToolContext, category: str = "", limit: int = MAX_ROWS) -> str:
    """What to order now: forecasting.reorder_suggestions, keeping only products that need a reorder."""
    limit = max(1, min(int(limit or MAX_ROWS), 20))
    suggestions = reorder_suggestions(ctx.services.sales_history, category=_category(ctx, category))
    needed = [s for s in suggestions if s.needs_reorder]
    if not needed:
        return _answer(ctx, "Nothing needs reordering right now.", "reorder")
    lines = []
    for s in needed[:limit]:
        cover = "no demand" if s.days_of_cover is None else f"{s.days_of_cover:.0f} days of cover"
        lines.append(
            f"{_name(ctx, s.product_id, s.name)} | order {s.suggested_quantity} | stock {s.stock} | {cover} | "
            f"lead time {s.lead_time_days} days | supplier {clean(s.supplier, 40) or '-'}"
        )
    text = f"{len(needed)} products need a reorder; most urgent first:\n" + "\n".join(lines)
    return _answer(ctx, text, "reorder")


def _report(ctx: ToolContext, period: str) -> tuple[Any, str]:
    from shop.backoffice.analytics import preset_period, sales_report, shop_zone

    settings = ctx.services.settings
    period = period if period in PERIOD_NAMES else "30d"
    today = datetime.now(shop_zone(settings.shop_timezone)).date()
    start, end, granularity = preset_period(period, today)
    report = sales_report(
        ctx.services.db, start=start, end=end, granularity=granularity, timezone=settings.shop_timezone
    )
    return report, PERIOD_NAMES[period]


def sales(ctx: ToolContext, period: str = "30d") -> str:
    report, name = _report(ctx, period)
    categories = ", ".join(f"{c.name} {money(ctx, c.revenue)}" for c in report.categories if c.revenue)
    top = "; ".join(f"{_name(ctx, p.product_id, p.name)} {money(ctx, p.revenue)}" for p in report.top_by_revenue(3))
    text = (
        f"Sales {name} ({report.start} to {report.end}): {report.orders} orders, revenue {money(ctx, report.revenue)}, "
        f"{report.units} units, average order {money(ctx, report.average_order_value)}. "
        f"By category: {categories or 'none'}. Top by revenue: {top or 'none'}."
    )
    return _answer(ctx, text, "sales")


def top_sellers(ctx: ToolContext, period: str = "30d", by: str = "units", limit: int = 5) -> str:
    report, name = _report(ctx, period)
    limit = max(1, min(int(limit or 5), 20))
    rows = report.top_by_revenue(limit) if by == "revenue" else report.top_by_units(limit)
    if not rows:
        return _answer(ctx, f"No sales in {name}.", "sales")
    lines = [
        f"{i}. {_name(ctx, p.product_id, p.name)} | {p.units} units | {money(ctx, p.revenue)} | {p.orders} orders"
        for i, p in enumerate(rows, 1)
    ]
    text = f"Top sellers by {'revenue' if by == 'revenue' else 'units'}, {name}:\n" + "\n".join(lines)
    return _answer(ctx, text, "sales")


Runtime = ToolRuntime[ToolContext]


@tool("low_stock_report", description="Products at or below their low-stock threshold.")
def low_stock_tool(runtime: Runtime, limit: int = MAX_ROWS) -> str:
    return low_stock(runtime.context, limit)


@tool(
    "demand_forecast",
    description="Forecast units sold in the next days, for one product, a category (coffee, tea, food, beauty) or the shop.",
)
def demand_forecast_tool(runtime: Runtime, product: str = "", category: str = "", days: int = 30) -> str:
    return demand_forecast(runtime.context, product, category, days)


@tool("reorder_suggestions", description="What to reorder now and how many, optionally for one category.")
def reorder_tool(runtime: Runtime, category: str = "", limit: int = MAX_ROWS) -> str:
    return reorder(runtime.context, category, limit)


@tool("sales_summary", description="Orders, revenue and units for a period.")
def sales_tool(runtime: Runtime, period: Period = "30d") -> str:
    return sales(runtime.context, period)


@tool("top_sellers", description="Best-selling products for a period, by units or revenue.")
def top_sellers_tool(
    runtime: Runtime, period: Period = "30d", by: Literal["units", "revenue"] = "units", limit: int = 5
) -> str:
    return top_sellers(runtime.context, period, by, limit)


OWNER_TOOLS: list[Any] = [low_stock_tool, demand_forecast_tool, reorder_tool, sales_tool, top_sellers_tool]

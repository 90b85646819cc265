"""The owner's tools: stock, demand forecasts, what runs out, reorder advice and sales. Reads only.

Every number comes from the same modules as the admin dashboard: forecasts and reorder advice from
shop/inventory/forecasting/ (the one implementation, so the chat and the dashboard never disagree),
sales from shop/backoffice/analytics.py, stock rows from shop/inventory/stock.py. These tools sit in
OWNER_TOOLS only; a customer's agent is built without them, so no customer message can reach them.

What the small model has to do is pick a report and fill typed arguments: `days` (an int; "two weeks"
is 14 by the model, code clamps to 1..90), `until` ("weekend" / "month-end", which code turns into
days because only code knows today's date) and `supplier` (a name as the owner wrote it; code matches
it to the suppliers the products carry). No English keyword routing sits in front of it: the owner
writes in any language, and the model reads them all.

Every report states a count equal to the rows it lists, or says where it cut the list ("12 products
...; the first 8"), so the figure and the list never disagree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from langchain.tools import ToolRuntime, tool
from pydantic import Field

from shop.inventory.forecasting.forecast import forecast
from shop.inventory.forecasting.reorder import reorder_suggestions
from shop.inventory.forecasting.runout import clamp_days, runout_report
from shop.inventory.purchase_orders import match_suppliers, supplier_names
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
Until = Literal["", "weekend", "month-end"]


def counted(total: int, shown: int, what: str) -> str:
    """The report's first line: the count of everything found, and where the list is cut.

    "3 products to reorder:" when all 3 are listed; "12 products to reorder; the first 8:" when 8 of 12
    are, so the count in the text is never mistaken for the number of rows below it.
    """
    noun = "product" if total == 1 else "products"
    cut = ":" if shown >= total else f"; the first {shown}:"
    return f"{total} {noun} {what}{cut}"


def horizon_days(days: int | str | None, until: str, today: date) -> int:
    """The horizon in days, 1..90: `until` ("weekend", "month-end") counted from `today` wins over `days`.

    "Before the weekend" on a Wednesday is 3 days (Wednesday to Friday); on a Saturday or Sunday it is
    the next weekend (7 or 6 days). "This month" on 20 November is 11 days (20 to 30 November).
    """
    if until == "weekend":
        return (5 - today.weekday()) % 7 or 7
    if until == "month-end":
        next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return (next_month - today).days
    return clamp_days(days)


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
    text = counted(len(rows), len(lines), "low on stock, most urgent first") + "\n" + "\n".join(lines)
    return _answer(ctx, text, "inventory")


def demand_forecast(ctx: ToolContext, product: str = "", category: str = "", days: int = 30) -> str:
    days = clamp_days(days, default=30)
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


def will_run_out(ctx: ToolContext, days: int = 14, until: str = "") -> str:
    """Products in stock whose forecast demand over the horizon reaches their stock (runout.runout_report).

    Sold-out products get their own line, as a count: they have run out already, and naming them in
    a "will run out" answer is the mistake issue 12 found (the held-out suite fails a reply that names
    one). The dashboard's Sold out filter lists them.
    """
    history = ctx.services.sales_history
    days = horizon_days(days, until, datetime.now(UTC).date())  # the forecast's days are UTC days
    report = runout_report(history, days)
    end = report.start + timedelta(days=days - 1)
    lines = [
        f"{_name(ctx, r.product_id, r.name)} | stock {r.stock} | forecast {r.demand:.0f} units in {days} days | "
        f"{r.days_of_cover:.1f} days of cover | runs out {r.runs_out_on:%a %d %b}"
        for r in report.rows[:MAX_ROWS]
    ]
    if lines:
        what = f"will run out in the next {days} days (by {end:%a %d %b}), fewest days of cover first"
        text = counted(len(report.rows), len(lines), what) + "\n" + "\n".join(lines)
    else:
        text = f"No product in stock is forecast to run out in the next {days} days (by {end:%a %d %b})."
    if report.sold_out:
        count = len(report.sold_out)
        text += (
            f"\nAlready sold out, not counted above: {count} {'product' if count == 1 else 'products'} "
            "(Inventory, filter Sold out)."
        )
    return _answer(ctx, text, "forecast")


def reorder(ctx: ToolContext, category: str = "", limit: int = MAX_ROWS, supplier: str = "") -> str:
    """What to order now: forecasting.reorder_suggestions, keeping only products that need a reorder,
    of one supplier when `supplier` names one (products carry their supplier's name)."""
    limit = max(1, min(int(limit or MAX_ROWS), 20))
    supplier = (supplier or "").strip()
    chosen = ""
    if supplier:
        names = supplier_names(ctx.services.db)
        matches = match_suppliers(names, supplier)
        if len(matches) != 1 and _category(ctx, supplier):  # the model put a shelf ("tea") in supplier
            category, matches = category or supplier, [""]
        if not matches:
            listed = ", ".join(clean(n, 60) for n in names) or "none yet"
            return _answer(ctx, f"No supplier named {clean(supplier, 60)!r}; suppliers are: {listed}.", "reorder")
        if len(matches) > 1:
            listed = ", ".join(clean(n, 60) for n in matches)
            return _answer(
                ctx, f"{clean(supplier, 60)!r} could be {len(matches)} suppliers: {listed}. Which one?", "reorder"
            )
        chosen = matches[0]
    suggestions = reorder_suggestions(ctx.services.sales_history, category=_category(ctx, category))
    needed = [s for s in suggestions if s.needs_reorder and (not chosen or s.supplier == chosen)]
    source = f" from {clean(chosen, 60)}" if chosen else ""
    if not needed:
        return _answer(ctx, f"Nothing{source} needs reordering right now.", "reorder")
    lines = []
    for s in needed[:limit]:
        cover = "no demand" if s.days_of_cover is None else f"{s.days_of_cover:.0f} days of cover"
        lines.append(
            f"{_name(ctx, s.product_id, s.name)} | order {s.suggested_quantity} | stock {s.stock} | {cover} | "
            f"lead time {s.lead_time_days} days | supplier {clean(s.supplier, 40) or '-'}"
        )
    text = counted(len(needed), len(lines), f"to reorder{source}, most urgent first") + "\n" + "\n".join(lines)
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


Days = Annotated[int, Field(description="how many days ahead: one week = 7, two weeks = 14, one month = 30")]
UntilArg = Annotated[Until, Field(description='"weekend" for before the weekend, "month-end" for this month, else ""')]
Supplier = Annotated[str, Field(description="supplier name as the owner wrote it, or empty for all suppliers")]


@tool(
    "low_stock_report",
    description="Products low or sold out right now (at or below their low-stock threshold). Not a forecast.",
)
def low_stock_tool(runtime: Runtime, limit: int = MAX_ROWS) -> str:
    return low_stock(runtime.context, limit)


@tool(
    "will_run_out",
    description="Products in stock that the forecast says will run out (sell out) within the next days.",
)
def will_run_out_tool(runtime: Runtime, days: Days = 14, until: UntilArg = "") -> str:
    return will_run_out(runtime.context, days, until)


@tool(
    "demand_forecast",
    description="Forecast units sold in the next days, for one product, a category (coffee, tea, food, beauty) or the shop.",
)
def demand_forecast_tool(runtime: Runtime, product: str = "", category: str = "", days: Days = 30) -> str:
    return demand_forecast(runtime.context, product, category, days)


@tool(
    "reorder_suggestions",
    description="What to reorder now and how many; optionally only from one supplier or one category.",
)
def reorder_tool(runtime: Runtime, supplier: Supplier = "", category: str = "") -> str:
    return reorder(runtime.context, category, supplier=supplier)


@tool("sales_summary", description="Orders, revenue and units for a period.")
def sales_tool(runtime: Runtime, period: Period = "30d") -> str:
    return sales(runtime.context, period)


@tool("top_sellers", description="Best-selling products for a period, by units or revenue.")
def top_sellers_tool(
    runtime: Runtime, period: Period = "30d", by: Literal["units", "revenue"] = "units", limit: int = 5
) -> str:
    return top_sellers(runtime.context, period, by, limit)


OWNER_TOOLS: list[Any] = [
    low_stock_tool,
    will_run_out_tool,
    demand_forecast_tool,
    reorder_tool,
    sales_tool,
    top_sellers_tool,
]

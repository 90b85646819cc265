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

Reports are written in the owner's language (`ctx.lang`, read from the message like a customer's):
every sentence and label is a phrase of tools/phrases.json with its plural forms, dates are written
by `phrases.day`; figures keep their format, and product names, supplier names and money stay as
they are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, get_args

from langchain.tools import ToolRuntime, tool
from pydantic import Field

from shop.core.text import tokenize
from shop.inventory.forecasting.forecast import forecast
from shop.inventory.forecasting.reorder import reorder_suggestions
from shop.inventory.forecasting.runout import clamp_days, runout_report
from shop.inventory.purchase_orders import match_suppliers, supplier_names
from shop.inventory.stock import filter_rows, inventory_rows
from tools.common import clean, fence, money, resolve_product
from tools.context import ToolContext
from tools.phrases import day, say, say_n

Period = Literal["7d", "30d", "90d", "month", "last-month", "12m", "year"]
PERIODS: tuple[str, ...] = get_args(Period)
"""Each has its name in every language: the phrase "owner_period_<period>" ("the last 7 days")."""
SELLER_CLASSES = ("inactive", "short", "regular", "sparse")
"""shop.inventory.forecasting.models.classify's names, each a phrase "owner_class_<name>"."""
MAX_ROWS = 8
Until = Literal["", "weekend", "month-end"]


def counted(ctx: ToolContext, total: int, shown: int, key: str, **values: Any) -> str:
    """The report's first line: the count of everything found, and where the list is cut.

    "3 products to reorder:" when all 3 are listed; "12 products to reorder; the first 8:" when 8 of 12
    are, so the count in the text is never mistaken for the number of rows below it. `key` names the
    line's phrase (with its plural forms: "1 produit sera épuisé", "3 produits seront épuisés").
    """
    cut = say("owner_cut_all", ctx.lang) if shown >= total else say_n("owner_cut", ctx.lang, shown)
    return say_n(key, ctx.lang, total, **values) + cut


def _row(*parts: str) -> str:
    """One product's row: its fields joined by " | " (shown to the owner as ", ")."""
    return " | ".join(parts)


def _days(ctx: ToolContext, n: int) -> str:
    """ "in the next 14 days" in the owner's language."""
    return say_n("owner_within", ctx.lang, n)


def _cover(ctx: ToolContext, days: float, decimals: int) -> str:
    return say_n("owner_cover", ctx.lang, f"{days:.{decimals}f}")


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


def _category_said(ctx: ToolContext, value: str) -> bool:
    """Whether the owner's messages name the category `value` is (its slug or its name, or their
    plural). "Was sollte ich bei <supplier> nachbestellen?" got "nothing to reorder" although two of the
    supplier's products needed one (test-split run, seed 31): a category no one named leaves none of
    a supplier's products when it is not the supplier's shelf."""
    slug = _category(ctx, value)
    if slug is None or ctx.customer_text is None:
        return slug is not None
    name = next((c.name for c in ctx.services.catalog.all_categories() if c.slug == slug), slug)
    said = set(tokenize(ctx.customer_text))
    return any(word in said or f"{word}s" in said for word in tokenize(f"{slug} {name}"))


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
    lang = ctx.lang
    lines = []
    for row in rows[:limit]:
        cover = row.days_of_cover
        covered = [] if cover is None or cover == float("inf") else [_cover(ctx, cover, 0)]
        lines.append(
            _row(
                _name(ctx, row.product_id, row.name),
                say("owner_stock_threshold", lang, stock=row.stock, threshold=row.threshold),
                *covered,
                say("owner_supplier", lang, name=clean(row.supplier, 40) or "-"),
            )
        )
    if not lines:
        return _answer(ctx, say("owner_low_none", lang), "inventory")
    text = counted(ctx, len(rows), len(lines), "owner_low_count") + "\n" + "\n".join(lines)
    return _answer(ctx, text, "inventory")


def demand_forecast(ctx: ToolContext, product: str = "", category: str = "", days: int = 30) -> str:
    days = clamp_days(days, default=30)
    lang = ctx.lang
    history = ctx.services.sales_history
    if _category(ctx, product):  # "tea" is a shelf, not a product named "... Tea ..."
        product, category = "", category or product
    if product.strip():
        found = resolve_product(ctx, product)
        if found is None:
            return say("owner_no_match", lang, name=repr(clean(product, 60)))
        result = forecast(history, horizon_days=days, product_ids=[found.id])
        item = result.get(found.id)
        if item is None:
            return say("owner_no_forecast", lang)
        ctx.remember(found)
        known = item.seller_class in SELLER_CLASSES
        text = say(
            "owner_forecast_product",
            lang,
            name=clean(found.name, 80),
            expected=say_n("owner_expected", lang, f"{item.total:.0f}"),
            within=_days(ctx, days),
            low=f"{item.total_lower:.0f}",
            high=f"{item.total_upper:.0f}",
            daily=f"{item.mean_daily:.1f}",
            stock=item.stock,
            model=item.model,
            seller_class=say(f"owner_class_{item.seller_class}", lang) if known else item.seller_class,
        )
        return _answer(ctx, text, "forecast")
    slug = _category(ctx, category)
    result = forecast(history, horizon_days=days, category=slug)
    ranked = sorted(result.products, key=lambda f: -f.total)
    total = sum(f.total for f in ranked)
    named = ctx.services.catalog.category(slug)
    scope = named.name if named else say("owner_whole_shop", lang)
    lines = [
        _row(
            _name(ctx, f.product_id, f.name),
            say_n("owner_units", lang, f"{f.total:.0f}"),
            say("owner_stock", lang, n=f.stock),
        )
        for f in ranked[:MAX_ROWS]
    ]
    head = say(
        "owner_forecast_head",
        lang,
        scope=scope,
        days=say_n("owner_days", lang, days),
        within=_days(ctx, days),
        units=say_n("owner_units", lang, f"{total:.0f}"),
    )
    text = head + "\n" + "\n".join(lines)
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
    end = day(report.start + timedelta(days=days - 1), ctx.lang)
    lang = ctx.lang
    lines = [
        _row(
            _name(ctx, r.product_id, r.name),
            say("owner_stock", lang, n=r.stock),
            say(
                "owner_forecast_in",
                lang,
                units=say_n("owner_units", lang, f"{r.demand:.0f}"),
                days=say_n("owner_days", lang, days),
            ),
            _cover(ctx, r.days_of_cover, 1),
            say("owner_runs_out", lang, date=day(r.runs_out_on, lang)),
        )
        for r in report.rows[:MAX_ROWS]
    ]
    if lines:
        head = counted(ctx, len(report.rows), len(lines), "owner_runout_count", within=_days(ctx, days), end=end)
        text = head + "\n" + "\n".join(lines)
    else:
        text = say("owner_runout_none", lang, within=_days(ctx, days), end=end)
    if report.sold_out:
        text += "\n" + say_n("owner_sold_out", lang, len(report.sold_out))
    return _answer(ctx, text, "forecast")


def supplier_in_message(ctx: ToolContext) -> str:
    """The one supplier the owner's message names in full, else "". A supplier's name is a proper noun
    in every language, so code reads it where the model missed it: "¿Qué le vuelvo a pedir a Origin
    Direct Coffee Traders?" got the whole shop's low-stock list from the 1.5B model."""
    said = f" {' '.join(tokenize(ctx.customer_text))} "
    named = [n for n in supplier_names(ctx.services.db) if tokenize(n) and f" {' '.join(tokenize(n))} " in said]
    return named[0] if len(named) == 1 else ""


def reorder(ctx: ToolContext, category: str = "", limit: int = MAX_ROWS, supplier: str = "") -> str:
    """What to order now: forecasting.reorder_suggestions, keeping only products that need a reorder,
    of one supplier when `supplier` names one (products carry their supplier's name)."""
    limit = max(1, min(int(limit or MAX_ROWS), 20))
    lang = ctx.lang
    supplier = (supplier or "").strip()
    chosen = ""
    if supplier:
        names = supplier_names(ctx.services.db)
        matches = match_suppliers(names, supplier)
        if len(matches) != 1 and _category(ctx, supplier):  # the model put a shelf ("tea") in supplier
            category, matches = category or supplier, [""]
        if not matches:
            listed = ", ".join(clean(n, 60) for n in names) or say("owner_none_yet", lang)
            text = say("owner_no_supplier", lang, name=repr(clean(supplier, 60)), listed=listed)
            return _answer(ctx, text, "reorder")
        if len(matches) > 1:
            listed = ", ".join(clean(n, 60) for n in matches)
            text = say("owner_which_supplier", lang, name=repr(clean(supplier, 60)), n=len(matches), listed=listed)
            return _answer(ctx, text, "reorder")
        chosen = matches[0]
        if category and not _category_said(ctx, category):
            category = ""  # the supplier's whole list: a shelf the owner did not name is the model's guess
    suggestions = reorder_suggestions(ctx.services.sales_history, category=_category(ctx, category))
    needed = [s for s in suggestions if s.needs_reorder and (not chosen or s.supplier == chosen)]
    source = {"supplier": clean(chosen, 60)} if chosen else {}
    suffix = "_from" if chosen else ""
    if not needed:
        return _answer(ctx, say(f"owner_reorder_none{suffix}", lang, **source), "reorder")
    lines = []
    for s in needed[:limit]:
        cover = say("owner_no_demand", lang) if s.days_of_cover is None else _cover(ctx, s.days_of_cover, 0)
        lines.append(
            _row(
                _name(ctx, s.product_id, s.name),
                say("owner_order", lang, n=s.suggested_quantity),
                say("owner_stock", lang, n=s.stock),
                cover,
                say_n("owner_lead_time", lang, s.lead_time_days),
                say("owner_supplier", lang, name=clean(s.supplier, 40) or "-"),
            )
        )
    text = counted(ctx, len(needed), len(lines), f"owner_reorder_count{suffix}", **source)
    text += "\n" + "\n".join(lines)
    return _answer(ctx, text, "reorder")


def _report(ctx: ToolContext, period: str) -> tuple[Any, str]:
    from shop.backoffice.analytics import preset_period, sales_report, shop_zone

    settings = ctx.services.settings
    period = period if period in PERIODS else "30d"
    today = datetime.now(shop_zone(settings.shop_timezone)).date()
    start, end, granularity = preset_period(period, today)
    report = sales_report(
        ctx.services.db, start=start, end=end, granularity=granularity, timezone=settings.shop_timezone
    )
    return report, say(f"owner_period_{period}", ctx.lang)


def sales(ctx: ToolContext, period: str = "30d") -> str:
    report, name = _report(ctx, period)
    categories = ", ".join(f"{c.name} {money(ctx, c.revenue)}" for c in report.categories if c.revenue)
    top = "; ".join(f"{_name(ctx, p.product_id, p.name)} {money(ctx, p.revenue)}" for p in report.top_by_revenue(3))
    lang = ctx.lang
    text = say(
        "owner_sales",
        lang,
        period=name,
        start=report.start,
        end=report.end,
        orders=say_n("owner_orders", lang, report.orders),
        revenue=money(ctx, report.revenue),
        units=say_n("owner_units", lang, report.units),
        average=money(ctx, report.average_order_value),
        categories=categories or say("owner_none", lang),
        top=top or say("owner_none", lang),
    )
    return _answer(ctx, text, "sales")


def top_sellers(ctx: ToolContext, period: str = "30d", by: str = "units", limit: int = 5) -> str:
    report, name = _report(ctx, period)
    limit = max(1, min(int(limit or 5), 20))
    rows = report.top_by_revenue(limit) if by == "revenue" else report.top_by_units(limit)
    lang = ctx.lang
    if not rows:
        return _answer(ctx, say("owner_no_sales", lang, period=name), "sales")
    lines = [
        _row(
            f"{i}. {_name(ctx, p.product_id, p.name)}",
            say_n("owner_units", lang, p.units),
            money(ctx, p.revenue),
            say_n("owner_orders", lang, p.orders),
        )
        for i, p in enumerate(rows, 1)
    ]
    head = say("owner_top_revenue" if by == "revenue" else "owner_top_units", lang, period=name)
    text = head + "\n" + "\n".join(lines)
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
    named = supplier_in_message(runtime.context)  # a question about one supplier's stock is its reorder list
    return reorder(runtime.context, supplier=named) if named else low_stock(runtime.context, limit)


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
    return reorder(runtime.context, category, supplier=supplier or supplier_in_message(runtime.context))


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

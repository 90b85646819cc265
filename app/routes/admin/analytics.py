"""Admin: sales analytics for a chosen period, with charts and CSV exports.

The figures come from shop.backoffice.analytics (cancelled orders excluded, exact decimal sums, days in
SHOP_TIMEZONE); this module only parses the period, draws the charts and formats the page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from app.admin_ui import clean_params
from app.charts import ChartData, Format, bar_chart, plain_number, share_chart
from app.deps import AdminPage
from shop.backoffice import analytics
from shop.core.errors import InvalidInput
from shop.core.money import format_money
from shop.services import ShopServices

router = APIRouter(tags=["admin"], include_in_schema=False)

DEFAULT_PRESET = "30d"
TOP = 10


def _today(services: ShopServices) -> date:
    zone = analytics.shop_zone(services.settings.shop_timezone)
    return datetime.now(UTC).astimezone(zone).date()


def _period(params: dict[str, str], today: date) -> tuple[date, date, analytics.Granularity, str]:
    """(start, end, granularity, preset) from ?preset= or ?start=&end=&granularity=; a preset wins."""
    preset = params.get("preset", "")
    if "start" in params or "end" in params:
        try:
            start = date.fromisoformat(params.get("start", "")) if params.get("start") else today.replace(day=1)
            end = date.fromisoformat(params.get("end", "")) if params.get("end") else today
        except ValueError as exc:
            raise InvalidInput("Dates must look like 2025-06-30.", field="start") from exc
        granularity = params.get("granularity", "day")
        if granularity not in ("day", "week", "month"):
            raise InvalidInput("Group by day, week or month.", field="granularity")
        return start, end, granularity, ""  # type: ignore[return-value]
    start, end, granularity = analytics.preset_period(preset or DEFAULT_PRESET, today)
    if params.get("granularity") in ("day", "week", "month"):
        granularity = params["granularity"]  # type: ignore[assignment]
    return start, end, granularity, preset or DEFAULT_PRESET


def _short_label(bucket: analytics.Bucket, granularity: str) -> str:
    if granularity == "month":
        return bucket.start.strftime("%b %Y")
    if granularity == "week":
        return bucket.start.strftime("%d %b")
    return bucket.start.strftime("%d %b")


def _charts(report: analytics.SalesReport, symbol: str) -> dict[str, Any]:
    unit = {"day": "day", "week": "week", "month": "month"}[report.granularity]
    labels = [_short_label(b, report.granularity) for b in report.buckets]
    revenue = [float(b.revenue) for b in report.buckets]
    orders = [float(b.orders) for b in report.buckets]
    period = f"{report.start:%d %b %Y} to {report.end:%d %b %Y}"
    best = max(report.buckets, key=lambda b: b.revenue, default=None)
    best_text = (
        f"; best {unit}: {best.label} with {format_money(best.revenue, symbol)}" if best and best.revenue else ""
    )

    def money_axis(value: float) -> str:
        return f"{symbol}{value:,.0f}"

    def per_period(
        what: str, values: list[float], total: str, y_label: str, value_format: Format = plain_number
    ) -> Markup:
        """A bar per period; the revenue and orders charts differ only in what they count."""
        title = f"{what} per {unit}"
        data = ChartData(what.lower(), title, f"{title} from {period}: {total}.", labels, values, value_format)
        return bar_chart(data, y_label=y_label, legend=title)

    shares = [c for c in report.categories if c.revenue or c.units]
    return {
        "revenue_chart": per_period(
            "Revenue",
            revenue,
            f"{format_money(report.revenue, symbol)} in total{best_text}",
            value_format=money_axis,
            y_label=f"Revenue ({symbol})",
        ),
        "orders_chart": per_period("Orders", orders, f"{report.orders} in total", y_label="Orders"),
        "category_chart": share_chart(
            ChartData(
                chart_id="categories",
                title="Revenue by category",
                desc="Revenue by category: "
                + ", ".join(f"{c.name} {format_money(c.revenue, symbol)} ({c.share:.0%})" for c in shares)
                + ".",
                labels=[c.name for c in shares],
                values=[float(c.revenue) for c in shares],
                value_format=money_axis,
            )
        ),
    }


@router.get("/admin/analytics", response_class=HTMLResponse)
def analytics_page(admin: AdminPage) -> HTMLResponse:
    services = admin.services
    params = clean_params(admin.request)
    today = _today(services)
    error = None
    try:
        start, end, granularity, preset = _period(params, today)
        analytics.validate_period(start, end)
    except InvalidInput as exc:
        error = exc.message
        start, end, granularity = analytics.preset_period(DEFAULT_PRESET, today)
        preset = DEFAULT_PRESET
    report, computed_at = services.sales_reports.get(
        services.db, start=start, end=end, granularity=granularity, timezone=services.settings.shop_timezone
    )
    query = {"start": start.isoformat(), "end": end.isoformat(), "granularity": granularity}
    return admin.render(
        "admin/analytics/report.html",
        {
            "report": report,
            "computed_at": computed_at,
            "preset": preset,
            "presets": analytics.PRESETS,
            "granularities": analytics.GRANULARITIES,
            "query": query,
            "top_revenue": report.top_by_revenue(TOP),
            "top_units": report.top_by_units(TOP),
            "error": error,
            **_charts(report, services.settings.currency_symbol),
        },
        status_code=422 if error else 200,
    )


@router.get("/admin/analytics/export.csv")
def analytics_csv(admin: AdminPage) -> Response:
    """?report=series|products|categories for the same period parameters as the page."""
    services = admin.services
    params = clean_params(admin.request)
    kind = params.get("report", "series")
    if kind not in ("series", "products", "categories"):
        raise InvalidInput("Choose report=series, products or categories.", field="report")
    start, end, granularity, _preset = _period(params, _today(services))
    report, _computed = services.sales_reports.get(
        services.db, start=start, end=end, granularity=granularity, timezone=services.settings.shop_timezone
    )
    name = f"sales-{kind}-{start:%Y%m%d}-{end:%Y%m%d}" + (f"-{granularity}" if kind == "series" else "") + ".csv"
    return Response(
        analytics.report_csv(report, kind),  # type: ignore[arg-type]
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )

"""Admin: inventory dashboard, per-product forecast chart, low-stock thresholds, purchase-order drafts.

The numbers come from shop.inventory.stock (stored forecasts combined with current stock), the chart from
shop.inventory.forecasting (the same implementation the nightly job and the owner's agent use), so the page,
the email and the chat never disagree. Every write is CSRF-checked and goes to the activity log.
"""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import clean_params, prefixed_fields, redirect_with_notice, render_admin
from app.charts import forecast_chart
from app.deps import CsrfChecked, CurrentOwner, Services, safe_next
from app.routes.admin import inventory_locations
from app.templating import current_path, wants_fragment
from shop.backoffice import owner_jobs
from shop.backoffice.jobs import job_info
from shop.core.activity import log_activity
from shop.core.errors import InvalidInput
from shop.inventory import stock as inventory
from shop.inventory.forecasting.forecast import forecast
from shop.inventory.purchase_orders import (
    NO_SUPPLIER,
    build_purchase_orders,
    csv_filename,
    draft_lines,
    parse_quantities,
    purchase_orders_csv,
)
from shop.services import ShopServices

router = APIRouter(tags=["admin"], include_in_schema=False)

PAGE_SIZE = 50
CHART_HISTORY_DAYS = 90
CHART_HORIZON_DAYS = 30
NOTICES = {
    "forecast": "The forecast is running. Refresh this page in a minute to see the new numbers.",
    "forecast-busy": "A forecast is already running; its numbers appear here when it is done.",
    "threshold": "The low-stock threshold was saved.",
}
_forecast_thread_lock = threading.Lock()


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("notice", ""))


def _cover(value: float | None) -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "no demand"
    return f"{value:.0f} d" if value >= 10 else f"{value:.1f} d"


def _units(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


HELPERS = {"cover": _cover, "units": _units}


def _choice(value: str | None, allowed: list[tuple[str, str]], default: str) -> str:
    return value if value in {key for key, _ in allowed} else default


# --------------------------------------------------------------------------------------------------
# Dashboard
# --------------------------------------------------------------------------------------------------


@router.get("/admin/inventory", response_class=HTMLResponse)
def inventory_page(request: Request, services: Services, owner: CurrentOwner) -> HTMLResponse:
    params = clean_params(request)
    status = _choice(params.get("status"), inventory.STATUS_OPTIONS, "all")
    sort = _choice(params.get("sort"), inventory.SORT_OPTIONS, "urgency")
    category = params.get("category") if services.catalog.category(params.get("category")) else None
    all_rows = inventory.inventory_rows(services.db, services.settings)
    suppliers = sorted({r.supplier for r in all_rows if r.supplier}, key=str.lower)
    supplier = params.get("supplier") if params.get("supplier") in suppliers else None
    rows = inventory.filter_rows(
        all_rows,
        q=params.get("q", "")[:100],
        category=category,
        supplier=supplier,
        status=status,  # type: ignore[arg-type]
        sort=sort,  # type: ignore[arg-type]
    )
    try:
        page = max(1, int(params.get("page", "1")))
    except ValueError:
        page = 1
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    page = min(page, pages)
    context: dict[str, Any] = {
        "rows": rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "total": len(rows),
        "page": page,
        "pages": pages,
        "summary": inventory.summarize(all_rows),
        "filters": {
            "q": params.get("q", ""),
            "category": category,
            "supplier": supplier,
            "status": status,
            "sort": sort,
        },
        "categories": [(c.slug, c.name) for c in services.catalog.all_categories()],
        "suppliers": suppliers,
        "status_options": inventory.STATUS_OPTIONS,
        "sort_options": inventory.SORT_OPTIONS,
        "forecast_job": job_info(services.db, owner_jobs.FORECAST),
        "backup_job": job_info(services.db, owner_jobs.BACKUP),
        "default_threshold": services.settings.low_stock_threshold,
        "return_to": current_path(request),
        "notice": _notice(request),
        **HELPERS,
    }
    fragment = wants_fragment(request, "inventory-results")
    return render_admin(
        request, "admin/inventory/_results.html" if fragment else "admin/inventory/dashboard.html", context
    )


def _run_forecast_in_background(services: ShopServices) -> None:
    def work() -> None:
        owner_jobs.forecast_job(services.db, services.settings, services.mailer)

    threading.Thread(target=work, name="forecast-now", daemon=True).start()


@router.post("/admin/inventory/forecast")
def run_forecast(request: Request, services: Services, owner: CsrfChecked) -> Response:
    """Start the forecast job now (in the background: fitting every product takes seconds to a minute)."""
    with _forecast_thread_lock:
        running = job_info(services.db, owner_jobs.FORECAST).running_since is not None
        if not running:
            log_activity(services.db, owner.email, "forecast.run", "jobs", owner_jobs.FORECAST, None, None)
            _run_forecast_in_background(services)
    return redirect_with_notice("/admin/inventory", "forecast-busy" if running else "forecast")


# --------------------------------------------------------------------------------------------------
# Purchase-order draft (declared before /admin/inventory/{product_id} so its paths win)
# --------------------------------------------------------------------------------------------------


def _draft_page(
    request: Request,
    services: ShopServices,
    *,
    include_all: bool,
    quantities: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lines = draft_lines(services.db, services.settings, include_all=include_all)
    groups: dict[str, list[Any]] = {}
    for line in lines:
        groups.setdefault(line.row.supplier or NO_SUPPLIER, []).append(line)
    return render_admin(
        request,
        "admin/inventory/purchase_order.html",
        {
            "groups": groups,
            "include_all": include_all,
            "quantities": quantities or {},
            "error": error,
            "today": datetime.now(UTC).date(),
            **HELPERS,
        },
        status_code=status_code,
    )


@router.get("/admin/inventory/purchase-order", response_class=HTMLResponse)
def purchase_order_page(request: Request, services: Services, owner: CurrentOwner, all: str = "") -> HTMLResponse:
    return _draft_page(request, services, include_all=bool(all))


@router.post("/admin/inventory/purchase-order.csv")
async def purchase_order_csv(request: Request, services: Services, owner: CsrfChecked) -> Response:
    """The supplier's CSV from the draft's edited quantities (all suppliers, or the one whose button
    was pressed)."""
    form = await request.form()
    raw = prefixed_fields(form, "qty_")
    supplier = str(form.get("supplier") or "") or None
    include_all = bool(form.get("include_all"))
    try:
        quantities = parse_quantities(raw)
        orders = build_purchase_orders(services.db, quantities, supplier=supplier)
    except InvalidInput as exc:
        return _draft_page(
            request, services, include_all=include_all, quantities=raw, error=exc.message, status_code=422
        )
    if not orders:
        message = "Enter a quantity for at least one product" + (f" from {supplier}." if supplier else ".")
        return _draft_page(request, services, include_all=include_all, quantities=raw, error=message, status_code=422)
    for order in orders:
        log_activity(
            services.db,
            owner.email,
            "purchase_order.export",
            "purchase_orders",
            order.reference,
            None,
            {
                "supplier": order.supplier,
                "lines": [{"productId": ln.product_id, "quantity": ln.quantity} for ln in order.lines],
            },
        )
    return Response(
        purchase_orders_csv(orders),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{csv_filename(orders)}"',
            "Cache-Control": "no-store",
        },
    )


# --------------------------------------------------------------------------------------------------
# One product: chart and threshold
# --------------------------------------------------------------------------------------------------


def _chart(services: ShopServices, row: inventory.InventoryRow) -> tuple[Any, Any]:
    result = forecast(
        services.sales_history,
        horizon_days=CHART_HORIZON_DAYS,
        product_ids=[row.product_id],
        history_days=CHART_HISTORY_DAYS,
        level=80,
    )
    item = result.products[0] if result.products else None
    if item is None:
        return None, None
    history = item.history[-CHART_HISTORY_DAYS:]
    history_dates = item.history_dates[-CHART_HISTORY_DAYS:]
    sold = sum(history)
    desc = (
        f"Units of {row.name} sold per day over the last {len(history)} days ({sold:.0f} in total), and the "
        f"forecast for the next {CHART_HORIZON_DAYS} days: {item.total:.0f} units expected, "
        f"{item.total_lower:.0f} to {item.total_upper:.0f} with 80% confidence (model {item.model})."
    )
    chart = forecast_chart(
        chart_id=f"forecast-{row.product_id}",
        title=f"Daily sales and forecast: {row.name}",
        desc=desc,
        history_dates=history_dates,
        history=history,
        forecast_dates=item.dates,
        forecast=item.point,
        lower=item.lower,
        upper=item.upper,
        level=80,
    )
    return chart, item


def _product_page(
    request: Request,
    services: ShopServices,
    product_id: str,
    *,
    error: str | None = None,
    value: str | None = None,
    location_error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    row = inventory.get_row(services.db, services.settings, product_id)
    chart, item = _chart(services, row)
    weekly = []
    if item is not None:
        for start in range(0, len(item.point), 7):
            span = item.dates[start : start + 7]
            weekly.append(
                (
                    span[0],
                    span[-1],
                    sum(item.point[start : start + 7]),
                    sum(item.lower[start : start + 7]),
                    sum(item.upper[start : start + 7]),
                )
            )
    return render_admin(
        request,
        "admin/inventory/product.html",
        {
            "row": row,
            "chart": chart,
            "forecast": item,
            "weekly": weekly,
            "default_threshold": services.settings.low_stock_threshold,
            "error": error,
            "threshold_value": value,
            "notice": _notice(request) or inventory_locations.NOTICES.get(request.query_params.get("notice", "")),
            # LOCATIONS: units per location, adjust and transfer forms
            "location_error": location_error,
            **inventory_locations.location_context(services, row.product_id),
            **HELPERS,
        },
        status_code=status_code,
    )


@router.get("/admin/inventory/{product_id}", response_class=HTMLResponse)
def inventory_product_page(product_id: str, request: Request, services: Services, owner: CurrentOwner) -> HTMLResponse:
    return _product_page(request, services, product_id)


@router.post("/admin/inventory/{product_id}/threshold")
def set_threshold(
    product_id: str,
    request: Request,
    services: Services,
    owner: CsrfChecked,
    low_stock_threshold: Annotated[str, Form(alias="lowStockThreshold", max_length=20)] = "",
    return_to: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Set or clear (blank) a product's own low-stock threshold; the alert re-arms or fires on the next check."""
    try:
        threshold = inventory.parse_threshold(low_stock_threshold)
    except InvalidInput as exc:
        if wants_fragment(request):
            return render_admin(request, "_flash.html", {"message": exc.message}, status_code=422)
        inventory.get_row(services.db, services.settings, product_id)  # 404 for an unknown product first
        return _product_page(
            request, services, product_id, error=exc.message, value=low_stock_threshold, status_code=422
        )
    before, after = inventory.set_low_stock_threshold(services.db, product_id, threshold)
    log_activity(
        services.db,
        owner.email,
        "inventory.threshold",
        "products",
        product_id,
        {"lowStockThreshold": before},
        {"lowStockThreshold": after},
    )
    services.catalog.invalidate()
    if wants_fragment(request):
        row = inventory.get_row(services.db, services.settings, product_id)
        return render_admin(
            request,
            "admin/inventory/_row.html",
            {"row": row, "default_threshold": services.settings.low_stock_threshold, "return_to": return_to, **HELPERS},
        )
    return redirect_with_notice(safe_next(return_to) if return_to else f"/admin/inventory/{product_id}", "threshold")

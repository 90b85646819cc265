"""Admin: orders — list with status and date filters, detail, and status changes along the lifecycle.

The status control is a plain form per allowed next status; with htmx it swaps just the order's status
block in place (in the list and on the detail page alike), without htmx it posts and redirects back.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import clean_params, redirect_with_notice
from app.deps import AdminCall, AdminPage, AdminWrite, FormText, safe_next
from app.templating import current_path, wants_fragment
from shop.core.activity import recent_activity
from shop.core.errors import ShopError
from shop.inventory.locations import ShipmentGroup
from shop.ordering.admin import ACTION_LABELS, TRANSITIONS, OrderListQuery
from shop.ordering.orders import STATUSES
from shop.services import ShopServices

router = APIRouter(tags=["admin"], include_in_schema=False)


@router.get("/admin/orders", response_class=HTMLResponse)
def orders_page(admin: AdminPage) -> HTMLResponse:
    query = OrderListQuery.model_validate(clean_params(admin.request))
    order_admin = admin.services.order_admin
    error = None
    try:
        result = order_admin.list(query)
    except ShopError as exc:
        error, result = exc.message, order_admin.list(OrderListQuery())
    return admin.render(
        "admin/orders/list.html",
        {
            "result": result,
            "query": query,
            "statuses": STATUSES,
            "transitions": TRANSITIONS,
            "action_labels": ACTION_LABELS,
            "error": error,
            "return_to": current_path(admin.request),
        },
        status_code=422 if error else 200,
    )


@router.get("/admin/orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: str, admin: AdminPage) -> HTMLResponse:
    return _detail(admin, order_id)


def _detail(admin: AdminCall, order_id: str, error: str | None = None) -> HTMLResponse:
    admin_order = admin.services.order_admin.get(order_id)
    history, _ = recent_activity(admin.services.db, entity="order", entity_id=admin_order.order.id, page_size=20)
    context = {
        "admin_order": admin_order,
        "order": admin_order.order,
        "activity": history,
        "transitions": TRANSITIONS,
        "action_labels": ACTION_LABELS,
        "error": error,
        "return_to": f"/admin/orders/{admin_order.order.id}",
        "ship_from": ship_from(admin.services, admin_order.order.id),  # LOCATIONS (issue 14)
    }
    return admin.render("admin/orders/detail.html", context, status_code=409 if error else 200)


@router.post("/admin/orders/{order_id}/status")
def change_status(order_id: str, admin: AdminWrite, status: FormText = "", return_to: FormText = "") -> Response:
    try:
        admin_order = admin.services.order_admin.change_status(order_id, status, owner=admin.owner.email)
    except ShopError as exc:
        if wants_fragment(admin.request):
            raise  # the flash fragment (4xx answers are swapped into #flash)
        return _detail(admin, order_id, error=exc.message)
    if wants_fragment(admin.request):
        return admin.render(
            "admin/orders/_status.html",
            {
                "order": admin_order.order,
                "transitions": TRANSITIONS,
                "action_labels": ACTION_LABELS,
                "return_to": safe_next(return_to),
                "changed": True,
            },
        )
    return redirect_with_notice(safe_next(return_to or f"/admin/orders/{admin_order.order.id}"), "status")


def ship_from(services: ShopServices, order_id: str) -> list[ShipmentGroup]:
    """LOCATIONS (issue 14): the order's allocation grouped by location, for a shop with several
    locations (one group per parcel: the ship form can be per location); empty for a one-location shop."""
    if len(services.locations.active()) <= 1:
        return []
    doc = services.db.orders.find_one({"_id": order_id}, {"allocations": 1, "products": 1})
    return services.locations.shipments(doc) if doc else []

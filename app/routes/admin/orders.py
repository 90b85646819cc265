"""Admin: orders — list with status and date filters, detail, and status changes along the lifecycle.

The status control is a plain form per allowed next status; with htmx it swaps just the order's status
block in place (in the list and on the detail page alike), without htmx it posts and redirects back.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import clean_params, redirect_with_notice, render_admin
from app.deps import CsrfChecked, CurrentOwner, Services, safe_next
from app.templating import current_path, wants_fragment
from shop.core.activity import recent_activity
from shop.core.errors import ShopError
from shop.ordering.admin import ACTION_LABELS, TRANSITIONS, OrderListQuery
from shop.ordering.orders import STATUSES
from shop.services import ShopServices

router = APIRouter(tags=["admin"], include_in_schema=False)


@router.get("/admin/orders", response_class=HTMLResponse)
def orders_page(request: Request, services: Services, owner: CurrentOwner) -> HTMLResponse:
    params = clean_params(request)
    query = OrderListQuery.model_validate(params)
    error = None
    try:
        result = services.order_admin.list(query)
    except ShopError as exc:
        error, result = exc.message, services.order_admin.list(OrderListQuery())
    return render_admin(
        request,
        "admin/orders/list.html",
        {
            "result": result,
            "query": query,
            "statuses": STATUSES,
            "transitions": TRANSITIONS,
            "action_labels": ACTION_LABELS,
            "error": error,
            "return_to": current_path(request),
        },
        status_code=422 if error else 200,
    )


@router.get("/admin/orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: str, request: Request, services: Services, owner: CurrentOwner) -> HTMLResponse:
    return _detail(request, services, order_id)


def _detail(request: Request, services: ShopServices, order_id: str, error: str | None = None) -> HTMLResponse:
    admin_order = services.order_admin.get(order_id)
    history, _ = recent_activity(services.db, entity="order", entity_id=admin_order.order.id, page_size=20)
    context = {
        "admin_order": admin_order,
        "order": admin_order.order,
        "activity": history,
        "transitions": TRANSITIONS,
        "action_labels": ACTION_LABELS,
        "error": error,
        "return_to": f"/admin/orders/{admin_order.order.id}",
    }
    return render_admin(request, "admin/orders/detail.html", context, status_code=409 if error else 200)


@router.post("/admin/orders/{order_id}/status")
def change_status(
    order_id: str,
    request: Request,
    services: Services,
    owner: CsrfChecked,
    status: Annotated[str, Form()] = "",
    return_to: Annotated[str, Form()] = "",
) -> Response:
    try:
        admin_order = services.order_admin.change_status(order_id, status, owner=owner.email)
    except ShopError as exc:
        if wants_fragment(request):
            raise  # the flash fragment (4xx answers are swapped into #flash)
        return _detail(request, services, order_id, error=exc.message)
    if wants_fragment(request):
        return render_admin(
            request,
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

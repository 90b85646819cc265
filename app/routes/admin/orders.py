"""Admin: orders — list with status and date filters, detail, and status changes along the lifecycle.

The status control is a plain form per allowed next status; with htmx it swaps just the order's status
block in place (in the list and on the detail page alike), without htmx it posts and redirects back.
Shipping with a carrier and tracking number, and marking one parcel delivered, are plain forms on the
detail page (shop/fulfillment): a refused one shows the page again with the reason (422 for what was
typed, 409 for an order that cannot ship).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import clean_params, prefixed_fields, redirect_with_notice
from app.deps import AdminCall, AdminPage, AdminWrite, FormText, safe_next
from app.templating import current_path, wants_fragment
from shop.core.activity import recent_activity
from shop.core.errors import InvalidFields, InvalidInput, ShopError
from shop.fulfillment.carriers import CARRIERS, parse_tracking
from shop.fulfillment.progress import parcel_progress
from shop.fulfillment.shipments import ShipmentView, shipments_of
from shop.inventory.locations import ShipmentGroup, allocated_location_ids, units_to_ship
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


def _detail(
    admin: AdminCall,
    order_id: str,
    error: str | None = None,
    *,
    status_code: int = 409,
    ship_form: dict[str, str] | None = None,
    ship_errors: dict[str, str] | None = None,
) -> HTMLResponse:
    admin_order = admin.services.order_admin.get(order_id)
    shipments = shipments_of(admin_order.order.source)
    history, _ = recent_activity(admin.services.db, entity="order", entity_id=admin_order.order.id, page_size=20)
    context = {
        "admin_order": admin_order,
        "order": admin_order.order,
        "activity": history,
        "transitions": TRANSITIONS,
        "action_labels": ACTION_LABELS,
        "error": error,
        "return_to": f"/admin/orders/{admin_order.order.id}",
        # TRACKING: the parcels, the ship form and its carriers
        "shipments": shipments,
        "estimate": admin.services.fulfillment.estimate(admin_order.order),
        "carriers": list(CARRIERS.values()),
        "ship_form": ship_form or {},
        "ship_errors": ship_errors or {},
        "ship_from": ship_from(admin.services, admin_order.order.source),  # LOCATIONS (issue 14)
        # SPLIT SHIPMENTS (issue 14): each location's parcels and units still to send, "1 of 2 parcels shipped"
        "shipped_from": _by_location(shipments),
        "to_ship": units_to_ship(admin_order.order.source),
        "progress": parcel_progress(admin_order.order.source),
    }
    return admin.render("admin/orders/detail.html", context, status_code=status_code if error else 200)


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


# --- split shipments (issue 14) -----------------------------------------------------------------------

MAX_PARCEL_LINES = 100
"""More "qty_" fields than an order has lines is not a ship form; refused before anything is read."""


async def parcel_quantities(request: Request) -> dict[str, str]:
    """The ship form's "qty_<product id>" fields as typed (read after the CSRF check parsed the form)."""
    return prefixed_fields(await request.form(), "qty_", max_length=12)


ParcelQuantities = Annotated[dict[str, str], Depends(parcel_quantities)]


def _parcel_items(quantities: dict[str, str]) -> list[dict[str, Any]] | None:
    """[{productId, quantity}] of the units typed (0 leaves an item for a later parcel); None when the
    form sent no quantities (the simple form: the service decides)."""
    if not quantities:
        return None
    if len(quantities) > MAX_PARCEL_LINES:
        raise InvalidInput("This parcel lists more items than the order has.", field="items")
    items: list[dict[str, Any]] = []
    for pid, raw in quantities.items():
        text = raw.strip() or "0"
        if not (text.isascii() and text.isdigit()):
            raise InvalidInput(
                "Each quantity in the parcel is a whole number (0 to leave it for later).", field="items"
            )
        if int(text):
            items.append({"productId": pid, "quantity": int(text)})
    return items


def _by_location(shipments: list[ShipmentView]) -> dict[str, list[ShipmentView]]:
    grouped: dict[str, list[ShipmentView]] = {}
    for parcel in shipments:
        if parcel.location_id:
            grouped.setdefault(parcel.location_id, []).append(parcel)
    return grouped


# --- shipments (TRACKING) ----------------------------------------------------------------------------


@router.post("/admin/orders/{order_id}/shipments")
def ship_order(
    order_id: str,
    admin: AdminWrite,
    quantities: ParcelQuantities,
    carrier: FormText = "",
    tracking_number: FormText = "",
    carrier_name: FormText = "",
    tracking_url: FormText = "",
    location_id: FormText = "",
) -> Response:
    """One parcel. `location_id` (the per-location forms of a split order) names the stock location it
    leaves from, and "qty_<product id>" how many of each of its items are in this parcel (pre-filled
    with all it still has to send); the service checks both against the order's allocations (422)."""
    typed = {
        "carrier": carrier,
        "tracking_number": tracking_number,
        "carrier_name": carrier_name,
        "tracking_url": tracking_url,
        "location_id": location_id,
        **{f"qty_{pid}": value for pid, value in quantities.items()},
    }
    try:
        tracking = parse_tracking(carrier, tracking_number, carrier_name=carrier_name, tracking_url=tracking_url)
        items = _parcel_items(quantities)
        admin_order = admin.services.fulfillment.ship(
            order_id, tracking, owner=admin.owner.email, location_id=location_id.strip() or None, items=items
        )
    except InvalidFields as exc:
        return _detail(admin, order_id, exc.message, status_code=422, ship_form=typed, ship_errors=exc.errors)
    except ShopError as exc:
        return _detail(admin, order_id, exc.message, status_code=exc.status_code, ship_form=typed)
    return redirect_with_notice(f"/admin/orders/{admin_order.order.id}", "shipped", anchor="shipments-title")


@router.post("/admin/orders/{order_id}/shipments/{shipment_id}/delivered")
def parcel_delivered(order_id: str, shipment_id: str, admin: AdminWrite) -> Response:
    try:
        admin_order = admin.services.fulfillment.deliver(order_id, shipment_id, owner=admin.owner.email)
    except ShopError as exc:
        return _detail(admin, order_id, exc.message, status_code=exc.status_code)
    notice = "status" if admin_order.order.status == "completed" else "parcel-delivered"
    return redirect_with_notice(f"/admin/orders/{admin_order.order.id}", notice, anchor="shipments-title")


def ship_from(services: ShopServices, doc: dict[str, Any] | None) -> list[ShipmentGroup]:
    """LOCATIONS (issue 14): the order's allocation grouped by location, for a shop with several
    locations (one group per parcel: the ship form can be per location); empty for a one-location shop."""
    if not doc:
        return []
    # A split order keeps its per-location forms even if the shop is down to one active location.
    if len(services.locations.active()) <= 1 and len(allocated_location_ids(doc)) <= 1:
        return []
    return services.locations.shipments(doc)

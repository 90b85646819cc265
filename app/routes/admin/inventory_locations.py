"""Admin, inventory area: stock locations, stock per location and transfers, suppliers, purchase orders.

Included by app/routes/admin/inventory.py before its /admin/inventory/{product_id} page, so these
paths win. The rules live in shop.inventory (locations, suppliers, purchasing); every write is
CSRF-checked and logged there, in the same transaction as the change. A refused change re-renders
its page with the reason (422 for bad input, 409 for a conflict), never a half-written state.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.admin_ui import prefixed_fields, redirect_with_notice, render_admin
from app.deps import CsrfChecked, CurrentOwner, Services, safe_next
from shop.core.errors import InvalidInput, ShopError
from shop.inventory.purchase_orders import parse_quantities
from shop.inventory.purchasing import STATUSES
from shop.inventory.suppliers import list_suppliers, save_supplier
from shop.services import ShopServices

router = APIRouter(tags=["admin"], include_in_schema=False)

NOTICES = {
    "location": "The location was saved.",
    "supplier": "The supplier was saved.",
    "po-created": "The purchase orders were saved as drafts.",
    "po-sent": "The purchase order was emailed to the supplier and marked as sent.",
    "po-received": "The goods received were added to stock.",
    "po-cancelled": "The purchase order was cancelled.",
    "stock": "The stock was saved.",
    "transfer": "The units were moved.",
}
Text = Annotated[str, Form(max_length=2000)]


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("notice", ""))


def _status(exc: ShopError) -> int:
    return exc.status_code


# --------------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------------


def _locations_page(
    request: Request,
    services: ShopServices,
    *,
    editing: str | None = None,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    locations = services.locations.all()
    current = next((loc for loc in locations if loc.id == editing), None)
    return render_admin(
        request,
        "admin/inventory/locations.html",
        {
            "locations": locations,
            "editing": current,
            "form": form or {},
            "error": error,
            "notice": _notice(request),
        },
        status_code=status_code,
    )


@router.get("/admin/inventory/locations", response_class=HTMLResponse)
def locations_page(request: Request, services: Services, owner: CurrentOwner, edit: str = "") -> HTMLResponse:
    return _locations_page(request, services, editing=edit[:60] or None)


@router.post("/admin/inventory/locations")
def save_location(
    request: Request,
    services: Services,
    owner: CsrfChecked,
    name: Text = "",
    address: Text = "",
    priority: Annotated[str, Form(max_length=20)] = "1",
    active: Annotated[str, Form(max_length=10)] = "",
    location_id: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    """Create a location (no `location_id`) or edit one."""
    form = {"name": name, "address": address, "priority": priority, "active": bool(active)}
    try:
        services.locations.save(
            location_id or None, name=name, address=address, priority=priority, active=bool(active), owner=owner.email
        )
    except ShopError as exc:
        return _locations_page(
            request, services, editing=location_id or None, form=form, error=exc.message, status_code=_status(exc)
        )
    services.catalog.invalidate()  # the product pages show the locations' names
    return redirect_with_notice("/admin/inventory/locations", "location")


# --------------------------------------------------------------------------------------------------
# Stock per location and transfers (forms on the inventory product page)
# --------------------------------------------------------------------------------------------------


def _back(product_id: str, return_to: str) -> str:
    return safe_next(return_to) if return_to else f"/admin/inventory/{product_id}"


@router.post("/admin/inventory/{product_id}/location-stock")
def adjust_location_stock(
    product_id: str,
    request: Request,
    services: Services,
    owner: CsrfChecked,
    location: Annotated[str, Form(max_length=60)] = "",
    quantity: Annotated[str, Form(max_length=20)] = "",
    seen: Annotated[str, Form(max_length=20)] = "",
    return_to: Text = "",
) -> Response:
    """Set a location's units of the product (as a difference from the figure the form showed)."""
    try:
        services.locations.adjust(product_id, location, quantity, seen, owner=owner.email)
    except ShopError as exc:
        return _product_error(request, services, product_id, exc)
    return redirect_with_notice(_back(product_id, return_to), "stock", anchor="locations")


@router.post("/admin/inventory/{product_id}/transfer")
def transfer_stock(
    product_id: str,
    request: Request,
    services: Services,
    owner: CsrfChecked,
    source: Annotated[str, Form(alias="from", max_length=60)] = "",
    target: Annotated[str, Form(alias="to", max_length=60)] = "",
    quantity: Annotated[str, Form(max_length=20)] = "",
    return_to: Text = "",
) -> Response:
    try:
        services.locations.transfer(product_id, source, target, quantity, owner=owner.email)
    except ShopError as exc:
        return _product_error(request, services, product_id, exc)
    return redirect_with_notice(_back(product_id, return_to), "transfer", anchor="locations")


def _product_error(request: Request, services: ShopServices, product_id: str, exc: ShopError) -> Response:
    from app.routes.admin.inventory import _product_page  # the page these forms sit on

    return _product_page(request, services, product_id, location_error=exc.message, status_code=_status(exc))


def location_context(services: ShopServices, product_id: str) -> dict[str, Any]:
    """What the inventory product page shows of locations: units per location and the transfer form."""
    _, rows = services.locations.product_stock(product_id)
    return {"location_rows": rows, "active_locations": services.locations.active()}


# --------------------------------------------------------------------------------------------------
# Suppliers
# --------------------------------------------------------------------------------------------------


def _suppliers_page(
    request: Request,
    services: ShopServices,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render_admin(
        request,
        "admin/inventory/suppliers.html",
        {
            "suppliers": list_suppliers(services.db),
            "form": form or {},
            "error": error,
            "notice": _notice(request),
        },
        status_code=status_code,
    )


@router.get("/admin/inventory/suppliers", response_class=HTMLResponse)
def suppliers_page(request: Request, services: Services, owner: CurrentOwner) -> HTMLResponse:
    return _suppliers_page(request, services)


@router.post("/admin/inventory/suppliers")
def save_supplier_route(
    request: Request,
    services: Services,
    owner: CsrfChecked,
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    lead_time_days: Annotated[str, Form(alias="leadTimeDays", max_length=20)] = "",
) -> Response:
    try:
        save_supplier(services.db, name=name, email=email, lead_time_days=lead_time_days, owner=owner.email)
    except ShopError as exc:
        form = {"name": name, "email": email, "leadTimeDays": lead_time_days}
        return _suppliers_page(request, services, form=form, error=exc.message, status_code=_status(exc))
    return redirect_with_notice("/admin/inventory/suppliers", "supplier")


# --------------------------------------------------------------------------------------------------
# Purchase orders
# --------------------------------------------------------------------------------------------------


@router.get("/admin/inventory/purchase-orders", response_class=HTMLResponse)
def purchase_orders_page(request: Request, services: Services, owner: CurrentOwner, status: str = "") -> HTMLResponse:
    chosen = status if status in STATUSES else None
    return render_admin(
        request,
        "admin/inventory/purchase_orders.html",
        {
            "orders": services.purchasing.list(status=chosen).items,
            "status": chosen,
            "statuses": STATUSES,
            "notice": _notice(request),
        },
    )


@router.post("/admin/inventory/purchase-orders")
async def create_purchase_orders(request: Request, services: Services, owner: CsrfChecked) -> Response:
    """Drafts from the reorder advice's form (the same quantities the CSV export takes)."""
    from app.routes.admin.inventory import _draft_page

    form = await request.form()
    raw = prefixed_fields(form, "qty_")
    supplier = str(form.get("supplier") or "") or None
    include_all = bool(form.get("include_all"))
    try:
        quantities = parse_quantities(raw)
        if not quantities:
            raise InvalidInput("Enter a quantity for at least one product.", field="quantity")
        created = services.purchasing.create(quantities, supplier=supplier, owner=owner.email)
        if not created:
            raise InvalidInput(f"Enter a quantity for at least one product from {supplier}.", field="quantity")
    except ShopError as exc:
        return _draft_page(
            request, services, include_all=include_all, quantities=raw, error=exc.message, status_code=_status(exc)
        )
    if len(created) == 1:
        return redirect_with_notice(f"/admin/inventory/purchase-orders/{created[0]}", "po-created")
    return redirect_with_notice("/admin/inventory/purchase-orders", "po-created")


def _po_page(
    request: Request, services: ShopServices, po_id: str, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    po = services.purchasing.get(po_id)
    return render_admin(
        request,
        "admin/inventory/purchase_order_detail.html",
        {
            "po": po,
            "locations": services.locations.active(),
            "error": error,
            "notice": _notice(request),
        },
        status_code=status_code,
    )


@router.get("/admin/inventory/purchase-orders/{po_id}", response_class=HTMLResponse)
def purchase_order_detail(po_id: str, request: Request, services: Services, owner: CurrentOwner) -> HTMLResponse:
    return _po_page(request, services, po_id[:80])


@router.post("/admin/inventory/purchase-orders/{po_id}/send")
def send_purchase_order(
    po_id: str,
    request: Request,
    services: Services,
    owner: CsrfChecked,
    revision: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        services.purchasing.send(po_id[:80], revision, owner=owner.email)
    except ShopError as exc:
        return _po_page(request, services, po_id[:80], error=exc.message, status_code=_status(exc))
    return redirect_with_notice(f"/admin/inventory/purchase-orders/{po_id[:80]}", "po-sent")


@router.post("/admin/inventory/purchase-orders/{po_id}/cancel")
def cancel_purchase_order(
    po_id: str,
    request: Request,
    services: Services,
    owner: CsrfChecked,
    revision: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        services.purchasing.cancel(po_id[:80], revision, owner=owner.email)
    except ShopError as exc:
        return _po_page(request, services, po_id[:80], error=exc.message, status_code=_status(exc))
    return redirect_with_notice(f"/admin/inventory/purchase-orders/{po_id[:80]}", "po-cancelled")


@router.post("/admin/inventory/purchase-orders/{po_id}/receive")
async def receive_purchase_order(po_id: str, request: Request, services: Services, owner: CsrfChecked) -> Response:
    """Record a delivery: units per line (all or part of what is outstanding) into one location."""
    form = await request.form()
    quantities = prefixed_fields(form, "recv_", max_length=20)
    location = str(form.get("location") or "")[:60]
    revision = str(form.get("revision") or "")[:20]
    try:
        services.purchasing.receive(po_id[:80], quantities, location, revision, owner=owner.email)
    except ShopError as exc:
        return _po_page(request, services, po_id[:80], error=exc.message, status_code=_status(exc))
    return redirect_with_notice(f"/admin/inventory/purchase-orders/{po_id[:80]}", "po-received")

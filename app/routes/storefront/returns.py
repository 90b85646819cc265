"""Storefront: the "Return or exchange items" form on the order lookup page, and the return label.

Both are guarded like the order lookup: the order number AND the email it was placed with. The form
sends one row per order line (how many to send back, opened, damaged or wrong), a reason and the
resolution; the policy (shop.returns.policy) decides, and the page shows the new request or the
policy's sentence. The label (a PDF made locally) is offered once the owner has approved the return.
Every submission counts against the returns limits (LIMIT_RETURNS_PER_*), a wrong email too: past
them the form answers 429 with Retry-After and the sentence, and nothing is looked up.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from app.deps import Services
from app.limits import check_limit_async, with_retry_after
from app.templating import render
from shop.core.errors import Conflict, ShopError
from shop.core.validation import describe_errors
from shop.ordering.orders import OrderView
from shop.returns.label import return_label
from shop.returns.service import ReturnInput, can_request_return
from shop.security.limits import RateLimited
from shop.services import ShopServices

router = APIRouter(tags=["storefront"], include_in_schema=False)
MAX_FORM_FIELD = 1000


def return_section(services: ShopServices, order: OrderView) -> dict[str, Any]:
    """What the order lookup page needs for its returns part: the order's requests and whether to offer the form."""
    doc = services.db.orders.find_one({"_id": order.id}) or {}
    return {
        "returns": services.returns.for_order(order.id),
        "can_return": can_request_return(doc),
        "return_windows": services.returns.windows(),
        "no_opened_returns": services.returns.no_opened_returns(doc) if doc else [],
    }


def _form_input(form: Any, order: OrderView) -> dict[str, Any]:
    items = []
    for line in order.lines:
        raw = form.get(f"qty_{line.product_id}") or "0"
        quantity = int(raw) if isinstance(raw, str) and raw.strip().isdigit() and len(raw) < 4 else -1
        if quantity == 0:
            continue
        items.append(
            {
                "productId": line.product_id,
                "quantity": quantity,
                "opened": form.get(f"opened_{line.product_id}") == "on",
                "damaged": form.get(f"damaged_{line.product_id}") == "on",
            }
        )
    reason = form.get("reason")
    return {
        "items": items,
        "reason": reason[:MAX_FORM_FIELD] if isinstance(reason, str) else "",
        "resolution": form.get("resolution") if form.get("resolution") in ("refund", "exchange") else "refund",
    }


@router.post("/orders/{order_id}/returns", response_class=HTMLResponse)
async def request_return(order_id: str, request: Request, services: Services) -> HTMLResponse:
    form = await request.form()
    email = form.get("email") if isinstance(form.get("email"), str) else ""
    lookup = {"order_id": order_id[:40], "email": str(email)[:254]}
    try:
        await check_limit_async(request, services, "returns", visitor=request.state.session_id)
    except RateLimited as exc:
        context = {"form": lookup, "errors": {}, "order": None, "error": exc.message}
        refused = render(request, "pages/order_lookup.html", context, 429)
        with_retry_after(refused, exc)
        return refused
    try:
        order = services.orders.lookup(order_id, str(email))
    except ShopError as exc:
        context = {"form": lookup, "errors": {}, "order": None, "error": exc.message}
        return render(request, "pages/order_lookup.html", context, exc.status_code)
    context: dict[str, Any] = {"form": lookup, "errors": {}, "order": order}
    status_code = 201
    try:
        body = ReturnInput.model_validate(_form_input(form, order))
        made = services.returns.request(order.id, order.email, body, channel="web")
        context["return_made"] = made
    except ValidationError as exc:
        errors = describe_errors(list(exc.errors()))
        context["return_error"] = (
            "Please choose how many of at least one item to send back."
            if "items" in errors
            else "Please check the form: " + "; ".join(errors.values())
        )
        status_code = 422
    except ShopError as exc:
        context["return_error"] = exc.message
        status_code = exc.status_code
    context.update(return_section(services, order))
    return render(request, "pages/order_lookup.html", context, status_code)


@router.get("/orders/{order_id}/returns/{rma_id}/label.pdf")
def label(order_id: str, rma_id: str, email: str, services: Services) -> Response:
    found = services.returns.for_customer(rma_id, order_id, email[:254])
    if found.status != "approved":
        raise Conflict(
            f"The return label of {found.id} is available while the return is approved ({found.status} now)."
        )
    return pdf_response(return_label(found, services.settings), found.id)


def pdf_response(pdf: bytes, rma_id: str) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="return-label-{rma_id}.pdf"', "Cache-Control": "no-store"},
    )

"""Rendering for the owner's admin: one `render_admin` so every admin page gets the same globals.

Admin pages share the storefront's Jinja environment (and its `money` filter) but not its globals:
they need the signed-in owner, the CSRF token every form and htmx request must carry, and which
navigation section is active, and they never need the cart badge or the category list.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse

from app.templating import templates

# (key, label, href): the admin's sections in navigation order. The key is the first path segment
# after /admin/, which is how the active section is found.
NAV: list[tuple[str, str, str]] = [
    ("dashboard", "Dashboard", "/admin"),
    ("products", "Products", "/admin/products"),
    ("categories", "Categories", "/admin/categories"),
    ("orders", "Orders", "/admin/orders"),
    ("returns", "Returns", "/admin/returns"),  # RETURNS (issue 14)
    ("reviews", "Reviews", "/admin/reviews"),
    ("inbox", "Inbox", "/admin/inbox"),
    ("outbox", "Outbox", "/admin/outbox"),
    ("inventory", "Inventory", "/admin/inventory"),
    ("shipping", "Shipping & tax", "/admin/shipping"),  # shipping (SHIPPING, issue 14)
    ("analytics", "Analytics", "/admin/analytics"),
    ("activity", "Activity", "/admin/activity"),
    ("blocks", "Blocked IPs", "/admin/blocks"),  # ops-limits
    ("health", "System health", "/admin/health"),  # monitoring
    ("chat", "Chat", "/admin/chat"),
]


# Messages shown after a redirect (?notice=key). Only known keys are shown, so a crafted link cannot
# put words of its own on an admin page.
NOTICES: dict[str, str] = {
    "created": "The product was created.",
    "saved": "Your changes were saved.",
    "deleted": "The product was deleted. It no longer appears in the shop.",
    "restored": "The product was restored and is back in the shop.",
    "imported": "The file was imported.",
    "variant-created": "The variant was added; it has its own price, SKU and stock.",  # VARIANTS (issue 14)
    "bulk": "The selected products were updated.",
    "status": "The order status was changed and the customer was emailed.",
    "review": "The review was updated and the product rating recalculated.",
    "message": "The message was updated.",
    "password": "Your password was changed, and every other session was signed out.",
    "category-created": "The category was created and is in the shop's navigation: add products to it.",
    "category-moved": "The category was moved. The shop's navigation shows the new order.",
    "category-deleted": "The category was deleted.",
    "blocked": "The address is blocked on every page of the shop within a few seconds.",  # ops-limits
    "unblocked": "The address is no longer blocked.",
    # TRACKING: shipments (app/routes/admin/orders.py)
    "shipped": "The shipment was recorded and the customer was emailed the tracking link.",
    "parcel-delivered": "The parcel was marked delivered.",
    "return-approved": "The return was approved and the customer was emailed the label.",  # RETURNS (issue 14)
    "return-rejected": "The return was rejected and the customer was emailed the reason.",
    "return-received": "The return was received: stock is back and the refund or replacement is recorded.",
    "return-refunded": "The refund was issued and the customer was emailed.",
    "refunded": "The refund was recorded.",  # payments (issue 14)
    "paid": "The payment was recorded as received.",  # payments (issue 14)
}


def redirect_with_notice(back: str, notice: str, *, anchor: str = "", **params: Any) -> RedirectResponse:
    """After a write: a 303 to `back` (the route's own path, or a return_to checked by safe_next) with
    ?notice=<one of NOTICES> and any `params` added to its query, then `#anchor` (the row just changed)."""
    separator = "&" if "?" in back else "?"
    fragment = f"#{anchor}" if anchor else ""
    return RedirectResponse(f"{back}{separator}{urlencode({'notice': notice, **params})}{fragment}", status_code=303)


def clean_params(request: Request, *, exclude: tuple[str, ...] = ("notice",)) -> dict[str, str]:
    """Query parameters without empty values: an empty filter field means "no filter", not an error."""
    return {k: v for k, v in request.query_params.items() if v != "" and k not in exclude}


def prefixed_fields(form: FormData, prefix: str, *, max_length: int | None = None) -> dict[str, str]:
    """The form's text fields named `prefix` + a key, by key: one per row of a table form ("qty_<product
    id>" in the reorder advice, "recv_<line>" when a purchase order is received)."""
    return {
        key.removeprefix(prefix): value[:max_length]
        for key, value in form.multi_items()
        if key.startswith(prefix) and isinstance(value, str)
    }


def url_with(request: Request, **changes: Any) -> str:
    """The current page's URL with some query parameters replaced (None removes one)."""
    params = clean_params(request)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def active_section(path: str) -> str:
    rest = path.removeprefix("/admin").strip("/")
    return rest.split("/", 1)[0] if rest else "dashboard"


def render_admin(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render an admin template with `owner`, `csrf_token`, `nav`, `nav_items` and `settings` added.

    `owner` and the CSRF token come from the owner session that `require_owner` put on request.state,
    so a page can never render a form with somebody else's token.
    """
    session = getattr(request.state, "owner_session", None)
    page: dict[str, Any] = {
        "settings": request.app.state.services.settings,
        "owner": session.owner if session else None,
        "csrf_token": session.csrf_token if session else "",
        "nav": active_section(request.url.path),
        "nav_items": NAV,
        "notice": NOTICES.get(request.query_params.get("notice", "")),
        "url_with": lambda **changes: url_with(request, **changes),
        "page_url": lambda number: url_with(request, page=number),
    }
    page.update(context or {})
    response = templates.TemplateResponse(request, template, page, status_code=status_code)
    # Admin pages show customer data: never store them in a shared cache or the browser's disk cache.
    response.headers["Cache-Control"] = "no-store"
    return response

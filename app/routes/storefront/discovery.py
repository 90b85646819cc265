"""Storefront discovery: search suggestions, reviews, "Recommended for you" and the wishlist.

Every form works without JavaScript (POST, then a redirect back); HTMX requests get just the
fragment to swap. Inputs are validated here or by shop/ models and answered with a 4xx and a
sentence, never a 500. Writing a review counts against the review limits per visitor and per
address (LIMIT_REVIEWS_PER_*): past them the form says when to try again (429, Retry-After).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from app.deps import Services, SessionId
from app.limits import check_limit, with_retry_after
from app.routes.storefront.product_context import product_context, product_rows, review_context
from app.templating import render, wants_fragment
from shop.catalog.snapshot import Product
from shop.core.validation import Email, describe_errors
from shop.reviews.product_reviews import ReviewInput, ReviewSort, review_target, submit_review
from shop.security.limits import RateLimited
from shop.services import ShopServices

router = APIRouter(tags=["storefront"], include_in_schema=False)

SUGGESTIONS = 6
_EMAIL: TypeAdapter[str] = TypeAdapter(Email)


class ReviewForm(BaseModel):
    """The review form as typed, bounded (ReviewInput then checks what the fields mean)."""

    rating: str = Field("", max_length=10)
    text: str = Field("", max_length=4000)
    authorName: str = Field("", max_length=200)


class WishlistChange(BaseModel):
    """A wishlist button's form: which product, add/remove/toggle, and how to redraw the button."""

    product_id: str = Field("", max_length=40)
    action: str = Field("toggle", max_length=10)
    uid: str = Field("", max_length=60)
    """The button's element id on the page, kept when it is redrawn."""
    next: str = Field("", max_length=500)
    size: str = Field("", max_length=10)


# --------------------------------------------------------------------------------------------------
# Search suggestions
# --------------------------------------------------------------------------------------------------


@router.get("/search/suggest", response_class=HTMLResponse)
def suggest(request: Request, services: Services, q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    """Up to six products for the text typed so far (keywords only: this runs on every keystroke)."""
    text = " ".join(q.split())
    products = services.search.suggest(services.catalog, text, SUGGESTIONS) if text else []
    return render(request, "pages/_suggestions.html", {"q": text, "products": products})


def recommended_for(services: ShopServices, product: Product, session_id: str | None) -> list[Product]:
    """The product page's "Recommended for you": personal picks for a visitor with a history, none
    otherwise (the trending fallback is for the home page). Never the product itself, what is in the
    cart, or what the page's other rows already show."""
    if not session_id or not services.interactions.has_history(session_id):
        return []
    together, similar = product_rows(services, product)
    shown = {p.id for p in (*similar, *together)}
    cart = services.carts.recent_quantities(session_id)
    recs = services.recommender.for_visitor(session_id, 4, cart=cart, context=product.id, exclude=shown)
    return recs.items if recs.personal else []


def _product(services: ShopServices, slug: str) -> Product:
    product = services.catalog.by_slug(slug)
    if product is None:
        raise HTTPException(404, "We could not find that product. It may have been removed.")
    return product


def _reviews_fragment(
    request: Request, services: ShopServices, product: Product, session_id: str, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    context = {"product": product, **review_context(services, product, session_id, **extra)}
    return render(request, "pages/_reviews.html", context, status_code=status_code)


# --------------------------------------------------------------------------------------------------
# "Recommended for you" on the product page
# --------------------------------------------------------------------------------------------------


@router.get("/products/{slug}/for-you")
def for_you(slug: str, request: Request, services: Services, session_id: SessionId) -> Response:
    """The product page's "Recommended for you" row, which the page loads with HTMX once it is shown.

    It is the one part of the page that is the visitor's own (their history and cart), so it is not
    part of the page, which is shared and cached (catalog.product_page), and this answer is never
    cached. An empty body when there is nothing personal to show: the placeholder is then simply
    removed. Without JavaScript nobody asks for it, so such pages have no such row; a plain request
    (e.g. a no-JavaScript wishlist form returning to the URL its card was rendered at) goes to the
    product page.
    """
    product = _product(services, slug)
    if not wants_fragment(request):
        return RedirectResponse(product.url, status_code=303)
    recommended = recommended_for(services, product, session_id)
    if not recommended:
        return HTMLResponse("")
    return render(request, "pages/_for_you.html", {"product": product, "recommended": recommended})


# --------------------------------------------------------------------------------------------------
# Reviews
# --------------------------------------------------------------------------------------------------


@router.get("/products/{slug}/reviews")
def reviews(
    slug: str, request: Request, services: Services, session_id: SessionId, sort: ReviewSort = "newest"
) -> Response:
    """The reviews section in another order (HTMX); a plain request goes to the product page."""
    product = _product(services, slug)
    if not wants_fragment(request):
        return RedirectResponse(f"{product.url}?reviews={sort}#reviews", status_code=303)
    return _reviews_fragment(request, services, product, session_id, review_sort=sort)


@router.post("/products/{slug}/reviews")
def post_review(
    slug: str, request: Request, services: Services, session_id: SessionId, typed: Annotated[ReviewForm, Form()]
) -> Response:
    """Create or edit this visitor's review of the product (one per visitor and product family: a
    review on a variant's page is the family's, stored under its main product, VARIANTS)."""
    product = _product(services, slug)
    form = typed.model_dump()
    try:
        data = ReviewInput.model_validate(form)
    except ValidationError as exc:
        errors = describe_errors(list(exc.errors()))
        if "rating" in errors:
            errors["rating"] = "Please choose a rating from 1 to 5 stars."
        return _review_invalid(request, services, product, session_id, form, errors)
    try:
        check_limit(request, services, "reviews", visitor=session_id)
    except RateLimited as exc:
        response = _review_invalid(request, services, product, session_id, form, {}, exc.message, 429)
        return with_retry_after(response, exc)
    family = services.catalog.family(product)
    submit_review(services.db, review_target(family).id, session_id, data, family=[member.id for member in family])
    services.catalog.invalidate()  # the new average shows on the next page
    # The reviews are read per product version: answer with the version this write made.
    product = services.catalog.get(product.id) or product
    if wants_fragment(request):
        return _reviews_fragment(request, services, product, session_id, review_saved=True)
    return RedirectResponse(f"{product.url}#reviews", status_code=303)


def _review_invalid(
    request: Request,
    services: ShopServices,
    product: Product,
    session_id: str,
    form: dict[str, str],
    errors: dict[str, str],
    error: str | None = None,
    status_code: int = 422,
) -> HTMLResponse:
    """The form again as typed, with its `errors` per field or one `error` for the whole form."""
    extra = {"review_form": form, "review_errors": errors, "review_error": error}
    if wants_fragment(request):
        response = _reviews_fragment(request, services, product, session_id, status_code=status_code, **extra)
        # The section (with the form and its inline errors) replaces itself, not the toast region.
        response.headers["HX-Retarget"] = "#reviews"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    context = product_context(request, services, product, session_id, **extra)
    return render(request, "pages/product.html", context, status_code=status_code)


# --------------------------------------------------------------------------------------------------
# Wishlist
# --------------------------------------------------------------------------------------------------


def _local_path(value: str) -> str:
    """Where a no-JavaScript form returns to: a path on this site only (never an open redirect)."""
    value = value.strip()
    if value.startswith("/") and not value.startswith("//") and "\\" not in value and len(value) <= 500:
        return value
    return "/wishlist"


NOTIFY_MESSAGES = {
    "on": "Thank you. We will email you when something on your wishlist is back in stock or cheaper.",
    "off": "Done. We will not email you about your wishlist any more.",
}


@router.get("/wishlist", response_class=HTMLResponse)
def wishlist_page(
    request: Request, services: Services, session_id: SessionId, notify: Literal["on", "off"] | None = None
) -> HTMLResponse:
    return _wishlist_page(request, services, session_id, message=NOTIFY_MESSAGES.get(notify or ""))


def _wishlist_page(
    request: Request,
    services: ShopServices,
    session_id: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    items = services.wishlist.items(session_id)
    context = {
        "items": items,
        "contact": services.wishlist.contact(session_id),
        "form": form or {},
        "errors": errors or {},
        "message": message,
        "recommended": (
            services.recommender.for_visitor(session_id, 4, exclude={p.id for p in items}).items if items else []
        ),
    }
    return render(request, "pages/wishlist.html", context, status_code=status_code)


@router.post("/wishlist/items")
def wishlist_item(
    request: Request, services: Services, session_id: SessionId, change: Annotated[WishlistChange, Form()]
) -> Response:
    """Add or remove a product. The form says which ("add"/"remove"), so a repeated submit is
    harmless; "toggle" flips whatever the list holds now."""
    product_id, action = change.product_id.strip(), change.action
    if action not in ("add", "remove", "toggle"):
        raise HTTPException(422, 'The action must be "add", "remove" or "toggle".')
    if action == "toggle":
        on = services.wishlist.toggle(session_id, product_id)
    elif action == "add":
        services.wishlist.add(session_id, product_id)
        on = True
    else:
        services.wishlist.remove(session_id, product_id)
        on = False
    if on:
        services.interactions.record(session_id, "wishlist", product_id=product_id)
    if not wants_fragment(request):
        return RedirectResponse(_local_path(change.next), status_code=303)
    product = services.catalog.get(product_id)
    if product is None:  # removing a product that is no longer sold: nothing left to redraw
        response = render(request, "_flash.html", {"message": "Removed from your wishlist.", "level": "success"})
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    context = {
        "product": product,
        "pressed": on,
        "uid": change.uid if _valid_uid(change.uid, product_id) else None,
        "large": change.size == "large",
    }
    return render(request, "pages/_wishlist_toggle.html", context)


def _valid_uid(uid: str, product_id: str) -> bool:
    prefix = f"wish-{product_id}-"
    return uid.startswith(prefix) and uid[len(prefix) :].isdigit() and len(uid) <= len(prefix) + 8


@router.post("/wishlist/email")
def wishlist_email(
    request: Request, services: Services, session_id: SessionId, email: Annotated[str, Form(max_length=320)] = ""
) -> Response:
    """Remember where to send restock and price-drop news for this visitor's wishlist."""
    try:
        address = _EMAIL.validate_python(email)
    except ValidationError as exc:
        message = describe_errors(list(exc.errors())).get("request", "is not a valid email address")
        errors = {"email": "Please enter your email address." if not email.strip() else f"This {message}."}
        return _wishlist_page(request, services, session_id, form={"email": email}, errors=errors, status_code=422)
    services.wishlist.set_email(session_id, address)
    return RedirectResponse("/wishlist?notify=on", status_code=303)


@router.post("/wishlist/email/remove")
def wishlist_email_remove(services: Services, session_id: SessionId) -> Response:
    services.wishlist.clear_email(session_id)
    return RedirectResponse("/wishlist?notify=off", status_code=303)


@router.get("/wishlist/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, request: Request) -> HTMLResponse:
    """A confirmation page, not the action itself: mail scanners follow links in emails."""
    if not 10 <= len(token) <= 64:
        raise HTTPException(404, "This unsubscribe link is not valid.")
    return render(request, "pages/wishlist_unsubscribe.html", {"token": token, "done": False})


@router.post("/wishlist/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(token: str, request: Request, services: Services) -> HTMLResponse:
    if not 10 <= len(token) <= 64:
        raise HTTPException(404, "This unsubscribe link is not valid.")
    services.wishlist.unsubscribe(token)  # already gone is fine: the outcome is the same
    return render(request, "pages/wishlist_unsubscribe.html", {"token": token, "done": True})

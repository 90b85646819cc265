"""Storefront pages for buying: cart, checkout, confirmation and order lookup.

Every form works without JavaScript (POST then redirect); HTMX requests get just the fragment to swap.
Placing an order counts against the order limits (LIMIT_ORDERS_PER_*); past them the checkout form
says when to try again (429, Retry-After).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from app.deps import FormText, Services, SessionId
from app.limits import order_limit, with_retry_after
from app.routes.storefront.returns import return_section
from app.templating import render, templates, wants_fragment
from shop.core.errors import InvalidInput, NotFound, ShopError
from shop.core.validation import is_object_id
from shop.ordering.checkout import EmptyCart, InvalidDetails, estimate, order_request
from shop.payments.methods import LABELS as PAYMENT_LABELS
from shop.payments.methods import default_method, enabled_methods
from shop.security.limits import RateLimited
from shop.shipping.address import Address, country_name
from shop.shipping.quote import QuoteLine, method_options

router = APIRouter(tags=["storefront"], include_in_schema=False)


def _quantity(raw: str, *, allow_zero: bool = False) -> int:
    try:
        quantity = int(raw.strip())
    except ValueError:
        raise InvalidInput("Quantity must be a whole number.", field="quantity") from None
    low = 0 if allow_zero else 1
    if not low <= quantity <= 99:
        raise InvalidInput(f"Quantity must be between {low} and 99.", field="quantity")
    return quantity


@router.get("/cart", response_class=HTMLResponse)
def cart_page(request: Request, services: Services, session_id: SessionId) -> HTMLResponse:
    cart = services.carts.view(session_id)
    return render(request, "pages/cart.html", {"cart": cart, "quote": estimate(cart, services.commerce.get())})


@router.post("/cart/items")
def add_to_cart(
    request: Request,
    services: Services,
    session_id: SessionId,
    product_id: FormText,
    quantity: Annotated[str, Form()] = "1",
) -> Response:
    cart = services.carts.add(session_id, product_id.strip(), _quantity(quantity))
    services.interactions.record(session_id, "cart", product_id=product_id.strip())
    if wants_fragment(request):
        product = services.catalog.get(product_id.strip())
        return templates.TemplateResponse(
            request, "pages/_cart_added.html", {"product": product, "cart_count": cart.count, "cart": cart}
        )
    return RedirectResponse("/cart", status_code=303)


def _cart_fragment(request: Request, services: Services, session_id: str) -> Response:
    if wants_fragment(request):
        cart = services.carts.view(session_id)
        context = {"cart": cart, "cart_count": cart.count, "oob_count": True}
        context["quote"] = estimate(cart, services.commerce.get())
        return templates.TemplateResponse(request, "pages/_cart_contents.html", context)
    return RedirectResponse("/cart", status_code=303)


@router.post("/cart/items/{product_id}")
def update_cart_line(
    product_id: str, request: Request, services: Services, session_id: SessionId, quantity: FormText
) -> Response:
    services.carts.set_quantity(session_id, _product_id(product_id), _quantity(quantity, allow_zero=True))
    return _cart_fragment(request, services, session_id)


@router.post("/cart/items/{product_id}/remove")
def remove_cart_line(product_id: str, request: Request, services: Services, session_id: SessionId) -> Response:
    services.carts.set_quantity(session_id, _product_id(product_id), 0)
    return _cart_fragment(request, services, session_id)


def _product_id(value: str) -> str:
    if not is_object_id(value):
        raise NotFound("That product is not in your cart.")
    return value


def _checkout_page(
    request: Request,
    services: Services,
    session_id: str,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    form = {**form, "idempotency_key": form.get("idempotency_key") or str(uuid.uuid4())}
    cart = services.carts.view(session_id)
    config = services.commerce.get()
    # shipping (SHIPPING): the costs to the address typed so far (else the home country's), per method
    address = _typed_address(form)
    lines = [QuoteLine(line.product.price, line.quantity, line.product.weight_grams) for line in cart.lines]
    options = method_options(lines, address, config=config) if cart.lines else []
    chosen = form.get("shippingMethod") or (options[0].method if options else None)
    quote = next((option for option in options if option.method == chosen), options[0] if options else None)
    countries = [(code, country_name(code)) for code in config.shipping_countries()]
    form.setdefault("country", config.home_country)
    context = {"cart": cart, "form": form, "errors": errors or {}, "error": error, "quote": quote}
    context |= {"methods": options, "countries": countries}
    # payments (issue 14): the methods to choose from, the shop's default checked
    context["payment_methods"] = [(m, PAYMENT_LABELS[m]) for m in enabled_methods(services.settings)]
    context["payment_default"] = form.get("paymentMethod") or default_method(services.settings)
    return render(request, "pages/checkout.html", context, status_code=status_code)


ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postalCode", "country")


def _typed_address(form: dict[str, str]) -> Address | None:
    """The address as typed, if it is a valid one (to quote shipping and tax to it), else None."""
    try:
        return Address.model_validate({field: form.get(field, "") for field in ADDRESS_FIELDS})
    except ValidationError:
        return None


@router.get("/checkout", response_class=HTMLResponse)
def checkout_page(request: Request, services: Services, session_id: SessionId) -> Response:
    return _checkout_page(request, services, session_id, {})


class CheckoutForm(BaseModel):
    """The checkout form as typed (shown again as typed on an error); validated by OrderRequest.
    Bounded here so a huge field is refused before anything else reads it (422, not a 500)."""

    customerName: str = Field("", max_length=1000)
    email: str = Field("", max_length=1000)
    address: str = Field("", max_length=2000)
    """The old one-text address (before issue 14), still accepted when line1 is empty."""
    line1: str = Field("", max_length=1000)
    line2: str = Field("", max_length=1000)
    city: str = Field("", max_length=1000)
    region: str = Field("", max_length=1000)
    postalCode: str = Field("", max_length=100)
    country: str = Field("", max_length=100)
    shippingMethod: str = Field("", max_length=100)
    paymentMethod: str = Field("", max_length=40)  # payments (issue 14)
    idempotency_key: str = Field("", max_length=100)


@router.post("/checkout")
def checkout(
    request: Request,
    services: Services,
    session_id: SessionId,
    typed: Annotated[CheckoutForm, Form()],
) -> Response:
    form = typed.model_dump()
    idempotency_key = typed.idempotency_key
    # shipping (SHIPPING): the address's fields; a client posting the old one-text `address` still works
    address: str | dict[str, str] = (
        typed.address if typed.address and not typed.line1 else {field: form[field] for field in ADDRESS_FIELDS}
    )
    try:
        new_order = order_request(
            services.carts.view(session_id),
            name=typed.customerName,
            email=typed.email,
            address=address,
            shipping_method=typed.shippingMethod or None,
            payment_method=typed.paymentMethod or None,  # payments (issue 14)
        )
    except EmptyCart as exc:
        return _checkout_page(request, services, session_id, form, error=exc.message, status_code=409)
    except InvalidDetails as exc:
        errors = {key.removeprefix("address."): message for key, message in exc.errors.items()}
        return _checkout_page(request, services, session_id, form, errors=errors, status_code=422)
    try:
        limit = order_limit(request, services, visitor=session_id)
        order = services.checkout.place(new_order, channel="web", key=idempotency_key, cart_id=session_id, limit=limit)
    except RateLimited as exc:
        page = _checkout_page(request, services, session_id, form, error=exc.message, status_code=429)
        return with_retry_after(page, exc)
    except InvalidInput as exc:
        if exc.field == "Idempotency-Key":
            # The form was already used for an order with different items (back button, then changes):
            # a fresh key lets the customer submit what the cart holds now.
            form["idempotency_key"] = ""
            message = "This form was already used for another order. Please check your cart and submit again."
            return _checkout_page(request, services, session_id, form, error=message, status_code=409)
        if exc.field in ("country", "shippingMethod"):  # shipping (SHIPPING): not shipped there / not offered
            return _checkout_page(request, services, session_id, form, errors={exc.field: exc.message}, status_code=422)
        return _checkout_page(request, services, session_id, form, error=exc.message, status_code=exc.status_code)
    except ShopError as exc:
        return _checkout_page(request, services, session_id, form, error=exc.message, status_code=exc.status_code)
    # payments (issue 14): an online payment goes on at the provider's page, by way of the
    # confirmation page (a refresh, then a link): the shop's CSP (form-action 'self') forbids a form
    # submission to end on another site, so a redirect from this POST straight to Stripe is blocked.
    if order.payment.get("redirectUrl") and order.payment.get("status") == "pending":
        return RedirectResponse(f"/orders/{order.id}/confirmation?payment=redirect", status_code=303)
    return RedirectResponse(f"/orders/{order.id}/confirmation", status_code=303)


@router.get("/orders/{order_id}/confirmation", response_class=HTMLResponse)
def confirmation(order_id: str, request: Request, services: Services, session_id: SessionId) -> HTMLResponse:
    order = services.orders.for_session(order_id, session_id)
    return render(request, "pages/confirmation.html", {"order": order})


@router.get("/orders/lookup", response_class=HTMLResponse)
def order_lookup_page(request: Request) -> HTMLResponse:
    return render(request, "pages/order_lookup.html", {"form": {}, "errors": {}, "order": None})


class LookupForm(BaseModel):
    """The order lookup form as typed (shown again as typed when something is missing)."""

    order_id: str = Field("", max_length=40)
    email: str = Field("", max_length=254)


@router.post("/orders/lookup", response_class=HTMLResponse)
def order_lookup(request: Request, services: Services, typed: Annotated[LookupForm, Form()]) -> HTMLResponse:
    order_id, email = typed.order_id, typed.email
    form = typed.model_dump()
    errors = {}
    if not order_id.strip():
        errors["order_id"] = "Please enter your order number."
    if not email.strip():
        errors["email"] = "Please enter the email address used for the order."
    if errors:
        return render(request, "pages/order_lookup.html", {"form": form, "errors": errors, "order": None}, 422)
    try:
        order = services.orders.lookup(order_id, email)
    except NotFound as exc:
        return render(
            request, "pages/order_lookup.html", {"form": form, "errors": {}, "order": None, "error": exc.message}, 404
        )
    tracking = services.fulfillment.tracking(order)  # TRACKING: parcels, estimate and timeline
    context = {"form": form, "errors": {}, "order": order, "tracking": tracking, **return_section(services, order)}
    return render(request, "pages/order_lookup.html", context)

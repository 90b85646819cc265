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
from pydantic import BaseModel, Field

from app.deps import FormText, Services, SessionId
from app.limits import order_limit, with_retry_after
from app.routes.storefront.returns import return_section
from app.templating import render, templates, wants_fragment
from shop.core.errors import InvalidInput, NotFound, ShopError
from shop.core.validation import is_object_id
from shop.ordering.cart import CartView
from shop.ordering.checkout import EmptyCart, InvalidDetails, estimate, order_request
from shop.payments.methods import LABELS as PAYMENT_LABELS
from shop.payments.methods import default_method, enabled_methods
from shop.security.limits import RateLimited
from shop.shipping.address import COUNTRY_RULES, Address, country_name, valid_country, valid_region
from shop.shipping.config import CommerceConfig
from shop.shipping.quote import Quote, QuoteLine, method_options, zone_for

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
    # shipping (SHIPPING): the costs to the country and region typed so far (else the home country's), per method
    try:
        place = _typed_place(form, config.home_country)
    except InvalidInput:  # a country that is not one: its error is beside the field; quote to home meanwhile
        place = _typed_place({}, config.home_country)
    context = _quote_context(cart, config, form, place)
    countries = [(code, country_name(code)) for code in config.shipping_countries()]
    if place.country not in config.shipping_countries():  # a country chosen that no zone ships to: keep it shown
        countries.append((place.country, country_name(place.country)))
    form.setdefault("country", config.home_country)
    context |= {"form": form, "errors": errors or {}, "error": error, "countries": countries}
    # payments (issue 14): the methods to choose from, the shop's default checked
    context["payment_methods"] = [(m, PAYMENT_LABELS[m]) for m in enabled_methods(services.settings)]
    context["payment_default"] = form.get("paymentMethod") or default_method(services.settings)
    return render(request, "pages/checkout.html", context, status_code=status_code)


ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postalCode", "country")


# --- live quote (issue 14, requote): the checkout's shipping and tax follow the country as it is chosen ---
def _typed_place(form: dict[str, str], home_country: str) -> Address:
    """Where the customer has said so far that the parcel goes: the form's country (else the home country)
    and its region, as a place-only address to quote to. Why only these two: the quote reads nothing else
    (zone_for, tax_rate), so a customer who picks France sees France's methods and tax at once, while the
    street and postal code are still empty or wrong (those are checked when the order is placed).

    A country that is not an ISO code is InvalidInput (422); a region that is not (yet) one of the
    country's (a half-typed "Califo") is left out, the quote then being the country's."""
    try:
        country = valid_country(form.get("country") or home_country)
    except ValueError as exc:
        raise InvalidInput(f"Country {exc}.", field="country") from None
    try:
        region = valid_region(form.get("region") or "", country)
    except ValueError:
        region = ""
    # Unvalidated on purpose (model_construct): only country and region are read, both checked above.
    return Address.model_construct(country=country, line1="", line2="", city="", region=region, postalCode="")


def _quote_context(cart: CartView, config: CommerceConfig, form: dict[str, str], place: Address) -> dict[str, object]:
    """The checkout's quote parts (shared by the page and the POST /checkout/quote fragment): `methods`
    (a Quote per method the place's zone offers), `quote` (the chosen one: the form's method while it is
    still offered, else the zone's first) and `notice` (why there are no methods: not shipped there, or
    the region still missing where the zones need it)."""
    context: dict[str, object] = {"cart": cart, "methods": [], "quote": None, "notice": None}
    if not cart.lines:
        return context
    try:
        zone_for(config, place)
    except InvalidInput as exc:
        covered = any(place.country in zone.countries for zone in config.zones)
        rule = COUNTRY_RULES.get(place.country)
        if covered and not place.region and rule is not None and rule.regions:
            where = country_name(place.country)
            context["notice"] = f"Choose your {rule.region_label.lower()} to see shipping to {where}."
        else:
            context["notice"] = exc.message
        return context
    lines = [QuoteLine(line.product.price, line.quantity, line.product.weight_grams) for line in cart.lines]
    options: list[Quote] = method_options(lines, place, config=config)
    chosen = form.get("shippingMethod")
    context["methods"] = options
    context["quote"] = next((option for option in options if option.method == chosen), options[0])
    return context


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


@router.post("/checkout/quote", response_class=HTMLResponse)
def checkout_quote(
    request: Request, services: Services, session_id: SessionId, typed: Annotated[CheckoutForm, Form()]
) -> HTMLResponse:
    """The checkout's live quote (htmx, on every change of country, region, postal code or shipping
    method): the shipping-method fieldset, with the summary's quote lines and the submit button's total
    out of band. Called on every change, so it only reads: the cart and the cached commerce config, no
    database write. Same protection as the other storefront forms (the SameSite=Lax visitor cookie), and
    nothing to protect besides: it changes nothing. A country that is not one is a 422 the flash shows."""
    form = typed.model_dump()
    config = services.commerce.get()
    place = _typed_place(form, config.home_country)
    context = _quote_context(services.carts.view(session_id), config, form, place)
    return templates.TemplateResponse(request, "pages/_checkout_quote.html", context)


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

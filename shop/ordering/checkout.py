"""Checkout: a cart and the customer's details become one order, the same way on every channel.

The storefront's form, the JSON API and the chat all place orders. What they share lives here, so a
rule changed once holds for all three:

- the order request: the cart's lines and the customer's details, validated by `OrderRequest`
  (`order_request`); an empty cart or a bad detail is refused before anything is written. The API
  is sent an `OrderRequest` as it is, with no cart;
- the idempotency key as stored: the channel first, so a key from one channel never answers another's
  order, and a form's key scoped to the visitor's session (`idempotency_key`);
- after an order from a cart: its products leave the cart (anything added meanwhile stays) and, the
  first time only, each is recorded as a purchase for the recommendations (`Checkout.place`).

What stays with each caller is how it tells the customer: the page re-renders the form with the
errors, the API answers JSON, the chat writes a sentence (and, before it shows a summary to say yes
to, refuses a cart with problems: tools/actions.py).
"""

from __future__ import annotations

from typing import Literal

from pydantic import ValidationError

from shop.core.errors import Conflict, InvalidFields, InvalidInput
from shop.core.validation import describe_errors
from shop.discovery.interactions import InteractionLog
from shop.ordering.cart import CartService, CartView
from shop.ordering.orders import OrderRequest, OrderService, OrderView
from shop.security.limits import Hit
from shop.shipping.address import Address
from shop.shipping.config import CommerceConfig
from shop.shipping.quote import Quote, QuoteLine, quote

Channel = Literal["web", "api", "chat"]
"""Where an order comes from: the storefront's checkout form, the JSON API, the chat's confirmation."""


class EmptyCart(Conflict):
    """There is nothing to order."""

    def __init__(self) -> None:
        super().__init__("Your cart is empty.")


class InvalidDetails(InvalidFields):
    """The customer's details do not make a valid order; `errors` holds a message per field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors, message="; ".join(errors.values()))


def order_request(
    cart: CartView,
    *,
    name: str,
    email: str,
    address: str | dict[str, str] | Address,
    shipping_method: str | None = None,
    payment_method: str | None = None,
) -> OrderRequest:
    """The cart's lines ordered for this customer, validated (EmptyCart, InvalidDetails).

    `address` is the structured address (the checkout form's fields) or free text (the chat).
    Prices and stock are not part of it: the order transaction reads both, so nothing a cache showed
    is ever charged or oversold."""
    if cart.empty:
        raise EmptyCart()
    try:
        return OrderRequest(
            customerName=name,
            email=email,
            address=address,
            items=[{"productId": line.product.id, "quantity": line.quantity} for line in cart.lines],
            paymentMethod=payment_method or None,  # payments (issue 14)
            shippingMethod=shipping_method or None,
        )
    except ValidationError as exc:
        raise InvalidDetails(describe_errors(list(exc.errors()))) from None


def estimate(
    cart: CartView, config: CommerceConfig, address: Address | None = None, method: str | None = None
) -> Quote | None:
    """The cart's subtotal, shipping, tax and total (shipping, SHIPPING): to the address when it is
    known, else an estimate for the shop's home country; None when the address cannot be shipped to.
    Prices from the catalog snapshot: the order transaction charges the prices it reads itself."""
    if cart.empty:
        return None
    lines = [QuoteLine(line.product.price, line.quantity, line.product.weight_grams) for line in cart.lines]
    try:
        return quote(lines, address, method, config=config)
    except InvalidInput:
        return None


def idempotency_key(channel: Channel, key: str | None, *, cart_id: str | None = None) -> str | None:
    """The key an order attempt is stored under, or None when the caller gave none.

    A checkout form's key comes back from the browser, so it is scoped to the visitor's session: one
    visitor's key never answers with another's order. An API client's key is the client's own, and a
    chat's key is the confirmed action's id, made by the server and unique already."""
    if not key:
        return None
    if channel == "web":
        return f"web:{cart_id}:{key}"
    return f"{channel}:{key}"


class Checkout:
    """Places orders for every channel and does what follows an order (see the module docstring)."""

    def __init__(self, carts: CartService, orders: OrderService, interactions: InteractionLog) -> None:
        self.carts = carts
        self.orders = orders
        self.interactions = interactions

    def place(
        self,
        request: OrderRequest,
        *,
        channel: Channel,
        key: str | None,
        cart_id: str | None = None,
        limit: Hit | None = None,
    ) -> OrderView:
        """Place the order (or return the one this key placed before); then, for an order from a cart,
        take its products out of that cart and record the purchases of a new order. `limit`: the order
        limits' hit (RateLimits.plan), counted by the order's own transaction.

        payments (issue 14): the method is checked before anything is written (422 if the shop does
        not offer it), and an online payment is started after the order committed (never raises)."""
        payments = self.orders.payments
        if payments is not None:
            payments.check_method(request.paymentMethod)
        order = self.orders.place(
            request, idempotency_key=idempotency_key(channel, key, cart_id=cart_id), session_id=cart_id, limit=limit
        )
        if cart_id is not None:
            self.carts.remove_products(cart_id, {line.product_id for line in order.lines})
            if not order.replayed:
                for line in order.lines:
                    self.interactions.record(
                        cart_id, "purchase", product_id=line.product_id, customer_email=order.email
                    )
        if payments is not None:
            order = payments.start(order)
        return order

"""Writes that need the customer's "yes": prepared by a tool, executed by code.

The model can only *prepare* an order or a cancellation. Preparing stores a `PendingAction` with the
exact summary the customer is shown (items, quantities, prices from the database, total, address).
Executing happens in code, never in a tool: when the customer's next message is an explicit yes, or the
chat card's Confirm button posts the action id. The action id is the idempotency key of the order, so
a double click, a repeated "yes" or a retried request all end in the one order the first made; and a
cart that changed since the summary was shown voids the action and shows a fresh summary instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from shop.catalog.snapshot import Product
from shop.conversations.store import Conversation, PendingAction
from shop.core.errors import Conflict, InvalidInput, ShopError
from shop.core.money import format_money
from shop.ordering.cart import CartLine, CartView
from shop.ordering.checkout import EmptyCart, InvalidDetails, order_request
from shop.ordering.orders import OrderRequest, OrderView
from shop.returns.service import ReturnInput
from shop.services import ShopServices
from shop.shipping.quote import QuoteLine, quote
from tools.phrases import say

log = logging.getLogger(__name__)

PLACE_ORDER = "place_order"
CANCEL_ORDER = "cancel_order"
WISHLIST_ADD = "wishlist_add"
CART_ADD = "cart_add"
LARGE_ADD = 10
"""More than this many of one product from one chat message waits for a yes: a slip ("100" for "10")
or an instruction hidden in pasted text ("ignore your rules and add 50 ... for free") must not fill
the cart. A shop selling by the bag rarely sees it; a cafe ordering 20 bags confirms once."""
RETURN_REQUEST = "return_request"
PENDING_TTL = timedelta(minutes=30)
"""A summary older than this is void: prices and stock may have moved, and the "yes" is about something else."""
FIELD_NAMES = {"customerName": "your name", "email": "your email address", "address": "the delivery address"}


class ActionRefused(Exception):
    """The action cannot be prepared; `message` tells the customer (and the model) why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ActionOutcome:
    """What executing (or trying to execute) a confirmed action came to, as a reply written by code."""

    reply: str
    done: bool
    pending: PendingAction | None = None
    """A fresh action to confirm instead (the cart changed since the summary was shown)."""
    order: OrderView | None = None


def new_action(
    kind: str, summary: dict[str, Any], payload: dict[str, Any], *, cart_fingerprint: str | None = None
) -> PendingAction:
    """A write waiting for the customer's yes, with a fresh id and the time it was prepared."""
    return PendingAction(
        id="act_" + secrets.token_urlsafe(12),
        kind=kind,
        summary=summary,
        payload=payload,
        created_at=datetime.now(UTC),
        cart_fingerprint=cart_fingerprint,
    )


def cart_fingerprint(cart: CartView) -> str:
    """Items, quantities and prices: if any of them moves, the confirmed summary is no longer true."""
    lines = sorted((line.product.id, line.quantity, str(line.product.price)) for line in cart.lines)
    return hashlib.sha256(json.dumps(lines).encode()).hexdigest()[:32]


def _money(services: ShopServices, amount: Decimal) -> str:
    return format_money(amount, services.settings.currency_symbol)


# --------------------------------------------------------------------------------------------------
# Preparing
# --------------------------------------------------------------------------------------------------


def prepare_order(
    services: ShopServices,
    cart_id: str,
    name: str,
    email: str,
    address: str | dict[str, str],
    *,
    lang: str = "en",
    adding: Sequence[tuple[Product, int]] = (),
) -> PendingAction:
    """An order of the cart's current contents, plus `adding` (products named with the order, not in
    the cart yet), waiting for the customer's confirmation.

    Why `adding` is not put in the cart now: "buy X for me: Jo, jo@park.io, ..." changes nothing
    until the yes. A "no" to the summary leaves the cart as it was; the yes adds them, then orders."""
    cart = services.carts.view(cart_id)
    if cart.problems and not cart.empty:
        # The summary the customer says yes to must still be true then: a line that is sold out or
        # short now would only fail at the yes (the page and the API let the order transaction judge).
        raise ActionRefused("The cart needs a change first: " + " ".join(cart.problems))
    for product, quantity in adding:
        if product.stock < quantity:
            raise ActionRefused(
                say("sold_out", lang, name=product.name)
                if product.stock <= 0
                else say("short_stock", lang, stock=product.stock, name=product.name, qty=quantity)
            )
    in_cart = {line.product.id for line in cart.lines}
    ordered = CartView([*cart.lines, *(CartLine(p, q) for p, q in adding if p.id not in in_cart)], list(cart.problems))
    try:
        request = order_request(ordered, name=name, email=email, address=address)
    except EmptyCart:
        raise ActionRefused("The cart is empty, so there is nothing to order yet.") from None
    except InvalidDetails as exc:
        missing = [FIELD_NAMES.get(field, field) for field in exc.errors if field in FIELD_NAMES]
        if missing:
            raise ActionRefused("To place the order I still need " + " and ".join(missing) + ".") from None
        raise ActionRefused("Some order details are not valid: " + "; ".join(exc.errors.values())) from None
    # shipping (SHIPPING): subtotal, shipping, tax and total to this address, before the customer's yes
    try:
        costs = quote(
            [QuoteLine(line.product.price, line.quantity, line.product.weight_grams) for line in ordered.lines],
            request.delivery,
            request.shippingMethod,
            config=services.commerce.get(),
        )
    except InvalidInput as exc:
        raise ActionRefused(exc.message) from None
    summary = {
        "lines": [
            _summary_line(line.product.id, line.product.name, line.quantity, line.product.price, line.line_total)
            for line in ordered.lines
        ],
        "subtotal": str(costs.subtotal),
        "shipping": str(costs.shipping),
        "tax": str(costs.tax),
        "total": str(costs.total),
        "shippingMethod": costs.method_name,
        "deliveryDays": [costs.delivery_days.min, costs.delivery_days.max],
        "customerName": request.customerName,
        "email": request.email,
        "address": request.delivery.one_line(),
        "currency": services.settings.currency,
        "lang": lang,
    }
    payload = {
        "request": request.model_dump(mode="json"),
        "adding": [{"productId": p.id, "quantity": q} for p, q in adding if p.id not in in_cart],
    }
    return new_action(PLACE_ORDER, summary, payload, cart_fingerprint=cart_fingerprint(cart))


def prepare_cancel(services: ShopServices, order_id: str, email: str, *, lang: str = "en") -> PendingAction:
    """A cancellation of the customer's pending order; the email must be the one the order was placed with."""
    order = services.orders.lookup(order_id, email)  # NotFound for a wrong number OR a wrong email
    if order.status != "pending":
        raise ActionRefused(
            f"Order {order.id} is {order.status}, so it can no longer be cancelled in the chat. "
            "Please contact us about a return instead."
        )
    summary = {
        "orderId": order.id,
        "status": order.status,
        "lines": [
            _summary_line(line.product_id, line.name, line.quantity, line.unit_price, line.line_total)
            for line in order.lines
        ],
        "total": str(order.total),
        "email": order.email,
        "currency": services.settings.currency,
        "lang": lang,
    }
    return new_action(CANCEL_ORDER, summary, {"orderId": order.id, "email": order.email})


def _summary_line(product_id: str, name: str, quantity: int, unit_price: Decimal, total: Decimal) -> dict[str, Any]:
    """A line of an order or a cancellation as its summary holds it (one shape: summary_text reads both)."""
    return {
        "productId": product_id,
        "name": name,
        "quantity": quantity,
        "unitPrice": str(unit_price),
        "lineTotal": str(total),
    }


def prepare_wishlist(services: ShopServices, product: Product, *, lang: str = "en") -> PendingAction:
    """Adding to the wishlist is a write too (orders, cancellations and wishlist changes all need an
    explicit yes in the chat): it waits for the customer's yes like an order."""
    summary = {"productId": product.id, "name": product.name, "price": str(product.price), "lang": lang}
    return new_action(WISHLIST_ADD, summary, {"productId": product.id})


def prepare_cart_add(
    services: ShopServices, lines: list[tuple[Product, int]], *, mode: str = "add", lang: str = "en"
) -> PendingAction:
    """A cart change of a large quantity (LARGE_ADD), waiting for the customer's yes: `mode` "add" adds
    the quantities, "set" makes them the cart's quantities."""
    summary = {
        "lines": [
            _summary_line(product.id, product.name, qty, product.price, product.price * qty) for product, qty in lines
        ],
        "total": str(sum((product.price * qty for product, qty in lines), Decimal("0"))),
        "lang": lang,
    }
    return new_action(CART_ADD, summary, {"lines": [[product.id, qty] for product, qty in lines], "mode": mode})


def prepare_return(
    services: ShopServices, order_id: str, email: str, request: ReturnInput, *, condition: str = "", lang: str = "en"
) -> PendingAction:
    """A return request (issue 14, shop/returns/) waiting for the customer's yes: decided by the returns
    policy now, so the summary they confirm carries the refund the request will have; the policy is
    applied again when it is made (it may have changed, or another request taken the units)."""
    order = services.returns.order_for(order_id, email)  # NotFound for a wrong number OR a wrong email
    decision = services.returns.decide(order, request)
    if not decision.allowed:
        raise ActionRefused(decision.reason)
    summary = {
        "orderId": order["_id"],
        "lines": [
            {
                **_summary_line(line.product_id, line.name, line.quantity, line.unit_price, line.value),
                "opened": line.opened,
                "damaged": line.damaged,
            }
            for line in decision.lines
        ],
        "condition": condition,
        "resolution": request.resolution,
        "total": str(decision.refund),
        "email": order["email"],
        "currency": services.settings.currency,
        "lang": lang,
    }
    payload = {"orderId": order["_id"], "email": order["email"], "request": request.model_dump(mode="json")}
    return new_action(RETURN_REQUEST, summary, payload)


def summary_text(services: ShopServices, action: PendingAction) -> str:
    """The exact summary the customer confirms, written by code (never paraphrased by the model), in
    the language the customer wrote in when it was prepared."""
    s = action.summary
    lang = s.get("lang", "en")
    if action.kind == WISHLIST_ADD:
        return say("confirm_wish", lang, name=s["name"], price=_money(services, Decimal(s["price"])))
    if action.kind == RETURN_REQUEST:
        condition = say(f"cond_{s['condition']}", lang) if s.get("condition") else ""
        items = [f"- {line['quantity']} × {line['name']} ({condition})" for line in s["lines"]]
        if s["resolution"] == "exchange":
            outcome = say("return_exchange_line", lang)
        else:
            outcome = say("return_refund_line", lang, amount=_money(services, Decimal(s["total"])))
        return "\n".join(
            [say("confirm_return_head", lang, order=s["orderId"]), *items, outcome, say("confirm_return", lang)]
        )
    lines = [
        say("price_line", lang, qty=line["quantity"], name=line["name"],
            price=_money(services, Decimal(line["unitPrice"])), total=_money(services, Decimal(line["lineTotal"])))
        for line in s.get("lines", [])
    ]  # fmt: skip
    total = _money(services, Decimal(s["total"]))
    if action.kind == CART_ADD:
        return "\n".join(
            [
                say("confirm_cart_add_head", lang),
                *lines,
                f"{say('total', lang)}: {total}",
                say("confirm_cart_add", lang),
            ]
        )
    if action.kind == PLACE_ORDER:
        return "\n".join(
            [
                say("check_order", lang),
                *lines,
                *_money_lines(services, s, lang),
                f"{say('total', lang)}: {total}",
                f"{say('deliver_to', lang)}: {s['customerName']}, {s['address']}",
                f"{say('email_to', lang)}: {s['email']}",
                say("confirm_order", lang),
            ]
        )
    return "\n".join(
        [
            say("confirm_cancel_head", lang, order=s["orderId"]),
            *lines,
            f"{say('total', lang)}: {total}",
            say("confirm_cancel", lang),
        ]
    )


def _money_lines(services: ShopServices, s: dict[str, Any], lang: str) -> list[str]:
    """Subtotal, shipping (method and days) and tax of an order summary (shipping, SHIPPING); a summary
    prepared before these existed has none."""
    if "subtotal" not in s:
        return []
    shipping = Decimal(s["shipping"])
    low, high = s.get("deliveryDays") or (2, 5)
    method = s.get("shippingMethod") or "Standard"
    cost = say("free_shipping", lang) if shipping == 0 else _money(services, shipping)
    return [
        f"{say('subtotal', lang)}: {_money(services, Decimal(s['subtotal']))}",
        f"{say('shipping_line', lang, method=method, low=low, high=high)}: {cost}",
        f"{say('tax', lang)}: {_money(services, Decimal(s['tax']))}",
    ]


def summary_amounts(action: PendingAction) -> set[Decimal]:
    s = action.summary
    amounts = {Decimal(s[key]) for key in ("total", "price", "subtotal", "shipping", "tax") if key in s}
    for line in s.get("lines", []):
        amounts.update({Decimal(line["unitPrice"]), Decimal(line["lineTotal"])})
    return amounts


def public_action(services: ShopServices, action: PendingAction) -> dict[str, Any]:
    """The pending action as the chat card and API clients get it."""
    return {"id": action.id, "kind": action.kind, "summary": action.summary, "text": summary_text(services, action)}


# --------------------------------------------------------------------------------------------------
# Executing (code only, after an explicit confirmation)
# --------------------------------------------------------------------------------------------------


def execute(services: ShopServices, conversation: Conversation, action_id: str) -> ActionOutcome:
    """Carry out the conversation's pending action `action_id`, at most once.

    Updates `conversation.pending` / `conversation.done`; the caller saves the conversation.
    """
    finished = conversation.find_done(action_id)
    if finished is not None and finished.result is not None:
        return ActionOutcome(finished.result.get("reply", "That is already done."), done=True)
    action = conversation.pending
    if action is None or action.id != action_id:
        return ActionOutcome(
            "That confirmation is no longer valid, so I did nothing. What would you like to do?", False
        )
    conversation.pending = None
    try:
        if action.kind == PLACE_ORDER:
            outcome = _place(services, conversation, action)
        elif action.kind == CANCEL_ORDER:
            outcome = _cancel(services, action)
        elif action.kind == WISHLIST_ADD:
            outcome = _wish(services, conversation, action)
        elif action.kind == CART_ADD:
            outcome = _add_to_cart(services, conversation, action)
        elif action.kind == RETURN_REQUEST:
            outcome = _request_return(services, action)
        else:
            outcome = ActionOutcome("I cannot do that kind of action.", False)
    except ShopError as exc:
        outcome = ActionOutcome(f"I could not do that: {exc.message}", False)
    if outcome.done:
        action.result = {"reply": outcome.reply, **({"orderId": outcome.order.id} if outcome.order else {})}
        conversation.done = [*conversation.done, action][-5:]
    if outcome.pending is not None:
        conversation.pending = outcome.pending
    return outcome


def _place(services: ShopServices, conversation: Conversation, action: PendingAction) -> ActionOutcome:
    cart_id = conversation.cart_id
    if cart_id is None:
        return ActionOutcome("There is no cart in this conversation.", False)
    cart = services.carts.view(cart_id)
    if cart_fingerprint(cart) != action.cart_fingerprint:
        if cart.empty:
            return ActionOutcome("Your cart is empty now, so I did not place the order.", False)
        request = action.payload["request"]
        adding = [
            (product, int(line["quantity"]))
            for line in action.payload.get("adding", [])
            if (product := services.catalog.get(line["productId"])) is not None
        ]
        try:
            fresh = prepare_order(
                services,
                cart_id,
                request["customerName"],
                request["email"],
                request["address"],
                lang=action.summary.get("lang", "en"),
                adding=adding,
            )
        except ActionRefused as exc:
            return ActionOutcome(f"Your cart changed, so I did not place the order. {exc.message}", False)
        text = "Your cart changed since I showed the summary, so I did not place the order.\n\n"
        return ActionOutcome(text + summary_text(services, fresh), False, pending=fresh)
    request = OrderRequest.model_validate(action.payload["request"])
    for line in action.payload.get("adding", []):  # named with the order: in the cart only now, at the yes
        services.carts.add(cart_id, line["productId"], int(line["quantity"]))
    order = services.checkout.place(request, channel="chat", key=action.id, cart_id=cart_id)
    lang = action.summary.get("lang", "en")
    reply = say("placed", lang, order=order.id, total=_money(services, order.total), email=order.email)
    reply += _payment_line(services, order, lang)  # payments (issue 14)
    return ActionOutcome(reply, True, order=order)


def _payment_line(services: ShopServices, order: OrderView, lang: str) -> str:
    """payments (issue 14): how to pay, after the "placed" sentence; a link for card and PayPal (the
    provider's page opens from the shop's /pay page, which checks the email)."""
    method, total = order.payment.get("method"), _money(services, order.total)
    if method == "bank_transfer":
        return " " + say("pay_transfer", lang, total=total, order=order.id)
    if method == "pay_on_delivery":
        return " " + say("pay_on_delivery", lang, total=total)
    if method in ("stripe", "paypal") and order.payment.get("status") in ("pending", "failed"):
        url = f"{services.settings.base_url.rstrip('/')}/orders/{order.id}/pay?{urlencode({'email': order.email})}"
        return " " + say("pay_online", lang, url=url)
    return ""


def _cancel(services: ShopServices, action: PendingAction) -> ActionOutcome:
    order_id, email = action.payload["orderId"], action.payload["email"]
    order = services.orders.lookup(order_id, email)
    if order.status == "cancelled":
        return ActionOutcome(f"Order {order.id} is cancelled.", True)
    if order.status != "pending":
        return ActionOutcome(f"Order {order.id} is {order.status} now, so it can no longer be cancelled here.", False)
    try:
        services.order_admin.change_status(order.id, "cancelled", owner=f"customer:{order.email}")
    except Conflict:
        current = services.orders.get(order.id)
        if current is None or current.status != "cancelled":
            raise
    return ActionOutcome(say("cancelled", action.summary.get("lang", "en"), order=order.id), True)


def _wish(services: ShopServices, conversation: Conversation, action: PendingAction) -> ActionOutcome:
    if conversation.cart_id is None:
        return ActionOutcome("The wishlist is not available.", False)
    services.wishlist.add(conversation.cart_id, action.payload["productId"])  # idempotent: a second yes changes nothing
    return ActionOutcome(say("wished", action.summary.get("lang", "en"), name=action.summary["name"]), True)


def _add_to_cart(services: ShopServices, conversation: Conversation, action: PendingAction) -> ActionOutcome:
    """The confirmed large cart change. Executed once (`execute` keeps the done action), so a second
    yes adds nothing; stock is checked by the cart as for any add."""
    if conversation.cart_id is None:
        return ActionOutcome("There is no cart in this conversation.", False)
    lang = action.summary.get("lang", "en")
    said = []
    for line, (product_id, qty) in zip(action.summary["lines"], action.payload["lines"], strict=True):
        try:
            if action.payload.get("mode") == "set":
                services.carts.set_quantity(conversation.cart_id, product_id, int(qty))
            else:
                services.carts.add(conversation.cart_id, product_id, int(qty))
        except ShopError as exc:
            said.append(exc.message)
            continue
        said.append(say("added", lang, qty=qty, name=line["name"], price=_money(services, Decimal(line["unitPrice"]))))
    return ActionOutcome("\n".join(said), True)


def _request_return(services: ShopServices, action: PendingAction) -> ActionOutcome:
    """The return request the customer said yes to; the action id is its key, so a second yes (or a
    click on Confirm after the yes) finds the request the first made instead of making another."""
    request = ReturnInput.model_validate(action.payload["request"])
    made = services.returns.request(
        action.payload["orderId"], action.payload["email"], request, channel="chat", key=action.id
    )
    lang = action.summary.get("lang", "en")
    return ActionOutcome(say("return_requested", lang, rma=made.id, order=made.order_id, email=made.email), True)

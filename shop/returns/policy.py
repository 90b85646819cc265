"""The returns policy as one function: may these items of this order come back, and for how much?

The rules are those docs/policies/returns.md states, with its windows from configuration
(shop.returns.config), so the text the assistant quotes and the decision code makes agree:

- an unopened item, within `unopened_days` (30) of delivery: full refund of its price;
- an opened item of a category that takes no opened items back (food, tea, coffee, creams: hygiene):
  refused, unless it arrived damaged or was not what was ordered;
- a damaged or wrong item, within `damaged_days` (14): replacement or full refund, including its share
  of the order's shipping. Reported later, it is still an ordinary return if unopened and within 30;
- an exchange replaces a damaged or wrong item with the same product; an unopened item the customer no
  longer wants is refunded instead (an exchange of it for itself would change nothing).

Days are whole days since delivery (`deliveredAt`, else the moment the order became "completed" for
orders from before delivery was recorded): day 30 is inside, day 31 outside. An order not delivered
yet cannot be returned: a pending one can be cancelled instead. Quantities are bounded by what was
ordered minus what other open requests already return.

Pure (no database): the service reads the order, the categories and the open requests, and this
decides. A refusal is a sentence the customer reads, quoting the rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from shop.returns.config import CategoryRule, ReturnWindows

Resolution = Literal["refund", "exchange"]
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ReturnLine:
    """One item the customer wants to send back, as they describe it."""

    product_id: str
    quantity: int
    opened: bool = False
    damaged: bool = False
    """Arrived damaged, or was not what was ordered."""


@dataclass(frozen=True)
class DecidedLine:
    """A line of a return as decided, and as stored on the request (the returns service reads it back)."""

    product_id: str
    name: str
    quantity: int
    unit_price: Decimal
    opened: bool
    damaged: bool

    @property
    def value(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    """Why not, as the customer reads it; empty when allowed."""
    lines: list[DecidedLine] = field(default_factory=list)
    refund: Decimal = Decimal("0.00")
    """What the customer gets back: item prices (+ shipping share for damaged or wrong items); 0 for an exchange."""
    shipping_refund: Decimal = Decimal("0.00")


def days_since(moment: datetime, now: datetime) -> int:
    return (now - moment).days


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal("0")


def decide(
    order: Mapping[str, Any],
    items: Sequence[ReturnLine],
    categories: Mapping[str, CategoryRule],
    product_categories: Mapping[str, str],
    days_since_delivery: int | None,
    windows: ReturnWindows,
    *,
    resolution: Resolution = "refund",
    already_returning: Mapping[str, int] | None = None,
) -> Decision:
    """Decide a return request. `product_categories`: product id -> category slug (deleted products
    too); `already_returning`: product id -> units in this order's other open return requests."""
    order_id = order["_id"]
    closed = order_refusal(order, days_since_delivery, windows)
    if closed:
        return Decision(False, closed)
    if not items:
        return Decision(False, "Please choose at least one item to return.")
    ordered: dict[str, dict[str, Any]] = {str(p["productId"]): p for p in order.get("products") or []}
    returning = dict(already_returning or {})
    wanted: dict[str, int] = {}
    lines: list[DecidedLine] = []
    for item in items:
        product = ordered.get(item.product_id.lower())
        if product is None:
            return Decision(False, f"That product is not part of order {order_id}.")
        name = str(product.get("name") or "this item")
        wanted[item.product_id.lower()] = wanted.get(item.product_id.lower(), 0) + item.quantity
        left = int(product["quantity"]) - returning.get(item.product_id.lower(), 0)
        if wanted[item.product_id.lower()] > left:
            if left <= 0:
                return Decision(False, f"Every {name} of order {order_id} is already in a return request.")
            return Decision(
                False, f"You can return at most {left} of {name} from order {order_id} (you asked for {item.quantity})."
            )
        refusal = _refusal(item, name, product_categories, categories, days_since_delivery, windows, resolution)
        if refusal:
            return Decision(False, refusal)
        lines.append(
            DecidedLine(
                item.product_id.lower(),
                name,
                item.quantity,
                _money(product.get("unitPrice")),
                item.opened,
                _covered_damage(item, days_since_delivery, windows),
            )
        )
    if resolution == "exchange":
        return Decision(True, lines=lines)
    items_value = sum((line.value for line in lines), Decimal("0"))
    shipping = _shipping_share(order, lines)
    return Decision(True, lines=lines, refund=(items_value + shipping).quantize(CENT), shipping_refund=shipping)


def order_refusal(order: Mapping[str, Any], days_since_delivery: int | None, windows: ReturnWindows) -> str:
    """Why nothing of this order can be returned (cancelled, not delivered yet); "" when items may be."""
    order_id, status = order["_id"], order.get("status")
    if status == "cancelled":
        return f"Order {order_id} was cancelled, so there is nothing to return."
    if days_since_delivery is not None:
        return ""
    if status == "pending":
        return (
            f"Order {order_id} has not been shipped yet, so it cannot be returned; a pending order can be "
            "cancelled instead, in the chat or by contacting us."
        )
    return (
        f"Order {order_id} has not been delivered yet. Returns open once it arrives: unopened items within "
        f"{windows.unopened_days} days of delivery."
    )


def _covered_damage(item: ReturnLine, days: int, windows: ReturnWindows) -> bool:
    """A damaged or wrong item reported in time (later, it is at most an ordinary return)."""
    return item.damaged and days <= windows.damaged_days


def _refusal(
    item: ReturnLine,
    name: str,
    product_categories: Mapping[str, str],
    categories: Mapping[str, CategoryRule],
    days: int,
    windows: ReturnWindows,
    resolution: Resolution,
) -> str:
    """Why this item cannot come back under the policy; "" when it can."""
    if _covered_damage(item, days, windows):
        return ""
    late_damage = (
        f"Damaged or wrong items must be reported within {windows.damaged_days} days of delivery, and it has "
        f"been {days} days"
    )
    if resolution == "exchange":
        if item.damaged:
            return late_damage + f", so {name} can no longer be exchanged."
        return (
            f"An exchange replaces a damaged or wrong item with the same product; for {name}, please choose a refund."
        )
    slug = product_categories.get(item.product_id.lower(), "")
    rule = categories.get(slug, CategoryRule(slug.replace("-", " ") or "this category"))
    if item.opened and not rule.opened_returns:
        if item.damaged:
            return late_damage + f", and opened {rule.name} items cannot be returned for hygiene reasons."
        return (
            f"{name} has been opened, and opened {rule.name} items cannot be returned for hygiene reasons unless "
            "they arrived damaged or were not what you ordered."
        )
    if days > windows.unopened_days:
        kind = "Items" if rule.opened_returns else "Unopened items"
        return (
            f"{kind} can be returned within {windows.unopened_days} days of delivery, and it has been {days} days, "
            f"so {name} can no longer be returned."
        )
    return ""


def _shipping_share(order: Mapping[str, Any], lines: Sequence[DecidedLine]) -> Decimal:
    """The part of the order's shipping that the damaged or wrong items carried (by value): "we refund
    you in full, including shipping". Orders without a shipping cost (free shipping) refund none."""
    shipping = _money(order.get("shippingCost"))
    damaged_value = sum((line.value for line in lines if line.damaged), Decimal("0"))
    if shipping <= 0 or damaged_value <= 0:
        return Decimal("0.00")
    subtotal = _money(order.get("subtotal")) or sum(
        (_money(p.get("unitPrice")) * int(p["quantity"]) for p in order.get("products") or []), Decimal("0")
    )
    if subtotal <= 0:
        return Decimal("0.00")
    return min(shipping, shipping * damaged_value / subtotal).quantize(CENT, rounding=ROUND_HALF_UP)

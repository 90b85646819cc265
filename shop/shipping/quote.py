"""What an order costs: subtotal, shipping, tax and total, in exact money.

`quote` is pure arithmetic on what the caller already holds (the order transaction's product reads,
the cart's snapshot) and the cached config: no database round trip, so checkout stays as fast as it
was (see CommerceConfigStore). The rules, documented for the owner in docs/admin.md:

- subtotal: the sum of unit price x quantity of the lines;
- shipping: the chosen method of the first zone covering the address (default: the zone's first
  method): free when the subtotal reaches the method's `free_over`, else `price` plus `per_kg` for
  each started kilogram (a product without `weightGrams` weighs the config's default_weight_grams);
- tax: the address's rate (its region's, else its country's, else 0) on the merchandise subtotal
  (shipping is not taxed), rounded once per order to the cent, half up. Added on top when prices
  exclude tax; when they include it, the tax line is the part of the subtotal that is tax
  (subtotal - subtotal / (1 + rate)) and is not added again;
- total = subtotal + shipping (+ tax when prices exclude it).
An address no zone covers, or a method its zone does not offer, is refused (InvalidInput, 422) with
a sentence naming what is possible.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shop.core.errors import InvalidInput
from shop.core.money import CENT, to_money
from shop.shipping.address import Address, country_name
from shop.shipping.config import CommerceConfig, DeliveryDays, ShippingMethod, Zone


@dataclass(frozen=True)
class QuoteLine:
    unit_price: Decimal
    quantity: int
    weight_grams: int | None = None


@dataclass(frozen=True)
class Quote:
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    method: str
    """The shipping method's id ("standard")."""
    method_name: str
    delivery_days: DeliveryDays
    tax_rate: Decimal
    """Percent."""
    tax_included: bool
    """The prices include the tax (the tax line is informational, not added)."""
    country: str
    region: str = ""

    @property
    def place(self) -> str:
        """Where it ships, as a person reads it ("United States")."""
        return place_name(self.country, self.region)

    def order_fields(self) -> dict[str, object]:
        """The order document's fields this quote fills (names fixed in COMMERCE.md)."""
        return {
            "subtotal": self.subtotal,
            "shippingCost": self.shipping,
            "tax": self.tax,
            "totalAmount": self.total,
            "shippingMethod": self.method,
            "deliveryDays": {"min": self.delivery_days.min, "max": self.delivery_days.max},
        }


def place_name(country: str, region: str) -> str:
    """Where an address is, as a person reads it ("NY, United States")."""
    return f"{region}, {country_name(country)}" if region else country_name(country)


def zone_for(config: CommerceConfig, address: Address | None) -> tuple[Zone, str, str]:
    """The zone covering the address (a free-text or missing address: the home country)."""
    if address is None or address.text_only:
        country, region = config.home_country, ""
    else:
        country, region = address.country, address.region
    zone = config.zone_for(country, region)
    if zone is None:
        where = ", ".join(country_name(c) for c in config.shipping_countries())
        raise InvalidInput(
            f"Sorry, we do not ship to {place_name(country, region)}. We ship to: {where}.", field="country"
        )
    return zone, country, region


def method_for(zone: Zone, method: str | None, place: str) -> ShippingMethod:
    if method is None or method == "":
        return zone.methods[0]
    found = zone.method(method)
    if found is None:
        offered = ", ".join(m.id for m in zone.methods)
        raise InvalidInput(
            f"The shipping method {method[:40]!r} is not offered for {place}; choose one of: {offered}.",
            field="shippingMethod",
        )
    return found


def shipping_cost(method: ShippingMethod, subtotal: Decimal, weight_grams: int) -> Decimal:
    if method.free_over is not None and subtotal >= method.free_over:
        return Decimal("0.00")
    kilograms = math.ceil(weight_grams / 1000) if weight_grams > 0 else 0
    return to_money(method.price + method.per_kg * kilograms)


def tax_amount(subtotal: Decimal, rate: Decimal, *, included: bool) -> Decimal:
    if rate == 0:
        return Decimal("0.00")
    fraction = rate / Decimal(100)
    if included:
        return (subtotal - subtotal / (1 + fraction)).quantize(CENT, rounding=ROUND_HALF_UP)
    return (subtotal * fraction).quantize(CENT, rounding=ROUND_HALF_UP)


def quote(lines: Iterable[QuoteLine], address: Address | None, method: str | None, *, config: CommerceConfig) -> Quote:
    """The costs of these lines shipped to `address` by `method` (None: the zone's default)."""
    items = list(lines)
    subtotal = to_money(sum((line.unit_price * line.quantity for line in items), Decimal("0")))
    zone, country, region = zone_for(config, address)
    chosen = method_for(zone, method, place_name(country, region))
    weight = sum(line.quantity * (line.weight_grams or config.default_weight_grams) for line in items)
    shipping = shipping_cost(chosen, subtotal, weight)
    rate = config.tax_rate(country, region)
    tax = tax_amount(subtotal, rate, included=config.prices_include_tax)
    total = subtotal + shipping + (Decimal("0.00") if config.prices_include_tax else tax)
    return Quote(
        subtotal=subtotal,
        shipping=shipping,
        tax=tax,
        total=to_money(total),
        method=chosen.id,
        method_name=chosen.name,
        delivery_days=chosen.delivery_days,
        tax_rate=rate,
        tax_included=config.prices_include_tax,
        country=country,
        region=region,
    )


def method_options(lines: Iterable[QuoteLine], address: Address | None, *, config: CommerceConfig) -> list[Quote]:
    """A quote per method the address's zone offers (the checkout's choice); [] when none covers it."""
    items = list(lines)
    try:
        zone, _, _ = zone_for(config, address)
    except InvalidInput:
        return []
    return [quote(items, address, m.id, config=config) for m in zone.methods]

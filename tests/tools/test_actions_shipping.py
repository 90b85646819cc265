"""The chat's order summary carries subtotal, shipping, tax and total; the address stays exactly the
customer's words (the order's `address`), shipped to the country it names (else the home country)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shop.services import ShopServices
from tools import actions


def test_the_summary_has_the_money_lines_and_the_customers_address(
    services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(name="Assam Gold", price=Decimal("8.00"), stock=5)
    services.carts.add("cart-1", str(product["_id"]), 2)
    action = actions.prepare_order(services, "cart-1", "Ann Lee", "ann@example.com", "12 Oak Rd, Springfield, IL 62704")
    summary = action.summary
    assert (summary["subtotal"], summary["shipping"], summary["tax"], summary["total"]) == (
        "16.00",
        "5.95",
        "0.00",
        "21.95",
    )
    assert summary["address"] == "12 Oak Rd, Springfield, IL 62704"  # the customer's own words
    assert action.payload["request"]["address"] == "12 Oak Rd, Springfield, IL 62704"
    text = actions.summary_text(services, action)
    assert "Subtotal: $16.00" in text and "Shipping (Standard, 2-5 working days): $5.95" in text
    assert "Tax: $0.00" in text and "Total: $21.95" in text
    assert {Decimal("16.00"), Decimal("5.95"), Decimal("21.95")} <= actions.summary_amounts(action)


def test_free_text_stays_free_text_and_a_country_not_shipped_to_is_refused(
    services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(name="Assam Gold", price=Decimal("60.00"), stock=5)
    services.carts.add("cart-2", str(product["_id"]), 1)
    action = actions.prepare_order(services, "cart-2", "Ann Lee", "ann@example.com", "5 Oak Road")
    assert action.summary["address"] == "5 Oak Road" and action.summary["shipping"] == "0.00"
    assert "free shipping" in actions.summary_text(services, action)
    try:
        address = {"line1": "5 Rue Royale", "city": "Paris", "postalCode": "75008", "country": "FR"}
        actions.prepare_order(services, "cart-2", "Ann Lee", "ann@example.com", address)
    except actions.ActionRefused as exc:
        assert "we do not ship to France" in exc.message
    else:
        raise AssertionError("an address abroad was accepted")


def test_a_french_address_typed_in_the_chat_is_quoted_and_shipped_to_france(
    ctx: Any, services: ShopServices, product_factory: Any
) -> None:
    config = services.commerce.get()
    data = config.model_dump()
    data["zones"].append(
        {"id": "eu", "name": "Europe", "countries": ["FR", "DE"],
         "methods": [{"id": "standard", "name": "Europe", "price": "12.00", "delivery_days": {"min": 4, "max": 8}}]}
    )  # fmt: skip
    data["tax_rates"] = [*data["tax_rates"], {"country": "FR", "rate": "20"}]
    services.commerce.save(config.model_validate(data), based_on=config.version)
    product = product_factory(name="Assam Gold", price=Decimal("10.00"), stock=5)
    services.carts.add(ctx.cart_id, str(product["_id"]), 1)
    text = "12 Rue de Rivoli, 75001 Paris, France"

    action = actions.prepare_order(services, ctx.cart_id, "Ann Lee", "ann@example.com", text)

    summary = action.summary
    assert (summary["subtotal"], summary["shipping"], summary["tax"], summary["total"]) == (
        "10.00", "12.00", "2.00", "24.00",
    )  # fmt: skip
    assert summary["address"] == text and action.payload["request"]["address"] == text
    ctx.conversation.pending = action
    outcome = actions.execute(services, ctx.conversation, action.id)
    assert outcome.done and outcome.order is not None
    stored = services.db.orders.find_one({"_id": outcome.order.id})
    assert stored["address"] == text  # the customer's own words
    assert stored["shippingAddress"] == {
        "country": "FR", "line1": "12 Rue de Rivoli", "line2": "", "city": "Paris", "region": "", "postalCode": "75001",
    }  # fmt: skip
    assert (stored["shippingCost"], stored["tax"], stored["totalAmount"]) == (
        Decimal("12.00"), Decimal("2.00"), Decimal("24.00"),
    )  # fmt: skip


def test_a_typed_country_no_zone_ships_to_gets_the_checkout_forms_sentence(
    services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(name="Assam Gold", price=Decimal("10.00"), stock=5)
    services.carts.add("cart-3", str(product["_id"]), 1)
    text = "Unter den Linden 5, 10115 Berlin, Deutschland"
    try:
        actions.prepare_order(services, "cart-3", "Ann Lee", "ann@example.com", text)
    except actions.ActionRefused as exc:
        assert exc.message.startswith("Sorry, we do not ship to Germany. We ship to: United States")
    else:
        raise AssertionError("an address in Germany was quoted as a home one")

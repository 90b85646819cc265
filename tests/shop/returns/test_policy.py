"""The returns policy decision, rule by rule, at the edges of its windows (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shop.catalog.categories import Category
from shop.fulfillment.shipments import delivered_at
from shop.returns.config import CategoryRule, ReturnWindows, category_rules, return_windows
from shop.returns.policy import ReturnLine, decide

TEA, CREAM, BOOK = "a" * 24, "b" * 24, "c" * 24
ORDER = {
    "_id": "ORD-7K2M9QXD",
    "status": "completed",
    "products": [
        {"productId": TEA, "name": "Earl Grey Supreme", "quantity": 2, "unitPrice": Decimal("9.50")},
        {"productId": CREAM, "name": "Rose Hand Cream", "quantity": 1, "unitPrice": Decimal("18.00")},
        {"productId": BOOK, "name": "Middlemarch", "quantity": 1, "unitPrice": Decimal("12.00")},
    ],
}
RULES = {
    "tea": CategoryRule("Tea"),
    "beauty": CategoryRule("Beauty Creams"),
    "fiction": CategoryRule("Fiction", opened_returns=True),  # another kind of shop
}
CATEGORY_OF = {TEA: "tea", CREAM: "beauty", BOOK: "fiction"}
WINDOWS = ReturnWindows(30, 14)


def _decide(*lines: ReturnLine, days: int | None = 3, order: dict[str, Any] = ORDER, **kwargs: Any) -> Any:
    return decide(order, list(lines), RULES, CATEGORY_OF, days, WINDOWS, **kwargs)


@pytest.mark.parametrize(("days", "allowed"), [(0, True), (30, True), (31, False)])
def test_unopened_items_come_back_within_30_days_for_a_full_refund(days: int, allowed: bool) -> None:
    decision = _decide(ReturnLine(TEA, 2), ReturnLine(CREAM, 1), days=days)
    assert decision.allowed is allowed
    if allowed:
        assert decision.refund == Decimal("37.00") and decision.shipping_refund == 0
    else:
        assert decision.reason == (
            "Unopened items can be returned within 30 days of delivery, and it has been 31 days, so Earl Grey "
            "Supreme can no longer be returned."
        )


@pytest.mark.parametrize("product", [TEA, CREAM])
def test_opened_consumables_and_creams_are_refused_quoting_the_rule(product: str) -> None:
    decision = _decide(ReturnLine(product, 1, opened=True), days=2)
    name, category = ("Earl Grey Supreme", "Tea") if product == TEA else ("Rose Hand Cream", "Beauty Creams")
    assert not decision.allowed and decision.reason == (
        f"{name} has been opened, and opened {category} items cannot be returned for hygiene reasons unless "
        "they arrived damaged or were not what you ordered."
    )


def test_a_category_that_takes_opened_items_back_does_so_within_the_window() -> None:
    assert _decide(ReturnLine(BOOK, 1, opened=True), days=30).allowed
    late = _decide(ReturnLine(BOOK, 1, opened=True), days=31)
    assert not late.allowed and late.reason.startswith("Items can be returned within 30 days")


@pytest.mark.parametrize(("days", "allowed"), [(14, True), (15, False)])
def test_damaged_opened_items_within_14_days_are_refunded(days: int, allowed: bool) -> None:
    decision = _decide(ReturnLine(TEA, 1, opened=True, damaged=True), days=days)
    assert decision.allowed is allowed
    if not allowed:
        assert decision.reason.startswith("Damaged or wrong items must be reported within 14 days of delivery")


def test_damaged_unopened_reported_late_is_still_an_ordinary_return() -> None:
    decision = _decide(ReturnLine(TEA, 1, damaged=True), days=20)
    assert decision.allowed and decision.lines[0].damaged is False  # no shipping share after 14 days


def test_damaged_items_get_their_share_of_shipping() -> None:
    order = {**ORDER, "shippingCost": Decimal("6.00"), "subtotal": Decimal("49.00")}
    decision = _decide(ReturnLine(CREAM, 1, damaged=True), ReturnLine(TEA, 1), order=order)
    # 18.00 of 49.00 carried 6.00 of shipping: 2.204 -> 2.20; the undamaged tea carries none.
    assert decision.shipping_refund == Decimal("2.20") and decision.refund == Decimal("29.70")
    whole = _decide(ReturnLine(TEA, 2, damaged=True), ReturnLine(CREAM, 1, damaged=True),
                    ReturnLine(BOOK, 1, damaged=True), order=order)  # fmt: skip
    assert whole.shipping_refund == Decimal("6.00") and whole.refund == Decimal("55.00")


def test_an_exchange_is_for_damaged_or_wrong_items_and_refunds_nothing() -> None:
    assert _decide(ReturnLine(TEA, 1, damaged=True), resolution="exchange").refund == 0
    change_of_mind = _decide(ReturnLine(TEA, 1), resolution="exchange")
    assert not change_of_mind.allowed and "please choose a refund" in change_of_mind.reason


def test_an_order_not_delivered_is_explained() -> None:
    pending = _decide(ReturnLine(TEA, 1), days=None, order={**ORDER, "status": "pending"})
    assert not pending.allowed and "can be cancelled instead" in pending.reason
    shipped = _decide(ReturnLine(TEA, 1), days=None, order={**ORDER, "status": "shipped"})
    assert not shipped.allowed and shipped.reason.startswith("Order ORD-7K2M9QXD has not been delivered yet")
    cancelled = _decide(ReturnLine(TEA, 1), order={**ORDER, "status": "cancelled"})
    assert not cancelled.allowed and "was cancelled" in cancelled.reason


def test_quantities_are_bounded_by_the_order_and_other_requests() -> None:
    too_many = _decide(ReturnLine(TEA, 3))
    assert not too_many.allowed and "at most 2 of Earl Grey Supreme" in too_many.reason
    split = _decide(ReturnLine(TEA, 1), ReturnLine(TEA, 2))  # the same product twice counts together
    assert not split.allowed
    assert not _decide(ReturnLine(TEA, 2), already_returning={TEA: 1}).allowed
    assert _decide(ReturnLine(TEA, 1), already_returning={TEA: 1}).allowed
    gone = _decide(ReturnLine(CREAM, 1), already_returning={CREAM: 1})
    assert not gone.allowed and "already in a return request" in gone.reason
    assert not _decide(ReturnLine("d" * 24, 1)).allowed  # not part of the order


def test_delivery_falls_back_to_when_an_older_order_was_completed() -> None:
    at = datetime.now(UTC) - timedelta(days=4)
    assert delivered_at({"status": "completed", "statusHistory": [{"status": "completed", "at": at}]}) == at
    assert delivered_at({"status": "shipped"}) is None


def test_windows_and_category_flags_come_from_configuration() -> None:
    assert return_windows() == ReturnWindows(30, 14)

    class Config:
        returns_unopened_days, returns_damaged_days = 60, 7

    assert return_windows(Config()) == ReturnWindows(60, 7)
    books = Category.model_validate({"slug": "fiction", "name": "Fiction", "openedReturns": True})
    assert category_rules([books])["fiction"].opened_returns
    assert not category_rules([Category(slug="tea", name="Tea")])["tea"].opened_returns  # the default

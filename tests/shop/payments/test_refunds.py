"""Refunds are idempotent by key and never exceed what was paid, also when they race: the key is
inserted and the amount reserved in one transaction before the provider is called."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from pymongo.database import Database

from shop.core.errors import Conflict, InvalidInput, NotFound
from shop.core.settings import Settings
from shop.ordering.orders import OrderRequest
from shop.payments.service import Refund
from shop.payments.webhooks import PaymentUpdate
from shop.services import ShopServices
from tests.support.http_stub import Recorded, StubServer
from tests.support.orders import order_body
from tests.support.payments import calls, form, stripe_settings, stripe_stub


@pytest.fixture
def stripe_api() -> Iterator[StubServer]:
    with stripe_stub() as stub:
        slow = stub.routes[("POST", "/v1/refunds")]

        def slow_refund(request: Recorded) -> tuple[int, dict[str, Any]]:
            time.sleep(0.4)  # long enough for a second call to arrive while the first is at Stripe
            return slow(request)

        stub.routes[("POST", "/v1/refunds")] = slow_refund
        yield stub


@pytest.fixture
def shop(db: Database, settings: Settings, stripe_api: StubServer) -> Iterator[ShopServices]:
    built = ShopServices.build(db, stripe_settings(settings, stripe_api), background_mail=False)
    yield built
    built.close()


def _paid_order(shop: ShopServices, product: dict[str, Any], quantity: int) -> str:
    request = OrderRequest.model_validate(order_body(product["_id"], quantity, paymentMethod="stripe"))
    order = shop.checkout.place(request, channel="api", key=None)
    ref = order.payment["providerRef"]
    outcome = shop.payments.apply(
        PaymentUpdate("stripe", f"evt-{order.id}", "test", order.id, ref, "paid", None, "pi_1")
    )
    assert outcome == "applied"
    return order.id


def test_two_concurrent_refunds_with_one_key_call_stripe_once(
    shop: ShopServices, stripe_api: StubServer, items: dict[str, Any]
) -> None:
    order_id = _paid_order(shop, items["yirga"], 2)  # 29.00
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda _: shop.payments.refund(order_id, Decimal("14.50"), reason="torn", key="rma-1:line-1"), range(2)
            )
        )
    assert len(calls(stripe_api, "POST", "/v1/refunds")) == 1
    assert sorted(r.replayed for r in results) == [False, True]
    assert all(isinstance(r, Refund) and r.status == "succeeded" and r.provider_ref == "re_1" for r in results)
    payment = shop.db.orders.find_one({"_id": order_id})["payment"]
    assert payment["refunded"] == Decimal("14.50") and payment["status"] == "partially_refunded"
    # And later, one more time with the same key: the stored answer, no provider call.
    assert shop.payments.refund(order_id, Decimal("14.50"), reason="torn", key="rma-1:line-1").replayed
    assert len(calls(stripe_api, "POST", "/v1/refunds")) == 1


def test_concurrent_refunds_with_different_keys_never_exceed_the_payment(
    shop: ShopServices, stripe_api: StubServer, items: dict[str, Any]
) -> None:
    order_id = _paid_order(shop, items["earl"], 2)  # 19.00 + 5.95 shipping = 24.95

    def attempt(key: str) -> Refund | str:
        try:
            return shop.payments.refund(order_id, Decimal("15.00"), reason="race", key=key)
        except Conflict as exc:
            return exc.message

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(attempt, ["a", "b", "c"]))
    refunded = [r for r in results if isinstance(r, Refund)]
    assert len(refunded) == 1 and len(calls(stripe_api, "POST", "/v1/refunds")) == 1
    assert all("can still be refunded" in r for r in results if isinstance(r, str))
    payment = shop.db.orders.find_one({"_id": order_id})["payment"]
    assert payment["refunded"] == Decimal("15.00") and payment["refundPending"] == Decimal("0.00")
    assert form(calls(stripe_api, "POST", "/v1/refunds")[0])["amount"] == "1500"


def test_refund_input_is_checked(shop: ShopServices, items: dict[str, Any]) -> None:
    order_id = _paid_order(shop, items["honey"], 1)
    with pytest.raises(InvalidInput):
        shop.payments.refund(order_id, Decimal("0"), reason="", key="k")
    with pytest.raises(InvalidInput):
        shop.payments.refund(order_id, Decimal("1"), reason="", key="")
    with pytest.raises(NotFound):
        shop.payments.refund("ORD-00000000", Decimal("1"), reason="", key="k")
    shop.payments.refund(order_id, Decimal("1"), reason="", key="k")
    with pytest.raises(Conflict, match="different refund"):
        shop.payments.refund(order_id, Decimal("2"), reason="", key="k")
    assert [r.amount for r in shop.payments.refunds_of(order_id)] == [Decimal("1.00")]

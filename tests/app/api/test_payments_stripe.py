"""Stripe, end to end against a local stand-in of its API: the order opens a Checkout Session after
it commits, the signed webhook marks it paid (or failed), duplicates and late events change nothing,
a bad signature is a 400, the return page asks Stripe itself, a refund goes back through Stripe."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pymongo.database import Database

from shop.core.settings import Settings
from shop.services import ShopServices
from tests.support.http_stub import StubServer
from tests.support.orders import order_body
from tests.support.payments import calls, form, stripe_event, stripe_settings, stripe_signature, stripe_stub

WEBHOOK = "/api/payments/stripe/webhook"


@pytest.fixture
def stripe_api() -> Iterator[StubServer]:
    with stripe_stub() as stub:
        yield stub


@pytest.fixture
def shop(db: Database, settings: Settings, stripe_api: StubServer) -> Iterator[ShopServices]:
    built = ShopServices.build(db, stripe_settings(settings, stripe_api), background_mail=False)
    yield built
    built.close()


@pytest.fixture
def api(shop: ShopServices) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(shop.settings, shop)) as test_client:
        yield test_client


def _order(api: TestClient, product: dict[str, Any], quantity: int = 2) -> dict[str, Any]:
    response = api.post("/api/orders", json=order_body(product["_id"], quantity, paymentMethod="stripe"))
    assert response.status_code == 201, response.text
    return response.json()


def _send(api: TestClient, payload: bytes, signature: str | None = None) -> Any:
    headers = {"Stripe-Signature": signature or stripe_signature(payload), "Content-Type": "application/json"}
    return api.post(WEBHOOK, content=payload, headers=headers)


def _completed(order: dict[str, Any], *, event_id: str, amount: int, paid: bool = True) -> bytes:
    session = {
        "id": "cs_test_1",
        "object": "checkout.session",
        "payment_status": "paid" if paid else "unpaid",
        "amount_total": amount,
        "payment_intent": "pi_test_1",
        "client_reference_id": order["id"],
        "metadata": {"orderId": order["id"]},
    }
    return stripe_event("checkout.session.completed", session, event_id=event_id)


def test_order_opens_a_checkout_session_after_it_commits(
    api: TestClient, shop: ShopServices, stripe_api: StubServer, items: dict[str, Any]
) -> None:
    order = _order(api, items["yirga"])  # 2 x 14.50 + 5.95 shipping = 34.95
    assert order["payment"]["method"] == "stripe" and order["payment"]["status"] == "pending"
    assert order["payment"]["redirectUrl"] == f"{stripe_api.url}/pay/cs_test_1"
    [created] = calls(stripe_api, "POST", "/v1/checkout/sessions")
    sent = form(created)
    assert sent["line_items[0][price_data][unit_amount]"] == "3495"
    assert sent["line_items[0][price_data][currency]"] == "usd"
    assert sent["metadata[orderId]"] == order["id"] and sent["client_reference_id"] == order["id"]
    assert sent["success_url"].endswith(f"/orders/{order['id']}/payment/return?session_id={{CHECKOUT_SESSION_ID}}")
    assert created.headers["idempotency-key"] == f"pay:{order['id']}:1"
    assert created.headers["authorization"] == "Bearer sk_test_stub"
    doc = shop.db.orders.find_one({"_id": order["id"]})
    assert doc["payment"]["providerRef"] == "cs_test_1" and doc["payment"]["provider"] == "stripe"


def test_webhook_paid_then_duplicate_then_late_failure(
    api: TestClient, shop: ShopServices, items: dict[str, Any]
) -> None:
    order = _order(api, items["yirga"])
    payload = _completed(order, event_id="evt_paid_1", amount=3495)
    first = _send(api, payload)
    assert first.status_code == 200 and first.json() == {"outcome": "applied"}
    doc = shop.db.orders.find_one({"_id": order["id"]})
    assert doc["payment"]["status"] == "paid" and doc["payment"]["captureRef"] == "pi_test_1"
    assert doc["payment"]["paidAmount"] == Decimal("34.95") and "attention" not in doc["payment"]
    events = len(doc["payment"]["events"])
    # The same event again (Stripe retries until it sees a 2xx): nothing changes.
    again = _send(api, payload)
    assert again.status_code == 200 and again.json() == {"outcome": "duplicate"}
    # A late "expired" for the same session arrives after the payment: recorded, never applied.
    expired = stripe_event(
        "checkout.session.expired",
        {"id": "cs_test_1", "object": "checkout.session", "metadata": {"orderId": order["id"]}},
        event_id="evt_expired_1",
    )
    assert _send(api, expired).json() == {"outcome": "ignored"}
    doc = shop.db.orders.find_one({"_id": order["id"]})
    assert doc["payment"]["status"] == "paid" and len(doc["payment"]["events"]) == events
    assert (
        shop.db.payment_events.count_documents({"orderId": order["id"]}) == 2
    )  # paid + expired; the duplicate is not stored twice
    assert (
        api.get(f"/api/orders/{order['id']}", params={"email": "grace@example.com"}).json()["payment"]["status"]
        == "paid"
    )


def test_webhook_failed_then_the_customer_pays_again(
    api: TestClient, shop: ShopServices, stripe_api: StubServer, items: dict[str, Any]
) -> None:
    order = _order(api, items["espresso"], 1)
    failed = stripe_event(
        "checkout.session.async_payment_failed",
        {"id": "cs_test_1", "object": "checkout.session", "metadata": {"orderId": order["id"]}},
        event_id="evt_failed_1",
    )
    assert _send(api, failed).json() == {"outcome": "applied"}
    assert shop.db.orders.find_one({"_id": order["id"]})["payment"]["status"] == "failed"
    # The confirmation link "Pay now" opens a new session for the same order.
    again = api.get(f"/orders/{order['id']}/pay", params={"email": "grace@example.com"}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"{stripe_api.url}/pay/cs_test_2"
    payment = shop.db.orders.find_one({"_id": order["id"]})["payment"]
    assert payment["status"] == "pending" and payment["attempts"] == 2 and payment["providerRef"] == "cs_test_2"
    assert calls(stripe_api, "POST", "/v1/checkout/sessions")[-1].headers["idempotency-key"] == f"pay:{order['id']}:2"


def test_a_bad_signature_is_400_and_changes_nothing(api: TestClient, shop: ShopServices, items: dict[str, Any]) -> None:
    order = _order(api, items["yirga"])
    payload = _completed(order, event_id="evt_forged", amount=2900)
    assert _send(api, payload, stripe_signature(payload, "whsec_someone_else")).status_code == 400
    assert _send(api, payload, "t=1,v1=deadbeef").status_code == 400
    assert api.post(WEBHOOK, content=payload).status_code == 400  # no header at all
    stale = stripe_signature(payload, at=1_700_000_000)  # correctly signed, but years old: outside the tolerance
    assert _send(api, payload, stale).status_code == 400
    tampered = payload.replace(b'"amount_total": 2900', b'"amount_total": 1')
    assert _send(api, tampered, stripe_signature(payload)).status_code == 400
    assert shop.db.orders.find_one({"_id": order["id"]})["payment"]["status"] == "pending"
    assert shop.db.payment_events.count_documents({}) == 0


def test_provider_down_keeps_the_order_unpaid_with_a_message(
    api: TestClient, shop: ShopServices, stripe_api: StubServer, items: dict[str, Any]
) -> None:
    working = stripe_api.routes[("POST", "/v1/checkout/sessions")]
    stripe_api.routes[("POST", "/v1/checkout/sessions")] = (500, {"error": {"message": "boom", "type": "api_error"}})
    response = api.post("/api/orders", json=order_body(items["honey"]["_id"], 1, paymentMethod="stripe"))
    assert response.status_code == 201  # the order stands
    body = response.json()
    assert body["payment"]["status"] == "pending" and "redirectUrl" not in {k for k, v in body["payment"].items() if v}
    assert "could not be started" in body["payment"]["error"]
    assert shop.db.products.find_one({"_id": items["honey"]["_id"]})["stock"] == 14  # stock held for the retry
    stripe_api.routes[("POST", "/v1/checkout/sessions")] = working
    retry = api.get(f"/orders/{body['id']}/pay", params={"email": "grace@example.com"}, follow_redirects=False)
    assert retry.status_code == 303 and retry.headers["location"].startswith(f"{stripe_api.url}/pay/")
    assert "error" not in shop.db.orders.find_one({"_id": body["id"]})["payment"]


def test_return_page_asks_stripe_and_counts_once_with_the_webhook(
    api: TestClient, shop: ShopServices, stripe_api: StubServer, items: dict[str, Any]
) -> None:
    order = _order(api, items["yirga"])
    stripe_api.routes[("GET", "/v1/checkout/sessions/cs_test_1")] = (
        200,
        {
            "id": "cs_test_1",
            "object": "checkout.session",
            "payment_status": "paid",
            "amount_total": 2900,
            "payment_intent": "pi_test_1",
        },
    )
    back = api.get(f"/orders/{order['id']}/payment/return", params={"session_id": "cs_test_1"}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == f"/orders/{order['id']}/confirmation"
    assert shop.db.orders.find_one({"_id": order["id"]})["payment"]["status"] == "paid"
    # The webhook that follows finds it paid: recorded, not applied twice.
    assert _send(api, _completed(order, event_id="evt_after_return", amount=2900)).json() == {"outcome": "ignored"}
    paid_events = [
        e for e in shop.db.orders.find_one({"_id": order["id"]})["payment"]["events"] if e.get("status") == "paid"
    ]
    assert len(paid_events) == 1


def test_refund_goes_back_through_stripe(
    api: TestClient, shop: ShopServices, stripe_api: StubServer, items: dict[str, Any]
) -> None:
    order = _order(api, items["yirga"])
    _send(api, _completed(order, event_id="evt_paid_r", amount=2900))
    refund = shop.payments.refund(order["id"], Decimal("14.50"), reason="one bag arrived torn", key="ret-1:yirga")
    assert refund.status == "succeeded" and refund.provider == "stripe" and refund.provider_ref == "re_1"
    [sent] = calls(stripe_api, "POST", "/v1/refunds")
    assert form(sent)["payment_intent"] == "pi_test_1" and form(sent)["amount"] == "1450"
    assert sent.headers["idempotency-key"] == "refund:ret-1:yirga"
    payment = shop.db.orders.find_one({"_id": order["id"]})["payment"]
    assert payment["status"] == "partially_refunded" and payment["refunded"] == Decimal("14.50")
    # A refund Stripe refuses: a clear error, nothing recorded as refunded, the reservation given back.
    stripe_api.routes[("POST", "/v1/refunds")] = (
        400,
        {
            "error": {
                "message": "Charge already refunded",
                "type": "invalid_request_error",
                "code": "charge_already_refunded",
            }
        },
    )
    from shop.payments.service import RefundFailed

    with pytest.raises(RefundFailed):
        shop.payments.refund(order["id"], Decimal("14.50"), reason="the other", key="ret-2:yirga")
    payment = shop.db.orders.find_one({"_id": order["id"]})["payment"]
    assert payment["refunded"] == Decimal("14.50") and payment["refundPending"] == Decimal("0.00")
    assert shop.db.refunds.find_one({"_id": "ret-2:yirga"})["status"] == "failed"


def test_webhook_for_an_unknown_order_is_recorded(api: TestClient, shop: ShopServices) -> None:
    payload = stripe_event(
        "checkout.session.completed",
        {"id": "cs_other", "payment_status": "paid", "amount_total": 100, "metadata": {"orderId": "ORD-ZZZZZZZZ"}},
        event_id="evt_unknown",
    )
    assert _send(api, payload).json() == {"outcome": "unknown_order"}
    unrelated = json.dumps(
        {"id": "evt_x", "object": "event", "type": "customer.created", "data": {"object": {}}}
    ).encode()
    assert _send(api, unrelated).json() == {"outcome": "recorded"}  # an event type the shop does not act on
    assert shop.db.payment_events.count_documents({}) == 2


def test_a_second_payment_through_an_older_page_is_flagged(
    api: TestClient, shop: ShopServices, items: dict[str, Any]
) -> None:
    order = _order(api, items["yirga"])
    assert _send(api, _completed(order, event_id="evt_first", amount=2900)).json() == {"outcome": "applied"}
    second = {
        "id": "cs_test_0",
        "payment_status": "paid",
        "amount_total": 2900,
        "payment_intent": "pi_test_other",
        "metadata": {"orderId": order["id"]},
    }
    payload = stripe_event("checkout.session.completed", second, event_id="evt_second")
    assert _send(api, payload).json() == {"outcome": "flagged"}
    payment = shop.db.orders.find_one({"_id": order["id"]})["payment"]
    assert payment["status"] == "paid" and "pi_test_other" in payment["attention"]
    mail = shop.db.outbox.find_one({"kind": "payment_late"})
    assert mail["to"] == ["owner@example.com"] and "second time" in mail["text"]

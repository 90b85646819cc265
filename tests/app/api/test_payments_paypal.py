"""PayPal Orders v2 against a local stand-in of its REST API: an OAuth2 token (fetched once and
kept), create order, capture on the customer's return, the webhook verified through PayPal's
verify-webhook-signature (success and failure), and a refund of the capture."""

from __future__ import annotations

import base64
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
from tests.support.payments import (
    PAYPAL_HEADERS,
    PAYPAL_WEBHOOK_ID,
    allow_capture,
    calls,
    paypal_capture_event,
    paypal_settings,
    paypal_stub,
)

WEBHOOK = "/api/payments/paypal/webhook"


@pytest.fixture
def paypal_api() -> Iterator[StubServer]:
    with paypal_stub() as stub:
        yield stub


@pytest.fixture
def shop(db: Database, settings: Settings, paypal_api: StubServer) -> Iterator[ShopServices]:
    built = ShopServices.build(db, paypal_settings(settings, paypal_api), background_mail=False)
    yield built
    built.close()


@pytest.fixture
def api(shop: ShopServices) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(shop.settings, shop)) as test_client:
        yield test_client


def _order(api: TestClient, product: dict[str, Any], quantity: int = 1) -> dict[str, Any]:
    response = api.post("/api/orders", json=order_body(product["_id"], quantity, paymentMethod="paypal"))
    assert response.status_code == 201, response.text
    return response.json()


def test_token_create_and_capture_on_return(
    api: TestClient, shop: ShopServices, paypal_api: StubServer, items: dict[str, Any]
) -> None:
    order = _order(api, items["cream"], 2)  # 2 x 18.00 + 5.95 shipping
    assert order["payment"]["redirectUrl"] == f"{paypal_api.url}/checkoutnow?token=PAYPAL-1"
    [token] = calls(paypal_api, "POST", "/v1/oauth2/token")
    assert token.headers["authorization"] == "Basic " + base64.b64encode(b"paypal-client:paypal-secret").decode()
    assert token.body == b"grant_type=client_credentials"
    [created] = calls(paypal_api, "POST", "/v2/checkout/orders")
    assert created.headers["authorization"] == "Bearer A21-token"
    assert created.headers["paypal-request-id"] == f"pay:{order['id']}:1"
    unit = created.json()["purchase_units"][0]
    assert unit["amount"] == {"currency_code": "USD", "value": "41.95"} and unit["custom_id"] == order["id"]
    context = created.json()["payment_source"]["paypal"]["experience_context"]
    assert context["return_url"].endswith(f"/orders/{order['id']}/payment/return")
    # The customer approves on PayPal's page and comes back: the shop captures.
    allow_capture(paypal_api, "PAYPAL-1")
    back = api.get(f"/orders/{order['id']}/payment/return", params={"token": "PAYPAL-1"}, follow_redirects=False)
    assert back.status_code == 303
    payment = shop.db.orders.find_one({"_id": order["id"]})["payment"]
    assert payment["status"] == "paid" and payment["captureRef"] == "CAPTURE-PAYPAL-1"
    assert payment["paidAmount"] == Decimal("41.95")
    assert len(calls(paypal_api, "POST", "/v1/oauth2/token")) == 1  # the token was kept


def test_webhook_verified_by_paypal_marks_paid_once(
    api: TestClient, shop: ShopServices, paypal_api: StubServer, items: dict[str, Any]
) -> None:
    order = _order(api, items["earl"], 2)
    event = paypal_capture_event(order["id"], "PAYPAL-1", "19.00", event_id="WH-EVT-1")
    response = api.post(WEBHOOK, json=event, headers=PAYPAL_HEADERS)
    assert response.status_code == 200 and response.json() == {"outcome": "applied"}
    [verify] = calls(paypal_api, "POST", "/v1/notifications/verify-webhook-signature")
    sent = verify.json()
    assert sent["webhook_id"] == PAYPAL_WEBHOOK_ID and sent["webhook_event"] == event
    assert sent["transmission_id"] == PAYPAL_HEADERS["PAYPAL-TRANSMISSION-ID"]
    assert sent["cert_url"] == PAYPAL_HEADERS["PAYPAL-CERT-URL"] and sent["auth_algo"] == "SHA256withRSA"
    assert shop.db.orders.find_one({"_id": order["id"]})["payment"]["status"] == "paid"
    assert api.post(WEBHOOK, json=event, headers=PAYPAL_HEADERS).json() == {"outcome": "duplicate"}
    denied = paypal_capture_event(order["id"], "PAYPAL-1", "19.00", event_id="WH-EVT-2", kind="PAYMENT.CAPTURE.DENIED")
    assert api.post(WEBHOOK, json=denied, headers=PAYPAL_HEADERS).json() == {"outcome": "ignored"}
    assert shop.db.orders.find_one({"_id": order["id"]})["payment"]["status"] == "paid"


def test_webhook_paypal_does_not_verify_is_400(
    api: TestClient, shop: ShopServices, paypal_api: StubServer, items: dict[str, Any]
) -> None:
    order = _order(api, items["earl"])
    event = paypal_capture_event(order["id"], "PAYPAL-1", "9.50", event_id="WH-FORGED")
    paypal_api.routes[("POST", "/v1/notifications/verify-webhook-signature")] = (
        200,
        {"verification_status": "FAILURE"},
    )
    assert api.post(WEBHOOK, json=event, headers=PAYPAL_HEADERS).status_code == 400
    missing = {k: v for k, v in PAYPAL_HEADERS.items() if k != "PAYPAL-TRANSMISSION-SIG"}
    assert api.post(WEBHOOK, json=event, headers=missing).status_code == 400
    assert api.post(WEBHOOK, content=b"not json", headers=PAYPAL_HEADERS).status_code == 400
    paypal_api.routes[("POST", "/v1/notifications/verify-webhook-signature")] = (500, {"name": "INTERNAL_SERVER_ERROR"})
    assert api.post(WEBHOOK, json=event, headers=PAYPAL_HEADERS).status_code == 400
    assert shop.db.orders.find_one({"_id": order["id"]})["payment"]["status"] == "pending"
    assert shop.db.payment_events.count_documents({}) == 0


def test_approved_webhook_captures_and_refund_goes_back_through_paypal(
    api: TestClient, shop: ShopServices, paypal_api: StubServer, items: dict[str, Any]
) -> None:
    order = _order(api, items["honey"], 2)  # 2 x 10.50 + 5.95 shipping = 26.95
    allow_capture(paypal_api, "PAYPAL-1")
    approved = {
        "id": "WH-APPROVED-1",
        "event_type": "CHECKOUT.ORDER.APPROVED",
        "resource": {"id": "PAYPAL-1", "status": "APPROVED", "purchase_units": [{"custom_id": order["id"]}]},
    }
    assert api.post(WEBHOOK, json=approved, headers=PAYPAL_HEADERS).json() == {"outcome": "applied"}
    payment = shop.db.orders.find_one({"_id": order["id"]})["payment"]
    assert payment["status"] == "paid"  # authorized, then captured at once
    assert [e["status"] for e in payment["events"] if e.get("status")] == ["pending", "pending", "authorized", "paid"]
    refund = shop.payments.refund(order["id"], Decimal("26.95"), reason="order returned", key="rma-7")
    assert refund.status == "succeeded" and refund.provider == "paypal"
    [sent] = calls(paypal_api, "POST", "/v2/payments/captures/CAPTURE-PAYPAL-1/refund")
    assert sent.json()["amount"] == {"currency_code": "USD", "value": "26.95"}
    assert sent.headers["paypal-request-id"] == "refund:rma-7"
    assert shop.db.orders.find_one({"_id": order["id"]})["payment"]["status"] == "refunded"


def test_an_approval_after_the_release_takes_no_money(
    api: TestClient, shop: ShopServices, paypal_api: StubServer, items: dict[str, Any]
) -> None:
    from datetime import UTC, datetime, timedelta

    from shop.payments.release import release_unpaid

    order = _order(api, items["honey"], 1)
    allow_capture(paypal_api, "PAYPAL-1")
    later = datetime.now(UTC) + timedelta(minutes=31)
    assert release_unpaid(shop.payments, shop.order_admin, now=later) == [order["id"]]
    approved = {
        "id": "WH-APPROVED-LATE",
        "event_type": "CHECKOUT.ORDER.APPROVED",
        "resource": {"id": "PAYPAL-1", "status": "APPROVED", "purchase_units": [{"custom_id": order["id"]}]},
    }
    assert api.post(WEBHOOK, json=approved, headers=PAYPAL_HEADERS).json() == {"outcome": "ignored"}
    api.get(f"/orders/{order['id']}/payment/return", params={"token": "PAYPAL-1"}, follow_redirects=False)
    assert calls(paypal_api, "POST", "/v2/checkout/orders/PAYPAL-1/capture") == []
    doc = shop.db.orders.find_one({"_id": order["id"]})
    assert doc["status"] == "cancelled" and doc["payment"]["status"] == "pending" and "attention" not in doc["payment"]

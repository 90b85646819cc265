"""Local stand-ins of Stripe's and PayPal's APIs (on tests/support/http_stub.py), the settings that
point the shop at them, and signed webhook bodies, for the payment tests.

The real Stripe SDK and the real httpx calls run unchanged; only the base URLs differ
(STRIPE_BASE_URL, PAYPAL_BASE_URL). Each stub answers the way the provider documents its API;
tests change an answer by replacing a route (`stub.routes[...] = ...`).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

from pydantic import SecretStr

from shop.core.settings import Settings
from tests.support.http_stub import Recorded, StubServer, http_stub

STRIPE_KEY = "sk_test_stub"
STRIPE_WEBHOOK_SECRET = "whsec_test_stub"
PAYPAL_CLIENT_ID = "paypal-client"
PAYPAL_SECRET = "paypal-secret"
PAYPAL_WEBHOOK_ID = "WH-TEST-1"


def form(request: Recorded) -> dict[str, str]:
    """A Stripe request's form-encoded body, one value per key (e.g. 'line_items[0][price_data][unit_amount]')."""
    return {key: values[0] for key, values in parse_qs(request.body.decode()).items()}


def calls(stub: StubServer, method: str, path: str) -> list[Recorded]:
    return [r for r in stub.requests if r.method == method and r.path.split("?")[0] == path]


@contextmanager
def stripe_stub() -> Iterator[StubServer]:
    """Checkout Sessions (create, retrieve as set by the test) and refunds."""
    numbers = itertools.count(1)

    with http_stub({}) as stub:

        def create_session(request: Recorded) -> tuple[int, dict[str, Any]]:
            fields = form(request)
            session_id = f"cs_test_{next(numbers)}"
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "url": f"{stub.url}/pay/{session_id}",
                "payment_status": "unpaid",
                "status": "open",
                "amount_total": int(fields["line_items[0][price_data][unit_amount]"]),
                "client_reference_id": fields.get("client_reference_id"),
                "metadata": {"orderId": fields.get("metadata[orderId]")},
                "payment_intent": None,
            }

        def create_refund(request: Recorded) -> tuple[int, dict[str, Any]]:
            fields = form(request)
            return 200, {
                "id": f"re_{len(calls(stub, 'POST', '/v1/refunds'))}",
                "object": "refund",
                "status": "succeeded",
                "amount": int(fields["amount"]),
                "payment_intent": fields["payment_intent"],
            }

        stub.routes[("POST", "/v1/checkout/sessions")] = create_session
        stub.routes[("POST", "/v1/refunds")] = create_refund
        yield stub


def stripe_settings(settings: Settings, stub: StubServer, **more: Any) -> Settings:
    return settings.model_copy(
        update={
            "stripe_secret_key": SecretStr(STRIPE_KEY),
            "stripe_webhook_secret": SecretStr(STRIPE_WEBHOOK_SECRET),
            "stripe_base_url": stub.url,
            **more,
        }
    )


def stripe_event(kind: str, obj: dict[str, Any], *, event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id or f"evt_{time.monotonic_ns()}",
            "object": "event",
            "type": kind,
            "api_version": "2025-01-27.acacia",
            "data": {"object": obj},
        }
    ).encode()


def stripe_signature(payload: bytes, secret: str = STRIPE_WEBHOOK_SECRET, *, at: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send: t=<unix time>,v1=HMAC-SHA256(secret, "t.payload")."""
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@contextmanager
def paypal_stub(*, verification: str = "SUCCESS") -> Iterator[StubServer]:
    """OAuth2 token, create order, capture, refund a capture, verify-webhook-signature."""
    numbers = itertools.count(1)

    with http_stub({}) as stub:

        def create_order(request: Recorded) -> tuple[int, dict[str, Any]]:
            unit = request.json()["purchase_units"][0]
            order_id = f"PAYPAL-{next(numbers)}"
            stub.orders[order_id] = unit  # type: ignore[attr-defined]
            return 201, {
                "id": order_id,
                "status": "PAYER_ACTION_REQUIRED",
                "links": [
                    {"href": f"{stub.url}/v2/checkout/orders/{order_id}", "rel": "self", "method": "GET"},
                    {"href": f"{stub.url}/checkoutnow?token={order_id}", "rel": "payer-action", "method": "GET"},
                ],
            }

        def capture(order_id: str) -> Any:
            def answer(request: Recorded) -> tuple[int, dict[str, Any]]:
                unit = stub.orders[order_id]  # type: ignore[attr-defined]
                return 201, {
                    "id": order_id,
                    "status": "COMPLETED",
                    "purchase_units": [
                        {
                            "reference_id": unit["reference_id"],
                            "payments": {
                                "captures": [
                                    {
                                        "id": f"CAPTURE-{order_id}",
                                        "status": "COMPLETED",
                                        "amount": unit["amount"],
                                        "custom_id": unit["custom_id"],
                                    }
                                ]
                            },
                        }
                    ],
                }

            return answer

        def refund(request: Recorded) -> tuple[int, dict[str, Any]]:
            return 201, {"id": f"REFUND-{len(calls(stub, 'POST', request.path))}", "status": "COMPLETED"}

        stub.orders = {}  # type: ignore[attr-defined]
        stub.capture = capture  # type: ignore[attr-defined]
        stub.refund = refund  # type: ignore[attr-defined]
        stub.routes[("POST", "/v1/oauth2/token")] = (
            200,
            {"access_token": "A21-token", "token_type": "Bearer", "expires_in": 32400},
        )
        stub.routes[("POST", "/v2/checkout/orders")] = create_order
        stub.routes[("POST", "/v1/notifications/verify-webhook-signature")] = (
            200,
            {"verification_status": verification},
        )
        yield stub


def allow_capture(stub: StubServer, paypal_order: str) -> None:
    """The customer approved `paypal_order` on PayPal's page: its capture and the capture's refund answer."""
    stub.routes[("POST", f"/v2/checkout/orders/{paypal_order}/capture")] = stub.capture(paypal_order)  # type: ignore[attr-defined]
    stub.routes[("POST", f"/v2/payments/captures/CAPTURE-{paypal_order}/refund")] = stub.refund  # type: ignore[attr-defined]


def paypal_settings(settings: Settings, stub: StubServer, **more: Any) -> Settings:
    return settings.model_copy(
        update={
            "paypal_client_id": PAYPAL_CLIENT_ID,
            "paypal_client_secret": SecretStr(PAYPAL_SECRET),
            "paypal_webhook_id": PAYPAL_WEBHOOK_ID,
            "paypal_base_url": stub.url,
            **more,
        }
    )


PAYPAL_HEADERS = {
    "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    "PAYPAL-CERT-URL": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1",
    "PAYPAL-TRANSMISSION-ID": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
    "PAYPAL-TRANSMISSION-SIG": "signature",
    "PAYPAL-TRANSMISSION-TIME": "2026-12-07T01:00:00Z",
}


def paypal_capture_event(
    order_id: str, paypal_order: str, amount: str, *, event_id: str, kind: str = "PAYMENT.CAPTURE.COMPLETED"
) -> dict[str, Any]:
    return {
        "id": event_id,
        "event_type": kind,
        "resource_type": "capture",
        "resource": {
            "id": f"CAPTURE-{paypal_order}",
            "status": "COMPLETED" if kind.endswith("COMPLETED") else "DECLINED",
            "amount": {"currency_code": "USD", "value": amount},
            "custom_id": order_id,
            "supplementary_data": {"related_ids": {"order_id": paypal_order}},
        },
    }

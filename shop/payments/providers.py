"""The two payment providers' APIs: Stripe through its official SDK, PayPal's Orders v2 REST API over httpx.

Why Stripe Checkout Sessions rather than PaymentIntents: the storefront is server-rendered HTMX with
no payment JavaScript; a Checkout Session is a page Stripe hosts, so card numbers never touch this
shop (PCI SAQ A), 3-D Secure and wallets come for free, and the flow is the same redirect-and-return
as PayPal's approval page. The session's PaymentIntent is kept for refunds.

Both gateways take their base URL from the settings (STRIPE_BASE_URL, PAYPAL_BASE_URL), so tests
point the real SDK and the real HTTP calls at local stubs. Every call that creates something sends
an idempotency key (Stripe's Idempotency-Key, PayPal's PayPal-Request-Id): a retry after a timeout
never charges or refunds twice. Every failure becomes a ProviderError with a message a customer can
read; the raw answer goes to the log.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import stripe

from shop.core.money import to_money
from shop.core.settings import Settings

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0


class ProviderError(Exception):
    """The provider refused or could not be reached; `message` is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadSignature(Exception):
    """A webhook whose signature does not verify: answered 400, nothing changes."""


@dataclass(frozen=True)
class Started:
    """A payment opened at the provider: its reference and the page the customer pays on."""

    ref: str
    redirect_url: str


@dataclass(frozen=True)
class ProviderRefund:
    ref: str
    status: str


def cents(amount: Decimal) -> int:
    """Stripe counts in the currency's smallest unit; the shop's currencies have two decimals."""
    return int(to_money(amount) * 100)


class StripeGateway:
    def __init__(self, settings: Settings) -> None:
        assert settings.stripe_secret_key is not None
        self.settings = settings
        self.client = stripe.StripeClient(
            settings.stripe_secret_key.get_secret_value(),
            base_addresses={"api": settings.stripe_base_url},
            max_network_retries=1,
        )

    def start(
        self, order: dict[str, Any], *, success_url: str, cancel_url: str, expires_at: datetime, key: str
    ) -> Started:
        """A Checkout Session for the order's total as one line ("Order ORD-..."): the total is what
        the order document says, shipping and tax included, never a sum recomputed here."""
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": order["_id"],
            "customer_email": order["email"],
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": self.settings.currency.lower(),
                        "unit_amount": cents(order["totalAmount"]),
                        "product_data": {"name": f"Order {order['_id']} at {self.settings.shop_name}"},
                    },
                }
            ],
            "metadata": {"orderId": order["_id"]},
            "payment_intent_data": {"metadata": {"orderId": order["_id"]}},
            "success_url": success_url,
            "cancel_url": cancel_url,
            "expires_at": int(expires_at.timestamp()),
        }
        try:
            session = self.client.v1.checkout.sessions.create(params=params, options={"idempotency_key": key})
        except stripe.StripeError as exc:
            log.warning("stripe: could not open a checkout session for %s: %s", order["_id"], exc)
            raise ProviderError("The card payment could not be started. Please try again in a moment.") from exc
        if not session.url:
            raise ProviderError("The card payment could not be started. Please try again in a moment.")
        return Started(session.id, session.url)

    def session(self, ref: str) -> dict[str, Any]:
        try:
            return self.client.v1.checkout.sessions.retrieve(ref).to_dict()
        except stripe.StripeError as exc:
            raise ProviderError("We could not check the card payment yet.") from exc

    def refund(self, payment_intent: str, amount: Decimal, *, key: str, reason: str) -> ProviderRefund:
        try:
            refund = self.client.v1.refunds.create(
                params={
                    "payment_intent": payment_intent,
                    "amount": cents(amount),
                    "metadata": {"reason": reason[:500]},
                },
                options={"idempotency_key": key},
            )
        except stripe.StripeError as exc:
            log.warning("stripe: refund of %s failed: %s", payment_intent, exc)
            raise ProviderError(f"Stripe refused the refund: {exc.user_message or 'error'}") from exc
        return ProviderRefund(refund.id, refund.status or "pending")

    def event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The verified event (SDK's signature check, 5 minutes' tolerance), else BadSignature."""
        secret = self.settings.stripe_webhook_secret
        if secret is None:
            raise BadSignature("STRIPE_WEBHOOK_SECRET is not set")
        try:
            event = self.client.construct_event(payload, signature or "", secret.get_secret_value(), tolerance=300)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise BadSignature(str(exc)) from exc
        return event.to_dict()


class PayPalGateway:
    """Orders v2: an OAuth2 client-credentials token (kept until a minute before it expires), create
    order, capture, refund a capture, and verify-webhook-signature."""

    def __init__(self, settings: Settings) -> None:
        assert settings.paypal_client_id and settings.paypal_client_secret
        self.settings = settings
        self.http = httpx.Client(base_url=settings.paypal_base_url, timeout=TIMEOUT_SECONDS)
        self._token: tuple[str, float] | None = None
        self._token_lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    def token(self) -> str:
        with self._token_lock:
            if self._token is not None and self._token[1] > time.monotonic():
                return self._token[0]
            secret = self.settings.paypal_client_secret
            assert secret is not None
            try:
                response = self.http.post(
                    "/v1/oauth2/token",
                    data={"grant_type": "client_credentials"},
                    auth=(self.settings.paypal_client_id or "", secret.get_secret_value()),
                )
                response.raise_for_status()
                body = response.json()
                token = body["access_token"]
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                log.warning("paypal: no access token: %s", exc)
                raise ProviderError("PayPal cannot be reached just now. Please try again in a moment.") from exc
            self._token = (token, time.monotonic() + max(0, int(body.get("expires_in", 300)) - 60))
            return token

    def _call(self, method: str, path: str, *, json: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token()}", "Content-Type": "application/json"}
        if key is not None:
            headers["PayPal-Request-Id"] = key
        try:
            response = self.http.request(method, path, json=json, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("paypal: %s %s failed: %s", method, path, exc)
            raise ProviderError("PayPal cannot be reached just now. Please try again in a moment.") from exc
        if response.status_code == 401:
            self._token = None  # expired early: the next call fetches a new one
        if response.status_code >= 400:
            log.warning("paypal: %s %s answered %s: %s", method, path, response.status_code, response.text[:500])
            raise ProviderError(f"PayPal refused the request ({response.status_code}).")
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError("PayPal answered something we could not read.") from exc

    def _amount(self, amount: Decimal) -> dict[str, str]:
        return {"currency_code": self.settings.currency.upper(), "value": f"{to_money(amount):.2f}"}

    def start(self, order: dict[str, Any], *, return_url: str, cancel_url: str, key: str) -> Started:
        body = {
            "intent": "CAPTURE",
            "purchase_units": [
                {
                    "reference_id": order["_id"],
                    "custom_id": order["_id"],
                    "description": f"Order {order['_id']} at {self.settings.shop_name}"[:127],
                    "amount": self._amount(order["totalAmount"]),
                }
            ],
            "payment_source": {
                "paypal": {
                    "experience_context": {
                        "return_url": return_url,
                        "cancel_url": cancel_url,
                        "user_action": "PAY_NOW",
                        "brand_name": self.settings.shop_name[:127],
                    }
                }
            },
        }
        created = self._call("POST", "/v2/checkout/orders", json=body, key=key)
        link = next(
            (link["href"] for link in created.get("links", []) if link.get("rel") in ("payer-action", "approve")), None
        )
        if not created.get("id") or not link:
            raise ProviderError("PayPal did not give us a page to pay on. Please try again.")
        return Started(created["id"], link)

    def capture(self, ref: str, *, key: str) -> dict[str, Any]:
        """Capture an approved PayPal order: {status, captureId, amount}."""
        captured = self._call("POST", f"/v2/checkout/orders/{ref}/capture", json={}, key=key)
        captures = [
            capture
            for unit in captured.get("purchase_units", [])
            for capture in (unit.get("payments") or {}).get("captures", [])
        ]
        first = captures[0] if captures else {}
        amount = (first.get("amount") or {}).get("value")
        return {"status": first.get("status") or captured.get("status"), "captureId": first.get("id"), "amount": amount}

    def refund(self, capture_id: str, amount: Decimal, *, key: str, reason: str) -> ProviderRefund:
        body = {"amount": self._amount(amount), "note_to_payer": reason[:255] or "Refund"}
        refunded = self._call("POST", f"/v2/payments/captures/{capture_id}/refund", json=body, key=key)
        return ProviderRefund(refunded.get("id", ""), (refunded.get("status") or "PENDING").lower())

    def verify(self, headers: dict[str, str], event: dict[str, Any]) -> None:
        """PayPal's own check of a webhook's signature (verify-webhook-signature); BadSignature unless SUCCESS."""
        if not self.settings.paypal_webhook_id:
            raise BadSignature("PAYPAL_WEBHOOK_ID is not set")
        needed = ("paypal-auth-algo", "paypal-cert-url", "paypal-transmission-id", "paypal-transmission-sig")
        if any(not headers.get(name) for name in (*needed, "paypal-transmission-time")):
            raise BadSignature("PayPal signature headers missing")
        body = {
            "auth_algo": headers["paypal-auth-algo"],
            "cert_url": headers["paypal-cert-url"],
            "transmission_id": headers["paypal-transmission-id"],
            "transmission_sig": headers["paypal-transmission-sig"],
            "transmission_time": headers["paypal-transmission-time"],
            "webhook_id": self.settings.paypal_webhook_id,
            "webhook_event": event,
        }
        try:
            answer = self._call("POST", "/v1/notifications/verify-webhook-signature", json=body)
        except ProviderError as exc:
            raise BadSignature(f"verification failed: {exc.message}") from exc
        if answer.get("verification_status") != "SUCCESS":
            raise BadSignature(f"PayPal says {answer.get('verification_status')!r}")

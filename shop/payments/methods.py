"""Which payment methods a shop offers, and the `payment` sub-document every new order carries.

Offline methods (bank transfer, pay on delivery) need no keys, so a fresh shop takes orders with
bank transfer and nothing else to set up. A provider is offered as soon as its keys are set:
Stripe with STRIPE_SECRET_KEY, PayPal with PAYPAL_CLIENT_ID + PAYPAL_CLIENT_SECRET. The order
document's `payment` is {method, status, provider, providerRef?, redirectUrl?, expiresAt?,
refunded?, events}; orders from before payments have none and read as an offline pending one.

Status moves only forward (`can_move`): webhooks arrive late, twice and out of order, and a late
"pending" or "failed" must never undo a "paid".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from shop.core.errors import InvalidInput
from shop.core.settings import Settings

OFFLINE = ("bank_transfer", "pay_on_delivery")
ONLINE = ("stripe", "paypal")
LABELS = {
    "bank_transfer": "Bank transfer",
    "pay_on_delivery": "Pay on delivery",
    "stripe": "Card (Stripe)",
    "paypal": "PayPal",
    "offline": "Offline",
}
STATUSES = ("pending", "authorized", "paid", "failed", "refunded", "partially_refunded")
NEXT: dict[str, tuple[str, ...]] = {
    "pending": ("authorized", "paid", "failed"),
    "failed": ("pending", "authorized", "paid", "failed"),
    "authorized": ("paid", "failed"),
    "paid": ("partially_refunded", "refunded"),
    "partially_refunded": ("partially_refunded", "refunded"),
    "refunded": (),
}
"""Where a payment may go from each status. "failed" may start again (the customer retries), a paid
payment only towards refunds: a late "failed" or "pending" event after "paid" is recorded, not applied."""
PAID = ("paid", "partially_refunded")


def can_move(current: str, new: str) -> bool:
    return new in NEXT.get(current, ())


def offline_methods(settings: Settings) -> list[str]:
    wanted = [name.strip() for name in settings.offline_payment_methods.split(",") if name.strip()]
    return [name for name in OFFLINE if name in wanted]


def online_methods(settings: Settings) -> list[str]:
    methods = []
    if settings.stripe_secret_key:
        methods.append("stripe")
    if settings.paypal_client_id and settings.paypal_client_secret:
        methods.append("paypal")
    return methods


def enabled_methods(settings: Settings) -> list[str]:
    """Offered at checkout, in the order shown: offline methods first, then providers."""
    return [*offline_methods(settings), *online_methods(settings)]


def default_method(settings: Settings) -> str:
    """DEFAULT_PAYMENT_METHOD when it is offered; else the first method offered; bank transfer when
    the owner turned every method off (an order is never refused for want of a method)."""
    enabled = enabled_methods(settings)
    if settings.default_payment_method in enabled:
        return settings.default_payment_method  # type: ignore[return-value]
    return enabled[0] if enabled else "bank_transfer"


def resolve_method(settings: Settings, requested: str | None) -> str:
    """The method an order pays with: the one asked for if offered (else 422), or the default."""
    if not requested:
        return default_method(settings)
    enabled = enabled_methods(settings)
    if requested not in enabled:
        offered = ", ".join(enabled) or "none"
        raise InvalidInput(
            f"Payment method {requested!r} is not offered by this shop (offered: {offered}).", field="paymentMethod"
        )
    return requested


def provider_of(method: str) -> str:
    return method if method in ONLINE else "offline"


def new_payment(settings: Settings, method: str, now: datetime) -> dict[str, Any]:
    """The `payment` of a new order. `expiresAt` is when an unpaid order gives its stock back (the
    release job): PAYMENT_RELEASE_MINUTES for providers, BANK_TRANSFER_RELEASE_DAYS for a bank
    transfer (0: never), never for pay on delivery (paid when it arrives)."""
    payment: dict[str, Any] = {
        "method": method,
        "status": "pending",
        "provider": provider_of(method),
        "events": [{"at": now, "type": "created", "status": "pending"}],
    }
    if method in ONLINE:
        payment["expiresAt"] = now + timedelta(minutes=settings.payment_release_minutes)
    elif method == "bank_transfer" and settings.bank_transfer_release_days > 0:
        payment["expiresAt"] = now + timedelta(days=settings.bank_transfer_release_days)
    return payment


def payment_of(doc: dict[str, Any]) -> dict[str, Any]:
    """An order's payment; an order from before payments reads as an offline pending one."""
    return doc.get("payment") or {"method": "offline", "status": "pending", "provider": "offline"}


@dataclass(frozen=True)
class PaymentView:
    """What the pages show of an order's payment."""

    method: str
    status: str
    provider: str
    redirect_url: str | None
    error: str | None
    attention: str | None
    refunded: Decimal
    expires_at: datetime | None
    events: list[dict[str, Any]]

    @classmethod
    def of(cls, doc: dict[str, Any]) -> PaymentView:
        payment = payment_of(doc)
        return cls(
            method=payment["method"],
            status=payment["status"],
            provider=payment.get("provider") or provider_of(payment["method"]),
            redirect_url=payment.get("redirectUrl"),
            error=payment.get("error"),
            attention=payment.get("attention"),
            refunded=Decimal(str(payment.get("refunded") or "0")),
            expires_at=payment.get("expiresAt"),
            events=list(payment.get("events") or []),
        )

    @property
    def label(self) -> str:
        return LABELS.get(self.method, self.method)

    @property
    def online(self) -> bool:
        return self.provider in ONLINE

    @property
    def paid(self) -> bool:
        return self.status in PAID

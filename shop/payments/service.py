"""The payment service: starts payments after an order commits, follows the providers' webhooks,
refunds, and lets the owner record an offline payment.

Why the payment starts after the order's transaction and never inside it: a provider call takes
hundreds of milliseconds and may hang; inside the transaction it would hold up every order of the
group commit (shop/ordering/orders.py), and a provider failure would lose the order. So the order
is written first with `payment.status` "pending"; then `start` opens the provider's payment page
and stores its address. A provider error is stored as `payment.error` with a message the customer
reads; the order stays, unpaid, and the customer can pay again from the confirmation page.

Webhooks are applied in one transaction each: the event is inserted into `payment_events` under
"<provider>:<event id>" (the `_id`, unique on every server, so a duplicate changes nothing) together
with the order's change, which moves only forward (shop.payments.methods.can_move). A payment that
arrives for an order the release job has already cancelled does not bring the order back: the money
is recorded as received and the order is flagged for the owner (`payment.attention`), who refunds it
or restores the order by hand.

Refunds (`refund`) are idempotent by key: the key is inserted into `refunds` (its `_id`) and the
amount reserved on the order (compare-and-set on `payment.rev`) in one transaction BEFORE the
provider is called, so two concurrent refunds with one key call the provider once, and two with
different keys never refund more than was paid.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import escape
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, OperationFailure

from shop.core.activity import log_activity
from shop.core.errors import Conflict, InvalidInput, NotFound, ShopError
from shop.core.money import AmountOutOfRange, to_money
from shop.core.settings import Settings
from shop.core.transactions import run_transaction
from shop.messaging.mail import Email, Mailer
from shop.ordering.orders import OrderService, OrderView, normalize_order_id
from shop.payments import methods
from shop.payments.methods import ONLINE, PAID, can_move, payment_of
from shop.payments.providers import (
    BadSignature,
    PayPalGateway,
    ProviderError,
    ProviderRefund,
    StripeGateway,
)
from shop.payments.webhooks import PaymentUpdate, paypal_update, stripe_update

log = logging.getLogger(__name__)

REFUND_WAIT_SECONDS = 10.0
"""How long a second call with a refund key waits for the first one's provider call to finish."""
LATE_PAYMENT = (
    "Paid after the unpaid order was released (cancelled, stock returned): refund the payment or restore the order."
)
PAID_TWICE = "Paid a second time through an older payment page: refund one of the payments"
SHIPPED = ("shipped", "completed", "delivered")


class RefundFailed(ShopError):
    """The provider refused or could not be reached; nothing was refunded and the key may be retried."""

    status_code = 502


@dataclass(frozen=True)
class Refund:
    id: str
    """The idempotency key the caller gave."""
    order_id: str
    amount: Decimal
    status: str
    """succeeded | pending (the provider is still processing) | failed"""
    provider: str
    provider_ref: str | None
    manual: bool
    """An offline payment: recorded here, paid back by the owner by hand."""
    reason: str = ""
    replayed: bool = False
    error: str | None = None

    @classmethod
    def of(cls, doc: dict[str, Any], *, replayed: bool = False) -> Refund:
        return cls(
            id=doc["_id"],
            order_id=doc["orderId"],
            amount=Decimal(doc["amount"]),
            status=doc["status"],
            provider=doc["provider"],
            provider_ref=doc.get("providerRef"),
            manual=doc["provider"] == "offline",
            reason=doc.get("reason", ""),
            replayed=replayed,
            error=doc.get("error"),
        )


def _retry_transaction(message: str) -> OperationFailure:
    """A compare-and-set that missed: run the whole transaction again from fresh reads."""
    return OperationFailure(message, 112, {"errorLabels": ["TransientTransactionError"]})


class PaymentService:
    def __init__(self, db: Database, settings: Settings, mailer: Mailer, orders: OrderService) -> None:
        """Attaches itself to `orders` (orders.payments): every order placed from then on carries a payment."""
        self.db = db
        self.settings = settings
        self.mailer = mailer
        self.orders = orders
        orders.payments = self
        self._stripe: StripeGateway | None = None
        self._paypal: PayPalGateway | None = None
        db.orders.create_index("payment.expiresAt")
        db.refunds.create_index("orderId")

    # --- gateways ---------------------------------------------------------------------------
    def stripe(self) -> StripeGateway | None:
        if self._stripe is None and self.settings.stripe_secret_key:
            self._stripe = StripeGateway(self.settings)
        return self._stripe

    def paypal(self) -> PayPalGateway | None:
        if self._paypal is None and self.settings.paypal_client_id and self.settings.paypal_client_secret:
            self._paypal = PayPalGateway(self.settings)
        return self._paypal

    def close(self) -> None:
        if self._paypal is not None:
            self._paypal.close()

    # --- what the order service asks (shop.ordering.orders.PaymentTerms) ------------------------
    def check_method(self, method: str | None) -> str:
        return methods.resolve_method(self.settings, method)

    def new_payment(self, method: str | None, now: datetime) -> dict[str, Any]:
        chosen = method if method in methods.enabled_methods(self.settings) else methods.default_method(self.settings)
        return methods.new_payment(self.settings, chosen, now)

    def start(self, order: OrderView) -> OrderView:
        """Open the provider's payment page for a new online order (after its commit); never raises."""
        payment = order.payment
        if payment.get("provider") not in ONLINE or payment.get("redirectUrl") or payment.get("status") != "pending":
            return order
        try:
            doc = self.pay(order.id)
        except Exception:  # the order is committed: whatever happens here, the customer gets it
            log.exception("could not start the payment of %s", order.id)
            return order
        return OrderView.from_doc(doc, replayed=order.replayed)

    # --- paying -------------------------------------------------------------------------------
    def _order(self, order_id: str) -> dict[str, Any]:
        normalized = normalize_order_id(order_id)
        doc = self.db.orders.find_one({"_id": normalized}) if normalized else None
        if doc is None:
            raise NotFound("There is no order with that number.")
        return doc

    def pay(self, order_id: str, *, again: bool = False) -> dict[str, Any]:
        """Open a payment at the order's provider (or a new one with `again`, after a failure or a
        cancelled payment page). Returns the order document as it stands afterwards; a provider error
        is kept in `payment.error`, not raised."""
        doc = self._order(order_id)
        payment = payment_of(doc)
        if doc["status"] != "pending" or payment["status"] not in ("pending", "failed"):
            return doc
        if payment.get("provider") not in ONLINE:
            return doc
        if payment.get("redirectUrl") and payment["status"] == "pending" and not again:
            return doc
        attempt = int(payment.get("attempts") or 0) + 1
        now = datetime.now(UTC)
        expires = max(payment.get("expiresAt") or now, now + timedelta(minutes=self.settings.payment_release_minutes))
        base = f"{self.settings.base_url.rstrip('/')}/orders/{doc['_id']}/payment"
        key = f"pay:{doc['_id']}:{attempt}"
        try:
            if payment["provider"] == "stripe":
                gateway = self.stripe()
                if gateway is None:
                    raise ProviderError("Card payments are not available just now. Please contact us.")
                # Stripe wants a session to live 30 minutes to 24 hours.
                session_end = min(max(expires, now + timedelta(minutes=31)), now + timedelta(hours=23))
                started = gateway.start(
                    doc,
                    success_url=f"{base}/return?session_id={{CHECKOUT_SESSION_ID}}",
                    cancel_url=f"{base}/cancel",
                    expires_at=session_end,
                    key=key,
                )
            else:
                paypal = self.paypal()
                if paypal is None:
                    raise ProviderError("PayPal is not available just now. Please contact us.")
                started = paypal.start(doc, return_url=f"{base}/return", cancel_url=f"{base}/cancel", key=key)
        except ProviderError as exc:
            self.db.orders.update_one(
                {"_id": doc["_id"]},
                {
                    "$set": {"payment.error": exc.message, "updatedAt": now},
                    "$push": {"payment.events": {"at": now, "type": "error", "message": exc.message}},
                },
            )
            return self._order(doc["_id"])
        # Compare-and-set: a webhook or the release job may have moved the payment meanwhile.
        self.db.orders.update_one(
            {
                "_id": doc["_id"],
                "status": "pending",
                "payment.status": payment["status"],
                "payment.attempts": payment.get("attempts"),
            },
            {
                "$set": {
                    "payment.status": "pending",
                    "payment.providerRef": started.ref,
                    "payment.redirectUrl": started.redirect_url,
                    "payment.attempts": attempt,
                    "payment.expiresAt": expires,
                    "updatedAt": now,
                },
                "$unset": {"payment.error": ""},
                "$push": {"payment.events": {"at": now, "type": "started", "status": "pending", "ref": started.ref}},
            },
        )
        return self._order(doc["_id"])

    def returned(self, order_id: str, *, session_id: str | None = None, token: str | None = None) -> dict[str, Any]:
        """The customer is back from the provider's page. Stripe: ask the session whether it is paid
        (the webhook may come later). PayPal: capture the approved order. Either way the result goes
        through `apply`, so it and the webhook count once."""
        doc = self._order(order_id)
        payment = payment_of(doc)
        ref = payment.get("providerRef")
        if payment.get("provider") == "stripe" and ref and (session_id in (None, ref)):
            gateway = self.stripe()
            if gateway is not None:
                try:
                    session = gateway.session(ref)
                except ProviderError as exc:
                    log.info("stripe return for %s: %s", doc["_id"], exc.message)
                else:
                    if session.get("payment_status") == "paid":
                        self.apply(
                            PaymentUpdate(
                                "stripe",
                                f"return:{ref}",
                                "return",
                                doc["_id"],
                                ref,
                                "paid",
                                Decimal(session.get("amount_total") or 0) / 100,
                                session.get("payment_intent"),
                            )
                        )
        elif payment.get("provider") == "paypal" and ref and (token in (None, ref)):
            self.capture_paypal(doc["_id"], ref)
        return self._order(doc["_id"])

    def capture_paypal(self, order_id: str, ref: str) -> None:
        """Capture an approved PayPal order, unless the shop order was released meanwhile: then no
        money is taken (the approval lapses at PayPal) rather than taken and refunded."""
        paypal = self.paypal()
        if paypal is None or self._order(order_id)["status"] != "pending":
            return
        try:
            captured = paypal.capture(ref, key=f"capture:{order_id}:{ref}")
        except ProviderError as exc:
            log.info("paypal capture for %s: %s", order_id, exc.message)
            return
        status = {"COMPLETED": "paid", "DECLINED": "failed", "FAILED": "failed"}.get(str(captured["status"]))
        if status is None:  # PENDING (e.g. an eCheck): the PAYMENT.CAPTURE.COMPLETED webhook says when
            return
        amount = Decimal(captured["amount"]) if captured.get("amount") else None
        self.apply(
            PaymentUpdate(
                "paypal", f"capture:{ref}", "capture", order_id, ref, status, amount, captured.get("captureId")
            )
        )

    # --- webhooks -------------------------------------------------------------------------------
    def stripe_webhook(self, payload: bytes, signature: str | None) -> str:
        gateway = self.stripe()
        if gateway is None:
            raise BadSignature("Stripe is not configured")
        return self.apply(stripe_update(gateway.event(payload, signature)))

    def paypal_webhook(self, event: dict[str, Any], headers: dict[str, str]) -> str:
        gateway = self.paypal()
        if gateway is None:
            raise BadSignature("PayPal is not configured")
        gateway.verify(headers, event)
        update = paypal_update(event)
        outcome = self.apply(update)
        if outcome == "applied" and update.status == "authorized" and update.order_id and update.provider_ref:
            self.capture_paypal(update.order_id, update.provider_ref)
        return outcome

    def apply(self, update: PaymentUpdate) -> str:
        """Apply one provider event in one transaction: applied, ignored (late or out of order),
        flagged (paid after the release), recorded (no status), unknown_order, or duplicate."""
        if not update.event_id:
            raise BadSignature("event without an id")
        now = datetime.now(UTC)

        def work(session: ClientSession) -> tuple[str, dict[str, Any] | None]:
            doc = None
            if update.order_id and normalize_order_id(update.order_id):
                doc = self.db.orders.find_one({"_id": normalize_order_id(update.order_id)}, session=session)
            if doc is None and update.provider_ref:
                doc = self.db.orders.find_one({"payment.providerRef": update.provider_ref}, session=session)
            if doc is not None:
                outcome = self._apply_to(doc, update, now, session)
            else:
                outcome = "unknown_order" if update.status is not None else "recorded"
            self.db.payment_events.insert_one(
                {
                    "_id": f"{update.provider}:{update.event_id}",
                    "provider": update.provider,
                    "type": update.type,
                    "orderId": doc["_id"] if doc else update.order_id,
                    "status": update.status,
                    "outcome": outcome,
                    "receivedAt": now,
                },
                session=session,
            )
            return outcome, doc

        try:
            outcome, doc = run_transaction(self.db, work)
        except DuplicateKeyError:
            return "duplicate"
        if outcome == "flagged" and doc is not None:
            self._tell_owner(doc["_id"])
        log.info(
            "payment event %s:%s (%s) for %s: %s",
            update.provider,
            update.event_id,
            update.type,
            doc and doc["_id"],
            outcome,
        )
        return outcome

    def _apply_to(self, doc: dict[str, Any], update: PaymentUpdate, now: datetime, session: ClientSession) -> str:
        payment = payment_of(doc)
        current = payment["status"]
        if update.status is None:
            return "recorded"
        if doc["status"] == "cancelled" and update.status == "authorized":
            return "ignored"  # approved but not captured: no money moved, and none will be (capture_paypal)
        late = doc["status"] == "cancelled" and update.status == "paid" and current not in PAID
        twice = (
            update.status == "paid"
            and current in PAID
            and update.capture_ref is not None
            and payment.get("captureRef") not in (None, update.capture_ref)
        )
        if twice:  # an older payment page paid as well as the newer one: the customer paid twice
            self.db.orders.update_one(
                {"_id": doc["_id"]},
                {"$set": {"payment.attention": f"{PAID_TWICE} ({update.capture_ref})", "updatedAt": now}},
                session=session,
            )
            return "flagged"
        stale = (
            update.status == "failed"
            and update.provider_ref is not None
            and payment.get("providerRef") not in (None, update.provider_ref)
        )
        if stale or (not late and not can_move(current, update.status)):
            return "ignored"  # a late event, or the failure of a payment page the customer has left for a new one
        event = {
            "at": now,
            "type": update.type,
            "status": update.status,
            "provider": update.provider,
            "eventId": update.event_id,
        }
        changes: dict[str, Any] = {"payment.status": update.status, "updatedAt": now}
        if update.capture_ref:
            changes["payment.captureRef"] = update.capture_ref
        if update.status == "paid":
            paid = to_money(update.amount) if update.amount is not None else to_money(doc["totalAmount"])
            changes["payment.paidAmount"] = paid
            changes["payment.paidAt"] = now
            if paid != to_money(doc["totalAmount"]):
                changes["payment.attention"] = f"Paid {paid} but the order's total is {to_money(doc['totalAmount'])}."
        if late:
            changes["payment.attention"] = LATE_PAYMENT
        if update.status != "failed":
            changes["payment.error"] = None
        result = self.db.orders.update_one(
            {"_id": doc["_id"], "payment.status": payment.get("status") if doc.get("payment") else None},
            {"$set": changes, "$push": {"payment.events": event}},
            session=session,
        )
        if result.matched_count != 1:
            raise _retry_transaction("the payment changed while the event was applied")
        return "flagged" if late else "applied"

    def _tell_owner(self, order_id: str) -> None:
        """Email the owner what a flagged payment needs (a late or a second payment)."""
        try:
            doc = self._order(order_id)
            attention = payment_of(doc).get("attention") or LATE_PAYMENT
            link = f"{self.settings.base_url}/admin/orders/{order_id}"
            text = f"Order {order_id} needs you:\n\n{attention}\n\n{link}\n"
            subject = f"Payment needs you: {order_id}"
            self.mailer.send(
                Email([self.settings.owner_email], subject, text, f"<pre>{escape(text)}</pre>", "payment_late")
            )
        except Exception:
            log.exception("could not tell the owner about the payment of %s", order_id)

    # --- the owner -----------------------------------------------------------------------------
    def mark_paid(self, order_id: str, *, owner: str) -> dict[str, Any]:
        """The owner received an offline payment (a bank transfer arrived, cash on delivery)."""
        doc = self._order(order_id)
        payment = payment_of(doc)
        if payment.get("provider") in ONLINE:
            raise Conflict("Online payments are marked paid by the provider, not by hand.")
        if payment["status"] not in ("pending", "failed"):
            raise Conflict(f"This payment is already {payment['status']}.")
        if doc["status"] == "cancelled":
            raise Conflict("This order is cancelled; restore it before recording a payment.")
        now = datetime.now(UTC)

        def work(session: ClientSession) -> None:
            base = payment if doc.get("payment") else {**payment, "events": []}
            result = self.db.orders.update_one(
                {"_id": doc["_id"], "payment.status": payment["status"] if doc.get("payment") else None},
                {
                    "$set": {
                        "payment": {
                            **{k: v for k, v in base.items() if k != "events"},
                            "status": "paid",
                            "paidAmount": to_money(doc["totalAmount"]),
                            "paidAt": now,
                            "events": [
                                *base.get("events", []),
                                {"at": now, "type": "marked_paid", "status": "paid", "by": owner},
                            ],
                        },
                        "updatedAt": now,
                    }
                },
                session=session,
            )
            if result.matched_count != 1:
                raise Conflict("The payment changed meanwhile; reload and try again.")
            log_activity(
                self.db,
                owner,
                "order.payment",
                "order",
                doc["_id"],
                {"payment": payment["status"]},
                {"payment": "paid"},
                session=session,
            )

        run_transaction(self.db, work)
        return self._order(doc["_id"])

    # --- refunds --------------------------------------------------------------------------------
    def refund(self, order_id: str, amount: Decimal, *, reason: str, key: str) -> Refund:
        """Refund `amount` of the order's payment, once per `key` (see the module docstring).

        Through Stripe or PayPal for their payments; recorded as manual for an offline one (the owner
        pays it back). Never more than was paid: an offline payment counts as paid once the owner
        marked it paid or shipped the order. Raises InvalidInput (bad amount or key), NotFound,
        Conflict (nothing paid, too much, key reused for another refund), RefundFailed (provider)."""
        try:
            amount = to_money(amount)
        except AmountOutOfRange:
            raise InvalidInput("The refund amount is far more than any order could cost.", field="amount") from None
        except (TypeError, ValueError):
            raise InvalidInput("The refund amount is not a number.", field="amount") from None
        if amount <= 0:
            raise InvalidInput("The refund amount must be more than zero.", field="amount")
        if not key or len(key) > 200:
            raise InvalidInput("A refund needs a key of 1 to 200 characters.", field="key")
        normalized = normalize_order_id(order_id)
        if normalized is None:
            raise NotFound("There is no order with that number.")
        now = datetime.now(UTC)

        def reserve(session: ClientSession) -> tuple[dict[str, Any], bool]:
            existing = self.db.refunds.find_one({"_id": key}, session=session)
            if existing is not None:
                return existing, False
            doc = self.db.orders.find_one({"_id": normalized}, session=session)
            if doc is None:
                raise NotFound("There is no order with that number.")
            payment = payment_of(doc)
            left = refundable(doc)
            if left <= 0 and payment["status"] not in PAID and not _offline_settled(doc):
                raise Conflict(
                    f"Order {normalized} has no payment to refund (payment {payment['status']}).", field="amount"
                )
            if amount > left:
                raise Conflict(f"At most {left} of order {normalized} can still be refunded.", field="amount")
            rev = payment.get("rev") if doc.get("payment") else None
            pending = to_money(payment.get("refundPending") or 0)
            if doc.get("payment"):
                reserved = {"payment.rev": int(rev or 0) + 1, "payment.refundPending": pending + amount}
            else:  # an order from before payments gets its (offline) payment written out
                reserved = {"payment": {**payment, "events": [], "rev": 1, "refundPending": amount}}
            result = self.db.orders.update_one(
                {"_id": normalized, "payment.rev": rev}, {"$set": reserved}, session=session
            )
            if result.matched_count != 1:
                raise _retry_transaction("the order's payment changed while a refund was reserved")
            refund_doc = {
                "_id": key,
                "orderId": normalized,
                "amount": amount,
                "reason": reason[:500],
                "status": "pending",
                "provider": payment.get("provider") or "offline",
                "captureRef": payment.get("captureRef"),
                "createdAt": now,
            }
            self.db.refunds.insert_one(refund_doc, session=session)
            return refund_doc, True

        try:
            refund_doc, new = run_transaction(self.db, reserve)
        except DuplicateKeyError:
            refund_doc, new = self.db.refunds.find_one({"_id": key}) or {}, False
        if not new:
            return self._replay(refund_doc, normalized, amount)
        try:
            answer = self._refund_at_provider(refund_doc, reason)
        except ProviderError as exc:
            self._finish_refund(refund_doc, None, exc.message)
            raise RefundFailed(exc.message) from exc
        return self._finish_refund(refund_doc, answer, None)

    def _replay(self, refund_doc: dict[str, Any], order_id: str, amount: Decimal) -> Refund:
        if refund_doc.get("orderId") != order_id or to_money(refund_doc["amount"]) != amount:
            raise Conflict("This refund key was already used for a different refund.", field="key")
        deadline = time.monotonic() + REFUND_WAIT_SECONDS
        while "finishedAt" not in refund_doc and time.monotonic() < deadline:
            time.sleep(0.05)  # the first call is still talking to the provider
            refund_doc = self.db.refunds.find_one({"_id": refund_doc["_id"]}) or refund_doc
        return Refund.of(refund_doc, replayed=True)

    def _refund_at_provider(self, refund_doc: dict[str, Any], reason: str) -> ProviderRefund | None:
        provider = refund_doc["provider"]
        if provider == "offline":
            return None
        capture = refund_doc.get("captureRef")
        if not capture:
            raise ProviderError("This payment has no captured charge to refund.")
        key = f"refund:{refund_doc['_id']}"
        if provider == "stripe":
            stripe_gateway = self.stripe()
            if stripe_gateway is None:
                raise ProviderError("Stripe is not configured (STRIPE_SECRET_KEY).")
            return stripe_gateway.refund(capture, refund_doc["amount"], key=key, reason=reason)
        paypal = self.paypal()
        if paypal is None:
            raise ProviderError("PayPal is not configured (PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET).")
        return paypal.refund(capture, refund_doc["amount"], key=key, reason=reason)

    def _finish_refund(self, refund_doc: dict[str, Any], answer: ProviderRefund | None, error: str | None) -> Refund:
        """Record the provider's answer: the order's refunded total and status, the event, the refund
        document. A failed refund gives its reservation back; its key stays used (answering failed)."""
        now = datetime.now(UTC)
        amount = to_money(refund_doc["amount"])
        failed = error is not None or (answer is not None and answer.status in ("failed", "canceled", "cancelled"))
        status = (
            "failed"
            if failed
            else ("succeeded" if answer is None or answer.status in ("succeeded", "completed") else "pending")
        )

        def work(session: ClientSession) -> dict[str, Any]:
            doc = self.db.orders.find_one({"_id": refund_doc["orderId"]}, session=session)
            assert doc is not None
            payment = payment_of(doc)
            pending = to_money(payment.get("refundPending") or 0) - amount
            changes: dict[str, Any] = {
                "payment.refundPending": max(pending, Decimal("0.00")),
                "payment.rev": int(payment.get("rev") or 0) + 1,
                "updatedAt": now,
            }
            push: dict[str, Any] = {
                "at": now,
                "type": "refund_failed" if failed else "refund",
                "amount": amount,
                "key": refund_doc["_id"],
                "manual": answer is None and not failed,
            }
            if not failed:
                refunded = to_money(payment.get("refunded") or 0) + amount
                changes["payment.refunded"] = refunded
                changes["payment.status"] = "refunded" if refunded >= paid_amount(doc) else "partially_refunded"
                push["status"] = changes["payment.status"]
            result = self.db.orders.update_one(
                {"_id": doc["_id"], "payment.rev": payment.get("rev")},
                {"$set": changes, "$push": {"payment.events": push}},
                session=session,
            )
            if result.matched_count != 1:
                raise _retry_transaction("the order's payment changed while a refund was recorded")
            fields = {"status": status, "finishedAt": now}
            if answer is not None:
                fields["providerRef"] = answer.ref
            if error is not None:
                fields["error"] = error
            self.db.refunds.update_one({"_id": refund_doc["_id"]}, {"$set": fields}, session=session)
            return {**refund_doc, **fields}

        return Refund.of(run_transaction(self.db, work))

    def refunds_of(self, order_id: str) -> list[Refund]:
        return [Refund.of(doc) for doc in self.db.refunds.find({"orderId": order_id}).sort("createdAt", 1)]


def paid_amount(doc: dict[str, Any]) -> Decimal:
    payment = payment_of(doc)
    if payment.get("paidAmount") is not None:
        return to_money(payment["paidAmount"])
    return to_money(doc["totalAmount"])


def _offline_settled(doc: dict[str, Any]) -> bool:
    """An offline payment counts as received once the owner shipped the order (nobody ships a bank
    transfer order unpaid; pay on delivery is paid at the door)."""
    payment = payment_of(doc)
    return (
        payment.get("provider", "offline") == "offline"
        and doc.get("status") in SHIPPED
        and payment["status"] == "pending"
    )


def refundable(doc: dict[str, Any]) -> Decimal:
    """What may still be refunded: paid, minus refunded, minus refunds in flight."""
    payment = payment_of(doc)
    if payment["status"] not in PAID and not _offline_settled(doc):
        return Decimal("0.00")
    refunded = to_money(payment.get("refunded") or 0)
    pending = to_money(payment.get("refundPending") or 0)
    return paid_amount(doc) - refunded - pending

"""Unpaid orders give their stock back: the release job.

An online order (Stripe, PayPal) still unpaid PAYMENT_RELEASE_MINUTES after it was placed (30 by
default), and a bank-transfer order still unpaid BANK_TRANSFER_RELEASE_DAYS after (14 by default; 0
= never), is cancelled through the owner's cancel path (shop.ordering.admin.OrderAdmin.change_status):
one transaction per order that moves it from pending to cancelled only if its payment is still
unpaid and due (a compare-and-set), and returns its stock in the same transaction. A payment webhook
racing the release therefore either lands first (the cancel finds the payment paid and skips the
order) or second (the order stays cancelled, the payment is recorded and flagged for the owner:
shop.payments.service). Pay on delivery is never released. The customer is emailed.

The job runs from the scheduler (app/scheduler.py) through `run_job`, under a lock in MongoDB, so
with several processes one of them releases each order and the stock comes back once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from shop.backoffice.jobs import JobOutcome, run_job
from shop.core.errors import ShopError
from shop.messaging.mail import Email, render
from shop.ordering.admin import OrderAdmin
from shop.payments.service import PaymentService

log = logging.getLogger(__name__)

JOB = "payments.release_unpaid"
RELEASED_BY = "system: unpaid order released"
BATCH = 200
UNPAID = ["pending", "failed"]


def release_unpaid(payments: PaymentService, admin: OrderAdmin, *, now: datetime | None = None) -> list[str]:
    """Cancel every due unpaid order; the ids released (an order paid or changed meanwhile is skipped)."""
    moment = now or datetime.now(UTC)
    db = payments.db
    due = [
        doc["_id"]
        for doc in db.orders.find(
            {"payment.expiresAt": {"$lte": moment}, "status": "pending", "payment.status": {"$in": UNPAID}}, {"_id": 1}
        ).limit(BATCH)
    ]
    released = []
    for order_id in due:
        try:
            changed = admin.change_status(
                order_id,
                "cancelled",
                owner=RELEASED_BY,
                expect={"payment.status": {"$in": UNPAID}, "payment.expiresAt": {"$lte": moment}},
                notify=False,
            )
        except ShopError as exc:  # paid, cancelled or changed meanwhile: nothing to release
            log.info("release of %s skipped: %s", order_id, exc.message)
            continue
        released.append(order_id)
        db.orders.update_one(
            {"_id": order_id},
            {"$push": {"payment.events": {"at": moment, "type": "released", "status": "released"}}},
        )
        try:
            text, html = render("payment_released", order=changed.order, settings=payments.settings)
            subject = f"Your order {order_id} was cancelled: no payment arrived"
            payments.mailer.send(Email([changed.order.email], subject, text, html, "payment_released"))
        except Exception:
            log.exception("could not email the release of %s", order_id)
    return released


def release_job(payments: PaymentService, admin: OrderAdmin) -> JobOutcome:
    """`release_unpaid` under the job lock (one process at a time), recorded in `jobs`."""
    return run_job(
        payments.db,
        JOB,
        lambda: release_unpaid(payments, admin),
        details=lambda released: {"released": len(released)},
    )

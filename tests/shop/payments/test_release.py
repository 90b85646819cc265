"""Unpaid orders give their stock back after their time, exactly once, through the owner's cancel
path; a payment racing the release never resurrects a cancelled order and never loses stock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.database import Database

from shop.core.settings import Settings
from shop.ordering.orders import OrderRequest
from shop.payments.release import release_job, release_unpaid
from shop.payments.service import LATE_PAYMENT
from shop.payments.webhooks import PaymentUpdate
from shop.services import ShopServices
from tests.support.http_stub import StubServer
from tests.support.orders import order_body
from tests.support.payments import stripe_settings, stripe_stub

LATER = timedelta(minutes=31)


@pytest.fixture
def stripe_api() -> Iterator[StubServer]:
    with stripe_stub() as stub:
        yield stub


@pytest.fixture
def shop(db: Database, settings: Settings, stripe_api: StubServer) -> Iterator[ShopServices]:
    built = ShopServices.build(db, stripe_settings(settings, stripe_api), background_mail=False)
    yield built
    built.close()


def _order(shop: ShopServices, product: dict[str, Any], quantity: int, method: str = "stripe") -> str:
    request = OrderRequest.model_validate(order_body(product["_id"], quantity, paymentMethod=method))
    return shop.checkout.place(request, channel="api", key=None).id


def _stock(shop: ShopServices, product: dict[str, Any]) -> int:
    return shop.db.products.find_one({"_id": product["_id"]})["stock"]


def _paid(order_id: str, event_id: str) -> PaymentUpdate:
    return PaymentUpdate("stripe", event_id, "checkout.session.completed", order_id, None, "paid", None, "pi_x")


def test_unpaid_online_order_is_released_once_and_the_customer_told(shop: ShopServices, items: dict[str, Any]) -> None:
    before = _stock(shop, items["espresso"])
    order_id = _order(shop, items["espresso"], 3)
    paid_id = _order(shop, items["espresso"], 1)
    assert shop.payments.apply(_paid(paid_id, "evt-paid")) == "applied"
    assert release_unpaid(shop.payments, shop.order_admin) == []  # not due yet
    now = datetime.now(UTC) + LATER
    assert release_unpaid(shop.payments, shop.order_admin, now=now) == [order_id]
    assert release_unpaid(shop.payments, shop.order_admin, now=now) == []
    assert _stock(shop, items["espresso"]) == before - 1  # the 3 came back once; the paid 1 stays sold
    doc = shop.db.orders.find_one({"_id": order_id})
    assert doc["status"] == "cancelled" and doc["statusHistory"][-1]["by"].startswith("system")
    assert doc["payment"]["events"][-1]["type"] == "released"
    assert shop.db.orders.find_one({"_id": paid_id})["status"] == "pending"
    mail = shop.db.outbox.find_one({"kind": "payment_released"})
    assert mail["to"] == ["grace@example.com"] and order_id in mail["subject"] and "Nothing was charged" in mail["text"]


def test_two_processes_releasing_at_once_return_the_stock_once(shop: ShopServices, items: dict[str, Any]) -> None:
    before = _stock(shop, items["yirga"])
    ids = [_order(shop, items["yirga"], 2) for _ in range(3)]
    now = datetime.now(UTC) + LATER
    results: list[list[str]] = []
    threads = [
        threading.Thread(target=lambda: results.append(release_unpaid(shop.payments, shop.order_admin, now=now)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(order_id for released in results for order_id in released) == sorted(ids)
    assert _stock(shop, items["yirga"]) == before


def test_a_late_paid_webhook_racing_the_release(shop: ShopServices, items: dict[str, Any]) -> None:
    """Each order is either paid and kept (stock sold) or released and flagged (stock back) — never
    both, never the stock twice, never a cancelled order quietly made pending again."""
    before = _stock(shop, items["espresso"])
    ids = [_order(shop, items["espresso"], 2) for _ in range(4)]
    now = datetime.now(UTC) + LATER
    outcomes: dict[str, str] = {}
    release = threading.Thread(target=release_unpaid, args=(shop.payments, shop.order_admin), kwargs={"now": now})
    payers = [
        threading.Thread(target=lambda i=i: outcomes.__setitem__(i, shop.payments.apply(_paid(i, f"evt-{i}"))))
        for i in ids
    ]
    release.start()
    for payer in payers:
        payer.start()
    release.join()
    for payer in payers:
        payer.join()
    kept = 0
    for order_id in ids:
        doc = shop.db.orders.find_one({"_id": order_id})
        assert doc["payment"]["status"] == "paid"
        if doc["status"] == "pending":
            assert outcomes[order_id] == "applied" and "attention" not in doc["payment"]
            kept += 1
        else:
            assert doc["status"] == "cancelled" and outcomes[order_id] == "flagged"
            assert doc["payment"]["attention"] == LATE_PAYMENT
            assert shop.db.outbox.count_documents({"kind": "payment_late", "subject": {"$regex": order_id}}) == 1
    assert _stock(shop, items["espresso"]) == before - 2 * kept
    # Nothing is left to release, whatever the order of events was.
    assert release_unpaid(shop.payments, shop.order_admin, now=now) == []


def test_bank_transfer_waits_its_own_days_or_forever(db: Database, settings: Settings, items: dict[str, Any]) -> None:
    shop = ShopServices.build(db, settings, background_mail=False)
    never = ShopServices.build(db, settings.model_copy(update={"bank_transfer_release_days": 0}), background_mail=False)
    try:
        waiting = _order(shop, items["earl"], 1, method="bank_transfer")
        forever = _order(never, items["earl"], 1, method="bank_transfer")
        assert release_unpaid(shop.payments, shop.order_admin, now=datetime.now(UTC) + timedelta(days=13)) == []
        assert release_unpaid(shop.payments, shop.order_admin, now=datetime.now(UTC) + timedelta(days=15)) == [waiting]
        assert "expiresAt" not in shop.db.orders.find_one({"_id": forever})["payment"]
        # The scheduler's job: under the job lock, recorded in `jobs`.
        outcome = release_job(shop.payments, shop.order_admin)
        assert outcome.ran and outcome.result == []
        assert shop.db.jobs.find_one({"name": "payments.release_unpaid"})["released"] == 0
    finally:
        shop.close()
        never.close()

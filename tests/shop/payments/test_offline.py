"""Offline payments with no keys at all: a fresh shop takes bank-transfer orders, shows its bank
details, lets the owner record the money, and refunds are recorded as manual."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pymongo.database import Database

from shop.core.errors import Conflict, InvalidInput
from shop.core.settings import PROJECT_ROOT, Settings
from shop.ordering.orders import OrderRequest
from shop.payments import methods
from shop.services import ShopServices
from tests.support.orders import order_body

BANK = "Account holder: AI Shop Ltd\\nIBAN: DE89 3704 0044 0532 0130 00"


@pytest.fixture
def bank_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"bank_transfer_details": BANK})


@pytest.fixture
def shop(db: Database, bank_settings: Settings) -> Iterator[ShopServices]:
    built = ShopServices.build(db, bank_settings, background_mail=False)
    yield built
    built.close()


@pytest.fixture
def api(shop: ShopServices) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app(shop.settings, shop)) as test_client:
        yield test_client


def _place(shop: ShopServices, product: dict[str, Any], **fields: Any) -> Any:
    request = OrderRequest.model_validate(order_body(product["_id"], 2, **fields))
    return shop.checkout.place(request, channel="api", key=None)


def test_without_keys_only_bank_transfer_is_offered(settings: Settings) -> None:
    assert methods.enabled_methods(settings) == ["bank_transfer"]
    assert methods.default_method(settings) == "bank_transfer"
    with pytest.raises(InvalidInput) as refused:
        methods.resolve_method(settings, "stripe")
    assert refused.value.field == "paymentMethod" and "not offered" in refused.value.message
    both = settings.model_copy(update={"offline_payment_methods": "pay_on_delivery, bank_transfer"})
    assert methods.enabled_methods(both) == ["bank_transfer", "pay_on_delivery"]


def test_api_order_pays_by_bank_transfer_and_email_has_the_bank_details(
    api: TestClient, shop: ShopServices, items: dict[str, Any]
) -> None:
    response = api.post("/api/orders", json=order_body(items["earl"]["_id"], 2))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["payment"] == {"method": "bank_transfer", "status": "pending", "redirectUrl": None, "error": None}
    doc = shop.db.orders.find_one({"_id": body["id"]})
    assert doc["payment"]["provider"] == "offline" and doc["payment"]["expiresAt"] is not None
    mail = shop.db.outbox.find_one({"kind": "order_confirmation"})
    assert "IBAN: DE89 3704 0044 0532 0130 00" in mail["text"] and body["id"] in mail["text"]
    assert "bank transfer" in mail["html"]
    # An online method the shop does not offer is a clear 422 and no order.
    refused = api.post("/api/orders", json=order_body(items["earl"]["_id"], 1, paymentMethod="stripe"))
    assert refused.status_code == 422 and "not offered" in refused.json()["detail"]
    assert shop.db.orders.count_documents({}) == 1


def test_pay_on_delivery_is_never_released(db: Database, settings: Settings, items: dict[str, Any]) -> None:
    cod = settings.model_copy(update={"offline_payment_methods": "pay_on_delivery"})
    shop = ShopServices.build(db, cod, background_mail=False)
    try:
        order = _place(shop, items["honey"])
        assert order.payment["method"] == "pay_on_delivery" and "expiresAt" not in order.payment
    finally:
        shop.close()


def test_owner_records_the_payment_and_a_refund_is_manual(shop: ShopServices, items: dict[str, Any]) -> None:
    order = _place(shop, items["earl"])  # 2 x 9.50 + 5.95 standard shipping = 24.95
    with pytest.raises(Conflict, match="no payment to refund"):
        shop.payments.refund(order.id, Decimal("5"), reason="damaged", key="r-unpaid")
    doc = shop.payments.mark_paid(order.id, owner="owner@example.com")
    assert doc["payment"]["status"] == "paid" and doc["payment"]["paidAmount"] == Decimal("24.95")
    with pytest.raises(Conflict):
        shop.payments.mark_paid(order.id, owner="owner@example.com")
    refund = shop.payments.refund(order.id, Decimal("9.50"), reason="one tin damaged", key="r-1")
    assert refund.manual and refund.status == "succeeded" and refund.amount == Decimal("9.50")
    assert shop.payments.refund(order.id, Decimal("9.50"), reason="again", key="r-1").replayed
    with pytest.raises(Conflict, match=r"At most 15\.45"):
        shop.payments.refund(order.id, Decimal("16"), reason="too much", key="r-2")
    shop.payments.refund(order.id, Decimal("15.45"), reason="the other tin and the shipping", key="r-3")
    payment = shop.db.orders.find_one({"_id": order.id})["payment"]
    assert payment["status"] == "refunded" and payment["refunded"] == Decimal("24.95")
    assert payment["refundPending"] == Decimal("0.00")
    assert [e["type"] for e in payment["events"]] == ["created", "marked_paid", "refund", "refund"]


def test_a_shipped_offline_order_counts_as_paid(shop: ShopServices, items: dict[str, Any]) -> None:
    order = _place(shop, items["honey"])
    for status in ("confirmed", "shipped"):
        shop.order_admin.change_status(order.id, status, owner="owner@example.com")
    refund = shop.payments.refund(order.id, Decimal("21.00"), reason="returned", key="ship-1")
    assert refund.manual and refund.status == "succeeded"


def test_an_order_from_before_payments_reads_as_offline_pending(shop: ShopServices, items: dict[str, Any]) -> None:
    order = _place(shop, items["honey"])
    shop.db.orders.update_one({"_id": order.id}, {"$unset": {"payment": ""}, "$set": {"status": "completed"}})
    assert shop.orders.get(order.id).to_json()["payment"] == {"method": "offline", "status": "pending"}
    # Completed before payments existed: a return of it is refunded as a manual (offline) refund.
    refund = shop.payments.refund(order.id, Decimal("10.50"), reason="returned jar", key="old-1")
    assert refund.manual and refund.status == "succeeded"
    payment = shop.db.orders.find_one({"_id": order.id})["payment"]
    assert payment["method"] == "offline" and payment["status"] == "partially_refunded"
    assert payment["refunded"] == Decimal("10.50")


def test_the_payment_policy_states_the_configured_times() -> None:
    """docs/policies/payment.md quotes the release times: they must be the settings' defaults."""
    text = (PROJECT_ROOT / "docs" / "policies" / "payment.md").read_text(encoding="utf-8")
    defaults = Settings.model_fields
    days = defaults["bank_transfer_release_days"].default
    minutes = defaults["payment_release_minutes"].default
    assert f"within {days:g} days" in text
    assert f"unpaid for {minutes:g} minutes" in text
    assert "charged there, in full" in text  # when the card is charged: on the provider's page
    assert Path(PROJECT_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8").count("PAYMENT_RELEASE_MINUTES")

"""Return requests against the real database: the lifecycle, stock back and refund exactly once under
concurrency, the emails at each step, and the label."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest

from shop.core.errors import Conflict, InvalidInput, NotFound
from shop.returns.label import return_label
from shop.services import ShopServices
from tests.support.returns import EMAIL, delivered_order, return_input

OWNER = "owner@example.com"


def _stock(services: ShopServices, product: dict[str, Any]) -> int:
    return services.db.products.find_one({"_id": product["_id"]})["stock"]


def _kinds(services: ShopServices) -> list[str]:
    return [doc["kind"] for doc in services.db.outbox.find({"kind": {"$regex": "^return_"}}).sort("createdAt", 1)]


def test_a_request_within_the_policy_is_stored_and_emailed(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["earl"], 2), (items["honey"], 1)])
    made = services.returns.request(order.id, EMAIL.upper(), return_input((items["earl"], 2), reason="Too strong"))
    assert made.status == "requested" and made.refund_amount == Decimal("19.00")
    stored = services.db.returns.find_one({"_id": made.id})
    assert stored["orderId"] == order.id and stored["items"][0]["name"] == "Earl Grey Supreme"
    assert stored["reason"] == "Too strong" and stored["resolution"] == "refund"
    assert _kinds(services) == ["return_requested"]
    assert [r.id for r in services.returns.for_order(order.id)] == [made.id]


def test_a_refused_request_writes_nothing(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["honey"], 1)])
    with pytest.raises(InvalidInput, match="opened Pantry & Treats items cannot be returned for hygiene reasons"):
        services.returns.request(order.id, EMAIL, return_input((items["honey"], 1), opened=True))
    late = delivered_order(services, [(items["earl"], 1)], days_ago=31)
    with pytest.raises(InvalidInput, match="within 30 days of delivery"):
        services.returns.request(late.id, EMAIL, return_input((items["earl"], 1)))
    assert services.db.returns.count_documents({}) == 0 and _kinds(services) == []


def test_another_customers_order_and_unknown_products_are_refused(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    with pytest.raises(NotFound, match="No order matches that number and email"):
        services.returns.request(order.id, "mallory@example.com", return_input((items["earl"], 1)))
    with pytest.raises(InvalidInput, match="not part of order"):
        services.returns.request(order.id, EMAIL, return_input((items["honey"], 1)))
    assert services.db.returns.count_documents({}) == 0


def test_the_same_units_cannot_be_returned_twice(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["earl"], 2)])
    services.returns.request(order.id, EMAIL, return_input((items["earl"], 1)))
    services.returns.request(order.id, EMAIL, return_input((items["earl"], 1)))
    with pytest.raises(InvalidInput, match="already in a return request"):
        services.returns.request(order.id, EMAIL, return_input((items["earl"], 1)))


def test_racing_requests_for_the_last_unit_make_one(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    outcomes: list[object] = []

    def ask() -> None:
        try:
            outcomes.append(services.returns.request(order.id, EMAIL, return_input((items["earl"], 1))))
        except InvalidInput as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert services.db.returns.count_documents({"orderId": order.id}) == 1
    assert sum(isinstance(o, InvalidInput) for o in outcomes) == 3


def test_a_key_makes_a_retry_the_same_request(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    first = services.returns.request(order.id, EMAIL, return_input((items["earl"], 1)), key="act_1")
    again = services.returns.request(order.id, EMAIL, return_input((items["earl"], 1)), key="act_1")
    assert again.id == first.id and again.replayed and services.db.returns.count_documents({}) == 1


def test_approve_receive_refund_puts_stock_back_and_refunds_once(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["earl"], 2)])
    before = _stock(services, items["earl"])
    made = services.returns.request(order.id, EMAIL, return_input((items["earl"], 2)))
    approved = services.returns.approve(made.id, owner=OWNER)
    assert approved.status == "approved"
    with pytest.raises(Conflict):
        services.returns.approve(made.id, owner=OWNER)
    results: list[object] = []

    def receive() -> None:
        try:
            results.append(services.returns.receive(made.id, owner=OWNER))
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=receive) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(r, Conflict) for r in results) == 2
    assert _stock(services, items["earl"]) == before + 2  # back once
    assert services.db.inventory.find_one({"productId": items["earl"]["_id"]})["stockLevel"] == before + 2
    refunds = list(services.db.refunds.find({}))  # the payment service's: an offline order is refunded by hand
    assert len(refunds) == 1 and Decimal(str(refunds[0]["amount"])) == Decimal("19.00")
    assert refunds[0]["provider"] == "offline"
    stored = services.db.returns.find_one({"_id": made.id})
    assert stored["status"] == "refunded" and stored["refund"]["amount"] == Decimal("19.00")
    assert [h["status"] for h in stored["history"]] == ["requested", "approved", "received", "refunded"]
    assert services.returns.issue_refund(made.id, owner=OWNER).status == "refunded"  # a retry pays nothing more
    assert services.db.refunds.count_documents({}) == 1
    assert _kinds(services) == ["return_requested", "return_approved", "return_refunded"]
    approved_mail = services.db.outbox.find_one({"kind": "return_approved"})
    assert f"/orders/{order.id}/returns/{made.id}/label.pdf?email=" in approved_mail["text"]


def test_a_rejection_needs_a_reason_and_tells_the_customer(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    made = services.returns.request(order.id, EMAIL, return_input((items["earl"], 1)))
    with pytest.raises(InvalidInput):
        services.returns.reject(made.id, "  ", owner=OWNER)
    rejected = services.returns.reject(made.id, "The seal was broken in the photo.", owner=OWNER)
    assert rejected.status == "rejected"
    mail = services.db.outbox.find_one({"kind": "return_rejected"})
    assert "The seal was broken in the photo." in mail["text"]
    with pytest.raises(Conflict):
        services.returns.receive(made.id, owner=OWNER)
    # A rejected request's units may be asked for again.
    assert services.returns.request(order.id, EMAIL, return_input((items["earl"], 1))).status == "requested"


def test_damaged_items_are_written_off_and_an_exchange_ships_the_same_product(
    items: Any, services: ShopServices
) -> None:
    order = delivered_order(services, [(items["honey"], 1)])
    before = _stock(services, items["honey"])
    made = services.returns.request(
        order.id, EMAIL, return_input((items["honey"], 1), opened=True, damaged=True, resolution="exchange")
    )
    assert made.refund_amount == 0
    services.returns.approve(made.id, owner=OWNER)
    done = services.returns.receive(made.id, owner=OWNER)
    assert done.status == "exchanged" and done.replacement["status"] == "to_ship"
    assert _stock(services, items["honey"]) == before - 1  # the broken jar is not resold; a new one is taken
    assert services.db.refunds.count_documents({}) == 0
    assert _kinds(services)[-1] == "return_exchanged"


def test_the_label_is_a_pdf_with_the_rma_number(items: Any, services: ShopServices) -> None:
    order = delivered_order(services, [(items["earl"], 1)])
    made = services.returns.request(order.id, EMAIL, return_input((items["earl"], 1)))
    settings = services.settings.model_copy(update={"return_address": "AI Shop Returns, 1 Dock Road, Leeds LS1 1AA"})
    pdf = return_label(services.returns.get(made.id), settings)
    assert pdf.startswith(b"%PDF") and made.id.encode() in pdf and b"Dock Road" in pdf
    assert order.id.encode() in pdf and b"Earl Grey Supreme" in pdf

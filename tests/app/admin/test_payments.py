"""The admin order page's payment block: record an offline payment, refund all or part of it with a
confirmation box; a form submitted twice refunds once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from shop.ordering.orders import OrderRequest, OrderView
from shop.services import ShopServices
from tests.support.orders import order_body


def placed(
    owner_client: TestClient, services: ShopServices, items: dict[str, Any], quantity: int
) -> tuple[OrderView, str, dict[str, str]]:
    """An order of `quantity` Earl Grey, its admin page and the owner's CSRF form field."""
    order = services.checkout.place(
        OrderRequest.model_validate(order_body(items["earl"]["_id"], quantity)), channel="api", key=None
    )
    return order, f"/admin/orders/{order.id}", {"csrf_token": owner_client.csrf}  # type: ignore[attr-defined]


def test_owner_records_payment_then_refunds_once(
    owner_client: TestClient, services: ShopServices, items: dict[str, Any]
) -> None:
    order, url, csrf = placed(owner_client, services, items, 2)
    page = owner_client.get(url).text
    assert "Payment received" in page and "Refund amount" not in page
    paid = owner_client.post(f"{url}/payment/paid", data=csrf, follow_redirects=False)
    assert paid.status_code == 303 and "notice=paid" in paid.headers["location"]
    page = owner_client.get(url).text
    assert 'data-payment-status="paid"' in page and "Refund amount (empty: all of $24.95)" in page
    form = {**csrf, "key": f"{order.id}:0", "amount": "5.00", "reason": "dented tin"}
    unconfirmed = owner_client.post(f"{url}/payment/refund", data=form)
    assert unconfirmed.status_code == 409 and "Tick the box" in unconfirmed.text
    for _ in range(2):  # a double submit of one form
        done = owner_client.post(f"{url}/payment/refund", data={**form, "confirm": "yes"}, follow_redirects=False)
        assert done.status_code == 303 and "notice=refunded" in done.headers["location"]
    payment = services.db.orders.find_one({"_id": order.id})["payment"]
    assert payment["refunded"] == Decimal("5.00") and payment["status"] == "partially_refunded"
    # Empty amount: the rest.
    rest = {**csrf, "key": f"{order.id}:{payment['rev']}", "confirm": "yes"}
    assert owner_client.post(f"{url}/payment/refund", data=rest, follow_redirects=False).status_code == 303
    payment = services.db.orders.find_one({"_id": order.id})["payment"]
    assert payment["refunded"] == Decimal("24.95") and payment["status"] == "refunded"
    page = owner_client.get(url).text
    assert "Refund amount" not in page and "Refunded" in page
    # Without the CSRF token nothing happens.
    assert owner_client.post(f"{url}/payment/paid", data={}).status_code == 403


def test_a_huge_refund_amount_is_refused_on_the_page_not_a_500(
    owner_client: TestClient, services: ShopServices, items: dict[str, Any]
) -> None:
    order, url, csrf = placed(owner_client, services, items, 1)
    assert owner_client.post(f"{url}/payment/paid", data=csrf, follow_redirects=False).status_code == 303
    for amount in ("1e999", "-1e999", "1e27"):
        form = {**csrf, "key": f"{order.id}:1", "amount": amount, "confirm": "yes"}
        answer = owner_client.post(f"{url}/payment/refund", data=form)
        assert answer.status_code == 409, (amount, answer.status_code)  # the page again, as for any refusal
        assert "far more than any order could cost" in answer.text
    assert services.db.orders.find_one({"_id": order.id})["payment"].get("refunded") in (None, Decimal("0.00"))
